"""The `MODELS` registry: the decorator, names as strings, ambiguity, entry points."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import BaseModel, VLLMCustomAPIChat
from pytest_aisbench.registry import MODELS, Registry


def test_built_in_classes_and_aisbench_aliases_are_registered() -> None:
    # (other tests import AISBench's own modules, which register the same names again)
    assert VLLMCustomAPIChat in MODELS.classes("VLLMCustomAPIChat")
    for name in ("VLLMCustomAPIChatStream", "VLLMFunctionCallAPIChat", "TGICustomAPIStream",
                 "TritonCustomAPIStream", "VITAGenerateAPI", "MindieStreamApi"):  # fmt: skip
        assert name in MODELS


def test_register_module_forms_and_force() -> None:
    registry = Registry("backend class", "no.such.group", "MODELS")

    @registry.register_module()
    class A(BaseModel):
        pass

    @registry.register_module(name="Other")
    class B(BaseModel):
        pass

    registry.register_module(module=A)  # the same class again: no ambiguity
    assert registry.get("A") is A and registry.get("Other") is B
    registry.register_module(name="A", module=B, force=True)
    assert registry.get("A") is B


def test_two_classes_under_one_name_are_an_error_only_when_asked_for() -> None:
    registry = Registry("backend class", "no.such.group", "MODELS")
    first = type("Same", (BaseModel,), {"__module__": "one"})
    second = type("Same", (BaseModel,), {"__module__": "two"})
    registry.register_module(module=first)
    registry.register_module(module=second)
    with pytest.raises(ConfigError, match=r"'Same' is ambiguous: registered by one.Same, two.Same"):
        registry.get("Same")


def test_an_unknown_name_lists_the_registered_ones() -> None:
    with pytest.raises(ConfigError, match="no backend class registered as 'Nope'; registered: "):
        MODELS.get("Nope")


def test_a_broken_entry_point_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        name, value = "Bad", "bad_pkg:Bad"

        def load(self) -> Any:
            raise ImportError("No module named 'bad_pkg'")

    registry = Registry("backend class", "pytest_aisbench.models", "MODELS")
    monkeypatch.setattr("pytest_aisbench.registry.entry_points", lambda group: [Broken()])
    with pytest.raises(ConfigError, match=r"entry point Bad = 'bad_pkg:Bad' .* failed to load"):
        registry.get("Bad")


def test_an_aisbench_local_backend_not_provided_is_one_clear_import_error() -> None:
    with pytest.raises(ImportError, match="QwenImageEditModel is an AISBench local backend"):
        from pytest_aisbench.models import QwenImageEditModel  # noqa: F401
