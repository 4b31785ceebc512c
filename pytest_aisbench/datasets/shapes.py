"""Shapes: a small vision dataset this project draws itself, with answers known by construction.

Each sample is one picture of coloured shapes on a white square, drawn with Pillow, and one
question about it. Three question kinds make three datasets, so that each has an exact extractor
and the accuracy table tells them apart:

- ``shapes_colour``: one shape; "What colour is the shape?" (red, green, blue, yellow, purple);
- ``shapes_count``: one to five circles among up to two other shapes; "How many circles?";
- ``shapes_kind``: one shape; "Which shape is it?" (circle, square, triangle).

Every sample is a function of (kind, index) alone: its random generator is seeded with
``"shapes:<kind>:<index>"``, so every run, machine and xdist worker draws the same pictures
and asks the same questions. The demo configs take the first `DEMO_SIZE` samples of each kind.

The pictures are made in memory, when the session first asks for the dataset, and ride in the
prompt as PNG ``data:`` URLs (an ``image_url`` content part, AISBench's multimodal turn shape;
see `pytest_aisbench.utils.prompt.PromptList`). Nothing is read from or written to the datasets
folder: a generated dataset has no files that could go stale or differ between workers, the
same prompt works for local backends and for OpenAI-compatible servers (which take data URLs but
not local paths), and drawing 224-pixel pictures costs about a millisecond each.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.utils.prompt import PromptList

SIZE = 224
"""Side of every picture in pixels (a 3 x 3 grid of cells, one shape per cell at most)."""
GRID = 3
DEMO_SIZE = 4
FULL_SIZE = 300
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 160, 60),
    "blue": (30, 70, 220),
    "yellow": (240, 200, 20),
    "purple": (140, 40, 170),
}
SHAPES = ("circle", "square", "triangle")
MAX_CIRCLES = 5
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}
QUESTIONS = {
    "colour": "What colour is the shape? Answer with one word.",
    "count": "How many circles are in the picture? Answer with a number.",
    "kind": "Which shape is in the picture: circle, square or triangle? Answer with one word.",
}

_COLOUR_WORD = re.compile(r"\b(" + "|".join(COLOURS) + r")\b")
_SHAPE_WORD = re.compile(r"\b(" + "|".join(SHAPES) + r")s?\b")
_NUMBER = re.compile(r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")\b")

Shape = tuple[str, str, int]
"""(shape name, colour name, grid cell) of one drawn shape."""


def scene(kind: str, index: int) -> tuple[list[Shape], str]:
    """The shapes of sample `index` of question kind `kind`, and the reference answer."""
    rng = random.Random(f"shapes:{kind}:{index}")
    cells = rng.sample(range(GRID * GRID), GRID * GRID)
    if kind == "count":
        circles = rng.randint(1, MAX_CIRCLES)
        others = rng.randint(0, 2)
        shapes = [("circle", rng.choice(list(COLOURS)), cells[i]) for i in range(circles)]
        shapes += [
            (rng.choice(SHAPES[1:]), rng.choice(list(COLOURS)), cells[circles + i])
            for i in range(others)
        ]
        return shapes, str(circles)
    shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))
    return [(shape, colour, cells[0])], colour if kind == "colour" else shape


def draw(shapes: list[Shape]) -> Any:
    """The picture of `shapes` (a Pillow RGB image); Pillow missing is a `DatasetError`."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        raise DatasetError(
            "the shapes datasets draw their pictures with Pillow, which is not installed: "
            "pip install 'pytest-aisbench[hf]' (or pillow)"
        ) from None
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    pen = ImageDraw.Draw(image)
    cell = SIZE // GRID
    margin = cell // 6
    for name, colour, position in shapes:
        left, top = (position % GRID) * cell + margin, (position // GRID) * cell + margin
        right, bottom = left + cell - 2 * margin, top + cell - 2 * margin
        fill = COLOURS[colour]
        if name == "circle":
            pen.ellipse((left, top, right, bottom), fill=fill)
        elif name == "square":
            pen.rectangle((left, top, right, bottom), fill=fill)
        else:
            pen.polygon([((left + right) // 2, top), (right, bottom), (left, bottom)], fill=fill)
    return image


def png_data_url(image: Any) -> str:
    """`image` as a ``data:image/png;base64,`` URL (the same bytes for the same pixels)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def build_prompt(image_url: str, question: str) -> PromptList:
    """One HUMAN turn holding the picture, then the question (AISBench's multimodal shape)."""
    parts = [
        {"type": "image_url", "image_url": {"url": image_url}},
        {"type": "text", "text": question},
    ]
    return PromptList([{"role": "HUMAN", "prompt": parts}])


def load_samples(datasets_dir: Path, *, kind: str, abbr: str, size: int) -> list[Sample]:
    """The first `size` samples of question kind `kind`; `datasets_dir` is not read."""
    samples = []
    for index in range(size):
        shapes, reference = scene(kind, index)
        prompt = build_prompt(png_data_url(draw(shapes)), QUESTIONS[kind])
        samples.append(Sample(dataset=abbr, index=index, prompt=prompt, reference=reference))
    return samples


def _first(pattern: re.Pattern[str], normalise: Callable[[str], str]) -> Callable[[str], Any]:
    """An extractor: the first match of `pattern` in the lowercased reply, normalised."""

    def extract(text: str) -> str | None:
        found = pattern.search(text.lower())
        return normalise(found.group(1)) if found else None

    return extract


extract_colour = _first(_COLOUR_WORD, str)
"""The first colour word of the reply (``The shape is red.`` -> ``red``)."""
extract_shape = _first(_SHAPE_WORD, str)
"""The first shape word, singular (``Triangles`` -> ``triangle``)."""
extract_count = _first(_NUMBER, lambda word: NUMBER_WORDS.get(word, word.lstrip("0") or "0"))
"""The first number, in digits (``three`` -> ``3``)."""
EXTRACTORS = {"colour": extract_colour, "count": extract_count, "kind": extract_shape}


def _config(kind: str, *, demo: bool) -> DatasetConfig:
    abbr = f"{'demo_' if demo else ''}shapes_{kind}"
    return DatasetConfig(
        name=f"{abbr}_gen",
        abbr=abbr,
        path="",
        load=functools.partial(
            load_samples, kind=kind, abbr=abbr, size=DEMO_SIZE if demo else FULL_SIZE
        ),
        extract=EXTRACTORS[kind],
        compare=lambda extracted, sample: extracted == sample.reference,
        max_out_len=16,
    )


SHAPES_CONFIGS: tuple[DatasetConfig, ...] = tuple(
    _config(kind, demo=demo) for demo in (True, False) for kind in QUESTIONS
)
