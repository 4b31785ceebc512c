"""Backend files: finding them by name and running them as modules.

A backend file is an AISBench model config, ``models = [dict(attr=..., type=..., abbr=...)]``,
optionally holding its own backend class, or beside a module that does. Each entry is
validated by `config.validate_model`.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pytest_aisbench.config import ALL_KEYS, ModelConfig, validate_model
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.user_files import import_failure


def parse_override(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` from ``--aisbench-set``; VALUE as a Python literal when it parses."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--aisbench-set {text!r}: expected KEY=VALUE, e.g. host_port=8000")
    if key not in ALL_KEYS or key == "type":
        allowed = ", ".join(sorted(set(ALL_KEYS) - {"type"}))
        raise ConfigError(f"--aisbench-set {text!r}: unknown key {key!r}; allowed keys: {allowed}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = raw  # the errors literal_eval documents; e.g. {[1]: 2} raises TypeError
    return key, value


def backend_names(dirs: Iterable[Path]) -> dict[str, Path]:
    """Every backend file by name; the first folder that has a name wins.

    A file that does not assign ``models`` at its top level is a library module (a backend
    class that configs beside it import): it is not a backend of its own.
    """
    return {name: file for name, file in _python_files(dirs).items() if _defines_models(file)}


def find_backend(name: str, dirs: Sequence[Path]) -> Path:
    """The file of backend `name`; an unknown name lists the known ones and where it looked."""
    files = _python_files(dirs)
    if name in files:
        return files[name]  # a library module selected by name fails when loaded, saying why
    known = backend_names(dirs)
    where = ", ".join(str(d) for d in dirs)
    raise ConfigError(
        f"unknown backend {name!r}; known backends: {', '.join(sorted(known)) or '(none)'} "
        f"(looked in {where})"
    )


def _python_files(dirs: Iterable[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in dirs:
        for file in sorted(folder.glob("*.py")) if folder.is_dir() else ():
            if not file.name.startswith("_"):
                found.setdefault(file.stem, file)
    return found


def _defines_models(file: Path) -> bool:
    """Whether `file` assigns ``models`` at its top level; one that does not parse counts as a
    backend, so that selecting it shows its syntax error."""
    try:
        tree = ast.parse(file.read_bytes(), filename=str(file))
    except (SyntaxError, ValueError, OSError):
        return True
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "models" for t in targets):
            return True
    return False


def load_backend_file(file: Path, overrides: Sequence[tuple[str, Any]] = ()) -> list[ModelConfig]:
    """The validated models of one backend file, with ``--aisbench-set`` overrides applied."""
    namespace = _exec_backend_file(file)
    models = namespace.get("models")
    source = str(file)
    if not isinstance(models, list) or not models:
        raise ConfigError(
            "must define a non-empty list `models = [dict(...)]` (a file without one is a "
            "library module that backend files beside it may import, not a backend)",
            source=source,
        )
    configs = []
    for position, entry in enumerate(models):
        if not isinstance(entry, dict):
            raise ConfigError(
                f"models[{position}] must be a dict, not {type(entry).__name__}", source=source
            )
        configs.append(validate_model(dict(entry, **dict(overrides)), source))
    return configs


def builtin_backends_dir() -> Path:
    """The built-in backend files: inside the installed package, or the checkout's backends/."""
    package = Path(__file__).parent
    installed = package / "builtin_backends"
    return installed if installed.is_dir() else package.parent / "backends"


def _exec_backend_file(file: Path) -> dict[str, Any]:
    """Run a backend file as a module; its errors show the user's own lines only.

    A user's file's folder joins ``sys.path`` (at the end, so it never shadows an installed
    module): a config may import the class module that sits beside it. The built-in folder
    does not: its files import only the plugin, and its names (``triton.py``, ``vllm_chat.py``)
    would stand in for packages that are not installed (vLLM probes for ``triton``).
    """
    digest = hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:10]
    module_name = f"pytest_aisbench_backend_{file.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ConfigError("cannot be loaded as a Python file", source=str(file))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    folder = str(file.parent.resolve())
    if folder not in sys.path and folder != str(builtin_backends_dir().resolve()):
        sys.path.append(folder)  # a config may import the class module beside it
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise import_failure(file, exc) from None
    return vars(module)
