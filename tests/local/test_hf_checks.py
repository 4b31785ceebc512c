"""What stops a HuggingFace backend before anything runs: one message naming file, key, fix.

The checks run when the backend file is loaded (`validate_model` calls the class's
``check_config``), so a session gets exit status 4 instead of one error record per sample.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.config import validate_model
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import HuggingFaceBaseModel, HuggingFacewithChatTemplate
from pytest_aisbench.models.local_models import hf_loading


def check(cls: type = HuggingFacewithChatTemplate, **keys: Any) -> None:
    validate_model({"attr": "local", "type": cls, "abbr": "hf", **keys}, "backends/hf.py")


def message(cls: type = HuggingFacewithChatTemplate, **keys: Any) -> str:
    with pytest.raises(ConfigError) as info:
        check(cls, **keys)
    return str(info.value)


@pytest.fixture
def copy_of(tiny_llama: Path, tmp_path: Path) -> Path:
    """A copy of the tiny model folder that a test may break."""
    return Path(shutil.copytree(tiny_llama, tmp_path / "copy"))


def test_a_good_folder_passes(tiny_llama: Path) -> None:
    check(path=str(tiny_llama))
    check(HuggingFaceBaseModel, path=str(tiny_llama), tokenizer_path=str(tiny_llama))


def test_no_path() -> None:
    assert message(path="").startswith(
        "backends/hf.py: key 'path': HuggingFacewithChatTemplate needs a local model folder"
    )


def test_a_path_that_does_not_exist() -> None:
    text = message(path="THUDM/chatglm-6b")
    assert text.startswith("backends/hf.py: key 'path': invalid value 'THUDM/chatglm-6b'")
    assert "no hub ids" in text


def test_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    text = message(path=str(tmp_path))
    assert text.startswith(f"backends/hf.py: key 'path': {tmp_path} is not a HuggingFace model")
    assert "no config.json" in text


def test_a_folder_without_weights(copy_of: Path) -> None:
    (copy_of / "model.safetensors").unlink()
    text = message(path=str(copy_of))
    assert f"key 'path': {copy_of} holds no weights" in text
    assert "tokenizer_only=True" in text
    check(path=str(copy_of), tokenizer_only=True)  # counting tokens needs no weights


def test_a_tokenizer_path_that_is_not_a_folder(tiny_llama: Path) -> None:
    text = message(path=str(tiny_llama), tokenizer_path="THUDM/chatglm-6b")
    assert "key 'tokenizer_path': 'THUDM/chatglm-6b' is not a folder" in text
    assert "tokenizer_path=None" in text


def test_a_folder_without_a_tokenizer(copy_of: Path) -> None:
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (copy_of / name).unlink()
    assert f"key 'path': {copy_of} holds no tokenizer" in message(path=str(copy_of))


def test_weights_that_do_not_fit_in_memory(
    tiny_llama: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hf_loading, "available_ram", lambda: 1000)
    monkeypatch.setattr(hf_loading, "free_gpu_bytes", lambda: 0)
    text = message(path=str(tiny_llama))
    assert "key 'path': the weights need about 0.0 GiB (auto) but 0.0 GiB of RAM are free" in text
    assert "dtype='bfloat16'" in text


def test_the_estimate_follows_the_asked_dtype(tiny_llama: Path) -> None:
    files = hf_loading.weight_files(tiny_llama, "<test>")
    size = sum(f.stat().st_size for f in files)
    config = hf_loading.read_model_config(tiny_llama, "<test>")  # float32 weights
    assert hf_loading.estimated_bytes(files, config, "auto") == size
    assert hf_loading.estimated_bytes(files, config, "bfloat16") == size // 2


def test_transformers_not_installed(tiny_llama: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf_loading, "_installed", lambda name: name != "transformers")
    assert message(path=str(tiny_llama)) == (
        "backends/hf.py: key 'type': HuggingFacewithChatTemplate needs transformers, not "
        "installed here: pip install 'pytest-aisbench[hf]'"
    )


def test_peft_not_installed(tiny_llama: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf_loading, "_installed", lambda name: name != "peft")
    assert message(path=str(tiny_llama), peft_path=str(tiny_llama)) == (
        "backends/hf.py: key 'peft_path': peft_path is set but peft is not installed: "
        "pip install peft, or remove peft_path"
    )


def test_device_map_without_accelerate(tiny_llama: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf_loading, "_installed", lambda name: name != "accelerate")
    text = message(path=str(tiny_llama), model_kwargs={"device_map": "auto"})
    assert "key 'model_kwargs': device_map='auto' needs accelerate" in text


def test_an_unknown_dtype(tiny_llama: Path) -> None:
    text = message(path=str(tiny_llama), model_kwargs={"torch_dtype": "int3"})
    assert "key 'model_kwargs': unknown dtype 'int3'" in text


def test_no_room_for_the_prompt(tiny_llama: Path) -> None:
    text = message(path=str(tiny_llama), max_out_len=512)  # the model's context is 512
    assert "key 'max_out_len': max_out_len=512 leaves no room" in text


def test_a_chat_model_needs_a_chat_template(copy_of: Path) -> None:
    (copy_of / "chat_template.jinja").unlink(missing_ok=True)
    config = copy_of / "tokenizer_config.json"
    config.write_text(config.read_text().replace('"chat_template"', '"unused"'))
    text = message(path=str(copy_of))
    assert "key 'type': the tokenizer in" in text and "has no chat template" in text
    check(HuggingFaceBaseModel, path=str(copy_of))  # a base model needs none


@pytest.mark.parametrize(
    ("keys", "key"),
    [
        ({"mode": "left"}, "mode"),
        ({"max_seq_len": 0}, "max_seq_len"),
        ({"stop_words": "x"}, "stop_words"),
        ({"chat_template_kwargs": []}, "chat_template_kwargs"),
        ({"use_fastchat_template": 1}, "use_fastchat_template"),
        ({"fastchat_template": "vicuna"}, "fastchat_template"),
    ],
)
def test_bad_values_name_their_key(tiny_llama: Path, keys: dict[str, Any], key: str) -> None:
    assert f"key {key!r}" in message(path=str(tiny_llama), **keys)
