"""Meta templates (AISBench semantics) and the `PromptList` methods backends call."""

from __future__ import annotations

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import APITemplateParser, LMTemplateParser
from pytest_aisbench.utils.prompt import PromptList

LLAMA2 = {
    "begin": "<s>",
    "round": [
        {"role": "HUMAN", "begin": "[INST] ", "end": " [/INST]", "api_role": "HUMAN"},
        {"role": "BOT", "begin": " ", "end": " </s>", "generate": True, "api_role": "BOT"},
    ],
    "reserved_roles": [{"role": "SYSTEM", "begin": "<<SYS>>", "end": "<</SYS>>",
                        "api_role": "SYSTEM"}],
    "end": "<END>",
}  # fmt: skip
CHAT = {
    "round": [{"role": "HUMAN", "api_role": "HUMAN"}, {"role": "BOT", "api_role": "BOT",
                                                     "generate": True}],
    "reserved_roles": [{"role": "SYSTEM", "api_role": "SYSTEM"}],
}  # fmt: skip


def two_shot() -> PromptList:
    """One worked round and the question, with AISBench's section markers."""
    return PromptList(
        [
            {"section": "begin", "pos": "begin"},
            {"role": "SYSTEM", "fallback_role": "HUMAN", "prompt": "Be brief."},
            {"section": "begin", "pos": "end"},
            {"section": "round", "pos": "begin"},
            {"role": "HUMAN", "prompt": "1+1?"},
            {"role": "BOT", "prompt": "2"},
            {"role": "HUMAN", "prompt": "2+2?"},
            {"role": "BOT", "prompt": ""},
            {"section": "round", "pos": "end"},
        ]
    )


def test_lm_parser_writes_each_role_and_stops_where_the_model_writes() -> None:
    text = LMTemplateParser(LLAMA2).parse_template(two_shot(), "gen")
    assert text == "<s><<SYS>>Be brief.<</SYS>>[INST] 1+1? [/INST] 2 </s>[INST] 2+2? [/INST] "


def test_lm_parser_in_ppl_mode_writes_the_last_turn_and_the_end() -> None:
    text = LMTemplateParser(LLAMA2).parse_template(two_shot(), "ppl")
    assert text.endswith("[INST] 2+2? [/INST]  </s><END>")


def test_api_parser_gives_turns_up_to_the_models() -> None:
    turns = APITemplateParser(CHAT).parse_template(two_shot(), "gen")
    assert isinstance(turns, PromptList)
    assert list(turns) == [
        {"role": "SYSTEM", "prompt": "Be brief."},
        {"role": "HUMAN", "prompt": "1+1?"},
        {"role": "BOT", "prompt": "2"},
        {"role": "HUMAN", "prompt": "2+2?"},
    ]


def test_api_parser_merges_consecutive_turns_of_one_role() -> None:
    merged = {"round": [{"role": "HUMAN", "api_role": "user"},
                        {"role": "BOT", "api_role": "user", "generate": True}]}  # fmt: skip
    prompt = PromptList([{"role": "HUMAN", "prompt": "a"}, {"role": "BOT", "prompt": "b"},
                         {"role": "HUMAN", "prompt": "c"}])  # fmt: skip
    assert list(APITemplateParser(merged).parse_template(prompt, "gen")) == [
        {"role": "user", "prompt": "a\nb\nc"}
    ]


def test_a_prompt_without_markers_reads_as_one_round() -> None:
    prompt = PromptList([{"role": "HUMAN", "prompt": "1+1?"}, {"role": "BOT", "prompt": "2"},
                         {"role": "HUMAN", "prompt": "2+2?"}])  # fmt: skip
    assert LMTemplateParser(LLAMA2).parse_template(prompt, "gen") == (
        "<s>[INST] 1+1? [/INST] 2 </s>[INST] 2+2? [/INST] "
    )
    assert [t["role"] for t in APITemplateParser(CHAT).parse_template(prompt, "gen")] == [
        "HUMAN", "BOT", "HUMAN",
    ]  # fmt: skip


def test_without_a_meta_template_prompts_are_joined_by_newlines() -> None:
    for parser in (LMTemplateParser(), APITemplateParser()):
        assert parser.parse_template(two_shot(), "gen") == "Be brief.\n1+1?\n2\n2+2?"
        assert parser.parse_template("plain", "gen") == "plain"
        assert parser.parse_template(["a", PromptList(["b"])], "gen") == ["a", "b"]


def test_bad_meta_templates_and_prompts_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="must hold a list 'round'"):
        LMTemplateParser({"begin": "x"})
    with pytest.raises(ConfigError, match="role 'HUMAN' appears twice"):
        LMTemplateParser({"round": [{"role": "HUMAN"}, {"role": "HUMAN"}]})
    with pytest.raises(ConfigError, match="has a role the meta template's round lacks"):
        LMTemplateParser(CHAT).parse_template(PromptList([{"role": "TOOL", "prompt": "x"}]))
    with pytest.raises(ValueError, match="mode must be 'gen' or 'ppl'"):
        LMTemplateParser().parse_template("x", "chat")


def test_promptlist_format_replace_add_and_str() -> None:
    prompt = PromptList(["Q: {question}", {"role": "HUMAN", "prompt": "{question}?"}])
    formatted = prompt.format(question="2+2")
    assert list(formatted) == ["Q: 2+2", {"role": "HUMAN", "prompt": "2+2?"}]
    assert list(prompt) == ["Q: {question}", {"role": "HUMAN", "prompt": "{question}?"}]
    spliced = PromptList(["a</E>b"]).replace("</E>", PromptList([{"role": "BOT", "prompt": "x"}]))
    assert list(spliced) == ["a", {"role": "BOT", "prompt": "x"}, "b"]
    with pytest.raises(ConfigError, match="with a PromptList"):
        prompt.replace("question", PromptList(["x"]))
    assert list(PromptList(["a"]) + "b") == ["a", "b"]
    assert list("z" + PromptList(["a"])) == ["z", "a"]
    assert isinstance(PromptList(["a", "b"])[1:], PromptList)
    assert str(formatted) == 'Q: 2+2"2+2?"'
