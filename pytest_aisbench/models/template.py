"""Meta templates: how a dataset's prompt becomes what a model is sent (AISBench semantics).

A dataset prompt is a `PromptList` of turns (``{"role": "HUMAN", "prompt": ...}``), optionally
split into sections by markers (``{"section": "begin"|"round"|"ice"|"end", "pos":
"begin"|"end"}``). A backend's ``meta_template`` says how each role is written:

    meta_template = dict(
        begin="<s>",                                   # before everything (LM) / first turn (API)
        round=[dict(role="HUMAN", begin="[INST]", end="[/INST]", api_role="HUMAN"),
               dict(role="BOT", begin="", end="</s>", generate=True, api_role="BOT")],
        reserved_roles=[dict(role="SYSTEM", api_role="SYSTEM")],
        end="",                                        # after everything, unless generation
    )

The turns of a ``round`` section are cut into rounds (a role that comes again starts a new
round), and each round is written with the ``round`` template, the round's turns filling the
roles. In ``gen`` mode the last round stops at the first role with ``generate=True``: the model
writes that turn. `LMTemplateParser` makes one string (``begin + prompt + end`` per role; the
generating role's ``begin`` is kept, so the prompt ends where the model starts). The
`APITemplateParser` makes a `PromptList` of ``{"role": api_role, "prompt": ...}`` turns for
chat APIs, merging consecutive turns of one role. Without a meta template both join the turns'
prompts with newlines. A prompt without any section marker reads as one ``round`` section.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.utils.prompt import PromptList

SECTIONS = ("begin", "round", "ice", "end")
Piece = Any
"""A rendered part: a string (LM) or a list of API turns."""


class _TemplateParser:
    """What both parsers share: checking the meta template, sections, rounds and roles."""

    def __init__(self, meta_template: dict[str, Any] | None = None) -> None:
        self.meta_template = meta_template or None
        self.roles: dict[str, dict[str, Any]] = {}
        if self.meta_template is None:
            return
        if not isinstance(self.meta_template.get("round"), list):
            raise ConfigError("must hold a list 'round' of role dicts", key="meta_template")
        reserved = self.meta_template.get("reserved_roles", [])
        if not isinstance(reserved, list):
            raise ConfigError("'reserved_roles' must be a list of role dicts", key="meta_template")
        for item in [*self.meta_template["round"], *reserved]:
            if isinstance(item, str):
                continue
            if not isinstance(item, dict) or "role" not in item:
                raise ConfigError(f"{item!r} is not a role dict or a string", key="meta_template")
            if item["role"] in self.roles:
                raise ConfigError(f"role {item['role']!r} appears twice", key="meta_template")
            self.roles[item["role"]] = dict(item)

    def parse_template(self, prompt_template: Any, mode: str = "gen") -> Any:
        """The prompt to send for `prompt_template`; a list or tuple of prompts is a batch."""
        if mode not in ("gen", "ppl"):
            raise ValueError(f"mode must be 'gen' or 'ppl', not {mode!r}")
        if isinstance(prompt_template, str):
            return prompt_template
        if not isinstance(prompt_template, PromptList):
            if isinstance(prompt_template, (list, tuple)):
                return [self.parse_template(p, mode) for p in prompt_template]
            raise TypeError(f"a prompt is a str or a PromptList, not {type(prompt_template)}")
        if self.meta_template is None:
            return self._without_meta(prompt_template)
        items = list(prompt_template)
        if not any(isinstance(i, dict) and "section" in i for i in items):
            items = [{"section": "round", "pos": "begin"}, *items]
            items.append({"section": "round", "pos": "end"})
        return self._with_meta(items, mode == "gen")

    @property
    def round_template(self) -> list[Any]:
        assert self.meta_template is not None
        return list(self.meta_template["round"])

    def _with_meta(self, items: list[Any], gen: bool) -> Any:
        pieces: list[Piece] = []
        stack: list[tuple[str, int]] = []
        cont = True
        for position, item in enumerate(items):
            if not cont:
                break
            if isinstance(item, dict) and "section" in item:
                section, pos = item["section"], item.get("pos")
                if pos == "begin":
                    if section not in SECTIONS:
                        raise ConfigError(f"unknown template section {section!r}; use {SECTIONS}")
                    stack.append((section, position + 1))
                    continue
                if pos != "end" or not stack or stack[-1][0] != section:
                    raise ConfigError(f"template marker {item!r} does not close an open section")
                section, start = stack.pop()
                if section in ("round", "ice"):
                    rounds = self._split_rounds(items[start:position])
                    for number, turns in enumerate(rounds):
                        for_gen = gen and section == "round" and number == len(rounds) - 1
                        piece, cont = self._render(self.round_template, turns, for_gen)
                        pieces.append(piece)
            elif isinstance(item, str):
                pieces.append(self._loose_string(item))
            elif stack and stack[-1][0] in ("begin", "end"):
                piece, cont = self._render([item], [item], for_gen=False)
                pieces.append(piece)
        return self._join(pieces, generated=cont)

    def _split_rounds(self, turns: list[Any]) -> list[list[dict[str, Any]]]:
        """The turns cut into rounds: a role at or before the previous one's place starts one."""
        order = {
            cfg["role"]: i for i, cfg in enumerate(self.round_template) if isinstance(cfg, dict)
        }
        rounds: list[list[dict[str, Any]]] = []
        last = len(order)
        for turn in turns:
            if isinstance(turn, str):
                continue
            place = order.get(turn.get("role"), order.get(turn.get("fallback_role")))
            if place is None:
                raise ConfigError(
                    f"turn {turn!r} has a role the meta template's round lacks, and no "
                    f"fallback_role; its roles: {sorted(order)}"
                )
            if place <= last:
                rounds.append([])
            rounds[-1].append(turn)
            last = place
        return rounds

    def _role_config(self, turns: list[Any]) -> dict[str, dict[str, Any]]:
        """The meta template's roles, each updated with the turn of this round that fills it."""
        roles = copy.deepcopy(self.roles)
        for turn in turns:
            if isinstance(turn, dict):
                role = turn["role"] if turn["role"] in roles else turn.get("fallback_role")
                if role not in roles:
                    raise ConfigError(f"turn {turn!r} has no role of the meta template")
                roles[role].update(turn)
        return roles

    def _render(self, template: list[Any], turns: list[Any], for_gen: bool) -> tuple[Piece, bool]:
        """One round (or one begin/end turn): each role of `template`, filled from `turns`."""
        roles = self._role_config(turns)
        parts: list[Piece] = []
        for slot in template:
            if isinstance(slot, str):
                parts.append(self._loose_string(slot))
                continue
            role = slot["role"] if slot["role"] in roles else slot.get("fallback_role")
            part, cont = self._role(roles[role], for_gen)
            parts.append(part)
            if not cont:
                return self._join(parts, generated=False, outer=False), False
        return self._join(parts, generated=True, outer=False), True

    # -- what differs between the two -----------------------------------------------------------

    def _without_meta(self, prompt: PromptList) -> Any:
        return prompt.to_text()

    def _loose_string(self, text: str) -> Piece:
        raise NotImplementedError

    def _role(self, role: dict[str, Any], for_gen: bool) -> tuple[Piece, bool]:
        raise NotImplementedError

    def _join(self, pieces: list[Piece], generated: bool, outer: bool = True) -> Any:
        raise NotImplementedError


class LMTemplateParser(_TemplateParser):
    """Writes a prompt as one string, for local models and completion-style APIs."""

    def _loose_string(self, text: str) -> str:
        return text

    def _role(self, role: dict[str, Any], for_gen: bool) -> tuple[str, bool]:
        begin = str(role.get("begin", ""))
        if for_gen and role.get("generate"):
            return begin, False
        return begin + str(role.get("prompt", "")) + str(role.get("end", "")), True

    def _join(self, pieces: list[str], generated: bool, outer: bool = True) -> str:
        text = "".join(pieces)
        if not outer:
            return text
        assert self.meta_template is not None
        text = str(self.meta_template.get("begin", "")) + text
        return text + str(self.meta_template.get("end", "")) if generated else text


class APITemplateParser(_TemplateParser):
    """Writes a prompt as chat turns ``{"role": api_role, "prompt": ...}`` for chat APIs."""

    def _loose_string(self, text: str) -> list[Any]:
        if text.strip():
            warnings.warn(
                f"a string outside any role is ignored by chat APIs: {text[:60]!r}", stacklevel=4
            )
        return []

    def _role(self, role: dict[str, Any], for_gen: bool) -> tuple[list[Any], bool]:
        if for_gen and role.get("generate"):
            return [], False
        if "prompt" not in role:
            return [], True  # a role this round does not fill
        begin, end = str(role.get("begin", "")), str(role.get("end", ""))
        prompt = role["prompt"]
        if isinstance(prompt, list):  # content parts (text, image_url): kept as parts
            prompt = [*_text_parts(begin), *prompt, *_text_parts(end)]
        else:
            prompt = begin + str(prompt) + end
        return [{"role": role.get("api_role", role["role"]), "prompt": prompt}], True

    def _join(self, pieces: list[list[Any]], generated: bool, outer: bool = True) -> Any:
        turns = [turn for piece in pieces for turn in piece]
        if not outer:
            return turns
        merged = PromptList()
        for turn in turns:
            if merged and merged[-1]["role"] == turn["role"]:
                joined = _merge_prompts(merged[-1]["prompt"], turn["prompt"])
                merged[-1] = {**merged[-1], "prompt": joined}
            else:
                merged.append(turn)
        assert self.meta_template is not None
        begin = self.meta_template.get("begin")
        if begin:
            merged.insert(0, begin)
        return merged


def _text_parts(text: str) -> list[dict[str, Any]]:
    """A role's ``begin``/``end`` as a text part beside content parts (none when empty)."""
    return [{"type": "text", "text": text}] if text else []


def _merge_prompts(first: Any, second: Any) -> Any:
    """Two prompts of one role as one: strings joined by a newline (AISBench's merge), and
    content parts (a multimodal turn, see `pytest_aisbench.utils.prompt`) concatenated."""
    if isinstance(first, str) and isinstance(second, str):
        return first + "\n" + second
    return [
        *(first if isinstance(first, list) else _text_parts(str(first))),
        *(second if isinstance(second, list) else _text_parts(str(second))),
    ]
