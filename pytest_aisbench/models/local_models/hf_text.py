"""`HFTextModel`: what AISBench's four HuggingFace text classes share.

A transformers causal LM in this process: checked when the backend file loads
(`check_config`), loaded once when the backend is built, run one batch per ``generate`` call,
released by `close`. The AISBench classes (``huggingface_above_v4_33.py``, ``huggingface.py``)
only say how a prompt becomes text and which AISBench defaults they keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import CHAT_META_TEMPLATE
from pytest_aisbench.models.local_models import hf_generation as gen
from pytest_aisbench.models.local_models import hf_loading as loading
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.models.template import APITemplateParser, LMTemplateParser
from pytest_aisbench.utils.prompt import PromptType


class HFTextModel(BaseModel):
    """A HuggingFace causal LM. Subclasses set the class attributes below."""

    group_by_length = True
    chat: bool = False
    """Prompts go through the tokenizer's chat template (else they are one string)."""
    add_special_tokens: bool = True
    """Whether encoding a prompt adds BOS (a chat template writes its own)."""
    auto_model_fallback: bool = False
    """Load with ``AutoModel`` when the folder holds no causal LM (AISBench's `HuggingFace`)."""
    auto_class: str = "AutoModelForCausalLM"
    """The transformers auto class that loads the weights."""
    default_max_seq_len: int | None = None
    """``max_seq_len`` when the config gives None: None reads the model's ``config.json``."""

    def __init__(
        self,
        path: str,
        model_kwargs: dict[str, Any] | None = None,
        tokenizer_path: str | None = None,
        tokenizer_kwargs: dict[str, Any] | None = None,
        peft_path: str | None = None,
        peft_kwargs: dict[str, Any] | None = None,
        tokenizer_only: bool = False,
        generation_kwargs: dict[str, Any] | None = None,
        max_seq_len: int | None = None,
        meta_template: dict[str, Any] | None = None,
        pad_token_id: int | None = None,
        stop_words: Sequence[str] | None = None,
        mode: str = "none",
        chat_template_kwargs: dict[str, Any] | None = None,
        sync_rank: bool = False,
        trust_remote_code: bool = False,
        hf_cache_dir: str | None = None,
        **other_kwargs: Any,
    ) -> None:
        super().__init__(
            path=path,
            max_seq_len=self._max_seq_len(max_seq_len, path),
            tokenizer_only=tokenizer_only,
            meta_template=meta_template,
            generation_kwargs=generation_kwargs,
            sync_rank=sync_rank,
        )
        self.template_parser = (
            APITemplateParser(meta_template or CHAT_META_TEMPLATE)
            if self.chat
            else LMTemplateParser(meta_template)
        )
        self.max_out_len = other_kwargs.get("max_out_len")
        self.mode = mode
        self.stop_words = gen.stop_words_of(stop_words)
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self.tokenizer = loading.load_tokenizer(
            tokenizer_path or path,
            tokenizer_kwargs or {},
            pad_token_id=pad_token_id,
            trust_remote_code=trust_remote_code,
            cache_dir=hf_cache_dir,
            logger=self.logger,
        )
        self.model: Any = None
        self.settings: gen.GenerationSettings | None = None
        self.eos_ids: set[int] = set()
        if not tokenizer_only:
            options = loading.model_options(model_kwargs or {}, trust_remote_code, hf_cache_dir)
            self._load_model(path, options, peft_path, peft_kwargs)

    def _load_model(
        self,
        path: str,
        options: dict[str, Any],
        peft_path: str | None,
        peft_kwargs: dict[str, Any] | None,
    ) -> None:
        """The weights (once per session and backend), their EOS ids and the settings."""
        self.model = loading.load_model(
            path,
            options,
            auto_model_fallback=self.auto_model_fallback,
            auto_class=self.auto_class,
            peft_path=peft_path,
            peft_kwargs=peft_kwargs,
            logger=self.logger,
        )
        self.eos_ids = gen.eos_ids_of(self.tokenizer, self.model.generation_config)
        self.settings = gen.generation_settings(
            self.model.generation_config, self.generation_kwargs, self.eos_ids, self.logger
        )

    def _max_seq_len(self, given: int | None, path: str) -> int:
        """``max_seq_len``, else the class default, else the model's own context length."""
        value = given or self.default_max_seq_len or loading.max_seq_len_of(path)
        if value is None:
            raise ValueError(
                f"max_seq_len is not set and {path}/config.json names no context length "
                "(max_position_embeddings); set max_seq_len in the backend file"
            )
        return int(value)

    # -- checks before the run -----------------------------------------------------------------

    @classmethod
    def check_config(cls, settings: Mapping[str, Any], source: str) -> None:
        """Packages, folders, weights and memory (`hf_loading.check_hf_config`), then the
        lengths and, for chat, that the tokenizer has a chat template."""
        loading.check_hf_config(settings, source, cls.__name__)
        max_out = settings.get("max_out_len")
        max_seq = (
            settings.get("max_seq_len")
            or cls.default_max_seq_len
            or loading.max_seq_len_of(str(settings["path"]))
        )
        if isinstance(max_out, int) and isinstance(max_seq, int) and max_out >= max_seq:
            raise ConfigError(
                f"max_out_len={max_out} leaves no room for the prompt under max_seq_len="
                f"{max_seq}; lower max_out_len or raise max_seq_len",
                source=source,
                key="max_out_len",
            )

    # -- generation ----------------------------------------------------------------------------

    def render(self, prompt: PromptType) -> str:
        """A prompt as the text the tokenizer encodes (the subclass's conversion)."""
        gen.refuse_content_parts(prompt, type(self).__name__)
        if self.chat:
            return str(
                self.tokenizer.apply_chat_template(
                    gen.chat_messages(prompt),
                    add_generation_prompt=True,
                    tokenize=False,
                    **self.chat_template_kwargs,
                )
            )
        return gen.prompt_text(prompt)

    def encode_prompt(self, prompt: PromptType, max_out_len: int) -> list[int]:
        """A prompt's token ids, cut to leave room for `max_out_len` (see `gen.fit_prompt`)."""
        text = self.render(prompt)
        ids = self.tokenizer.encode(text, add_special_tokens=self.add_special_tokens)
        fitted = gen.fit_prompt(ids, self.max_seq_len, max_out_len, self.mode)
        if len(fitted) < len(ids) and not getattr(self, "_warned_cut", False):
            self._warned_cut = True
            self.logger.warning(
                "a prompt of %d tokens was cut to %d (max_seq_len=%d minus max_out_len=%d, "
                "mode=%r); later cuts are not reported",
                len(ids), len(fitted), self.max_seq_len, max_out_len, self.mode,
            )  # fmt: skip
        return fitted

    def model_inputs(self, inputs: Sequence[PromptType], max_out_len: int) -> dict[str, Any]:
        """The batch as ``model.generate`` takes it: each prompt fitted (`encode_prompt`), the
        rows padded on the left. The vision-language class adds its images here."""
        rows = [self.encode_prompt(prompt, max_out_len) for prompt in inputs]
        return gen.left_pad(rows, int(self.tokenizer.pad_token_id), self.model.device)

    def generate(  # type: ignore[override]  # AISBench's signature: min_out_len, stopping_criteria
        self,
        inputs: Sequence[PromptType],
        max_out_len: int,
        min_out_len: int | None = None,
        stopping_criteria: Sequence[str] = (),
        **kwargs: Any,
    ) -> list[GeneratedText]:
        """One `GeneratedText` per input, in order, from one left-padded batch.

        `stopping_criteria` are the dataset's stop words, added to the backend's; `kwargs` are
        generation settings for this call only.
        """
        if self.sync_rank:
            inputs = self.sync_inputs(inputs)
        if self.model is None or self.settings is None:
            raise RuntimeError(
                f"{type(self).__name__} was built with tokenizer_only=True and cannot generate; "
                "set tokenizer_only=False"
            )
        settings = self.settings
        if kwargs:
            merged = {**self.generation_kwargs, **kwargs}
            settings = gen.generation_settings(self.model.generation_config, merged, self.eos_ids)
        request = gen.BatchRequest(
            settings=settings,
            max_out_len=max_out_len,
            stop_words=gen.stop_words_of(self.stop_words, stopping_criteria),
            min_out_len=min_out_len,
        )
        return self.generate_padded(inputs, request)

    def generate_padded(
        self, inputs: Sequence[PromptType], request: gen.BatchRequest
    ) -> list[GeneratedText]:
        """The batch of `inputs` (`model_inputs`: left-padded) through `gen.generate_batch`."""
        batch = self.model_inputs(inputs, request.max_out_len)
        return gen.generate_batch(self.model, self.tokenizer, batch, request)

    # -- tokens ----------------------------------------------------------------------------------

    def encode(self, prompt: str) -> list[int]:
        """Token ids of `prompt` with the model's own tokenizer, without special tokens."""
        return list(self.tokenizer.encode(prompt, add_special_tokens=False))

    def decode(self, tokens: list[int]) -> str:
        return str(self.tokenizer.decode(tokens))

    def get_token_len(self, prompt: Any) -> int:
        """Tokens of a prompt as the model is sent it (chat template or BOS included)."""
        text = self.render(prompt)
        return len(self.tokenizer.encode(text, add_special_tokens=self.add_special_tokens))

    def close(self) -> None:
        """Free the weights (and the GPU cache) at the session's end."""
        if self.model is not None:
            loading.release(self, "model")
