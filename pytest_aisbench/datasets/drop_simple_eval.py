"""DROP (discrete reasoning over paragraphs) as OpenAI's simple-evals poses it: AISBench's
``DropOpenAIDataset`` and ``DropOpenAIEvaluator``.

Layout (AISBench's ``configs/datasets/drop/README``, OpenCompass's ``drop_simple_eval.zip``)::

    drop_simple_eval/dev.jsonl      the configs' path: the file itself

One line per question: ``context`` (the passage and question, ending in ``Answer:``) and
``ref_text`` (the accepted answers joined by ``|``); each becomes ``{"prompt", "answers"}``, in
order, in the one split ``validation`` (the configs' train and test split).

Scoring: ``correct`` is AISBench's (and simple-evals' ``score``): the text after the last
``Answer:`` (or the whole reply) matches an accepted answer when, lower-cased and without
punctuation, articles and extra spaces, one contains the other. Beside it each sample gets
DROP's own exact match and token F1 (simple-evals' ``em_score``/``f1_score``: numbers
normalised, a numeric gold answer needing the same number), best over the accepted answers;
the metrics are ``accuracy`` (AISBench's), ``em_score`` and ``f1_score``, in percent.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Splits
from pytest_aisbench.datasets.files import read_jsonl, require_columns
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator, percent
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET

ANSWER_PATTERN = r"(?i)Answer\s*:\s*([^\n]+)"
"""The answer line the prompt asks for; the first one in the reply is taken, as AISBench does."""
PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


@LOAD_DATASET.register_module()
class DropOpenAIDataset(BaseDataset):
    """The questions of ``dev.jsonl`` as the split ``validation``."""

    @staticmethod
    def load(path: str) -> Splits:  # type: ignore[override]
        """Every line of the file at `path` as ``{"prompt", "answers"}``."""
        lines = read_jsonl(path)
        require_columns(lines, ("context", "ref_text"), str(Path(path)))
        return {"validation": [{"prompt": x["context"], "answers": x["ref_text"]} for x in lines]}


def normalize(s: str) -> str:
    """Lower-cased, without punctuation and articles, single-spaced (the fuzzy match's form)."""
    s = "".join(ch for ch in s.lower() if ch not in PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", s).split())


def fuzzy_match(s1: str, s2: str) -> bool:
    """One normalised answer contains the other; an empty one matches only an empty one."""
    s1, s2 = normalize(s1), normalize(s2)
    if not s1 or not s2:
        return s1 == s2
    return s1 in s2 or s2 in s1


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _drop_tokens(text: str) -> list[str]:
    """DROP's normal form of one answer span, as tokens: split on spaces and hyphens, each
    lower-cased, without punctuation (unless it is a number), numbers as floats, no articles."""
    tokens = []
    for token in re.split(" |-", text):
        token = token.lower()
        if not _is_number(token):
            token = "".join(ch for ch in token if ch not in PUNCTUATION)
        if _is_number(token):
            token = str(float(token))
        token = " ".join(_ARTICLES.sub(" ", token).split())
        if token.strip():
            tokens.append(token)
    return " ".join(tokens).split()


def drop_em_f1(predicted: str, gold: str) -> tuple[bool, float]:
    """DROP's exact match and token-bag F1 (0 to 1) of one predicted against one gold span."""
    pred_tokens, gold_tokens = _drop_tokens(predicted), _drop_tokens(gold)
    exact = " ".join(pred_tokens) == " ".join(gold_tokens)
    pred_bag, gold_bag = set(pred_tokens), set(gold_tokens)
    gold_numbers = {t for t in gold_bag if _is_number(t)}
    if gold_numbers and not gold_numbers & {t for t in pred_bag if _is_number(t)}:
        return exact, 0.0
    common = len(pred_bag & gold_bag)
    precision = common / len(pred_bag) if pred_bag else 1.0
    recall = common / len(gold_bag) if gold_bag else 1.0
    if precision == 0.0 and recall == 0.0:
        return exact, 0.0
    return exact, 2 * precision * recall / (precision + recall)


@ICL_EVALUATORS.register_module()
class DropOpenAIEvaluator(BaseEvaluator):
    """AISBench's fuzzy-match accuracy, with DROP's exact match and F1 per sample."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy``, ``em_score``, ``f1_score`` and per-sample ``details``."""
        if len(predictions) != len(references):
            return {"error": "preds and refers have different length"}
        details = []
        for pred, refr in zip(predictions, references, strict=True):
            match = re.search(ANSWER_PATTERN, pred)
            extracted = match.group(1) if match else pred
            answers = refr.split("|")
            correct = any(fuzzy_match(extracted, answer) for answer in answers)
            scored = [drop_em_f1(extracted, a) for a in answers if a.strip()] or [(False, 0.0)]
            details.append(
                {
                    "pred": pred,
                    "answer": refr,
                    "correct": correct,
                    "exact_match": any(exact for exact, _ in scored),
                    "f1": max(f1 for _, f1 in scored),
                }
            )
        return {
            "accuracy": percent(sum(d["correct"] for d in details), len(details)),
            "em_score": percent(sum(d["exact_match"] for d in details), len(details)),
            "f1_score": percent(sum(d["f1"] for d in details), len(details)),
            "details": details,
        }
