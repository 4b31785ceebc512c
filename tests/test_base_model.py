"""`BaseModel`'s AISBench API that local backends call: templates, tokenizer, sync_inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import BaseModel
from pytest_aisbench.utils.prompt import PromptList


@pytest.fixture
def tokenizer_dir(tmp_path: Path) -> Path:
    vocab = {"[UNK]": 0, "two": 1, "plus": 2, "is": 3, "four": 4}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    return tmp_path


def test_tokenizer_helpers_use_the_tokenizer_at_path(tokenizer_dir: Path) -> None:
    model = BaseModel(path=str(tokenizer_dir))
    assert model.encode("two plus two is four") == [1, 2, 1, 3, 4]
    assert model.decode([1, 2, 1]) == "two plus two"
    assert model.get_token_len("two plus two") == 3
    prompts = [PromptList([{"role": "HUMAN", "prompt": "two plus two"}]), "is four"]
    assert model.get_token_len_from_template(prompts, mode="gen") == [3, 2]
    assert model.get_token_len_from_template("two", mode="gen") == 1


def test_tokenizer_path_wins_over_path(
    tokenizer_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    model = BaseModel(path=str(tmp_path_factory.mktemp("weights")))
    model.tokenizer_path = str(tokenizer_dir)  # type: ignore[attr-defined]  # a config key, set by the builder
    assert model.get_token_len("two") == 1


def test_no_tokenizer_is_a_clear_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="key 'path': no tokenizer"):
        BaseModel().get_token_len("x")


def test_parse_template_uses_the_meta_template() -> None:
    meta = {"round": [{"role": "HUMAN", "begin": "<u>", "end": "</u>"},
                      {"role": "BOT", "begin": "<a>", "generate": True}]}  # fmt: skip
    model = BaseModel(meta_template=meta)
    prompt = PromptList([{"role": "HUMAN", "prompt": "hi"}])
    assert model.parse_template(prompt, mode="gen") == "<u>hi</u><a>"


def test_sync_inputs_without_torch_distributed_returns_them_as_they_are() -> None:
    inputs = ["a", "b"]
    assert BaseModel().sync_inputs(inputs) is inputs
