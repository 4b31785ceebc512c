"""The public API: pinned names, and AISBench's module paths with ais_bench.benchmark replaced."""

from __future__ import annotations

import importlib

import pytest

import pytest_aisbench

PUBLIC_NAMES = [
    "OUTCOMES",
    "AisbenchError",
    "BackendError",
    "BaseAPIModel",
    "BaseModel",
    "ConfigError",
    "Dataset",
    "DatasetError",
    "Output",
    "PromptList",
    "PromptType",
    "RequestOutput",
    "ResponseError",
    "SampleRecord",
    "SampleResult",
    "Score",
    "ServerError",
    "ServerStartError",
    "TransportError",
    "VLLMCustomAPI",
    "VLLMCustomAPIChat",
]


def test_all_is_pinned() -> None:
    assert pytest_aisbench.__all__ == PUBLIC_NAMES


def test_all_is_sorted_isort_style() -> None:
    # ruff's RUF022 order: CONSTANTS first, then the rest alphabetically
    ordered = sorted(pytest_aisbench.__all__, key=lambda name: (not name.isupper(), name))
    assert pytest_aisbench.__all__ == ordered


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from pytest_aisbench import {name}", namespace)
    assert namespace[name] is getattr(pytest_aisbench, name)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("pytest_aisbench.models", ["BaseAPIModel", "BaseModel"]),
        ("pytest_aisbench.models.output", ["RequestOutput", "Output"]),
        ("pytest_aisbench.utils.prompt", ["PromptList", "PromptType"]),
    ],
)
def test_aisbench_module_paths(module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    for name in names:
        assert getattr(imported, name) is getattr(pytest_aisbench, name)


def test_backend_base_classes_and_output_types_relate_as_in_aisbench() -> None:
    from pytest_aisbench.models import BaseAPIModel, BaseModel
    from pytest_aisbench.models.output import Output, RequestOutput
    from pytest_aisbench.utils.prompt import PromptList

    assert issubclass(BaseAPIModel, BaseModel)
    assert BaseAPIModel.is_api is True
    assert BaseModel.is_api is False
    assert issubclass(RequestOutput, Output)
    assert issubclass(PromptList, list)


def test_errors_form_one_tree() -> None:
    from pytest_aisbench import (
        AisbenchError,
        BackendError,
        ConfigError,
        DatasetError,
        ResponseError,
        ServerError,
        ServerStartError,
        TransportError,
    )

    for error in (ConfigError, DatasetError, ServerStartError, BackendError):
        assert error.__bases__ == (AisbenchError,)
    for backend_error in (TransportError, ServerError, ResponseError):
        assert backend_error.__bases__ == (BackendError,)
