"""The offline HTML report: one self-contained file made from the JSON report's lines.

`render_html(lines)` returns the page; `write_html(path, lines)` writes it. ``lines`` are the
report's decoded JSON lines (`report_schema.load_report`). The page embeds plotly.js from the Python
``plotly`` package (the ``html`` extra), so it opens from disk with nothing fetched. Also:
``python -m pytest_aisbench.html REPORT.jsonl -o OUT.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.html.page import plotly_js, render

__all__ = ["render_html", "write_html"]


def render_html(lines: list[dict[str, Any]]) -> str:
    """The page for a report's lines; a `ConfigError` when plotly is not installed."""
    return render(lines, plotly_js())


def write_html(path: Path, lines: list[dict[str, Any]]) -> None:
    """Write the page for `lines` to `path` (its folder is made); `ConfigError` when plotly is
    missing or the file cannot be written."""
    page = render_html(lines)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the HTML report {path}: {exc.strerror or exc}") from None
