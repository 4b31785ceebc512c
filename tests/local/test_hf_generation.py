"""`hf_generation`'s steps on literal inputs: prompts, truncation, padding, stops, decoding."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pytest_aisbench.models.local_models import hf_generation as gen
from pytest_aisbench.utils.prompt import PromptList

# -- prompts ---------------------------------------------------------------------------------------


def test_chat_messages_map_roles_merge_same_role_turns_and_drop_empty_ones() -> None:
    prompt = PromptList(
        [
            {"role": "SYSTEM", "prompt": "Be brief."},
            {"role": "HUMAN", "prompt": "Hi"},
            {"role": "HUMAN", "prompt": "2+2?"},
            {"role": "BOT", "prompt": ""},
        ]
    )
    assert gen.chat_messages(prompt) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi\n2+2?"},
    ]
    assert gen.chat_messages("plain") == [{"role": "user", "content": "plain"}]


def test_prompt_text_joins_turns_with_nothing_between() -> None:
    prompt = PromptList([{"role": "HUMAN", "prompt": "Q: 1+1\n"}, {"role": "BOT", "prompt": "A:"}])
    assert gen.prompt_text(prompt) == "Q: 1+1\nA:"
    assert gen.prompt_text("as is") == "as is"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("none", [4, 5, 6, 7, 8, 9]), ("mid", [0, 1, 2, 7, 8, 9])],
)
def test_a_long_prompt_is_cut_to_leave_room_for_the_answer(mode: str, expected: list[int]) -> None:
    assert gen.fit_prompt(list(range(10)), max_seq_len=10, max_out_len=4, mode=mode) == expected


def test_a_short_prompt_is_kept_and_an_odd_budget_keeps_more_tail() -> None:
    assert gen.fit_prompt([1, 2, 3], max_seq_len=10, max_out_len=4, mode="none") == [1, 2, 3]
    assert gen.fit_prompt(list(range(10)), 9, 4, "mid") == [0, 1, 7, 8, 9]


def test_no_room_for_the_prompt_is_an_error_naming_both_keys() -> None:
    with pytest.raises(ValueError, match=r"max_out_len=8 leaves no room .* max_seq_len=8"):
        gen.fit_prompt([1], max_seq_len=8, max_out_len=8, mode="none")


def test_left_pad_pads_and_masks_on_the_left() -> None:
    pytest.importorskip("torch")
    batch = gen.left_pad([[5, 6, 7], [8]], pad_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [0, 0, 8]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [0, 0, 1]]


# -- ends of rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "stopped_at", "expected"),
    [
        ([3, 4, 2, 0, 0], None, ([3, 4, 2], "stop")),  # EOS (2) ends the row and is counted
        ([3, 4, 5, 6], None, ([3, 4, 5, 6], "length")),
        ([3, 4, 5, 6], 2, ([3, 4], "stop")),  # a stop word completed by the 2nd token
        ([3, 2, 5, 6], 3, ([3, 2], "stop")),  # EOS before the stop word
    ],
)
def test_finish_row(
    ids: list[int], stopped_at: int | None, expected: tuple[list[int], str]
) -> None:
    assert gen.finish_row(ids, {2}, stopped_at) == expected


def test_cut_at_the_first_of_several_stop_words() -> None:
    assert gen.cut_at_stop_words("a. b\n\nQuestion: c", ["Question:", "\n\n"]) == "a. b"
    assert gen.cut_at_stop_words("no stop", ["Question:"]) == "no stop"


def test_stop_words_are_distinct_non_empty_and_in_order() -> None:
    assert gen.stop_words_of(["\n", ""], None, ("x", "\n")) == ("\n", "x")


class CharTokenizer:
    """One token per character (ids are code points): enough for the stop criterion."""

    pad_token_id = 0

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [ord(c) for c in text]

    def batch_decode(self, rows: Any) -> list[str]:
        return ["".join(chr(i) for i in row if i) for row in rows.tolist()]


def test_the_stop_criterion_reads_only_generated_tokens() -> None:
    torch = pytest.importorskip("torch")
    tokenizer = CharTokenizer()
    prompt = [ord(c) for c in "Q: why?\n\n"]  # the prompt itself ends with the stop word
    stop = gen.stop_criterion(["\n\n"], tokenizer, prompt_width=len(prompt))
    rows = [[*prompt, ord("a")], [*prompt, ord("\n")]]
    assert stop(torch.tensor(rows), None).tolist() == [False, False]
    rows = [[*r, ord("\n")] for r in rows]  # row 1 now generated "\n\n" itself
    assert stop(torch.tensor(rows), None).tolist() == [False, True]
    assert stop.stopped_at == {1: 2}


# -- generation settings ---------------------------------------------------------------------------


def base_config() -> Any:
    transformers = pytest.importorskip("transformers")
    return transformers.GenerationConfig(temperature=0.7, top_p=0.9, eos_token_id=2)


def test_greedy_by_default_with_the_models_sampling_defaults_unused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = gen.generation_settings(base_config(), {}, [2, 5], logging.getLogger("t"))
    assert settings.config.do_sample is False
    assert settings.config.eos_token_id == [2, 5]
    assert [r for r in caplog.records if r.name == "t"] == []


def test_temperature_zero_means_greedy(caplog: pytest.LogCaptureFixture) -> None:
    settings = gen.generation_settings(
        base_config(), {"temperature": 0}, [2], logging.getLogger("t")
    )
    assert settings.config.do_sample is False
    assert [r for r in caplog.records if r.name == "t"] == []


def test_sampling_keys_and_seed_are_honoured() -> None:
    kwargs = {"do_sample": True, "temperature": 0.5, "top_k": 10, "seed": 7}
    settings = gen.generation_settings(base_config(), kwargs, [2])
    assert (settings.config.do_sample, settings.config.temperature) == (True, 0.5)
    assert (settings.config.top_k, settings.seed) == (10, 7)


def test_unknown_keys_and_transformers_complaints_make_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kwargs = {"no_such_key": 1, "top_k": 10, "is_synthetic": False}  # top_k without sampling
    with caplog.at_level(logging.WARNING):
        settings = gen.generation_settings(base_config(), kwargs, [2], logging.getLogger("t"))
    assert settings.ignored == ("no_such_key",)
    [record] = [r for r in caplog.records if r.name == "t"]
    assert "keys not known to transformers, ignored: no_such_key" in record.getMessage()
    assert "top_k" in record.getMessage()
    assert "is_synthetic" not in record.getMessage()  # AISBench's engine key, dropped quietly


def test_the_batch_config_sets_lengths_and_padding_on_a_copy() -> None:
    settings = gen.generation_settings(base_config(), {}, [2])
    config = settings.for_batch(max_new_tokens=16, pad_token_id=0, min_new_tokens=2)
    assert (config.max_new_tokens, config.min_new_tokens, config.pad_token_id) == (16, 2, 0)
    assert settings.config.max_new_tokens != 16
