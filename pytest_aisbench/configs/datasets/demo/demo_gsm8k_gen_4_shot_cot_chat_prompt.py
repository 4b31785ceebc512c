"""The first 8 questions of ``gsm8k_gen_4_shot_cot_chat_prompt``, as AISBench builds its demos: ``demo_`` before the
abbr, ``test_range`` ``[0:8]``."""

from mmengine.config import read_base

with read_base():
    from ..gsm8k.gsm8k_gen_4_shot_cot_chat_prompt import gsm8k_datasets

gsm8k_datasets[0]["abbr"] = "demo_" + gsm8k_datasets[0]["abbr"]
gsm8k_datasets[0]["reader_cfg"]["test_range"] = "[0:8]"
