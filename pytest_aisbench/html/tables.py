"""The page's tables, as HTML: accuracy per model and dataset, groups, models side by side,
the comparisons (between models and against a baseline) and the perf figures.

Each function takes the report's lines of its type and returns '' when there are none, so a
report without comparisons (one model, no baseline) simply has no such table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytest_aisbench.html.escape import Markup, cell, text
from pytest_aisbench.html.perf_runs import PlotRun, load_label
from pytest_aisbench.records import OUTCOMES

Line = dict[str, Any]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], css: str = "") -> Markup:
    """An HTML table; cells are escaped unless they are `Markup`."""
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    klass = f' class="{text(css)}"' if css else ""
    return Markup(f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def pct(value: Any) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) else "-"


def interval(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{pct(value[0])}-{pct(value[1])}"
    return "-"


def verdict(value: Any) -> Markup:
    word = str(value or "-")
    return Markup(f'<span class="verdict {text(word.lower())}">{text(word)}</span>')


def _extra_metrics(line: Line) -> str:
    """avg@n and pass@k of a gate with repeats, else ''."""
    extra = [f"{key} {pct(value)}" for key, value in line.items()
             if key.startswith(("avg@", "pass@"))]  # fmt: skip
    return ", ".join(extra)


def accuracy_table(gates: Sequence[Line]) -> str:
    """One row per (model, dataset) gate: counts per outcome, accuracy, interval, verdict."""
    if not gates:
        return ""
    repeats = any(_extra_metrics(g) for g in gates)
    headers = ["model", "dataset", "n", *OUTCOMES, "accuracy", "95% CI", "min", "verdict"]
    rows = []
    for gate in gates:
        counts = gate.get("counts") or {}
        row = [gate.get("model"), gate.get("dataset"), gate.get("n"),
               *(counts.get(o, 0) for o in OUTCOMES), pct(gate.get("accuracy")),
               interval(gate.get("ci95")), pct(gate.get("min_accuracy")),
               verdict(gate.get("verdict"))]  # fmt: skip
        if repeats:
            row.append(_extra_metrics(gate))
        rows.append(row)
    return table([*headers, *(["repeats"] if repeats else [])], rows)


def group_table(groups: Sequence[Line]) -> str:
    """One row per (model, group): both averages, interval, gate, subsets missing."""
    if not groups:
        return ""
    rows = [
        [g.get("model"), g.get("group"), g.get("n"), pct(g.get("naive_average")),
         pct(g.get("weighted_average")), interval(g.get("ci95")), pct(g.get("min_accuracy")),
         verdict(g.get("verdict")), ", ".join(map(str, g.get("missing") or [])) or "-"]
        for g in groups
    ]  # fmt: skip
    headers = ["model", "group", "n", "naive average", "weighted average", "95% CI", "min",
               "verdict", "missing subsets"]  # fmt: skip
    return table(headers, rows)


def side_by_side_table(gates: Sequence[Line], groups: Sequence[Line], models: list[str]) -> str:
    """Datasets and groups down, models across (as OpenCompass's summary); '' for one model."""
    if len(models) < 2:
        return ""
    cells: dict[tuple[str, str], dict[str, Line]] = {}
    for gate in gates:
        cells.setdefault(("dataset", str(gate.get("dataset"))), {})[str(gate.get("model"))] = gate
    for group in groups:
        cells.setdefault(("group", str(group.get("group"))), {})[str(group.get("model"))] = group
    rows = []
    for (kind, name), by_model in cells.items():
        row: list[Any] = [kind, name]
        for model in models:
            line = by_model.get(model)
            if line is None:
                row.append("-")
                continue
            value = line.get("accuracy") if kind == "dataset" else line.get("weighted_average")
            row.append(Markup(f"{text(pct(value))} <small>({text(interval(line.get('ci95')))})"
                              f"</small> {verdict(line.get('verdict'))}"))  # fmt: skip
        rows.append(row)
    return table(["", "dataset / group", *models], rows, "side-by-side")


def _test_ids(ids: Any, word: str) -> Markup:
    ids = [str(i) for i in ids or []]
    if not ids:
        return Markup("0")
    listing = text("\n".join(ids))
    return Markup(f"<details><summary>{len(ids)} {text(word)}</summary>"
                  f"<pre class=\"ids\">{listing}</pre></details>")  # fmt: skip


def _p_value(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else "-"


def _signed_pct(value: Any) -> str:
    return f"{value * 100:+.1f} pts" if isinstance(value, int | float) else "-"


def comparison_table(comparisons: Sequence[Line], against: str) -> str:
    """Paired comparisons (`against` "model" or "baseline"): deltas, McNemar, flipped ids."""
    lines = [c for c in comparisons if c.get("against") == against]
    if not lines:
        return ""
    other = "other model" if against == "model" else "baseline"
    headers = [
        "scope",
        "name",
        "model",
        other,
        "paired",
        "both right",
        "only model",
        f"only {other}",
        "neither",
        "accuracy",
        f"{other} accuracy",
        "change",
        "p-value",
        "test",
        "max regression",
        "verdict",
        "newly wrong",
        "newly right",
    ]
    rows = [
        [c.get("scope"), c.get("name"), c.get("model"), c.get("other"), c.get("n_paired"),
         c.get("both_correct"), c.get("only_model"), c.get("only_other"), c.get("neither"),
         pct(c.get("accuracy")), pct(c.get("other_accuracy")), _signed_pct(c.get("delta")),
         _p_value(c.get("p_value")), c.get("test"), _limit(c.get("max_regression")),
         verdict(c.get("verdict")), _test_ids(c.get("newly_wrong"), "newly wrong"),
         _test_ids(c.get("newly_right"), "newly right")]
        for c in lines
    ]  # fmt: skip
    return table(headers, rows, "comparisons")


def _limit(value: Any) -> str:
    if value is None:
        return "-"
    return pct(value) if isinstance(value, int | float) else str(value)


def baseline_table(baselines: Sequence[Line]) -> str:
    """Which baseline was read, and every fingerprint that differs from it."""
    if not baselines:
        return ""
    parts = []
    for line in baselines:
        parts.append(f"<p>Baseline <code>{text(line.get('path'))}</code> (report schema "
                     f"version {text(line.get('schema_version'))}).</p>")  # fmt: skip
        changes = line.get("fingerprint_changes") or []
        if changes:
            parts.append('<p class="warn">Inputs differ from the baseline\'s:</p>')
            parts.append(table(["what", "baseline", "current"],
                               [[c.get("what"), c.get("baseline"), c.get("current")]
                                for c in changes]))  # fmt: skip
        else:
            parts.append("<p>Prompt templates, dataset files, scorers and backend configs "
                         "match the baseline's.</p>")  # fmt: skip
    return "".join(parts)


def perf_comparison_table(lines: Sequence[Line]) -> str:
    """Each latency percentile against the baseline's."""
    if not lines:
        return ""
    rows = [
        [p.get("run") or p.get("item"), p.get("metric"), p.get("stat"), _ms(p.get("baseline")),
         _ms(p.get("current")), _signed_pct_rel(p.get("change")), _limit(p.get("max_regression")),
         verdict(p.get("verdict"))]
        for p in lines
    ]  # fmt: skip
    headers = ["run", "metric", "stat", "baseline (ms)", "current (ms)", "change",
               "max regression", "verdict"]  # fmt: skip
    return table(headers, rows)


def _ms(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "-"


def _signed_pct_rel(value: Any) -> str:
    return f"{value * 100:+.1f}%" if isinstance(value, int | float) else "-"


PERF_COLUMNS = (
    ("completed", "completed", "{:.0f}"),
    ("failed", "failed", "{:.0f}"),
    ("request_throughput", "req/s", "{:.2f}"),
    ("output_throughput", "output tok/s", "{:.1f}"),
    ("median_ttft_ms", "p50 TTFT ms", "{:.1f}"),
    ("p99_ttft_ms", "p99 TTFT ms", "{:.1f}"),
    ("median_tpot_ms", "p50 TPOT ms", "{:.2f}"),
    ("median_itl_ms", "p50 ITL ms", "{:.2f}"),
    ("p99_itl_ms", "p99 ITL ms", "{:.2f}"),
    ("median_e2el_ms", "p50 E2EL ms", "{:.1f}"),
    ("p99_e2el_ms", "p99 E2EL ms", "{:.1f}"),
)


def perf_summary_table(runs: Sequence[PlotRun]) -> str:
    """The runs side by side: counts, throughputs and the main latency percentiles."""
    if not runs:
        return ""
    rows = []
    for run in runs:
        figures = [fmt.format(v) if isinstance(v := run.result.get(key), int | float) else "-"
                   for key, _, fmt in PERF_COLUMNS]  # fmt: skip
        rows.append([run.item, load_label(run.profile), *figures])
    return table(["item", "load", *(header for _, header, _ in PERF_COLUMNS)], rows)


def perf_text_tables(perf: Sequence[Line]) -> str:
    """Each run's own latency table, as the terminal prints it (every statistic)."""
    parts = []
    for line in perf:
        lines = line.get("table") or []
        slos = line.get("slos") or []
        slo_text = "".join(
            f"<li>{verdict('PASS' if s.get('passed') else 'FAIL')} "
            f"{text(s.get('explain') or s.get('expression'))}</li>"
            for s in slos if isinstance(s, dict)
        )  # fmt: skip
        parts.append(
            f"<details><summary>{text(line.get('item') or line.get('name'))}</summary>"
            f"<pre>{text(chr(10).join(map(str, lines)))}</pre>"
            + (f"<ul>{slo_text}</ul>" if slo_text else "")
            + "</details>"
        )
    return "".join(parts)


def dataset_table(datasets: Sequence[Line]) -> str:
    """What each dataset was: size, repeats and the fingerprints a baseline is checked with."""
    if not datasets:
        return ""
    rows = []
    for d in datasets:
        prints = d.get("fingerprint") or {}
        short = ", ".join(f"{k} {str(v)[:12]}" for k, v in prints.items() if v) or "-"
        rows.append([d.get("abbr"), d.get("name"), d.get("size"), d.get("repeats"), short])
    return table(["dataset", "config", "size", "repeats", "fingerprints"], rows)
