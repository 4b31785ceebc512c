"""A perf run whose tokens cannot be counted still measures: the table says which figures lack
those requests, and why (a weights folder without ``tokenizer.json``, a stream without usage)."""

from __future__ import annotations

from pathlib import Path

from conftest import DATASETS_DIR
from pytest_aisbench.config import validate_model
from pytest_aisbench.perf import LoadProfile, Workload, format_perf_table, run
from pytest_aisbench.simulator import RunningSimulator


def test_a_run_without_a_usable_tokenizer_finishes_and_names_the_missing_figures(
    sim: RunningSimulator, tmp_path: Path
) -> None:
    (tmp_path / "config.json").write_text("{}")  # weights, no tokenizer
    entry = {
        "attr": "service", "type": "TritonCustomAPI", "abbr": "triton_stream", "stream": False,
        "model": "sim-model", "host_ip": "127.0.0.1", "host_port": sim.port, "retry": 0,
        "path": str(tmp_path),
    }  # fmt: skip
    model = validate_model(entry, "<test>")
    result = run(model, Workload(datasets_dir=DATASETS_DIR), LoadProfile(num_prompts=4),
                 max_out_len=8)  # fmt: skip
    summary = result.summary
    assert (summary["completed"], summary["failed"]) == (4, 0)  # every request measured
    assert summary["token_sources"] == {"unknown": 4}  # one body each, nothing to count
    assert "no tokenizer.json" in summary["token_note"]
    lines = format_perf_table("triton", summary)
    assert "Not in token totals, throughputs, TPOT: 4 requests without a token count" in lines
    assert summary["mean_e2el_ms"] is not None  # latency is still measured
