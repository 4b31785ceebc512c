"""MATH: ``math/<file_name>`` (one JSON object of problems), the boxed reference, and the
string-normalising `MATHEvaluator` v1/v2 with `math_postprocess_v2` (MATH500 and AIME)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_math

from pytest_aisbench.datasets.math import (
    MATHDataset,
    MATHEvaluator,
    Unnormalisable,
    extract_boxed_answer,
    last_boxed_only_string,
    math_judement_preprocess,
    math_postprocess,
    math_postprocess_v2,
    normalize_final_answer,
    strip_string,
)
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

PROBLEMS = {
    "test/algebra/1.json": {
        "problem": "Compute $1+1$.",
        "level": "Level 1",
        "type": "Algebra",
        "solution": "Clearly $1+1=\\boxed{2}$.",
    },
    "test/geometry/7.json": {
        "problem": "Half of one?",
        "solution": "We get $\\boxed{\\frac{1}{2}}$, not \\boxed{3} first.",
    },
    "test/prealgebra/3.json": {"problem": "No box?", "solution": "It is 5."},
}


def test_rows_in_key_order_with_the_last_boxed_answer(tmp_path: Path) -> None:
    splits = MATHDataset.load(
        str(write_math(tmp_path, PROBLEMS)), file_name="test_prm800k_500.json"
    )
    assert splits["test"] == [
        {"problem": "Compute $1+1$.", "solution": "2"},
        {"problem": "Half of one?", "solution": "3"},
        {"problem": "No box?", "solution": None},
    ]
    assert splits["train"] == splits["test"]  # the 5-shot config's shots come from the same rows


def test_default_file_is_math_json(tmp_path: Path) -> None:
    folder = write_math(tmp_path, {"0": PROBLEMS["test/algebra/1.json"]}, name="math.json")
    assert MATHDataset.load(str(folder))["test"] == [{"problem": "Compute $1+1$.", "solution": "2"}]


def test_boxed_extraction() -> None:
    text = "so \\boxed{\\frac{1}{2}} and finally \\boxed{{7}}"
    assert last_boxed_only_string(text) == "\\boxed{{7}}"
    assert extract_boxed_answer(text) == "{7}"
    assert extract_boxed_answer(text, strip_double_curly_brace=True) == "7"
    assert extract_boxed_answer("\\boxed{open") is None
    # AISBench raised here (its own error, uncaught): an \fbox answer counts as none
    assert extract_boxed_answer("\\fbox{3}") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thus the answer is $\\boxed{\\dfrac{3}{4}}$.", "\\dfrac{3}{4}"),
        ("The final answer is 12 degrees. Done", "12"),
        ("100,000 dollars. More text", "100000"),
        ("I think 7. No", "Ithink7"),
    ],
)
def test_math_postprocess_v2(text: str, expected: str) -> None:
    assert math_postprocess_v2(text) == expected


def test_other_postprocessors() -> None:
    assert math_postprocess("Work. Final Answer: $\\frac12$. End") == "\\frac{1}{2}"
    assert math_judement_preprocess("reasoning\nANSWER: 42 apples\nmore") == "42 apples"
    assert normalize_final_answer("\\text{(B)}") == "B"


def test_evaluator_v2_right_and_wrong() -> None:
    predictions = ["\\dfrac{3}{4}", "3/4", "0.75", "12^\\circ", "x = 5", "\\$10.00", "7"]
    references = ["\\frac{3}{4}", "\\frac{3}{4}", "\\frac{3}{4}", "12", "5", "10", "8"]
    result = MATHEvaluator(version="v2").score(predictions, references)
    assert [d["correct"] for d in result["details"]] == [True, True, False, True, True, True, False]
    assert result["accuracy"] == pytest.approx(500 / 7)


def test_evaluator_v1_and_its_differences_from_v2() -> None:
    v1, v2 = MATHEvaluator(), MATHEvaluator(version="v2")
    assert v1.is_equiv("0.5", "\\frac{1}{2}") and not v2.is_equiv("0.5", "\\frac12")
    assert v2.is_equiv("\\$10.00", "10") and not v1.is_equiv("10.00", "10")
    assert v1.is_equiv(None, None) and not v1.is_equiv("1", None)
    # a v1 step that cannot take the string (two units) falls back to Minerva's normalisation
    assert v1.is_equiv("5\\text{ cm}\\text{ m}", "5cmm") is False
    assert v2.is_equiv(17, "17")  # an int reference (AIME) is compared as text


def test_evaluator_rejects_an_unknown_version() -> None:
    with pytest.raises(ConfigError, match="'v1' or 'v2', got 'v3'"):
        MATHEvaluator(version="v3")


def test_registered_under_aisbench_names() -> None:
    assert MATHDataset in LOAD_DATASET.classes("MATHDataset")
    assert MATHEvaluator in ICL_EVALUATORS.classes("MATHEvaluator")
    for name, fn in (
        ("math_postprocess", math_postprocess),
        ("math_postprocess_v2", math_postprocess_v2),
        ("math_judement_preprocess", math_judement_preprocess),
    ):
        assert fn in TEXT_POSTPROCESSORS.classes(name)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*math/math\.json"):
        MATHDataset.load(str(tmp_path / "math"))


def test_malformed_file_and_missing_column(tmp_path: Path) -> None:
    folder = write_math(tmp_path, PROBLEMS)
    (folder / "bad.json").write_text('{"1": {"problem": "x",\n}', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad\.json: not valid JSON \(.*line 2"):
        MATHDataset.load(str(folder), file_name="bad.json")
    (folder / "list.json").write_text("[]", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"list\.json: expected one JSON object .* got list"):
        MATHDataset.load(str(folder), file_name="list.json")
    write_math(tmp_path, {"a": {"problem": "x", "answer": "1"}}, name="nosol.json")
    with pytest.raises(DatasetError, match=r"entry 'a' has no 'problem' and 'solution'; found: "):
        MATHDataset.load(str(folder), file_name="nosol.json")


def test_nothing_after_frac_reads_on_where_agieval_gives_up() -> None:
    """MATH's Hendrycks normalisation leaves an empty ``\\frac`` as written; AGIEval's (the same
    function, strict) cannot read it."""
    assert strip_string("1\\frac") == "1\\frac"
    with pytest.raises(Unnormalisable):
        strip_string("1\\frac", strict_fracs=True)
