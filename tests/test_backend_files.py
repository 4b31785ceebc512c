"""Where backend files' folders go on ``sys.path``: a user's folder joins it (a config may import
the module beside it), the built-in folder never does (its file names are package names)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from pytest_aisbench.backend_files import builtin_backends_dir, load_backend_file


def test_the_builtin_folder_never_joins_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    folder = builtin_backends_dir()
    for name in ("triton", "vllm_chat", "tgi"):
        load_backend_file(folder / f"{name}.py", [])
    assert str(folder.resolve()) not in sys.path
    spec = importlib.util.find_spec("triton")  # vLLM's probe: our triton.py must not answer it
    assert spec is None or not str(spec.origin).startswith(str(folder.resolve()))


def test_a_users_folder_joins_sys_path_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "my_protocol.py").write_text(
        "from pytest_aisbench.models import VLLMCustomAPIChat\n"
        "class Mine(VLLMCustomAPIChat):\n    pass\n"
    )
    (tmp_path / "mine.py").write_text(
        "from my_protocol import Mine\n"
        "models = [dict(attr='service', type=Mine, abbr='mine', host_port=1)]\n"
    )
    [config] = load_backend_file(tmp_path / "mine.py", [])
    assert config.cls.__name__ == "Mine"
    assert sys.path[-1] == str(tmp_path.resolve())
