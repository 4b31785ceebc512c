"""`MMPromptTemplate`: a row with pictures becomes a turn of content parts (AISBench's
``openicl.icl_prompt_template.icl_prompt_template_mm``).

A meta template whose ``round`` turns carry ``prompt_mm`` instead of ``prompt``::

    dict(role="HUMAN", prompt_mm={
        "text": {"type": "text", "text": "{question}"},
        "image": {"type": "image_url", "image_url": {"url": "file://{image}"}},
        "video": {...}, "audio": {...},
    })

Each key names a row column. The turn becomes ``{"role": ..., "prompt": [parts]}`` in the
`PromptList` form the vision-language backends and chat APIs read: one part per value of each
media column (a list gives several, a missing or empty column none), in the key order, then the
text part filled from the row. That is the order AISBench's ``mm_custom`` rows give (media, then
the question); AISBench carries it in a tagged ``content`` string, here the columns carry it.

A media value that is already a URL (``data:``, ``file://``, ``http(s)://``) is the whole URL and
the template's prefix is not added: so one template (``file://{image}``) serves a dataset read
with ``mm_type="path"`` (absolute paths) and with ``mm_type="base64"`` (data URLs), where
AISBench's own ``mm_custom_gen.py`` would write ``file://<base64>``.
"""

from __future__ import annotations

import copy
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_prompt_template.icl_prompt_template import PromptTemplate
from pytest_aisbench.registry import ICL_PROMPT_TEMPLATES
from pytest_aisbench.utils.prompt import PromptList, PromptType, safe_format

MEDIA_KEYS = ("image", "video", "audio")
MM_KEYS = ("text", *MEDIA_KEYS)
"""The keys of ``prompt_mm``, AISBench's; each is also the row column it is filled from."""
URL_PREFIXES = ("data:", "file://", "http://", "https://")


@ICL_PROMPT_TEMPLATES.register_module()
class MMPromptTemplate(PromptTemplate):
    """A meta template whose turns may hold ``prompt_mm``: text and media parts from the row."""

    def __init__(
        self,
        template: str | dict[Any, Any],
        ice_token: str | None = None,
        sep_token: str | None = None,
    ) -> None:
        super().__init__(template, ice_token, sep_token)
        if not self.is_meta:
            raise ConfigError(
                "MMPromptTemplate needs a meta template: "
                "dict(round=[dict(role='HUMAN', prompt_mm={'text': ..., 'image': ...})])"
            )
        assert isinstance(template, dict)
        for section in template.values():
            for turn in section if isinstance(section, list) else [section]:
                if isinstance(turn, dict) and "prompt_mm" in turn:
                    _check_prompt_mm(turn["prompt_mm"])

    def generate_item(
        self,
        entry: dict[str, Any],
        output_field: str | None = None,
        output_field_replace_token: str = "",
        ice: PromptType = "",
    ) -> PromptType:
        """`PromptTemplate.generate_item`, then each ``prompt_mm`` turn as content parts."""
        prompt = super().generate_item(entry, output_field, output_field_replace_token, ice)
        if output_field is not None:
            entry = {**entry, output_field: output_field_replace_token}
        return _with_parts(prompt, entry)

    def generate_ice_item(self, entry: dict[str, Any], label: Any) -> PromptType:
        """An in-context example, its ``prompt_mm`` turns as content parts."""
        return _with_parts(super().generate_ice_item(entry, label), entry)

    def __repr__(self) -> str:
        return f"MMPromptTemplate(template={self.template!r}, ice_token={self.ice_token!r})"


def _check_prompt_mm(prompt_mm: Any) -> None:
    """A ``prompt_mm`` dict: known keys, each a part with a ``type`` and its field."""
    if not isinstance(prompt_mm, dict) or not prompt_mm:
        raise ConfigError(f"prompt_mm must be a non-empty dict of parts, not {prompt_mm!r:.200}")
    for key, part in prompt_mm.items():
        if key not in MM_KEYS:
            raise ConfigError(f"prompt_mm key {key!r}: expected one of {', '.join(MM_KEYS)}")
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise ConfigError(f"prompt_mm[{key!r}] must be a part dict with a 'type': {part!r}")
        field = part.get(part["type"])
        if isinstance(field, dict):
            field = field.get("url")
        if not isinstance(field, str):
            raise ConfigError(
                f"prompt_mm[{key!r}]: the part's {part['type']!r} must be a string "
                f"or {{'url': string}}: {part!r}"
            )


def _with_parts(prompt: PromptType, entry: dict[str, Any]) -> PromptType:
    """`prompt` with each turn's ``prompt_mm`` replaced by a ``prompt`` of content parts."""
    if isinstance(prompt, str):
        return prompt
    out = PromptList()
    for item in prompt:
        if isinstance(item, dict) and "prompt_mm" in item:
            turn = {k: v for k, v in item.items() if k != "prompt_mm"}
            turn["prompt"] = _parts(item["prompt_mm"], entry)
            item = turn
        out.append(item)
    return out


def _parts(prompt_mm: dict[str, Any], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The media parts, one per value of each media column in key order, then the text."""
    parts = []
    for key, template in prompt_mm.items():
        if key == "text":
            continue
        for value in _values(entry.get(key)):
            part = copy.deepcopy(template)
            field = part[part["type"]]
            if isinstance(field, dict):
                field["url"] = _url(field["url"], key, value, entry)
            else:
                part[part["type"]] = _url(field, key, value, entry)
            parts.append(part)
    if "text" in prompt_mm:
        part = copy.deepcopy(prompt_mm["text"])
        part["text"] = safe_format(part["text"], **entry)
        parts.append(part)
    return parts


def _values(value: Any) -> list[Any]:
    """A media column's values: a list as it is, one value as a list, nothing as none."""
    if value is None or value == "":
        return []
    return [v for v in value if v not in (None, "")] if isinstance(value, list) else [value]


def _url(template: str, key: str, value: Any, entry: dict[str, Any]) -> str:
    """A part's URL: the value itself when it is a URL, else the template filled with it."""
    text = str(value)
    if text.startswith(URL_PREFIXES):
        return text
    return safe_format(template, **{**entry, key: text})
