"""The HuggingFace backends on the real SmolLM2-135M-Instruct (transformers on the CPU).

``scripts/setup_vllm.sh`` converts the model into ``$AISBENCH_CACHE_DIR/smollm2-hf`` (bf16
safetensors); without it these tests skip, unless AISBENCH_REQUIRE_REAL=1 (CI), where they fail.
They check the wiring, not the model: short prompts (GSM8K's 0-shot demo, about 100 tokens, or
a few questions written here) and answers capped at ``AISBENCH_HF_MAX_OUT`` tokens (default 16),
so a CPU run takes seconds per batch, not minutes (the 4-shot prompts are 1,500 tokens).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from real_servers import CACHE, require_setup

from conftest import build_backend, samples_of
from pytest_aisbench.models import HuggingFacewithChatTemplate
from pytest_aisbench.utils.prompt import PromptList

pytestmark = pytest.mark.real
MODEL = CACHE / "smollm2-hf"
MAX_OUT = int(os.environ.get("AISBENCH_HF_MAX_OUT", "16"))
ZERO_SHOT_DEMO = "demo_gsm8k_gen_0_shot_cot_chat_prompt"
QUESTIONS = (
    "What is 7 plus 5?",
    "Name the capital of France.",
    "Tom has 3 apples and buys 4 more. How many apples does he have now? Think step by step.",
    "Write one word that rhymes with cat.",
)
"""Prompts of different lengths, so a batch of them is padded."""
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="module")
def smollm2() -> str:
    pytest.importorskip("transformers")
    require_setup(MODEL / ".ready", "setup_vllm.sh")
    return str(MODEL)


@pytest.fixture(scope="module")
def chat_backend(smollm2: str) -> Iterator[Any]:
    """hf_chat's class on SmolLM2 in float32 (bf16 is slow on this CPU), built once."""
    started = time.perf_counter()
    backend = build_backend(
        HuggingFacewithChatTemplate, path=smollm2, model_kwargs={"dtype": "float32"}
    )
    print(f"\nSmolLM2 loaded in {time.perf_counter() - started:.2f} s ({backend.model.dtype})")
    yield backend
    backend.close()


def short_prompts(backend: Any) -> list[Any]:
    """`QUESTIONS` as one-turn chats, rendered as the engine renders them."""
    turns = [PromptList([{"role": "HUMAN", "prompt": q}]) for q in QUESTIONS]
    return [backend.parse_template(t, mode="gen") for t in turns]


def test_zero_shot_demo_through_hf_chat_and_hf_base_in_one_session(
    suite: pytest.Pytester, smollm2: str
) -> None:
    """Both backend files by name in one session, as a user compares them: 8 records each with
    generate's counts, finish reasons consistent with the cap."""
    report = suite.path / "report.jsonl"
    started = time.perf_counter()
    result = suite.runpytest(
        "--aisbench-model=hf_chat",
        "--aisbench-model=hf_base",
        f"--aisbench-dataset={ZERO_SHOT_DEMO}",
        f"--aisbench-set=path={smollm2!r}",
        f"--aisbench-set=max_out_len={MAX_OUT}",
        "--aisbench-set=batch_size=8",
        "--aisbench-set=model_kwargs={'dtype': 'float32'}",  # bf16 is slow on this CPU
        f"--aisbench-report={report}",
    )
    wall = time.perf_counter() - started
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    for backend in ("hf_chat", "hf_base"):
        rows = [r for r in records if r["model"] == backend]
        assert [r["index"] for r in rows] == list(range(8))
        assert all(r["dataset"] == "demo_gsm8k_0_shot" and r["outcome"] != "error" for r in rows)
        assert any(r["prediction"].strip() for r in rows)  # an answer may be EOS alone
        assert all(r["token_source"] == "generate" and 0 < r["output_tokens"] <= MAX_OUT
                   for r in rows)  # fmt: skip
        assert all(r["input_tokens"] > 50 for r in rows)  # the instruction reached the model
        for r in rows:  # a length finish used every token; a stop one may not
            assert r["finish_reason"] in ("stop", "length")
            assert r["finish_reason"] == "stop" or r["output_tokens"] == MAX_OUT
        result.stdout.fnmatch_lines([f"*{backend}*demo_gsm8k_0_shot*8*"])
    print(f"\nhf_chat and hf_base: session {wall:.1f} s")
    for r in records:
        counts = f"in={r['input_tokens']} out={r['output_tokens']}"
        print(f"  {r['model']} {r['index']} {r['outcome']:9} {r['finish_reason']:6} {counts} "
              f"{r['prediction'][:60]!r}")  # fmt: skip


def test_hf_chat_equals_model_generate_token_for_token(chat_backend: Any) -> None:
    """The same chat-templated prompts through ``model.generate`` (greedy, the tokenizer's
    own left padding, one batch of 4 of different lengths): the same tokens, up to and including
    EOS."""
    prompts = short_prompts(chat_backend)
    ours = chat_backend.generate(prompts, max_out_len=MAX_OUT)
    tokenizer, model = chat_backend.tokenizer, chat_backend.model
    texts = [chat_backend.render(p) for p in prompts]
    batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    out = model.generate(**batch, do_sample=False, max_new_tokens=MAX_OUT,
                         pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    eos = chat_backend.eos_ids
    for answer, row in zip(ours, out[:, batch["input_ids"].shape[1] :].tolist(), strict=True):
        end = next((i + 1 for i, t in enumerate(row) if t in eos), len(row))
        body = [t for t in row[:end] if t not in eos]
        assert answer.output_tokens == end
        assert answer == tokenizer.decode(body, skip_special_tokens=True)
        assert answer.finish_reason == ("stop" if row[end - 1] in eos else "length")


def test_batch_of_4_equals_one_at_a_time_in_float32(chat_backend: Any) -> None:
    """In float32 a padded batch answers as each prompt alone. (In the model's bf16 the
    padded rows' sums round differently and a greedy answer can flip at a near tie: see the
    README's figures.)"""
    prompts = short_prompts(chat_backend)
    together = chat_backend.generate(prompts, max_out_len=MAX_OUT)
    alone = [chat_backend.generate([p], max_out_len=MAX_OUT)[0] for p in prompts]
    assert together == alone
    assert [a.output_tokens for a in together] == [a.output_tokens for a in alone]
