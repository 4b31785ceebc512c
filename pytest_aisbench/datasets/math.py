"""MATH (Hendrycks et al.): competition problems whose reference is the last ``\\boxed{...}`` of
the worked solution, from OpenCompass's ``math/math.json`` or ``math/test_prm800k_500.json``
(MATH500): one JSON object mapping an id to ``{"problem", "solution", ...}``.

The scoring here is AISBench's ``datasets.math`` one, by string normalisation (Hendrycks'
``is_equiv`` and Minerva's ``normalize_final_answer``), not ``math_verify``:
`MATHEvaluator(version='v1'|'v2')` and `math_postprocess_v2`, which the MATH500 and AIME configs
use. Every rewriting step is kept in AISBench's order, since the order decides what matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from pytest_aisbench.datasets.base import BaseDataset, Splits
from pytest_aisbench.datasets.files import read_json
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import (
    BaseEvaluator,
    length_mismatch,
    right_or_wrong,
)
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS

BOXED = "\\boxed{"


def last_boxed_only_string(string: str) -> str | None:
    """The last ``\\boxed{...}`` (else ``\\fbox...``) of `string` with its balanced braces, or
    None when there is none or its braces never close."""
    start = string.rfind("\\boxed")
    if start < 0:
        start = string.rfind("\\fbox")
        if start < 0:
            return None
    return braced_from(string, start)


def braced_from(string: str, start: int) -> str | None:
    """`string` from `start` up to the brace that closes the first ``{`` after it (a box with
    its balanced content), or None when no brace closes it."""
    depth = 0
    for end in range(start, len(string)):
        if string[end] == "{":
            depth += 1
        elif string[end] == "}":
            depth -= 1
            if depth == 0:
                return string[start : end + 1]
    return None


def remove_boxed(s: str | None) -> str | None:
    """What is inside ``\\boxed{...}``; None for anything else (``\\fbox{}`` included).

    AISBench raises its own error here for a string that is not ``\\boxed{...}``, outside the
    exceptions it catches, so a ``\\fbox`` answer stopped its evaluation; OpenCompass returns
    None, as this does."""
    if not isinstance(s, str) or not (s.startswith(BOXED) and s.endswith("}")):
        return None
    return s[len(BOXED) : -1]


def extract_boxed_answer(pred_str: str, strip_double_curly_brace: bool = False) -> str | None:
    """The content of the last ``\\boxed{}``; with `strip_double_curly_brace`, ``{x}`` -> ``x``."""
    answer = remove_boxed(last_boxed_only_string(pred_str))
    if answer is not None and strip_double_curly_brace:
        match = re.match(r"^\{(.*)\}$", answer)
        if match:
            answer = match.group(1)
    return answer


# Minerva's normalisation (normalize_final_answer): literal rewrites, then removals, then the
# regular expressions below, each in this order
_MINERVA_REWRITES = (
    ("an ", ""),
    ("a ", ""),
    (".$", "$"),
    ("\\$", ""),
    ("\\ ", ""),
    (" ", ""),
    ("mbox", "text"),
    (",\\text{and}", ","),
    ("\\text{and}", ","),
    ("\\text{m}", "\\text{}"),
    ("\\le", "<"),
)
_MINERVA_REMOVALS = (
    *("square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units"),
    *("\\ldots", "sue", "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm"),
    *("pounds", "meters", "meals", "edges", "students", "childrentickets", "multiples"),
    *("\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}"),
    *("\\text{}", "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", '"', "\\dots"),
    *("\n", "\r", "\f"),
)
_MINERVA_UNWRAP = tuple(
    re.compile(p)
    for p in (
        r"(\\text\{)\((.*?)\)(\})",
        r"(\\text\{)(.*?)(\})",
        r"(\\textbf\{)(.*?)(\})",
        r"(\\overline\{)(.*?)(\})",
        r"(\\boxed\{)(.*)(\})",
    )
)
_MINERVA_LAST_OF = tuple(
    re.compile(p)
    for p in (r"finalansweris(.*)", r"answer?is:?(.*)", r"oxed\{(.*?)\}", r"\$(.*?)\$")
)


def normalize_final_answer(final_answer: str) -> str:
    """Minerva's normalisation of a final answer: units, words and TeX wrappers removed,
    shorthand ``\\frac12`` and ``\\sqrt2`` spelled out, ``100,000`` -> ``100000``."""
    text = final_answer
    for old, new in _MINERVA_REWRITES:
        text = text.replace(old, new)
    for removed in _MINERVA_REMOVALS:
        text = text.replace(removed, "")
    for pattern in _MINERVA_UNWRAP:
        text = pattern.sub(r"\2", text)
    for pattern in _MINERVA_LAST_OF:
        found = pattern.findall(text)
        if found:
            text = found[-1]
    text = text.strip()
    if "rac" in text and "\\frac" not in text:
        text = text.replace("rac", "\\frac")
    text = re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", text)
    text = re.sub(r"(sqrt)([^{])", "sqrt{\\2}", text)
    text = text.replace("$", "")
    if text.replace(",", "").isdigit():
        text = text.replace(",", "")
    return text


ANSWER_PATTERN = r"(?i)ANSWER\s*:\s*([^\n]+)"


def extract_answer(response_text: str) -> str:
    """The rest of the line after the first ``Answer:``; ``''`` when there is none."""
    match = re.search(ANSWER_PATTERN, response_text)
    return match.group(1) if match else ""


@LOAD_DATASET.register_module()
class MATHDataset(BaseDataset):
    """Splits ``test`` and ``train`` (the same rows: the 5-shot config takes its shots from the
    test set, as AISBench's does): ``problem`` and ``solution`` (the last boxed answer of the
    worked solution, None when it has none)."""

    @staticmethod
    def load(path: str, file_name: str = "math.json", **kwargs: Any) -> Splits:  # type: ignore[override]
        """The rows of `file_name` in the folder `path`, in the file's key order."""
        file = Path(path) / file_name
        data = read_json(file)
        if not isinstance(data, dict):
            raise DatasetError(
                f"{file.absolute()}: expected one JSON object mapping ids to problems, "
                f"got {type(data).__name__}"
            )
        rows = []
        for key, item in data.items():
            if not isinstance(item, dict) or "problem" not in item or "solution" not in item:
                found = ", ".join(map(repr, item)) if isinstance(item, dict) else type(item)
                raise DatasetError(
                    f"{file.absolute()}: entry {key!r} has no 'problem' and 'solution'; "
                    f"found: {found}"
                )
            rows.append(
                {"problem": item["problem"], "solution": extract_boxed_answer(item["solution"])}
            )
        return {"test": rows, "train": [dict(row) for row in rows]}


@TEXT_POSTPROCESSORS.register_module("math_postprocess")
def math_postprocess(text: str) -> str:
    """The first sentence that says "final answer" (else the first sentence), normalised."""
    sentences = text.split(".")
    chosen = next((s for s in sentences if "final answer" in s.lower()), sentences[0])
    return normalize_final_answer(chosen)


@TEXT_POSTPROCESSORS.register_module("math_judement_preprocess")
def math_judement_preprocess(text: str) -> str:
    """The text after ``Answer:``, for a judge (AISBench's name, misspelling included)."""
    return extract_answer(text)


@TEXT_POSTPROCESSORS.register_module("math_postprocess_v2")
def math_postprocess_v2(text: str) -> str:
    """The last boxed answer; else the first sentence saying "final answer" or "answer is"
    (else the first sentence), normalised."""
    boxed = extract_boxed_answer(text, strip_double_curly_brace=True)
    if boxed:
        return boxed
    sentences = text.split(".")
    chosen = next(
        (s for s in sentences if re.search("final answer|answer is", s.lower())), sentences[0]
    )
    return normalize_final_answer(chosen)


class Unnormalisable(ValueError):
    """A string Hendrycks' normalisation cannot read: MATH's evaluator then tries Minerva's,
    AGIEval's compares the answers as written."""


def _fix_fracs(string: str, strict: bool = False) -> str:
    """``\\frac12`` -> ``\\frac{1}{2}``, ``\\frac1{2}`` -> ``\\frac{1}{2}``; a ``\\frac`` with
    less than two characters after it leaves the whole string as it was, except that with
    `strict` (AGIEval's copy of the code, which reads the first character unchecked) nothing
    after it is `Unnormalisable`."""
    head, *parts = string.split("\\frac")
    out = [head]
    for part in parts:
        out.append("\\frac")
        if part.startswith("{"):
            out.append(part)
        elif strict and not part:
            raise Unnormalisable(string)
        elif len(part) < 2:
            return string
        elif part[1] != "{":
            out.append("{" + part[0] + "}{" + part[1] + "}" + part[2:])
        else:
            out.append("{" + part[0] + "}" + part[1:])
    return "".join(out)


def _fix_a_slash_b(string: str) -> str:
    """``3/4`` -> ``\\frac{3}{4}`` when both sides are integers written plainly."""
    parts = string.split("/")
    if len(parts) != 2:
        return string
    try:
        a, b = int(parts[0]), int(parts[1])
    except ValueError:
        return string
    if string != f"{a}/{b}":
        return string
    return "\\frac{" + str(a) + "}{" + str(b) + "}"


def _remove_right_units(string: str) -> str:
    """Drop a trailing ``\\text{ unit}``; two of them is not comparable."""
    if "\\text{ " not in string:
        return string
    parts = string.split("\\text{ ")
    if len(parts) != 2:
        raise Unnormalisable(string)
    return parts[0]


def _fix_sqrt(string: str) -> str:
    """``\\sqrt3`` -> ``\\sqrt{3}`` (one character); a bare trailing ``\\sqrt`` is not
    comparable."""
    head, *parts = string.split("\\sqrt")
    out = [head]
    for part in parts:
        if not part:
            raise Unnormalisable(string)
        out.append("\\sqrt" + (part if part[0] == "{" else "{" + part[0] + "}" + part[1:]))
    return "".join(out)


def _fix_sqrt_v2(string: str) -> str:
    """``\\sqrt3x`` -> ``\\sqrt{3x}`` (a whole word)."""
    return re.sub(r"\\sqrt(\w+)", r"\\sqrt{\1}", string)


def _drop_short_lhs(string: str) -> str:
    """``k = 5`` -> `` 5``: one ``=`` with at most two characters before it."""
    sides = string.split("=")
    if len(sides) == 2 and len(sides[0]) <= 2:
        return sides[1]
    return string


def _replace_all(string: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        string = string.replace(old, new)
    return string


_V1_TEX = (
    ("\n", ""),
    ("\\!", ""),
    ("\\\\", "\\"),
    ("tfrac", "frac"),
    ("dfrac", "frac"),
    ("\\left", ""),
    ("\\right", ""),
    ("^{\\circ}", ""),
    ("^\\circ", ""),
    ("\\$", ""),
)


def strip_string(string: str, strict_fracs: bool = False) -> str:
    """Hendrycks' normalisation (MATH's v1, and AGIEval's with `strict_fracs`, see
    `_fix_fracs`); raises `Unnormalisable` for a string it cannot read."""
    string = _remove_right_units(_replace_all(string, _V1_TEX))
    string = _replace_all(string, (("\\%", ""), (" .", " 0."), ("{.", "{0.")))
    if not string:
        return string
    if string[0] == ".":
        string = "0" + string
    string = _fix_sqrt(_drop_short_lhs(string)).replace(" ", "")
    string = _fix_fracs(string, strict_fracs)
    if string == "0.5":
        string = "\\frac{1}{2}"
    return _fix_a_slash_b(string)


_V2_TEX = (
    ("\\!", ""),
    ("\\ ", ""),
    ("\\\\", "\\"),
    ("\\\\", "\\"),
    ("tfrac", "frac"),
    ("dfrac", "frac"),
    ("\\left", ""),
    ("\\right", ""),
)
_V2_SYMBOLS = (
    ("^{\\circ}", ""),
    ("^\\circ", ""),
    ("\\$", ""),
    ("$", ""),
    ("\\text", ""),
    ("x\\in", ""),
    ("\\%", ""),
    ("%", ""),
    (" .", " 0."),
    ("{.", "{0."),
    ("\\cdot", ""),
    ("infinity", "\\infty"),
)


def _strip_string_v2(value: object) -> str:
    """The broader normalisation (v2): also ``$``, ``\\text``, ``\\cdot``, ``%``, trailing
    ``.0``, ``inf``, ``and``, ``\\mbox{...}`` and ``j`` for ``i``."""
    string = str(value).strip().replace("\n", "").rstrip(".")
    string = _replace_all(string, _V2_TEX)
    unitless = re.sub(r"\\text{.*?}$", "", string).strip()
    if unitless not in ("", string):
        string = unitless
    string = _replace_all(string, _V2_SYMBOLS)
    if "\\infty" not in string:
        string = string.replace("inf", "\\infty")
    string = _replace_all(string, (("+\\inity", "\\infty"), ("and", ""), ("\\mathbf", "")))
    string = re.sub(r"\\mbox{.*?}", "", string)
    # (AISBench's quote removal here discards its result: quotes stay)
    if "j" in string and "i" not in string:
        string = string.replace("j", "i")
    string = re.sub(r"(\d+)\.0+([^\d])", r"\1\2", string)
    string = re.sub(r"(\d+)\.0+$", r"\1", string)
    if not string:
        return string
    if string[0] == ".":
        string = "0" + string
    string = _fix_sqrt_v2(_drop_short_lhs(string)).replace(" ", "")
    return _fix_a_slash_b(_fix_fracs(string))


@ICL_EVALUATORS.register_module()
class MATHEvaluator(BaseEvaluator):
    """Equivalence of answers by normalised strings (`version` picks v1 or v2 normalisation)."""

    VERSIONS: ClassVar[dict[str, Callable[[Any], str]]] = {
        "v1": strip_string,
        "v2": _strip_string_v2,
    }

    def __init__(self, version: str = "v1") -> None:
        if version not in self.VERSIONS:
            raise ConfigError(f"MATHEvaluator version must be 'v1' or 'v2', got {version!r}")
        self.version = version

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``accuracy`` in percent and per-sample ``details`` with ``correct``."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        correct = [self.is_equiv(p, r) for p, r in zip(predictions, references, strict=True)]
        return right_or_wrong(predictions, references, correct)

    def is_equiv(self, str1: Any, str2: Any, verbose: bool = False) -> bool:
        """Equal after the version's normalisation, or after that and Minerva's, or after
        Minerva's alone, or as given. Two Nones are equal; one None is not."""
        if str1 is None or str2 is None:
            return str1 is None and str2 is None
        strip = self.VERSIONS[self.version]
        try:
            ss1, ss2 = strip(str1), strip(str2)
            if ss1 == ss2 or normalize_final_answer(ss1) == normalize_final_answer(ss2):
                return True
        except Exception:  # AISBench: a string a step cannot take is compared further down
            pass
        try:
            if normalize_final_answer(str1) == normalize_final_answer(str2):
                return True
        except Exception:  # not a string (an int reference): compared as given
            pass
        return bool(str1 == str2)
