"""The whole page: header, accuracy, comparisons, performance, samples; one file.

plotly.js is read from the installed ``plotly`` package and embedded once; each figure and the
samples are JSON in ``<script type="application/json">`` elements (`escape.script_json`), so
the file opens from disk with no network, and no report text can break out of its element.
"""

from __future__ import annotations

from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.html.assets import SCRIPT, STYLE
from pytest_aisbench.html.content import ReportContent
from pytest_aisbench.html.escape import script_json, text
from pytest_aisbench.html.figures import Figure, perf_figures
from pytest_aisbench.html.perf_runs import PlotRun, plot_runs
from pytest_aisbench.html.samples import sample_data
from pytest_aisbench.html.tables import (
    accuracy_table,
    baseline_table,
    comparison_table,
    dataset_table,
    group_table,
    perf_comparison_table,
    perf_summary_table,
    perf_text_tables,
    side_by_side_table,
    table,
)

INSTALL = "pip install 'pytest-aisbench[html]'"


def plotly_js() -> str:
    """plotly.js from the ``plotly`` package; a `ConfigError` naming the extra when missing."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise ConfigError(
            f"the HTML report needs the Python package plotly (it embeds plotly.js): {INSTALL}"
        ) from None
    js: str = get_plotlyjs()
    return js


def render(lines: list[dict[str, Any]], plotly: str) -> str:
    """The page for the report `lines`, with `plotly` (the library's source) embedded."""
    content = ReportContent.of(lines)
    runs = plot_runs(content.perf)
    figures = perf_figures(runs)
    sections = [
        ("accuracy", "Accuracy", _accuracy(content)),
        ("comparisons", "Comparisons", _comparisons(content)),
        ("performance", "Performance", _performance(content, runs, figures)),
        ("samples", "Samples", _samples(content)),
    ]
    nav = " ".join(f'<a href="#{key}">{text(title)}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{text(title)}</h2>{html}</section>'
                   for key, title, html in sections)  # fmt: skip
    specs = [{"id": f"plot-{f.key}", **f.spec} for f in figures if f.spec is not None]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{text(_title(content))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{text(_title(content))}</h1>{_run_info(content)}<nav>{nav}</nav>{body}"
        f'<script type="application/json" id="aisbench-figures">{script_json(specs)}</script>'
        f'<script type="application/json" id="aisbench-samples">'
        f"{script_json(sample_data(content.samples))}</script>"
        f"<script>{plotly}</script><script>{SCRIPT}</script></body></html>\n"
    )


def _title(content: ReportContent) -> str:
    started = content.runs[-1].get("started") if content.runs else None
    return f"pytest-aisbench report{f', {started}' if started else ''}"


def _run_info(content: ReportContent) -> str:
    if not content.runs:
        return '<p class="note">This report has no run line.</p>'
    run = content.runs[-1]
    rows: list[list[Any]] = [["started", run.get("started")],
            ["models", ", ".join(map(str, run.get("models") or [])) or "-"],
            ["plugin version", run.get("plugin_version", "-")],
            ["report schema version", run.get("schema_version", 1)]]  # fmt: skip
    if run.get("resumed_from"):
        rows.append(["resumed from", run["resumed_from"]])
    if content.models:
        rows.append(["backends", ", ".join(f"{m.get('abbr')} ({m.get('class')})"
                                           for m in content.models)])  # fmt: skip
    return table(["", ""], rows, "run-info")


def _or_note(html: str, note: str) -> str:
    return html or f'<p class="note">{text(note)}</p>'


def _accuracy(content: ReportContent) -> str:
    if not content.gates and not content.groups:
        return '<p class="note">No accuracy items ran.</p>'
    models = content.model_names()
    parts = [accuracy_table(content.gates), group_table(content.groups)]
    if len(models) > 1:
        parts.append("<h3>Models side by side</h3>")
        parts.append(side_by_side_table(content.gates, content.groups, models))
    if content.datasets:
        parts.append("<h3>Datasets</h3>" + dataset_table(content.datasets))
    return "".join(parts)


def _comparisons(content: ReportContent) -> str:
    parts = []
    between = comparison_table(content.comparisons, "model")
    if between:
        parts.append("<h3>Between models (paired, on the same samples)</h3>" + between)
    if content.baselines or any(c.get("against") == "baseline" for c in content.comparisons):
        parts.append("<h3>Against the baseline</h3>" + baseline_table(content.baselines))
        parts.append(comparison_table(content.comparisons, "baseline"))
    if content.perf_comparisons:
        parts.append("<h3>Latency against the baseline</h3>")
        parts.append(perf_comparison_table(content.perf_comparisons))
    return _or_note("".join(parts), "No comparisons: one model and no baseline.")


def _performance(content: ReportContent, runs: list[PlotRun], figures: list[Figure]) -> str:
    if not content.perf:
        return '<p class="note">No perf items ran.</p>'
    parts = [perf_summary_table(runs), perf_text_tables(content.perf)]
    for figure in figures:
        parts.append(f"<h3>{text(figure.title)}</h3>")
        if figure.note:
            parts.append(f'<p class="note">{text(figure.note)}</p>')
        if figure.spec is not None:
            parts.append(f'<div class="plot" id="plot-{text(figure.key)}"></div>')
    return "".join(parts)


def _samples(content: ReportContent) -> str:
    if not content.samples:
        return '<p class="note">No sample records in this report.</p>'
    return (
        '<div id="sample-filters">'
        '<label>outcome <select id="f-outcome"><option value="">all</option></select></label>'
        '<label>model <select id="f-model"><option value="">all</option></select></label>'
        '<label>dataset <select id="f-dataset"><option value="">all</option></select></label>'
        '<label>text <input id="f-text" type="search" placeholder="question, answer, id">'
        '</label><span id="sample-count"></span>'
        '<button id="p-prev" type="button">previous</button><span id="sample-page"></span>'
        '<button id="p-next" type="button">next</button></div>'
        '<table id="sample-table"><thead><tr><th>outcome</th><th>model</th><th>dataset</th>'
        "<th>index</th><th>extracted</th><th>reference</th><th>response</th></tr></thead>"
        '<tbody id="sample-rows"></tbody></table>'
        '<div id="sample-detail" hidden></div>'
    )
