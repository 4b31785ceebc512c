"""Images in prompts: content parts through the chat template parser, to chat messages and
images in placeholder order, from every source a part may name; ``vision_kwargs`` checked."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import APITemplateParser
from pytest_aisbench.models.api_models.base_api import CHAT_META_TEMPLATE
from pytest_aisbench.models.local_models.vision import (
    VisionSettings,
    load_image,
    vision_prompt,
)
from pytest_aisbench.utils.prompt import PromptList

Image = pytest.importorskip("PIL.Image")


def png(colour: tuple[int, int, int], size: tuple[int, int] = (8, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(colour: tuple[int, int, int]) -> str:
    return "data:image/png;base64," + base64.b64encode(png(colour)).decode()


def image_turn(*parts: object, role: str = "HUMAN") -> dict[str, object]:
    return {"role": role, "prompt": list(parts)}


RED, BLUE = (255, 0, 0), (0, 0, 255)


def test_each_image_part_becomes_a_placeholder_and_its_image_in_order(tmp_path: Path) -> None:
    blue_file = tmp_path / "blue.png"
    blue_file.write_bytes(png(BLUE))
    prompt = PromptList(
        [
            {"role": "SYSTEM", "prompt": "Be brief."},
            image_turn(
                {"type": "image_url", "image_url": {"url": data_url(RED)}},
                {"type": "text", "text": "and"},
                {"type": "image_url", "image_url": f"file://{blue_file}"},  # AISBench's bare form
            ),
        ]
    )
    result = vision_prompt(prompt)
    assert result.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "and"},
                                     {"type": "image"}]},
    ]  # fmt: skip
    assert [image.getpixel((0, 0)) for image in result.images] == [RED, BLUE]
    assert all(image.mode == "RGB" for image in result.images)


def test_text_only_parts_become_a_string_for_text_chat_templates() -> None:
    prompt = PromptList([image_turn({"type": "text", "text": "Hello "}, "world")])
    assert vision_prompt(prompt).messages == [{"role": "user", "content": "Hello world"}]
    assert vision_prompt("plain").messages == [{"role": "user", "content": "plain"}]


def test_without_loading_images_only_the_messages_are_made() -> None:
    prompt = PromptList([image_turn({"type": "image_url", "image_url": {"url": data_url(RED)}})])
    result = vision_prompt(prompt, load_images=False)
    assert result.messages == [{"role": "user", "content": [{"type": "image"}]}]
    assert result.images == []


def test_image_sources_pil_path_and_file_url(tmp_path: Path) -> None:
    file = tmp_path / "red picture.png"
    file.write_bytes(png(RED))
    made = Image.new("L", (2, 2), 128)
    assert load_image(made).getpixel((0, 0)) == (128, 128, 128)  # converted to RGB
    assert load_image(str(file)).size == (8, 4)
    assert load_image("file://" + str(file).replace(" ", "%20")).getpixel((1, 1)) == RED
    part = {"type": "image", "image": made}
    assert vision_prompt(PromptList([image_turn(part)])).images[0].size == (2, 2)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("https://example.com/cat.png", "web address"),
        ("/no/such/picture.png", "image file not found: /no/such/picture.png"),
        ("data:image/png,abc", "not a base64 data URL"),
        ("data:image/png;base64,@@@", "invalid base64"),
        ("data:image/png;base64," + base64.b64encode(b"not a png").decode(), "not a picture"),
    ],
)
def test_unreadable_images_say_which_and_why(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_image(source)


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "video_url", "video_url": {"url": "v.mp4"}}, "'video_url' is not supported"),
        ({"type": "image_url", "image_url": {}}, "image_url part without an image"),
        (42, "a content part is a dict"),
    ],
)  # fmt: skip
def test_parts_the_backends_cannot_send_are_refused(part: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        vision_prompt(PromptList([image_turn(part)]))


def test_the_chat_template_parser_keeps_content_parts_and_merges_them() -> None:
    url = data_url(RED)
    prompt = PromptList(
        [
            image_turn({"type": "image_url", "image_url": {"url": url}}),
            {"role": "HUMAN", "prompt": "What colour?"},
        ]
    )
    [turn] = APITemplateParser(CHAT_META_TEMPLATE).parse_template(prompt, "gen")
    assert turn == {
        "role": "HUMAN",
        "prompt": [
            {"type": "image_url", "image_url": {"url": url}},
            {"type": "text", "text": "What colour?"},
        ],
    }
    wrapped = {"round": [{"role": "HUMAN", "begin": "<u>", "end": "</u>", "api_role": "HUMAN"},
                         {"role": "BOT", "api_role": "BOT", "generate": True}]}  # fmt: skip
    [turn] = APITemplateParser(wrapped).parse_template(PromptList([prompt[0]]), "gen")
    assert [p.get("text") for p in turn["prompt"]] == ["<u>", None, "</u>"]


def test_vision_kwargs_are_checked() -> None:
    settings = VisionSettings.from_kwargs({"min_pixels": 784, "max_pixels": 12544, "fps": 2})
    assert settings.processor_kwargs() == {"min_pixels": 784, "max_pixels": 12544}
    assert VisionSettings.from_kwargs(None).processor_kwargs() == {}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"max_pixel": 5}, "unknown keys \\['max_pixel'\\]"),
        ({"min_pixels": "many"}, "min_pixels='many'"),
        ({"min_pixels": 100, "max_pixels": 10}, "above max_pixels"),
    ]
    for bad, message in cases:
        with pytest.raises(ConfigError, match=message) as info:
            VisionSettings.from_kwargs(bad)
        assert info.value.key == "vision_kwargs"
