"""pytest-aisbench: LLM accuracy and serving-performance evaluations as pytest suites.

The public API is the AISBench extension API (backend base classes, the request output and
prompt types) plus the plugin's errors and records; everything else is internal.
"""

from __future__ import annotations

from pytest_aisbench.datasets import Dataset
from pytest_aisbench.errors import (
    AisbenchError,
    BackendError,
    ConfigError,
    DatasetError,
    ResponseError,
    ServerError,
    ServerStartError,
    TransportError,
)
from pytest_aisbench.models import (
    BaseAPIModel,
    BaseModel,
    Output,
    RequestOutput,
    VLLMCustomAPI,
    VLLMCustomAPIChat,
)
from pytest_aisbench.outcomes import SampleResult
from pytest_aisbench.records import OUTCOMES, SampleRecord
from pytest_aisbench.scorers import Score
from pytest_aisbench.utils.prompt import PromptList, PromptType

__all__ = [
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
