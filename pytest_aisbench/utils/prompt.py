"""Prompts as AISBench and OpenCompass write them: a plain string or a `PromptList` of turns."""

from __future__ import annotations

import json
from typing import Any, SupportsIndex

from pytest_aisbench.errors import ConfigError

# AISBench roles and the OpenAI chat roles they stand for.
ROLE_TO_OPENAI = {"HUMAN": "user", "BOT": "assistant", "SYSTEM": "system", "TOOL": "tool"}


def safe_format(text: str, **values: Any) -> str:
    """`text` with each ``{name}`` of `values` filled in; other braces are left as they are."""
    for name, value in values.items():
        placeholder = "{" + name + "}"
        if placeholder in text:  # most columns are not in a given template: skip str(value)
            text = text.replace(placeholder, str(value))
    return text


class PromptList(list):  # type: ignore[type-arg]
    """A chat prompt: ``{"role": "HUMAN"|"BOT"|"SYSTEM", "prompt": str}`` turns.

    A multimodal turn's ``prompt`` is a list of content parts, as AISBench's ``MMPromptTemplate``
    writes them and OpenAI chat content reads them: ``{"type": "text", "text": str}`` and
    ``{"type": "image_url", "image_url": {"url": URL}}`` (AISBench's datasets also give the URL
    as a bare string). A URL is ``file://PATH``, a plain path or a ``data:image/...;base64,``
    URL; the local backends also take ``{"type": "image", "image": PIL.Image | path | URL}``.
    Chat APIs send the parts as they are (``to_messages``).

    Plain strings are allowed as items too (OpenCompass does so); they read as HUMAN turns.
    Template markers (``{"section": "round", "pos": "begin"}``) may stand between turns; the
    template parsers (`pytest_aisbench.models.template`) read them. The methods a backend calls
    keep AISBench's semantics: `format`, `replace`, ``+`` and `str`.
    """

    def format(self, **values: Any) -> PromptList:
        """A copy with ``{name}`` placeholders filled in, in strings and in turns' prompts."""
        out = PromptList()
        for item in self:
            if isinstance(item, dict):
                item = dict(item)
                if isinstance(item.get("prompt"), str):
                    item["prompt"] = safe_format(item["prompt"], **values)
                out.append(item)
            else:
                out.append(safe_format(item, **values))
        return out

    def replace(self, src: str, dst: str | PromptList) -> PromptList:
        """A copy with `src` replaced by `dst`; a `PromptList` `dst` is spliced into strings."""
        out = PromptList()
        for item in self:
            if isinstance(item, dict):
                item = dict(item)
                prompt = item.get("prompt")
                if isinstance(prompt, str) and src in prompt:
                    if not isinstance(dst, str):
                        raise ConfigError(
                            f"cannot replace {src!r} inside a turn's prompt with a PromptList"
                        )
                    item["prompt"] = prompt.replace(src, dst)
                out.append(item)
            elif isinstance(dst, str):
                out.append(item.replace(src, dst))
            else:
                pieces = item.split(src)
                for position, piece in enumerate(pieces):
                    if piece:
                        out.append(piece)
                    if position < len(pieces) - 1:
                        out.extend(dst)
        return out

    def __add__(self, other: Any) -> PromptList:  # type: ignore[override]
        if not other:
            return PromptList(self)
        return PromptList([*self, other] if isinstance(other, str) else [*self, *other])

    def __radd__(self, other: Any) -> PromptList:
        if not other:
            return PromptList(self)
        return PromptList([other, *self] if isinstance(other, str) else [*other, *self])

    def __iadd__(self, other: Any) -> PromptList:  # type: ignore[override]
        if isinstance(other, str):
            self.append(other)
        elif other:
            self.extend(other)
        return self

    def __getitem__(self, index: SupportsIndex | slice) -> Any:  # type: ignore[override]
        item = super().__getitem__(index)
        return PromptList(item) if isinstance(index, slice) else item

    def __str__(self) -> str:
        """Strings as they are, turns' prompts JSON-quoted, all joined (AISBench's form)."""
        parts = []
        for item in self:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict) and "prompt" in item:
                parts.append(json.dumps(item["prompt"]))
        return "".join(parts)

    def turns(self) -> list[dict[str, Any]]:
        """The turns without template markers; a plain string becomes a HUMAN turn."""
        return [
            {"role": "HUMAN", "prompt": item} if isinstance(item, str) else item
            for item in self
            if isinstance(item, str) or "section" not in item
        ]

    def to_messages(self) -> list[dict[str, Any]]:
        """The turns as OpenAI chat messages (``role``/``content``); other keys are kept."""
        messages = []
        for turn in self.turns():
            role = str(turn.get("role", "HUMAN"))
            message = {"role": ROLE_TO_OPENAI.get(role.upper(), role.lower())}
            message["content"] = turn.get("prompt", "")
            message.update((k, v) for k, v in turn.items() if k not in ("role", "prompt"))
            messages.append(message)
        return messages

    def to_text(self) -> str:
        """The turns' prompts joined by newlines, as AISBench does without a meta template."""
        return "\n".join(str(turn.get("prompt", "")) for turn in self.turns() if turn.get("prompt"))


PromptType = PromptList | str


def prompt_to_text(prompt: PromptType) -> str:
    """A prompt as one string, for completion-style endpoints."""
    return prompt.to_text() if isinstance(prompt, PromptList) else prompt


def prompt_to_messages(prompt: PromptType) -> list[dict[str, Any]]:
    """A prompt as OpenAI chat messages; a plain string becomes one user turn."""
    if isinstance(prompt, PromptList):
        return prompt.to_messages()
    return [{"role": "user", "content": prompt}]
