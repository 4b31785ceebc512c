"""`PromptTemplate`: how a dataset row becomes a prompt, AISBench's three template forms.

- a string with ``{column}`` fields;
- a meta template, a dict of ``begin``/``round``/``end`` whose ``round`` holds
  ``dict(role="HUMAN"|"BOT"|"SYSTEM", prompt=...)`` turns: a `PromptList` with section markers,
  which the backend's template parser renders (`pytest_aisbench.models.template`);
- a label -> template dict (perplexity configs): one template per answer label.

For generation the output column's field is filled with ``''`` (so ``Answer: {answer}`` ends the
prompt) and the ``ice_token`` is replaced by the in-context examples. Fields are filled with
`safe_format`, which leaves other braces alone (LaTeX, JSON in prompts).
"""

from __future__ import annotations

import functools
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.registry import ICL_PROMPT_TEMPLATES
from pytest_aisbench.utils.prompt import PromptList, PromptType, safe_format

META_KEYS = ("begin", "round", "end")


@ICL_PROMPT_TEMPLATES.register_module()
class PromptTemplate:
    """A prompt or in-context-example template (``infer_cfg.prompt_template``/``ice_template``)."""

    def __init__(
        self,
        template: str | dict[Any, Any],
        ice_token: str | None = None,
        sep_token: str | None = None,
    ) -> None:
        if not isinstance(template, (str, dict)):
            raise ConfigError(f"template must be a str or a dict, not {type(template).__name__}")
        for name, token in (("ice_token", ice_token), ("sep_token", sep_token)):
            if token is not None and not isinstance(token, str):
                raise ConfigError(f"{name} must be a str or None, not {token!r}")
        self.template = template
        self.ice_token = ice_token
        self.sep_token = sep_token
        self.is_meta = (
            isinstance(template, dict) and bool(template) and set(template) <= set(META_KEYS)
        )
        if self.is_meta and not isinstance(template.get("round"), list):  # type: ignore[union-attr]
            raise ConfigError("a meta template needs a 'round' list of role turns")
        if ice_token and not self._mentions(ice_token):
            raise ConfigError(f"ice_token {ice_token!r} appears nowhere in the template")

    def _mentions(self, token: str) -> bool:
        return token in repr(self.template)

    def generate_ice_item(self, entry: dict[str, Any], label: Any) -> PromptType:
        """One in-context example: `entry` with its answer (`label` picks a label template)."""
        encoded = self._encode(self._pick(label), ice=True)
        if self.ice_token is not None:
            encoded = encoded.replace(self.ice_token, "")
        return self._fill(self._drop_sep(encoded), entry)

    def generate_item(
        self,
        entry: dict[str, Any],
        output_field: str | None = None,
        output_field_replace_token: str = "",
        ice: PromptType = "",
    ) -> PromptType:
        """The prompt of one test row: its output column blanked, the examples at ``ice_token``."""
        encoded = self._item_template
        if self.ice_token is not None:
            encoded = encoded.replace(self.ice_token, ice)  # type: ignore[arg-type]
        if output_field is not None:
            entry = {**entry, output_field: output_field_replace_token}
        return self._fill(self._drop_sep(encoded), entry)

    @functools.cached_property
    def _item_template(self) -> PromptType:
        """The template a test row fills, encoded once (every step after it makes a copy)."""
        template = self.template
        if isinstance(template, dict) and not self.is_meta:  # a label template used to generate
            template = next(iter(template.values()))
        return self._encode(template, ice=False)

    def _pick(self, label: Any) -> Any:
        if isinstance(self.template, str) or self.is_meta:
            return self.template
        if label not in self.template:
            raise ConfigError(f"no template for label {label!r}; labels: {list(self.template)}")
        return self.template[label]

    def _encode(self, template: Any, ice: bool) -> PromptType:
        """A string as it is; a meta template as turns between section markers (examples in an
        ``ice`` section, without ``begin`` and ``end``)."""
        if isinstance(template, str):
            return template
        prompt = PromptList()
        if "begin" in template and not ice:
            prompt += _section("begin", template["begin"])
        prompt += _section("ice" if ice else "round", template["round"])
        if "end" in template and not ice:
            prompt += _section("end", template["end"])
        return prompt

    def _drop_sep(self, prompt: PromptType) -> PromptType:
        return prompt.replace(self.sep_token, "") if self.sep_token is not None else prompt

    @staticmethod
    def _fill(prompt: PromptType, entry: dict[str, Any]) -> PromptType:
        return safe_format(prompt, **entry) if isinstance(prompt, str) else prompt.format(**entry)

    def __repr__(self) -> str:
        return f"PromptTemplate(template={self.template!r}, ice_token={self.ice_token!r})"


def _section(name: str, body: Any) -> PromptList:
    """`body` (a turn, a string or a list of them) between the section's two markers."""
    items = body if isinstance(body, list) else [body]
    return PromptList([{"section": name, "pos": "begin"}, *items, {"section": name, "pos": "end"}])
