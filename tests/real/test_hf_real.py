"""The HuggingFace backends on the real SmolLM2-135M-Instruct (transformers on the CPU).

``scripts/setup_vllm.sh`` converts the model into ``$AISBENCH_CACHE_DIR/smollm2-hf`` (bf16
safetensors); without it these tests skip, unless AISBENCH_REQUIRE_REAL=1 (CI), where they fail.
The demo suite's prompts are about 1,500 tokens; answers are capped at ``AISBENCH_HF_MAX_OUT``
tokens (default 32) to keep a CPU run in minutes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from real_servers import CACHE, require_setup

from conftest import DATASETS_DIR, build_backend, samples_of
from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.models import HuggingFacewithChatTemplate

pytestmark = pytest.mark.real
MODEL = CACHE / "smollm2-hf"
MAX_OUT = int(os.environ.get("AISBENCH_HF_MAX_OUT", "32"))
CHAT_DATASET = "demo_gsm8k_gen_4_shot_cot_chat_prompt"
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="module")
def smollm2() -> str:
    pytest.importorskip("transformers")
    require_setup(MODEL / ".ready", "setup_vllm.sh")
    return str(MODEL)


@pytest.fixture(scope="module")
def chat_backend(smollm2: str) -> Iterator[Any]:
    """hf_chat's class on SmolLM2 in its own dtype (bf16), built once for the module."""
    started = time.perf_counter()
    backend = build_backend(HuggingFacewithChatTemplate, path=smollm2)
    print(f"\nSmolLM2 loaded in {time.perf_counter() - started:.2f} s ({backend.model.dtype})")
    yield backend
    backend.close()


def demo_prompts(backend: Any, count: int) -> list[Any]:
    samples = get_dataset_config(CHAT_DATASET).load(DATASETS_DIR)[:count]
    return [backend.parse_template(s.prompt, mode="gen") for s in samples]


@pytest.mark.parametrize("backend", ["hf_chat", "hf_base"])
def test_demo_suite_through_smollm2(suite: pytest.Pytester, smollm2: str, backend: str) -> None:
    report = suite.path / "report.jsonl"
    started = time.perf_counter()
    result = suite.runpytest(
        f"--aisbench-model={backend}",
        f"--aisbench-set=path={smollm2!r}",
        f"--aisbench-set=max_out_len={MAX_OUT}",
        "--aisbench-set=batch_size=4",
        f"--aisbench-report={report}",
    )
    wall = time.perf_counter() - started
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    assert [r["index"] for r in records] == list(range(8))
    assert all(r["model"] == backend and r["outcome"] != "error" for r in records)
    assert all(r["prediction"].strip() for r in records)
    assert all(r["token_source"] == "generate" and 0 < r["output_tokens"] <= MAX_OUT
               for r in records)  # fmt: skip
    assert all(r["input_tokens"] > 500 for r in records)  # the 4-shot prompt reached the model
    for r in records:  # a length finish used every token; a stop one may not
        assert r["finish_reason"] in ("stop", "length")
        assert r["finish_reason"] == "stop" or r["output_tokens"] == MAX_OUT
    batches = sorted({round(r["e2el_s"], 3) for r in records})
    print(f"\n{backend}: session {wall:.1f} s, batches of 4 took {batches} s")
    for r in records:
        print(f"  {r['index']} {r['outcome']:9} {r['finish_reason']:6} in={r['input_tokens']} "
              f"out={r['output_tokens']} {r['prediction'][:70]!r}")  # fmt: skip
    result.stdout.fnmatch_lines([f"*{backend}*demo_gsm8k*8*"])


def test_hf_chat_equals_model_generate_token_for_token(chat_backend: Any) -> None:
    """The same chat-templated prompts through ``model.generate`` (greedy, the tokenizer's
    own left padding, one batch of 4): the same tokens, up to and including EOS."""
    prompts = demo_prompts(chat_backend, 4)
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


def test_batch_of_4_equals_one_at_a_time_in_float32(smollm2: str) -> None:
    """In float32 a padded batch answers as each prompt alone. (In the model's bf16 the
    padded rows' sums round differently and a greedy answer can flip at a near tie: see the
    README's figures.)"""
    backend = build_backend(
        HuggingFacewithChatTemplate, path=smollm2, model_kwargs={"dtype": "float32"}
    )
    try:
        prompts = demo_prompts(backend, 4)
        together = backend.generate(prompts, max_out_len=MAX_OUT // 2)
        alone = [backend.generate([p], max_out_len=MAX_OUT // 2)[0] for p in prompts]
    finally:
        backend.close()
    assert together == alone
    assert [a.output_tokens for a in together] == [a.output_tokens for a in alone]
