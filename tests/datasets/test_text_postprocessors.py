"""The text postprocessors: AISBench's results on literal and generated texts (checked side by
side with AISBench's own module from the pinned wheel), the deviations where AISBench guesses,
registry names, the old import path, and the errors a bad config keyword gives."""

# ruff: noqa: RUF001 (Chinese answers use full-width punctuation)
from __future__ import annotations

import random
import re
import sys
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

import pytest_aisbench.utils.text_postprocessors as old_path
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.registry import TEXT_POSTPROCESSORS
from pytest_aisbench.utils.postprocess import text_postprocessors as tp
from pytest_aisbench.utils.postprocess.text_postprocessors import (
    first_capital_postprocess,
    first_capital_postprocess_multi,
    first_number_postprocess,
    first_option_postprocess,
    first_option_postprocess_v1,
    general_cn_postprocess,
    general_eval_wrapper_postprocess,
    general_postprocess,
    last_capital_postprocess,
    last_option_postprocess,
    match_answer_pattern,
    multiple_select_postprocess,
    xml_tag_postprocessor,
)

STEP_ONE = (
    "Step 1: Add the two numbers: 1200 + 1063 = 2263.\n"
    "Step 2: Check the sum again.\n"
    "So the total is \\boxed{2263}."
)
"""A chain of thought with no option in it (AISBench issue #209): its ``1.`` pattern read it
as 'A' (the "A" of "Add")."""


# --- registry names and import paths ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("general", general_postprocess),
        ("general_cn", general_cn_postprocess),
        ("first-capital", first_capital_postprocess),
        ("last-capital", last_capital_postprocess),
        ("first-capital-multi", first_capital_postprocess_multi),
        ("multiple-select", multiple_select_postprocess),
        ("specific-xml-tag", xml_tag_postprocessor),
    ],
)
def test_aisbench_registry_names_and_own_names_resolve(name: str, function: Any) -> None:
    assert TEXT_POSTPROCESSORS.get(name) is function
    assert TEXT_POSTPROCESSORS.get(function.__name__) is function


@pytest.mark.parametrize("name", sorted(old_path.__all__))
def test_functions_without_an_aisbench_name_resolve_by_their_own(name: str) -> None:
    function = getattr(old_path, name)
    if name in ("extract_non_reasoning_content", "jieba_cut"):
        assert name not in TEXT_POSTPROCESSORS  # helpers, not dataset postprocessors
        return
    assert TEXT_POSTPROCESSORS.get(name) is function
    assert getattr(tp, name) is function  # the old path re-exports the same objects


def test_the_registered_function_keeps_its_name_and_signature() -> None:
    import inspect

    assert first_option_postprocess.__name__ == "first_option_postprocess"
    assert list(inspect.signature(first_option_postprocess).parameters) == [
        "text",
        "options",
        "cushion",
    ]


# --- first_option_postprocess -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("The answer is (B).", "ABCD", "B"),
        ("Let me think. Paris is in France.\nThe answer is C", "ABCD", "C"),
        ("The correct answer is: **D**", "ABCD", "D"),
        ("After checking each option, the correct answer is \\boxed{A}.", "ABCD", "A"),
        ("ANSWER: b, no: ANSWER: C", "ABCD", "C"),
        ("答案是B", "ABCD", "B"),
        ("综上所述，答案为 C。", "ABCD", "C"),
        ("我认为选项D正确", "ABCD", "D"),
        ("故选A", "ABCD", "A"),
        ("B", "ABCD", "B"),
        ("(C)", "ABCD", "C"),
        ("B. Paris", "ABCD", "B"),
        ("E is right, so the answer is E", "ABCDE", "E"),
        ("The answer is B", "AB", "B"),
        ("nothing here", "ABCD", ""),
        ("", "ABCD", ""),
    ],
)
def test_first_option_reads_the_stated_option(text: str, options: str, expected: str) -> None:
    assert first_option_postprocess(text, options) == expected


def test_first_option_step_one_trap_gives_no_answer() -> None:
    # AISBench's `1.\s?(.*?)$` answered 'A' here; without the cushion nothing else matches
    assert first_option_postprocess(STEP_ONE, "ABCD", cushion=False) == ""
    assert first_option_postprocess("1. x\n2. y, so ABCD all fit", "ABCD", cushion=False) == ""
    # nor with the cushion (on by default): it takes a letter standing alone, not the A of Add
    assert first_option_postprocess(STEP_ONE, "ABCD") == ""
    assert first_option_postprocess("I pick (B) here", "ABCD") == "B"
    assert first_option_postprocess("so **C**", "ABCD") == "C"


def test_first_option_restored_comma_reads_only_one_option_is_right() -> None:
    # AISBench glued this pattern to "故选X"; alone it answers before the cushion's 'A'
    assert first_option_postprocess("A和B都不对，只有选项C是对的", "ABCD") == "C"


def test_first_option_v1_reads_the_last_200_characters() -> None:
    text = "The answer is A, I first thought. " + "x" * 300 + " The answer is C, as shown."
    assert first_option_postprocess(text, "ABCD") == "A"
    assert first_option_postprocess_v1(text, "ABCD") == "C"


def test_last_option_and_capitals() -> None:
    assert last_option_postprocess("A is wrong, B is wrong, so C", "ABCD") == "C"
    assert last_option_postprocess("none", "ABCD") == ""
    assert last_option_postprocess("Option E then D", "ABCDE") == "D"
    assert first_capital_postprocess("the answer: B, not C") == "B"
    assert first_capital_postprocess("no capitals") == ""
    assert last_capital_postprocess("A then b then C then d") == "C"
    assert last_capital_postprocess("") == ""
    assert first_capital_postprocess_multi("answers: ACD and B") == "ACD"
    assert first_capital_postprocess_multi("Everything") == ""
    assert multiple_select_postprocess("select C and A") == "AC"
    assert multiple_select_postprocess("Select C and A") == "ACS"  # every capital, as AISBench


# --- the other extractors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Eiffel Tower, in Paris.", "Eiffel Tower"),
        ("An apple a day\nkeeps", "apple day"),
        ("  Mount   Everest!  ", "Mount Everest"),
        ("3.14 is pi", "3"),
        ("", ""),
    ],
)
def test_general_postprocess(text: str, expected: str) -> None:
    assert general_postprocess(text) == expected


def test_general_cn_segments_the_cleaned_text() -> None:
    pytest.importorskip("jieba")
    words = general_cn_postprocess("北京是中国的首都！\n第二行")
    assert words.split(" ")[0] == "北京"
    assert "！" not in words and "第二行" not in words  # AISBench kept both (it cut `text`)
    assert "".join(words.split(" ")) == "北京是中国的首都"


def test_general_cn_without_jieba_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jieba", None)
    with pytest.raises(ConfigError, match=r"pytest-aisbench\[zh\]"):
        general_cn_postprocess("北京")


def test_first_number_xml_tag_and_pattern() -> None:
    assert first_number_postprocess("costs -3.5 dollars, not 7") == -3.5
    assert first_number_postprocess("about .5 of it") == 0.5
    assert first_number_postprocess("no digits") is None
    text = "<answer> 4 </answer> then <answer>\n5\n</answer>"
    assert xml_tag_postprocessor(text, "<answer>") == "5"
    assert xml_tag_postprocessor("no tag", "<answer>") == ""  # AISBench: 'NO ANSWER FOUND'
    assert xml_tag_postprocessor("<a.b>x</a.b><axb>y</axb>", "<a.b>") == "x"  # literal tag
    pattern = r"(?i)ANSWER\s*:\s*([A-D])"
    assert match_answer_pattern("Reasoning...\nAnswer: C", pattern) == "C"
    assert match_answer_pattern("no answer line", pattern) == ""
    assert match_answer_pattern("answer", r"answer|(x)") == ""  # group 1 unmatched


def test_general_eval_wrapper_reads_a_literal_then_postprocesses() -> None:
    assert general_eval_wrapper_postprocess("'the answer is B'", "first-capital") == "B"
    assert general_eval_wrapper_postprocess("['x']") == ["x"]
    assert general_eval_wrapper_postprocess("not a literal") == "not a literal"
    assert (
        general_eval_wrapper_postprocess(
            "The answer is (D)", first_option_postprocess, options="ABCD"
        )
        == "D"
    )


# --- errors a config causes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "key"),
    [
        ("first_option_postprocess", {}, "options"),
        ("first_option_postprocess", {"option": "AB"}, "option"),
        ("first_option_postprocess", {"options": ""}, "options"),
        ("first_option_postprocess", {"options": ["A", "B"]}, "options"),
        ("first_option_postprocess_v1", {"options": "AB", "cushon": False}, "cushon"),
        ("last_option_postprocess", {}, "options"),
        ("last_option_postprocess", {"options": None}, "options"),
        ("match_answer_pattern", {}, "answer_pattern"),
        ("match_answer_pattern", {"answer_pattern": "(unclosed"}, "answer_pattern"),
        ("match_answer_pattern", {"answer_pattern": "Answer: [A-D]"}, "answer_pattern"),
        ("specific-xml-tag", {"tag": "answer"}, "tag"),
        ("first-capital", {"options": "AB"}, "options"),
    ],
)
def test_a_bad_keyword_is_a_config_error_naming_function_and_key(
    name: str, kwargs: dict[str, Any], key: str
) -> None:
    # as the harness calls a config's pred_postprocessor=dict(type=name, **kwargs)
    function = TEXT_POSTPROCESSORS.get(name)
    with pytest.raises(ConfigError) as caught:
        function("text", **kwargs)
    assert caught.value.key == key
    message = str(caught.value)
    assert f"text postprocessor {function.__name__}" in message and f"key {key!r}" in message


def test_a_missing_keyword_message_shows_how_to_call_it() -> None:
    function = TEXT_POSTPROCESSORS.get("first_option_postprocess")
    expected = r"first_option_postprocess\(text, options, cushion=True\)"
    with pytest.raises(ConfigError, match=expected):
        function("text")


def test_a_type_error_inside_the_function_is_not_blamed_on_the_config() -> None:
    with pytest.raises(TypeError) as caught:
        first_capital_postprocess(None)  # type: ignore[arg-type]
    assert not isinstance(caught.value, ConfigError)


# --- side by side with AISBench's own module -------------------------------------------------

TRAP_LINES = ("        r'1.\\s?(.*?)$',\n", "        rf'1.\\s?([{options}])[.。$]?$',\n")
GLUED = "        rf'故选?\\s*([{options}])'\n"
CUSHION = ("        rf'([{options}]):',\n", "        rf'([{options}])',\n")
"""AISBench's cushion patterns: an option letter anywhere, inside a word too."""
STANDALONE = ("        rf'(?<![A-Za-z])([{options}]):',\n",
              "        rf'(?<![A-Za-z])([{options}])(?![A-Za-z])',\n")  # fmt: skip
"""What this project promises instead: a letter standing alone."""


class _Quiet:
    """AISBench's logger, silent."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class _NoRegistry:
    """AISBench's registry decorator, registering nothing (its names stay ours)."""

    @staticmethod
    def register_module(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        return lambda function: function

    @staticmethod
    def get(name: str) -> Any:
        return TEXT_POSTPROCESSORS.get(name)


def _aisbench_module(patched: bool) -> dict[str, Any]:
    """AISBench's text_postprocessors from the pinned wheel; `patched`: without the ``1.``
    patterns, with the missing comma and with the cushion's letters standing alone, i.e. what
    this project promises to match."""
    from aisbench_corpus import PACKAGE, fetch_wheel, renamed

    with zipfile.ZipFile(fetch_wheel()) as archive:
        raw = archive.read(PACKAGE + "utils/postprocess/text_postprocessors.py").decode("utf-8")
    source = renamed(raw)
    for line in (
        "from pytest_aisbench.registry import TEXT_POSTPROCESSORS\n",
        "from pytest_aisbench.utils.logging import AISLogger\n",
    ):
        assert source.count(line) == 1, line
        source = source.replace(line, "")
    if patched:
        for line in TRAP_LINES:
            assert source.count(line) == 1, line
            source = source.replace(line, "")
        assert source.count(GLUED) == 1
        source = source.replace(GLUED, GLUED.replace("'\n", "',\n"))
        for theirs, ours in zip(CUSHION, STANDALONE, strict=True):
            assert source.count(theirs) == 1, theirs
            source = source.replace(theirs, ours)
    namespace: dict[str, Any] = {"TEXT_POSTPROCESSORS": _NoRegistry(), "AISLogger": _Quiet}
    exec(compile(source, "aisbench_text_postprocessors.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def aisbench() -> dict[str, Any]:
    return _aisbench_module(patched=False)


@pytest.fixture(scope="module")
def aisbench_promised() -> dict[str, Any]:
    return _aisbench_module(patched=True)


PIECES = [
    *"ABCDEab",
    *" \n.。，,:：()*$",
    "1",
    "1.",
    "2",
    "42",
    "-3.5",
    "答案是",
    "答案为",
    "答案选项为",
    "答案应该是",
    "选",
    "选项",
    "故",
    "即",
    "是",
    "为",
    "因此",
    "所以",
    "显然",
    "只有选项",
    "是对",
    "正确",
    "The answer is ",
    "the correct answer is ",
    "The correct option is ",
    "Answer:",
    "ANSWER : ",
    "boxed{",
    "}",
    "**",
    "Step 1: ",
    "Add ",
    "Both ",
    "the ",
    "an ",
    "<ans>",
    "</ans>",
]


def _texts() -> list[str]:
    """Texts built from the pieces the patterns look for, the same every run."""
    rng = random.Random(20260630)
    texts = [STEP_ONE, "B", "(C)", "答案是B", "The answer is (D).", "", "  A  "]
    texts += ["".join(rng.choices(PIECES, k=rng.randint(1, 12))) for _ in range(1500)]
    return texts


TEXTS = _texts()


def test_first_option_matches_aisbench_except_its_guesses(
    aisbench: dict[str, Any], aisbench_promised: dict[str, Any]
) -> None:
    differ = 0
    for options, cushion in (("ABCD", True), ("ABCD", False), ("AB", True), ("ABCDE", False)):
        for text in TEXTS:
            ours = first_option_postprocess(text, options, cushion)
            theirs = aisbench["first_option_postprocess"](text, options, cushion)
            promised = aisbench_promised["first_option_postprocess"](text, options, cushion)
            assert ours == promised, (text, options, cushion)
            if ours != theirs:
                differ += 1
                # only where the trap fired, where the glued "故X" / "只有选项X是对" now match,
                # or where the cushion would have read a letter inside a word
                inside_a_word = re.search(rf"[A-Za-z][{options}]|[{options}][A-Za-z]", text)
                assert "1" in text or "故" in text or "只有" in text or inside_a_word, (
                    text,
                    theirs,
                )
            assert first_option_postprocess_v1(text, options, cushion) == aisbench_promised[
                "first_option_postprocess_v1"
            ](text, options, cushion)
    assert differ > 0  # the trap was exercised
    assert aisbench["first_option_postprocess"](STEP_ONE, "ABCD", False) == "A"


@pytest.mark.parametrize(
    "name",
    [
        "general_postprocess",
        "first_capital_postprocess",
        "last_capital_postprocess",
        "first_capital_postprocess_multi",
        "multiple_select_postprocess",
        "first_number_postprocess",
    ],
)
def test_one_argument_functions_match_aisbench(name: str, aisbench: dict[str, Any]) -> None:
    ours = getattr(tp, name)
    for text in TEXTS:
        assert ours(text) == aisbench[name](text), text


def test_keyword_functions_match_aisbench(aisbench: dict[str, Any]) -> None:
    patterns = [r"(?i)ANSWER\s*:\s*([A-D])", r"答案是\s*(\S+)", r"boxed\{(.*?)\}"]
    for text in TEXTS:
        for options in ("ABCD", "AB"):
            assert last_option_postprocess(text, options) == aisbench["last_option_postprocess"](
                text, options
            )
        for pattern in patterns:
            assert match_answer_pattern(text, pattern) == aisbench["match_answer_pattern"](
                text, pattern
            )
        theirs = aisbench["xml_tag_postprocessor"](text, "<ans>")
        ours = xml_tag_postprocessor(text, "<ans>")
        assert ours == ("" if theirs == "NO ANSWER FOUND" else theirs), text
        assert general_eval_wrapper_postprocess(text) == aisbench[
            "general_eval_wrapper_postprocess"
        ](text)
