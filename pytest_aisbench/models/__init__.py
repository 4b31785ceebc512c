"""Backend classes (AISBench path: ``ais_bench.benchmark.models``)."""

from __future__ import annotations

from pytest_aisbench.models.base import BaseModel
from pytest_aisbench.models.base_api import BaseAPIModel
from pytest_aisbench.models.mindie_api import MindieStreamApi
from pytest_aisbench.models.output import Output, RequestOutput
from pytest_aisbench.models.tgi_api import TGICustomAPI
from pytest_aisbench.models.triton_api import TritonCustomAPI
from pytest_aisbench.models.vllm_api import VLLMCustomAPI, VLLMCustomAPIChat

__all__ = [
    "BaseAPIModel",
    "BaseModel",
    "MindieStreamApi",
    "Output",
    "RequestOutput",
    "TGICustomAPI",
    "TritonCustomAPI",
    "VLLMCustomAPI",
    "VLLMCustomAPIChat",
]
