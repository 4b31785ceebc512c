"""Bad input ends a session at once: exit status 4, one clear message, never a traceback.

The message must name where the problem is (the file, the key or option, the line) and what is
allowed. Input read when the session starts (options, backend files, datasets named by an
option) is checked in this process (conftest's `usage_error`); one whole session shows such an
error reaching the user, and the input read at collection (the suite's marker) runs whole
sessions (pytester) on the shipped GSM8K suite.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import DATASETS_DIR, usage_error

DEMO = "demo_gsm8k_gen_4_shot_cot_chat_prompt"


def assert_usage_error(result: pytest.RunResult, *message: str) -> None:
    """Exit status 4, `message` (fnmatch lines) on stderr, and no traceback anywhere."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    result.stderr.fnmatch_lines(list(message))
    shown = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in shown
    assert "pytest_aisbench/" not in shown  # no frames or paths of the plugin's own code


def write_backend(pytester: pytest.Pytester, body: str, name: str = "mine") -> Path:
    """A backend file `name`.py in its own folder; `body` follows the imports."""
    folder = pytester.path / "my_backends"
    folder.mkdir(exist_ok=True)
    file = folder / f"{name}.py"
    header = "from pytest_aisbench.models import VLLMCustomAPIChat\n"
    file.write_text(header + textwrap.dedent(body))
    return file


def backend_args(file: Path) -> list[str]:
    """The options that select the backend file `file`."""
    return [f"--aisbench-backends-dir={file.parent}", f"--aisbench-model={file.stem}"]


def entry(**keys: str) -> str:
    """A ``models`` list of one valid service entry, with `keys` (source text) added/replaced."""
    fields = {
        "attr": '"service"',
        "type": "VLLMCustomAPIChat",
        "abbr": '"mine"',
        "model": '"m"',
        "host_ip": '"127.0.0.1"',
        "host_port": "9",
        **keys,
    }
    lines = "".join(f"    {k}={v},\n" for k, v in fields.items() if v)
    return f"models = [dict(\n{lines})]\n"


# -- backends ----------------------------------------------------------------------------------


def test_unknown_backend_lists_the_known_ones(pytester: pytest.Pytester) -> None:
    usage_error(pytester, "--aisbench-model=vllm_chatt").fnmatch_lines(
        ["*unknown backend 'vllm_chatt'; known backends: *tgi*vllm_chat*(looked in *"]
    )


def test_unknown_dataset_lists_the_known_ones(pytester: pytest.Pytester) -> None:
    error = usage_error(pytester, "--aisbench-model=vllm_chat", "--aisbench-dataset=gsm9k")
    error.fnmatch_lines(
        [f"*unknown dataset 'gsm9k'; known datasets: *{DEMO}*gsm8k_gen_4_shot_cot_str*"]
    )


def test_a_backend_file_that_raises_shows_only_its_own_lines(suite: pytest.Pytester) -> None:
    """A whole session: an error found at start reaches the user as the message alone."""
    file = write_backend(
        suite,
        """
        def port():
            return 1 // 0

        models = [dict(attr="service", type=VLLMCustomAPIChat, abbr="mine", host_port=port())]
        """,
    )
    result = suite.runpytest(*backend_args(file))
    assert_usage_error(
        result,
        f"*{file}: failed to import:",
        f'*File "{file}", line 6, in <module>',
        f'*File "{file}", line 4, in port',
        "*ZeroDivisionError: integer division or modulo by zero",
    )
    assert "importlib" not in result.stderr.str()


def test_a_backend_file_importing_a_missing_module_names_its_line(
    pytester: pytest.Pytester,
) -> None:
    file = write_backend(pytester, "from my_company_sdk import Client\n")
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [
            f"*{file}: failed to import:",
            f'*File "{file}", line 2, in <module>',
            "*ModuleNotFoundError: No module named 'my_company_sdk'",
        ]
    )


def test_a_backend_file_with_a_syntax_error_names_its_line(pytester: pytest.Pytester) -> None:
    file = write_backend(pytester, "models = [dict(attr='service',]\n")
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [f"*{file}: failed to import:", "*SyntaxError: *mine.py, line 2)*"]
    )


def test_a_backend_file_without_models_says_what_it_must_define(pytester: pytest.Pytester) -> None:
    file = write_backend(pytester, "model = []\n")
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [f"*{file}: must define a non-empty list `models = [[]dict(...)]`*"]
    )


def test_a_missing_required_key_is_named(pytester: pytest.Pytester) -> None:
    file = write_backend(pytester, entry(abbr=""))
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [f"*{file}: key 'abbr': missing required key"]
    )


def test_a_mistyped_key_in_a_file_lists_the_allowed_keys(pytester: pytest.Pytester) -> None:
    file = write_backend(pytester, entry(bach_size="4"))
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [f"*{file}: key 'bach_size': unknown key for attr='service'; allowed keys: *batch_size*"]
    )


def test_a_mistyped_key_in_an_override_lists_the_allowed_keys(pytester: pytest.Pytester) -> None:
    error = usage_error(pytester, "--aisbench-model=vllm_chat", "--aisbench-set=bach_size=4")
    error.fnmatch_lines(
        ["*--aisbench-set 'bach_size=4': unknown key 'bach_size'; allowed keys: *batch_size*"]
    )


OUT_OF_RANGE = [
    ("batch_size", "0", "an integer from 1 to 100000"),
    ("request_rate", "-1", "a number of requests per second from 0 to 64000*"),
    ("retry", "-1", "an integer from 0 to 1000*"),
    ("host_port", "70000", "a port from 1 to 65535"),
    ("host_port", "'8000'", "a port from 1 to 65535"),
    ("url", "'localhost:8000'", "'' or a URL starting with http:// or https://"),
    ("timeout", "0", "seconds a request may wait*> 0"),
    ("http_client", "'aiohttp'", "'httpx' (the default) or 'asyncio'*"),
    ("attr", "'remote'", "'service' or 'local'"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), OUT_OF_RANGE)
def test_an_out_of_range_override_names_the_key_and_what_is_allowed(
    pytester: pytest.Pytester, key: str, value: str, allowed: str
) -> None:
    error = usage_error(pytester, "--aisbench-model=vllm_chat", f"--aisbench-set={key}={value}")
    error.fnmatch_lines([f"*vllm_chat.py: key '{key}': invalid value {value}; expected {allowed}"])


@pytest.mark.parametrize(("key", "value", "allowed"), OUT_OF_RANGE)
def test_an_out_of_range_value_in_a_file_names_the_file_and_key(
    pytester: pytest.Pytester, key: str, value: str, allowed: str
) -> None:
    file = write_backend(pytester, entry(**{key: value}))
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [f"*{file}: key '{key}': invalid value {value}; expected {allowed}"]
    )


def test_an_override_without_equals_shows_the_expected_form(pytester: pytest.Pytester) -> None:
    error = usage_error(pytester, "--aisbench-model=vllm_chat", "--aisbench-set=host_port")
    error.fnmatch_lines(["*--aisbench-set 'host_port': expected KEY=VALUE, e.g. host_port=8000"])


def test_a_server_command_given_as_a_shell_string_is_refused(pytester: pytest.Pytester) -> None:
    file = write_backend(
        pytester, entry(server="dict(cmd='python -m vllm.entrypoints.openai.api_server')")
    )
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [
            f"*{file}: key 'server': server cmd must be a non-empty argument list of strings "
            "(no shell string), e.g. [[]'python', *"
        ]
    )


def test_an_unknown_server_key_lists_the_allowed_ones(pytester: pytest.Pytester) -> None:
    file = write_backend(pytester, entry(server="dict(cmd=['vllm', 'serve'], port=8000)"))
    usage_error(pytester, *backend_args(file)).fnmatch_lines(
        [f"*{file}: key 'server': unknown server keys [[]'port'[]]*cmd*"]
    )


def test_a_bad_accuracy_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    error = usage_error(pytester, "--aisbench-model=vllm_chat", "--aisbench-min-accuracy=75")
    error.fnmatch_lines(["*--aisbench-min-accuracy: '75' is not a fraction between 0 and 1*"])


# -- datasets ----------------------------------------------------------------------------------


@pytest.fixture
def bad_datasets(pytester: pytest.Pytester) -> Path:
    """A datasets folder: the real GSM8K train split, and a test split whose line 3 is broken."""
    real = Path(os.environ.get("AISBENCH_DATASETS_DIR", DATASETS_DIR)) / "gsm8k"
    folder = pytester.path / "datasets" / "gsm8k"
    folder.mkdir(parents=True)
    shutil.copyfile(real / "train.jsonl", folder / "train.jsonl")
    good = (real / "test.jsonl").read_text().splitlines()[:2]
    broken = '{"question": "How many?", "answer": "#### 3"'
    (folder / "test.jsonl").write_text("\n".join([*good, broken, *good]) + "\n")
    return folder.parent


def dataset_args(datasets: Path) -> list[str]:
    """The options that read the demo dataset from the folder `datasets` at start."""
    return [
        "--aisbench-model=vllm_chat",
        f"--aisbench-datasets-dir={datasets}",
        f"--aisbench-dataset={DEMO}",
    ]


def test_a_malformed_dataset_line_names_the_file_and_line(
    pytester: pytest.Pytester, bad_datasets: Path
) -> None:
    usage_error(pytester, *dataset_args(bad_datasets)).fnmatch_lines(
        [f"*{bad_datasets / 'gsm8k' / 'test.jsonl'}, line 3: not valid JSON*"]
    )


def assert_collection_usage_error(result: pytest.RunResult, message: str) -> None:
    """Bad input found while collecting: exit status 4, the message alone, no traceback."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*ERROR collecting test_gsm8k.py*", message])
    shown = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in shown
    assert "pytest_aisbench/" not in shown


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["no-xdist", "xdist"])
def test_a_malformed_dataset_line_of_the_suite_default_names_the_file_and_line(
    suite: pytest.Pytester, bad_datasets: Path, workers: list[str]
) -> None:
    """No --aisbench-dataset: the suite's marker picks the dataset, read at collection."""
    result = suite.runpytest(
        "--aisbench-model=vllm_chat", f"--aisbench-datasets-dir={bad_datasets}", *workers
    )
    assert_collection_usage_error(
        result,
        "aisbench usage error: test_gsm8k.py::test_gsm8k: "
        f"{bad_datasets / 'gsm8k' / 'test.jsonl'}, line 3: not valid JSON*",
    )


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "datset=['demo_gsm8k_gen_4_shot_cot_str']",
            "*unknown aisbench marker keys [[]'datset'[]]; allowed: *datasets*",
        ),
        ("datasets=['gsm9k']", "*unknown dataset 'gsm9k'; known datasets: *"),
    ],
    ids=["misspelled-key", "unknown-dataset"],
)
def test_a_bad_suite_marker_is_a_usage_error(
    suite: pytest.Pytester, marker: str, message: str
) -> None:
    suite.makepyfile(
        test_gsm8k=f"""
        import pytest

        @pytest.mark.aisbench({marker})
        def test_gsm8k(aisbench_sample):
            aisbench_sample.check()
        """
    )
    result = suite.runpytest("--aisbench-model=vllm_chat")
    assert_collection_usage_error(
        result, "aisbench usage error: test_gsm8k.py::test_gsm8k: " + message
    )


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads a file whatever its mode, so chmod 000 cannot make it unreadable",
)
def test_an_unreadable_dataset_file_is_named(pytester: pytest.Pytester, bad_datasets: Path) -> None:
    test_file = bad_datasets / "gsm8k" / "test.jsonl"
    test_file.chmod(0)
    try:
        error = usage_error(pytester, *dataset_args(bad_datasets))
    finally:
        test_file.chmod(0o644)
    error.fnmatch_lines([f"*cannot read GSM8K file {test_file}: *Permission denied*"])


def test_an_unreadable_dataset_file_is_named_even_as_root(
    pytester: pytest.Pytester, bad_datasets: Path
) -> None:
    """A folder where the file should be fails to open for everyone, root included."""
    test_file = bad_datasets / "gsm8k" / "test.jsonl"
    test_file.unlink()
    test_file.mkdir()
    usage_error(pytester, *dataset_args(bad_datasets)).fnmatch_lines(
        [f"*cannot read GSM8K file {test_file}: *Is a directory*"]
    )
