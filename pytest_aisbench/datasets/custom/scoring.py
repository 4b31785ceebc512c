"""Scoring a custom dataset's answers: reading the option an answer names (its letter, else
the text of exactly one option, never a guess), AISBench's ``OptionSimAccEvaluator`` without its
Levenshtein fallback, and `NoReferenceEvaluator` for a file without answers."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig, Row, Sample
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator import BaseEvaluator
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import length_mismatch, percent
from pytest_aisbench.registry import ICL_EVALUATORS, TEXT_POSTPROCESSORS
from pytest_aisbench.utils.postprocess.text_postprocessors import first_option_postprocess


def check_options(options: Any, where: str) -> str:
    """`options` as option letters (``'ABCD'``: distinct upper-case letters), or an error
    naming `where` they were given."""
    if not isinstance(options, str) or not options:
        raise ConfigError(f"must be option letters such as 'ABCD', not {options!r}",
                          source=where, key="options")  # fmt: skip
    if not all("A" <= c <= "Z" for c in options) or len(set(options)) != len(options):
        raise ConfigError(f"{options!r}: each option is one distinct upper-case letter",
                          source=where, key="options")  # fmt: skip
    return options


@TEXT_POSTPROCESSORS.register_module()
def option_answer_postprocess(text: str, options: str) -> str:
    """The option a text answers ('' when it names none): the text is a lone option letter
    ("B", "(B)", "**B**", "B."), else AISBench's answer patterns ("The answer is B", "Answer:
    B", an option at the start) with Markdown emphasis removed and the ``1.`` pattern gone
    (`first_option_postprocess` without the cushion, as AISBench's mcq scoring calls it). No
    letter standing somewhere in the text counts, and nothing is guessed."""
    check_options(options, "text postprocessor option_answer_postprocess")
    lone = re.fullmatch(rf"\W*([{options}])\W*", text.strip())
    if lone:
        return lone.group(1)
    return first_option_postprocess(text.replace("*", ""), options, cushion=False)


def read_option(text: str, row: Mapping[str, Any], options: str) -> str | None:
    """The option an answer names, knowing its row: its letter (`option_answer_postprocess`),
    else the one option whose text it contains (`single_option_text`), as AISBench's
    ``OptionSimAccEvaluator`` reads it before its Levenshtein guess; None (no answer) when it
    names none."""
    if not text.strip():
        return None
    return (
        option_answer_postprocess(text, options) or single_option_text(text, row, options) or None
    )


def _read_sample_option(text: str, sample: Sample, options: str) -> str | None:
    return read_option(text, sample.row, options)


def with_option_texts(config: DatasetConfig, raw: Mapping[str, Any]) -> DatasetConfig:
    """`config` reading an option's text too (`read_option`, as ``extract_for``), where its dict
    reads the answer with `option_answer_postprocess` (multiple choice, default evaluator):
    "2263" alone answers the option whose text is 2263, as in AISBench."""
    post = raw.get("eval_cfg", {}).get("pred_postprocessor")
    if not post or post.get("type") is not option_answer_postprocess:
        return config
    read = functools.partial(_read_sample_option, options=post["options"])
    return dataclasses.replace(config, extract_for=read)


def single_option_text(text: str, row: Mapping[str, Any], options: str) -> str:
    """The one option whose text the answer contains ('' for none or several), case aside;
    the option text must stand alone: "2263" is not read in "22630", nor "2" in "2263"."""
    found = []
    for option in options:
        value = row.get(option)
        if value is None or not str(value).strip():
            continue
        pattern = rf"(?<![0-9A-Za-z]){re.escape(str(value).strip())}(?![0-9A-Za-z])"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(option)
    return found[0] if len(found) == 1 else ""


@ICL_EVALUATORS.register_module()
class OptionSimAccEvaluator(BaseEvaluator):
    """Multiple-choice accuracy (AISBench's name and arguments): the option the answer names
    (`option_answer_postprocess`), else the one option whose text it contains; else nothing,
    which is wrong. AISBench's Levenshtein fallback, which always found a letter, is gone."""

    def __init__(self, options: Sequence[str]) -> None:
        letters = "".join(options) if isinstance(options, (list, tuple)) else options
        if not all(isinstance(o, str) and len(o) == 1 for o in options):
            raise ConfigError(f"each option must be one upper-case letter, got {options!r}")
        self.options = list(check_options(letters, "OptionSimAccEvaluator"))

    def match_any_label(self, pred: str, test_item: Mapping[str, Any]) -> str:
        """The option `pred` answers, or ''."""
        letters = "".join(self.options)
        return option_answer_postprocess(str(pred), letters) or single_option_text(
            str(pred), test_item, letters
        )

    def score(
        self,
        predictions: list[Any],
        references: list[Any],
        test_set: list[Row] | None = None,
    ) -> dict[str, Any]:
        """``accuracy`` (percent) and ``details`` keyed by position, as AISBench's: ``pred``,
        ``parsed``, ``refr``, ``correct``. Without `test_set` the option texts are unknown."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        if test_set is None:
            test_set = [{} for _ in predictions]
        details = {}
        for index, (pred, refr, row) in enumerate(zip(predictions, references, test_set,
                                                      strict=True)):  # fmt: skip
            parsed = self.match_any_label(pred, row)
            details[str(index)] = {"pred": pred, "parsed": parsed, "refr": refr,
                                   "correct": parsed == refr}  # fmt: skip
        hits = sum(d["correct"] for d in details.values())
        return {"accuracy": percent(hits, len(details)), "details": details}


@ICL_EVALUATORS.register_module()
class NoReferenceEvaluator(BaseEvaluator):
    """For a custom dataset without an answer column: there is nothing to compare with, so an
    answer given counts (``correct``) and an empty one does not; ``accuracy`` is the share of
    samples answered. The detail says why."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        details = [
            {"pred": pred, "refr": None, "correct": bool(str(pred).strip()),
             "reason": "no reference: an answer given is all that is checked"}
            for pred in predictions
        ]  # fmt: skip
        hits = sum(d["correct"] for d in details)
        return {"accuracy": percent(hits, len(details)), "details": details}
