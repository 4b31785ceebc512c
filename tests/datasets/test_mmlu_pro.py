"""MMLU-Pro: the release's parquet files (``mmlu_pro/{test,validation}-00000-of-00001.parquet``)
filtered to one category, the columns AISBench adds, and the 5-shot config's evaluator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dataset_fixtures import mmlu_pro_question, write_mmlu_pro

from pytest_aisbench.datasets.mmlu_pro import MMLUProBaseEvaluator, MMLUProDataset
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

COT = "A: Let's think step by step. The sum is 4."


TEST = [
    mmlu_pro_question(1, "math", ["3", "4", "N/A", "5"], "B"),
    mmlu_pro_question(2, "law", ["yes", "no"], "A"),
    mmlu_pro_question(3, "math", ["x", "N/A", "y"], "C"),
]
VALIDATION = [mmlu_pro_question(9, "math", ["2", "4"], "B", COT)]


def test_one_category_in_file_order_with_aisbench_columns(tmp_path: Path) -> None:
    splits = MMLUProDataset.load(str(write_mmlu_pro(tmp_path, TEST, VALIDATION)), category="math")
    assert list(splits) == ["test", "validation"]
    assert [r["question_id"] for r in splits["test"]] == [1, 3]
    first = splits["test"][0]
    # N/A options are left out but keep their letters; answer_string keeps its newline
    assert first["options_str"] == "A. 3\nB. 4\nD. 5"
    assert first["answer_string"] == "B. 4\n"
    assert splits["test"][1]["options_str"] == "A. x\nC. y"
    assert splits["test"][1]["answer_string"] == "C. y\n"
    assert splits["validation"][0]["cot_content"] == "The sum is 4."
    # the configs' input columns and both output columns
    assert {"question", "cot_content", "options_str", "answer", "answer_string"} <= set(first)


def test_an_absent_category_gives_empty_splits(tmp_path: Path) -> None:
    assert MMLUProDataset.load(
        str(write_mmlu_pro(tmp_path, TEST, VALIDATION)), category="history"
    ) == {
        "test": [],
        "validation": [],
    }


def test_evaluator_matches_the_letter_or_the_option_text() -> None:
    predictions = ["B", "4\nbecause", "C", "The answer is B", "x"]
    references = ["B. 4\n", "B. 4\n", "B. 4\n", "B. 4\n", "A. Dr. x\n"]
    result = MMLUProBaseEvaluator().score(predictions, references)
    # AISBench marked the last wrong: it split "A. Dr. x" at every ". "
    assert [d["correct"] for d in result["details"]] == [True, True, False, False, False]
    assert MMLUProBaseEvaluator().is_equal("Dr. x", "A. Dr. x\n")
    assert result["accuracy"] == 40.0


def test_registered_under_aisbench_names() -> None:
    assert MMLUProDataset in LOAD_DATASET.classes("MMLUProDataset")
    assert MMLUProBaseEvaluator in ICL_EVALUATORS.classes("MMLUProBaseEvaluator")


def test_missing_split_file_names_the_path(tmp_path: Path) -> None:
    folder = write_mmlu_pro(tmp_path, TEST, VALIDATION)
    (folder / "validation-00000-of-00001.parquet").unlink()
    with pytest.raises(DatasetError, match=r"validation split not found: .*mmlu_pro/validation-"):
        MMLUProDataset.load(str(folder), category="math")


def test_damaged_file_and_missing_column(tmp_path: Path) -> None:
    folder = write_mmlu_pro(tmp_path, TEST, VALIDATION)
    (folder / "test-00000-of-00001.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DatasetError, match=r"test-00000-of-00001\.parquet: not a readable parquet"):
        MMLUProDataset.load(str(folder), category="math")
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{k: v for k, v in TEST[0].items() if k != "category"}]
    pq.write_table(pa.Table.from_pylist(rows), folder / "test-00000-of-00001.parquet")
    with pytest.raises(DatasetError, match=r"no column 'category'; columns found: 'question_id'"):
        MMLUProDataset.load(str(folder), category="math")


def test_without_pyarrow_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "mmlu_pro"
    folder.mkdir()
    (folder / "test-00000-of-00001.parquet").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import now raises ImportError
    with pytest.raises(
        ConfigError, match=r"needs pyarrow.*pip install 'pytest-aisbench\[parquet\]'"
    ):
        MMLUProDataset.load(str(folder), category="math")
