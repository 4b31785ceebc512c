"""Comparisons through whole sessions: two models side by side on a group, and a run against
its baseline on the simulator that catches a regression injected on 10 % of the samples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from test_group_sessions import options, quiz  # noqa: F401  (quiz is a fixture)

from conftest import REPO, point_at, usage_error
from pytest_aisbench.report import read_report
from pytest_aisbench.simulator import RunningSimulator

PERF_SUITE = REPO / "suites" / "perf" / "test_serving.py"
RIVAL = """
from pytest_aisbench.models import BaseModel
from pytest_aisbench.utils.prompt import prompt_to_text


class Rival(BaseModel):
    # right on every sample of quiz_a and quiz_b, wrong on quiz_c: 6 of 8
    def generate(self, input, max_out_len, **kwargs):
        return ["B" if prompt_to_text(p).startswith("Q: c") else "A" for p in input]


models = [dict(attr="local", type=Rival, abbr="rival", batch_size=8)]
"""


def lines_of(report: Path, kind: str) -> list[dict]:
    return [line for line in read_report(report) if line["type"] == kind]


def test_two_models_side_by_side_on_a_group_with_paired_tests(
    quiz: pytest.Pytester,  # noqa: F811
) -> None:
    """bot is right on a0, a1, b0, c0; rival on a*, b*: on the group, bot alone is right on c0,
    rival alone on b1-b3: McNemar exact p = 2 * (1 + 4) / 16 = 0.625."""
    (quiz.path / "backends" / "rival.py").write_text(RIVAL)
    report = quiz.path / "report.jsonl"
    result = quiz.runpytest(
        *options(quiz, "--aisbench-model=rival", "--aisbench-subsets"),
        f"--aisbench-report={report}",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*= aisbench models side by side =*",
            "dataset*bot*rival",
            "quiz_a*100.0%*100.0%",
            "quiz_b*25.0%*100.0%",
            "quiz_c*50.0%*0.0%",
            "quiz (group)*50.0%*75.0%",
            "paired on the samples both models scored*",
            "pair*dataset*n*both*only first*only second*neither*delta*p",
            "bot vs rival*quiz_b*4*1*0*3*0*-75.0%*0.25 (exact)",
            "bot vs rival*quiz (group)*8*3*1*3*1*-25.0%*0.625 (exact)",
        ]
    )
    group = next(c for c in lines_of(report, "comparison") if c["scope"] == "group")
    assert group == {
        "type": "comparison", "against": "model", "scope": "group", "name": "quiz",
        "model": "bot", "other": "rival", "n_paired": 8, "both_correct": 3, "only_model": 1,
        "only_other": 3, "neither": 1, "accuracy": 0.5, "other_accuracy": 0.75, "delta": -0.25,
        "p_value": 0.625, "test": "mcnemar-exact", "unpaired": 0,
        "newly_wrong": [f"test_quiz.py::test_quiz[bot-quiz_b-{i}]" for i in (1, 2, 3)],
        "newly_right": ["test_quiz.py::test_quiz[bot-quiz_c-0]"],
        "max_regression": None, "verdict": "-",
    }  # fmt: skip


QUESTIONS = [
    {"question": f"Which letter is item {i}?", "A": "alpha", "B": "bravo", "C": "charlie",
     "answer": "ABC"[i % 3]}
    for i in range(50)
]  # fmt: skip
TURNED = (7, 17, 27, 37, 47)
"""The 10 % of the samples the regressed server answers wrong."""


def answering(wrong: tuple[int, ...]) -> Callable[[str], str]:
    """A responder that gives each question's answer, except on the `wrong` indexes."""

    def responder(prompt: str) -> str:
        i = next(i for i, q in enumerate(QUESTIONS) if f"item {i}?" in prompt)
        letter = QUESTIONS[i]["answer"]
        other = "C" if letter == "A" else "A"
        return f"The answer is {other if i in wrong else letter}."

    return responder


def test_a_baseline_catches_a_regression_on_10_percent_of_the_samples_and_passes_unchanged(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    data = suite.path / "letters.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in QUESTIONS))
    base, now, again = (suite.path / f"{name}.jsonl" for name in ("base", "now", "again"))
    xml = suite.path / "junit.xml"

    def run(wrong: tuple[int, ...], *extra: str) -> pytest.RunResult:
        simulator.config.responder = answering(wrong)
        return suite.runpytest(*point_at(simulator), "--aisbench-set=model='sim-model'",
                               f"--aisbench-custom-dataset={data}", *extra)  # fmt: skip

    assert run((), f"--aisbench-report={base}").ret == pytest.ExitCode.OK
    result = run(TURNED, f"--aisbench-baseline={base}", "--aisbench-max-regression=0.02",
                 f"--aisbench-report={now}", f"--junitxml={xml}")  # fmt: skip
    flipped = [f"test_gsm8k.py::test_gsm8k[vllm_chat-letters-{i}]" for i in TURNED]
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            f"*= aisbench against baseline {base} =*",
            "model*dataset*baseline*now*delta*n*p*newly wrong*newly right*verdict",
            "vllm_chat*letters*100.0%*90.0%*-10.0%*50*0.0625 (exact)*5*0*FAIL",
            f"vllm_chat on letters, newly wrong: {', '.join(flipped)}",
            "*= 1 failed, 45 correct, 5 incorrect in *",
        ]
    )
    (line,) = [c for c in lines_of(now, "comparison") if c["against"] == "baseline"]
    assert line["newly_wrong"] == flipped and line["newly_right"] == []
    assert (line["delta"], line["p_value"], line["verdict"]) == (-0.1, 0.0625, "FAIL")
    (case,) = [c for c in ET.parse(xml).getroot().iter("testcase")
               if c.get("name") == "regression[vllm_chat-letters]"]  # fmt: skip
    message = case.find("failure").get("message", "")  # type: ignore[union-attr]
    assert "accuracy 100.0% -> 90.0% (-10.0%, p=0.0625 mcnemar-exact, n=50)" in message
    assert "fails on a drop of more than 2.0%; 5 newly wrong, 0 newly right" in message
    assert f"newly wrong: {', '.join(flipped)}" in message

    result = run((), f"--aisbench-baseline={base}", "--aisbench-max-regression=0.02",
                 f"--aisbench-report={again}")  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "vllm_chat*letters*100.0%*100.0%*+0.0%*50*1 (exact)*0*0*PASS",
            "*= 1 passed, 50 correct in *",
        ]
    )


def test_a_slower_server_fails_the_perf_regression_gate_with_one_entry_per_run(
    pytester: pytest.Pytester, simulator: RunningSimulator
) -> None:
    """The same perf item against the baseline's run: TTFT 20 ms then 120 ms (+500 %)."""
    pytester.makepyfile(test_serving=PERF_SUITE.read_text())
    base, xml = pytester.path / "base.jsonl", pytester.path / "junit.xml"
    item = "test_serving.py::test_serving[vllm_stream_chat-c1]"
    args = [*point_at(simulator, "vllm_stream_chat"), "--aisbench-set=model='sim-model'", item]
    simulator.config.ttft, simulator.config.itl = 0.02, 0.001
    assert pytester.runpytest(*args, f"--aisbench-report={base}").ret == pytest.ExitCode.OK
    simulator.config.ttft = 0.12
    report = pytester.path / "now.jsonl"
    result = pytester.runpytest(*args, f"--aisbench-baseline={base}", f"--junitxml={xml}",
                                "--aisbench-max-perf-regression=0.10",
                                f"--aisbench-report={report}")  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*aisbench against baseline*",
            "run*metric*p50 ms*p90 ms*p99 ms*mean ms*verdict",
            "test_serving[[]vllm_stream_chat-c1[]]*ttft*2?.? -> 12?.? (+*%)*FAIL",
        ]
    )
    figures = {(f["metric"], f["stat"]): f for f in lines_of(report, "perf_comparison")}
    assert len(figures) == 16 and figures["ttft", "p99"]["verdict"] == "FAIL"
    assert figures["ttft", "p50"]["change"] > 3 and figures["ttft", "p50"]["item"].endswith(item)
    name = "perf-regression[test_serving[vllm_stream_chat-c1]]"
    (case,) = [c for c in ET.parse(xml).getroot().iter("testcase") if c.get("name") == name]
    message = case.find("failure").get("message", "")  # type: ignore[union-attr]
    assert "latency rose by more than 10% against the baseline: ttft p50 2" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "*--aisbench-baseline: cannot read *missing.jsonl: No such file or directory*"),
        ("not json\n", "*--aisbench-baseline: *base.jsonl*line 1*"),
        ('{"type": "gate"}\n', "*--aisbench-baseline: *base.jsonl is not an aisbench report*"),
    ],
)
def test_a_baseline_that_cannot_be_used_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, content: str | None, message: str
) -> None:
    path = pytester.path / ("missing.jsonl" if content is None else "base.jsonl")
    if content is not None:
        path.write_text(content)
    usage_error(
        pytester, "--aisbench-model=vllm_chat", f"--aisbench-baseline={path}"
    ).fnmatch_lines([message])


def test_bad_regression_thresholds_are_usage_errors(pytester: pytest.Pytester) -> None:
    usage_error(pytester, "--aisbench-max-regression=abc").fnmatch_lines(
        ["*--aisbench-max-regression: 'abc' is not a number or 'significant' (e.g. 0.02)*"]
    )
    pytester.makeini("[pytest]\naisbench_max_perf_regression = fast\n")
    usage_error(pytester).fnmatch_lines(
        ["ini aisbench_max_perf_regression: 'fast' is not a relative increase such as 0.10"]
    )


def test_changed_fingerprints_are_named_and_a_v1_baseline_says_it_has_none(
    quiz: pytest.Pytester,  # noqa: F811
) -> None:
    """Between the runs the backend's batch size and one reference of quiz_b change."""
    base = quiz.path / "base.jsonl"
    assert quiz.runpytest(*options(quiz, f"--aisbench-report={base}")).ret == pytest.ExitCode.OK
    backend = quiz.path / "backends" / "quiz_bot.py"
    backend.write_text(backend.read_text().replace("batch_size=8", "batch_size=4"))
    data = quiz.path / "data" / "quiz" / "b.jsonl"
    data.write_text(data.read_text().replace('"answer": "A"}', '"answer": "B"}', 1))
    report = quiz.path / "now.jsonl"
    result = quiz.runpytest(*options(quiz, f"--aisbench-baseline={base}"),
                            f"--aisbench-report={report}")  # fmt: skip
    result.stdout.fnmatch_lines(
        [
            "aisbench: model bot changed since the baseline (* -> *)",
            "aisbench: dataset quiz_b: data changed since the baseline (* -> *)",
        ]
    )
    (line,) = lines_of(report, "baseline")
    assert [c["what"] for c in line["fingerprint_changes"]] == ["model bot", "dataset quiz_b: data"]
    assert line["schema_version"] == 2
    v1 = quiz.path / "v1.jsonl"
    v1.write_text(
        "".join(
            json.dumps({k: v for k, v in row.items() if k != "schema_version"}) + "\n"
            for row in read_report(base)
            if row["type"] not in ("model", "dataset")
        )
    )
    result = quiz.runpytest(*options(quiz, f"--aisbench-baseline={v1}"))
    result.stdout.fnmatch_lines(
        [f"aisbench: baseline {v1} has no fingerprints (report schema version 1): changes of *"]
    )
    assert "changed since the baseline" not in result.stdout.str()


def test_a_regression_threshold_without_a_baseline_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    usage_error(pytester, "--aisbench-max-regression=0.02").fnmatch_lines(
        ["--aisbench-max-regression needs --aisbench-baseline PATH *; without one it would *"]
    )


def test_a_threshold_that_finds_nothing_in_the_baseline_fails(
    quiz: pytest.Pytester,  # noqa: F811
) -> None:
    """A baseline of other models (two, so that no single-model pairing applies)."""
    (quiz.path / "backends" / "rival.py").write_text(RIVAL)
    base = quiz.path / "base.jsonl"
    assert quiz.runpytest(*options(quiz, f"--aisbench-report={base}")).ret == pytest.ExitCode.OK
    renamed = []
    for line in read_report(base):  # the same run under other names: nothing of it pairs
        if line["type"] == "run":
            line["models"] = ["someone_else", "another"]
        for key in ("model", "abbr"):
            if line.get(key) == "bot":
                line[key] = "someone_else"
        renamed.append(json.dumps(line) + "\n")
    base.write_text("".join(renamed))
    gate = "--aisbench-max-regression=0.02"
    result = quiz.runpytest(
        *options(quiz, "--aisbench-model=rival"), f"--aisbench-baseline={base}", gate
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        ["*no (model, dataset) of this run (bot, rival) is in the baseline *judged nothing*"]
    )
