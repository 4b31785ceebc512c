"""The report's versioned schema, its ``model``/``dataset`` lines and fingerprints, the plugin's
own hooks, and ``--aisbench-html`` as a session writes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TEST_BACKENDS, samples_of, usage_error
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.report_schema import (
    SCHEMA_VERSION,
    load_report,
    main,
    schema_problems,
)

GOLD = [f"--aisbench-backends-dir={TEST_BACKENDS}", "--aisbench-model=gold_gsm8k"]

HOOKS_CONFTEST = """
import json
from pathlib import Path

seen = {"records": [], "gates": None, "written": None}


def pytest_aisbench_record_finished(record, report, config):
    seen["records"].append([record.index, record.outcome, report.nodeid, record.test_id])


def pytest_aisbench_gates_decided(gates, groups, checks, config):
    seen["gates"] = [[g.dataset, g.verdict, g.min_accuracy] for g in gates]


def pytest_aisbench_report_written(path, html_path, lines, config):
    seen["written"] = [str(path), html_path, sorted({line["type"] for line in lines})]
    Path("seen.json").write_text(json.dumps(seen))
"""


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_report_says_its_version_models_datasets_and_each_sample_s_id(
    suite: pytest.Pytester, workers: list[str]
) -> None:
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        *GOLD, "--aisbench-min-accuracy=0.5", f"--aisbench-report={report}", *workers
    )
    assert result.ret == 0
    lines = lines_of(report)
    run, model = lines[0], lines[1]
    assert run["type"] == "run" and run["schema_version"] == SCHEMA_VERSION
    assert "datasets" not in run  # said by the dataset lines, never parsed from item ids
    assert model["type"] == "model" and model["abbr"] == "gold"
    assert len(model["fingerprint"]) == 16
    (dataset,) = [line for line in lines if line["type"] == "dataset"]
    assert dataset["abbr"] == "demo_gsm8k" and dataset["size"] == 8
    assert set(dataset["fingerprint"]) == {"config", "data", "prompt_template", "scorer"}
    assert all(len(value) == 16 for value in dataset["fingerprint"].values())
    records = samples_of(report)
    assert [r["test_id"] for r in records] == [
        f"test_gsm8k.py::test_gsm8k[gold-demo_gsm8k-{i}]" for i in range(8)
    ]
    assert {r["min_accuracy"] for r in records} == {0.5}  # the gate's threshold, not null
    assert all(r["prompt"].rstrip().endswith("Answer:") for r in records)  # as rendered
    assert schema_problems(report) == []


def test_fingerprints_change_with_what_they_digest(suite: pytest.Pytester) -> None:
    """The same run twice: same digests; another template: only the prompts' digest moves."""
    reports = [suite.path / f"r{n}.jsonl" for n in range(3)]
    datasets = ["demo_gsm8k_gen_4_shot_cot_chat_prompt"] * 2 + ["demo_gsm8k_gen_4_shot_cot_str"]
    for report, dataset in zip(reports, datasets, strict=True):
        result = suite.runpytest(
            *GOLD, f"--aisbench-dataset={dataset}", f"--aisbench-report={report}"
        )
        assert result.ret == 0
    first, again, other = (
        next(line["fingerprint"] for line in lines_of(r) if line["type"] == "dataset")
        for r in reports
    )
    assert first == again
    assert first["data"] == other["data"]
    assert first["prompt_template"] != other["prompt_template"]


def test_a_secret_never_reaches_the_model_line(tmp_path: Path) -> None:
    from pytest_aisbench.config import validate_model
    from pytest_aisbench.fingerprints import model_line
    from pytest_aisbench.models import VLLMCustomAPIChat

    def line(key: str, port: int) -> dict:
        entry = dict(type=VLLMCustomAPIChat, abbr="m", attr="service", path="", model="x",
                     api_key=key, host_ip="127.0.0.1", host_port=port, max_out_len=16)  # fmt: skip
        return model_line(validate_model(entry, "<test>"))

    one, two = line("sk-secret-1", 8000), line("sk-secret-2", 9000)
    assert "sk-secret" not in json.dumps(one)
    assert one == two  # neither the key nor the address is part of what the backend is


def test_a_report_of_a_newer_version_is_refused_naming_both(tmp_path: Path) -> None:
    report = tmp_path / "new.jsonl"
    report.write_text(json.dumps({"type": "run", "started": "", "models": [],
                                  "schema_version": SCHEMA_VERSION + 1}) + "\n")  # fmt: skip
    with pytest.raises(ConfigError) as error:
        load_report(report, "--aisbench-baseline")
    message = str(error.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"reads versions 1 to {SCHEMA_VERSION}" in message
    assert "--aisbench-baseline" in message and str(report) in message


def test_a_version_1_report_is_read_and_matches_the_schema(tmp_path: Path) -> None:
    """What the plugin wrote before schema_version existed: a run line with datasets."""
    report = tmp_path / "v1.jsonl"
    sample = {"type": "sample", "model": "m", "dataset": "d", "index": 0, "outcome": "correct",
              "prediction": "4", "reasoning": "", "extracted": "4", "reference": "4",
              "error": "", "finish_reason": "stop", "input_tokens": 3, "output_tokens": 1,
              "token_source": "usage", "attempts": 1, "ttft_s": None, "e2el_s": 0.1,
              "min_accuracy": None, "notes": ""}  # fmt: skip
    run = {"type": "run", "started": "2026-01-01T00:00:00+0000", "models": ["m"],
           "datasets": ["d"], "strict": False}  # fmt: skip
    report.write_text(f"{json.dumps(run)}\n{json.dumps(sample)}\n")
    assert [line["type"] for line in load_report(report)] == ["run", "sample"]
    assert schema_problems(report) == []


def test_resuming_a_newer_report_is_a_usage_error(suite: pytest.Pytester) -> None:
    newer = suite.path / "newer.jsonl"
    newer.write_text(json.dumps({"type": "run", "started": "", "models": ["gold"],
                                 "schema_version": 99}) + "\n")  # fmt: skip
    usage_error(suite, *GOLD, f"--aisbench-resume={newer}").fnmatch_lines(
        ["*--aisbench-resume*newer.jsonl*schema version 99*reads versions 1 to*upgrade*"]
    )


def test_the_schema_check_names_the_line_and_the_field(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    report = tmp_path_factory.mktemp("bad") / "bad.jsonl"  # not checked after the test
    run = {"type": "run", "started": "", "models": ["m"], "schema_version": 2}
    gate = {"type": "gate", "model": "m", "dataset": "d", "n": 1, "scored": 1,
            "counts": {"correct": 1}, "accuracy": 1.0, "ci95": [0, 1], "min_accuracy": None,
            "verdict": "OK"}  # fmt: skip
    report.write_text(f"{json.dumps(run)}\n{json.dumps(gate)}\n")
    (problem,) = schema_problems(report)
    assert problem.startswith("line 2 (gate): verdict: 'OK' is not one of")
    assert main([str(report)]) == 1


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_conftest_gets_each_record_the_gates_and_the_written_report(
    suite: pytest.Pytester, workers: list[str]
) -> None:
    suite.makeconftest(HOOKS_CONFTEST)
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        *GOLD, "--aisbench-min-accuracy=0.9", f"--aisbench-report={report}", *workers
    )
    assert result.ret == 0
    seen = json.loads((suite.path / "seen.json").read_text())
    assert sorted(index for index, *_ in seen["records"]) == list(range(8))
    for index, outcome, nodeid, test_id in seen["records"]:
        assert outcome == "correct"
        assert nodeid == test_id == f"test_gsm8k.py::test_gsm8k[gold-demo_gsm8k-{index}]"
    assert seen["gates"] == [["demo_gsm8k", "PASS", 0.9]]
    assert seen["written"] == [
        str(report), None, ["dataset", "gate", "model", "run", "sample"]
    ]  # fmt: skip


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_the_html_page_needs_no_json_report(suite: pytest.Pytester, workers: list[str]) -> None:
    """``--aisbench-html`` alone: the page is made from a report kept for the session only
    (xdist workers append their samples to it as to any report)."""
    pytest.importorskip("plotly")
    page = suite.path / "out" / "report.html"
    result = suite.runpytest(*GOLD, f"--aisbench-html={page}", *workers)
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"aisbench: HTML report {page} (*MB)"])
    html = page.read_text()
    assert all(f"test_gsm8k.py::test_gsm8k[gold-demo_gsm8k-{i}]" in html for i in range(8))
    assert not list(suite.path.rglob("*.jsonl"))  # nothing left behind


def test_an_html_path_that_cannot_be_written_is_a_usage_error(suite: pytest.Pytester) -> None:
    pytest.importorskip("plotly")
    blocker = suite.path / "file"
    blocker.write_text("")
    result = suite.runpytest(*GOLD, f"--aisbench-html={blocker}/report.html")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--aisbench-html: cannot write {blocker}/report.html: *"])
    assert "Traceback" not in result.stderr.str()


def test_a_page_that_cannot_be_written_at_the_end_fails_the_run_saying_why(
    suite: pytest.Pytester,
) -> None:
    """The folder is fine at the start and gone at the end (a conftest hook replaces it with
    a file): the run fails with one line, and the JSON report stays complete."""
    pytest.importorskip("plotly")
    suite.makeconftest(
        "import shutil\n"
        "from pathlib import Path\n\n"
        "def pytest_aisbench_gates_decided(gates, groups, checks, config):\n"
        "    shutil.rmtree('out')\n"
        "    Path('out').write_text('')\n"
    )
    report = suite.path / "r.jsonl"
    result = suite.runpytest(*GOLD, f"--aisbench-html={suite.path}/out/report.html",
                             f"--aisbench-report={report}")  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["aisbench: --aisbench-html: cannot write the HTML report*"])
    assert len(samples_of(report)) == 8


def test_an_html_page_over_the_json_report_is_a_usage_error(suite: pytest.Pytester) -> None:
    report = suite.path / "r.jsonl"
    usage_error(
        suite, *GOLD, f"--aisbench-report={report}", f"--aisbench-html={report}"
    ).fnmatch_lines([f"--aisbench-html {report} is the file --aisbench-report names;*"])
