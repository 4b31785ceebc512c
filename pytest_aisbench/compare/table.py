"""The terminal's comparison sections: models side by side, and the run against its baseline.

Lines only; the plugin prints them. Test ids are shortened here (`SHOWN_IDS`); the report
lists every one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_aisbench.compare.comparison import Comparison, shortened
from pytest_aisbench.compare.perf import PerfComparison
from pytest_aisbench.compare.scopes import Scope
from pytest_aisbench.gates import align


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """`gates.align`'s columns, without the trailing blanks of a terminal line."""
    return [line.rstrip() for line in align([list(row) for row in rows])]


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def _p(comparison: Comparison) -> str:
    paired = comparison.paired
    if not paired.n_paired:
        return "-"
    kind = "exact" if paired.test.test == "mcnemar-exact" else "chi2"
    return f"{paired.test.p_value:.3g} ({kind})"


def side_by_side(
    scopes: Sequence[Scope],
    models: Sequence[str],
    accuracy: Mapping[tuple[str, str], float | None],
    comparisons: Sequence[Comparison],
) -> list[str]:
    """One row per scope with each model's accuracy (`accuracy` by (scope label, model), as
    the accuracy table shows it), then one row per pair of models on each scope."""
    rows = [["dataset", *models]]
    rows += [[s.label, *(_pct(accuracy.get((s.label, m))) for m in models)] for s in scopes]
    lines = _aligned(rows)
    if comparisons:
        lines.append("")
        lines.append("paired on the samples both models scored (McNemar; see docs/comparisons.md):")
        pairs = [["pair", "dataset", "n", "both", "only first", "only second", "neither",
                  "delta", "p"]]  # fmt: skip
        for c in comparisons:
            p = c.paired
            pairs.append([
                f"{c.model} vs {c.other}", c.scope.label, str(p.n_paired), str(p.both_correct),
                str(len(p.only_model)), str(len(p.only_other)), str(p.neither),
                _pct(p.delta, signed=True), _p(c),
            ])  # fmt: skip
        lines += _aligned(pairs)
    return lines


def against_baseline(comparisons: Sequence[Comparison]) -> list[str]:
    """One row per (model, scope): before -> after, delta, p, the flips and the verdict;
    then the flipped samples' ids, shortened."""
    rows = [["model", "dataset", "baseline", "now", "delta", "n", "p", "newly wrong",
             "newly right", "verdict"]]  # fmt: skip
    for c in comparisons:
        p = c.paired
        model = c.model if c.model == c.other else f"{c.model} (baseline {c.other})"
        rows.append([
            model, c.scope.label, _pct(p.other_accuracy), _pct(p.accuracy),
            _pct(p.delta, signed=True), str(p.n_paired), _p(c), str(len(c.newly_wrong)),
            str(len(c.newly_right)), c.verdict,
        ])  # fmt: skip
    lines = _aligned(rows)
    for c in comparisons:
        for word, ids in (("newly wrong", c.newly_wrong), ("newly right", c.newly_right)):
            if ids and c.scope.kind == "dataset":  # a group's flips are its datasets'
                lines.append(f"{c.model} on {c.scope.label}, {word}: {shortened(ids)}")
    return lines


def perf_against_baseline(figures: Sequence[PerfComparison]) -> list[str]:
    """One row per run and metric: each stat baseline -> now (change), and the verdict."""
    rows = [["run", "metric", *(f"{stat} ms" for stat in _stats(figures)), "verdict"]]
    by_row: dict[tuple[str, str], list[PerfComparison]] = {}
    for figure in figures:
        by_row.setdefault((figure.run, figure.metric), []).append(figure)
    for (run, metric), row in by_row.items():
        verdicts = {f.verdict for f in row}
        verdict = "FAIL" if "FAIL" in verdicts else "PASS" if "PASS" in verdicts else "-"
        rows.append([run, metric, *(f.shown for f in row), verdict])
    return _aligned(rows)


def _stats(figures: Sequence[PerfComparison]) -> list[str]:
    return list(dict.fromkeys(f.stat for f in figures))
