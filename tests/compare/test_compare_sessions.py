"""Comparisons through whole sessions: two models side by side on a group, and a run against
its baseline on the simulator that catches a regression injected on 10 % of the samples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import point_at
from pytest_aisbench.report import read_report
from pytest_aisbench.simulator import RunningSimulator
from test_group_sessions import options, quiz  # noqa: F401  (quiz is a fixture)

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
        *options(quiz, "--aisbench-model=rival", "--aisbench-subsets", f"--aisbench-report={report}")
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
        "p_value": 0.625, "test": "mcnemar-exact",
        "newly_wrong": [f"test_quiz.py::test_quiz[bot-quiz_b-{i}]" for i in (1, 2, 3)],
        "newly_right": ["test_quiz.py::test_quiz[bot-quiz_c-0]"],
        "max_regression": None, "verdict": "-",
    }  # fmt: skip
