"""``python -m pytest_aisbench.html REPORT.jsonl [-o OUT.html]``: the HTML page of a report
written earlier (default output: the report's path with ``.html``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.html import write_html
from pytest_aisbench.report_schema import load_report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_aisbench.html",
        description="Write the self-contained HTML page of a pytest-aisbench JSON report.",
    )
    parser.add_argument("report", type=Path, help="the --aisbench-report file (JSON lines)")
    parser.add_argument("-o", "--output", type=Path, help="the HTML file (default: REPORT.html)")
    args = parser.parse_args(argv)
    output: Path = args.output or args.report.with_suffix(".html")
    try:
        lines = load_report(args.report)
        write_html(output, lines)
    except OSError as exc:
        print(f"error: cannot read {args.report}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (AisbenchError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {output} ({output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
