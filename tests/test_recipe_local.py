"""The AISBench recipe for a local backend (subclass `BaseModel`, implement `generate`), with a
weights folder that holds no tokenizer: the answers are the result, a token count is an extra.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import samples_of

# AISBench's local recipe (ais_bench.benchmark renamed): weights at `path`, no tokenizer needed
# by `generate`, which here answers each GSM8K question with its reference solution.
LOCAL_RECIPE = """
import os
from typing import Dict, List, Optional

from pytest_aisbench.datasets.gsm8k import gold_reply
from pytest_aisbench.models import BaseModel
from pytest_aisbench.utils.prompt import prompt_to_text


class MyLocalModel(BaseModel):
    def __init__(self, path: str, max_seq_len: int = 2048, tokenizer_only: bool = False,
                 meta_template: Optional[Dict] = None, generation_kwargs: Optional[Dict] = None,
                 sync_rank: bool = False, **kwargs):
        super().__init__(path=path, max_seq_len=max_seq_len, tokenizer_only=tokenizer_only,
                         meta_template=meta_template, generation_kwargs=generation_kwargs,
                         sync_rank=sync_rank, **kwargs)
        with open(os.path.join(path, "config.json")) as weights:  # "loads" its weights
            self.config = weights.read()

    def generate(self, inputs, max_out_len: int, **kwargs) -> List[str]:
        folder = os.environ["AISBENCH_DATASETS_DIR"]
        return [gold_reply(prompt_to_text(p), folder) or "no idea" for p in inputs]


models = [dict(attr="local", type=MyLocalModel, abbr="my_local_model", path=WEIGHTS,
               max_out_len=64, batch_size=4)]
"""


def test_a_folder_without_a_tokenizer_keeps_every_answer(suite: pytest.Pytester) -> None:
    weights = suite.mkdir("weights")
    (weights / "config.json").write_text(json.dumps({"architectures": ["MyModel"]}))
    folder = suite.mkdir("my_backends")
    (folder / "my_local_model.py").write_text(
        textwrap.dedent(LOCAL_RECIPE).replace("WEIGHTS", repr(str(weights)))
    )
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={folder}",
        "--aisbench-model=my_local_model",
        f"--aisbench-report={report}",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*8 correct*"])
    records = samples_of(report)
    assert [(r["outcome"], r["error"], r["error_kind"]) for r in records] == [
        ("correct", "", "")
    ] * 8
    assert all("The answer is" in r["prediction"] for r in records)  # the answer, kept
    assert all(r["extracted"] == r["reference"] for r in records)
    assert {(r["output_tokens"], r["input_tokens"], r["token_source"]) for r in records} == {
        (None, None, "")
    }
    missing = str(Path(weights) / "tokenizer.json")
    assert all(missing in r["notes"] for r in records)
    said = [line for line in result.stdout.lines if "no tokenizer count" in line]
    assert len(said) == 1, said  # once per backend, not once per sample
    assert "'my_local_model'" in said[0] and missing in said[0] and "[8 samples]" in said[0]
