"""AGIEvalDataset_v2 on hand-made lines in AGIEval's real layout (``agieval/<subset>.jsonl``,
the v1 schema), AGIEvalEvaluator's answer parsing and MATH equivalence on literal replies,
AGIEvalEvaluator_mcq, and the loader's errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dataset_fixtures import write_agieval

from pytest_aisbench.datasets.agieval import (
    AGIEvalDataset_v2,
    AGIEvalEvaluator,
    AGIEvalEvaluator_mcq,
    is_equiv,
    parse_math_answer,
    remove_few_shot_prefix,
)
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import judge
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

OPTIONS = ["(A)1", "(B)2", "(C)3", "(D)4"]
LINES: dict[str, list[dict[str, Any]]] = {
    "lsat-ar": [
        {
            "passage": "Seven people sit. ",
            "question": "Who is first?",
            "options": OPTIONS,
            "label": "B",
            "other": None,
        },
        {"passage": None, "question": "Q2", "options": OPTIONS, "label": "D", "other": None},
    ],
    "jec-qa-kd": [
        {"passage": None, "question": "多选题", "options": OPTIONS, "label": ["A", "C"]},
    ],
    "math": [
        {
            "passage": None,
            "question": "Compute 1/2 + 1/4.",
            "options": None,
            "label": None,
            "answer": "\\frac{3}{4}",
        },
        {"passage": None, "question": "Compute 2+2.", "options": None, "label": "", "answer": "4"},
    ],
}


def test_rows_in_order_with_the_configs_columns(tmp_path: Path) -> None:
    for name, lines in LINES.items():
        folder = write_agieval(tmp_path, name, lines)

    def load(name: str) -> list[dict[str, Any]]:
        return AGIEvalDataset_v2.load(str(folder), name=name, setting_name="zero-shot")

    assert load("lsat-ar") == [
        {
            "question": "Seven people sit. Who is first?",
            "options": "\n".join(OPTIONS),
            "label": "B",
        },
        {"question": "Q2", "options": "\n".join(OPTIONS), "label": "D"},
    ]
    assert load("jec-qa-kd")[0]["label"] == "AC"  # several letters joined
    assert [(r["options"], r["label"]) for r in load("math")] == [("", "\\frac{3}{4}"), ("", "4")]
    assert LOAD_DATASET.get("AGIEvalDataset_v2") is AGIEvalDataset_v2


def test_loader_errors(tmp_path: Path) -> None:
    folder = tmp_path / "agieval"
    with pytest.raises(ConfigError, match="only setting_name='zero-shot'"):
        AGIEvalDataset_v2.load(str(folder), name="math", setting_name="few-shot")
    with pytest.raises(DatasetError, match=r"not found: .*agieval/math\.jsonl"):
        AGIEvalDataset_v2.load(str(folder), name="math", setting_name="zero-shot")
    write_agieval(tmp_path, "math", [LINES["math"][0], '{"passage": null,'])
    with pytest.raises(DatasetError, match=r"math\.jsonl, line 2: not valid JSON"):
        AGIEvalDataset_v2.load(str(folder), name="math", setting_name="zero-shot")
    no_answer = {"passage": None, "question": "q", "options": None, "label": None}
    write_agieval(tmp_path, "math", ["", no_answer])
    with pytest.raises(DatasetError, match=r"line 2: the label is empty and there is no column"):
        AGIEvalDataset_v2.load(str(folder), name="math", setting_name="zero-shot")
    write_agieval(tmp_path, "math", [{"question": "q", "options": None, "label": "A"}])
    with pytest.raises(DatasetError, match=r"no column 'passage'; columns found: 'question'"):
        AGIEvalDataset_v2.load(str(folder), name="math", setting_name="zero-shot")


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("So x = \\boxed{\\frac{3}{4}}.", "\\frac{3}{4}"),
        ("\\boxed{y = 5} and \\boxed{x=7}", "7"),  # the last box, right of its '='
        ("The answer is $x = 12$ today", "12"),
        ("so the total = 42.", "42"),
        ("I get 3 apples, then 4.5 pears", "4.5"),
        ("nothing here", None),
        ("The answer is therefore 5. Really.", "5"),  # the prefix, then the last number
    ],
)
def test_parse_math_answer(reply: str, answer: str | None) -> None:
    assert parse_math_answer("", reply) == answer


def test_few_shot_parsing() -> None:
    assert parse_math_answer("few-shot", "答案是 12") == "12"
    assert parse_math_answer("few-shot-CoT", "steps\nThe answer is therefore 7\n\n") == "7"
    # a reply that starts with the prefix keeps what follows its first occurrence
    text = "The answer is therefore 1, not The answer is therefore 2"
    assert remove_few_shot_prefix(text) == "1, not The answer is therefore 2"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("\\dfrac{1}{2}", "0.5", True),
        ("\\frac12", "\\frac{1}{2}", True),
        ("3/4", "\\frac{3}{4}", True),
        ("\\sqrt3", "\\sqrt{3}", True),
        ("x = 10", "10", True),
        ("90^\\circ", "90", True),
        ("5 \\text{ cm}", "5", True),
        (".5", "\\frac{1}{2}", True),
        ("2", "3", False),
        ("\\sqrt", "\\sqrt", True),  # unreadable: compared as written
        ("\\sqrt", "\\sqrt{}", False),
        # nothing after \frac: AGIEval's copy gives up (as written), MATH's reads on
        ("1\\frac", "1\\frac ", False),
        (None, None, True),
        (None, "1", False),
    ],
)
def test_is_equiv(a: str | None, b: str | None, same: bool) -> None:
    assert is_equiv(a, b) is same


def test_cloze_evaluator() -> None:
    evaluator = ICL_EVALUATORS.get("AGIEvalEvaluator")()
    assert isinstance(evaluator, AGIEvalEvaluator)
    result = evaluator.score(
        ["so \\boxed{\\dfrac{3}{4}}", "it is 5", "no answer"], ["\\frac{3}{4}", "4", "1"]
    )
    assert [d["correct"] for d in result["details"]] == [True, False, False]
    assert [d["pred"] for d in result["details"]] == ["\\dfrac{3}{4}", "5", None]
    assert result["score"] == pytest.approx(100 / 3)
    assert judge(evaluator, "The answer is $4$", "4", {}).correct
    assert "error" in evaluator.score(["1"], [])


def test_mcq_evaluator() -> None:
    evaluator = ICL_EVALUATORS.get("AGIEvalEvaluator_mcq")()
    assert isinstance(evaluator, AGIEvalEvaluator_mcq)
    result = evaluator.score(["AC", "B"], ["AC", "C"])
    assert [d["correct"] for d in result["details"]] == [True, False]
    assert result["score"] == 50.0


def test_cloze_scoring_uses_the_math_family_whatever_was_imported_first() -> None:
    """agieval reads MATH's box helpers from ``pytest_aisbench.datasets.math``; the package's
    name lookup once returned the first family attribute called ``math``, the standard library
    module that custom.py imports, and every cloze answer then failed to score."""
    import pytest_aisbench.datasets as datasets
    from pytest_aisbench.datasets import agieval, math

    assert agieval.math is math
    assert datasets.__getattr__("math") is math
    with pytest.raises(AttributeError):
        datasets.__getattr__("re")  # a module a family imports is not a family name
    assert judge(AGIEvalEvaluator(), "so \\boxed{\\frac{3}{4}}", "\\frac{3}{4}", {}).correct
