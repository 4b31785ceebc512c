"""The shared readers' helpers: `bad_row` names the line a wrong row stands on (blank lines
skipped as the readers skip them), `lacks` the columns a row has, and `read_parquet` the extra
to install when pyarrow is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_aisbench.datasets.files import bad_row, lacks, read_csv, read_jsonl, read_parquet
from pytest_aisbench.errors import ConfigError, DatasetError


def test_bad_row_names_the_json_line_after_blank_lines(tmp_path: Path) -> None:
    file = tmp_path / "rows.jsonl"
    file.write_text('{"a": 1}\n\n   \n{"a": 2}\n', encoding="utf-8")
    assert [row["a"] for row in read_jsonl(file)] == [1, 2]
    error = bad_row(file, 1, "'a' must be 1")
    assert isinstance(error, DatasetError)
    assert str(error) == f"{file.absolute()}, line 4: 'a' must be 1"


def test_bad_row_in_a_headerless_list_skips_empty_lines_only(tmp_path: Path) -> None:
    file = tmp_path / "dev-labels.lst"
    file.write_text("1\n\n7\n", encoding="utf-8")
    assert [row["label"] for row in read_csv(file, columns=("label",))] == ["1", "7"]
    assert str(bad_row(file, 1, "label 7")).endswith("dev-labels.lst, line 3: label 7")


def test_bad_row_names_the_index_where_there_is_no_line(tmp_path: Path) -> None:
    parquet = tmp_path / "rows.parquet"
    parquet.write_bytes(b"PAR1")
    assert str(bad_row(parquet, 3, "no answer")) == f"{parquet.absolute()}, row 3: no answer"
    gone = tmp_path / "gone.jsonl"
    assert str(bad_row(gone, 0, "x")) == f"{gone.absolute()}, row 0: x"


def test_lacks_names_the_missing_and_the_found_columns() -> None:
    assert lacks({"q": 1, "a": 2}, "label") == "no column 'label'; columns found: 'q', 'a'"
    assert lacks({}, "x", "y") == "no column 'x', 'y'; columns found: (none)"


def test_read_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "test.parquet"
    file.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import now raises ImportError
    extra = r"needs pyarrow.*pip install 'pytest-aisbench\[parquet\]'"
    with pytest.raises(ConfigError, match=extra):
        read_parquet(file)


def test_read_parquet_rows_missing_and_damaged_files(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    file = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([{"a": 1}, {"a": 2}]), file)
    assert read_parquet(file) == [{"a": 1}, {"a": 2}]
    with pytest.raises(DatasetError, match=r"dataset file not found: .*gone\.parquet"):
        read_parquet(tmp_path / "gone.parquet")
    file.write_bytes(b"PAR1 not really")
    with pytest.raises(DatasetError, match=r"rows\.parquet: not a readable parquet file"):
        read_parquet(file)
