"""AISBench-format custom datasets through the suite, as a user runs them:
``--aisbench-custom-dataset`` with a multiple-choice ``.jsonl`` and a question-answer ``.csv``."""

from __future__ import annotations

import json

import pytest

from conftest import point_at, samples_of
from pytest_aisbench.simulator import RunningSimulator

MCQ = [
    {"question": "Which planet is red?", "A": "Venus", "B": "Mars", "C": "Earth", "answer": "B"},
    {"question": "Which is a mammal?", "A": "Whale", "B": "Shark", "C": "Trout", "answer": "A"},
    {"question": "Which boils first?", "A": "Iron", "B": "Lead", "C": "Water", "answer": "C"},
]
QA = [("What is 6 times 7?", "42"), ("Spell 'cat' backwards.", "tac")]


def test_multiple_choice_jsonl_and_question_answer_csv_run_as_aisbench_runs_them(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    """The simulator answers right except on the last of each file: 2/3 and 1/2 correct; an
    answer naming no option is no_answer, never a guessed letter."""
    answers = {row["question"]: f"The answer is {row['answer']}." for row in MCQ[:2]}
    answers[MCQ[2]["question"]] = "Step 1: Compare the two boiling points."  # names no option
    answers |= {QA[0][0]: "42", QA[1][0]: "cat"}
    simulator.config.responder = lambda prompt: next(a for q, a in answers.items() if q in prompt)
    mcq = suite.path / "science.jsonl"
    mcq.write_text("".join(json.dumps(row) + "\n" for row in MCQ))
    qa = suite.path / "quiz.csv"
    qa.write_text("question,answer\n" + "".join(f'"{q}",{a}\n' for q, a in QA))
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        *point_at(simulator), "--aisbench-set=model='sim-model'",
        f"--aisbench-custom-dataset={mcq}", f"--aisbench-custom-dataset={qa}",
        f"--aisbench-report={report}",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*vllm_chat*quiz*2*1*1*0*0*0*", "*vllm_chat*science*3*2*0*1*0*0*"])
    records = samples_of(report)
    assert [(r["dataset"], r["index"], r["outcome"], r["extracted"]) for r in records] == [
        ("quiz", 0, "correct", "42"), ("quiz", 1, "incorrect", "cat"),
        ("science", 0, "correct", "B"), ("science", 1, "correct", "A"),
        ("science", 2, "no_answer", None),
    ]  # fmt: skip
    assert records[-1]["prediction"] == "Step 1: Compare the two boiling points."  # kept


def test_a_missing_custom_file_stops_the_session_naming_it(suite: pytest.Pytester) -> None:
    result = suite.runpytest(
        "--aisbench-model=vllm_chat", f"--aisbench-custom-dataset={suite.path / 'nope.jsonl'}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{suite.path / 'nope.jsonl'}*"])
