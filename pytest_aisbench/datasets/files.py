"""Reading a dataset's files: JSONL, JSON, CSV, TSV and parquet rows, with errors that name the
file, the line and the column, and the hint to the datasets folder when a file is missing.

Every dataset class reads through these, so a bad download or edit reads the same way for each
family: ``<file>, line 7: not valid JSON (...)``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pytest_aisbench import fast_json
from pytest_aisbench.datasets.base import Row
from pytest_aisbench.errors import ConfigError, DatasetError

WHERE = (
    "datasets are read from the folder given by --aisbench-datasets-dir, $AISBENCH_DATASETS_DIR, "
    "$AIS_BENCH_DATASETS_CACHE or the ini option aisbench_datasets_dir"
)
PARQUET_EXTRA = "pip install 'pytest-aisbench[parquet]'"
"""What to install for parquet datasets (MMLU-Pro, DAPO-Math): pyarrow is an optional extra."""


def missing(path: Path, what: str = "dataset file") -> DatasetError:
    """The error for a file that is not there, with where datasets are looked for."""
    return DatasetError(f"{what} not found: {path.absolute()} ({WHERE})")


def read_jsonl(path: str | Path) -> list[Row]:
    """One JSON object per non-empty line (UTF-8, a BOM allowed)."""
    file = Path(path)
    rows = []
    for number, line in enumerate(_lines(file), start=1):
        if not line.strip():
            continue
        try:
            row = fast_json.loads(line)
        except ValueError as exc:
            where = f"{file.absolute()}, line {number}"
            raise DatasetError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{file.absolute()}, line {number}: expected a JSON object")
        rows.append(row)
    return rows


def read_json(path: str | Path) -> Any:
    """A whole JSON file."""
    file = Path(path)
    try:
        return json.loads(_text(file))
    except ValueError as exc:
        raise DatasetError(f"{file.absolute()}: not valid JSON ({exc})") from None


def read_csv(
    path: str | Path, columns: Iterable[str] | None = None, delimiter: str = ","
) -> list[Row]:
    """Rows of a CSV (or TSV) file, values as strings: named by the header line, or by
    `columns` when the file has none. A quoted cell may hold line breaks (C-Eval's and CMMLU's
    questions do). A row with too few or too many cells names its line."""
    file = Path(path)
    reader = csv.reader(io.StringIO(_text(file), newline=""), delimiter=delimiter)
    names = list(columns) if columns is not None else next(reader, None)
    if not names:
        raise DatasetError(f"{file.absolute()}: empty file (no header line)")
    rows = []
    for cells in reader:
        if not cells:
            continue
        if len(cells) != len(names):
            raise DatasetError(
                f"{file.absolute()}, line {reader.line_num}: {len(cells)} cells, expected "
                f"{len(names)} ({', '.join(names)})"
            )
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def read_labelled(
    data_file: Path, label_file: Path, columns: Iterable[str]
) -> list[tuple[Row, str]]:
    """AI2's layout (PIQA, Social IQa): the rows of a JSON-lines file, each with `columns`, and
    their labels, one a line of a labels list that must have as many. Labels come as written
    (a family checks its own); a wrong one is named with `bad_row` on the labels file."""
    rows = read_jsonl(data_file)
    require_columns(rows, columns, str(data_file.absolute()))
    labels = read_csv(label_file, columns=("label",))
    if len(labels) != len(rows):
        raise DatasetError(
            f"{label_file.absolute()} has {len(labels)} labels for the {len(rows)} rows of "
            f"{data_file.absolute()}"
        )
    return [(row, cell["label"]) for row, cell in zip(rows, labels, strict=True)]


def read_parquet(path: str | Path) -> list[Row]:
    """A parquet file's rows as dicts. pyarrow is optional (the ``parquet`` extra), so it is
    imported only here: without it the error says what to install."""
    file = Path(path)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(
            f"{file}: reading parquet datasets needs pyarrow, which is not installed: "
            f"{PARQUET_EXTRA}"
        ) from None
    try:
        rows: list[Row] = pq.read_table(file).to_pylist()
    except FileNotFoundError:
        raise missing(file) from None
    except Exception as exc:  # pyarrow's ArrowInvalid, OSError for a damaged file
        raise DatasetError(f"{file.absolute()}: not a readable parquet file ({exc})") from None
    return rows


def require_columns(rows: list[Row], columns: Iterable[str], source: str) -> None:
    """Every row has `columns`; the first that lacks one is named with what it has."""
    wanted = list(columns)
    for number, row in enumerate(rows):
        lacking = [c for c in wanted if c not in row]
        if lacking:
            raise DatasetError(f"{source}: row {number} has {lacks(row, *lacking)}")


def lacks(row: Row, *columns: str) -> str:
    """What a row without `columns` lacks, with the columns it has, so a renamed column in a
    download is seen at once."""
    found = ", ".join(map(repr, row)) or "(none)"
    return f"no column {', '.join(map(repr, columns))}; columns found: {found}"


def bad_row(path: str | Path, index: int, message: str) -> DatasetError:
    """The error for a row that was read but is wrong (a label outside its set, too few
    options), named by file and line like the readers' own errors.

    `index` counts the rows a reader returned, and the readers skip blank lines, so the line
    is looked up again here, only when there is an error. A parquet row has no line: its index
    is named."""
    file = Path(path)
    line = None if file.suffix == ".parquet" else _row_line(file, index)
    where = f"line {line}" if line is not None else f"row {index}"
    return DatasetError(f"{file.absolute()}, {where}: {message}")


def _row_line(file: Path, index: int) -> int | None:
    """The 1-based line of the `index`-th row: `read_jsonl` skips blank lines, `read_csv` (of a
    file without a header line, one row a line: a TSV, a labels list) empty ones. None when
    the file cannot be read again or has fewer rows."""
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    jsonl = file.suffix == ".jsonl"
    numbers = (n for n, line in enumerate(lines, start=1) if (line.strip() if jsonl else line))
    return next(itertools.islice(numbers, index, None), None)


@contextlib.contextmanager
def reading(file: Path) -> Iterator[None]:
    """Reading `file`: a missing, unreadable or non-UTF-8 file is a `DatasetError` naming it."""
    try:
        yield
    except FileNotFoundError:
        raise missing(file) from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{file.absolute()}: not UTF-8 text ({exc})") from None
    except OSError as exc:
        raise DatasetError(f"cannot read {file.absolute()}: {exc}") from None


def _text(file: Path) -> str:
    with reading(file):
        return file.read_text(encoding="utf-8-sig")


def _lines(file: Path) -> list[str]:
    return _text(file).splitlines()
