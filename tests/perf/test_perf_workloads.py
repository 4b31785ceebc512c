"""Load-run workloads: GSM8K prompts, synthetic prompts of set lengths, ShareGPT files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tokenizers import Regex, Tokenizer, models, pre_tokenizers

from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.perf.workloads import (
    WORDS,
    WorkloadItem,
    gsm8k_prompts,
    sharegpt_prompts,
    synthetic_prompts,
)
from pytest_aisbench.utils.prompt import PromptList

# ------------------------------------------------------------------------------- tokenizers


def word_tokenizer(folder: Path) -> Path:
    """One token per word of the word list (WordLevel with a whitespace pre-tokenizer)."""
    vocab = {"[UNK]": 0, **{word: i + 1 for i, word in enumerate(sorted(set(WORDS)))}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def piece_tokenizer(folder: Path) -> Path:
    """Words cut into 3-letter pieces, so a word is 1-3 tokens and prompts must be trimmed."""
    pieces = sorted({w[i : i + 3] for w in WORDS for i in range(0, len(w), 3)})
    vocab = {"[UNK]": 0, **{piece: i + 1 for i, piece in enumerate(pieces)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Split(Regex(".{1,3}"), behavior="isolated")]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def count_tokens(folder: Path, text: str) -> int:
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


# -------------------------------------------------------------------------------- synthetic


def test_synthetic_lengths_are_exact_without_a_range() -> None:
    items = synthetic_prompts(20, input_len=32, output_len=16, seed=0)
    assert len(items) == 20
    assert all(isinstance(item, WorkloadItem) for item in items)
    assert all(len(str(item.prompt).split()) == 32 for item in items)
    assert all(item.max_out_len == 16 and item.ignore_eos for item in items)
    assert all(item.input_tokens is None for item in items)
    assert set(" ".join(str(item.prompt) for item in items).split()) <= set(WORDS)
    assert len({item.prompt for item in items}) == 20  # distinct prompts: no prefix-cache hits


def test_synthetic_lengths_spread_uniformly_within_the_range() -> None:
    items = synthetic_prompts(400, input_len=20, output_len=10, seed=1, range_ratio=0.5)
    inputs = [len(str(item.prompt).split()) for item in items]
    outputs = [item.max_out_len for item in items]
    assert min(inputs) >= 10 and max(inputs) <= 30
    assert min(outputs) >= 5 and max(outputs) <= 15
    assert min(inputs) <= 11 and max(inputs) >= 29  # the whole range is used
    assert sum(inputs) / len(inputs) == pytest.approx(20, abs=1)


def test_synthetic_prompts_are_deterministic_for_a_seed() -> None:
    first = synthetic_prompts(10, 16, 8, seed=42, range_ratio=0.25)
    assert synthetic_prompts(10, 16, 8, seed=42, range_ratio=0.25) == first
    assert synthetic_prompts(10, 16, 8, seed=43, range_ratio=0.25) != first


@pytest.mark.parametrize("make", [word_tokenizer, piece_tokenizer])
def test_synthetic_prompts_are_token_exact_with_a_tokenizer(make: Any, tmp_path: Path) -> None:
    folder = make(tmp_path)
    items = synthetic_prompts(30, 24, 8, seed=3, tokenizer_path=folder, range_ratio=0.5)
    for item in items:
        assert item.input_tokens is not None and 12 <= item.input_tokens <= 36
        assert count_tokens(folder, str(item.prompt)) == item.input_tokens
    assert len({item.input_tokens for item in items}) > 5
    file = folder / "tokenizer.json"
    again = synthetic_prompts(30, 24, 8, seed=3, tokenizer_path=file, range_ratio=0.5)
    assert again == items


def test_token_exact_even_when_words_are_several_tokens(tmp_path: Path) -> None:
    folder = piece_tokenizer(tmp_path)
    assert count_tokens(folder, "between people") == 5  # bet wee n peo ple
    items = synthetic_prompts(10, 40, 8, seed=0, tokenizer_path=folder)
    assert all(item.input_tokens == 40 for item in items)
    assert all(count_tokens(folder, str(item.prompt)) == 40 for item in items)


def test_a_missing_tokenizer_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tokenizer\.json"):
        synthetic_prompts(1, 4, 4, seed=0, tokenizer_path=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"range_ratio": 1.0}, "range_ratio"),
        ({"range_ratio": -0.1}, "range_ratio"),
        ({"input_len": 0}, "input_len"),
        ({"output_len": 0}, "output_len"),
        ({"n": -1}, "n"),
    ],
)
def test_synthetic_arguments_are_checked(kwargs: dict[str, Any], key: str) -> None:
    args: dict[str, Any] = {"n": 2, "input_len": 4, "output_len": 4, "seed": 0} | kwargs
    with pytest.raises(ConfigError) as info:
        synthetic_prompts(**args)
    assert info.value.key == key


# ------------------------------------------------------------------------------------ gsm8k


def datasets_dir() -> Path:
    return Path(os.environ["AISBENCH_DATASETS_DIR"])


def test_gsm8k_prompts_chat_and_string() -> None:
    chat = gsm8k_prompts(datasets_dir(), chat=True, limit=3)
    assert len(chat) == 3
    assert all(isinstance(prompt, PromptList) for prompt in chat)
    text = gsm8k_prompts(datasets_dir(), chat=False, limit=2)
    assert len(text) == 2 and all(isinstance(prompt, str) for prompt in text)
    assert isinstance(chat[0], PromptList) and text[0] == chat[0].to_text()
    assert "Question:" in text[0]
    assert len(gsm8k_prompts(datasets_dir())) > 1000


def test_gsm8k_prompts_missing_dataset_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=f"dataset files not found at {tmp_path / 'gsm8k'}"):
        gsm8k_prompts(tmp_path)


# --------------------------------------------------------------------------------- sharegpt


def conversation(*turns: tuple[str, str]) -> dict[str, Any]:
    return {"id": "x", "conversations": [{"from": who, "value": text} for who, text in turns]}


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "sharegpt.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


SHAREGPT = [
    conversation(("human", "What is two plus two?"), ("gpt", "It is four.")),
    conversation(("gpt", "Hello, how can I help?"), ("human", "Hi")),  # no human first: skip
    conversation(("human", "Only a question")),  # no reply: skip
    conversation(("human", "Name three colours"), ("gpt", "red green and blue"), ("human", "ok")),
    conversation(("human", "   "), ("gpt", "empty prompt")),  # empty: skip
    conversation(("human", "Say one word"), ("gpt", "word")),
]


def test_sharegpt_takes_first_human_turn_and_reply_length(tmp_path: Path) -> None:
    items = sharegpt_prompts(write(tmp_path, SHAREGPT), seed=0)
    assert sorted((item.prompt, item.max_out_len) for item in items) == [
        ("Name three colours", 4),
        ("Say one word", 1),
        ("What is two plus two?", 3),
    ]
    assert not any(item.ignore_eos for item in items)


def test_sharegpt_sampling_is_seeded_and_limited(tmp_path: Path) -> None:
    path = write(tmp_path, [conversation(("human", f"q{i}"), ("gpt", "a b")) for i in range(50)])
    first = sharegpt_prompts(path, n=10, seed=1)
    assert len(first) == 10
    assert sharegpt_prompts(path, n=10, seed=1) == first
    assert sharegpt_prompts(path, n=10, seed=2) != first
    assert len(sharegpt_prompts(path, n=500, seed=1)) == 50  # all there is


def test_sharegpt_counts_reply_tokens_with_a_tokenizer(tmp_path: Path) -> None:
    folder = piece_tokenizer(tmp_path)
    path = write(tmp_path, [conversation(("human", "people of the city"), ("gpt", "between"))])
    (item,) = sharegpt_prompts(path, tokenizer_path=folder)
    assert item.max_out_len == 3  # bet wee n
    assert item.input_tokens == 6  # peo ple of the cit y


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[{", "invalid JSON at line 1"),
        ({"conversations": []}, "expected a JSON list"),
        ([SHAREGPT[0], "text"], "entry 1: expected an object"),
        ([SHAREGPT[0], {"id": 3}], "entry 1: 'conversations' must be a list"),
        ([SHAREGPT[0], SHAREGPT[0], {"conversations": ["hi"]}], "entry 2: turn 0 must be"),
        ([{"conversations": [{"from": "human"}]}], "entry 0: turn 0 needs string"),
        ([SHAREGPT[1], SHAREGPT[2]], "no entry has a human turn"),
    ],
)
def test_malformed_sharegpt_names_the_file_and_entry(
    tmp_path: Path, data: Any, message: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(DatasetError) as info:
        sharegpt_prompts(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_missing_sharegpt_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        sharegpt_prompts(tmp_path / "nope.json")
