"""How long collecting a big dataset into items takes, and how much memory it holds.

Two workloads, each a whole ``pytest --collect-only`` session in a fresh interpreter (the cost a
user pays before the first request is sent: reading rows, building every prompt, one item per
sample):

- ``custom``: an AISBench-format multiple-choice ``.jsonl`` of N rows
  (``--aisbench-custom-dataset``);
- ``mmlu``: AISBench's own ``mmlu_gen_5_shot_chat_prompt.py`` (from the pinned wheel, renamed)
  over 57 subject files of MMLU's real sizes (14,042 test rows, 5-shot prompts from each
  subject's dev split), written with made-up text of MMLU's typical lengths.

Each is run at two sizes so that memory per row shows: the peak RSS should grow with the items,
not hold the rows twice. Run:

    .venv/bin/python benchmarks/dataset_scale.py --rows 10000 100000 --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WHEEL_GLOB = "ais_bench_benchmark-3.1.20260630-*.whl"
CACHE = Path(os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench"))
MMLU_CONFIG = "ais_bench/benchmark/configs/datasets/mmlu/mmlu_gen_5_shot_chat_prompt.py"
WEIGHTS = re.compile(r"_mmlu_weights = (\{.*?\})", re.S)
"""MMLU's test rows per subject, as AISBench's summarizer group file lists them."""


def write_custom(folder: Path, rows: int) -> Path:
    file = folder / f"mcq_{rows}.jsonl"
    with file.open("w") as out:
        for i in range(rows):
            row = {"question": f"Question {i}: which of these is the {i % 97}th prime? " * 3,
                   "A": f"{i}", "B": f"{i + 1}", "C": f"{i + 2}", "D": f"{i + 3}",
                   "answer": "ABCD"[i % 4]}  # fmt: skip
            out.write(json.dumps(row) + "\n")
    return file


def write_mmlu(folder: Path, wheel: Path) -> tuple[Path, Path, int]:
    """(config folder, datasets folder, test rows)."""
    with zipfile.ZipFile(wheel) as archive:
        config = archive.read(MMLU_CONFIG).decode()
        groups = archive.read("ais_bench/benchmark/configs/summarizers/groups/mmlu.py").decode()
    sizes = eval(WEIGHTS.search(groups).group(1))  # a literal dict of the wheel's own file
    configs = folder / "configs" / "mmlu"
    configs.mkdir(parents=True)
    (configs / "mmlu_gen_5_shot_chat_prompt.py").write_text(
        config.replace("ais_bench.benchmark", "pytest_aisbench")
    )
    data = folder / "data" / "mmlu"
    for split in ("dev", "test"):
        (data / split).mkdir(parents=True)
    text = "A question of some length about the subject at hand, " * 4
    for subject, size in sizes.items():
        for split, count in (("dev", 5), ("test", size)):
            lines = [f'"{text}{i}","option a","option b","option c","option d",{"ABCD"[i % 4]}'
                     for i in range(count)]  # fmt: skip
            (data / split / f"{subject}_{split}.csv").write_text("\n".join(lines) + "\n")
    return folder / "configs", folder / "data", sum(sizes.values())


FLOOR = """
import pytest

@pytest.fixture
def sample(request):
    return request.param

@pytest.mark.parametrize(
    "sample", [pytest.param(i, id=f"m-d-{i}") for i in range(ROWS)], indirect=True)
def test_gsm8k(sample):
    pass
"""
"""The floor: pytest alone collecting as many indirect-parametrized items, nothing read."""


def collect(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MiB, items) of one ``pytest --collect-only -qq`` session (it
    builds every item but prints only the count: printing 100,000 ids is not what a run does),
    its peak RSS read by GNU time."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss_kb=%M",  # this child's own peak, not the largest so far
         sys.executable, "-m", "pytest", "--collect-only", "-qq", "-p", "no:cacheprovider",
         "--aisbench-model=vllm_chat", *(args or ["test_gsm8k.py"]),
         *(["--aisbench-suite=accuracy"] if args else [])],
        cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    peak = int(re.search(r"maxrss_kb=(\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    found = re.search(r"test_gsm8k.py: (\d+)", done.stdout)  # -qq: items per file, not each id
    if found is None:
        raise SystemExit(f"no item count in: {done.stdout[-500:]}")
    items = int(found.group(1))
    return wall, peak / 1024, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=3)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aisbench-scale-"))
    runs: dict[str, list[tuple[float, float, int]]] = {}
    empty = work / "run"
    empty.mkdir()
    print(f"{'workload':<22} {'items':>8} {'median s':>9} {'runs s':<24} {'peak RSS MiB':>12}")
    for rows in options.rows:
        floor = work / f"floor_{rows}"
        floor.mkdir()
        (floor / "test_gsm8k.py").write_text(FLOOR.replace("ROWS", str(rows)))
        file = write_custom(work, rows)
        for _ in range(options.reps):  # alternating, so load on the machine hits both alike
            runs.setdefault(f"pytest alone {rows}", []).append(collect([], floor))
            runs.setdefault(f"custom .jsonl {rows}", []).append(
                collect([f"--aisbench-custom-dataset={file}"], empty)
            )
    for name, measured in runs.items():
        report(name, measured)
    wheel = next((CACHE / "wheels").glob(WHEEL_GLOB), None)
    if wheel is None:
        raise SystemExit("the pinned AISBench wheel is not cached: run the test suite once")
    configs, data, rows = write_mmlu(work / "mmlu", wheel)
    args = [f"--aisbench-datasets-config-dir={configs}", f"--aisbench-datasets-dir={data}",
            "--aisbench-dataset=mmlu_gen_5_shot_chat_prompt"]  # fmt: skip
    report(f"mmlu 5-shot {rows}", [collect(args, empty) for _ in range(options.reps)])


def report(name: str, runs: list[tuple[float, float, int]]) -> None:
    walls = [wall for wall, _, _ in runs]
    shown = ", ".join(f"{w:.2f}" for w in walls)
    print(f"{name:<22} {runs[0][2]:>8} {statistics.median(walls):>9.2f} {shown:<24} "
          f"{max(peak for _, peak, _ in runs):>12.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
