"""The counters the simulator keeps about what clients sent.

A module of its own because both the application (`app`, which counts) and fault injection
(`faults`, which counts and reads the fault count) need it, and `app` imports `faults`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SimulatorStats:
    """What the simulator saw, so tests can check what a client really sent."""

    requests: int = 0
    """Requests to a generation endpoint (POST)."""
    in_flight: int = 0
    max_in_flight: int = 0
    """The most generation requests open at the same time."""
    authorizations: list[str] = field(default_factory=list)
    """The ``Authorization`` header of every generation request ('' when absent)."""
    faults: int = 0
    """Generation requests a fault was applied to (see `SimulatorConfig.fault`)."""
