"""Did what was measured change? The baseline's fingerprints against this run's.

A report (v2) fingerprints each backend config (secrets removed) and each dataset's config,
data file, prompt template and scorer. A changed accuracy means a changed model only when
those are the same; when one differs, the comparison still runs but says which one changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fingerprints:
    """The ``model`` and ``dataset`` lines' fingerprints of one report, by abbr."""

    models: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per dataset: ``config``, ``data``, ``prompt_template``, ``scorer``."""

    def __bool__(self) -> bool:
        return bool(self.models or self.datasets)


def fingerprints_of(lines: Iterable[Mapping[str, Any]]) -> Fingerprints:
    """The fingerprints among report lines (a v1 report has none)."""
    found = Fingerprints()
    for line in lines:
        prints = line.get("fingerprint")
        if line.get("type") == "model" and prints:
            found.models[str(line["abbr"])] = str(prints)
        elif line.get("type") == "dataset" and isinstance(prints, dict):
            found.datasets[str(line["abbr"])] = {str(k): str(v) for k, v in prints.items()}
    return found


@dataclass(frozen=True)
class FingerprintChange:
    """One fingerprint that differs: ``what`` is ``model vllm_chat`` or
    ``dataset gsm8k: prompt_template``."""

    what: str
    baseline: str
    current: str

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "baseline": self.baseline, "current": self.current}


def fingerprint_changes(
    baseline: Fingerprints, current: Fingerprints, model_pairs: Mapping[str, str]
) -> list[FingerprintChange]:
    """What differs, for the models paired with the baseline's (`model_pairs`: current abbr to
    baseline abbr) and the datasets both reports fingerprinted, part by part."""
    changes = []
    for model, old in model_pairs.items():
        before, now = baseline.models.get(old), current.models.get(model)
        if before is not None and now is not None and before != now:
            changes.append(FingerprintChange(f"model {model}", before, now))
    for abbr, now_parts in current.datasets.items():
        before_parts = baseline.datasets.get(abbr, {})
        for part, value in now_parts.items():
            if part in before_parts and before_parts[part] != value:
                what = f"dataset {abbr}: {part}"
                changes.append(FingerprintChange(what, before_parts[part], value))
    return changes
