"""DAPOMathDataset on a hand-made parquet file in DAPO-Math-17k's real layout and schema
(``dapo-math-17k/dapo-math-17k.parquet``, verl's RL rows), the two postprocessors and
evaluators on literal replies, and the errors: a missing file, a damaged file, a missing
column, and pyarrow not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dataset_fixtures import dapo_record, write_dapo

from pytest_aisbench.datasets.dapo_math import (
    DAPOMathDataset,
    DAPOMathEvaluator,
    DAPOMathEvaluatorV2,
    dapo_math_postprocess,
    dapo_math_postprocess_v2,
    normalize_final_answer,
)
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import judge
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS


def test_rows_in_order_as_test_and_train(tmp_path: Path) -> None:
    folder = write_dapo(
        tmp_path / "dapo-math-17k", [dapo_record(0), dapo_record(1), dapo_record(2)]
    )
    splits = DAPOMathDataset.load(str(folder))
    assert list(splits) == ["test", "train"]
    test = splits["test"]
    assert [(r["prompt"].splitlines()[-1], r["answer"]) for r in test] == [
        ("Problem 0", "0"),
        ("Problem 1", "10"),
        ("Problem 2", "20"),
    ]
    assert test[1]["extra_info"] == {"index": "id-1"}
    assert test[1]["data_source"] == "math_dapo" and test[1]["ability"] == "MATH"
    assert splits["train"] == test
    assert LOAD_DATASET.get("DAPOMathDataset") is DAPOMathDataset


def test_which_file_is_read(tmp_path: Path) -> None:
    system = {"content": "be brief", "role": "system"}
    folder = write_dapo(tmp_path / "d", [dapo_record(5, prompt=[system])], name="b.parquet")
    write_dapo(folder, [dapo_record(7)], name="a.parquet")
    assert DAPOMathDataset.load(str(folder))["test"][0]["answer"] == "70"  # first by name
    only = DAPOMathDataset.load(str(folder), file_name="b.parquet")["test"][0]
    assert only["prompt"] == "be brief"  # no user message: the first message's content
    assert DAPOMathDataset.load(str(folder / "b.parquet"))["test"][0]["answer"] == "50"


def test_errors(tmp_path: Path) -> None:
    folder = tmp_path / "dapo-math-17k"
    with pytest.raises(DatasetError, match=r"not found: .*dapo-math-17k/dapo-math-17k\.parquet"):
        DAPOMathDataset.load(str(folder))
    write_dapo(folder, [{"prompt": dapo_record(1)["prompt"], "ability": "MATH"}])
    found = r"row 0: no column 'reward_model'; columns found: 'prompt', 'ability'"
    with pytest.raises(DatasetError, match=found):
        DAPOMathDataset.load(str(folder))
    write_dapo(folder, [dapo_record(0), dapo_record(1, reward_model=None)])  # a null in the column
    with pytest.raises(DatasetError, match=r"row 1: 'reward_model' has no 'ground_truth'"):
        DAPOMathDataset.load(str(folder))
    (folder / "dapo-math-17k.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DatasetError, match=r"dapo-math-17k\.parquet: not a readable parquet"):
        DAPOMathDataset.load(str(folder))


def test_without_pyarrow_the_error_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "dapo-math-17k"
    folder.mkdir()
    (folder / "dapo-math-17k.parquet").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(
        ConfigError, match=r"needs pyarrow.*pip install 'pytest-aisbench\[parquet\]'"
    ):
        DAPOMathDataset.load(str(folder))


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("Work...\nAnswer: 34", "34"),
        ("Answer: 1\nwait\nanswer: $1,000$ dollars", "1000"),  # the last line; units go
        ("Answer: x = \\frac12", "\\frac{1}{2}"),
        ("Answer: \\boxed{\\text{7}}", "7"),
        ("no answer line", "[INVALID]"),
    ],
)
def test_minerva_postprocess(reply: str, answer: str) -> None:
    assert dapo_math_postprocess(reply) == answer
    assert TEXT_POSTPROCESSORS.get("dapo_math_postprocess") is dapo_math_postprocess


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("so \\boxed{42}.", "42"),
        ("\\boxed{1} then \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("\\boxed{5}" + " padding" * 20, ""),  # the box is not in the last 100 characters
        ("no box", ""),
    ],
)
def test_strict_box_postprocess(reply: str, answer: str) -> None:
    assert dapo_math_postprocess_v2(reply) == answer
    assert TEXT_POSTPROCESSORS.get("dapo_math_postprocess_v2") is dapo_math_postprocess_v2


def test_evaluators() -> None:
    minerva = ICL_EVALUATORS.get("DAPOMathEvaluator")()
    assert isinstance(minerva, DAPOMathEvaluator)
    result = minerva.score(["1000", "5"], ["1,000", "6"])
    assert [d["correct"] for d in result["details"]] == [True, False]
    assert result["details"][0]["answer"] == "1000"  # the reference, normalised
    assert result["accuracy"] == 50.0
    strict = ICL_EVALUATORS.get("DAPOMathEvaluatorV2")()
    assert isinstance(strict, DAPOMathEvaluatorV2)
    assert [d["correct"] for d in strict.score(["1000", "34"], ["1,000", "34"])["details"]] == [
        False,  # V2 compares with the reference as written
        True,
    ]
    assert judge(strict, dapo_math_postprocess_v2("thus \\boxed{34}"), "34", {}).correct
    assert "error" in minerva.score(["1"], [])
    assert normalize_final_answer("x = 5 degrees") == "5"
