"""Answer extraction from a prediction's text (AISBench path:
``ais_bench.benchmark.utils.postprocess.text_postprocessors``).

A dataset config names these in ``eval_cfg.pred_postprocessor=dict(type=fn, **kwargs)``, as the
function itself or as a registry string; each is registered in `TEXT_POSTPROCESSORS` under
AISBench's registry name (``'first-capital'``) where it has one, and under its own name.

Same names, signatures and results as AISBench, except where AISBench's extraction guesses
(``first_option_postprocess``'s ``1.`` pattern) or reports a miss as an answer
(``'NO ANSWER FOUND'``): this project then finds nothing (``''``), the harness records
``no_answer`` and the text is kept. Each deviation is in the function's docstring. A call
with a missing or unknown keyword (a config's ``options`` left out) raises `ConfigError`
naming the function and the key.
"""

# ruff: noqa: RUF001 (the Chinese patterns match full-width commas and colons on purpose)
from __future__ import annotations

import functools
import inspect
import re
from ast import literal_eval
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.registry import TEXT_POSTPROCESSORS

P = ParamSpec("P")
R = TypeVar("R")


def _postprocessor(*aliases: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Check a call's keywords and register the function under `aliases` and its own name.

    The check costs nothing on a good call: the signature is bound only after a `TypeError`,
    to tell a config's bad keyword (`ConfigError`) from a bug inside the function (re-raised).
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except TypeError:
                _check_call(fn.__name__, signature, args, kwargs)
                raise

        for name in (*aliases, fn.__name__):
            TEXT_POSTPROCESSORS.register_module(name=name, module=call)
        return call

    return decorate


def _check_call(
    name: str, signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Raise `ConfigError` on the first keyword the call lacks or should not have."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        params = signature.parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        unknown = [] if takes_any else [k for k in kwargs if k not in params]
        given = set(list(params)[: len(args)]) | set(kwargs)
        missing = [
            k
            for k, p in params.items()
            if p.default is inspect.Parameter.empty
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            and k not in given
        ]
        if unknown:
            key, problem = unknown[0], "is not a keyword it takes"
        elif missing:
            key, problem = missing[0], "is required and missing"
        else:
            key, problem = "", str(exc)
        raise ConfigError(
            f"{problem}; it is called as {name}({_plain(signature)}) (set the keywords in the "
            "config's pred_postprocessor=dict(type=..., ...))",
            source=f"text postprocessor {name}",
            key=key,
        ) from None


def _plain(signature: inspect.Signature) -> str:
    """A signature as a config writer reads it: ``text, options, cushion=True``."""
    parts = []
    for p in signature.parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.kind is inspect.Parameter.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
        elif p.default is inspect.Parameter.empty:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={p.default!r}")
    return ", ".join(parts)


def _option_class(name: str, options: Any) -> str:
    """`options` as a regex character class body; a config's bad value is a `ConfigError`."""
    if not isinstance(options, str) or not options:
        raise ConfigError(
            f"must be a non-empty string of option letters such as 'ABCD', got {options!r}",
            source=f"text postprocessor {name}",
            key="options",
        )
    return "".join(re.escape(c) for c in options)


@_postprocessor("general")
def general_postprocess(text: str) -> str:
    """The first clause, without punctuation, English articles or repeated spaces: short
    answers compared as words (TriviaQA, LAMBADA, DROP)."""
    first = re.split(r"[\n.,]", text, maxsplit=1)[0]
    words = re.sub(r"[^\w\s]", "", first)
    words = re.sub(r"\b(a|an|the)\b", "", words, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", words).strip()


@_postprocessor("general_cn")
def general_cn_postprocess(text: str) -> str:
    """`general_postprocess`, then the words as jieba segments them, space-separated.

    Deviation: AISBench computes the cleaned text, then segments the *original* text
    (``jieba.cut(text)``), so its cleaning does nothing; here the cleaned text is segmented, as
    the function's steps intend. Needs ``jieba`` (``pip install 'pytest-aisbench[zh]'``).
    """
    return " ".join(jieba_cut(general_postprocess(text)))


def jieba_cut(text: str) -> list[str]:
    """Chinese word segments of `text`; a missing jieba is a `ConfigError` naming the extra."""
    import warnings

    try:
        with warnings.catch_warnings():  # jieba imports pkg_resources, deprecated
            warnings.simplefilter("ignore", category=UserWarning)
            warnings.simplefilter("ignore", category=DeprecationWarning)
            import jieba
    except ImportError:
        raise ConfigError(
            "Chinese word segmentation needs jieba: pip install 'pytest-aisbench[zh]'"
        ) from None
    jieba.setLogLevel(30)  # its "Building prefix dict" lines are not the user's business
    return list(jieba.cut(text))


@_postprocessor("first-capital")
def first_capital_postprocess(text: str) -> str:
    """The first uppercase character ('' if none): an option letter answered bare."""
    return next((c for c in text if c.isupper()), "")


@_postprocessor("last-capital")
def last_capital_postprocess(text: str) -> str:
    """The last uppercase character ('' if none): the letter after a few-shot chain."""
    return next((c for c in reversed(text) if c.isupper()), "")


_OPTION_PATTERNS = (
    # Chinese phrasings of "the answer is X"
    r"答案是?\s*(@)",
    r"答案是?\s*：\s*(@)",
    r"答案是?\s*:\s*(@)",
    r"答案选项应?该?是\s*(@)",
    r"答案选项应?该?为\s*(@)",
    r"答案应该?是\s*(@)",
    r"答案应该?选\s*(@)",
    r"答案选项为?\s*：\s*(@)",
    r"答案选项为?\s+\(?\*?\*?(@)\*?\*?\)?",
    r"答案选项是?\s*:\s*(@)",
    r"答案为\s*(@)",
    r"答案选\s*(@)",
    r"选择?\s*(@)",
    r"故选?\s*(@)",
    r"只有选?项?\s?(@)\s?是?对",
    r"只有选?项?\s?(@)\s?是?错",
    r"只有选?项?\s?(@)\s?不?正确",
    r"只有选?项?\s?(@)\s?错误",
    r"说法不?对选?项?的?是\s?(@)",
    r"说法不?正确选?项?的?是\s?(@)",
    r"说法错误选?项?的?是\s?(@)",
    r"(@)\s?是正确的",
    r"(@)\s?是正确答案",
    r"选项\s?(@)\s?正确",
    r"所以答\s?(@)",
    r"所以\s?(@[.。$]?$)",
    r"所有\s?(@[.。$]?$)",
    r"[\s，：:,](@)[。，,\.]?$",
    r"[\s，,：:][故即](@)[。\.]?$",
    r"[\s，,：:]因此(@)[。\.]?$",
    r"[是为。]\s?(@)[。\.]?$",
    r"因此\s?(@)[。\.]?$",
    r"显然\s?(@)[。\.]?$",
    r"答案是\s?(\S+)(?:。|$)",
    r"答案应该是\s?(\S+)(?:。|$)",
    r"答案为\s?(\S+)(?:。|$)",
    # English phrasings
    r"(?i)ANSWER\s*:\s*(@)",
    r"[Tt]he answer is:?\s+\(?(@)\)?",
    r"[Tt]he answer is:?\s+\(?\*?\*?(@)\*?\*?\)?",
    r"[Tt]he answer is option:?\s+\(?(@)\)?",
    r"[Tt]he correct answer is:?\s+\(?(@)\)?",
    r"[Tt]he correct answer is option:?\s+\(?(@)\)?",
    r"[Tt]he correct answer is:?.*?boxed\{(@)\}",
    r"[Tt]he correct option is:?.*?boxed\{(@)\}",
    r"[Tt]he correct answer option is:?.*?boxed\{(@)\}",
    r"[Tt]he answer to the question is:?\s+\(?(@)\)?",
    # the option at the very start of the text
    r"^选项\s?(@)",
    r"^(@)\s?选?项",
    r"^(@)[\s。，,：:\.$]",
)
"""AISBench's ordered patterns, ``@`` standing for ``[options]``; the first that matches wins.

Deliberately absent: AISBench's ``1.\\s?(.*?)$`` (and its dead twin ``1.\\s?([options])...``),
which fires on any "1" followed by any character and returns the first option letter found
anywhere after it: a chain of thought with "Step 1: ..." parses as 'A' (AISBench issue #209).
"""
_CUSHION_PATTERNS = (r"(?<![A-Za-z])(@):", r"(?<![A-Za-z])(@)(?![A-Za-z])")
"""With ``cushion=True``: an option letter standing alone followed by a colon, then any option
letter standing alone ("B", "(B)", "**B**"). AISBench takes an option letter anywhere, the
'A' of "Add" too: a guess at a text that states no answer, which is ``no_answer`` here."""


@functools.lru_cache(maxsize=64)
def _option_patterns(options: str, cushion: bool) -> tuple[re.Pattern[str], ...]:
    """The compiled patterns for one option set (a config uses one set for every sample)."""
    letters = "".join(re.escape(c) for c in options)
    table = _OPTION_PATTERNS + (_CUSHION_PATTERNS if cushion else ())
    return tuple(re.compile(p.replace("@", f"[{letters}]"), re.DOTALL) for p in table)


@_postprocessor()
def first_option_postprocess(text: str, options: str, cushion: bool = True) -> str:
    """The option the text states as its answer ('' when it states none).

    AISBench's ordered zh/en patterns ("答案是X", "The answer is X", ``boxed{X}``, an option at
    the start); the first pattern that matches gives the first of `options` (in their order)
    within its capture. With `cushion`, then "X:" or any option letter anywhere.

    Deviations: AISBench's ``1.\\s?(.*?)$`` pattern, a guess, is gone (on "Step 1: Add ..." it
    answered 'A' whatever the text said); the patterns after it decide instead, and when none
    matches the result is '' (no answer). AISBench's missing comma, which glued "故选X" and
    "只有选项X是对" into one pattern, is restored to two. AISBench's ``(\\s|^)X[...]`` is
    written ``^(X)[...]``, with the same results (its mid-text matches captured only the space
    and never answered). Option characters are escaped.

    The cushion (on by default, and AISBench's configs leave it on) takes an option letter
    only where it stands alone ("B", "(B)", "**B**"), not inside a word: AISBench reads the 'A'
    of "Add", so a text that states no answer still votes; here it is '' (no answer).
    """
    _option_class("first_option_postprocess", options)
    text = text.strip()
    for pattern in _option_patterns(options, bool(cushion)):
        match = pattern.search(text)
        if match is None:
            continue
        captured = match.group(1) or match.group(0)
        for option in options:
            if option in captured:
                return option
    return ""


@_postprocessor()
def first_option_postprocess_v1(text: str, options: str, cushion: bool = True) -> str:
    """`first_option_postprocess` on the last 200 characters: a long chain's final answer
    rather than an option it mentioned on the way."""
    return first_option_postprocess(text[-200:], options, cushion)


@_postprocessor("first-capital-multi")
def first_capital_postprocess_multi(text: str) -> str:
    """The first run of letters A-D ('' if none): a multiple-select answer such as 'ACD'."""
    match = re.search(r"([A-D]+)", text)
    return match.group(1) if match else ""


@_postprocessor()
def last_option_postprocess(text: str, options: str) -> str:
    """The last of `options` anywhere in the text ('' if none): the final answer after a
    chain that names other options first."""
    found = re.findall(f"[{_option_class('last_option_postprocess', options)}]", text)
    return found[-1] if found else ""


@_postprocessor()
def first_number_postprocess(text: str) -> float | None:
    """The first number in the text as a float, None if there is none (AISBench's result,
    which the harness reads as no answer)."""
    match = re.search(r"(-?\d*\.?\d+)", text)
    return float(match.group(1)) if match else None


@_postprocessor("multiple-select")
def multiple_select_postprocess(text: str) -> str:
    """Every distinct uppercase character, sorted: 'Select A and C' gives 'AC' (note: 'S'
    too; the function counts every capital, as AISBench's does)."""
    return "".join(sorted({c for c in text if c.isupper()}))


@_postprocessor("specific-xml-tag")
def xml_tag_postprocessor(text: str, tag: str) -> str:
    """The stripped content of the last ``<tag>...</tag>`` in the text; `tag` includes its
    angle brackets (``'<conclude>'``).

    Deviation: without the tag, '' (no answer) instead of AISBench's ``'NO ANSWER FOUND'``,
    which would score as a wrong answer. The tag is matched literally (AISBench puts it into
    the regex unescaped).
    """
    if not isinstance(tag, str) or len(tag) < 3 or tag[0] != "<" or tag[-1] != ">":
        raise ConfigError(
            f"must be an XML tag with its angle brackets, such as '<answer>', got {tag!r}",
            source="text postprocessor xml_tag_postprocessor",
            key="tag",
        )
    close = f"</{tag[1:-1]}>"
    found = re.findall(re.escape(tag) + "(.*?)" + re.escape(close), text, re.DOTALL)
    return found[-1].strip() if found else ""


@_postprocessor()
def general_eval_wrapper_postprocess(
    text: str, postprocess: str | Callable[..., Any] | None = None, **kwargs: Any
) -> Any:
    """The text read as a Python literal where it is one (a model that returns ``repr`` of
    its answer), then `postprocess` (a function or a registered name) with `kwargs`."""
    try:
        value: Any = literal_eval(text)
    except Exception:  # not a literal (or too deep): the text as it is
        value = text
    if postprocess is None:
        return value
    function = TEXT_POSTPROCESSORS.get(postprocess) if isinstance(postprocess, str) else postprocess
    return function(value, **kwargs)


@_postprocessor()
def match_answer_pattern(response_text: str, answer_pattern: str) -> str:
    """Group 1 of the first match of `answer_pattern` ('' if it does not match): a config's
    own answer format, such as ``(?i)ANSWER\\s*:\\s*([A-D])``."""
    try:
        pattern = re.compile(answer_pattern)
    except (re.error, TypeError) as exc:
        raise ConfigError(
            f"is not a regular expression: {answer_pattern!r} ({exc})",
            source="text postprocessor match_answer_pattern",
            key="answer_pattern",
        ) from None
    if pattern.groups < 1:
        raise ConfigError(
            f"needs a group around the answer, such as 'Answer: ([A-D])'; got {answer_pattern!r}",
            source="text postprocessor match_answer_pattern",
            key="answer_pattern",
        )
    match = pattern.search(response_text)
    return (match.group(1) or "") if match else ""


__all__ = [
    "first_capital_postprocess",
    "first_capital_postprocess_multi",
    "first_number_postprocess",
    "first_option_postprocess",
    "first_option_postprocess_v1",
    "general_cn_postprocess",
    "general_eval_wrapper_postprocess",
    "general_postprocess",
    "jieba_cut",
    "last_capital_postprocess",
    "last_option_postprocess",
    "match_answer_pattern",
    "multiple_select_postprocess",
    "xml_tag_postprocessor",
]
