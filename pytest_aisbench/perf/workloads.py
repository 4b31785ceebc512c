"""Prompts for load runs: GSM8K, synthetic prompts of set lengths, and a user's ShareGPT file.

Synthetic prompts follow vLLM's ``random`` dataset: input and output lengths drawn uniformly
from ``[len * (1 - r), len * (1 + r)]`` with a seed, and ``ignore_eos`` so each request really
generates its ``max_out_len`` tokens. Everything here runs before the load starts, never in
its hot path, so tokenizing is fine.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.tokens import load_tokenizer
from pytest_aisbench.utils.prompt import PromptType

GSM8K_CHAT = "gsm8k_gen_4_shot_cot_chat_prompt"
GSM8K_STR = "gsm8k_gen_4_shot_cot_str"

WORDS: tuple[str, ...] = (
    "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by",
    "at", "from", "his", "her", "an", "were", "are", "which", "this", "be", "or", "has", "had",
    "not", "first", "one", "their", "its", "after", "new", "who", "they", "two", "she", "he",
    "also", "been", "other", "time", "year", "would", "into", "city", "people", "world",
    "school", "state", "water", "house", "music", "river", "game", "team", "book", "light",
    "small", "large", "early", "later", "north", "south", "east", "west", "during", "under",
    "between", "number", "part", "three", "many", "some", "most", "only", "over", "such",
    "where", "when", "while", "about", "back", "long", "name", "known", "each", "there",
    "family", "film", "life", "day", "work", "group", "line", "place", "point",
    "road", "power", "story", "form", "order", "field", "side", "study", "area", "case",
)  # fmt: skip
"""Common English words, almost all one token in the usual BPE vocabularies."""


@dataclass(frozen=True)
class WorkloadItem:
    """One request of a workload: what to send and how many tokens to ask for.

    ``ignore_eos``: the request should keep generating to ``max_out_len`` (vLLM's sampling
    extension); the caller adds ``ignore_eos: True`` to the generation kwargs of backends that
    support it, since `run_load` does not know the server. ``input_tokens`` is the prompt's
    length in tokens when a tokenizer measured it.
    """

    prompt: PromptType
    max_out_len: int
    ignore_eos: bool = False
    input_tokens: int | None = None


def gsm8k_prompts(
    datasets_dir: str | Path, chat: bool = True, limit: int | None = None
) -> list[PromptType]:
    """The GSM8K test questions as 4-shot prompts (chat turns or one string), first `limit`."""
    config = get_dataset_config(GSM8K_CHAT if chat else GSM8K_STR)
    samples = config.load(Path(datasets_dir))
    return [sample.prompt for sample in samples[:limit]]


def synthetic_prompts(
    n: int,
    input_len: int,
    output_len: int,
    seed: int,
    tokenizer_path: str | Path | None = None,
    range_ratio: float = 0.0,
) -> list[WorkloadItem]:
    """`n` random prompts of `input_len` tokens asking for `output_len` tokens (± range_ratio).

    Without a tokenizer a "token" is a word of `WORDS` (close to one token each in BPE
    vocabularies); with one (``tokenizer.json`` or a folder holding it) every prompt encodes
    to exactly its drawn length, without special tokens. A chat endpoint adds its template's
    tokens on top: use a completions backend when the input length must be exact.
    """
    _check_positive(n, "n", minimum=0)
    _check_positive(input_len, "input_len", minimum=1)
    _check_positive(output_len, "output_len", minimum=1)
    if not isinstance(range_ratio, int | float) or not 0 <= range_ratio < 1:
        raise ConfigError(
            f"must be in [0, 1), got {range_ratio!r}",
            source="synthetic workload",
            key="range_ratio",
        )
    tokenizer = (
        load_tokenizer(tokenizer_path, key="tokenizer_path") if tokenizer_path is not None else None
    )
    rng = random.Random(seed)
    in_low, in_high = _length_range(input_len, range_ratio)
    out_low, out_high = _length_range(output_len, range_ratio)
    input_lens = [rng.randint(in_low, in_high) for _ in range(n)]
    output_lens = [rng.randint(out_low, out_high) for _ in range(n)]
    items = []
    for target, out_len in zip(input_lens, output_lens, strict=True):
        words = [rng.choice(WORDS) for _ in range(target)]
        if tokenizer is None:
            items.append(WorkloadItem(" ".join(words), out_len, ignore_eos=True))
        else:
            text, count = _fit_tokens(tokenizer, words, target, rng)
            items.append(WorkloadItem(text, out_len, ignore_eos=True, input_tokens=count))
    return items


def sharegpt_prompts(
    path: str | Path,
    n: int | None = None,
    seed: int = 0,
    tokenizer_path: str | Path | None = None,
) -> list[WorkloadItem]:
    """Up to `n` conversations (all when None) of a ShareGPT-format JSON file, seeded shuffle.

    Each usable entry gives its first human turn as the prompt, and the length of the gpt
    reply that follows as ``max_out_len``: in whitespace words, or in tokens with a tokenizer.
    Entries whose first two turns are not human then gpt, or are empty, are skipped (real
    ShareGPT dumps hold many); a wrongly shaped entry raises `DatasetError` naming the file
    and the entry's index.
    """
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"ShareGPT file not found: {file.absolute()}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read ShareGPT file {file}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{file}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, list):
        raise DatasetError(
            f"{file}: expected a JSON list of conversations, got {type(data).__name__}"
        )
    pairs = [_conversation_pair(entry, file, index) for index, entry in enumerate(data)]
    usable = [pair for pair in pairs if pair is not None]
    if not usable:
        raise DatasetError(f"{file}: no entry has a human turn followed by a gpt reply")
    random.Random(seed).shuffle(usable)
    chosen = usable[:n] if n is not None else usable
    tokenizer = (
        load_tokenizer(tokenizer_path, key="tokenizer_path") if tokenizer_path is not None else None
    )
    items = []
    for prompt, reply in chosen:
        if tokenizer is None:
            items.append(WorkloadItem(prompt, max(1, len(reply.split()))))
        else:
            count = len(tokenizer.encode(reply, add_special_tokens=False).ids)
            in_count = len(tokenizer.encode(prompt, add_special_tokens=False).ids)
            items.append(WorkloadItem(prompt, max(1, count), input_tokens=in_count))
    return items


def _conversation_pair(entry: Any, file: Path, index: int) -> tuple[str, str] | None:
    """(first human turn, the gpt reply after it), None when the entry has no such pair."""

    def bad(what: str) -> DatasetError:
        return DatasetError(f"{file}: entry {index}: {what}")

    if not isinstance(entry, dict):
        raise bad(f"expected an object with 'conversations', got {type(entry).__name__}")
    turns = entry.get("conversations")
    if not isinstance(turns, list):
        raise bad("'conversations' must be a list of {'from', 'value'} turns")
    for number, turn in enumerate(turns[:2]):
        if not isinstance(turn, dict):
            raise bad(f"turn {number} must be an object, got {type(turn).__name__}")
        if not isinstance(turn.get("from"), str) or not isinstance(turn.get("value"), str):
            raise bad(f"turn {number} needs string 'from' and 'value'")
    if len(turns) < 2 or turns[0]["from"] != "human" or turns[1]["from"] != "gpt":
        return None
    prompt, reply = turns[0]["value"], turns[1]["value"]
    if not prompt.strip() or not reply.strip():
        return None
    return prompt, reply


def _length_range(length: int, ratio: float) -> tuple[int, int]:
    """vLLM's random-dataset bounds: floor/ceil of ``length * (1 ∓ ratio)``, at least 1."""
    return max(1, math.floor(length * (1 - ratio))), max(1, math.ceil(length * (1 + ratio)))


def _fit_tokens(
    tokenizer: Any, words: list[str], target: int, rng: random.Random
) -> tuple[str, int]:
    """Text encoding to exactly `target` tokens: grow with words, cut the ids, decode, recheck.

    Decoding a cut and encoding again can merge differently at the cut, so it repeats a few
    times; the result's real count is returned either way.
    """
    text = " ".join(words)
    for _ in range(16):
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        if len(ids) == target:
            return text, target
        if len(ids) < target:
            extra = [rng.choice(WORDS) for _ in range(target - len(ids))]
            text = " ".join([text, *extra]) if text else " ".join(extra)
        else:
            text = tokenizer.decode(ids[:target], skip_special_tokens=True)
    return text, len(tokenizer.encode(text, add_special_tokens=False).ids)


def _check_positive(value: object, key: str, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(
            f"must be an integer >= {minimum}, got {value!r}", source="synthetic workload", key=key
        )
