"""The offline HTML report: figures and tables from report lines, escaping, 15,000 samples,
the command line, the perf lines' per-request timings, and a real session rendered."""

from __future__ import annotations

import json
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from html_lines import HOSTILE, perf, report_lines, sample
from html_session import report_session

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.html import render_html, write_html
from pytest_aisbench.html.__main__ import main
from pytest_aisbench.html.escape import script_json
from pytest_aisbench.html.figures import NO_REQUESTS, perf_figures
from pytest_aisbench.html.perf_runs import plot_runs
from pytest_aisbench.perf.measure import PerfRun
from pytest_aisbench.perf.metrics import RequestTiming, request_timeline, summarize
from pytest_aisbench.simulator import RunningSimulator

ALL_PLOTS = {
    "ttft-cdf", "e2el-cdf", "itl-histogram", "throughput-over-time", "timeline-1", "timeline-2",
    "timeline-3", "latency-vs-throughput", "rate-asked-vs-achieved",
}  # fmt: skip


def embedded(page: str, element: str) -> Any:
    """The JSON of the page's ``<script type="application/json" id=element>``."""
    match = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page,
                      re.S)  # fmt: skip
    assert match, element
    return json.loads(match.group(1))


def plot_ids(page: str) -> set[str]:
    figures = embedded(page, "aisbench-figures")
    for figure in figures:  # each drawn figure has its element and at least one trace
        assert f'<div class="plot" id="{figure["id"]}"></div>' in page
        assert figure["data"]
    return {figure["id"].removeprefix("plot-") for figure in figures}


def test_every_plot_is_drawn_when_the_report_has_its_data() -> None:
    page = render_html(report_lines())
    assert plot_ids(page) == ALL_PLOTS
    assert page.count("Plotly.newPlot") == 1  # one loop draws them all
    assert page.count("plotly.js v") == 1  # the library embedded once (its banner)
    assert 'src="http' not in page and "cdn" not in page.split("<script>", 1)[0].lower()


def test_a_plot_without_its_data_is_a_note() -> None:
    line = perf("t.py::test[c1]", 1, "inf", 100.0)
    del line["requests"]  # a report written before per-request timings
    figures = {f.key: f for f in perf_figures(plot_runs([line]))}
    assert {key for key, f in figures.items() if f.spec is not None} == set()
    assert figures["ttft-cdf"].note == NO_REQUESTS
    assert "two or more" in figures["latency-vs-throughput"].note
    assert "no perf run asked for a request rate" in figures["rate-asked-vs-achieved"].note
    page = render_html([line])
    assert embedded(page, "aisbench-figures") == []
    assert "a sweep needs two or more" in page


def test_non_streamed_requests_have_no_ttft_plot_but_the_rest() -> None:
    line = perf("t.py::test[c1]", 1, 5.0, 100.0)
    for request in line["requests"]:
        request["ttft_s"], request["itl_s"] = None, []
    figures = {f.key: f for f in perf_figures(plot_runs([line]))}
    assert figures["ttft-cdf"].spec is None and "none streamed" in figures["ttft-cdf"].note
    assert figures["itl-histogram"].spec is None
    drawn = {"e2el-cdf", "throughput-over-time", "timeline-1", "rate-asked-vs-achieved"}
    assert {key for key, f in figures.items() if f.spec is not None} == drawn


def test_a_sweep_is_one_line_per_model() -> None:
    lines = [perf(f"t.py::test[{model}-c{c}]", c, "inf", 100.0 * c, model)
             for model in ("vllm_chat", "vllm_stream_chat") for c in (1, 4)]  # fmt: skip
    runs = plot_runs(lines)
    assert [run.series for run in runs] == ["vllm_chat"] * 2 + ["vllm_stream_chat"] * 2
    assert [run.label for run in runs][:2] == ["vllm_chat-c1 c1", "vllm_chat-c4 c4"]
    (sweep,) = [f for f in perf_figures(runs) if f.key == "latency-vs-throughput"]
    assert sweep.spec is not None
    traces = sweep.spec["data"]
    assert len(traces) == 8 and all(len(trace["x"]) == 2 for trace in traces)
    assert traces[0]["name"] == "vllm_chat p50 E2EL"
    assert traces[1]["name"] == "vllm_stream_chat p50 E2EL"


def test_a_report_without_perf_lines_says_so_and_draws_nothing() -> None:
    lines = [line for line in report_lines() if line["type"] not in ("perf", "perf_comparison")]
    page = render_html(lines)
    assert embedded(page, "aisbench-figures") == []
    assert "No perf items ran." in page


class _Scripts(HTMLParser):
    """Counts the script elements an HTML parser (as a browser's) sees."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.tags.append(tag)


def test_report_text_is_escaped_everywhere() -> None:
    page = render_html(report_lines())
    assert HOSTILE not in page
    assert "alert(" in page  # the text is there, as escaped JSON
    parser = _Scripts()
    parser.feed(page)
    assert parser.scripts == 4  # figures, samples, plotly.js, the page's own: nothing added
    assert "b" not in parser.tags  # the sample's <b> stays text
    samples = embedded(page, "aisbench-samples")
    assert HOSTILE in samples["strings"]  # JSON.parse gives the text back exactly
    assert script_json({"x": "</script>&"}) == '{"x":"\\u003c/script\\u003e\\u0026"}'
    assert script_json(float("nan")) == "null"


def test_tables_show_models_side_by_side_and_every_comparison() -> None:
    page = render_html(report_lines())
    side = page.split('class="side-by-side"', 1)[1].split("</table>", 1)[0]
    assert "<th>model_a</th><th>model_b</th>" in side and "math" in side
    for text in ("suite/test_gsm8k.py::test_sample[model_a-demo_gsm8k-7]", "2 newly wrong",
                 "0.0312", "mcnemar-exact", "-5.0 pts", "dataset demo_gsm8k: prompt_template",
                 "old/report.jsonl", "+50.0%", "ttft_p99_ms 30.0 &lt;= 1000"):  # fmt: skip
        assert text in page, text


def test_one_model_and_no_baseline_have_no_comparison_tables() -> None:
    lines = [line for line in report_lines() if line.get("model", "model_a") == "model_a"
             and line["type"] not in ("comparison", "baseline", "perf_comparison")]  # fmt: skip
    page = render_html(lines)
    assert "side-by-side" not in page and "No comparisons" in page


def test_fifteen_thousand_samples_are_embedded_once_and_render_fast() -> None:
    shared = "Q: Natalia sold clips to 48 of her friends in April... " * 40  # a few-shot turn
    lines = [sample("m", "gsm8k", i, ("correct", "incorrect")[i % 2],
                    prompt=[{"role": "user", "content": shared},
                            {"role": "user", "content": f"unique question {i}"}],
                    prediction=f"unique answer {i}") for i in range(15_000)]  # fmt: skip
    started = time.perf_counter()
    page = render_html(lines)
    assert time.perf_counter() - started < 5
    assert page.count("unique answer 12345") == 1
    assert page.count("Natalia sold clips") == 40  # the shared turn, stored once
    samples = embedded(page, "aisbench-samples")
    assert len(samples["rows"]) == 15_000 and samples["outcomes"] == ["correct", "incorrect"]
    assert len(page) < len(render_html([])) + 6_000_000  # about 300 bytes a sample


def test_without_plotly_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "plotly.offline", None)  # import fails
    with pytest.raises(ConfigError, match=r"pip install 'pytest-aisbench\[html\]'"):
        write_html(tmp_path / "r.html", report_lines())
    assert not (tmp_path / "r.html").exists()


def test_the_command_line_writes_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.jsonl"
    report.write_text("".join(json.dumps(line) + "\n" for line in report_lines()))
    assert main([str(report), "-o", str(tmp_path / "out" / "r.html")]) == 0
    assert plot_ids((tmp_path / "out" / "r.html").read_text()) == ALL_PLOTS
    assert main([str(report)]) == 0 and (tmp_path / "report.html").exists()
    assert main([str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_perf_lines_carry_each_request_on_the_runs_clock() -> None:
    base = 5_000_000_000
    streamed = RequestTiming(scheduled_ns=base, send_ns=base, finish_ns=base + 60_000_000,
                             content_times_ns=(base + 20_000_000, base + 30_000_000,
                                               base + 50_000_000),
                             output_tokens=3, input_tokens=7, token_source="usage",
                             success=True)  # fmt: skip
    failed = RequestTiming(scheduled_ns=base, send_ns=base + 1_234_567, finish_ns=base + 2,
                           content_times_ns=(), output_tokens=None, input_tokens=7,
                           token_source="", success=False, error="reset")  # fmt: skip
    assert request_timeline([streamed, failed]) == [
        {"start_s": 0.0, "ttft_s": 0.02, "e2el_s": 0.05, "itl_s": [0.01, 0.02],
         "input_tokens": 7, "output_tokens": 3, "ok": True},
        {"start_s": 0.001235, "ttft_s": None, "e2el_s": None, "itl_s": [], "input_tokens": 7,
         "output_tokens": None, "ok": False},
    ]  # fmt: skip
    run = PerfRun(name="r", summary=summarize([streamed]).as_dict(), profile={}, schedule_s=(0.0,),
                  requests=tuple(request_timeline([streamed])))  # fmt: skip
    assert PerfRun.from_dict(json.loads(json.dumps(run.to_dict()))) == run  # as xdist ships it


def test_a_real_sessions_report_renders_with_every_plot(
    pytester: pytest.Pytester, simulator: RunningSimulator
) -> None:
    lines = report_session(pytester, simulator)
    perf_lines = [line for line in lines if line["type"] == "perf"]
    assert [len(line["requests"]) for line in perf_lines] == [8, 8, 8]
    page = render_html(lines)
    assert plot_ids(page) == ALL_PLOTS
    samples = embedded(page, "aisbench-samples")
    assert len(samples["rows"]) == 8 and len(samples["outcomes"]) >= 2
    assert "demo_gsm8k" in page.split('id="accuracy"', 1)[1].split("</section>", 1)[0]


def test_a_report_resumed_into_itself_shows_its_last_session_and_each_sample_once() -> None:
    from pytest_aisbench.html.content import ReportContent

    def run(started: str) -> dict:
        return {"type": "run", "schema_version": 2, "started": started, "models": ["m"]}

    def sample(outcome: str) -> dict:
        return {"type": "sample", "model": "m", "dataset": "d", "index": 0, "outcome": outcome}

    def gate(verdict: str) -> dict:
        return {"type": "gate", "model": "m", "dataset": "d", "verdict": verdict}

    lines = [run("first"), sample("error"), gate("FAIL"), run("second"), sample("correct"),
             gate("PASS")]  # fmt: skip
    content = ReportContent.of(lines)
    assert [r["started"] for r in content.runs] == ["second"]
    assert [s["outcome"] for s in content.samples] == ["correct"]
    assert [g["verdict"] for g in content.gates] == ["PASS"]
