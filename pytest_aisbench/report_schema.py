"""Which report versions this plugin writes and reads, and the one reader of a report file.

A report's ``run`` line says its ``schema_version`` (`SCHEMA_VERSION`); a report without one is
version 1 (written before the field existed). Every version from 1 up to this plugin's is read;
a newer one is refused with a message naming both versions, since its lines may mean what this
plugin cannot know. The JSON Schema of each line type is ``schemas/report.schema.json``
(documented in ``docs/report-schema.md``); the tests validate every report they write against it.
"""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError

SCHEMA_VERSION = 2
"""2: ``model`` and ``dataset`` lines with fingerprints, ``prompt``/``test_id`` on samples,
the comparison lines; the ``run`` line no longer lists datasets. 1: the first reports."""
OLDEST_READ = 1


def plugin_version() -> str:
    """The installed pytest-aisbench's version ('' when it runs from a bare checkout)."""
    try:
        return metadata.version("pytest-aisbench")
    except metadata.PackageNotFoundError:
        return ""


def json_schema() -> dict[str, Any]:
    """The report's JSON Schema (draft 2020-12), shipped with the package."""
    text = resources.files("pytest_aisbench").joinpath("schemas/report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def report_lines(path: Path, option: str) -> list[tuple[int, dict[str, Any]]]:
    """Every line of a report with its line number, decoded.

    The last line, when a killed run left it cut short, is dropped; any other line that is not
    a JSON object is an error naming `option`, the file and the line.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{option}: cannot read {path}: {exc.strerror or exc}") from None
    chunks = raw.split(b"\n")
    lines: list[tuple[int, dict[str, Any]]] = []
    for number, chunk in enumerate(chunks, start=1):
        if not chunk.strip():
            continue
        try:
            data = json.loads(chunk.decode("utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                raise ValueError("not a JSON object with a 'type'")
        except ValueError as exc:
            if number == len(chunks) and not raw.endswith(b"\n"):
                break  # the line a killed run was writing
            raise ConfigError(
                f"{option}: {path}, line {number}: not a report line ({exc})"
            ) from None
        lines.append((number, data))
    return lines


def check_version(runs: list[dict[str, Any]], path: Path, option: str) -> int:
    """The report's schema version (its newest ``run`` line's); a version this plugin cannot
    read is an error naming both."""
    versions = [run.get("schema_version", 1) for run in runs]
    for version in versions:
        if not isinstance(version, int) or isinstance(version, bool):
            raise ConfigError(f"{option}: {path}: schema_version {version!r} is not an integer")
        if not OLDEST_READ <= version <= SCHEMA_VERSION:
            raise ConfigError(
                f"{option}: {path} was written with report schema version {version}; this "
                f"pytest-aisbench ({plugin_version() or 'checkout'}) reads versions "
                f"{OLDEST_READ} to {SCHEMA_VERSION}"
                + ("; upgrade pytest-aisbench to read it" if version > SCHEMA_VERSION else "")
            )
    return max(versions, default=SCHEMA_VERSION)


def load_report(path: Path, option: str = "report") -> list[dict[str, Any]]:
    """Every line of an earlier report (any version this plugin reads), for comparisons and
    renderers; a file without a ``run`` line is not a report. `option` names what gave the path
    (``--aisbench-baseline``) in messages."""
    lines = [data for _, data in report_lines(path, option)]
    runs = [data for data in lines if data["type"] == "run"]
    if not runs:
        raise ConfigError(f"{option}: {path} is not an aisbench report (it has no run line)")
    check_version(runs, path, option)
    return lines


def schema_problems(path: Path) -> list[str]:
    """Each line of a report that its JSON Schema refuses, as ``line N: why`` (needs the
    ``jsonschema`` package: ``pip install jsonschema``)."""
    try:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import best_match
    except ImportError:
        raise ConfigError("checking a report needs jsonschema: pip install jsonschema") from None
    schema = json_schema()
    kinds = schema["$defs"]
    validators = {
        kind: Draft202012Validator({"$defs": kinds, "$ref": f"#/$defs/{kind}"}) for kind in kinds
    }
    problems = []
    for number, data in report_lines(path, "report"):
        validator = validators.get(data["type"])
        if validator is None:
            problems.append(f"line {number}: unknown type {data['type']!r}; allowed: "
                            + ", ".join(kinds))  # fmt: skip
            continue
        error = best_match(validator.iter_errors(data))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "line"
            problems.append(f"line {number} ({data['type']}): {where}: {error.message}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m pytest_aisbench.report_schema REPORT...``: check reports against the schema;
    exit status 1 when a line does not match, 2 when a file cannot be read."""
    import sys

    paths = sys.argv[1:] if argv is None else argv
    status = 0
    for name in paths:
        try:
            problems = schema_problems(Path(name))
            load_report(Path(name))
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        for problem in problems:
            print(f"{name}: {problem}")
        status = max(status, 1 if problems else 0)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
