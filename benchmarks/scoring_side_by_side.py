"""AISBench's scoring beside this project's: one fixed, varied set of predictions per text family,
scored by both, every disagreement shown with its reason.

    .venv/bin/python benchmarks/scoring_side_by_side.py [--families mmlu,gsm8k] [--json out.json]

Needs AISBench in its own venv (``benchmarks/install_peers.sh aisbench``, then ``math-verify``
0.5.2 in it for math500's config; ``--aisbench-python`` names another interpreter). The script
runs twice over:

- **here** (this project's venv): it copies every config file of the families out of the pinned
  wheel (read in the AISBench venv's site-packages), renamed ``ais_bench.benchmark`` ->
  ``pytest_aisbench``, writes a small dataset in each family's real layout
  (``tests/dataset_fixtures.py``, plus the custom files below), compiles each generation config
  with `DatasetCatalog`, and for every sample states a fixed set of answers (`KINDS`). Each is
  scored by the engine's own ``pytest_aisbench.scoring.score``, as a successful response.
- **in the AISBench venv** (``--aisbench-child``, the same file run by that venv's Python): each
  original config file is loaded with mmengine, its dataset built with AISBench's own loader on
  the same files, and each prediction scored as ``tasks/openicl_eval.py`` scores it: the
  ``dataset_postprocessor`` on the references, the ``pred_postprocessor``, then the evaluator's
  ``evaluate``. AISBench's functions are only watched, not changed: ``re.search`` in its
  postprocessor module and rapidfuzz's Levenshtein distance are wrapped to record which pattern
  answered and whether a distance chose the option, which is how a disagreement's reason is
  established rather than assumed.

A prediction is cut at the config's stop words on both sides, as the server would have stopped.
A disagreement is explained only by evidence: AISBench's ``1.`` pattern answered (the `1.` trap,
AISBench issue #209), its cushion took a letter inside a word, a Levenshtein distance chose an
option for an answer that names none, AISBench cannot build the custom question-answer dataset
without answers (the tuple template), or its unseeded draw gave another row at that index (the
README's deviations, `EXPLAINED`); or AISBench was found wrong (`AISBENCH_WRONG`: its GSM8K
extraction reads "2,005" as "005"). Any other disagreement is UNEXPLAINED, and the exit status
is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = Path(
    os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench")
).expanduser()
AISBENCH_PYTHON = CACHE / "peers" / "aisbench" / "bin" / "python"
INSTALL = "benchmarks/install_peers.sh aisbench"
MATH_VERIFY = "math-verify==0.5.2"
"""What AISBench's ``MATHEvaluator`` (math500's chat config) imports, at the version of
AISBench's own ``full`` extra; ``install_peers.sh`` does not install it."""
NOTES = (
    "AISBench 3.1 cannot load mmlu/mmlu_gen_5_shot_chat_prompt.py: it imports "
    "ais_bench.benchmark.utils.text_postprocessors, which the wheel lacks (the module is "
    "utils/postprocess/text_postprocessors.py now); the AISBench process aliases the old path to "
    "it so that the config's scoring is compared (this project provides the same alias)",
    'BoolQ\'s val.jsonl is written with the labels "true"/"false" as strings, the only form '
    "AISBench's BoolQDatasetV2 reads (the shared fixture writes JSON booleans, the original "
    "release's form, which this project reads too and AISBench stops on)",
    "Python's and numpy's global generators are seeded (0) in the AISBench process, so that its "
    "unseeded draws, and this output, repeat from run to run",
    "a prediction is cut at the config's stop words on both sides, as the server would stop",
)
"""What the harness does around AISBench, said in the output."""

FAMILIES = (
    "ARC_c", "ARC_e", "SuperGLUE_BoolQ", "agieval", "aime2024", "aime2025", "aime2026", "bbh",
    "ceval", "cmmlu", "custom", "dapo_math", "drop", "gpqa", "gsm8k", "hellaswag", "lambada",
    "longbenchv2", "math", "mgsm", "mmlu", "mmlu_pro", "piqa", "race", "siqa", "triviaqa",
    "winogrande",
)  # fmt: skip
ALL_SUBSETS = {"agieval", "bbh", "mgsm"}
"""Families whose every subset is scored (their subsets differ in answer kind or language);
the others score the first `SUBSETS_PER_WIRING` subsets of each scoring set-up."""
SUBSETS_PER_WIRING = 2
ROWS = 2
"""Samples scored per dataset (the first ones of its test split)."""

KINDS = (
    "right", "wrong", "bare", "cot", "boxed", "paren", "answer_lower", "option_text",
    "thousands", "equivalent", "empty", "step1", "step1_no_answer", "unreadable",
)  # fmt: skip
"""What each sample is answered with (`predictions`): the family's own way of stating the
right answer and a wrong one; the right answer alone; a chain of thought ending in it;
``\\boxed{}``; ``(B)``; ``Answer: b``; the option's text without its letter (multiple choice
only); thousands separators (the answer's own, or a number on the way); the same number
written another way (``7.0``, ``\\dfrac{1}{2}``; numeric answers only); nothing; "Step 1: Add
... Compare ..." ending in the answer (AISBench issue #209) and without one; a text that states
no answer (with a capital C inside a word)."""

EXPLAINED = {
    "1. trap": "AISBench's `1.\\s?(.*?)$` pattern fired on a '1' (\"Step 1:\") and answered the "
    "first option letter found anywhere after it (AISBench issue #209); this project has no such "
    "pattern (README, Datasets)",
    "cushion inside a word": "AISBench's cushion took an option letter inside a word; this "
    "project's cushion takes only a letter standing alone (README, Datasets)",
    "Levenshtein guess": "AISBench chose the option nearest in edit distance to an answer that "
    "names none; here that is no_answer, the text kept (README, custom datasets)",
    "custom qa tuple": "AISBench builds a tuple template for question-answer data without answers "
    "and cannot run it; this project runs it, checking only that an answer is given (README, "
    "custom datasets)",
    "unseeded draws": "AISBench draws the custom rows unseeded, so its row at this index is "
    "another one; this project draws with random.Random(42) (README, custom datasets)",
}

AISBENCH_WRONG = {
    "thousands separator": "AISBench's gsm8k_postprocess takes the last run of digits, so a "
    "right answer written with a thousands separator ('2,005') is read as '005' and scored "
    "wrong in the pinned wheel (AISBench issue #359; OpenCompass issue #2647); this "
    "project reads 2005 (pytest_aisbench/datasets/gsm8k.py)",
}
"""Disagreements found to be AISBench's error, not one of the README's deviations: why."""
REASONS = {**EXPLAINED, **AISBENCH_WRONG}


# -- the AISBench side: runs in the AISBench venv, stdlib and ais_bench only ----------------------


class _PatternWatch:
    """``re`` for AISBench's postprocessor module: the same functions, and the last pattern whose
    ``search`` matched (the one that answered, since the module returns at the first match
    holding an option)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.last: tuple[str, Any] | None = None

    def search(self, pattern: Any, string: str, flags: int = 0) -> Any:
        match = self.real.search(pattern, string, flags)
        if match is not None:
            self.last = (pattern if isinstance(pattern, str) else pattern.pattern, match)
        return match

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _DistanceWatch:
    """rapidfuzz's ``Levenshtein.distance``, counting its calls."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # rapidfuzz reads its scorers' attributes
        return getattr(self.real, name)


def _jsonable(value: Any) -> Any:
    """A value as JSON keeps it (numpy scalars, sets and the like as their str)."""
    return json.loads(json.dumps(value, default=str))


def _resolve(value: Any, registry: Any) -> Any:
    """A config's ``type``: the object itself, a registry name, or a dotted path (what AISBench's
    custom-dataset maker writes)."""
    if not isinstance(value, str):
        return value
    found = registry.get(value)
    if found is not None:
        return found
    import importlib

    module, _, name = value.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _aisbench_entries(job: dict[str, Any]) -> dict[str, Any]:
    """The dataset dicts of a job, by abbr: a config file's ``*_datasets`` lists, or the dict
    AISBench's command line makes for ``--custom-dataset-path``."""
    if "custom_path" in job:
        from ais_bench.benchmark.datasets.custom import make_custom_dataset_config

        entry = make_custom_dataset_config({"path": job["custom_path"]})
        return {entry["abbr"]: entry}
    from mmengine.config import Config

    config = Config.fromfile(job["file"])
    return {
        entry.get("abbr"): entry
        for name, value in config.items()
        if name.endswith("_datasets") and isinstance(value, list)
        for entry in value
    }


def _aisbench_score(entry: Any, spec: dict[str, Any], watch: Any) -> dict[str, Any]:
    """One dataset dict's predictions scored by AISBench, kind by kind: per sample ``correct``,
    ``extracted`` (the pred_postprocessor's output), the evaluator's ``detail``, ``reference``,
    and ``evidence`` of the deviations (`_evidence`)."""
    import copy
    import inspect

    from ais_bench.benchmark.registry import (
        ICL_EVALUATORS,
        ICL_PROMPT_TEMPLATES,
        TEXT_POSTPROCESSORS,
    )
    from ais_bench.benchmark.utils.config import build_dataset_from_cfg

    entry = copy.deepcopy(entry)
    template = entry["infer_cfg"].get("prompt_template")
    if template is not None:  # the inference stage builds it first: a bad one stops the run
        template = dict(template)
        ICL_PROMPT_TEMPLATES.build(template)
    entry.update(k=1, n=1)
    output_column = entry["reader_cfg"].get("output_column")
    eval_cfg = entry["eval_cfg"]
    test_set = build_dataset_from_cfg(entry).test
    if "dataset_postprocessor" in eval_cfg:
        proc = _resolve(eval_cfg["dataset_postprocessor"]["type"], TEXT_POSTPROCESSORS)

        def postprocess(sample: dict[str, Any]) -> dict[str, Any]:
            sample[output_column] = proc(sample[output_column])
            return sample

        test_set = test_set.map(postprocess)
    references = test_set[output_column] if output_column else None
    size = len(test_set)
    pred_cfg = dict(eval_cfg.get("pred_postprocessor") or {})
    pred_proc = _resolve(pred_cfg.pop("type"), TEXT_POSTPROCESSORS) if pred_cfg else None
    evaluator_cfg = dict(eval_cfg["evaluator"])
    evaluator_type = _resolve(evaluator_cfg.pop("type"), ICL_EVALUATORS)
    out: dict[str, Any] = {"size": size, "evaluator": evaluator_type.__name__, "kinds": {}}
    out["pred_postprocessor"] = getattr(pred_proc, "__name__", None)
    memo: dict[str, bool] = {}
    for kind, predictions in spec["kinds"].items():
        if len(predictions) > size:
            raise ValueError(f"{len(predictions)} predictions for {size} rows")
        count = len(predictions)
        extracted = [pred_proc(p, **pred_cfg) if pred_proc else p for p in predictions]
        evaluator = evaluator_type(**evaluator_cfg)
        rows = test_set.select(range(count))
        given = {
            "predictions": extracted,
            "references": references[:count] if references is not None else None,
            "test_set": rows,
            "origin_prompt": [None] * count,
        }
        wanted = inspect.signature(evaluator.score).parameters
        kwargs = {k: given[k] for k in wanted if k in given}
        result = evaluator.evaluate(1, 1, copy.deepcopy(rows), **kwargs)
        details = result.get("details") if isinstance(result, dict) else None
        samples = []
        for i in range(count):
            detail = details[i] if isinstance(details, list) and len(details) == count else {}
            correct = _detail_correct(detail)
            if correct is None:  # an evaluator without per-sample details: score it alone
                key = json.dumps([type(evaluator).__name__, extracted[i], given["references"][i]
                                  if references is not None else None], default=str)  # fmt: skip
                if "test_set" in kwargs or key not in memo:
                    one = {
                        k: (v.select([i]) if k == "test_set" else [v[i]]) for k, v in kwargs.items()
                    }
                    alone = evaluator_type(**evaluator_cfg).evaluate(1, 1, rows.select([i]), **one)
                    metric = next((alone[m] for m in ("accuracy", "score") if m in alone), None)
                    memo[key] = metric is not None and float(metric) >= 100.0
                correct = memo[key]
            samples.append({
                "correct": bool(correct),
                "extracted": _jsonable(extracted[i]),
                "detail": {k: _jsonable(v[0] if isinstance(v, list) and len(v) == 1 else v)
                           for k, v in detail.items() if k != "example_abbr"},
                "reference": _jsonable(references[i]) if references is not None else None,
                "evidence": _evidence(predictions[i], extracted[i], pred_proc, pred_cfg,
                                      evaluator, rows[i], watch),
            })  # fmt: skip
        out["kinds"][kind] = samples
    return out


def _detail_correct(detail: Any) -> bool | None:
    """A detail's right-or-wrong, from the first key AISBench reads it from."""
    if not isinstance(detail, dict):
        return None
    for key in ("correct", "is_correct", "cascade_correct"):
        if key in detail:
            value = detail[key]
            return bool(value[0] if isinstance(value, list) and value else value)
    return None


def _evidence(
    prediction: str,
    extracted: Any,
    pred_proc: Any,
    pred_cfg: dict[str, Any],
    evaluator: Any,
    row: dict[str, Any],
    watch: Any,
) -> list[str]:
    """Which deviating path AISBench took for this prediction, found by running its own
    functions again under the watches: ``1. trap``, ``cushion inside a word: X in 'word'``,
    ``Levenshtein guess``."""
    patterns, distance = watch
    found: list[str] = []
    name = getattr(pred_proc, "__name__", "")
    if name.startswith("first_option_postprocess") and extracted:
        patterns.last = None
        pred_proc(prediction, **pred_cfg)
        found += _pattern_evidence(patterns.last, pred_cfg.get("options", ""))
    if type(evaluator).__name__ == "OptionSimAccEvaluator":
        patterns.last, calls = None, distance.calls
        parsed = evaluator.match_any_label(str(extracted), row)
        if distance.calls > calls and parsed:
            found.append("Levenshtein guess")
        elif patterns.last is not None and parsed:
            found += _pattern_evidence(patterns.last, "".join(evaluator.options))
    if type(evaluator).__name__ == "EDAccEvaluator" and not str(extracted).strip():
        found.append("Levenshtein guess")
    return found


def _pattern_evidence(last: tuple[str, Any] | None, options: str) -> list[str]:
    """The deviation of the pattern that answered, if it is one."""
    if last is None:
        return []
    pattern, match = last
    if pattern.startswith("1."):
        return ["1. trap"]
    cushion = (f"([{options}]):", f"([{options}])")
    if pattern in cushion:
        text, at = match.string, match.start(1)
        before = text[at - 1] if at > 0 else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if before.isalpha() or after.isalpha():
            head = re.findall(r"\w*\Z", text[:at])[0]
            word = head + re.findall(r"^\w*", text[at:])[0]
            return [f"cushion inside a word: {text[at]!r} in {word!r}"]
    return []


def aisbench_child(request_file: str, response_file: str) -> None:
    """The AISBench side: score every job of the request, write the response."""
    import random
    import types

    import numpy as np

    random.seed(0)  # AISBench's draws are unseeded; seeded here so this script's output repeats
    np.random.seed(0)
    import ais_bench.benchmark.utils.postprocess.text_postprocessors as tp
    from rapidfuzz.distance import Levenshtein

    # mmlu_gen_5_shot_chat_prompt.py imports the module's pre-3.1 path, which the wheel lacks
    alias = types.ModuleType("ais_bench.benchmark.utils.text_postprocessors")
    alias.__dict__.update({k: v for k, v in vars(tp).items() if not k.startswith("__")})
    sys.modules[alias.__name__] = alias
    patterns = _PatternWatch(tp.re)
    tp.re = patterns  # type: ignore[assignment]
    distance = _DistanceWatch(Levenshtein.distance)
    Levenshtein.distance = distance  # type: ignore[assignment]
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    response: dict[str, Any] = {}
    for job in request["jobs"]:
        results: dict[str, Any] = {}
        try:
            entries = _aisbench_entries(job)
        except Exception as exc:  # AISBench cannot load the file: every dataset says why
            entries, failed = {}, f"{type(exc).__name__}: {exc}"
        else:
            failed = ""
        for abbr, spec in job["abbrs"].items():
            if failed or abbr not in entries:
                results[abbr] = {"error": failed or f"AISBench's file has no dataset {abbr!r}"}
                continue
            try:
                results[abbr] = _aisbench_score(entries[abbr], spec, (patterns, distance))
            except Exception as exc:
                results[abbr] = {"error": f"{type(exc).__name__}: {exc}"}
        response[job["id"]] = results
    Path(response_file).write_text(json.dumps(response, default=str), encoding="utf-8")


# -- this project's side --------------------------------------------------------------------------


@dataclass
class Case:
    """One prediction for one sample, as this project scored it."""

    family: str
    job: str
    abbr: str
    index: int
    kind: str
    prediction: str
    reference: Any
    ours_correct: bool
    ours_extracted: str | None


@dataclass
class Job:
    """One config file (or custom data file) and the datasets of it that are scored."""

    id: str
    family: str
    label: str
    request: dict[str, Any]
    abbrs: dict[str, dict[str, Any]] = field(default_factory=dict)


LETTERS = "ABCDEFGHIJKLMNOP"
OPTIONS = {
    "ARC_c": "ABCD", "ARC_e": "ABCD", "SuperGLUE_BoolQ": "AB", "agieval": "ABCDE", "bbh": "ABCD",
    "ceval": "ABCD", "cmmlu": "ABCD", "custom": "ABC", "gpqa": "ABCD", "hellaswag": "ABCD",
    "longbenchv2": "ABCD", "mmlu": "ABCD", "mmlu_pro": "ABCDEFGHIJ", "piqa": "AB", "race": "ABCD",
    "siqa": "ABC", "winogrande": "AB",
}  # fmt: skip
"""The option letters of the multiple-choice families (as their fixtures write them)."""
SHUFFLED = "cli_spiders.jsonl"
"""The custom file whose ``.meta.json`` shuffles its rows (``sampling_mode: shuffle``)."""
SWAP = {"Yes": "No", "No": "Yes", "yes": "no", "no": "yes", "True": "False", "False": "True",
        "valid": "invalid", "invalid": "valid"}  # fmt: skip


def answer_value(family: str, sample: Any) -> str:
    """The right answer as a model would state it: an option letter, a number, a word."""
    ref, row = sample.reference, sample.row
    if ref is None:  # a custom file without answers: any answer will do
        return "Paris"
    if isinstance(ref, dict) and "candidates" in ref:  # SIQA: the candidates and the label
        return str(ref["candidates"][ref["label"]][1])
    if isinstance(ref, list):  # TriviaQA's aliases
        return str(ref[0])
    if family == "math" and "answer" in row:  # MATH500 as CustomDataset: the whole solution
        return str(row["answer"])
    text = str(ref)
    if family == "drop":
        return text.split("|")[0]
    if family in OPTIONS and re.match(r"^[A-P](\.|$)", text):  # MMLU-Pro's 'D. opt3\n'
        return text[0]
    return text


def is_choice(family: str, value: str) -> bool:
    """Whether a sample's answer is one option letter of its family."""
    return family in OPTIONS and len(value) == 1 and value in OPTIONS[family]


def wrong_value(family: str, value: str) -> str:
    """A wrong answer of the same kind."""
    if is_choice(family, value):
        letters = OPTIONS[family]
        return letters[(letters.index(value) + 1) % len(letters)]
    if re.fullmatch(r"-?\d+", value):
        return str(int(value) + 1)
    return SWAP.get(value, "99" if re.search(r"\d", value) else "zebra")


def option_texts(family: str, sample: Any) -> dict[str, str]:
    """Each option letter's text in the sample's row."""
    row = sample.row
    if family == "SuperGLUE_BoolQ":
        return {"A": "Yes", "B": "No"}
    if family == "piqa":
        return {"A": str(row["sol1"]), "B": str(row["sol2"])}
    if family == "winogrande":
        return {"A": str(row["only_option1"]), "B": str(row["only_option2"])}
    if family == "mmlu_pro":
        return {LETTERS[i]: str(text) for i, text in enumerate(row["options"])}
    if family in ("agieval", "bbh"):
        text = str(row.get("options") or row.get("input") or "")
        return {m[0]: m[1].strip() for m in re.findall(r"\(([A-E])\)\s*([^\n(]*)", text)}
    texts = {}
    for letter in OPTIONS.get(family, ""):
        for key in (letter, f"text{letter}", f"choice_{letter}", f"answer{letter}"):
            if key in row and row[key] is not None:
                texts[letter] = str(row[key])
                break
    return texts


def stater(family: str, sample: Any, abbr: str) -> Callable[[str], str]:
    """How a model states an answer to this family's prompt, the way its config asks."""
    from pytest_aisbench.datasets.mgsm import LANG_TO_ANSWER_PREFIX

    value = answer_value(family, sample)
    choice = is_choice(family, value)
    texts = option_texts(family, sample)
    boxed = "Step by step, the result follows.\nSo the final answer is $\\boxed{{{}}}$."
    if family in ("ARC_c", "ARC_e", "hellaswag") or (family in ("agieval", "custom") and choice):
        return "The answer is {}.".format
    if family in ("SuperGLUE_BoolQ", "mmlu", "race", "siqa"):
        return lambda v: f"{v}. {texts.get(v, '')}"
    if family in ("aime2024", "aime2025", "aime2026", "math", "agieval"):
        return boxed.format
    if family == "bbh":
        return lambda v: f"Let's think step by step.\nSo the answer is {f'({v})' if choice else v}."
    if family in ("ceval", "cmmlu"):
        return "让我们一步一步地思考。\n答案: {}".format
    if family == "dapo_math":
        return "Adding up, it is $\\boxed{{{0}}}$.\nAnswer: {0}".format
    if family == "drop":
        return "Counting in the passage.\nAnswer: {}".format
    if family == "gpqa":
        return "The correct answer is ({0}).\nAnswer: {0}".format
    if family == "gsm8k":
        return "Counting step by step.\nThe answer is {}".format
    if family == "lambada":
        return "{}.".format
    if family == "longbenchv2":
        return "The correct answer is ({})".format
    if family == "mgsm":
        word = LANG_TO_ANSWER_PREFIX[abbr.removeprefix("mgsm_")]
        return lambda v: f"3 + 4 = 7.\n{word}: {v}"
    if family == "mmlu_pro":
        if str(sample.reference).endswith("\n"):  # the 5-shot config asks for the option alone
            return "{}".format
        return "Let's think step by step.\nANSWER: {}".format
    if family in ("piqa", "winogrande"):
        return "Let me think it through.\nAnswer: {}".format
    if family == "triviaqa":
        return "The answer is {}.".format
    return "{}".format  # custom question-answer: the answer itself


def predictions(family: str, sample: Any, abbr: str) -> dict[str, str]:
    """The fixed set of answers (`KINDS`) for one sample; ``option_text`` only where the answer
    is an option letter."""
    value = answer_value(family, sample)
    wrong = wrong_value(family, value)
    state = stater(family, sample, abbr)
    texts = option_texts(family, sample)
    if re.fullmatch(r"-?\d+", value) and abs(int(value)) >= 1000:
        thousands = state(f"{int(value):,}")
    else:
        thousands = "Counting 1,000 grains first.\n" + state(value)
    made = {
        "right": state(value),
        "wrong": state(wrong),
        "bare": value,
        "cot": "Let's think step by step.\nFirst I read the passage, then I weigh each part of "
        "it in turn.\n" + state(value),
        "boxed": f"So the final answer is $\\boxed{{{value}}}$.",
        "paren": f"({value})",
        "answer_lower": f"Answer: {value.lower()}",
        "thousands": thousands,
        "empty": "",
        "step1": "Step 1: Add the given facts.\nStep 2: Compare them with the question.\n"
        + state(value),
        "step1_no_answer": "Step 1: Add the given facts.\nStep 2: Compare them with the question.",
        "unreadable": "Checking each one, I cannot tell.",
    }
    if is_choice(family, value) and texts.get(value):
        made["option_text"] = texts[value]
    if re.fullmatch(r"-?\d+", value):
        made["equivalent"] = state(f"{value}.0")
    elif value.startswith("\\frac"):
        made["equivalent"] = state(value.replace("\\frac", "\\dfrac", 1))
    return {kind: made[kind] for kind in KINDS if kind in made}


def ours(config: Any, sample: Any, prediction: str) -> tuple[bool, str | None]:
    """This project's verdict, reached by the engine's own scoring (`pytest_aisbench.scoring
    .score`) of a successful response holding `prediction`: right or not, and what was read."""
    from pytest_aisbench.models.output import RequestOutput
    from pytest_aisbench.scoring import score

    output = RequestOutput(success=True, content=prediction, finish_reason="stop")
    record = score("side-by-side", config, sample, output, None)
    return record.outcome == "correct", record.extracted


def wiring(entry: dict[str, Any]) -> str:
    """A dataset dict's scoring set-up: evaluator, postprocessors and their arguments."""

    def name(spec: Any) -> str:
        if not isinstance(spec, dict):
            return repr(spec)
        kind = spec.get("type")
        args = {k: v for k, v in spec.items() if k != "type"}
        return f"{getattr(kind, '__name__', kind)}{sorted(args.items())!r}"

    eval_cfg = entry.get("eval_cfg", {})
    return " | ".join(name(eval_cfg.get(k)) for k in
                      ("evaluator", "pred_postprocessor", "dataset_postprocessor"))  # fmt: skip


def chosen(family: str, entries: list[Any]) -> list[str]:
    """The abbrs scored of a config file's dataset dicts."""
    if family in ALL_SUBSETS:
        return [e.entry.get("abbr") for e in entries]
    seen: Counter[str] = Counter()
    picked = []
    for e in entries:
        key = wiring(e.entry)
        if seen[key] < SUBSETS_PER_WIRING:
            picked.append(e.entry.get("abbr"))
        seen[key] += 1
    return picked


def custom_files(data: Path) -> dict[str, Path]:
    """The custom family's files: the two its configs name, and three for the command-line
    path: multiple choice, question-answer without answers, and multiple choice drawn by a
    ``.meta.json`` (``sampling_mode: shuffle``)."""
    folder = data / "custom"
    folder.mkdir(parents=True, exist_ok=True)
    capitals = [("France", "Paris", "Lyon", "Nice", "A"), ("Italy", "Milan", "Rome", "Turin", "B"),
                ("Japan", "Osaka", "Kyoto", "Tokyo", "C")]  # fmt: skip
    mcq = [{"question": f"What is the capital of {c}?", "A": a, "B": b, "C": cc, "answer": ans}
           for c, a, b, cc, ans in capitals]  # fmt: skip
    qa = [{"question": f"What is the capital of {c}?", "answer": {"A": a, "B": b, "C": cc}[ans]}
          for c, a, b, cc, ans in capitals]  # fmt: skip
    numbers = []  # the right count moves from A to B to C
    for n in range(1, 7):
        texts = [str(6 * n), str(8 * n + 2)]
        texts.insert(n % 3, str(8 * n))
        numbers.append(
            {
                "question": f"How many legs have {n} spiders?",
                **dict(zip("ABC", texts, strict=True)),
                "answer": "ABC"[n % 3],
            }
        )
    files = {
        "mcq": folder / "mcq.jsonl",
        "qa": folder / "qa.jsonl",
        "cli_mcq": folder / "cli_capitals.jsonl",
        "cli_qa_no_answers": folder / "cli_open.jsonl",
        "cli_shuffled": folder / SHUFFLED,
    }
    rows = {"mcq": mcq, "qa": qa, "cli_mcq": mcq, "cli_shuffled": numbers,
            "cli_qa_no_answers": [{"question": r["question"]} for r in qa]}  # fmt: skip
    for key, file in files.items():
        file.write_text("".join(json.dumps(r) + "\n" for r in rows[key]), encoding="utf-8")
    (folder / f"{SHUFFLED}.meta.json").write_text(
        json.dumps({"sampling_mode": "shuffle", "request_count": len(numbers)}), encoding="utf-8"
    )
    return files


def write_inputs(package: Path, families: Iterable[str], work: Path) -> tuple[Path, Path]:
    """The renamed config tree and the datasets folder (each family's fixture)."""
    sys.path.insert(0, str(REPO / "tests"))
    from dataset_fixtures import FIXTURES

    from pytest_aisbench.datasets.config_files import read_dataset_file
    from pytest_aisbench.errors import ConfigError

    tree, data = work / "configs", work / "data"
    source = package / "configs" / "datasets"
    for family in families:
        for file in sorted((source / family).glob("*.py")):
            target = tree / family / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = file.read_text(encoding="utf-8")
            target.write_text(text.replace("ais_bench.benchmark", "pytest_aisbench"), "utf-8")
    for family in families:
        if family == "custom":
            custom_files(data)
            continue
        subsets: set[str] = set()
        for file in sorted((tree / family).glob("*.py")):
            try:
                entries = read_dataset_file(file)
            except ConfigError:
                continue
            for e in entries:
                subsets.add(e.entry.get("name") or e.entry.get("category")
                            or Path(e.entry["path"]).stem)  # fmt: skip
        FIXTURES[family](data, subsets)
        if family == "SuperGLUE_BoolQ":
            boolq_string_labels(data / "SuperGLUE" / "BoolQ" / "val.jsonl")
    return tree, data


def boolq_string_labels(file: Path) -> None:
    """BoolQ's labels as the strings ``"true"``/``"false"``, the only form AISBench's
    ``BoolQDatasetV2`` reads (OpenCompass's copy of the data); the shared fixture writes the
    original release's JSON booleans, which AISBench stops on with a KeyError and this project
    reads either way."""
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        if isinstance(row["label"], bool):
            row["label"] = "true" if row["label"] else "false"
    file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def plan(package: Path, families: list[str], tree: Path, data: Path) -> tuple[
    list[Job], list[Case], dict[str, list[str]]
]:  # fmt: skip
    """Every job for AISBench, every prediction scored here, and per family the files left out
    with the reason."""
    from pytest_aisbench.datasets import DatasetCatalog
    from pytest_aisbench.datasets.config_files import read_dataset_file
    from pytest_aisbench.errors import ConfigError

    jobs: list[Job] = []
    cases: list[Case] = []
    skipped: dict[str, list[str]] = defaultdict(list)

    def add(job: Job, configs: list[Any], catalog: Any, abbrs: list[str]) -> None:
        for config in configs:
            if config.abbr not in abbrs:
                continue
            kinds: dict[str, list[str]] = defaultdict(list)
            for sample in catalog.samples(config)[:ROWS]:
                made = predictions(job.family, sample, config.abbr)
                for kind in KINDS:
                    # a kind one sample lacks (an option's text) is left out for the dataset
                    text = cut(made.get(kind, made["right"]), config.stop_words)
                    kinds[kind].append(text)
                    correct, extracted = ours(config, sample, text)
                    if kind in made:
                        cases.append(Case(job.family, job.id, config.abbr, sample.index, kind,
                                          text, sample.reference, correct, extracted))  # fmt: skip
            job.abbrs[config.abbr] = {"kinds": dict(kinds)}
        jobs.append(job)

    for family in families:
        for file in sorted((tree / family).glob("*.py")):
            label = f"{family}/{file.name}"
            catalog = DatasetCatalog([tree], data)
            try:
                entries = read_dataset_file(file)
                configs = catalog.configs(file.stem)
            except ConfigError as exc:
                skipped[family].append(f"{file.name}: {short_reason(str(exc))}")
                continue
            job = Job(label, family, label, {"file": str(package / "configs" / "datasets" / label)})
            add(job, configs, catalog, chosen(family, entries))
        if family == "custom":
            files = custom_files(data)
            for key in ("cli_mcq", "cli_qa_no_answers", "cli_shuffled"):
                catalog = DatasetCatalog([tree], data)
                path = files[key]
                configs = catalog.custom(path)
                label = f"custom --custom-dataset-path {path.name}"
                job = Job(label, family, label, {"custom_path": str(path)})
                add(job, configs, catalog, [c.abbr for c in configs])
    return jobs, cases, skipped


def cut(text: str, stop_words: tuple[str, ...]) -> str:
    """The text as a server that stops at the config's stop words returns it."""
    from pytest_aisbench.scoring import cut_at_stop_words

    return cut_at_stop_words(text, stop_words)


def short_reason(message: str) -> str:
    """Why a config file is not scored, in a few words."""
    if "PPLInferencer" in message:
        return "likelihood (PPL) config, not a generation one"
    if "LLM judge" in message:
        return "needs an LLM judge"
    if "defines no list" in message:
        return "helper module, no dataset list"
    if "failed to import" in message:
        return "broken in AISBench itself: " + message.strip().splitlines()[-1][:120]
    return message[:160]


# -- comparison and report ----------------------------------------------------------------------


@dataclass
class Verdict:
    """One disagreement and its reason (`EXPLAINED` key, or ``UNEXPLAINED``)."""

    case: Case
    theirs: dict[str, Any]
    reason: str
    note: str


def same(a: Any, b: Any) -> bool:
    """Two references compare equal once both are JSON."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def reading(theirs: dict[str, Any]) -> Any:
    """What AISBench read as the answer: its evaluator's ``parsed`` where it parses (custom
    multiple choice), else the pred_postprocessor's output."""
    detail = theirs.get("detail") or {}
    return detail["parsed"] if "parsed" in detail else theirs.get("extracted")


def classify(case: Case, theirs: dict[str, Any], error: str) -> tuple[str, str]:
    """The reason of a disagreement, from AISBench's evidence."""
    if error:
        if case.family == "custom" and "tuple" in error:
            return "custom qa tuple", error
        return "UNEXPLAINED", f"AISBench failed: {error}"
    if case.job.endswith(SHUFFLED) and not same(theirs.get("reference"), case.reference):
        return "unseeded draws", (
            f"AISBench's row {case.index} has the reference {theirs.get('reference')!r}, "
            f"this project's {case.reference!r}"
        )
    evidence = theirs.get("evidence", [])
    read = f"AISBench read {reading(theirs)!r}"
    if "1. trap" in evidence:
        return "1. trap", read
    if "Levenshtein guess" in evidence:
        return "Levenshtein guess", read
    for item in evidence:
        if item.startswith("cushion inside a word"):
            return "cushion inside a word", item.removeprefix("cushion inside a word: ")
    if case.ours_correct and any(
        str(theirs.get("extracted")) == number.rsplit(",", 1)[1]
        for number in re.findall(r"\d{1,3}(?:,\d{3})+", case.prediction)
    ):
        return "thousands separator", read
    return "UNEXPLAINED", ""


def compare(cases: list[Case], response: dict[str, Any]) -> tuple[
    dict[str, Counter[str]], list[Verdict], dict[str, int]
]:  # fmt: skip
    """Per family: agreed and total counts, the disagreements, the reference mismatches."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    verdicts: list[Verdict] = []
    ref_mismatch: dict[str, int] = Counter()
    for case in cases:
        result = response.get(case.job, {}).get(case.abbr, {})
        error = result.get("error", "")
        theirs: dict[str, Any] = {}
        if not error:
            samples = result["kinds"].get(case.kind, [])
            theirs = samples[case.index] if case.index < len(samples) else {}
            if not theirs:
                error = f"no AISBench result for row {case.index}"
        counts[case.family]["total"] += 1
        if theirs and not same(theirs.get("reference"), case.reference):
            ref_mismatch[case.family] += 1
        if not error and theirs["correct"] == case.ours_correct:
            counts[case.family]["agreed"] += 1
            continue
        reason, note = classify(case, theirs, error)
        counts[case.family][reason] += 1
        verdicts.append(Verdict(case, theirs, reason, note))
    return counts, verdicts, ref_mismatch


def verdict_line(v: Verdict) -> str:
    """One disagreement, readable."""
    c = v.case
    theirs = "error" if not v.theirs else ("correct" if v.theirs["correct"] else "incorrect")
    mine = "correct" if c.ours_correct else ("no_answer" if c.ours_extracted is None
                                             else "incorrect")  # fmt: skip
    extracted = f" (read {reading(v.theirs)!r})" if v.theirs else ""
    return (
        f"  - {c.job} {c.abbr}[{c.index}] {c.kind}: {c.prediction!r}\n"
        f"      AISBench {theirs}{extracted}, this project {mine} (read {c.ours_extracted!r}); "
        f"reference {c.reference!r}\n      -> {v.reason}" + (f": {v.note}" if v.note else "")
    )


def report(
    families: list[str],
    counts: dict[str, Counter[str]],
    verdicts: list[Verdict],
    ref_mismatch: dict[str, int],
    skipped: dict[str, list[str]],
    jobs: list[Job],
) -> str:
    """The per-family sections and the summary table."""
    out = []
    by_family: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts:
        by_family[v.case.family].append(v)
    for family in families:
        c = counts[family]
        out.append(f"\n== {family}: {c['agreed']}/{c['total']} agree")
        files = [j for j in jobs if j.family == family]
        for j in files:
            out.append(f"   scored: {j.label} ({len(j.abbrs)} dataset(s))")
        for reason in skipped.get(family, []):
            out.append(f"   not scored: {reason}")
        if ref_mismatch.get(family):
            out.append(f"   references differing between the two loaders: {ref_mismatch[family]}")
        for v in by_family[family]:
            out.append(verdict_line(v))
    out.append("\n== why the explained differences differ")
    for reason, why in EXPLAINED.items():
        out.append(f"- {reason}: {why}")
    out.append("\n== where AISBench was found wrong")
    for reason, why in AISBENCH_WRONG.items():
        out.append(f"- {reason}: {why}")
    out.append("\n| family | agreed/total | explained differences | unexplained |")
    out.append("|---|---|---|---|")
    totals: Counter[str] = Counter()
    for family in families:
        c = counts[family]
        totals.update(c)
        explained = reasons(c)
        out.append(f"| {family} | {c['agreed']}/{c['total']} | {explained or '-'} | "
                   f"{c['UNEXPLAINED']} |")  # fmt: skip
    explained = reasons(totals)
    out.append(f"| **all** | {totals['agreed']}/{totals['total']} | {explained} | "
               f"{totals['UNEXPLAINED']} |")  # fmt: skip
    return "\n".join(out)


def reasons(counts: Counter[str]) -> str:
    """The explained differences of a row: each reason and its count, AISBench's errors marked."""
    return ", ".join(
        f"{k} {n}" + (" (AISBench wrong)" if k in AISBENCH_WRONG else "")
        for k, n in sorted(counts.items())
        if k in REASONS
    )


def aisbench_package(python: Path) -> Path:
    """The installed ``ais_bench/benchmark`` folder of the AISBench venv."""
    code = "import ais_bench.benchmark as b, os; print(os.path.dirname(b.__file__))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    """Run both sides and print the comparison; 1 when a disagreement is unexplained."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated")
    parser.add_argument("--aisbench-python", type=Path, default=AISBENCH_PYTHON)
    parser.add_argument("--json", type=Path, help="write every case and verdict here")
    parser.add_argument("--keep", type=Path, help="keep the configs, data and JSON here")
    parser.add_argument("--aisbench-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.aisbench_child:
        aisbench_child(*args.aisbench_child)
        return 0
    started = time.monotonic()
    families = [f for f in args.families.split(",") if f]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; known: {', '.join(FAMILIES)}")
    if not args.aisbench_python.exists():
        print(f"no AISBench venv at {args.aisbench_python}: run {INSTALL}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    package = aisbench_package(args.aisbench_python)
    if (
        "math" in families
        and subprocess.run(
            [str(args.aisbench_python), "-c", "import math_verify, latex2sympy2_extended"],
            capture_output=True,
        ).returncode
    ):
        pip = args.aisbench_python.parent / "pip"
        print(f"AISBench's math500 config needs math-verify: {pip} install '{MATH_VERIFY}'",
              file=sys.stderr)  # fmt: skip
        return 2
    work = Path(tempfile.mkdtemp(prefix="side_by_side_")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        tree, data = write_inputs(package, families, work)
        jobs, cases, skipped = plan(package, families, tree, data)
        ours_done = time.monotonic()
        request, response_file = work / "request.json", work / "response.json"
        request.write_text(json.dumps({"jobs": [{"id": j.id, **j.request, "abbrs": j.abbrs}
                                                for j in jobs]}), encoding="utf-8")  # fmt: skip
        cache = work / "aisbench_cache"  # AISBench reads ais_bench/datasets/X under it
        (cache / "ais_bench").mkdir(parents=True, exist_ok=True)
        link = cache / "ais_bench" / "datasets"
        if not link.exists():
            link.symlink_to(data.resolve())
        env = {**os.environ, "AIS_BENCH_DATASETS_CACHE": str(cache)}
        child = subprocess.run(
            [str(args.aisbench_python), str(Path(__file__).resolve()), "--aisbench-child",
             str(request), str(response_file)],
            env=env, capture_output=True, text=True, cwd=work,
        )  # fmt: skip
        if child.returncode != 0:
            print(child.stdout[-3000:], child.stderr[-6000:], sep="\n", file=sys.stderr)
            return 2
        response = json.loads(response_file.read_text(encoding="utf-8"))
        counts, verdicts, ref_mismatch = compare(cases, response)
        print(
            "AISBench's scoring (ais-bench-benchmark, in "
            f"{args.aisbench_python.parent.parent}) beside pytest-aisbench's, on "
            f"{len(cases)} predictions: {', '.join(KINDS)}"
        )
        for note in NOTES:
            print(f"- {note}")
        print(report(families, counts, verdicts, ref_mismatch, skipped, jobs))
        took = time.monotonic() - started
        print(f"\n{took:.0f} s (this project's side {ours_done - started:.0f} s, AISBench's "
              f"{took - (ours_done - started):.0f} s)")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps({
                "cases": [vars(c) for c in cases],
                "verdicts": [{**vars(v.case), "aisbench": v.theirs, "reason": v.reason,
                              "note": v.note} for v in verdicts],
            }, default=str, indent=1), encoding="utf-8")  # fmt: skip
        return 1 if any(v.reason == "UNEXPLAINED" for v in verdicts) else 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
