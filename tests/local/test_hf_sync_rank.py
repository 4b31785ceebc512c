"""``sync_rank``: every rank generates rank 0's inputs (two CPU processes on gloo).

Each process builds the tiny model with ``sync_rank=True`` and asks for its own prompt: both
answer rank 0's. The same model with ``sync_rank`` off answers each rank's own prompt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

WORKER = """
import json, sys
import torch.distributed as dist
from pytest_aisbench.config import validate_model
from pytest_aisbench.models import HuggingFacewithChatTemplate

path, store, out, rank = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
entry = {"attr": "local", "type": HuggingFacewithChatTemplate, "abbr": "hf", "path": path,
         "sync_rank": True}
model = validate_model(entry, "<test>").build()
prompt = ["What is 2+2?", "Name a colour, any colour you like."][rank]
answers = {}
for synced in (True, False):
    model.sync_rank = synced
    [answer] = model.generate([prompt], max_out_len=8)
    answers[str(synced)] = [str(answer), answer.input_tokens]
json.dump(answers, open(out, "w"))
dist.destroy_process_group()
"""


def test_sync_rank_makes_every_rank_answer_rank_0s_inputs(tiny_llama: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"  # a file rendezvous: no port to pick
    outs = [tmp_path / f"rank{rank}.json" for rank in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tiny_llama), str(store), str(out), str(rank)],
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank, out in enumerate(outs)
    ]
    for proc in procs:
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, output[-3000:]
    rank0, rank1 = (json.loads(out.read_text()) for out in outs)
    assert rank0["False"][1] != rank1["False"][1]  # each rank's own prompt without it
    assert rank0["True"] == rank1["True"] == rank0["False"]  # rank 0's prompt with it
