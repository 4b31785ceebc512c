"""Comparisons on the same samples: models side by side, and a run against its baseline.

Two accuracies measured on the same samples are compared with a paired test, McNemar's, on
per-sample correctness (docs/comparisons.md says what is paired, what is left out and why).
Nothing here knows pytest: the session's owner (`session.comparisons`) feeds it records and
writes what it returns.

The modules, one job each: `mcnemar` (the test), `pairing` (two sides' records to a 2x2
table), `scopes` (datasets and groups), `node_ids` (flipped samples as pytest ids),
`comparison` (one comparison and its verdict), `models` (every pair of models), `baseline`
(reading the baseline, this run against it), `regression` (the thresholds), `perf` (latency
figures against the baseline, and their gate), `fingerprints` (what changed since the
baseline), `table` (the terminal's lines).
"""

from __future__ import annotations

from pytest_aisbench.compare.baseline import (
    Baseline,
    baseline_comparisons,
    model_pairs,
    read_baseline,
)
from pytest_aisbench.compare.comparison import Comparison
from pytest_aisbench.compare.fingerprint_changes import (
    FingerprintChange,
    Fingerprints,
    fingerprint_changes,
    fingerprints_of,
)
from pytest_aisbench.compare.mcnemar import EXACT_BELOW, McNemar, mcnemar
from pytest_aisbench.compare.models import model_comparisons
from pytest_aisbench.compare.node_ids import NodeIds
from pytest_aisbench.compare.pairing import Paired, pair
from pytest_aisbench.compare.perf import PerfComparison, PerfGate, perf_comparisons, perf_gates
from pytest_aisbench.compare.regression import (
    SIGNIFICANT,
    MaxRegression,
    parse_max_perf_regression,
    parse_max_regression,
)
from pytest_aisbench.compare.scopes import Scope, scopes

__all__ = [
    "EXACT_BELOW",
    "SIGNIFICANT",
    "Baseline",
    "Comparison",
    "FingerprintChange",
    "Fingerprints",
    "MaxRegression",
    "McNemar",
    "NodeIds",
    "Paired",
    "PerfComparison",
    "PerfGate",
    "Scope",
    "baseline_comparisons",
    "fingerprint_changes",
    "fingerprints_of",
    "mcnemar",
    "model_comparisons",
    "model_pairs",
    "pair",
    "parse_max_perf_regression",
    "parse_max_regression",
    "perf_comparisons",
    "perf_gates",
    "read_baseline",
    "scopes",
]
