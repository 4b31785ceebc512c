"""A custom data file's ``.meta.json``, checked (``request_count``, ``sampling_mode`` and
``output_config``, nothing else), and applied to its rows: which rows are sent and each one's
output limit. Every draw is seeded (`SEED`), so every run and every worker builds the same rows;
AISBench's draws are unseeded."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from math import floor
from pathlib import Path
from typing import Any

from pytest_aisbench.datasets.base import Row
from pytest_aisbench.datasets.files import read_json
from pytest_aisbench.errors import ConfigError, DatasetError

SEED = 42
"""The seed of every random draw of a custom dataset (``sampling_mode`` ``random`` and
``shuffle``, ``output_config`` ``uniform``): a fresh ``random.Random(SEED)`` per draw."""
SAMPLING_MODES = ("default", "random", "shuffle")
META_KEYS = ("output_config", "request_count", "sampling_mode")
"""The only keys of a ``.meta.json`` (AISBench's ``check_meta_json_dict``)."""
OUTPUT_KEYS = ("method", "params")
PARAM_KEYS = ("max_value", "min_value", "percentage_distribute")
OUTPUT_METHODS = ("uniform", "percentage")


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
    reject_unknown_keys(meta, META_KEYS, source, "")
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


def reject_unknown_keys(
    given: Mapping[str, Any], allowed: Sequence[str], source: str, prefix: str
) -> None:
    """An unknown key of a meta file or a dict form is an error naming it (after `prefix`) and
    the keys allowed."""
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
    reject_unknown_keys(config, OUTPUT_KEYS, source, "output_config.")
    method = config.get("method")
    params = config.get("params")
    if not isinstance(params, dict) or not params:
        raise ConfigError("missing or empty: give the method's parameters", source=source,
                          key="output_config.params")  # fmt: skip
    reject_unknown_keys(params, PARAM_KEYS, source, "output_config.params.")
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
