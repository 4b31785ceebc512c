"""The per-sample view's data: every ``sample`` line once, compact, for the page's script.

Rows are arrays in `COLUMNS` order (no repeated keys), and prompt texts are interned: a
few-shot chat prompt repeats the same example turns in every sample, so each distinct text is
stored once in ``strings`` and a prompt is a list of ``[role, string index]``. 15,000 GSM8K
samples stay a few megabytes instead of tens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytest_aisbench.records import OUTCOMES

Line = dict[str, Any]

COLUMNS = (
    "model", "dataset", "index", "outcome", "test_id", "prediction", "reasoning", "extracted",
    "reference", "error", "prompt", "finish_reason", "input_tokens", "output_tokens",
    "attempts", "ttft_s", "e2el_s", "notes",
)  # fmt: skip


class _Strings:
    """Distinct texts, each stored once; a text is referred to by its position."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def ref(self, value: str) -> int:
        position = self._index.get(value)
        if position is None:
            position = self._index[value] = len(self.items)
            self.items.append(value)
        return position


def _prompt(value: Any, strings: _Strings) -> Any:
    """A string prompt as a string index; chat turns as ``[[role, index], ...]``; else None."""
    if isinstance(value, str):
        return strings.ref(value)
    if isinstance(value, list):
        turns = []
        for turn in value:
            if isinstance(turn, dict):
                content = turn.get("content", turn.get("prompt", ""))
                role = str(turn.get("role", ""))
            else:
                content, role = turn, ""
            if not isinstance(content, str):  # a multimodal part list: shown as JSON text
                content = repr(content)
            turns.append([role, strings.ref(content)])
        return turns
    return None


def _in_order(outcomes: set[str]) -> list[str]:
    """The outcomes present, in the accuracy table's order (unknown ones after, sorted)."""
    return [o for o in OUTCOMES if o in outcomes] + sorted(outcomes - set(OUTCOMES))


def sample_data(samples: Sequence[Line]) -> dict[str, Any]:
    """``{"columns", "rows", "strings", "outcomes", "models", "datasets"}`` for the page."""
    strings = _Strings()
    rows = []
    for sample in samples:
        row = [sample.get(column) for column in COLUMNS]
        row[COLUMNS.index("prompt")] = _prompt(sample.get("prompt"), strings)
        row[COLUMNS.index("test_id")] = sample.get("test_id") or ""
        rows.append(row)
    return {
        "columns": list(COLUMNS),
        "rows": rows,
        "strings": strings.items,
        "outcomes": _in_order({str(s.get("outcome")) for s in samples}),
        "models": sorted({str(s.get("model")) for s in samples}),
        "datasets": sorted({str(s.get("dataset")) for s in samples}),
    }
