"""Shapes datasets: deterministic pictures whose pixels hold the reference answer, prompts in
AISBench's multimodal shape, and the three extractors."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.datasets.shapes import (
    COLOURS,
    DEMO_SIZE,
    GRID,
    QUESTIONS,
    SHAPES_CONFIGS,
    SIZE,
    extract_colour,
    extract_count,
    extract_shape,
    scene,
)
from pytest_aisbench.utils.prompt import PromptList, PromptType

Image = pytest.importorskip("PIL.Image")
NOWHERE = Path("/nonexistent")  # the datasets folder: generated datasets never read it


def picture(prompt: PromptType) -> Any:
    """The PNG of a sample's prompt, decoded."""
    assert isinstance(prompt, PromptList)
    [turn] = prompt
    image_part, text_part = turn["prompt"]
    assert turn["role"] == "HUMAN" and text_part["type"] == "text"
    url = image_part["image_url"]["url"]
    assert image_part["type"] == "image_url" and url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def cell_centre(cell: int) -> tuple[int, int]:
    side = SIZE // GRID
    return ((cell % GRID) * side + side // 2, (cell // GRID) * side + side // 2 + side // 8)


def test_six_configs_demo_and_full_of_each_question() -> None:
    names = sorted(c.name for c in SHAPES_CONFIGS)
    assert names == sorted(
        f"{prefix}shapes_{kind}_gen" for prefix in ("demo_", "") for kind in QUESTIONS
    )
    assert all(get_dataset_config(c.name) is c for c in SHAPES_CONFIGS)


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_samples_are_the_same_every_time_and_read_no_folder(kind: str) -> None:
    config = get_dataset_config(f"demo_shapes_{kind}_gen")
    first, second = config.load(NOWHERE), config.load(NOWHERE)
    assert [s.index for s in first] == list(range(DEMO_SIZE))
    assert first == second
    assert all(s.dataset == f"demo_shapes_{kind}" for s in first)
    for sample in first:
        assert isinstance(sample.prompt, PromptList)
        assert sample.prompt[0]["prompt"][1]["text"] == QUESTIONS[kind]


def test_the_demo_is_the_start_of_the_full_dataset() -> None:
    demo = get_dataset_config("demo_shapes_count_gen").load(NOWHERE)
    full = get_dataset_config("shapes_count_gen").load(NOWHERE)
    assert [s.prompt for s in full[:DEMO_SIZE]] == [s.prompt for s in demo]
    assert [s.reference for s in full[:DEMO_SIZE]] == [s.reference for s in demo]


def test_the_pixels_hold_the_colour_answer() -> None:
    for sample in get_dataset_config("shapes_colour_gen").load(NOWHERE)[:20]:
        [(_, colour, cell)] = scene("colour", sample.index)[0]
        image = picture(sample.prompt)
        assert image.size == (SIZE, SIZE)
        assert image.convert("RGB").getpixel(cell_centre(cell)) == COLOURS[sample.reference]
        assert colour == sample.reference


def test_count_scenes_have_that_many_circles_and_only_others_besides() -> None:
    references = set()
    for index in range(50):
        shapes, reference = scene("count", index)
        circles = [s for s in shapes if s[0] == "circle"]
        assert str(len(circles)) == reference
        assert len({cell for _, _, cell in shapes}) == len(shapes)  # one shape per cell
        references.add(reference)
    assert references == {"1", "2", "3", "4", "5"}


def test_every_answer_of_each_kind_occurs() -> None:
    assert {scene("colour", i)[1] for i in range(60)} == set(COLOURS)
    assert {scene("kind", i)[1] for i in range(60)} == {"circle", "square", "triangle"}


@pytest.mark.parametrize(
    ("extract", "reply", "answer"),
    [
        (extract_colour, "The shape is Red.", "red"),
        (extract_colour, "It looks blue, not green", "blue"),
        (extract_colour, "bluish", None),
        (extract_count, "There are three circles.", "3"),
        (extract_count, "4", "4"),
        (extract_count, "I count 02 circles", "2"),
        (extract_count, "none", None),
        (extract_shape, "Triangles!", "triangle"),
        (extract_shape, "a square, I think", "square"),
        (extract_shape, "circular", None),
    ],
)
def test_extractors_take_the_first_answer_word(extract: object, reply: str, answer: str) -> None:
    assert extract(reply) == answer  # type: ignore[operator]
