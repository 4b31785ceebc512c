"""Generating with a HuggingFace model: prompts in, `GeneratedText` answers out.

Shared by every transformers backend (text and vision-language). The steps, each a function:

- `chat_messages`: a rendered prompt as chat messages (roles mapped, same-role turns merged).
- `refuse_content_parts`: a text model's clear error for a prompt with images.
- `fit_prompt`: a prompt's token ids cut to leave room for ``max_out_len`` under
  ``max_seq_len``: from the left (the question at the end stays), or ``mode='mid'`` keeping
  head and tail. AISBench cuts at ``max_seq_len`` itself and leaves no room to generate.
- `left_pad`: a batch padded on the left, as decoder-only models need.
- `generation_settings`: ``generation_kwargs`` checked once against the model's generation
  config: greedy unless they say otherwise, keys transformers does not know and its own
  complaints reported in one warning, ``seed`` honoured.
- `StopWords`: a stopping criterion that reads only the generated tokens, never the prompt's
  (AISBench's looks back into the prompt and can stop before the first token).
- `generate_batch`: ``model.generate`` on one batch, each row cut at its EOS or first stop
  word, decoded into a `GeneratedText` with its token count and finish reason.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.utils.prompt import PromptList, PromptType, prompt_to_messages

_ENGINE_KEYS = frozenset({"is_synthetic", "batch_size", "do_performance"})
"""Keys AISBench's inferencer mixes into generation kwargs; not generation settings."""


# -- prompts ---------------------------------------------------------------------------------------


def chat_messages(prompt: PromptType) -> list[dict[str, Any]]:
    """OpenAI-style messages of a prompt: empty turns left out, consecutive turns of one role
    joined with a newline (AISBench's chat conversion)."""
    merged: list[dict[str, Any]] = []
    for message in prompt_to_messages(prompt):
        content = message.get("content")
        if content in ("", None):
            continue
        if merged and merged[-1]["role"] == message["role"] and isinstance(content, str):
            merged[-1]["content"] = f"{merged[-1]['content']}\n{content}"
        else:
            merged.append(dict(message))
    return merged


def refuse_content_parts(prompt: PromptType, backend: str) -> None:
    """A text model given a turn of content parts (images) says so, instead of sending the
    parts' repr as text or failing deep in the chat template."""
    if any(not isinstance(m.get("content"), str | None) for m in prompt_to_messages(prompt)):
        raise ValueError(
            f"{backend} takes text prompts only and this prompt holds content parts (images); "
            "use a vision-language backend: hf_vl or vllm_offline_vl"
        )


def prompt_text(prompt: PromptType) -> str:
    """A prompt as one string: a rendered string as is, a `PromptList`'s turns joined with
    nothing between them (AISBench's base-model conversion)."""
    if isinstance(prompt, PromptList):
        return "".join(str(turn.get("prompt", "")) for turn in prompt.turns())
    return str(prompt)


def fit_prompt(ids: Sequence[int], max_seq_len: int, max_out_len: int, mode: str) -> list[int]:
    """`ids` cut to ``max_seq_len - max_out_len`` tokens, so the answer has room.

    ``mode='none'`` keeps the end (the question); ``'mid'`` keeps the first and last halves.
    """
    budget = max_seq_len - max_out_len
    if budget < 1:
        raise ValueError(
            f"max_out_len={max_out_len} leaves no room for the prompt under "
            f"max_seq_len={max_seq_len}; raise max_seq_len or lower max_out_len"
        )
    if len(ids) <= budget:
        return list(ids)
    if mode == "mid":
        head = budget // 2
        return [*ids[:head], *ids[len(ids) - (budget - head) :]]
    return list(ids[len(ids) - budget :])


def left_pad(rows: Sequence[Sequence[int]], pad_id: int, device: Any = None) -> dict[str, Any]:
    """``input_ids`` and ``attention_mask`` of a batch, padded on the left."""
    import torch

    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if row:
            ids[i, width - len(row) :] = torch.tensor(list(row), dtype=torch.long)
            mask[i, width - len(row) :] = 1
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device)}


# -- generation settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationSettings:
    """A backend's generation settings, checked once when it is built."""

    config: Any
    """A ``transformers.GenerationConfig``: the model's own, updated by ``generation_kwargs``."""
    seed: int | None = None
    """``generation_kwargs`` ``seed``: torch's seed before each batch, so sampling repeats."""
    ignored: tuple[str, ...] = ()
    """``generation_kwargs`` keys that are not generation settings (reported, not used)."""
    complaint: str = ""
    """What transformers' validation says about the settings, reported once when built; its
    own repeat of it at each ``generate`` is silenced (`quiet_config_warnings`)."""

    def for_batch(
        self, max_new_tokens: int, pad_token_id: int | None, min_new_tokens: int | None = None
    ) -> Any:
        """The config of one ``generate`` call (passed whole, so nothing is validated twice)."""
        config = copy.deepcopy(self.config)
        config.max_new_tokens = max_new_tokens
        config.max_length = None  # max_new_tokens decides; both set makes transformers warn
        if min_new_tokens is not None:
            config.min_new_tokens = min_new_tokens
        config.pad_token_id = pad_token_id
        return config


def generation_settings(
    base: Any, generation_kwargs: Mapping[str, Any], eos_ids: Iterable[int], logger: Any = None
) -> GenerationSettings:
    """The model's generation config updated by ``generation_kwargs``; greedy by default.

    ``temperature=0`` means greedy (as servers read it). Keys transformers does not know, and
    what its validation says about the rest, become one logged warning, here, once.
    """
    kwargs = {k: v for k, v in generation_kwargs.items() if k not in _ENGINE_KEYS}
    seed = kwargs.pop("seed", None)
    if kwargs.get("temperature") == 0 and not kwargs.get("do_sample"):
        kwargs.pop("temperature")
    kwargs.setdefault("do_sample", False)
    config = copy.deepcopy(base)
    config.eos_token_id = sorted(set(eos_ids)) or None
    ignored = [key for key in kwargs if not hasattr(config, key)]
    for key, value in kwargs.items():
        if key not in ignored:
            setattr(config, key, value)
    complaint = _validation_issues(config, set(kwargs) - set(ignored))
    warning = []
    if ignored:
        warning.append(f"keys not known to transformers, ignored: {', '.join(sorted(ignored))}")
    if complaint:
        warning.append(f"transformers says: {complaint}")
    if warning and logger is not None:
        logger.warning("generation_kwargs: %s", "; ".join(warning))
    return GenerationSettings(
        config, seed if isinstance(seed, int) else None, tuple(ignored), complaint
    )


def _validation_issues(config: Any, user_set: set[str]) -> str:
    """What ``GenerationConfig.validate`` finds wrong with `user_set`, as one line, or ''.

    Strict validation raises what the lenient one would log on every ``generate`` call.
    """
    try:
        config.validate(strict=True, user_set_attributes=user_set)
    except TypeError:  # older transformers: no user_set_attributes
        try:
            config.validate(strict=True)
        except ValueError as exc:
            return " ".join(str(exc).split())
    except ValueError as exc:
        return " ".join(str(exc).split())
    return ""


# -- stopping and decoding -------------------------------------------------------------------------


def stop_words_of(*groups: Iterable[str] | None) -> tuple[str, ...]:
    """The distinct non-empty stop words of `groups`, in first-seen order."""
    return tuple(dict.fromkeys(w for group in groups for w in (group or ()) if w))


def stop_criterion(stop_words: Sequence[str], tokenizer: Any, prompt_width: int) -> Any:
    """A `StopWords` criterion (defined lazily: it subclasses transformers' class)."""
    from transformers import StoppingCriteria

    class StopWords(StoppingCriteria):  # type: ignore[misc]
        """Stops a row once its generated text holds a stop word; reads no prompt token.

        It decodes the last few generated tokens of each row (the longest stop word's length
        plus two, as lm-eval does), starting after the prompt, and remembers how many tokens
        each row had when its stop word appeared.
        """

        def __init__(self) -> None:
            lengths = [len(tokenizer.encode(w, add_special_tokens=False)) for w in stop_words]
            self.lookback = max(lengths, default=1) + 2
            self.stopped_at: dict[int, int] = {}

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            import torch

            generated = input_ids[:, prompt_width:]
            width = int(generated.shape[1])
            tails = tokenizer.batch_decode(generated[:, -self.lookback :])
            for row, tail in enumerate(tails):
                if row not in self.stopped_at and any(w in tail for w in stop_words):
                    self.stopped_at[row] = width
            done = [row in self.stopped_at for row in range(len(tails))]
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return StopWords()


def finish_row(
    ids: Sequence[int], eos_ids: set[int], stopped_at: int | None
) -> tuple[list[int], str]:
    """A row's generated tokens up to its end, and why it ended.

    The end is the first EOS token (kept: it was generated) or the token that completed a stop
    word, whichever comes first: ``stop``. Otherwise the row ran to ``max_out_len``:
    ``length``. What follows the end is padding.
    """
    end = next((i + 1 for i, token in enumerate(ids) if token in eos_ids), None)
    if stopped_at is not None and (end is None or stopped_at < end):
        end = stopped_at
    if end is None:
        return list(ids), "length"
    return list(ids[:end]), "stop"


def cut_at_stop_words(text: str, stop_words: Sequence[str]) -> str:
    """`text` up to its first stop word."""
    cuts = [i for i in (text.find(w) for w in stop_words) if i >= 0]
    return text[: min(cuts)] if cuts else text


def decode_answer(
    tokenizer: Any,
    ids: Sequence[int],
    eos_ids: set[int],
    stop_words: Sequence[str],
    skip_special_tokens: bool = True,
) -> str:
    """The answer text of a finished row: its EOS dropped, cut at its first stop word."""
    body = list(ids[:-1]) if ids and ids[-1] in eos_ids else list(ids)
    text = tokenizer.decode(body, skip_special_tokens=skip_special_tokens)
    return cut_at_stop_words(text, stop_words)


@dataclass(frozen=True)
class BatchRequest:
    """What one ``generate`` call needs besides the model inputs."""

    settings: GenerationSettings
    max_out_len: int
    stop_words: tuple[str, ...] = ()
    min_out_len: int | None = None
    skip_special_tokens: bool = True


def generate_batch(
    model: Any, tokenizer: Any, inputs: Mapping[str, Any], request: BatchRequest
) -> list[GeneratedText]:
    """One batch through ``model.generate``: one `GeneratedText` per row, in order.

    `inputs` are the model's inputs, left-padded (``input_ids``, ``attention_mask``, and for a
    vision-language model its pixel tensors). Rows end at EOS or at their first stop word,
    each on its own; the count includes the token that ended the row.
    """
    import torch

    prompt_width = int(inputs["input_ids"].shape[1])
    eos_ids = set(_as_list(request.settings.config.eos_token_id))
    extra: dict[str, Any] = {}
    stopper = None
    if request.stop_words:
        stopper = stop_criterion(request.stop_words, tokenizer, prompt_width)
        extra["stopping_criteria"] = _criteria_list([stopper])
    config = request.settings.for_batch(
        request.max_out_len, tokenizer.pad_token_id, request.min_out_len
    )
    if request.settings.seed is not None:
        torch.manual_seed(request.settings.seed)
    with torch.inference_mode(), quiet_config_warnings(bool(request.settings.complaint)):
        output = model.generate(**inputs, generation_config=config, **extra)
    sequences = output.sequences if hasattr(output, "sequences") else output
    prompt_lengths = inputs["attention_mask"].sum(dim=1).tolist()
    answers = []
    for row, generated in enumerate(sequences[:, prompt_width:].tolist()):
        stopped = stopper.stopped_at.get(row) if stopper is not None else None
        ids, reason = finish_row(generated, eos_ids, stopped)
        text = decode_answer(
            tokenizer, ids, eos_ids, request.stop_words, request.skip_special_tokens
        )
        answers.append(
            GeneratedText(
                text,
                output_tokens=len(ids),
                finish_reason=reason,
                input_tokens=int(prompt_lengths[row]),
            )
        )
    return answers


@contextlib.contextmanager
def quiet_config_warnings(quiet: bool) -> Iterator[None]:
    """Silence transformers' generation-config warnings while `quiet`: they repeat, at each
    ``generate``, what `generation_settings` already reported when the backend was built."""
    if not quiet:
        yield
        return
    logger = logging.getLogger("transformers.generation.configuration_utils")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _criteria_list(criteria: list[Any]) -> Any:
    from transformers import StoppingCriteriaList

    return StoppingCriteriaList(criteria)


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value]


def eos_ids_of(tokenizer: Any, generation_config: Any) -> set[int]:
    """Every EOS id the model may end with: its generation config's and its tokenizer's."""
    ids = set(_as_list(getattr(generation_config, "eos_token_id", None)))
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    return ids
