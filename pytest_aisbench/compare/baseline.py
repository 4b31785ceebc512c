"""The baseline: an earlier report, read once at configure time, and this run held against it.

A baseline that cannot be used (missing, unreadable, not a report, a newer schema) is a usage
error naming the file, before any request is sent: a regression gate that silently compared
against nothing would pass every release.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_aisbench.compare.comparison import Comparison
from pytest_aisbench.compare.fingerprint_changes import Fingerprints, fingerprints_of
from pytest_aisbench.compare.models import by_model
from pytest_aisbench.compare.node_ids import NodeIds, RecordKey
from pytest_aisbench.compare.pairing import pair
from pytest_aisbench.compare.regression import MaxRegression
from pytest_aisbench.compare.scopes import Scope
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.report import checked_record
from pytest_aisbench.report_schema import load_report

OPTION = "--aisbench-baseline"


def load_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of the report at `path` (the one place that reads the file): a missing or
    unreadable file, a bad line, no ``run`` line or a newer schema version is a `ConfigError`
    naming the option and the file."""
    return load_report(path, OPTION)


@dataclass
class Baseline:
    """What this run is compared with, from an earlier report."""

    path: Path
    schema_version: int
    records: list[SampleRecord]
    """One per (model, dataset, index): the last line of a sample wins, as resume reads it."""
    models: list[str]
    """Its models, as its run lines and samples name them, first seen first."""
    perf: list[dict[str, Any]] = field(default_factory=list)
    """Its ``perf`` lines."""
    fingerprints: Fingerprints = field(default_factory=Fingerprints)
    """Its ``model`` and ``dataset`` lines' fingerprints (none in a v1 report)."""
    test_ids: dict[RecordKey, str] = field(default_factory=dict)
    """Its sample lines' ``test_id`` (v2; '' when unknown)."""


def read_baseline(path: Path) -> Baseline:
    """Read `path`; anything that makes it unusable is a `ConfigError` naming the file."""
    lines = load_lines(path)  # its errors name the option, the file and the line
    try:
        return _baseline(path, lines)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{OPTION}: {path} is not a valid aisbench report ({exc})") from None


def _baseline(path: Path, lines: list[dict[str, Any]]) -> Baseline:
    version = 1
    models: dict[str, None] = {}
    records: dict[RecordKey, SampleRecord] = {}
    baseline = Baseline(path, version, [], [])
    for line in lines:
        kind = line.get("type")
        if kind == "run":
            version = max(version, int(line.get("schema_version", 1)))
            models.update(dict.fromkeys(str(m) for m in line.get("models", ())))
        elif kind == "sample":
            record = checked_record(line)  # as resume reads it: a record it could have written
            records[record.key] = record
            models.setdefault(record.model)
            baseline.test_ids[record.key] = str(line.get("test_id") or "")
        elif kind == "perf":
            baseline.perf.append(line)
    baseline.schema_version = version
    baseline.fingerprints = fingerprints_of(lines)
    baseline.records = list(records.values())
    baseline.models = list(models)
    return baseline


def model_pairs(current: Sequence[str], baseline: Sequence[str]) -> dict[str, str]:
    """Each current model's counterpart in the baseline: the same abbr; or, when each side has
    exactly one model, those two (a renamed backend, or a new server against the old one)."""
    same = {abbr: abbr for abbr in current if abbr in baseline}
    if not same and len(current) == 1 and len(baseline) == 1:
        return {current[0]: baseline[0]}
    return same


def baseline_comparisons(
    records: Iterable[SampleRecord],
    models: Sequence[str],
    baseline: Baseline,
    scopes: Sequence[Scope],
    ids: NodeIds,
    max_regression: MaxRegression | None,
) -> list[Comparison]:
    """Each (model, scope) that both this run and the baseline ran, current against baseline;
    the flipped samples are named by this run's node ids."""
    mine, theirs = by_model(records), by_model(baseline.records)
    found = []
    for model, old in model_pairs(models, baseline.models).items():
        for scope in scopes:
            now = [r for r in mine.get(model, ()) if r.dataset in scope.datasets]
            before = [r for r in theirs.get(old, ()) if r.dataset in scope.datasets]
            if not (now and before):
                continue
            paired = pair(now, before, scope.datasets)

            def named(keys: Iterable[tuple[str, int]], m: str = model, o: str = old) -> tuple:
                return tuple(ids.of((m, *key), (o, *key)) for key in keys)

            found.append(
                Comparison(
                    "baseline",
                    scope,
                    model,
                    old,
                    paired,
                    newly_wrong=named(paired.only_other),
                    newly_right=named(paired.only_model),
                    max_regression=max_regression,
                )
            )
    return found
