"""An inference-server simulator: OpenAI-compatible endpoints with scripted replies and timing.

Used by tests and benchmarks where a real model is not the point. Run it in-process with
`running_simulator(config)`, or as a server with `python -m pytest_aisbench.simulator`.
"""

from __future__ import annotations

from .app import SimulatorApp, create_app
from .config import (
    Responder,
    ResponseRule,
    ResponsesFileError,
    SimulatorConfig,
    load_responses,
    responder_from_file,
    responder_from_rules,
)
from .server import RunningSimulator, running_simulator
from .stats import SimulatorStats

__all__ = [
    "Responder",
    "ResponseRule",
    "ResponsesFileError",
    "RunningSimulator",
    "SimulatorApp",
    "SimulatorConfig",
    "SimulatorStats",
    "create_app",
    "load_responses",
    "responder_from_file",
    "responder_from_rules",
    "running_simulator",
]
