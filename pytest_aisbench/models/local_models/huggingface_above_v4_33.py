"""AISBench's HuggingFace classes for transformers >= 4.33 (AISBench path:
``models.local_models.huggingface_above_v4_33``).

- `HuggingFacewithChatTemplate` (config ``hf_chat_model.py``, built-in backend ``hf_chat``):
  the prompt's turns through the tokenizer's chat template, ``chat_template_kwargs`` passed on
  (``enable_thinking=False`` for Qwen3).
- `HuggingFaceBaseModel` (config ``hf_base_model.py``, built-in backend ``hf_base``): the
  prompt as one string (turns joined with nothing between them), BOS added by the tokenizer.

Both share `HFTextModel`; where they differ from AISBench is written there and in the README
(stops never read the prompt, truncation leaves room for the answer, the model's own dtype,
greedy unless ``generation_kwargs`` sample, ``trust_remote_code`` off unless set).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.local_models.hf_text import HFTextModel
from pytest_aisbench.registry import MODELS


@MODELS.register_module()
class HuggingFacewithChatTemplate(HFTextModel):
    """A chat model: prompts rendered with its tokenizer's chat template."""

    chat = True
    add_special_tokens = False  # the chat template writes BOS and the turn markers

    @classmethod
    def check_config(cls, settings: Mapping[str, Any], source: str) -> None:
        """The HuggingFace checks, and a chat template to render prompts with."""
        super().check_config(settings, source)
        folder = Path(str(settings.get("tokenizer_path") or settings["path"])).expanduser()
        if not has_chat_template(folder, settings.get("tokenizer_kwargs") or {}):
            raise ConfigError(
                f"the tokenizer in {folder} has no chat template; use the base-model backend "
                "(HuggingFaceBaseModel, hf_base), or give one with "
                "tokenizer_kwargs=dict(chat_template='...')",
                source=source,
                key="type",
            )


@MODELS.register_module()
class HuggingFaceBaseModel(HFTextModel):
    """A base (completion) model: prompts as one string, BOS added by the tokenizer."""

    chat = False
    add_special_tokens = True

    def __init__(self, *args: Any, drop_middle: bool = False, **kwargs: Any) -> None:
        """AISBench's ``drop_middle`` keeps the head and tail of a long prompt: ``mode='mid'``."""
        if drop_middle:
            kwargs["mode"] = "mid"
        super().__init__(*args, **kwargs)


def has_chat_template(folder: Path, tokenizer_kwargs: Mapping[str, Any]) -> bool:
    """Whether the tokenizer saved in `folder` (or `tokenizer_kwargs`) carries a chat template."""
    if tokenizer_kwargs.get("chat_template"):
        return True
    if (folder / "chat_template.jinja").is_file() or (folder / "chat_template.json").is_file():
        return True
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(isinstance(config, dict) and config.get("chat_template"))
