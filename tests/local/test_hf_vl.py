"""`HuggingFaceQwen2VLwithChatTemplate` (``hf_vl``) on a tiny random-weight Qwen2-VL.

The answers are noise; what is checked is the path: each prompt's images reach the model
(the prompt's token count is its text plus the image tokens its pictures make), left-padded
batches answer as each prompt alone, ``max_out_len`` and stop words end answers with their
finish reason, ``vision_kwargs`` bound the image size, and the shapes suite gives one record
per sample, also through AISBench's own ``hf_qwenvl_model.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, build_backend, samples_of
from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.datasets.shapes import SIZE
from pytest_aisbench.models import HuggingFaceQwen2VLwithChatTemplate
from pytest_aisbench.models.output import GeneratedText
from pytest_aisbench.utils.prompt import PromptList

pytest.importorskip("transformers")
pytest.importorskip("PIL")
from tiny_qwen2vl import PATCH, SHAPES_IMAGE_TOKENS, build

SHAPES_SUITE = REPO / "examples" / "suites" / "vision" / "test_shapes.py"
SHAPES = ("demo_shapes_colour_gen", "demo_shapes_count_gen", "demo_shapes_kind_gen")
NOWHERE = Path("/nonexistent")


@pytest.fixture(scope="module")
def tiny_vl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny_qwen2vl") / "model")


@pytest.fixture(scope="module")
def model(tiny_vl: Path) -> HuggingFaceQwen2VLwithChatTemplate:
    return vl_backend(tiny_vl)


def vl_backend(folder: Path, **keys: Any) -> HuggingFaceQwen2VLwithChatTemplate:
    keys = {"max_seq_len": 1024, "max_out_len": 8, **keys}
    return build_backend(HuggingFaceQwen2VLwithChatTemplate, path=str(folder), **keys)


def shapes_prompt(dataset: str = "demo_shapes_colour_gen", index: int = 0) -> PromptList:
    prompt = get_dataset_config(dataset).load(NOWHERE)[index].prompt
    assert isinstance(prompt, PromptList)
    return prompt


def two_pictures() -> PromptList:
    """One turn holding two pictures (two samples' images) and a question."""
    first, second = shapes_prompt(index=1)[0]["prompt"], shapes_prompt(index=2)[0]["prompt"]
    return PromptList([{"role": "HUMAN", "prompt": [first[0], second[0], first[1]]}])


def prompts() -> list[PromptList]:
    """One picture, no picture (a text turn) and two pictures: different lengths to pad."""
    return [shapes_prompt(), PromptList([{"role": "HUMAN", "prompt": "Say hi."}]), two_pictures()]


def text_tokens(model: HuggingFaceQwen2VLwithChatTemplate, prompt: PromptList) -> int:
    """Tokens of the rendered prompt with one placeholder token per image."""
    rendered = model.parse_template(prompt, "gen")
    return len(model.tokenizer.encode(model.render(rendered), add_special_tokens=False))


def run(model: HuggingFaceQwen2VLwithChatTemplate, batch: list[PromptList], max_out: int = 8,
        **kwargs: Any) -> list[GeneratedText]:  # fmt: skip
    answers = model.generate([model.parse_template(p, "gen") for p in batch], max_out, **kwargs)
    assert all(isinstance(a, GeneratedText) for a in answers)
    return answers  # type: ignore[return-value]


def test_each_prompt_gets_its_own_image_tokens(model: HuggingFaceQwen2VLwithChatTemplate) -> None:
    answers = run(model, prompts())
    images = [1, 0, 2]
    assert [a.input_tokens for a in answers] == [
        text_tokens(model, p) + n * (SHAPES_IMAGE_TOKENS - 1)
        for p, n in zip(prompts(), images, strict=True)
    ]


def test_a_left_padded_batch_answers_as_each_prompt_alone(
    model: HuggingFaceQwen2VLwithChatTemplate,
) -> None:
    assert model.tokenizer.padding_side == "left"
    together = run(model, prompts())
    alone = [run(model, [prompt])[0] for prompt in prompts()]
    assert [(str(a), a.output_tokens, a.finish_reason) for a in together] == [
        (str(a), a.output_tokens, a.finish_reason) for a in alone
    ]


def test_max_out_len_ends_an_answer_by_length(model: HuggingFaceQwen2VLwithChatTemplate) -> None:
    for answer in run(model, prompts(), max_out=3):
        assert answer.finish_reason in ("stop", "length")
        assert answer.output_tokens is not None and 1 <= answer.output_tokens <= 3
        if answer.finish_reason == "length":
            assert answer.output_tokens == 3


def test_a_stop_word_cuts_the_answer(model: HuggingFaceQwen2VLwithChatTemplate) -> None:
    [free] = run(model, [shapes_prompt()], max_out=12)
    assert free.finish_reason == "length" and len(free) >= 4, f"no long answer to cut: {free!r}"
    stop = free[2:4]
    [cut] = run(model, [shapes_prompt()], max_out=12, stopping_criteria=[stop])
    assert (str(cut), cut.finish_reason) == (free[: free.index(stop)], "stop")
    assert cut.output_tokens is not None and cut.output_tokens < 12


def test_vision_kwargs_bound_the_pixels(tiny_vl: Path) -> None:
    small = vl_backend(tiny_vl, vision_kwargs={"max_pixels": 56 * 56})
    try:
        [answer] = run(small, [shapes_prompt()])
    finally:
        small.close()
    side = 56 // (PATCH * 2)  # merged patches per side of a 56 x 56 picture
    assert answer.input_tokens == text_tokens(small, shapes_prompt()) + side * side - 1
    assert SIZE * SIZE > 56 * 56


def test_a_prompt_too_long_for_max_seq_len_is_refused_not_cut(tiny_vl: Path) -> None:
    short = vl_backend(tiny_vl, max_seq_len=40)
    try:
        with pytest.raises(ValueError, match=r"max_out_len=8 under max_seq_len=40.*never cut"):
            run(short, [shapes_prompt()])
    finally:
        short.close()


def test_close_frees_the_model_and_the_image_processor(tiny_vl: Path) -> None:
    backend = vl_backend(tiny_vl)
    backend.close()
    assert backend.model is None and backend.image_processor is None


def test_the_shapes_suite_gives_one_record_per_sample(
    pytester: pytest.Pytester, tiny_vl: Path
) -> None:
    pytester.makepyfile(test_shapes=SHAPES_SUITE.read_text())
    report = pytester.path / "report.jsonl"
    result = pytester.runpytest(
        "--aisbench-model=hf_vl",
        f"--aisbench-set=path={tiny_vl}",
        "--aisbench-set=max_out_len=8",
        f"--aisbench-report={report}",
    )
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    expected_tokens = {
        (get_dataset_config(name).abbr, s.index): PromptList(s.prompt)
        for name in SHAPES
        for s in get_dataset_config(name).load(NOWHERE)
    }
    assert sorted((r["dataset"], r["index"]) for r in records) == sorted(expected_tokens)
    assert all(r["model"] == "hf_vl" and r["outcome"] != "error" for r in records)
    assert all(r["finish_reason"] in ("stop", "length") for r in records)
    assert all(r["token_source"] == "generate" and 1 <= r["output_tokens"] <= 8 for r in records)
    model = vl_backend(tiny_vl, tokenizer_only=True)
    assert {(r["dataset"], r["index"]): r["input_tokens"] for r in records} == {
        key: text_tokens(model, prompt) + SHAPES_IMAGE_TOKENS - 1
        for key, prompt in expected_tokens.items()
    }
    result.stdout.fnmatch_lines(["*hf_vl*demo_shapes_colour*4*", "*hf_vl*demo_shapes_count*4*"])


def test_aisbench_hf_qwenvl_config_runs_the_shapes_suite(
    pytester: pytest.Pytester, tiny_vl: Path
) -> None:
    """AISBench's own config, after the rename, with only its folders pointed here: it samples
    (do_sample=True) and scales every picture to at least 1280 * 28 * 28 pixels."""
    from aisbench_corpus import Corpus, fetch_wheel

    corpus = Corpus(fetch_wheel())
    backends = pytester.mkdir("aisbench_backends")
    corpus.write("configs/models/hf_models/hf_qwenvl_model.py", backends)
    pytester.makepyfile(test_shapes=SHAPES_SUITE.read_text())
    report = pytester.path / "report.jsonl"
    result = pytester.runpytest(
        f"--aisbench-backends-dir={backends}",
        "--aisbench-model=hf_qwenvl_model",
        f"--aisbench-set=path={tiny_vl}",
        f"--aisbench-set=tokenizer_path={tiny_vl}",
        "--aisbench-set=max_out_len=4",
        "--aisbench-dataset=demo_shapes_colour_gen",
        f"--aisbench-report={report}",
    )
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    assert all(r["model"] == "hf-qwenvl-model" and r["outcome"] != "error" for r in records)
    assert all(r["input_tokens"] > 1280 for r in records)  # min_pixels reached the processor
