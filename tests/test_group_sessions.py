"""Groups through whole sessions: one config file of three datasets (a family of the test's own,
as a user's ``--aisbench-datasets-config-dir`` holds it) against a local backend that answers
a known share right, so the two averages differ and a group gate can fail on one of them."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import usage_error
from pytest_aisbench.report import read_report

FAMILY = """
from pytest_aisbench.datasets import BaseDataset
from pytest_aisbench.datasets.files import read_jsonl
from pytest_aisbench.registry import LOAD_DATASET


@LOAD_DATASET.register_module()
class QuizDataset(BaseDataset):
    @staticmethod
    def load(path, name):
        return read_jsonl(f"{path}/{name}.jsonl")
"""

CONFIG = """
from quiz_family import QuizDataset
from pytest_aisbench.openicl.icl_evaluator import AccEvaluator
from pytest_aisbench.openicl.icl_inferencer import GenInferencer
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_retriever import ZeroRetriever

quiz_datasets = [
    dict(
        abbr=f"quiz_{name}",
        type=QuizDataset,
        path="ais_bench/datasets/quiz",
        name=name,
        reader_cfg=dict(input_columns=["question"], output_column="answer"),
        infer_cfg=dict(
            prompt_template=dict(type=PromptTemplate, template="Q: {question}\\nA: "),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer),
        ),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
    for name in ("a", "b", "c")
]
"""

BACKEND = """
from pytest_aisbench.models import BaseModel
from pytest_aisbench.utils.prompt import prompt_to_text


class QuizBot(BaseModel):
    # right on a0, a1, b0 and c0 only: 4 of 8 samples
    def generate(self, input, max_out_len, **kwargs):
        right = ("Q: a0", "Q: a1", "Q: b0", "Q: c0")
        return ["A" if prompt_to_text(p).startswith(right) else "B" for p in input]


models = [dict(attr="local", type=QuizBot, abbr="bot", batch_size=8)]
"""

ROWS = {"a": 2, "b": 4, "c": 2}
"""Samples per dataset: quiz_a 2/2 right, quiz_b 1/4, quiz_c 1/2.
naive_average (100 + 25 + 50) / 3 = 58.3 %; weighted_average 4 / 8 = 50.0 %."""


@pytest.fixture
def quiz(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder with the quiz family (config folder, data, backend) and a suite."""
    configs, data = pytester.path / "configs" / "quiz", pytester.path / "data" / "quiz"
    configs.mkdir(parents=True)
    data.mkdir(parents=True)
    (configs / "quiz_family.py").write_text(FAMILY)
    (configs / "quiz_gen.py").write_text(CONFIG)
    for name, count in ROWS.items():
        rows = [{"question": f"{name}{i}", "answer": "A"} for i in range(count)]
        (data / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (pytester.path / "backends").mkdir()
    (pytester.path / "backends" / "quiz_bot.py").write_text(BACKEND)
    pytester.makepyfile(
        test_quiz=textwrap.dedent("""
            import pytest

            @pytest.mark.aisbench(datasets=["quiz_gen"])
            def test_quiz(aisbench_sample):
                aisbench_sample.check()
            """)
    )
    return pytester


def options(pytester: pytest.Pytester, *extra: str) -> list[str]:
    return [
        "--aisbench-model=quiz_bot",
        f"--aisbench-datasets-config-dir={pytester.path / 'configs'}",
        f"--aisbench-datasets-dir={pytester.path / 'data'}",
        *extra,
    ]


def test_a_group_row_by_default_and_a_failing_group_gate_on_its_weighted_average(
    quiz: pytest.Pytester,
) -> None:
    """The suite's marker selects the file (the group is found at the end of the session); the
    gate at 55 % fails on the weighted 50.0 % although the naive 58.3 % is above it."""
    report = quiz.path / "report.jsonl"
    result = quiz.runpytest(
        *options(quiz, "--aisbench-group-min-accuracy=quiz=0.55"),
        f"--aisbench-report={report}",
        f"--junitxml={quiz.path / 'junit.xml'}",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "_*group?bot-quiz?*_",
            "weighted_average 50.0% < min 55.0% for bot on group quiz "
            "(3 subsets; n=8; naive_average 58.3%)",
            "*model*dataset*n*accuracy*naive_average*weighted_average*95% CI*min*verdict*",
            "bot*quiz (group, 3 subsets)*8*4*4*0*0*0*58.3%*50.0%*21.5%-78.5%*55.0%*-*FAIL*",
            "*naive_average is the mean of its subsets' accuracies*--aisbench-subsets*",
            "*aisbench::group?bot-quiz? - weighted_average 50.0% < min 55.0%*",
            "*1 failed, 4 correct, 4 incorrect*",
        ]
    )
    assert "quiz_b" not in result.stdout.str()  # subsets folded into the group row
    (group,) = [line for line in read_report(report) if line["type"] == "group"]
    assert group | {"source": ""} == {
        "type": "group", "model": "bot", "group": "quiz", "source": "",
        "subsets": ["quiz_a", "quiz_b", "quiz_c"], "counted": ["quiz_a", "quiz_b", "quiz_c"],
        "missing": [], "n": 8, "scored": 8,
        "counts": {"correct": 4, "incorrect": 4, "no_answer": 0, "truncated": 0, "error": 0},
        "naive_average": pytest.approx(0.5833333), "weighted_average": 0.5,
        "weights": "samples", "ci95": [pytest.approx(0.2152, abs=1e-4),
                                       pytest.approx(0.7848, abs=1e-4)],
        "min_accuracy": 0.55, "judged": "weighted_average", "verdict": "FAIL",
    }  # fmt: skip
    assert group["source"].endswith("quiz/quiz_gen.py")
    junit = (quiz.path / "junit.xml").read_text()
    assert 'name="group[bot-quiz]"' in junit and "weighted_average 50.0% &lt; min" in junit


def test_subsets_on_request_under_their_group_and_a_group_over_part_of_its_subsets(
    quiz: pytest.Pytester,
) -> None:
    """``-k`` runs two of the three datasets: the group says 2 of 3 subsets, names the missing
    one, and its gate (40 %) judges what ran: 3 right of 6, 50 %, passes."""
    result = quiz.runpytest(
        *options(quiz, "--aisbench-dataset=quiz_gen", "--aisbench-group-min-accuracy=quiz=0.4"),
        "--aisbench-subsets",
        "-k",
        "quiz_a or quiz_b",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "bot*quiz (group, 2 of 3 subsets)*6*3*3*0*0*0*62.5%*50.0%*18.8%-81.2%*40.0%*-*PASS*",
            "bot*  quiz_a*2*2*0*0*0*0*100.0%*34.2%-100.0%*-*0%*-*",
            "bot*  quiz_b*4*1*3*0*0*0*25.0%*4.6%-69.9%*-*0%*-*",
            "*bot on group quiz: 2 of 3 subsets counted (missing: quiz_c)*",
        ]
    )
    assert not [line for line in result.outlines if line.startswith("bot") and "quiz_c" in line]


def test_an_unknown_group_name_is_a_usage_error_naming_the_known_groups(
    quiz: pytest.Pytester,
) -> None:
    usage_error(
        quiz,
        *options(quiz, "--aisbench-dataset=quiz_gen", "--aisbench-group-min-accuracy=mmlu=0.6"),
    ).fnmatch_lines(["*unknown group 'mmlu'; known groups: quiz (a selected config file*"])


def test_a_group_gate_that_is_not_name_equals_fraction_is_a_usage_error(
    quiz: pytest.Pytester,
) -> None:
    usage_error(quiz, *options(quiz, "--aisbench-group-min-accuracy=quiz")).fnmatch_lines(
        ["*--aisbench-group-min-accuracy 'quiz': expected NAME=FRACTION, e.g. mmlu=0.6*"]
    )
