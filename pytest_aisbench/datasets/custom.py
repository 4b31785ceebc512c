"""AISBench's custom datasets: a ``.jsonl`` or ``.csv`` file of questions, run without writing a
dataset config, as AISBench's ``--custom-dataset-path`` runs it.

Three ways in:

- `custom_dataset_configs` (``DatasetCatalog.custom``): a data file's path, relative to the
  current folder as AISBench's command line reads it, and optional overrides;
- AISBench's documented dict form inside a dataset config file, ``dict(path="x/qa.jsonl",
  data_type="qa")`` without ``abbr``/``type`` (AISBench documents it but does not wire it):
  `compile_custom_entry`, through the one hook in `openicl.compile_entry`; its relative
  ``path`` resolves under the datasets folder like every config's;
- a full openicl config naming `CustomDataset` and `OptionSimAccEvaluator`, as AISBench's
  ``configs/datasets/custom/custom_{mcq,qa}_gen.py`` do.

The config is made as AISBench's ``parse_example_dataset`` makes it, from the **first record**
only: options are the consecutive single-letter columns ``A``, ``B``, ... of that record
(stopping at the first gap); two or more make it multiple-choice (``mcq``), else
question-answer (``qa``); ``data_type`` and ``options`` override that. ``input_columns`` are
``question`` and ``max_out_len``; ``answer`` is the output column when the first record has it;
``abbr`` is the file name up to its first '.'. Templates: ``"Question: {question}\\nA. {A}\\n
...\\nAnswer: {answer}"`` for mcq, ``"Question: {question}\\nAnswer: {answer}"`` for qa. A
dict may also carry ``template``, ``human_prompt``, ``bot_prompt``, ``evaluator``,
``evaluator_kwargs``, ``test_range``, ``abbr``, ``options`` and ``meta_path``.

Rows (`CustomDataset.load`): every row, read as UTF-8 with a BOM allowed, CSV values as
strings; a row's ``max_tokens`` becomes its ``max_out_len`` (that request's output limit); then
the meta file ``<data file>.meta.json`` (or ``meta_path``): ``request_count``, ``sampling_mode``
and ``output_config``, nothing else.

Where this differs from AISBench, on purpose (each is tested in
``tests/datasets/test_custom.py``):

- **Seeded draws.** ``sampling_mode`` ``random``/``shuffle`` and ``output_config``'s
  ``uniform`` lengths draw from ``random.Random(SEED)`` (one generator per draw), so every run
  and every worker builds the same rows. AISBench's draws are unseeded.
- **No guessed option.** AISBench's ``OptionSimAccEvaluator`` falls back to the Levenshtein
  distance, so an answer that names no option still votes for one, and its option patterns
  read "Step 1: ... Compare ..." as 'A' or 'C' (AISBench issue #209). Here the answer is read
  as AISBench reads it before that guess (`read_option`): by its letter
  (`option_answer_postprocess`: a lone letter, then AISBench's patterns without the ``1.``
  one), else by the text of exactly one option, standing alone (not inside a longer number or
  word); an answer naming no option is ``no_answer`` with its text kept. The evaluator given a
  whole text (a full config) takes the same steps, and never a distance.
- **qa without answers works.** AISBench builds a tuple template there, which its own
  ``PromptTemplate`` rejects. Here the prompt is the question as it is (``human_prompt``), the
  dataset has no reference (``output_column`` None, references None) and its evaluator is
  `NoReferenceEvaluator`: an answer given is all that can be checked, so "correct" means
  "answered" and a gate measures the share answered. mcq without answers reads the letter the
  same way and ends its prompt with ``"Answer: "`` where AISBench writes ``"Answer: {None}"``.
- **Checked, with names.** An unknown key of the meta file or of the dict form, a bad value, a
  missing explicit ``meta_path`` and a malformed line are errors naming the file (and line, or
  key) and what is allowed; ``mcq`` with fewer than two options is an error, not an evaluator
  with no options.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import itertools
import json
import random
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from math import floor
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import BaseDataset, DatasetConfig, Row, Sample
from pytest_aisbench.datasets.config_files import DatasetEntry
from pytest_aisbench.datasets.files import missing, read_csv, read_json, read_jsonl
from pytest_aisbench.datasets.openicl import compile_entry, resolve_path
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.openicl.icl_evaluator import AccEvaluator, BaseEvaluator
from pytest_aisbench.openicl.icl_evaluator.icl_base_evaluator import length_mismatch, percent
from pytest_aisbench.openicl.icl_inferencer import GenInferencer
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_retriever import ZeroRetriever
from pytest_aisbench.registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS
from pytest_aisbench.utils.postprocess.text_postprocessors import first_option_postprocess

SEED = 42
"""The seed of every random draw of a custom dataset (``sampling_mode`` ``random`` and
``shuffle``, ``output_config`` ``uniform``): a fresh ``random.Random(SEED)`` per draw."""
DATA_SUFFIXES = (".jsonl", ".csv")
SAMPLING_MODES = ("default", "random", "shuffle")
META_KEYS = ("output_config", "request_count", "sampling_mode")
"""The only keys of a ``.meta.json`` (AISBench's ``check_meta_json_dict``)."""
OUTPUT_KEYS = ("method", "params")
PARAM_KEYS = ("max_value", "min_value", "percentage_distribute")
OUTPUT_METHODS = ("uniform", "percentage")
DATA_TYPES = ("mcq", "qa")
ENTRY_KEYS = (
    "path", "abbr", "data_type", "infer_method", "options", "meta_path", "template",
    "human_prompt", "bot_prompt", "evaluator", "evaluator_kwargs", "test_range",
)  # fmt: skip
"""The keys of the dict form (and of `custom_dataset_configs`' overrides)."""
OPENICL_SECTIONS = frozenset({"reader_cfg", "infer_cfg", "eval_cfg"})
INPUT_COLUMNS = ("question", "max_out_len")
"""AISBench's input columns for every custom dataset (``max_out_len`` may be absent)."""
ANSWER = "answer"
MAX_OPTIONS = 26


# --- rows ------------------------------------------------------------------------------------


@LOAD_DATASET.register_module()
class CustomDataset(BaseDataset):
    """A custom ``.jsonl`` or ``.csv`` file's rows, with ``max_tokens`` renamed and the meta
    file applied (see the module docstring)."""

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
        with file.open(encoding="utf-8-sig", newline="") as stream:
            if suffix == ".jsonl":
                return _first_json_line(file, stream)
            reader = csv.reader(stream)
            header = next(reader, None)
            row = next((cells for cells in reader if cells), None)
    except FileNotFoundError:
        raise missing(file) from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{file.absolute()}: not UTF-8 text ({exc})") from None
    except OSError as exc:
        raise DatasetError(f"cannot read {file.absolute()}: {exc}") from None
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


# --- the meta file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    """A checked ``.meta.json``."""

    request_count: int = 0
    """How many rows to send; 0 (the key absent) means every row."""
    sampling_mode: str = "default"
    output: tuple[str, Any] | None = None
    """``("uniform", (min, max))`` or ``("percentage", [(max_tokens, rate), ...])``."""


def read_meta(data_file: Path, meta_path: str | Path = "") -> Meta | None:
    """The meta file of `data_file`: `meta_path` when given (it must exist), else
    ``<data file>.meta.json`` when there is one; None without one."""
    given = str(meta_path) if meta_path else ""
    file = Path(given).expanduser() if given else Path(f"{data_file}.meta.json")
    if not file.is_file():
        if given:
            raise DatasetError(
                f"meta_path {given!r} does not exist ({file.absolute()}); it is the .meta.json "
                f"file of {data_file}"
            )
        return None
    return check_meta(read_json(file), str(file))


def check_meta(meta: Any, source: str) -> Meta:
    """A meta file's content, checked: only `META_KEYS`, each of its type and range."""
    if not isinstance(meta, dict):
        raise ConfigError(
            f"must be a JSON object with the keys {', '.join(META_KEYS)}, not "
            f"{type(meta).__name__}",
            source=source,
        )
    _only(meta, META_KEYS, source, "")
    count = 0
    if "request_count" in meta:
        count = _positive_int(meta["request_count"], source, "request_count")
    mode = meta.get("sampling_mode", "default")
    if mode not in SAMPLING_MODES:
        raise ConfigError(
            f"{mode!r}: one of {', '.join(SAMPLING_MODES)}", source=source, key="sampling_mode"
        )
    output = _output_config(meta["output_config"], source) if "output_config" in meta else None
    return Meta(count, mode, output)


def _only(given: Mapping[str, Any], allowed: Sequence[str], source: str, prefix: str) -> None:
    for key in given:
        if key not in allowed:
            raise ConfigError(
                f"unknown key; allowed: {', '.join(allowed)}", source=source, key=prefix + key
            )


def _positive_int(value: Any, source: str, key: str) -> int:
    """An int above 0, given as an int or a string of one (AISBench's ``int|str``)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            number = None
    if number is None or number <= 0:
        raise ConfigError(f"{value!r}: expected an int above 0", source=source, key=key)
    return number


def _output_config(config: Any, source: str) -> tuple[str, Any]:
    """``{"method": "uniform", "params": {"min_value", "max_value"}}`` or ``{"method":
    "percentage", "params": {"percentage_distribute": [[max_tokens, rate], ...]}}``."""
    if not isinstance(config, dict):
        raise ConfigError("must be an object with method and params", source=source,
                          key="output_config")  # fmt: skip
    _only(config, OUTPUT_KEYS, source, "output_config.")
    method = config.get("method")
    params = config.get("params")
    if not isinstance(params, dict) or not params:
        raise ConfigError("missing or empty: give the method's parameters", source=source,
                          key="output_config.params")  # fmt: skip
    _only(params, PARAM_KEYS, source, "output_config.params.")
    where = "output_config.params."
    if method == "uniform":
        for key in ("min_value", "max_value"):
            if key not in params:
                raise ConfigError("required by method 'uniform'", source=source, key=where + key)
        low = _positive_int(params["min_value"], source, where + "min_value")
        high = _positive_int(params["max_value"], source, where + "max_value")
        if low > high:
            raise ConfigError(f"min_value {low} is above max_value {high}", source=source,
                              key=where + "min_value")  # fmt: skip
        return ("uniform", (low, high))
    if method == "percentage":
        return ("percentage", _distribution(params, source, where + "percentage_distribute"))
    raise ConfigError(
        f"{method!r}: one of {', '.join(OUTPUT_METHODS)}", source=source,
        key="output_config.method",
    )  # fmt: skip


def _distribution(params: Mapping[str, Any], source: str, key: str) -> list[tuple[int, float]]:
    """``[[max_tokens, rate], ...]``: tokens above 0, each rate in (0, 1], the rates summing to
    exactly 1 (in decimal, so 0.1 + 0.2 + 0.7 is 1)."""
    value = params.get("percentage_distribute")
    shape = "a list of [max_tokens, rate] pairs, tokens above 0, rates in (0, 1] summing to 1"
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{value!r}: expected {shape}", source=source, key=key)
    buckets, total = [], Decimal(0)
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ConfigError(f"{pair!r}: expected {shape}", source=source, key=key)
        tokens = _positive_int(pair[0], source, key)
        try:
            rate = float(pair[1])
            total += Decimal(str(pair[1]))
        except (TypeError, ValueError, InvalidOperation):
            rate = -1.0
        if isinstance(pair[1], bool) or not 0 < rate <= 1:
            raise ConfigError(f"{pair!r}: rate not in (0, 1]; expected {shape}", source=source,
                              key=key)  # fmt: skip
        buckets.append((tokens, rate))
    if total != 1:
        raise ConfigError(f"the rates sum to {total}, not 1", source=source, key=key)
    return buckets


def sample_rows(rows: list[Row], mode: str, count: int, file: Path) -> list[Row]:
    """`count` rows (0: all), as AISBench takes them: more than there are repeats the list
    and cuts it; ``default`` takes the first, ``random`` draws them, ``shuffle`` shuffles the
    first. Seeded (`SEED`). Repeated rows are copies, so each can get its own length."""
    if not rows:
        raise DatasetError(f"{file.absolute()}: no rows to sample")
    if count == 0:
        count = len(rows)
    elif count > len(rows):
        rows = [dict(row) for row in itertools.islice(itertools.cycle(rows), count)]
    if mode == "random":
        return random.Random(SEED).sample(rows, count)
    picked = rows[:count]
    if mode == "shuffle":
        random.Random(SEED).shuffle(picked)
    return picked


def output_lengths(output: tuple[str, Any], count: int) -> list[int]:
    """Each row's output limit from ``output_config``: ``uniform`` draws each from
    [min, max] (seeded), ``percentage`` gives the first ``floor(rate * count)`` rows the first
    length and so on in order, the remainder the last length (AISBench's rule)."""
    method, params = output
    if method == "uniform":
        low, high = params
        draw = random.Random(SEED)
        return [draw.randint(low, high) for _ in range(count)]
    lengths: list[int] = []
    for tokens, rate in params:
        lengths.extend([tokens] * floor(rate * count))
    lengths.extend([params[-1][0]] * (count - len(lengths)))
    return lengths[:count]


# --- reading an option -----------------------------------------------------------------------


def _check_options(options: Any, where: str) -> str:
    if not isinstance(options, str) or not options:
        raise ConfigError(f"must be option letters such as 'ABCD', not {options!r}",
                          source=where, key="options")  # fmt: skip
    if not all("A" <= c <= "Z" for c in options) or len(set(options)) != len(options):
        raise ConfigError(f"{options!r}: each option is one distinct upper-case letter",
                          source=where, key="options")  # fmt: skip
    return options


@TEXT_POSTPROCESSORS.register_module()
def option_answer_postprocess(text: str, options: str) -> str:
    """The option a text answers ('' when it names none): the text is a lone option letter
    ("B", "(B)", "**B**", "B."), else AISBench's answer patterns ("The answer is B", "Answer:
    B", an option at the start) with Markdown emphasis removed and the ``1.`` pattern gone
    (`first_option_postprocess` without the cushion, as AISBench's mcq scoring calls it). No
    letter standing somewhere in the text counts, and nothing is guessed."""
    _check_options(options, "text postprocessor option_answer_postprocess")
    lone = re.fullmatch(rf"\W*([{options}])\W*", text.strip())
    if lone:
        return lone.group(1)
    return first_option_postprocess(text.replace("*", ""), options, cushion=False)


def read_option(text: str, row: Mapping[str, Any], options: str) -> str | None:
    """The option an answer names, knowing its row: its letter (`option_answer_postprocess`),
    else the one option whose text it contains (`single_option_text`), as AISBench's
    ``OptionSimAccEvaluator`` reads it before its Levenshtein guess; None (no answer) when it
    names none."""
    if not text.strip():
        return None
    return (
        option_answer_postprocess(text, options) or single_option_text(text, row, options) or None
    )


def _read_sample_option(text: str, sample: Sample, options: str) -> str | None:
    return read_option(text, sample.row, options)


def with_option_texts(config: DatasetConfig, raw: Mapping[str, Any]) -> DatasetConfig:
    """`config` reading an option's text too (`read_option`, as ``extract_for``), where its dict
    reads the answer with `option_answer_postprocess` (multiple choice, default evaluator):
    "2263" alone answers the option whose text is 2263, as in AISBench."""
    post = raw.get("eval_cfg", {}).get("pred_postprocessor")
    if not post or post.get("type") is not option_answer_postprocess:
        return config
    read = functools.partial(_read_sample_option, options=post["options"])
    return dataclasses.replace(config, extract_for=read)


def single_option_text(text: str, row: Mapping[str, Any], options: str) -> str:
    """The one option whose text the answer contains ('' for none or several), case aside;
    the option text must stand alone: "2263" is not read in "22630", nor "2" in "2263"."""
    found = []
    for option in options:
        value = row.get(option)
        if value is None or not str(value).strip():
            continue
        pattern = rf"(?<![0-9A-Za-z]){re.escape(str(value).strip())}(?![0-9A-Za-z])"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(option)
    return found[0] if len(found) == 1 else ""


@ICL_EVALUATORS.register_module()
class OptionSimAccEvaluator(BaseEvaluator):
    """Multiple-choice accuracy (AISBench's name and arguments): the option the answer names
    (`option_answer_postprocess`), else the one option whose text it contains; else nothing,
    which is wrong. AISBench's Levenshtein fallback, which always found a letter, is gone."""

    def __init__(self, options: Sequence[str]) -> None:
        letters = "".join(options) if isinstance(options, (list, tuple)) else options
        if not all(isinstance(o, str) and len(o) == 1 for o in options):
            raise ConfigError(f"each option must be one upper-case letter, got {options!r}")
        self.options = list(_check_options(letters, "OptionSimAccEvaluator"))

    def match_any_label(self, pred: str, test_item: Mapping[str, Any]) -> str:
        """The option `pred` answers, or ''."""
        letters = "".join(self.options)
        return option_answer_postprocess(str(pred), letters) or single_option_text(
            str(pred), test_item, letters
        )

    def score(
        self,
        predictions: list[Any],
        references: list[Any],
        test_set: list[Row] | None = None,
    ) -> dict[str, Any]:
        """``accuracy`` (percent) and ``details`` keyed by position, as AISBench's: ``pred``,
        ``parsed``, ``refr``, ``correct``. Without `test_set` the option texts are unknown."""
        error = length_mismatch(predictions, references)
        if error:
            return error
        if test_set is None:
            test_set = [{} for _ in predictions]
        details = {}
        for index, (pred, refr, row) in enumerate(zip(predictions, references, test_set,
                                                      strict=True)):  # fmt: skip
            parsed = self.match_any_label(pred, row)
            details[str(index)] = {"pred": pred, "parsed": parsed, "refr": refr,
                                   "correct": parsed == refr}  # fmt: skip
        hits = sum(d["correct"] for d in details.values())
        return {"accuracy": percent(hits, len(details)), "details": details}


@ICL_EVALUATORS.register_module()
class NoReferenceEvaluator(BaseEvaluator):
    """For a custom dataset without an answer column: there is nothing to compare with, so an
    answer given counts (``correct``) and an empty one does not; ``accuracy`` is the share of
    samples answered. The detail says why."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        details = [
            {"pred": pred, "refr": None, "correct": bool(str(pred).strip()),
             "reason": "no reference: an answer given is all that is checked"}
            for pred in predictions
        ]  # fmt: skip
        hits = sum(d["correct"] for d in details)
        return {"accuracy": percent(hits, len(details)), "details": details}


# --- the config, as AISBench makes it ----------------------------------------------------------


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
    deviations."""
    check_entry_keys(given, source)
    record = first_record(file)
    if "options" in given:
        raw = given["options"]
        options = _check_options("".join(raw) if isinstance(raw, (list, tuple)) else raw, source)
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
    _only(given, ENTRY_KEYS, source, "")
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
    return [with_option_texts(compile_entry(built, str(path)), built.entry)]


# --- the dict form inside a dataset config file ------------------------------------------------


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
        return with_option_texts(compile_entry(built, self.name), built.entry)

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
