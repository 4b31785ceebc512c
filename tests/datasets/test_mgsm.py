"""MGSM: ``mgsm/mgsm_<lang>.tsv`` (question, tab, answer; no header), the per-language answer
extraction and the exact-match evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_fixtures import write_mgsm

from pytest_aisbench.datasets.mgsm import (
    LANG_TO_ANSWER_PREFIX,
    MGSM_Evaluator,
    MGSMSDataset,
    mgsm_postprocess,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS


def test_rows_in_file_order(tmp_path: Path) -> None:
    file = write_mgsm(tmp_path, "Janet hat 16 Eier.\t18\n Ein Bademantel braucht 2 Rollen.\t3 \n")
    assert MGSMSDataset.load(str(file)) == [
        {"question": "Janet hat 16 Eier.", "answer": "18"},
        {"question": "Ein Bademantel braucht 2 Rollen.", "answer": "3"},  # line stripped
    ]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Schritt 1: 3+4=7.\nAntwort: 1,234.", "de", "1234"),
        ("Answer: 12 then Answer: 5 apples and 6", "en", "6"),
        ("步骤……\n答案\uff1a42", "zh", "42"),  # a full-width colon
        ("No marker 42", "en", ""),
        ("Answer: none", "en", ""),
        ("Answer: 2.50", "en", "2.50"),
    ],
)
def test_postprocess_reads_after_the_language_answer_word(
    text: str, lang: str, expected: str
) -> None:
    assert mgsm_postprocess(text, lang=lang) == expected


def test_every_config_language_has_an_answer_word() -> None:
    langs = ["bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh"]
    assert sorted(LANG_TO_ANSWER_PREFIX) == langs


def test_evaluator_right_and_wrong() -> None:
    result = MGSM_Evaluator().score(["18", "3.0", ""], ["18", "3", "5"])
    assert [d["correct"] for d in result["details"]] == [True, False, False]
    assert result["details"][0] == {"references": "18", "predictions": "18", "correct": True}
    assert result["accuracy"] == pytest.approx(100 / 3)
    with pytest.raises(ValueError, match="2 predictions for 1 references"):
        MGSM_Evaluator().score(["1", "2"], ["1"])


def test_registered_under_aisbench_names() -> None:
    assert MGSMSDataset in LOAD_DATASET.classes("MGSMSDataset")
    assert MGSM_Evaluator in ICL_EVALUATORS.classes("MGSM_Evaluator")
    assert mgsm_postprocess in TEXT_POSTPROCESSORS.classes("mgsm_postprocess")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found: .*mgsm/mgsm_sw\.tsv"):
        MGSMSDataset.load(str(tmp_path / "mgsm" / "mgsm_sw.tsv"))


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    file = write_mgsm(tmp_path, "Q one\t1\nQ two without its answer\n")
    with pytest.raises(DatasetError, match=r"mgsm_de\.tsv, line 2: 1 cells, expected 2"):
        MGSMSDataset.load(str(file))
