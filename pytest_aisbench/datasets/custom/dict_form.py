"""AISBench's documented dict form of a custom dataset inside a dataset config file,
``dict(path="x/qa.jsonl", data_type="qa")`` without ``abbr``/``type`` (AISBench documents it but
does not wire it): the one hook `openicl.compile_entry` calls. Its relative ``path`` resolves
under the datasets folder like every config's, so the config is made when samples are read."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.datasets.config_files import DatasetEntry
from pytest_aisbench.datasets.custom.synthesis import (
    check_entry_keys,
    compile_custom_dict,
    dataset_dict,
    default_abbr,
)
from pytest_aisbench.datasets.openicl import resolve_path
from pytest_aisbench.errors import DatasetError

OPENICL_SECTIONS = frozenset({"reader_cfg", "infer_cfg", "eval_cfg"})


def is_custom_entry(raw: Mapping[str, Any]) -> bool:
    """AISBench's documented custom dict: no ``type`` and no openicl sections (a dict with
    sections but no type is a normal config missing its type, and is told so)."""
    return "type" not in raw and not (OPENICL_SECTIONS & set(raw))


def compile_custom_entry(entry: DatasetEntry, name: str) -> DatasetConfig:
    """A dict form's config. Its keys are checked now; its file is found under the datasets
    folder when the samples are read (as every config's ``path`` is), and the config is made
    from its first record then."""
    check_entry_keys(entry.entry, entry.source)
    deferred = _Deferred(entry, name)
    return DatasetConfig(
        name=name,
        abbr=entry.entry.get("abbr") or default_abbr(entry.entry["path"]),
        path=entry.entry["path"],
        load=deferred.load,
        extract=deferred.extract,
        compare=deferred.compare,
        extract_for=deferred.extract_for,
        source=entry.source,
    )


class _Deferred:
    """A dict form's config, made when its samples are first read (the datasets folder is
    known then); answers are scored only after that, by the config made."""

    def __init__(self, entry: DatasetEntry, name: str) -> None:
        self.entry = entry
        self.name = name
        self.made: DatasetConfig | None = None
        self.lock = threading.Lock()

    def load(self, datasets_dir: Path) -> list[Sample]:
        with self.lock:
            if self.made is None:
                self.made = self.make(datasets_dir)
            made = self.made
        return made.load(datasets_dir)

    def make(self, datasets_dir: Path) -> DatasetConfig:
        raw, source = self.entry.entry, self.entry.source
        try:
            file = resolve_path(raw["path"], datasets_dir)
        except DatasetError as exc:
            raise DatasetError(f"{source}: key 'path': {exc}") from None
        given = dict(raw)
        if given.get("meta_path"):
            given["meta_path"] = str(_under(str(given["meta_path"]), datasets_dir))
        entry = self.entry
        built = DatasetEntry(dataset_dict(file, given, source), entry.file, entry.variable,
                             entry.position)  # fmt: skip
        return compile_custom_dict(built, self.name)

    def ready(self) -> DatasetConfig:
        if self.made is None:
            raise RuntimeError(f"{self.entry.source}: answers are scored before the samples "
                               "were read")  # fmt: skip
        return self.made

    def extract(self, text: str) -> str | None:
        return self.ready().extract(text)

    def extract_for(self, text: str, sample: Sample) -> str | None:
        made = self.ready()
        return made.extract_for(text, sample) if made.extract_for else made.extract(text)

    def compare(self, extracted: str, sample: Sample) -> bool:
        return self.ready().compare(extracted, sample)


def _under(path: str, datasets_dir: Path) -> Path:
    """A dict form's ``meta_path``, found as its data ``path`` is; where it is not, the path
    it names, so that the missing file is the error."""
    try:
        return resolve_path(path, datasets_dir)
    except DatasetError:
        given = Path(path).expanduser()
        return given if given.is_absolute() else datasets_dir / given
