"""What stops the vision-language and vLLM offline backends before anything runs: one message
naming the file, the key and the fix, and exit status 4 for the session."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import SUITE
from pytest_aisbench.config import validate_model
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import HuggingFaceQwen2VLwithChatTemplate, VLLMOfflineVLModel
from pytest_aisbench.models.local_models import vllm_offline_vl

HAS_VLLM = importlib.util.find_spec("vllm") is not None


def message(cls: type, **keys: Any) -> str:
    with pytest.raises(ConfigError) as info:
        validate_model({"attr": "local", "type": cls, "abbr": "vl", **keys}, "backends/vl.py")
    return str(info.value)


def model_folder(tmp_path: Path) -> Path:
    """A folder that passes for a model's: a config.json (the vLLM checks read no more)."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    return folder


@pytest.fixture
def vllm_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if vLLM were installed (the checks only look for it)."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        vllm_offline_vl.importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "vllm" else real(name, *a),
    )


@pytest.mark.skipif(HAS_VLLM, reason="vLLM is installed in this Python")
def test_no_vllm_names_the_class_and_how_to_get_it(tmp_path: Path) -> None:
    text = message(VLLMOfflineVLModel, path=str(model_folder(tmp_path)))
    assert text.startswith("backends/vl.py: key 'type': VLLMOfflineVLModel needs vllm")
    assert "scripts/setup_vllm.sh" in text and "vllm-venv/bin/python -m pytest" in text


@pytest.mark.usefixtures("vllm_importable")
def test_vllm_needs_a_model_folder(tmp_path: Path) -> None:
    assert "key 'path': VLLMOfflineVLModel needs a local model folder" in message(
        VLLMOfflineVLModel, path=""
    )
    assert f"key 'path': {tmp_path} is not a HuggingFace model folder" in message(
        VLLMOfflineVLModel, path=str(tmp_path)
    )
    folder = model_folder(tmp_path)
    validate_model({"attr": "local", "type": VLLMOfflineVLModel, "abbr": "vl",
                    "path": str(folder)}, "backends/vl.py")  # fmt: skip
    bad = message(VLLMOfflineVLModel, path=str(folder), vision_kwargs={"max_pixel": 1})
    assert bad.startswith("backends/vl.py: key 'vision_kwargs': unknown keys ['max_pixel']")


@pytest.mark.usefixtures("vllm_importable")
def test_vllm_max_model_len_within_the_models_context(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    (folder / "config.json").write_text(json.dumps({"max_position_embeddings": 8192}))
    shipped = {"max_num_seqs": 5, "max_model_len": 32768}  # AISBench's vllm_offline_vl_model.py
    text = message(VLLMOfflineVLModel, path=str(folder), model_kwargs=shipped)
    assert text.startswith("backends/vl.py: key 'model_kwargs': max_model_len 32768 is above")
    assert (
        "context length 8192" in text
        and "model_kwargs={'max_model_len': 4096, 'enforce_eager': True}" in text
    )
    assert "key 'max_seq_len'" in message(VLLMOfflineVLModel, path=str(folder), max_seq_len=9000)
    validate_model({"attr": "local", "type": VLLMOfflineVLModel, "abbr": "vl", "path": str(folder),
                    "model_kwargs": {"max_model_len": 8192}}, "backends/vl.py")  # fmt: skip


@pytest.mark.usefixtures("vllm_importable")
@pytest.mark.skipif(bool(importlib.util.find_spec("torchvision")), reason="torchvision installed")
def test_vllm_with_a_qwen2_vl_model_needs_torchvision(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2_vl"}))
    text = message(VLLMOfflineVLModel, path=str(folder))
    assert text.startswith("backends/vl.py: key 'path': vLLM's code for qwen2_vl models imports")
    assert "with hf_vl" in text


def test_hf_vl_needs_an_image_processor(tiny_llama: Path) -> None:
    text = message(HuggingFaceQwen2VLwithChatTemplate, path=str(tiny_llama))
    assert f"key 'path': {tiny_llama} holds no image processor" in text
    assert "use a text backend (hf_chat)" in text


def test_hf_vl_checks_vision_kwargs_first(tiny_llama: Path) -> None:
    text = message(HuggingFaceQwen2VLwithChatTemplate, path=str(tiny_llama),
                   vision_kwargs={"min_pixels": 0})  # fmt: skip
    assert text.startswith("backends/vl.py: key 'vision_kwargs': min_pixels=0")


@pytest.mark.skipif(HAS_VLLM, reason="vLLM is installed in this Python")
def test_a_session_without_vllm_is_a_usage_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_gsm8k=SUITE.read_text())
    result = pytester.runpytest(
        "--aisbench-model=vllm_offline_vl", f"--aisbench-set=path={model_folder(tmp_path)}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    shown = result.stdout.str() + result.stderr.str()
    assert "key 'type': VLLMOfflineVLModel needs vllm" in shown
    assert "Traceback" not in shown
