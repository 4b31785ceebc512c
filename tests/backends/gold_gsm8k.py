"""A local backend that answers every GSM8K question with its reference solution.

It must score 100% through the GSM8K suite: a check of prompts, extraction and scoring that a
135M model's near-zero accuracy cannot give.
"""

import os

from pytest_aisbench.datasets.gsm8k import gold_reply
from pytest_aisbench.models import BaseModel
from pytest_aisbench.utils.prompt import prompt_to_text


class GoldGSM8K(BaseModel):
    def generate(self, input, max_out_len, **kwargs):
        datasets_dir = os.environ["AISBENCH_DATASETS_DIR"]
        return [gold_reply(prompt_to_text(p), datasets_dir) or "no idea" for p in input]


models = [dict(attr="local", type=GoldGSM8K, abbr="gold", batch_size=4)]
