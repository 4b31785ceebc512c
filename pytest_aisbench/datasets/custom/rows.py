"""A custom data file's rows: every row of a ``.jsonl`` or ``.csv`` file (UTF-8, a BOM
allowed, CSV values as strings), ``max_tokens`` read as the row's ``max_out_len``, then its meta
file applied (`meta`); and its first record read alone, which the config is made from."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, Row
from pytest_aisbench.datasets.custom.meta import output_lengths, read_meta, sample_rows
from pytest_aisbench.datasets.files import read_csv, read_jsonl, reading
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.registry import LOAD_DATASET

DATA_SUFFIXES = (".jsonl", ".csv")


@LOAD_DATASET.register_module()
class CustomDataset(BaseDataset):
    """A custom ``.jsonl`` or ``.csv`` file's rows, with ``max_tokens`` renamed and the meta
    file applied (`meta`)."""

    @staticmethod
    def load(  # type: ignore[override]
        path: str, file_name: str | None = None, meta_path: str = ""
    ) -> list[Row]:
        """The rows of `path` (joined with `file_name` when given), one list for train and
        test; `meta_path` names the meta file when it is not ``<data file>.meta.json``."""
        file = Path(path) / file_name if file_name is not None else Path(path)
        rows = read_rows(file)
        for row in rows:
            if "max_tokens" in row:
                limit = row.pop("max_tokens")
                if limit is not None:
                    row["max_out_len"] = limit
        meta = read_meta(file, meta_path)
        if meta is None:
            return rows
        rows = sample_rows(rows, meta.sampling_mode, meta.request_count, file)
        if meta.output is not None:
            for row, limit in zip(rows, output_lengths(meta.output, len(rows)), strict=True):
                row["max_out_len"] = limit  # the meta file's lengths win over the rows'
        return rows


def read_rows(file: Path) -> list[Row]:
    """Every row of a ``.jsonl`` or ``.csv`` file; a malformed line names file and line."""
    suffix = file.suffix.lower()
    if suffix == ".jsonl":
        return read_jsonl(file)
    if suffix == ".csv":
        return read_csv(file)
    raise DatasetError(
        f"{file}: a custom dataset is a .jsonl or .csv file, not {suffix or file.name!r}"
    )


def first_record(file: Path) -> Row:
    """The first row, read alone: a custom dataset's config comes from it (AISBench's rule),
    and a large file is not read twice to make it."""
    suffix = file.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise DatasetError(
            f"{file}: a custom dataset is a .jsonl or .csv file, not {suffix or file.name!r}"
        )
    try:
        with reading(file), file.open(encoding="utf-8-sig", newline="") as stream:
            if suffix == ".jsonl":
                return _first_json_line(file, stream)
            reader = csv.reader(stream)
            header = next(reader, None)
            row = next((cells for cells in reader if cells), None)
    except csv.Error as exc:
        raise DatasetError(f"{file.absolute()}: not a readable CSV file ({exc})") from None
    if not header or row is None:
        raise DatasetError(f"{file.absolute()}: no rows (a header line and one row at least)")
    return dict(zip(header, row, strict=False))


def _first_json_line(file: Path, stream: Any) -> Row:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise DatasetError(
                f"{file.absolute()}, line {number}: not valid JSON ({exc})"
            ) from None
        if not isinstance(record, dict):
            raise DatasetError(f"{file.absolute()}, line {number}: expected a JSON object")
        return record
    raise DatasetError(f"{file.absolute()}: no rows")
