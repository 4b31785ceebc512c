"""vLLM and any OpenAI-compatible server, chat: `VLLMCustomAPIChat` and AISBench's aliases.

The protocol facts are in `vllm_custom_api`; chat adds ``messages`` (a prompt's turns, rendered
by the chat meta template) and reasoning text (``reasoning_content`` or ``reasoning``), kept
apart from the answer.
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.models.api_models.base_api import CHAT_META_TEMPLATE
from pytest_aisbench.models.api_models.vllm_custom_api import VLLMCustomAPI
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType, prompt_to_messages


@MODELS.register_module()
class VLLMCustomAPIChat(VLLMCustomAPI):
    """OpenAI chat completions (``/v1/chat/completions``); reasoning is kept apart."""

    endpoint = "v1/chat/completions"
    chat_prompts = True
    default_meta_template = CHAT_META_TEMPLATE

    def _prompt_fields(self, input: PromptType) -> dict[str, Any]:
        return {"messages": prompt_to_messages(input)}

    def _read_choice_text(self, choice: dict[str, Any], output: RequestOutput, whole: bool) -> None:
        part = choice.get("message" if whole else "delta") or {}
        output.content += part.get("content") or ""
        output.reasoning_content += part.get("reasoning_content") or part.get("reasoning") or ""


@MODELS.register_module()
class VLLMCustomAPIChatStream(VLLMCustomAPIChat):
    """AISBench's deprecated alias: `VLLMCustomAPIChat` that always streams."""

    default_stream = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["stream"] = True
        super().__init__(*args, **kwargs)


@MODELS.register_module()
class VllmMultiturnAPIChatStream(VLLMCustomAPIChatStream):
    """AISBench's deprecated multi-turn alias; its ``custom_client`` key has no effect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("custom_client", None)
        super().__init__(*args, **kwargs)


@MODELS.register_module()
class VLLMFunctionCallAPIChat(VLLMCustomAPIChat):
    """AISBench's deprecated function-call alias: `VLLMCustomAPIChat` that never streams."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["stream"] = False
        super().__init__(*args, **kwargs)
