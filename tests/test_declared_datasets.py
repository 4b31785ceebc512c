"""Datasets written in pytest (`Dataset`), their scorers, and answers with reasoning in them."""

from __future__ import annotations

import shutil

import pytest

from conftest import REPO, point_at, samples_of
from pytest_aisbench import ConfigError, Dataset, DatasetError, Score
from pytest_aisbench.datasets.base import Sample
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.scorers import contains, exact_match, load_scorer
from pytest_aisbench.scoring import score, without_reasoning
from pytest_aisbench.simulator import RunningSimulator
from pytest_aisbench.utils.prompt import PromptList

EXAMPLE = REPO / "examples" / "suites" / "pytest_native"
CAPITALS = {"France": "Paris", "Japan": "Tokyo", "Kenya": "Nairobi", "Peru": "Lima"}


def test_the_example_suite_runs_with_a_per_sample_assertion(
    pytester: pytest.Pytester, simulator: RunningSimulator
) -> None:
    """The README's example as shipped: Peru answered wrong, so its item fails on the test's own
    assertion and its record is incorrect; the other three pass; the gate sees all four."""

    def responder(prompt: str) -> str:
        country = next(c for c in CAPITALS if c in prompt)
        return "The capital is Cusco." if country == "Peru" else f"It is {CAPITALS[country]}."

    simulator.config.responder = responder
    for name in ("test_capitals.py", "capitals.jsonl"):
        shutil.copy(EXAMPLE / name, pytester.path / name)
    report = pytester.path / "report.jsonl"
    result = pytester.runpytest(
        *point_at(simulator), "--aisbench-set=model='sim-model'", f"--aisbench-report={report}",
        "--aisbench-min-accuracy=0.75", "-n", "2",
    )  # fmt: skip
    # three correct samples, Peru's item failed by the test's assertion, the gate (3/4) passed
    result.stdout.fnmatch_lines(["*= 1 failed, 1 passed, 3 correct in *"])
    result.stdout.fnmatch_lines(
        [
            "*_ test_capital?vllm_chat-capitals-3? _*",
            "*AssertionError: assert 'lima' in 'the capital is cusco.'",
        ]
    )
    records = samples_of(report)
    assert [(r["dataset"], r["index"], r["outcome"]) for r in records] == [
        ("capitals", 0, "correct"), ("capitals", 1, "correct"), ("capitals", 2, "correct"),
        ("capitals", 3, "incorrect"),
    ]  # fmt: skip
    assert [r["reference"] for r in records] == list(CAPITALS.values())


def sample(reference: str = "Paris") -> Sample:
    return Sample(dataset="d", index=0, prompt="q", reference=reference)


def test_scorers_read_the_answer_without_guessing() -> None:
    assert exact_match("  paris ", "Paris", sample()) == Score(True)
    assert exact_match("Paris, France", "Paris", sample()) == Score(False)
    assert contains("It is PARIS.", "Paris", sample()) == Score(True)
    assert contains("anything", "", sample()) == Score(False)  # an empty reference names nothing
    assert load_scorer("pytest_aisbench.scorers:contains") is contains


@pytest.mark.parametrize(
    ("name", "message"),
    [("no_colon", "expected 'package.module:function'"),
     ("pytest_aisbench.scorers:nope", "cannot be loaded"),
     ("pytest_aisbench.scorers:Score", None)],
)  # fmt: skip
def test_a_scorer_named_in_text_is_checked(name: str, message: str | None) -> None:
    if message is None:
        assert load_scorer(name) is Score  # a class is callable too
        return
    with pytest.raises(ConfigError, match=message):
        load_scorer(name)


def test_a_declared_dataset_checks_its_rows_and_names() -> None:
    with pytest.raises(ConfigError, match="abbr 'bad name'"):
        Dataset.from_rows("bad name", [{"answer": "x"}])
    with pytest.raises(DatasetError, match="row 1 has no column 'answer'"):
        Dataset.from_rows("d", [{"answer": "x"}, {"question": "y"}])
    data = Dataset.from_rows(
        "d", [{"question": "2+2?", "answer": "4"}], scorer=lambda p, r, s: p == r
    )
    (only,) = data.samples()
    assert isinstance(only.prompt, PromptList)
    assert (only.prompt.turns(), only.reference) == ([{"role": "HUMAN", "prompt": "2+2?"}], "4")
    config = data.to_config()
    assert config.compare("4", only) and not config.compare("5", only)


@pytest.mark.parametrize(
    ("content", "answer"),
    [("<think>2+2 is 5? no</think>The answer is 4", "The answer is 4"),
     ("2+2 is 5? no</think>The answer is 4", "The answer is 4"),  # opening tag dropped
     ("<think>still thinking about 4", None),  # cut while thinking: no answer
     ("The answer is 4", "The answer is 4")],
)  # fmt: skip
def test_reasoning_stays_out_of_scoring(content: str, answer: str | None) -> None:
    assert without_reasoning(content) == answer
    data = Dataset.from_rows("d", [{"question": "2+2?", "answer": "4"}], scorer=contains)
    output = RequestOutput(success=True, content=content, finish_reason="stop", attempts=1)
    record = score("m", data.to_config(), data.samples()[0], output, None)
    assert record.outcome == ("correct" if answer else "no_answer")
    assert record.prediction == content  # the record keeps what came
