"""Images in prompts, for the vision-language backends (`huggingface_vl`, `vllm_offline_vl`).

A multimodal turn's ``prompt`` is a list of content parts (see
`pytest_aisbench.utils.prompt.PromptList`): ``{"type": "text", "text": ...}`` and
``{"type": "image_url", "image_url": {"url": URL}}`` (or ``"image_url": URL``), or
``{"type": "image", "image": PIL.Image | path | URL}``. `vision_prompt` turns a rendered prompt
into what a chat template reads (messages whose image parts are bare ``{"type": "image"}``
placeholders) and the images in the order their placeholders appear, so each sample's images
stay with its own prompt. A turn of text parts only becomes a plain string, which text-only
chat templates need.

Images are read here, with Pillow, from a ``data:`` URL, a ``file://`` URL or a path; an
``http(s)`` URL is refused (no download at run time). Video and audio parts are refused too:
neither backend sends them.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.utils.prompt import ROLE_TO_OPENAI, PromptList, PromptType

VISION_KEYS = {
    "min_pixels": "fewest pixels an image is scaled up to",
    "max_pixels": "most pixels an image is scaled down to",
    "total_pixels": "video only (AISBench): no effect, videos are not supported",
    "fps": "video only (AISBench): no effect, videos are not supported",
    "nframe": "video only (AISBench): no effect, videos are not supported",
}
"""The ``vision_kwargs`` keys, AISBench's, and what each does here."""


@dataclass(frozen=True)
class VisionSettings:
    """A backend's ``vision_kwargs``, checked: the pixel bounds its image processor applies."""

    min_pixels: int | None = None
    max_pixels: int | None = None

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any] | None) -> VisionSettings:
        """Check ``vision_kwargs``; an unknown key or a bad bound is a `ConfigError`."""
        kwargs = dict(kwargs or {})
        unknown = sorted(set(kwargs) - set(VISION_KEYS))
        if unknown:
            raise ConfigError(
                f"unknown keys {unknown}; allowed: {', '.join(VISION_KEYS)}", key="vision_kwargs"
            )
        bounds = {}
        for name in ("min_pixels", "max_pixels"):
            value = kwargs.get(name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                raise ConfigError(
                    f"{name}={value!r}; expected a number of pixels >= 1 (e.g. 256 * 28 * 28)",
                    key="vision_kwargs",
                )
            bounds[name] = value
        settings = cls(**bounds)
        if (
            settings.min_pixels
            and settings.max_pixels
            and settings.min_pixels > settings.max_pixels
        ):
            raise ConfigError(
                f"min_pixels={settings.min_pixels} is above max_pixels={settings.max_pixels}",
                key="vision_kwargs",
            )
        return settings

    def processor_kwargs(self) -> dict[str, int]:
        """The bounds as ``from_pretrained`` keywords of a Qwen2-VL image processor."""
        return {
            name: value
            for name, value in (("min_pixels", self.min_pixels), ("max_pixels", self.max_pixels))
            if value is not None
        }


@dataclass(frozen=True)
class VisionPrompt:
    """One sample's prompt for a chat template, and its images in placeholder order."""

    messages: list[dict[str, Any]]
    images: list[Any] = field(default_factory=list)
    """Pillow RGB images, one per ``{"type": "image"}`` part of `messages`."""


def vision_prompt(prompt: PromptType, load_images: bool = True) -> VisionPrompt:
    """`prompt` (a rendered `PromptList` or a string) as chat messages and images.

    Without `load_images` only the messages are made (to count a prompt's text tokens).
    """
    if isinstance(prompt, str):
        return VisionPrompt([{"role": "user", "content": prompt}])
    if not isinstance(prompt, PromptList):
        raise TypeError(f"a prompt is a str or a PromptList, not {type(prompt).__name__}")
    messages: list[dict[str, Any]] = []
    images: list[Any] = []
    for turn in prompt.turns():
        role = str(turn.get("role", "HUMAN"))
        content = turn.get("prompt", "")
        if isinstance(content, list):
            content = _content_parts(content, images if load_images else None)
        messages.append(
            {"role": ROLE_TO_OPENAI.get(role.upper(), role.lower()), "content": content}
        )
    return VisionPrompt(messages, images)


def _content_parts(parts: list[Any], images: list[Any] | None) -> str | list[dict[str, Any]]:
    """Parts for a chat template (images read into `images` unless it is None); text alone
    becomes a string."""
    out: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, str):
            part = {"type": "text", "text": part}
        if not isinstance(part, dict):
            raise ValueError(f"a content part is a dict with a 'type', not {part!r:.100}")
        kind = part.get("type")
        if kind == "text":
            out.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind in ("image_url", "image"):
            source = image_source(part)
            if images is not None:
                images.append(load_image(source))
            out.append({"type": "image"})
        else:
            raise ValueError(
                f"content part of type {kind!r} is not supported by the local vision backends "
                "(they take 'text', 'image_url' and 'image' parts)"
            )
    if all(part["type"] == "text" for part in out):
        return "".join(part["text"] for part in out)
    return out


def image_source(part: dict[str, Any]) -> Any:
    """The image an ``image_url`` or ``image`` part points at: a URL, a path or an image."""
    value = part.get(part["type"])
    if isinstance(value, dict):
        value = value.get("url")
    if value is None or value == "":
        raise ValueError(f"{part['type']} part without an image: {part!r:.200}")
    return value


def load_image(source: Any) -> Any:
    """A Pillow RGB image from a Pillow image, a ``data:`` URL, a ``file://`` URL or a path."""
    try:
        from PIL import Image
    except ImportError:
        raise ConfigError(
            "images need Pillow, which is not installed: pip install 'pytest-aisbench[hf]'"
        ) from None
    if isinstance(source, Image.Image):
        return source.convert("RGB")
    if not isinstance(source, (str, Path)):
        raise ValueError(f"an image is a URL, a path or a PIL image, not {type(source).__name__}")
    text = str(source)
    if text.startswith("data:"):
        return _open(io.BytesIO(_data_url_bytes(text)), text[:40] + "...")
    scheme = urlparse(text).scheme
    if scheme in ("http", "https"):
        raise ValueError(
            f"image {text!r:.200} is a web address; local backends read no URLs at run time: "
            "download it and give its path (or a data: URL)"
        )
    path = Path(unquote(urlparse(text).path)) if scheme == "file" else Path(text).expanduser()
    if not path.is_file():
        raise ValueError(f"image file not found: {path}")
    return _open(path, str(path))


def _data_url_bytes(url: str) -> bytes:
    header, comma, payload = url.partition(",")
    if not comma or not header.endswith(";base64"):
        raise ValueError(
            f"image URL {url[:60]!r} is not a base64 data URL (data:<type>;base64,...)"
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"image data URL {url[:60]!r}...: invalid base64 ({exc})") from None


def _open(file: Any, name: str) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(file) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"image {name}: not a picture Pillow can read ({exc})") from None
