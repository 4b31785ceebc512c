"""Prompts as AISBench and OpenCompass write them: a plain string or a `PromptList` of turns."""

from __future__ import annotations

# AISBench roles and the OpenAI chat roles they stand for.
ROLE_TO_OPENAI = {"HUMAN": "user", "BOT": "assistant", "SYSTEM": "system", "TOOL": "tool"}


class PromptList(list):  # type: ignore[type-arg]
    """A chat prompt: a list of ``{"role": "HUMAN"|"BOT"|"SYSTEM", "prompt": str}`` turns.

    Plain strings are allowed as items too (OpenCompass does so); they read as HUMAN turns.
    """

    def to_messages(self) -> list[dict[str, str]]:
        """The turns as OpenAI chat messages (``role``/``content``)."""
        messages = []
        for turn in self:
            if isinstance(turn, str):
                messages.append({"role": "user", "content": turn})
                continue
            role = ROLE_TO_OPENAI.get(str(turn["role"]).upper(), str(turn["role"]).lower())
            messages.append({"role": role, "content": str(turn["prompt"])})
        return messages

    def to_text(self) -> str:
        """The turns joined by newlines, as AISBench does for a model without a meta template."""
        return "\n".join(turn if isinstance(turn, str) else str(turn["prompt"]) for turn in self)


PromptType = PromptList | str


def prompt_to_text(prompt: PromptType) -> str:
    """A prompt as one string, for completion-style endpoints."""
    return prompt.to_text() if isinstance(prompt, PromptList) else prompt


def prompt_to_messages(prompt: PromptType) -> list[dict[str, str]]:
    """A prompt as OpenAI chat messages; a plain string becomes one user turn."""
    if isinstance(prompt, PromptList):
        return prompt.to_messages()
    return [{"role": "user", "content": prompt}]
