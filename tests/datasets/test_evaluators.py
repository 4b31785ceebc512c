"""The generic evaluators (accuracy, exact match, edit distance, math-verify, Chinese ROUGE) on
literal answers, one sample at a time through `judge` and as lists through ``score``; `judge`
itself on the result shapes AISBench's evaluators return; registry names; missing packages."""

from __future__ import annotations

import sys
import threading
import zipfile
from typing import Any

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl import icl_evaluator
from pytest_aisbench.openicl.icl_evaluator import (
    AccEvaluator,
    AccwithDetailsEvaluator,
    BaseEvaluator,
    EDAccEvaluator,
    EMEvaluator,
    JiebaRougeEvaluator,
    Judgement,
    MATHEvaluator,
    judge,
)
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import accuracy_result, right_or_wrong
from pytest_aisbench.registry import ICL_EVALUATORS

ROW: dict[str, Any] = {"question": "q"}


@pytest.mark.parametrize(
    "cls",
    [
        AccEvaluator,
        AccwithDetailsEvaluator,
        EDAccEvaluator,
        EMEvaluator,
        JiebaRougeEvaluator,
        MATHEvaluator,
    ],
)
def test_registered_by_class_name(cls: type) -> None:
    # (datasets.math registers its own MATHEvaluator too, as AISBench does: that name may be
    # ambiguous as a string, while configs give the class)
    assert cls in ICL_EVALUATORS.classes(cls.__name__)
    if cls is not MATHEvaluator:
        assert ICL_EVALUATORS.get(cls.__name__) is cls
    assert getattr(icl_evaluator, cls.__name__) is cls
    assert issubclass(cls, BaseEvaluator)


# --- AccEvaluator -------------------------------------------------------------------------


def test_acc_compares_as_strings_and_details_each_sample() -> None:
    result = AccEvaluator().score(["A", "B", "1", " C"], ["A", "C", 1, "C"])
    assert result["accuracy"] == pytest.approx(50.0)
    assert [d["correct"] for d in result["details"]] == [True, False, True, False]
    assert result["details"][2] == {"pred": "1", "refr": 1, "parsed": "1", "correct": True}


def test_acc_judges_one_sample() -> None:
    assert judge(AccEvaluator(), "B", "B", ROW) == Judgement(
        True, 1.0, {"pred": "B", "refr": "B", "parsed": "B", "correct": True}
    )
    wrong = judge(AccEvaluator(), "", "B", ROW)
    assert (wrong.correct, wrong.score) == (False, 0.0)


def test_acc_length_mismatch_is_aisbench_error_and_judge_raises() -> None:
    assert "error" in AccEvaluator().score(["A"], ["A", "B"])

    class Broken(AccEvaluator):
        def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
            return super().score(predictions, [*references, "extra"])

    with pytest.raises(ValueError, match="different length"):
        judge(Broken(), "A", "A", ROW)


def test_acc_empty_lists_score_zero() -> None:
    assert AccEvaluator().score([], []) == {"accuracy": 0.0, "details": []}


def test_acc_subclass_hooks_as_in_aisbench() -> None:
    class CaseBlind(AccEvaluator):
        def _preprocess(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
            return {
                "predictions": [str(p).lower() for p in predictions],
                "references": [str(r).lower() for r in references],
            }

        def _postprocess(self, scores: dict[str, Any]) -> dict[str, Any]:
            return {"accuracy": scores["accuracy"] * 100, "note": "case-blind"}

    result = CaseBlind().score(["yes", "No"], ["YES", "yes"])
    assert result["accuracy"] == 50.0 and result["note"] == "case-blind"
    assert judge(CaseBlind(), "True", "true", ROW).correct


# --- AccwithDetailsEvaluator --------------------------------------------------------------


def test_acc_with_details_keys_details_by_position_with_prompt() -> None:
    result = AccwithDetailsEvaluator().score(["A", "B", 1], ["A", "C", "1"], ["p0", "p1", "p2"])
    assert result["accuracy"] == pytest.approx(100 / 3)
    assert list(result["details"]) == ["0", "1", "2"]
    assert result["details"]["0"] == {"prompt": "p0", "pred": "A", "refr": "A", "is_correct": True}
    assert result["details"]["2"]["is_correct"] is False  # compared as they are, as AISBench


def test_acc_with_details_judges_through_is_correct() -> None:
    right = judge(AccwithDetailsEvaluator(), "D", "D", ROW, prompt="Question?")
    assert right == Judgement(
        True, 1.0, {"prompt": "Question?", "pred": "D", "refr": "D", "is_correct": True}
    )
    assert not judge(AccwithDetailsEvaluator(), "A", "D", ROW).correct


# --- EDAccEvaluator (SIQA) ----------------------------------------------------------------

SIQA_REF = {
    "candidates": [
        ["A. eat dinner", "A", "eat dinner"],
        ["B. go home after work", "B", "go home after work"],
        ["C. call a friend", "C", "call a friend"],
    ],
    "label": 1,
}


@pytest.fixture
def edacc() -> EDAccEvaluator:
    pytest.importorskip("rapidfuzz")
    return EDAccEvaluator()


@pytest.mark.parametrize(
    ("prediction", "parsed", "correct"),
    [
        ("B", 1, True),
        ("B. go home after work", 1, True),
        ("go home after wrk", 1, True),
        ("C", 2, False),
        ("call a friend", 2, False),
        ("", None, False),
        ("   ", None, False),
    ],
)
def test_edacc_nearest_candidate(
    edacc: EDAccEvaluator, prediction: str, parsed: int | None, correct: bool
) -> None:
    verdict = judge(edacc, prediction, SIQA_REF, ROW)
    assert verdict.correct is correct
    assert verdict.detail["parsed"] == parsed


def test_edacc_tie_goes_to_the_first_and_strings_are_candidates(edacc: EDAccEvaluator) -> None:
    ref = {"candidates": ["ab", "ba"], "label": 0}
    assert edacc.score(["aa", "bb"], [ref, ref])["accuracy"] == 100.0  # both at distance 1


def test_edacc_bad_reference_is_a_config_error(edacc: EDAccEvaluator) -> None:
    with pytest.raises(ConfigError, match="all_labels") as caught:
        edacc.score(["A"], ["A"])
    assert caught.value.key == "references"


def test_edacc_without_rapidfuzz_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)
    monkeypatch.setitem(sys.modules, "rapidfuzz.distance", None)
    with pytest.raises(ConfigError, match=r"pip install 'pytest-aisbench\[edit-distance\]'"):
        EDAccEvaluator()


# --- EMEvaluator --------------------------------------------------------------------------


def test_em_any_accepted_answer_after_cleaning() -> None:
    result = EMEvaluator().score(
        ["The Eiffel Tower.", "Paris, France", "london"],
        [["Eiffel Tower", "la tour Eiffel"], ["Paris"], ["London"]],
    )
    assert result["score"] == pytest.approx(200 / 3)
    assert [d["correct"] for d in result["details"]] == [True, True, False]
    assert "accuracy" not in result  # OpenCompass's key is 'score'


def test_em_one_string_reference_is_one_answer() -> None:
    assert judge(EMEvaluator(), "the Nile", "Nile", ROW).correct
    assert not judge(EMEvaluator(), "N", "Nile", ROW).correct  # OpenCompass: each character


# --- MATHEvaluator ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def math_evaluator() -> MATHEvaluator:
    pytest.importorskip("math_verify")
    return MATHEvaluator()


MATH_CASES = [
    ("so the answer is \\boxed{\\frac{1}{2}}", "0.5", True),
    ("We get $\\boxed{0.5}$.", "\\frac{1}{2}", True),
    ("\\boxed{3}", "0.5", False),
    ("Thus \\boxed{x=2}", "2", True),
    ("the answer is 10", "10", False),  # AISBench: the answer must be anchored (boxed)
    ("The final answer is $10$", "10", True),
    ("\\boxed{1<x<2}", "(1,2)", True),  # AISBench's verify(answer, gold) order
    ("Hence the value is $\\boxed{4}$.", "Since 2+2, $\\boxed{4}$", True),
    ("first \\boxed{4}, then \\boxed{5}", "4", False),  # every box counts: the set {4, 5}
    ("\\boxed{\\sqrt{16}}", "4", True),
    ("", "4", False),
]


@pytest.mark.parametrize(("prediction", "reference", "correct"), MATH_CASES)
def test_math_verify_equivalence(
    math_evaluator: MATHEvaluator, prediction: str, reference: str, correct: bool
) -> None:
    verdict = judge(math_evaluator, prediction, reference, ROW)
    assert verdict.correct is correct
    assert verdict.detail["correct"] is correct


def test_math_unparsable_reference_keeps_its_detail_in_place(
    math_evaluator: MATHEvaluator,
) -> None:
    result = math_evaluator.score(["\\boxed{1}", "\\boxed{2}"], ["", "2"])
    assert result["accuracy"] == 50.0
    assert [d["correct"] for d in result["details"]] == [False, True]
    assert "note" in result["details"][0]


def test_math_off_the_main_thread_runs_without_signal_alarm(
    math_evaluator: MATHEvaluator,
) -> None:
    verdicts: list[Any] = []
    worker = threading.Thread(
        target=lambda: verdicts.append(judge(math_evaluator, "\\boxed{7}", "7", ROW))
    )
    worker.start()
    worker.join(timeout=60)
    assert [v.correct for v in verdicts] == [True]


def test_math_without_math_verify_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "math_verify", None)
    with pytest.raises(ConfigError, match=r"pip install 'pytest-aisbench\[math\]'"):
        MATHEvaluator()


class _Stub:
    """What AISBench's evaluator module imports from its own package, as no-ops."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: lambda cls: cls


def test_math_matches_aisbench_side_by_side(math_evaluator: MATHEvaluator) -> None:
    from aisbench_corpus import PACKAGE, fetch_wheel, renamed

    with zipfile.ZipFile(fetch_wheel()) as archive:
        raw = archive.read(PACKAGE + "openicl/icl_evaluator/math_evaluator.py").decode("utf-8")
    source = renamed(raw)
    for line in (
        "from pytest_aisbench.openicl.icl_evaluator import BaseEvaluator\n",
        "from pytest_aisbench.registry import ICL_EVALUATORS\n",
        "from pytest_aisbench.utils.logging.exceptions import AISBenchImportError\n",
        "from pytest_aisbench.utils.logging.error_codes import UTILS_CODES\n",
    ):
        assert source.count(line) == 1, line
        source = source.replace(line, "")

    class Base:
        @staticmethod
        def is_num_equal(predictions: list[Any], references: list[Any]) -> None:
            return None

    namespace: dict[str, Any] = {
        "__name__": "aisbench_math_evaluator",
        "BaseEvaluator": Base,
        "ICL_EVALUATORS": _Stub(),
    }
    exec(compile(source, "aisbench_math_evaluator.py", "exec"), namespace)
    predictions = [p for p, _, _ in MATH_CASES]
    references = [r for _, r, _ in MATH_CASES]
    theirs = namespace["MATHEvaluator"]().score(predictions, references)
    ours = math_evaluator.score(predictions, references)
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"])
    assert [d["correct"] for d in ours["details"]] == [d["correct"] for d in theirs["details"]]


# --- JiebaRougeEvaluator ------------------------------------------------------------------


@pytest.fixture(scope="module")
def rouge() -> JiebaRougeEvaluator:
    pytest.importorskip("jieba")
    pytest.importorskip("rouge_chinese")
    return JiebaRougeEvaluator()


def test_jieba_rouge_averages_per_sample_scores(rouge: JiebaRougeEvaluator) -> None:
    predictions, references = ["今天天气很好", "我爱北京天安门"], ["今天天气不错", "我爱北京"]
    result = rouge.score(predictions, references)
    whole = rouge.rouge.get_scores(
        [rouge._words(p) for p in predictions], [rouge._words(r) for r in references], avg=True
    )
    assert result["rouge1"] == pytest.approx(whole["rouge-1"]["f"] * 100)
    assert result["rouge2"] == pytest.approx(whole["rouge-2"]["f"] * 100)
    assert result["rougeL"] == pytest.approx(whole["rouge-l"]["f"] * 100)
    assert len(result["details"]) == 2


def test_jieba_rouge_identical_empty_and_not_judgeable(rouge: JiebaRougeEvaluator) -> None:
    assert rouge.score(["北京欢迎你"], ["北京欢迎你"])["rouge1"] == pytest.approx(100.0)
    assert rouge.score([""], ["北京"])["rougeL"] == 0.0
    with pytest.raises(ValueError, match="neither a per-sample 'correct'"):
        judge(rouge, "北京", "北京", ROW)


def test_jieba_rouge_without_its_packages_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "rouge_chinese", None)
    with pytest.raises(ConfigError, match=r"pytest-aisbench\[zh\]"):
        JiebaRougeEvaluator()


# --- judge on the shapes AISBench's evaluators return -------------------------------------


class _Details(BaseEvaluator):
    def __init__(self, key: str, value: Any) -> None:
        self.key, self.value = key, value

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        return {"accuracy": 0.0, "details": [{self.key: self.value, "pred": predictions[0]}]}


@pytest.mark.parametrize(
    ("key", "value", "correct"),
    [
        ("correct", True, True),
        ("correct", False, False),
        ("is_correct", True, True),
        ("cascade_correct", 1, True),
        ("correct", [True, False], True),  # one per repeat: the first is this sample's
        ("correct", [False, True], False),
    ],
)
def test_judge_reads_the_detail_not_the_metric(key: str, value: Any, correct: bool) -> None:
    verdict = judge(_Details(key, value), "x", "y", ROW)
    assert verdict.correct is correct and verdict.score == (1.0 if correct else 0.0)
    assert verdict.detail["pred"] == "x"


@pytest.mark.parametrize(("metric", "value", "correct"), [("accuracy", 100, True),
                                                          ("accuracy", 50.0, False),
                                                          ("score", 100.0, True)])  # fmt: skip
def test_judge_metric_only_evaluators(metric: str, value: float, correct: bool) -> None:
    class MetricOnly(BaseEvaluator):
        def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
            return {metric: value}

    verdict = judge(MetricOnly(), "x", "y", ROW)
    assert verdict.correct is correct and verdict.score == pytest.approx(value / 100)


def test_judge_passes_only_what_score_names() -> None:
    seen: dict[str, Any] = {}

    class WantsRow(BaseEvaluator):
        def score(  # type: ignore[override]
            self, predictions: list[Any], references: list[Any], test_set: list[Any]
        ) -> dict[str, Any]:
            seen["test_set"] = test_set
            return {"details": [{"correct": test_set[0]["question"] == "q"}]}

    class TakesAll(BaseEvaluator):
        def score(self, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
            seen["all"] = sorted(kwargs)
            return {"details": [{"correct": kwargs["origin_prompt"] == ["the prompt"]}]}

    assert judge(WantsRow(), "x", "y", ROW).correct
    assert seen["test_set"] == [ROW]
    assert judge(TakesAll(), "x", "y", ROW, prompt="the prompt").correct
    assert seen["all"] == ["origin_prompt", "predictions", "references", "test_set"]


def test_judge_reads_details_keyed_by_position() -> None:
    class Keyed(BaseEvaluator):
        def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
            return {"accuracy": 0.0, "details": {"0": {"is_correct": True}}}

    assert judge(Keyed(), "x", "y", ROW) == Judgement(True, 1.0, {"is_correct": True})


def test_judge_rejects_results_it_cannot_read() -> None:
    class NoVerdict(BaseEvaluator):
        def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
            return {"f1": 0.5}

    class NotADict(BaseEvaluator):
        def score(self, predictions: list[Any], references: list[Any]) -> Any:
            return 1.0

    with pytest.raises(ValueError, match=r"neither a per-sample 'correct'.*\['f1'\]"):
        judge(NoVerdict(), "x", "y", ROW)
    with pytest.raises(TypeError, match=r"NotADict\.score returned float"):
        judge(NotADict(), "x", "y", ROW)
    with pytest.raises(NotImplementedError, match="must implement score"):
        judge(BaseEvaluator(), "x", "y", ROW)


# --- what the shipped dataset configs import from these modules ----------------------------

FAMILIES = (
    "ARC_c",
    "ARC_e",
    "SuperGLUE_BoolQ",
    "agieval",
    "aime2024",
    "aime2025",
    "aime2026",
    "bbh",
    "ceval",
    "cmmlu",
    "custom",
    "dapo_math",
    "demo",
    "drop",
    "gpqa",
    "gsm8k",
    "hellaswag",
    "lambada",
    "longbenchv2",
    "math",
    "mgsm",
    "mmlu",
    "mmlu_pro",
    "piqa",
    "race",
    "siqa",
    "triviaqa",
    "winogrande",
)
MODULES = (
    "pytest_aisbench.openicl.icl_evaluator",
    "pytest_aisbench.utils.postprocess.text_postprocessors",
    "pytest_aisbench.utils.text_postprocessors",
)


def test_every_name_the_families_configs_import_from_here_exists() -> None:
    import ast
    import importlib

    from aisbench_corpus import PACKAGE, fetch_wheel, renamed

    wanted: dict[tuple[str, str], str] = {}
    with zipfile.ZipFile(fetch_wheel()) as archive:
        for path in archive.namelist():
            parts = path.removeprefix(PACKAGE + "configs/datasets/").split("/")
            if len(parts) != 2 or parts[0] not in FAMILIES or not parts[1].endswith(".py"):
                continue
            tree = ast.parse(renamed(archive.read(path).decode("utf-8")))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module in MODULES:
                    for alias in node.names:
                        wanted[(node.module, alias.name)] = path
    assert len(wanted) >= 12  # the scan found the configs
    missing = [
        f"{module}.{name} ({path})"
        for (module, name), path in sorted(wanted.items())
        if not hasattr(importlib.import_module(module), name)
    ]
    assert missing == []


def test_accuracy_result_counts_what_judge_reads() -> None:
    """One builder for every right-or-wrong result: listed or position-keyed details, any of
    the keys `judge` reads, and the metric's name (``score`` for AGIEval, BBH, EM)."""
    listed: list[dict[str, Any]] = [
        {"correct": True},
        {"correct": False},
        {"cascade_correct": [True, False]},
    ]
    assert accuracy_result(listed)["accuracy"] == pytest.approx(200 / 3)
    keyed = {"0": {"is_correct": True}, "1": {"is_correct": False}}
    assert accuracy_result(keyed, metric="score") == {"score": 50.0, "details": keyed}
    assert accuracy_result([]) == {"accuracy": 0.0, "details": []}
    assert right_or_wrong(["A", "B"], ["A", "C"], [True, False], metric="score") == {
        "score": 50.0,
        "details": [
            {"pred": "A", "answer": "A", "correct": True},
            {"pred": "B", "answer": "C", "correct": False},
        ],
    }
