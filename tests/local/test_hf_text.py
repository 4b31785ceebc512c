"""The HuggingFace text classes on a tiny random Llama (float32, greedy): answers, ends, cuts.

Each answer is checked against transformers itself: ``model.generate`` on the same tokens, or
the free-running answer of the same prompt cut where a stop word or EOS would end it.
"""

from __future__ import annotations

import gc
import logging
import weakref
from pathlib import Path
from typing import Any

import pytest

from conftest import build_backend
from pytest_aisbench.models import (
    HuggingFace,
    HuggingFaceBaseModel,
    HuggingFacewithChatTemplate,
)
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.utils.prompt import PromptList

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

PROMPTS: list[Any] = [
    PromptList([{"role": "SYSTEM", "prompt": "Be brief."}, {"role": "HUMAN", "prompt": "2+2?"}]),
    "Tell me a story about a robot who learns to paint, in three sentences.",
    "Hi",
]


def chat(tiny: Path, **keys: Any) -> Any:
    return build_backend(HuggingFacewithChatTemplate, path=str(tiny), **keys)


def direct(backend: Any, texts: list[str], max_new_tokens: int) -> list[list[int]]:
    """Greedy ``model.generate`` on `texts`, left-padded by the tokenizer: the generated ids."""
    tokenizer, model = backend.tokenizer, backend.model
    batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    out = model.generate(
        **batch, do_sample=False, max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id
    )
    return out[:, batch["input_ids"].shape[1] :].tolist()


def until_eos(ids: list[int], eos: set[int]) -> list[int]:
    end = next((i + 1 for i, t in enumerate(ids) if t in eos), len(ids))
    return ids[:end]


def test_answers_equal_model_generate_on_the_same_prompts(tiny_llama: Path) -> None:
    backend = chat(tiny_llama)
    answers = backend.generate(PROMPTS, max_out_len=12)
    texts = [backend.render(p) for p in PROMPTS]
    expected = [until_eos(ids, backend.eos_ids) for ids in direct(backend, texts, 12)]
    assert all(isinstance(a, GeneratedText) for a in answers)
    assert [a.output_tokens for a in answers] == [len(ids) for ids in expected]
    eos = backend.eos_ids
    assert answers == [
        backend.tokenizer.decode([t for t in ids if t not in eos], skip_special_tokens=True)
        for ids in expected
    ]
    assert [a.input_tokens for a in answers] == [len(backend.tokenizer.encode(t)) for t in texts]


def test_a_batch_answers_as_each_prompt_alone(tiny_llama: Path) -> None:
    backend = chat(tiny_llama)
    together = backend.generate(PROMPTS, max_out_len=12)
    alone = [backend.generate([p], max_out_len=12)[0] for p in PROMPTS]
    assert together == alone
    assert [a.output_tokens for a in together] == [a.output_tokens for a in alone]


def test_an_answer_that_runs_out_of_tokens_ends_by_length(tiny_llama: Path) -> None:
    backend = chat(tiny_llama)
    free = backend.generate(PROMPTS, max_out_len=6)
    for answer in free:
        reason = "stop" if answer.output_tokens < 6 else "length"
        assert (answer.finish_reason, answer.output_tokens <= 6) == (reason, True)
    assert any(a.finish_reason == "length" for a in free)


def generated_ids(backend: Any, prompt: Any, max_out_len: int) -> list[int]:
    [ids] = direct(backend, [backend.render(prompt)], max_out_len)
    return until_eos(ids, backend.eos_ids)


def test_eos_ends_an_answer_with_stop_and_is_counted(tiny_llama: Path) -> None:
    free = generated_ids(chat(tiny_llama), PROMPTS[1], 24)
    eos = free[2]  # the third generated token now counts as EOS
    backend = chat(tiny_llama, generation_kwargs={"eos_token_id": eos})
    [answer] = backend.generate([PROMPTS[1]], max_out_len=24)
    first = free.index(eos)
    assert (answer.finish_reason, answer.output_tokens) == ("stop", first + 1)
    assert answer == backend.tokenizer.decode(free[:first], skip_special_tokens=True)


def printable(tokenizer: Any, ids: list[int]) -> list[tuple[int, str]]:
    """(position, text) of the generated tokens that decode to one ASCII letter or digit (no
    special token's text holds one by chance: they are ``<|...|>`` words)."""
    found = []
    for position, token in enumerate(ids):
        text = tokenizer.decode([token])
        if len(text) == 1 and text.isascii() and text.isalnum():
            found.append((position, text))
    return found


def test_a_stop_word_cuts_the_answer_where_it_first_appears(tiny_llama: Path) -> None:
    plain = chat(tiny_llama)
    free = generated_ids(plain, PROMPTS[1], 24)
    position, stop = printable(plain.tokenizer, free)[1]  # the second such token's text
    first = next(p for p, t in enumerate(free) if plain.tokenizer.decode([t]) == stop)
    assert first <= position
    backend = chat(tiny_llama, stop_words=[stop])
    [answer] = backend.generate([PROMPTS[1]], max_out_len=24)
    assert (answer.finish_reason, answer.output_tokens) == ("stop", first + 1)
    assert answer == plain.tokenizer.decode(free[:first], skip_special_tokens=True)
    # the dataset's stop words (AISBench's stopping_criteria argument) work the same way
    assert plain.generate([PROMPTS[1]], 24, stopping_criteria=[stop]) == [answer]


def test_a_stop_word_at_the_end_of_the_prompt_does_not_stop_the_answer(tiny_llama: Path) -> None:
    plain = chat(tiny_llama)
    assert plain.render(PROMPTS[2]).endswith("\n")  # "<|im_start|>assistant\n"
    free = generated_ids(plain, PROMPTS[2], 16)
    newline = [p for p, t in enumerate(free) if "\n" in plain.tokenizer.decode([t])]
    [answer] = chat(tiny_llama, stop_words=["\n"]).generate([PROMPTS[2]], max_out_len=16)
    expected = newline[0] + 1 if newline else len(free)
    assert answer.output_tokens == expected
    assert answer.output_tokens > 0 and "\n" not in answer


@pytest.mark.parametrize("mode", ["none", "mid"])
def test_a_long_prompt_is_cut_and_the_answer_keeps_its_room(
    tiny_llama: Path, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    backend = chat(tiny_llama, max_seq_len=64, mode=mode)
    long = "word " * 100
    with caplog.at_level(logging.WARNING):
        answers = backend.generate([long, long + "again"], max_out_len=8)
    assert [a.input_tokens for a in answers] == [56, 56]
    assert all(a.output_tokens <= 8 for a in answers)
    cuts = [r for r in caplog.records if "was cut to 56" in r.getMessage()]
    assert len(cuts) == 1  # once per backend, not per prompt


def test_the_context_length_defaults_to_the_models(tiny_llama: Path) -> None:
    assert chat(tiny_llama).max_seq_len == 512  # tiny_llama's max_position_embeddings


def test_chat_template_kwargs_reach_the_template(tiny_llama: Path) -> None:
    template = "{% if greeting is defined %}{{ greeting }}{% endif %}{{ messages[0]['content'] }}"
    backend = chat(
        tiny_llama,
        tokenizer_kwargs={"chat_template": template},
        chat_template_kwargs={"greeting": "HELLO "},
    )
    assert backend.render("Hi") == "HELLO Hi"


def test_the_base_model_sends_one_string_and_matches_generate(tiny_llama: Path) -> None:
    backend = build_backend(HuggingFaceBaseModel, path=str(tiny_llama))
    prompt = PromptList([{"role": "HUMAN", "prompt": "Q: 1+1\n"}, {"role": "BOT", "prompt": "A:"}])
    [answer] = backend.generate([prompt], max_out_len=10)
    [ids] = direct(backend, ["Q: 1+1\nA:"], 10)
    expected = until_eos(ids, backend.eos_ids)
    assert answer.output_tokens == len(expected)
    body = [t for t in expected if t not in backend.eos_ids]
    assert answer == backend.tokenizer.decode(body, skip_special_tokens=True)
    assert answer.input_tokens == len(backend.tokenizer.encode("Q: 1+1\nA:"))


def test_aisbench_huggingface_one_at_a_time_or_padded_gives_the_same_answers(
    tiny_llama: Path,
) -> None:
    texts = [str(p) for p in PROMPTS[1:]]
    looped = build_backend(HuggingFace, path=str(tiny_llama)).generate(texts, 10)
    padded = build_backend(HuggingFace, path=str(tiny_llama), batch_padding=True)
    assert padded.generate(texts, 10) == looped
    after = build_backend(HuggingFace, path=str(tiny_llama), extract_pred_after_decode=True)
    assert after.generate(texts, 10) == looped


def test_a_seed_makes_sampling_repeat(tiny_llama: Path) -> None:
    sampling = {"do_sample": True, "temperature": 1.0, "top_k": 50, "seed": 3}
    backend = chat(tiny_llama, generation_kwargs=sampling)
    first = backend.generate(PROMPTS, max_out_len=12)
    assert backend.generate(PROMPTS, max_out_len=12) == first


def test_tokenizer_only_counts_tokens_and_refuses_to_generate(tiny_llama: Path) -> None:
    backend = chat(tiny_llama, tokenizer_only=True)
    assert backend.model is None
    assert backend.get_token_len("Hi") == len(backend.tokenizer.encode(backend.render("Hi")))
    with pytest.raises(RuntimeError, match="tokenizer_only=True and cannot generate"):
        backend.generate(["Hi"], max_out_len=4)


@pytest.mark.parametrize("cls", [HuggingFacewithChatTemplate, HuggingFaceBaseModel])
def test_a_text_model_refuses_a_prompt_with_images_by_name(tiny_llama: Path, cls: type) -> None:
    """Not the parts' repr sent as text (base) nor a TypeError in the chat template (chat)."""
    backend: Any = build_backend(cls, path=str(tiny_llama))
    parts = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
             {"type": "text", "text": "Which colour?"}]  # fmt: skip
    with pytest.raises(ValueError, match=f"{cls.__name__} takes text prompts only.*hf_vl"):
        backend.generate([PromptList([{"role": "HUMAN", "prompt": parts}])], max_out_len=4)
    assert backend.generate(["Hi"], max_out_len=2)[0].output_tokens  # text still works


def test_close_frees_the_model(tiny_llama: Path) -> None:
    backend = chat(tiny_llama)
    ref = weakref.ref(backend.model)
    backend.close()
    gc.collect()
    assert backend.model is None and ref() is None


def test_generation_complaints_are_one_warning_at_build_not_one_per_batch(
    tiny_llama: Path, caplog: pytest.LogCaptureFixture
) -> None:
    library = logging.getLogger("transformers")  # transformers' own loggers do not propagate
    library.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING):
            backend = chat(tiny_llama, generation_kwargs={"typical_p": 0.5, "no_such_key": 1})
            built = len(caplog.records)
            backend.generate(["Hi"], max_out_len=4)
            backend.generate(["Hi", "Hello"], max_out_len=4)
    finally:
        library.removeHandler(caplog.handler)
    ours = [r.getMessage() for r in caplog.records if r.getMessage().startswith("generation_kw")]
    assert len(ours) == 1
    assert "ignored: no_such_key" in ours[0] and "typical_p" in ours[0]
    assert len(caplog.records) == built  # generating logged nothing more
