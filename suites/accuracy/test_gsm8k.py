"""GSM8K, 4-shot chain of thought: one item per sample and model, an accuracy table at the end.

Run: ``pytest suites/accuracy --aisbench-model vllm_chat``. Pick other dataset configs with
``--aisbench-dataset`` (``gsm8k_gen_4_shot_cot_chat_prompt`` for all 1,319 questions, the
``..._str`` ones for completions backends), and gate with ``--aisbench-min-accuracy``.
"""

import pytest


@pytest.mark.aisbench(datasets=["demo_gsm8k_gen_4_shot_cot_chat_prompt"])
def test_gsm8k(aisbench_sample):
    aisbench_sample.check()
