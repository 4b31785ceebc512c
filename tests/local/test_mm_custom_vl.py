"""AISBench's own ``mm_custom_gen.py`` (renamed) through ``hf_vl`` on the tiny random Qwen2-VL:
a two-row mm_custom file whose pictures are drawn here, read as paths and as base64, each
picture reaching the model (its image tokens are in the record's ``input_tokens``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import samples_of
from local.test_hf_vl import SHAPES_SUITE, text_tokens, tiny_vl, vl_backend  # noqa: F401
from pytest_aisbench.datasets.config_files import read_dataset_file
from pytest_aisbench.datasets.openicl import compile_entry
from pytest_aisbench.utils.prompt import PromptList

pytest.importorskip("PIL")
from tiny_qwen2vl import SHAPES_IMAGE_TOKENS

CONFIG = "configs/datasets/mm_custom/mm_custom_gen.py"
SIDE = 224
"""Pictures of 224 pixels, as the shapes', scaled by the tiny model to SHAPES_IMAGE_TOKENS."""
ROWS = [
    {"type": "image", "path": ["img/red.png"], "question": "Which colour?", "answer": "red"},
    {"type": "image", "path": ["img/red.png", "img/blue.png"], "question": "Colours?",
     "answer": "red, blue"},
]  # fmt: skip
"""Relative paths: read from the data file's folder, not from the run's working directory."""


def draw(folder: Path) -> Path:
    """``mm_custom/mm_custom.jsonl`` (the config's path) and its two pictures under `folder`."""
    from PIL import Image, ImageDraw

    data = folder / "mm_custom"
    (data / "img").mkdir(parents=True)
    for colour in ("red", "blue"):
        picture = Image.new("RGB", (SIDE, SIDE), "white")
        ImageDraw.Draw(picture).ellipse((40, 40, 180, 180), fill=colour)
        picture.save(data / "img" / f"{colour}.png")
    lines = "".join(json.dumps(row) + "\n" for row in ROWS)
    (data / "mm_custom.jsonl").write_text(lines, encoding="utf-8")
    return folder


def test_aisbench_mm_custom_config_runs_path_and_base64_through_hf_vl(
    pytester: pytest.Pytester,
    tiny_vl: Path,  # noqa: F811
) -> None:
    from aisbench_corpus import Corpus, fetch_wheel

    corpus = Corpus(fetch_wheel())
    configs = pytester.mkdir("aisbench_configs")
    corpus.write(CONFIG, configs)
    original = corpus.files[CONFIG]
    as_base64 = original.replace('mm_type="path"', 'mm_type="base64"')
    as_base64 = as_base64.replace("abbr='mm_custom'", "abbr='mm_custom_base64'")
    assert as_base64.count("base64") == original.count("base64") + 2
    corpus.write(CONFIG, configs, "mm_custom_gen_base64.py", as_base64)
    datasets = draw(pytester.mkdir("datasets"))
    pytester.makepyfile(test_shapes=SHAPES_SUITE.read_text())
    report = pytester.path / "report.jsonl"
    result = pytester.runpytest(
        "--aisbench-model=hf_vl",
        f"--aisbench-set=path={tiny_vl}",
        "--aisbench-set=max_out_len=4",
        f"--aisbench-datasets-config-dir={configs}",
        f"--aisbench-datasets-dir={datasets}",
        "--aisbench-dataset=mm_custom_gen",
        "--aisbench-dataset=mm_custom_gen_base64",
        f"--aisbench-report={report}",
    )
    assert result.ret == 0, result.stdout.str()
    records = samples_of(report)
    assert len(records) == 4, records  # one record per row and dataset
    got = {(r["dataset"], r["index"]): r["input_tokens"] for r in records}
    assert sorted(got) == [("mm_custom", 0), ("mm_custom", 1), ("mm_custom_base64", 0),
                           ("mm_custom_base64", 1)]  # fmt: skip
    assert all(r["outcome"] != "error" and 1 <= r["output_tokens"] <= 4 for r in records)
    [entry] = read_dataset_file(configs / "mm_custom_gen.py")
    samples = compile_entry(entry, "mm_custom_gen").load(datasets)
    model = vl_backend(tiny_vl, tokenizer_only=True)
    assert all(isinstance(s.prompt, PromptList) for s in samples)
    text_alone = [text_tokens(model, PromptList(s.prompt)) for s in samples]  # a token a picture
    expected = [
        n + len(row["path"]) * (SHAPES_IMAGE_TOKENS - 1)
        for n, row in zip(text_alone, ROWS, strict=True)
    ]
    assert [got["mm_custom", i] for i in (0, 1)] == expected
    assert [got["mm_custom_base64", i] for i in (0, 1)] == expected
    assert all(e > n for e, n in zip(expected, text_alone, strict=True))
