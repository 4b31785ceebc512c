"""Command-line and ini options, and reading them once into `Settings`."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.compare.regression import (
    MaxRegression,
    parse_max_perf_regression,
    parse_max_regression,
)
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.perf.metrics import GOODPUT_KEYS
from pytest_aisbench.perf.slo import Slo, parse_slos

DATASETS_DIR_ENV = "AISBENCH_DATASETS_DIR"
AISBENCH_CACHE_ENV = "AIS_BENCH_DATASETS_CACHE"
"""AISBench's own variable for the datasets folder, read after ours."""


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction between 0 and 1 (e.g. 0.75)")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def _max_regression(text: str) -> MaxRegression:
    try:
        return parse_max_regression(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _max_perf_regression(text: str) -> float:
    try:
        return parse_max_perf_regression(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _from_ini(config: pytest.Config, name: str, option: Any, parse: Any) -> Any:
    """The option's value, else the ini key's, parsed; a bad ini value is a usage error."""
    text = str(config.getini(name) or "").strip()
    if option is not None or not text:
        return option
    try:
        return parse(text)
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(f"ini {name}: {exc}") from None


def _goodput(pairs: list[str]) -> dict[str, float]:
    """``["ttft:500", "tpot:50"]`` as milliseconds by metric."""
    limits = {}
    for pair in pairs:
        metric, _, value = pair.partition(":")
        try:
            if metric.strip() not in GOODPUT_KEYS:
                raise ValueError(metric)
            limits[metric.strip()] = float(value)
        except ValueError:
            raise ConfigError(
                f"--aisbench-goodput {pair!r}: expected METRIC:MILLISECONDS with METRIC one of "
                f"{', '.join(GOODPUT_KEYS)}, e.g. ttft:500"
            ) from None
    return limits


def _group_gates(ini: list[str], option: list[str]) -> dict[str, float]:
    """``["mmlu=0.6"]`` as thresholds by group name; the option's come after the ini file's,
    so they win for a name both give."""
    thresholds: dict[str, float] = {}
    for source, pairs in (
        ("ini aisbench_group_min_accuracy", ini),
        ("--aisbench-group-min-accuracy", option),
    ):
        for pair in pairs:
            name, equals, value = pair.rpartition("=")
            try:
                if not (equals and name.strip()):
                    raise argparse.ArgumentTypeError("no NAME=")
                thresholds[name.strip()] = _fraction(value.strip())
            except argparse.ArgumentTypeError as exc:
                raise ConfigError(
                    f"{source} {pair!r}: expected NAME=FRACTION, e.g. mmlu=0.6 ({exc})"
                ) from None
    return thresholds


def add_options(parser: pytest.Parser) -> None:
    """Declare every option and ini key of the plugin."""
    group = parser.getgroup("aisbench", "LLM evaluations (pytest-aisbench)")
    _selection_options(group)
    _gate_and_report_options(group)
    _perf_options(group)
    _ini_options(parser)


SUITES = ("accuracy", "perf")
"""The suites that ship with the plugin (the repository's ``suites/``)."""


def suite_dir(name: str) -> Path:
    """A shipped suite's folder: inside the installed package, or the checkout's ``suites/``."""
    package = Path(__file__).resolve().parent
    installed = package / "builtin_suites" / name
    return installed if installed.is_dir() else package.parent / "suites" / name


def _selection_options(group: pytest.OptionGroup) -> None:
    """Which backends and datasets run, from where."""
    group.addoption(
        "--aisbench-suite",
        action="append",
        default=[],
        choices=SUITES,
        metavar="NAME",
        help=f"run a suite that ships with the plugin ({', '.join(SUITES)}), from any folder; "
        "repeatable",
    )
    group.addoption(
        "--aisbench-model",
        action="append",
        default=[],
        metavar="NAME",
        help="backend to evaluate (a backend file's name); repeatable",
    )
    group.addoption(
        "--aisbench-backends-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="folder of your own backend files, searched first; repeatable",
    )
    group.addoption(
        "--aisbench-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a backend config key for every selected backend, "
        "e.g. host_port=8000; VALUE is read as a Python literal when it parses",
    )
    group.addoption(
        "--aisbench-dataset",
        action="append",
        default=[],
        metavar="NAME",
        help="dataset config to run instead of the suites' defaults; repeatable",
    )
    group.addoption(
        "--aisbench-custom-dataset",
        action="append",
        default=[],
        metavar="PATH",
        help="an AISBench custom dataset file (.jsonl or .csv, with an optional "
        "<file>.meta.json) to run instead of the suites' defaults, as AISBench's "
        "--custom-dataset-path; repeatable",
    )
    group.addoption(
        "--aisbench-datasets-config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="folder of your own dataset config files (NAME.py at any depth), searched before "
        "the built-in ones; repeatable",
    )
    group.addoption(
        "--aisbench-datasets-dir",
        metavar="DIR",
        help=f"folder holding the dataset files (else ${DATASETS_DIR_ENV}, AISBench's "
        f"${AISBENCH_CACHE_ENV}, or ini aisbench_datasets_dir)",
    )


def _gate_and_report_options(group: pytest.OptionGroup) -> None:
    """What fails the run, and where the records go."""
    group.addoption(
        "--aisbench-strict",
        action="store_true",
        help="fail every sample that is not correct (default: only errors fail)",
    )
    group.addoption(
        "--aisbench-min-accuracy",
        type=_fraction,
        metavar="FRACTION",
        help="accuracy gate for datasets without their own, e.g. 0.6",
    )
    group.addoption(
        "--aisbench-group-min-accuracy",
        action="append",
        default=[],
        metavar="NAME=FRACTION",
        help="gate a group of datasets (e.g. mmlu=0.6) on its weighted_average, the accuracy "
        "over all its samples; repeatable",
    )
    group.addoption(
        "--aisbench-subsets",
        action="store_true",
        help="show every dataset of a group in the accuracy table, under its group's row "
        "(default: the group's row only)",
    )
    group.addoption(
        "--aisbench-max-error-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="a gate fails when more of its samples than this ended in error (default 0)",
    )
    group.addoption(
        "--aisbench-report",
        metavar="PATH",
        help="write every sample record and the gates as JSON lines, as they finish",
    )
    group.addoption(
        "--aisbench-html",
        metavar="PATH",
        help="write the report as one self-contained HTML page at session end (tables, plots, "
        "every sample; opens offline); needs the html extra (plotly)",
    )
    group.addoption(
        "--aisbench-baseline",
        metavar="PATH",
        help="an earlier --aisbench-report to compare this run with: accuracy changes with "
        "McNemar's test, the flipped samples' test ids, perf figures",
    )
    group.addoption(
        "--aisbench-max-regression",
        type=_max_regression,
        metavar="DROP|significant",
        help="fail when a model's accuracy on a dataset or group dropped against the baseline "
        "by more than DROP (absolute, e.g. 0.02), or, with 'significant', dropped with McNemar "
        "p < 0.05 (ini aisbench_max_regression)",
    )
    group.addoption(
        "--aisbench-max-perf-regression",
        type=_max_perf_regression,
        metavar="FRACTION",
        help="fail a perf run whose latency percentiles rose against the baseline by more than "
        "FRACTION (relative, e.g. 0.10) (ini aisbench_max_perf_regression)",
    )
    group.addoption(
        "--aisbench-max-consecutive-errors",
        type=_count,
        default=20,
        metavar="N",
        help="after N failed requests in a row to one backend, fail its remaining samples at "
        "once instead of waiting through their timeouts (0: never; default 20)",
    )


def _perf_options(group: pytest.OptionGroup) -> None:
    """Serving-performance gates."""
    group.addoption(
        "--aisbench-slo",
        action="append",
        default=[],
        metavar="EXPR",
        help="a latency or throughput gate for every perf item, e.g. ttft_p99_ms<=500, "
        "tpot_mean_ms<=50, goodput_ratio>=0.95, error_rate<=0.01; repeatable",
    )
    group.addoption(
        "--aisbench-goodput",
        action="append",
        default=[],
        metavar="METRIC:MS",
        help="per-request SLO counted by goodput (vLLM's --goodput), e.g. ttft:500 tpot:50",
    )
    group.addoption(
        "--aisbench-resume",
        metavar="PATH",
        help="reuse the finished records of an earlier --aisbench-report; "
        "send only the samples that are missing or ended in error",
    )


def _ini_options(parser: pytest.Parser) -> None:
    """The ini-file equivalents."""
    parser.addini(
        "aisbench_backends_dirs",
        type="paths",
        default=[],
        help="folders of your own backend files, searched before the built-in ones",
    )
    parser.addini(
        "aisbench_datasets_config_dirs",
        type="paths",
        default=[],
        help="folders of your own dataset config files, searched before the built-in ones",
    )
    parser.addini(
        "aisbench_datasets_dir",
        default="",
        help="folder holding the dataset files (overridden by the option, "
        f"${DATASETS_DIR_ENV} and ${AISBENCH_CACHE_ENV})",
    )
    parser.addini(
        "aisbench_min_accuracy",
        default="",
        help="default accuracy gate, a fraction between 0 and 1",
    )
    parser.addini(
        "aisbench_max_regression",
        default="",
        help="default --aisbench-max-regression: an accuracy drop such as 0.02, or significant",
    )
    parser.addini(
        "aisbench_max_perf_regression",
        default="",
        help="default --aisbench-max-perf-regression: a relative latency rise such as 0.10",
    )
    parser.addini(
        "aisbench_group_min_accuracy",
        type="linelist",
        default=[],
        help="group gates, one NAME=FRACTION per line (the option overrides a name given here)",
    )


@dataclass(frozen=True)
class Settings:
    """Every option, read once at configure time."""

    model_names: tuple[str, ...]
    backend_dirs: tuple[Path, ...]
    """Search order: option, ini, the project's backends/, the built-in backends."""
    overrides: tuple[str, ...]
    dataset_names: tuple[str, ...]
    custom_datasets: tuple[Path, ...]
    """AISBench custom data files (``--aisbench-custom-dataset``), run beside the names."""
    dataset_config_dirs: tuple[Path, ...]
    """The user's dataset config folders (option, then ini); the built-ins come after them."""
    datasets_dir: Path
    strict: bool
    min_accuracy: float | None
    report_path: Path | None
    resume_path: Path | None
    html_path: Path | None
    slos: tuple[Slo, ...]
    goodput_ms: dict[str, float]
    max_consecutive_errors: int
    max_error_rate: float = 0.0
    group_min_accuracy: dict[str, float] = field(default_factory=dict)
    """Group gates by group name (``--aisbench-group-min-accuracy`` over the ini option)."""
    show_subsets: bool = False
    """Whether the accuracy table shows each group's subsets (``--aisbench-subsets``)."""
    baseline_path: Path | None = None
    """The earlier report this run is compared with (``--aisbench-baseline``)."""
    max_regression: MaxRegression | None = None
    """The accuracy drop allowed against the baseline, or ``significant``; None: no gate."""
    max_perf_regression: float | None = None
    """The relative latency rise allowed against the baseline; None: no gate."""

    @classmethod
    def from_config(cls, config: pytest.Config, builtin_dir: Path) -> Settings:
        option: Any = config.option
        rootdir = Path(config.rootpath)
        ini_min = str(config.getini("aisbench_min_accuracy") or "").strip()
        try:
            default_min = option.aisbench_min_accuracy
            if default_min is None and ini_min:
                default_min = _fraction(ini_min)
        except argparse.ArgumentTypeError as exc:
            raise pytest.UsageError(f"ini aisbench_min_accuracy: {exc}") from None
        datasets_dir = (
            option.aisbench_datasets_dir
            or os.environ.get(DATASETS_DIR_ENV)
            or os.environ.get(AISBENCH_CACHE_ENV)
            or str(config.getini("aisbench_datasets_dir") or "")
            or "datasets"
        )
        settings = cls(
            model_names=tuple(option.aisbench_model),
            backend_dirs=tuple(
                dict.fromkeys(
                    (
                        *(Path(d).expanduser().resolve() for d in option.aisbench_backends_dir),
                        *(Path(d) for d in config.getini("aisbench_backends_dirs")),
                        rootdir / "backends",
                        builtin_dir.resolve(),
                    )
                )
            ),
            overrides=tuple(option.aisbench_set),
            dataset_names=tuple(option.aisbench_dataset),
            custom_datasets=tuple(
                Path(path).expanduser().resolve() for path in option.aisbench_custom_dataset
            ),
            dataset_config_dirs=tuple(
                dict.fromkeys(
                    (
                        *(
                            Path(d).expanduser().resolve()
                            for d in option.aisbench_datasets_config_dir
                        ),
                        *(Path(d) for d in config.getini("aisbench_datasets_config_dirs")),
                    )
                )
            ),
            datasets_dir=(rootdir / Path(datasets_dir).expanduser()).resolve(),
            strict=bool(option.aisbench_strict),
            min_accuracy=default_min,
            report_path=Path(option.aisbench_report) if option.aisbench_report else None,
            html_path=Path(option.aisbench_html) if option.aisbench_html else None,
            resume_path=Path(option.aisbench_resume) if option.aisbench_resume else None,
            slos=tuple(parse_slos(option.aisbench_slo)),
            goodput_ms=_goodput(option.aisbench_goodput),
            max_consecutive_errors=option.aisbench_max_consecutive_errors,
            max_error_rate=option.aisbench_max_error_rate,
            group_min_accuracy=_group_gates(
                list(config.getini("aisbench_group_min_accuracy")),
                list(option.aisbench_group_min_accuracy),
            ),
            show_subsets=bool(option.aisbench_subsets),
            baseline_path=Path(option.aisbench_baseline) if option.aisbench_baseline else None,
            max_regression=_from_ini(
                config, "aisbench_max_regression", option.aisbench_max_regression, _max_regression
            ),
            max_perf_regression=_from_ini(
                config,
                "aisbench_max_perf_regression",
                option.aisbench_max_perf_regression,
                _max_perf_regression,
            ),
        )
        _check_together(settings, option)
        return settings


def _check_together(settings: Settings, option: Any) -> None:
    """Options that make no sense together: a regression threshold given on the command line
    without a baseline (it would gate nothing: a silent pass), and an HTML page written over
    a report this session reads or writes."""
    for name in ("max_regression", "max_perf_regression"):
        if getattr(option, f"aisbench_{name}") is not None and settings.baseline_path is None:
            flag = f"--aisbench-{name.replace('_', '-')}"
            raise pytest.UsageError(
                f"{flag} needs --aisbench-baseline PATH (the earlier report to compare with); "
                "without one it would gate nothing"
            )
    html = settings.html_path
    if html is None:
        return
    for flag, path in (
        ("--aisbench-report", settings.report_path),
        ("--aisbench-resume", settings.resume_path),
        ("--aisbench-baseline", settings.baseline_path),
    ):
        if path is not None and path.resolve() == html.resolve():
            raise pytest.UsageError(
                f"--aisbench-html {html} is the file {flag} names; the page would replace the "
                "JSON report: give the page its own path (report.html)"
            )
