"""AISBench's HuggingFace classes for transformers < 4.33 (AISBench path:
``models.local_models.huggingface``): `HuggingFace` and `HuggingFaceCausalLM`.

Prompts are one string rendered by the config's ``meta_template`` (`LMTemplateParser`), BOS
added by the tokenizer. The pre-4.33 keys keep their meaning: ``batch_padding=False`` (the
default) generates one prompt at a time, ``True`` one left-padded batch;
``extract_pred_after_decode`` decodes prompt and answer together and drops the prompt's text;
``hf_cache_dir`` (default ``$HF_MODEL_HUB``) is transformers' ``cache_dir``; ``end_str`` is one
more stop word; a negative ``pad_token_id`` counts from the vocabulary's end. `HuggingFace`
falls back to ``AutoModel`` when the folder holds no causal LM; `HuggingFaceCausalLM` does not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.local_models.hf_generation import BatchRequest
from pytest_aisbench.models.local_models.hf_text import HFTextModel
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType


@MODELS.register_module()
class HuggingFace(HFTextModel):
    """A HuggingFace model, AutoModelForCausalLM or else AutoModel, with the pre-4.33 keys."""

    auto_model_fallback = True
    default_max_seq_len = 2048  # AISBench's default for this class

    def __init__(
        self,
        path: str,
        hf_cache_dir: str | None = None,
        batch_padding: bool = False,
        extract_pred_after_decode: bool = False,
        end_str: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(path, hf_cache_dir=hf_cache_dir or os.getenv("HF_MODEL_HUB"), **kwargs)
        self.batch_padding = batch_padding
        self.extract_pred_after_decode = extract_pred_after_decode
        self.end_str = end_str
        if end_str:
            self.stop_words = (*self.stop_words, end_str)

    @classmethod
    def check_config(cls, settings: Mapping[str, Any], source: str) -> None:
        if settings.get("use_fastchat_template"):
            raise ConfigError(
                "fastchat templates are not supported; use HuggingFacewithChatTemplate (the "
                "tokenizer's own chat template) or a meta_template",
                source=source,
                key="use_fastchat_template",
            )
        super().check_config(settings, source)

    def generate_padded(
        self, inputs: Sequence[PromptType], request: BatchRequest
    ) -> list[GeneratedText]:
        """One padded batch with ``batch_padding``, else one prompt at a time (AISBench)."""
        if self.batch_padding or len(inputs) == 1:
            answers = super().generate_padded(inputs, request)
        else:
            one = super().generate_padded
            answers = [one([prompt], request)[0] for prompt in inputs]
        if self.extract_pred_after_decode:
            cut = request.max_out_len
            return [self._after_prompt(p, a, cut) for p, a in zip(inputs, answers, strict=True)]
        return answers

    def _after_prompt(self, prompt: PromptType, answer: GeneratedText, max_out_len: int) -> Any:
        """The answer as decoded together with its prompt, the prompt's text dropped: for
        tokenizers whose decoding of the answer alone loses leading spaces."""
        prompt_ids = self.encode_prompt(prompt, max_out_len)
        answer_ids = self.tokenizer.encode(str(answer), add_special_tokens=False)
        whole = self.tokenizer.decode(prompt_ids + answer_ids, skip_special_tokens=True)
        head = self.tokenizer.decode(prompt_ids, skip_special_tokens=True)
        return GeneratedText(
            whole[len(head) :],
            output_tokens=answer.output_tokens,
            finish_reason=answer.finish_reason,
            input_tokens=answer.input_tokens,
        )


@MODELS.register_module()
class HuggingFaceCausalLM(HuggingFace):
    """`HuggingFace` that loads only AutoModelForCausalLM."""

    auto_model_fallback = False
