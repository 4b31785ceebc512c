"""The config of a custom data file, made as AISBench's ``parse_example_dataset`` and
``make_{mcq,qa}_gen_config`` make it, from the file's first record: its options, mcq or qa, the
templates and the evaluator, as an openicl dataset dict compiled like every config's; and
`custom_dataset_configs`, a data file's path in (AISBench's ``--custom-dataset-path``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig
from pytest_aisbench.datasets.config_files import DatasetEntry
from pytest_aisbench.datasets.custom.meta import reject_unknown_keys
from pytest_aisbench.datasets.custom.rows import DATA_SUFFIXES, CustomDataset, first_record
from pytest_aisbench.datasets.custom.scoring import (
    NoReferenceEvaluator,
    OptionSimAccEvaluator,
    check_options,
    option_answer_postprocess,
    with_option_texts,
)
from pytest_aisbench.datasets.openicl import compile_entry
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.openicl.icl_evaluator import AccEvaluator
from pytest_aisbench.openicl.icl_inferencer import GenInferencer
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_retriever import ZeroRetriever

DATA_TYPES = ("mcq", "qa")
ENTRY_KEYS = (
    "path", "abbr", "data_type", "infer_method", "options", "meta_path", "template",
    "human_prompt", "bot_prompt", "evaluator", "evaluator_kwargs", "test_range",
)  # fmt: skip
"""The keys of the dict form (and of `custom_dataset_configs`' overrides)."""
INPUT_COLUMNS = ("question", "max_out_len")
"""AISBench's input columns for every custom dataset (``max_out_len`` may be absent)."""
ANSWER = "answer"
MAX_OPTIONS = 26


def default_abbr(path: str | Path) -> str:
    """AISBench's abbr of a custom file: its name up to the first '.' (``test_mcq.csv`` ->
    ``test_mcq``)."""
    return Path(path).name.split(".")[0]


def detect_options(record: Mapping[str, Any]) -> str:
    """The consecutive single-letter columns from ``A`` in a record, up to the first gap."""
    letters = ""
    for offset in range(MAX_OPTIONS):
        letter = chr(ord("A") + offset)
        if letter not in record:
            break
        letters += letter
    return letters


def dataset_dict(file: Path, given: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The openicl dataset dict of the custom file `file` (an existing path), from its first
    record and the keys `given` (the dict form's or the overrides): AISBench's
    ``parse_example_dataset`` and ``make_{mcq,qa}_gen_config``, with this module's
    deviations (the package's docstring)."""
    check_entry_keys(given, source)
    record = first_record(file)
    if "options" in given:
        raw = given["options"]
        options = check_options("".join(raw) if isinstance(raw, (list, tuple)) else raw, source)
        lacking = [o for o in options if o not in record]
        if lacking:
            raise ConfigError(
                f"{options!r}: the first record of {file} has no column "
                f"{', '.join(map(repr, lacking))}; columns found: {', '.join(map(repr, record))}",
                source=source, key="options",
            )  # fmt: skip
    else:
        options = detect_options(record)
    data_type = given.get("data_type") or ("mcq" if len(options) > 1 else "qa")
    if data_type not in DATA_TYPES:
        raise ConfigError(f"{data_type!r}: one of {', '.join(DATA_TYPES)}", source=source,
                          key="data_type")  # fmt: skip
    if data_type == "mcq" and len(options) < 2:
        raise ConfigError(
            f"'mcq' needs two option columns or more (A, B, ...); the first record of {file} "
            f"has {', '.join(map(repr, record))}; name them with options=",
            source=source, key="data_type",
        )  # fmt: skip
    answer = ANSWER if ANSWER in record else None
    reader: dict[str, Any] = {"input_columns": list(INPUT_COLUMNS), "output_column": answer}
    if "test_range" in given:
        reader["test_range"] = given["test_range"]
    default_evaluator = "evaluator" not in given
    if data_type == "mcq":
        template = _mcq_template(given, options, answer)
        evaluator_type = given.get("evaluator", OptionSimAccEvaluator)
        kwargs = given.get("evaluator_kwargs", {"options": list(options)})
    else:
        template = _qa_template(given, answer)
        evaluator_type = given.get("evaluator", AccEvaluator)
        kwargs = given.get("evaluator_kwargs", {})
    if default_evaluator and answer is None:
        evaluator_type, kwargs = NoReferenceEvaluator, {}
    if not isinstance(kwargs, dict):
        raise ConfigError(f"must be a dict, not {kwargs!r}", source=source,
                          key="evaluator_kwargs")  # fmt: skip
    scoring: dict[str, Any] = {"evaluator": {"type": evaluator_type, **kwargs}}
    if data_type == "mcq" and default_evaluator:  # the letter (the option's text: read_option)
        scoring["pred_postprocessor"] = {"type": option_answer_postprocess, "options": options}
    return {
        "abbr": given.get("abbr") or default_abbr(file),
        "type": CustomDataset,
        "path": str(file),
        "meta_path": str(given.get("meta_path") or ""),
        "reader_cfg": reader,
        "infer_cfg": {
            "prompt_template": {"type": PromptTemplate, "template": template},
            "retriever": {"type": ZeroRetriever},
            "inferencer": {"type": GenInferencer},
        },
        "eval_cfg": scoring,
    }


def _mcq_template(given: Mapping[str, Any], options: str, answer: str | None) -> Any:
    if given.get("template") is not None:
        return given["template"]
    human = given.get(
        "human_prompt", "Question: {question}" + "".join(f"\n{o}. {{{o}}}" for o in options)
    )
    bot = given.get("bot_prompt", f"Answer: {{{answer}}}" if answer else "Answer: ")
    return f"{human}\n{bot}"


def _qa_template(given: Mapping[str, Any], answer: str | None) -> Any:
    if given.get("template") is not None:
        return given["template"]
    human = given.get("human_prompt", "{question}")
    if answer is None:  # AISBench: a one-element tuple, which no template accepts
        return human
    return f"Question: {human}\nAnswer: {given.get('bot_prompt', f'{{{answer}}}')}"


def check_entry_keys(given: Mapping[str, Any], source: str) -> None:
    """The dict form's keys and their simple values (the templates, evaluator and range are
    checked where the openicl dict is compiled)."""
    reject_unknown_keys(given, ENTRY_KEYS, source, "")
    path = given.get("path")
    if not isinstance(path, str) or not path.lower().endswith(DATA_SUFFIXES):
        raise ConfigError(f"{path!r}: the path of a .jsonl or .csv file", source=source,
                          key="path")  # fmt: skip
    method = given.get("infer_method", "gen")
    if method != "gen":
        raise ConfigError(f"{method!r}: only 'gen' is supported (as in AISBench)",
                          source=source, key="infer_method")  # fmt: skip
    if given.get("abbr") is None and not default_abbr(path):
        raise ConfigError(f"{path!r} gives an empty abbr (its name up to the first '.'); set "
                          "abbr", source=source, key="abbr")  # fmt: skip


class _CommandLineEntry(DatasetEntry):
    """A custom file given by path: errors name the file (it is in no config file's list)."""

    @property
    def source(self) -> str:
        return f"custom dataset {self.file}"


def custom_dataset_configs(path: str | Path, **overrides: Any) -> list[DatasetConfig]:
    """The dataset of the custom file `path` (AISBench's ``--custom-dataset-path``): absolute,
    or relative to the current folder. `overrides` are the dict form's keys: ``data_type``
    (``'mcq'``/``'qa'``), ``options`` (``'ABCD'``), ``meta_path``, ``abbr``, ``template``,
    ``human_prompt``, ``bot_prompt``, ``evaluator``, ``evaluator_kwargs``, ``test_range``.
    One config, in a list as the catalog holds them; the file's first record is read now."""
    file = Path(path).expanduser().absolute()
    given: dict[str, Any] = {**overrides, "path": str(path)}
    if given.get("meta_path"):
        given["meta_path"] = str(Path(given["meta_path"]).expanduser().absolute())
    source = f"custom dataset {file}"
    built = _CommandLineEntry(dataset_dict(file, given, source), file, "custom", 0)
    return [compile_custom_dict(built, str(path))]


def compile_custom_dict(built: DatasetEntry, name: str) -> DatasetConfig:
    """The config of a custom file's openicl dict (`dataset_dict`): compiled as every config's
    is, and reading an option's text too (`with_option_texts`)."""
    return with_option_texts(compile_entry(built, name), built.entry)
