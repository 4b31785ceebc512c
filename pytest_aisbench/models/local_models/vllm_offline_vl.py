"""AISBench's vLLM offline class (AISBench path: ``models.local_models.vllm_offline_vl``;
config ``vllm_offline_vl_model.py``, built-in backend ``vllm_offline_vl``).

`VLLMOfflineVLModel` runs ``vllm.LLM`` in this process: built once per session and backend,
shut down by `close`. Each ``generate`` call hands vLLM the whole batch, one request per prompt:
the prompt's turns rendered by the tokenizer's chat template (`vision.vision_prompt`), encoded
without special tokens (the template writes them), with that prompt's own images as its
``multi_modal_data``. Text-only models work the same way (no images, no processor).

Where it differs from AISBench's:

- every prompt of a batch is generated, each with its own images (AISBench sends only the first
  prompt, with every image of the batch, and returns one string for the whole batch);
- each answer is a `GeneratedText` with its token counts and vLLM's finish reason;
- ``max_out_len`` of the call, ``stop_words`` and the dataset's stop strings apply;
- decoding is greedy unless ``sample_kwargs`` say otherwise (``temperature=0``);
- the processor is vLLM's own for the model's architecture, not guessed from the path's name;
  ``vision_kwargs`` ``min_pixels``/``max_pixels`` become its ``mm_processor_kwargs``;
- ``max_seq_len``, when set and ``model_kwargs`` has no ``max_model_len``, becomes it.
"""

from __future__ import annotations

import gc
import importlib.util
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import CHAT_META_TEMPLATE
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.models.local_models.hf_generation import stop_words_of
from pytest_aisbench.models.local_models.hf_loading import (
    max_seq_len_of,
    model_folder,
    read_model_config,
)
from pytest_aisbench.models.local_models.vision import VisionSettings, vision_prompt
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.models.template import APITemplateParser
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType

NEEDS_TORCHVISION = ("qwen2_vl", "qwen2_5_vl", "qwen3_vl", "qwen2_5_omni")
"""Model types whose vLLM code imports transformers' torchvision-only Qwen2-VL image processor
(``vllm/model_executor/models/qwen2_vl.py`` imports its ``smart_resize``, and the others import
that module): vLLM cannot even inspect the architecture without torchvision."""
VLLM_FIX = (
    "install vLLM in the Python that runs pytest (on a CPU: bash scripts/setup_vllm.sh, then "
    "run ~/.cache/pytest-aisbench/vllm-venv/bin/python -m pytest ...)"
)


@MODELS.register_module()
class VLLMOfflineVLModel(BaseModel):
    """vLLM's offline engine (``vllm.LLM``) in this process; images per prompt."""

    def __init__(
        self,
        path: str,
        model_kwargs: dict[str, Any] | None = None,
        sample_kwargs: dict[str, Any] | None = None,
        vision_kwargs: dict[str, Any] | None = None,
        meta_template: dict[str, Any] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        max_seq_len: int | None = None,
        stop_words: Sequence[str] | None = None,
        chat_template_kwargs: dict[str, Any] | None = None,
        tokenizer_path: str | None = None,
        trust_remote_code: bool = False,
        **other_kwargs: Any,
    ) -> None:
        super().__init__(
            path=path,
            max_seq_len=max_seq_len or 0,
            meta_template=meta_template,
            generation_kwargs=generation_kwargs,
        )
        self.template_parser = APITemplateParser(meta_template or CHAT_META_TEMPLATE)
        self.max_out_len = other_kwargs.get("max_out_len")
        self.vision = VisionSettings.from_kwargs(vision_kwargs)
        self.stop_words = stop_words_of(stop_words)
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self.sample_kwargs = {"temperature": 0.0, **self.generation_kwargs, **(sample_kwargs or {})}
        self.sample_kwargs.pop("max_tokens", None)  # each call's max_out_len decides
        self.sampling_params(self.max_out_len or 16)  # bad sample_kwargs fail here, not per batch
        from vllm import LLM

        options = self.engine_options(model_kwargs or {}, max_seq_len, tokenizer_path)
        options.setdefault("trust_remote_code", trust_remote_code)
        try:
            self.llm: Any = LLM(model=str(Path(path).expanduser()), **options)
        except Exception as exc:
            hint = cpu_memory_hint(options)
            if hint:
                raise RuntimeError(f"{exc} ({hint})") from exc
            raise
        self.tokenizer: Any = self.llm.get_tokenizer()
        if not self.max_seq_len:
            self.max_seq_len = int(self.llm.llm_engine.model_config.max_model_len)

    def engine_options(
        self, model_kwargs: Mapping[str, Any], max_seq_len: int | None, tokenizer_path: str | None
    ) -> dict[str, Any]:
        """``vllm.LLM`` keyword arguments: ``model_kwargs`` plus what other keys imply."""
        options = dict(model_kwargs)
        if max_seq_len and "max_model_len" not in options:
            options["max_model_len"] = max_seq_len
        if tokenizer_path and "tokenizer" not in options:
            options["tokenizer"] = str(Path(tokenizer_path).expanduser())
        pixels = self.vision.processor_kwargs()
        if pixels:
            options["mm_processor_kwargs"] = {**pixels, **dict(options.get("mm_processor_kwargs")
                                                                 or {})}  # fmt: skip
        return options

    @classmethod
    def check_config(cls, settings: Mapping[str, Any], source: str) -> None:
        """vLLM importable here, ``path`` a model folder, ``vision_kwargs`` valid; nothing is
        loaded (vLLM's own import takes seconds)."""
        if importlib.util.find_spec("vllm") is None:
            raise ConfigError(
                f"{cls.__name__} needs vllm, which this Python does not have: {VLLM_FIX}",
                source=source,
                key="type",
            )
        config = read_model_config(model_folder(settings.get("path"), source, cls.__name__), source)
        model_type = str(config.get("model_type", ""))
        if model_type in NEEDS_TORCHVISION and importlib.util.find_spec("torchvision") is None:
            raise ConfigError(
                f"vLLM's code for {model_type} models imports torchvision, which this Python "
                "lacks (PyPI's torchvision does not load beside CPU-only torch): run the model "
                "with hf_vl (transformers, no torchvision), or where torchvision loads",
                source=source,
                key="path",
            )
        try:
            VisionSettings.from_kwargs(settings.get("vision_kwargs"))
        except ConfigError as exc:
            raise ConfigError(str(exc), source=source) from None
        cls._check_length(settings, source)

    @staticmethod
    def _check_length(settings: Mapping[str, Any], source: str) -> None:
        """vLLM's ``max_model_len`` within the model's context length (vLLM refuses more, after
        seconds of start-up, unless ``VLLM_ALLOW_LONG_MAX_MODEL_LEN=1``)."""
        limit = max_seq_len_of(str(settings["path"]))
        model_kwargs = dict(settings.get("model_kwargs") or {})
        key = "model_kwargs" if "max_model_len" in model_kwargs else "max_seq_len"
        asked = model_kwargs.get("max_model_len") or settings.get("max_seq_len")
        allowed = os.environ.get("VLLM_ALLOW_LONG_MAX_MODEL_LEN") == "1"
        what = "max_model_len in model_kwargs" if key == "model_kwargs" else "max_seq_len"
        if limit and isinstance(asked, int) and asked > limit and not allowed:
            raise ConfigError(
                f"max_model_len {asked} is above the model's context length {limit} "
                f"(config.json); set {what} to {limit} or less, e.g. --aisbench-set "
                f"\"model_kwargs={{'max_model_len': {min(limit, 4096)}, 'enforce_eager': True}}\"",
                source=source,
                key=key,
            )

    def sampling_params(self, max_out_len: int, stop: Sequence[str] = (), **extra: Any) -> Any:
        """vLLM's ``SamplingParams`` for one call; a bad ``sample_kwargs`` key names the key."""
        from vllm import SamplingParams

        settings = {**self.sample_kwargs, **extra, "max_tokens": max_out_len}
        if stop:
            settings["stop"] = [*(settings.get("stop") or []), *stop]
        try:
            return SamplingParams(**settings)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"vLLM rejects {settings}: {exc}", key="sample_kwargs") from None

    def request(self, prompt: PromptType) -> dict[str, Any]:
        """One vLLM prompt: the template's token ids and this prompt's own images."""
        vision = vision_prompt(prompt)
        text = self.tokenizer.apply_chat_template(
            vision.messages, add_generation_prompt=True, tokenize=False, **self.chat_template_kwargs
        )
        request: dict[str, Any] = {
            "prompt_token_ids": list(self.tokenizer.encode(text, add_special_tokens=False))
        }
        if vision.images:
            request["multi_modal_data"] = {"image": vision.images}
        return request

    def generate(  # type: ignore[override]  # AISBench's signature: min_out_len, stopping_criteria
        self,
        inputs: list[PromptType],
        max_out_len: int,
        min_out_len: int | None = None,
        stopping_criteria: Sequence[str] = (),
        **kwargs: Any,
    ) -> list[str]:
        """One `GeneratedText` per input, in order, from one call to ``LLM.generate``."""
        extra = dict(kwargs)
        if min_out_len:
            extra["min_tokens"] = min_out_len
        params = self.sampling_params(
            max_out_len, stop_words_of(self.stop_words, stopping_criteria), **extra
        )
        requests = [self.request(prompt) for prompt in inputs]
        outputs = self.llm.generate(requests, sampling_params=params, use_tqdm=False)
        return [_answer(output) for output in outputs]

    def encode(self, prompt: str) -> list[int]:
        return list(self.tokenizer.encode(prompt, add_special_tokens=False))

    def decode(self, tokens: list[int]) -> str:
        return str(self.tokenizer.decode(tokens))

    def close(self) -> None:
        """Stop vLLM's engine processes and drop the model."""
        engine = getattr(getattr(self, "llm", None), "llm_engine", None)
        core = getattr(engine, "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()
        self.llm = None
        gc.collect()


def cpu_memory_hint(options: Mapping[str, Any]) -> str:
    """Why a vLLM engine on a CPU most often fails to start, when that may be the cause here.

    Without ``VLLM_CPU_KVCACHE_SPACE``, vLLM's CPU worker reserves ``gpu_memory_utilization``
    (0.92 by default) of the whole memory node and refuses to start when less is free, which on a
    machine running anything else is nearly always. Its message stays in the engine process's log;
    the run's error names the fix."""
    if os.environ.get("VLLM_CPU_KVCACHE_SPACE") or "kv_cache_memory_bytes" in options:
        return ""
    from vllm.platforms import current_platform

    if not current_platform.is_cpu():
        return ""
    return (
        "on a CPU, vLLM reserves gpu_memory_utilization (0.92 unless model_kwargs sets it) of the "
        "machine's memory unless VLLM_CPU_KVCACHE_SPACE is set: set VLLM_CPU_KVCACHE_SPACE=1 "
        "(GiB of KV cache) in the environment"
    )


def _answer(output: Any) -> GeneratedText:
    """vLLM's result for one prompt as a `GeneratedText`."""
    completion = output.outputs[0]
    return GeneratedText(
        completion.text,
        output_tokens=len(completion.token_ids),
        finish_reason=completion.finish_reason,
        input_tokens=len(output.prompt_token_ids or ()),
    )
