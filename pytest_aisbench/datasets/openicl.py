"""An openicl dataset dict (``abbr``, ``type``, ``path``, ``reader_cfg``, ``infer_cfg``,
``eval_cfg``) checked key by key and turned into the `DatasetConfig` the engine runs.

AISBench's semantics, step by step:

- **rows**: ``type.load(path=..., **the dict's other keys)``; one list serves as train and
  test, a dict of splits is mapped by ``reader_cfg``'s ``train_split``/``test_split``; then
  ``train_range``/``test_range`` (``"[:8]"``, or an int/float for a subset drawn with
  ``random.Random(size)``, as AISBench draws it). A sample's index is its row's position in the
  test split after that, so records line up with AISBench's predictions; with ``n`` answers per
  row, each row is ``n`` consecutive samples (index ``row * n + repeat``), as AISBench repeats
  them, and the gates add avg@n and pass@k over each row's answers.
- **references**: the output column, through ``eval_cfg.dataset_postprocessor``.
- **prompts**: the retriever picks each row's examples from the train split, the
  ``ice_template`` writes them, the ``prompt_template`` writes the row with its output column
  blanked and the examples at its ``ice_token``. A ``max_out_len`` input column sets the row's
  output limit.
- **scoring**: the backend's ``pred_postprocessor``, the text up to the inferencer's first stop
  word, ``eval_cfg.pred_postprocessor``, then the evaluator on the one sample
  (`openicl.icl_evaluator.judge`), or a scorer named ``"package.module:function"`` as the
  evaluator's type (`pytest_aisbench.scorers`). An empty extraction is ``no_answer``.
"""

from __future__ import annotations

import functools
import inspect
import random
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig, Row, Sample
from pytest_aisbench.datasets.config_files import DatasetEntry
from pytest_aisbench.datasets.files import WHERE
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator import judge
from pytest_aisbench.openicl.icl_inferencer import GenInferencer
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_retriever import BaseRetriever, ZeroRetriever
from pytest_aisbench.registry import (
    ICL_EVALUATORS,
    ICL_INFERENCERS,
    ICL_PROMPT_TEMPLATES,
    ICL_RETRIEVERS,
    LOAD_DATASET,
    TEXT_POSTPROCESSORS,
    Registry,
)
from pytest_aisbench.scorers import Scorer, as_score, load_scorer
from pytest_aisbench.utils.prompt import PromptType

AISBENCH_PREFIX = "ais_bench/datasets/"
"""How AISBench's configs spell a path under the datasets folder."""
TOP_KEYS = ("abbr", "type", "path", "reader_cfg", "infer_cfg", "eval_cfg", "n", "k")
READER_KEYS = (
    "input_columns", "output_column", "train_split", "test_split", "train_range", "test_range",
)  # fmt: skip
INFER_KEYS = ("prompt_template", "ice_template", "retriever", "inferencer")
EVAL_KEYS = ("evaluator", "pred_postprocessor", "dataset_postprocessor", "pred_role")
NOT_RUN_KEYS = {
    "judge_infer_cfg": "an LLM judge",
    "judge_reader_cfg": "an LLM judge",
    "judge_model": "an LLM judge",
    "model_postprocessor": "a second, model-based scoring pass",
    "sc_size": "self-consistency voting",
}
"""Keys of configs this plugin does not run yet, and what they need."""
_ABBR = re.compile(r"^[A-Za-z0-9_.\-]+$")
_SLICE = re.compile(r"^\[\s*(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d*)\s*)?\]$")


def compile_entry(entry: DatasetEntry, name: str) -> DatasetConfig:
    """The `DatasetConfig` of one dataset dict; the first wrong key raises `ConfigError`
    naming the file, the list position and the key."""
    # AISBench's documented custom-file dict, dict(path="x.jsonl", data_type="qa"): datasets.custom
    from pytest_aisbench.datasets import custom

    if custom.is_custom_entry(entry.entry):
        return custom.compile_custom_entry(entry, name)
    spec = _Spec(entry)
    return DatasetConfig(
        name=name,
        abbr=spec.abbr,
        path=str(entry.entry.get("path", "")),
        load=functools.partial(_load_samples, spec),
        extract=spec.extract,
        compare=spec.compare,
        max_out_len=spec.inferencer.max_out_len,
        stop_words=spec.inferencer.stopping_criteria,
        source=entry.source,
        repeats=spec.repeats,
        pass_at=spec.pass_at,
        described={
            "config": entry.entry,
            "scorer": {key: entry.entry.get(key) for key in ("eval_cfg", "reader_cfg")},
        },
    )


class _Spec:
    """One dataset dict, checked and built (templates, retriever, inferencer, scorers)."""

    def __init__(self, entry: DatasetEntry) -> None:
        self.entry = entry
        raw = entry.entry
        self.source = entry.source
        for key, why in NOT_RUN_KEYS.items():
            if key in raw or key in raw.get("eval_cfg", {}) or key in raw.get("infer_cfg", {}):
                raise self.error(key, f"needs {why}, which pytest-aisbench does not run yet")
        self.cls = self.dataset_class(raw.get("type"))
        self.load_kwargs = self.loader_keys(raw)
        self.path = raw.get("path", "")
        if not isinstance(self.path, str) or not self.path:
            raise self.error("path", f"must be a non-empty string, not {self.path!r}")
        self.abbr = raw.get("abbr") or self.default_abbr(raw)
        if not isinstance(self.abbr, str) or not _ABBR.match(self.abbr):
            raise self.error("abbr", f"{self.abbr!r}: letters, digits, '_', '.' and '-' only")
        self.check_repeats(raw)
        reader = self.section(raw, "reader_cfg", READER_KEYS)
        columns = reader.get("input_columns", [])
        self.input_columns = columns.split() if isinstance(columns, str) else list(columns)
        self.output_column = reader.get("output_column") or None
        self.train_split = str(reader.get("train_split", "train"))
        self.test_split = str(reader.get("test_split", "test"))
        self.train_range = self.check_range(reader, "train_range")
        self.test_range = self.check_range(reader, "test_range")
        infer = self.section(raw, "infer_cfg", INFER_KEYS)
        self.prompt_template = self.build(infer, "infer_cfg.prompt_template", ICL_PROMPT_TEMPLATES)
        self.ice_template = self.build(infer, "infer_cfg.ice_template", ICL_PROMPT_TEMPLATES)
        if self.prompt_template is None and (
            self.ice_template is None or not self.ice_template.ice_token
        ):
            raise self.error(
                "infer_cfg", "needs a prompt_template (or an ice_template with an ice_token)"
            )
        retriever = self.build(infer, "infer_cfg.retriever", ICL_RETRIEVERS)
        self.retriever: BaseRetriever = retriever or ZeroRetriever()
        inferencer = self.build(infer, "infer_cfg.inferencer", ICL_INFERENCERS) or GenInferencer()
        if not getattr(inferencer, "runnable", False):
            why = getattr(inferencer, "why", "it is not a generation inferencer")
            raise self.error("infer_cfg.inferencer", f"{type(inferencer).__name__}: {why}")
        self.inferencer: GenInferencer = inferencer
        scoring = self.section(raw, "eval_cfg", EVAL_KEYS)
        if "evaluator" not in scoring:
            raise self.error("eval_cfg", "needs an evaluator, e.g. dict(type=AccEvaluator)")
        self.scorer: Scorer | None = None
        named = scoring["evaluator"].get("type") if isinstance(scoring["evaluator"], dict) else None
        if isinstance(named, str) and ":" in named:  # a scorer: "package.module:function"
            try:
                self.scorer = load_scorer(named)
            except ConfigError as exc:
                raise self.error("eval_cfg.evaluator.type", str(exc)) from None
        else:
            self.evaluator = self.build(scoring, "eval_cfg.evaluator", ICL_EVALUATORS)
            if not callable(getattr(self.evaluator, "score", None)):
                raise self.error("eval_cfg.evaluator", "must have a score(predictions, references)")
        self.pred_postprocessor = self.function(scoring, "eval_cfg.pred_postprocessor")
        self.dataset_postprocessor = self.function(scoring, "eval_cfg.dataset_postprocessor")

    # -- checks -------------------------------------------------------------------------------

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, source=self.source, key=key)

    def dataset_class(self, value: Any) -> Any:
        cls = self.resolve(value, LOAD_DATASET, "type")
        if not callable(getattr(cls, "load", None)):
            raise self.error("type", f"{cls!r} is not a dataset class (it has no load())")
        return cls

    def loader_keys(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The dict's keys beyond the openicl ones: the class's `load` arguments."""
        extra = {k: v for k, v in raw.items() if k not in TOP_KEYS}
        params = inspect.signature(self.cls.load).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return extra
        allowed = sorted({*TOP_KEYS, *(p for p in params if p != "path")})
        for key in extra:
            if key not in params:
                raise self.error(
                    key, f"unknown key for {self.cls.__name__}; allowed: {', '.join(allowed)}"
                )
        return extra

    @staticmethod
    def default_abbr(raw: Mapping[str, Any]) -> str:
        """AISBench's default: the path, plus ``_name``, with '/' as '_'."""
        text = str(raw.get("path", "")) + (f"_{raw['name']}" if raw.get("name") else "")
        return text.replace("/", "_")

    def check_repeats(self, raw: Mapping[str, Any]) -> None:
        """``n`` (answers per row) and ``k`` (an int or a list; pass@k for each, max k <= n)."""
        n, k = raw.get("n", 1), raw.get("k", 1)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise self.error("n", f"must be a positive int (answers per row), not {n!r}")
        ks = k if isinstance(k, list) else [k]
        if not ks or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in ks):
            raise self.error("k", f"must be a positive int or a list of them, not {k!r}")
        if max(ks) > n:
            raise self.error("k", f"{k!r}: pass@k needs k <= n answers per row (n={n})")
        self.repeats, self.pass_at = n, tuple(ks)

    def section(self, raw: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"must be a dict, not {type(value).__name__}")
        for inner in value:
            if inner not in allowed:
                raise self.error(f"{key}.{inner}", f"unknown key; allowed: {', '.join(allowed)}")
        return value

    def check_range(self, reader: Mapping[str, Any], key: str) -> Any:
        value = reader.get(key)
        if value is None or (isinstance(value, str) and _SLICE.match(value)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return value
        raise self.error(
            f"reader_cfg.{key}",
            f"{value!r}: expected a slice such as '[:8]' or '[10:20]', or a positive int or float",
        )

    def resolve(self, value: Any, registry: Registry, key: str) -> Any:
        """A ``type``: the class or function itself, or its registered name."""
        if isinstance(value, str):
            _import_families()
            try:
                return registry.get(value)
            except ConfigError as exc:
                raise self.error(key, str(exc)) from None
        if value is None:
            raise self.error(key, "missing: give the class (or its registered name)")
        return value

    def build(self, section: Mapping[str, Any], key: str, registry: Registry) -> Any:
        """``section[key] = dict(type=X, **kwargs)`` as ``X(**kwargs)``; None when absent.
        `key` is the dotted path errors name (``infer_cfg.retriever``)."""
        typed = self.typed(section, key, registry)
        if typed is None:
            return None
        cls, kwargs = typed
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            raise self.error(key, f"{getattr(cls, '__name__', cls)}: {exc}") from None

    def function(self, section: Mapping[str, Any], key: str) -> Callable[[Any], Any] | None:
        """A postprocessor, ``dict(type=fn, **kwargs)``, as a one-argument function; `key` is
        the dotted path errors name."""
        typed = self.typed(section, key, TEXT_POSTPROCESSORS, "text")
        if typed is None:
            return None
        function, kwargs = typed
        return functools.partial(function, **kwargs) if kwargs else function

    def typed(
        self, section: Mapping[str, Any], key: str, registry: Registry, *leading: Any
    ) -> tuple[Any, dict[str, Any]] | None:
        """``section[key] = dict(type=X, **kwargs)`` as X and its kwargs, checked to fit X's
        signature (after the `leading` arguments it is called with); None when absent."""
        spec = section.get(key.rpartition(".")[2])
        if spec is None:
            return None
        if not isinstance(spec, dict) or "type" not in spec:
            raise self.error(key, f"must be dict(type=..., ...), not {spec!r}")
        target = self.resolve(spec["type"], registry, f"{key}.type")
        kwargs = {k: v for k, v in spec.items() if k != "type"}
        try:
            inspect.signature(target).bind(*leading, **kwargs)
        except TypeError as exc:
            raise self.error(key, f"{getattr(target, '__name__', target)}: {exc}") from None
        return target, kwargs

    # -- running ------------------------------------------------------------------------------

    def extract(self, text: str) -> str | None:
        """The config's ``pred_postprocessor`` on the answer; nothing left is no answer."""
        value = self.pred_postprocessor(text) if self.pred_postprocessor else text
        if value is None:
            return None
        value = str(value)
        return value if value.strip() else None

    def compare(self, extracted: str, sample: Sample) -> bool:
        """The evaluator's verdict on one sample, or the scorer's (`pytest_aisbench.scorers`)."""
        if self.scorer is not None:
            return as_score(self.scorer(extracted, sample.reference, sample), self.scorer).correct
        return judge(self.evaluator, extracted, sample.reference, sample.row, sample.prompt).correct


def _load_samples(spec: _Spec, datasets_dir: Path) -> list[Sample]:
    """The samples of a compiled dataset: rows, splits, ranges, references, prompts."""
    splits = _read_rows(spec, datasets_dir)
    test = _take(splits, spec.test_split, spec, "test_split")
    test = _partial(test, spec.test_range)
    train: list[Row] = []
    if not isinstance(spec.retriever, ZeroRetriever):  # examples come from the train split
        train = _partial(_take(splits, spec.train_split, spec, "train_split"), spec.train_range)
    picks = spec.retriever.retrieve(len(test), len(train))
    wanted = [c for c in spec.input_columns if c != "max_out_len"]
    for column in [*wanted, *([spec.output_column] if spec.output_column else [])]:
        _require_column(test, column, spec)
    samples: list[Sample] = []
    for position, (row, shots) in enumerate(zip(test, picks, strict=True)):
        reference = row.get(spec.output_column) if spec.output_column else None
        if spec.dataset_postprocessor is not None and reference is not None:
            reference = spec.dataset_postprocessor(reference)
        prompt = _prompt(spec, row, [train[i] for i in shots])
        samples.extend(  # n answers per row, consecutive, as AISBench repeats its rows
            Sample(
                dataset=spec.abbr,
                index=position * spec.repeats + repeat,
                prompt=prompt,
                reference=reference,
                row=row,
                max_out_len=_row_limit(spec, row),
                repeat=repeat,
            )
            for repeat in range(spec.repeats)
        )
    return samples


def _read_rows(spec: _Spec, datasets_dir: Path) -> dict[str, list[Row]]:
    """The class's rows per split (one list serves as both train and test)."""
    path = resolve_path(spec.path, datasets_dir, spec)
    try:
        loaded = spec.cls.load(path=str(path), **spec.load_kwargs)
    except (DatasetError, ConfigError):
        raise
    except Exception as exc:
        raise DatasetError(
            f"{spec.source}: {spec.cls.__name__}.load(path={str(path)!r}) failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if isinstance(loaded, Mapping) or hasattr(loaded, "keys"):
        return {str(k): _as_rows(loaded[k], spec) for k in loaded}
    rows = _as_rows(loaded, spec)
    return {"train": rows, "test": rows}


def _as_rows(value: Any, spec: _Spec) -> list[Row]:
    """A split as a list of dicts (a HuggingFace `Dataset` from an AISBench class too)."""
    if hasattr(value, "to_list"):
        value = value.to_list()
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise DatasetError(
            f"{spec.source}: {spec.cls.__name__}.load must return rows (a list of dicts) or "
            f"a dict of them per split, not {type(value).__name__}"
        )
    return value


def resolve_path(path: str, datasets_dir: Path, spec: _Spec | None = None) -> Path:
    """A config's ``path``: absolute as it is; ``ais_bench/datasets/X`` as ``<folder>/X`` or,
    where a user keeps AISBench's tree, ``<folder>/ais_bench/datasets/X``; any other relative
    path under the folder."""
    given = Path(path).expanduser()
    if given.is_absolute():
        candidates = [given]
    elif path.startswith(AISBENCH_PREFIX):
        candidates = [datasets_dir / path[len(AISBENCH_PREFIX) :], datasets_dir / path]
    else:
        candidates = [datasets_dir / path]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    where = " or ".join(str(c) for c in candidates)
    owner = f"{spec.source}: key 'path' {path!r}: " if spec else ""
    raise DatasetError(f"{owner}dataset files not found at {where} ({WHERE})")


def _take(splits: dict[str, list[Row]], split: str, spec: _Spec, key: str) -> list[Row]:
    if split not in splits:
        raise DatasetError(
            f"{spec.source}: reader_cfg.{key} {split!r}: {spec.cls.__name__} gave the splits "
            f"{', '.join(map(repr, splits)) or '(none)'}"
        )
    return splits[split]


def _partial(rows: list[Row], size: Any) -> list[Row]:
    """A range of rows, as AISBench's reader takes it."""
    if size is None:
        return rows
    index = list(range(len(rows)))
    if isinstance(size, str):
        match = _SLICE.match(size)
        assert match is not None  # checked at load
        start, stop, step = (int(g) if g else None for g in match.groups())
        return [rows[i] for i in index[start:stop:step]]
    if size >= len(rows):
        return rows
    count = int(size * len(rows)) if 0 < size < 1 else int(size)
    random.Random(count).shuffle(index)
    return [rows[i] for i in index[:count]]


def _require_column(rows: list[Row], column: str, spec: _Spec) -> None:
    """A reader_cfg column that a test row lacks names the column and the ones it has."""
    for number, row in enumerate(rows):
        if column not in row:
            raise DatasetError(
                f"{spec.source}: reader_cfg column {column!r}: row {number} of the test split "
                f"has no such column; columns found: {', '.join(map(repr, row)) or '(none)'}"
            )


def _prompt(spec: _Spec, row: Row, examples: list[Row]) -> PromptType:
    ice = spec.retriever.generate_ice(examples, spec.ice_template, spec.output_column)
    template: PromptTemplate = spec.prompt_template or spec.ice_template  # type: ignore[assignment]
    return template.generate_item(
        row, spec.output_column, spec.inferencer.gen_field_replace_token, ice=ice
    )


def _row_limit(spec: _Spec, row: Row) -> int | None:
    """A ``max_out_len`` input column's value for this row (falsy: the backend's)."""
    if "max_out_len" not in spec.input_columns or not row.get("max_out_len"):
        return None
    try:
        return int(row["max_out_len"])
    except (TypeError, ValueError):
        raise DatasetError(
            f"{spec.source}: max_out_len column: {row['max_out_len']!r} is not an int"
        ) from None


@functools.cache
def _import_families() -> None:
    """Import every dataset family module, evaluator and postprocessor, so that a ``type``
    given by name is registered."""
    import importlib

    from pytest_aisbench.datasets import family_modules

    for module in family_modules():
        importlib.import_module(f"pytest_aisbench.datasets.{module}")
    importlib.import_module("pytest_aisbench.openicl.icl_evaluator")
    importlib.import_module("pytest_aisbench.utils.postprocess.text_postprocessors")
