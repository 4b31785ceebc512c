"""Backend classes (AISBench path: ``ais_bench.benchmark.models``).

Besides the classes below, a name registered by an installed package under the entry-point
group ``pytest_aisbench.models`` imports from here too (``from pytest_aisbench.models import
MyCustomModel``), as a class added to AISBench's ``models/__init__.py`` would.
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.api_models.mindie_stream_api import MindieStreamApi
from pytest_aisbench.models.api_models.tgi_api import TGICustomAPI, TGICustomAPIStream
from pytest_aisbench.models.api_models.triton_api import TritonCustomAPI, TritonCustomAPIStream
from pytest_aisbench.models.api_models.vita_generate_api import VITAGenerateAPI
from pytest_aisbench.models.api_models.vllm_custom_api import VLLMCustomAPI, VLLMCustomAPIStream
from pytest_aisbench.models.api_models.vllm_custom_api_chat import (
    VLLMCustomAPIChat,
    VLLMCustomAPIChatStream,
    VLLMFunctionCallAPIChat,
    VllmMultiturnAPIChatStream,
)
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.models.local_models.huggingface import HuggingFace, HuggingFaceCausalLM
from pytest_aisbench.models.local_models.huggingface_above_v4_33 import (
    HuggingFaceBaseModel,
    HuggingFacewithChatTemplate,
)
from pytest_aisbench.models.local_models.huggingface_vl import HuggingFaceQwen2VLwithChatTemplate
from pytest_aisbench.models.local_models.vllm_offline_vl import VLLMOfflineVLModel
from pytest_aisbench.models.output import Output, RequestOutput
from pytest_aisbench.models.template import APITemplateParser, LMTemplateParser
from pytest_aisbench.utils.prompt import PromptType

NOT_PROVIDED = {
    "QwenImageEditModel": "local_models.qwen_image_edit_mindie_sd",
}
"""AISBench's backend classes that pytest-aisbench does not provide (yet), and their modules."""

__all__ = [
    "APITemplateParser",
    "BaseAPIModel",
    "BaseModel",
    "HuggingFace",
    "HuggingFaceBaseModel",
    "HuggingFaceCausalLM",
    "HuggingFaceQwen2VLwithChatTemplate",
    "HuggingFacewithChatTemplate",
    "LMTemplateParser",
    "MindieStreamApi",
    "Output",
    "PromptType",
    "RequestOutput",
    "TGICustomAPI",
    "TGICustomAPIStream",
    "TritonCustomAPI",
    "TritonCustomAPIStream",
    "VITAGenerateAPI",
    "VLLMCustomAPI",
    "VLLMCustomAPIChat",
    "VLLMCustomAPIChatStream",
    "VLLMCustomAPIStream",
    "VLLMFunctionCallAPIChat",
    "VLLMOfflineVLModel",
    "VllmMultiturnAPIChatStream",
]


def __getattr__(name: str) -> Any:
    """A class from an installed package's entry point, or a clear word on AISBench's missing
    local backends (an `ImportError`, so ``from ... import`` shows it as it is)."""
    if name.startswith("__"):
        raise AttributeError(name)
    if name in NOT_PROVIDED:
        raise missing_backend(name)
    from pytest_aisbench.registry import MODELS

    MODELS.load_entry_points()
    if name in MODELS:
        return MODELS.get(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def missing_backend(name: str) -> ImportError:
    """The error for importing an AISBench backend class that is not provided here."""
    return ImportError(
        f"{name} is an AISBench local backend (ais_bench.benchmark.models."
        f"{NOT_PROVIDED[name]}) that pytest-aisbench does not provide yet; run it through a "
        "server backend (vllm_chat, tgi, ...), or register your own class under the "
        "entry-point group 'pytest_aisbench.models'",
        name=name,
    )
