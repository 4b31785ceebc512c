"""mm_custom: `MMCustomDataset` rows, `MMPromptTemplate` parts and `MMCustomEvaluator`, without a
model (the run through ``hf_vl`` is in ``tests/local/test_mm_custom_vl.py``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.datasets.mm_custom import MMCustomDataset, MMCustomEvaluator
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator import judge
from pytest_aisbench.openicl.icl_prompt_template import MMPromptTemplate
from pytest_aisbench.registry import ICL_EVALUATORS, ICL_PROMPT_TEMPLATES, LOAD_DATASET
from pytest_aisbench.utils.prompt import PromptList

PNG = b"\x89PNG\r\n\x1a\n not decoded here"
PROMPT_MM: dict[str, Any] = {
    "text": {"type": "text", "text": "{question}"},
    "image": {"type": "image_url", "image_url": {"url": "file://{image}"}},
    "video": {"type": "video_url", "video_url": {"url": "file://{video}"}},
    "audio": {"type": "audio_url", "audio_url": {"url": "file://{audio}"}},
}
"""AISBench's ``mm_custom_gen.py`` template."""


def write(folder: Path, *lines: Any) -> Path:
    """A data file of `lines` (dicts as JSON, strings as they are) beside two small files."""
    (folder / "img").mkdir(exist_ok=True)
    (folder / "img" / "a.png").write_bytes(PNG)
    (folder / "img" / "b.png").write_bytes(PNG + b"b")
    file = folder / "data.jsonl"
    file.write_text(
        "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines),
        encoding="utf-8",
    )
    return file


def row(**keys: Any) -> dict[str, Any]:
    return {"type": "image", "path": ["img/a.png"], "question": "Q?", "answer": "A", **keys}


def test_the_names_are_registered_under_aisbench_s_names() -> None:
    assert LOAD_DATASET.get("MMCustomDataset") is MMCustomDataset
    assert ICL_EVALUATORS.get("MMCustomEvaluator") is MMCustomEvaluator
    assert ICL_PROMPT_TEMPLATES.get("MMPromptTemplate") is MMPromptTemplate


def test_path_mode_reads_relative_paths_from_the_data_file_s_folder(tmp_path: Path) -> None:
    file = write(tmp_path, row(), row(path=["img/a.png", str(tmp_path / "img" / "b.png")]))
    first, second = MMCustomDataset.load(str(file), mm_type="path")
    assert first["image"] == [str(tmp_path / "img" / "a.png")]
    assert second["image"] == [str(tmp_path / "img" / "a.png"), str(tmp_path / "img" / "b.png")]
    assert (first["video"], first["audio"], first["path"]) == ([], [], ["img/a.png"])


def test_base64_mode_gives_data_urls_of_the_files_bytes(tmp_path: Path) -> None:
    [only] = MMCustomDataset.load(str(write(tmp_path, row())), mm_type="base64")
    header, _, payload = only["image"][0].partition(",")
    assert header == "data:image/png;base64"
    assert base64.b64decode(payload) == PNG


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (row(type="video"), "'type' 'video' is not supported yet: the vision-language backends"),
        (row(type="audio"), "'type' 'audio' is not supported yet"),
        (row(type="text"), "'type' is 'text'; expected one of image, video, audio"),
        (row(path="img/a.png"), "'path' must be a non-empty list of file paths"),
        (row(path=[]), "'path' must be a non-empty list"),
        (row(path=["img/missing.png"]), "image 'img/missing.png' not found at "),
        (row(question=None), "'question' must be a string"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_a_wrong_line_names_the_file_and_the_line(tmp_path: Path, line: Any, message: str) -> None:
    file = write(tmp_path, row(), "", line)  # the blank line still counts
    with pytest.raises(DatasetError) as error:
        MMCustomDataset.load(str(file), mm_type="path")
    assert f"{file}, line 3: " in str(error.value)
    assert message in str(error.value)


def test_a_file_that_is_no_picture_by_its_name_is_refused_as_base64(tmp_path: Path) -> None:
    file = write(tmp_path, row(path=["data.jsonl"]))
    with pytest.raises(DatasetError, match=r"line 1: image 'data.jsonl': not a picture"):
        MMCustomDataset.load(str(file), mm_type="base64")


@pytest.mark.parametrize(
    ("keys", "key"), [({"mm_type": "url"}, "mm_type"), ({"num_frames": 0}, "num_frames")]
)
def test_bad_loader_keys_are_config_errors(tmp_path: Path, keys: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=f"key '{key}'"):
        MMCustomDataset.load(str(write(tmp_path, row())), **keys)


def test_a_prompt_mm_turn_becomes_media_parts_then_the_text() -> None:
    template = MMPromptTemplate(
        {
            "round": [
                {"role": "HUMAN", "prompt_mm": PROMPT_MM},
                {"role": "BOT", "prompt": "{answer}"},
            ]
        }
    )
    entry = {"question": "Which?", "image": ["/d/a.png", "data:image/png;base64,AAAA"],
             "video": [], "audio": [], "answer": "red"}  # fmt: skip
    prompt = template.generate_item(entry, "answer", "")
    assert isinstance(prompt, PromptList)
    assert prompt.turns() == [
        {
            "role": "HUMAN",
            "prompt": [
                {"type": "image_url", "image_url": {"url": "file:///d/a.png"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "Which?"},
            ],
        },
        {"role": "BOT", "prompt": ""},
    ]
    assert PROMPT_MM["image"]["image_url"] == {"url": "file://{image}"}  # the config untouched


def test_a_bare_string_url_and_a_single_value_are_filled_too() -> None:
    mm = {
        "image": {"type": "image_url", "image_url": "{image}"},
        "text": {"type": "text", "text": "Q"},
    }
    prompt = MMPromptTemplate({"round": [{"role": "HUMAN", "prompt_mm": mm}]}).generate_item(
        {"image": "/d/a.png"}
    )
    assert isinstance(prompt, PromptList)
    assert prompt.turns()[0]["prompt"] == [
        {"type": "image_url", "image_url": "/d/a.png"},
        {"type": "text", "text": "Q"},
    ]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{question}", "needs a meta template"),
        ({"round": [{"role": "HUMAN", "prompt_mm": {"picture": {}}}]}, "key 'picture'"),
        (
            {"round": [{"role": "HUMAN", "prompt_mm": {"image": {"type": "image_url"}}}]},
            "'image_url' must be a string",
        ),
    ],
)
def test_a_wrong_mm_template_is_a_config_error(template: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        MMPromptTemplate(template)


def test_the_evaluator_compares_stripped_answers() -> None:
    evaluator = MMCustomEvaluator()
    assert judge(evaluator, " red\n", "red", {}).correct
    assert not judge(evaluator, "red, blue", "red", {}).correct
    assert evaluator.score(["red", "x"], ["red ", "y"])["accuracy"] == 50
