"""The AISBench recipe as users write it: one file, two files, or a registered package.

Each layout runs the GSM8K demo suite in stream and non-stream mode against the simulator.
The recipe's backend speaks TGI's protocol (no ``[DONE]``) and its hooks set no finish
reason, so a stream is complete when its body ends cleanly at the HTTP level, and cut when
it does not.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from conftest import gold_responder, samples_of
from pytest_aisbench.simulator import RunningSimulator

# The class, written by AISBench's "Supporting New Model Backends" page (ais_bench.benchmark
# renamed): TGI's /generate and /generate_stream, the model name read in __init__.
RECIPE_CLASS = """
from typing import Dict, Optional
from urllib.parse import urljoin

from pytest_aisbench.models import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.registry import MODELS


@MODELS.register_module()
class MyCustomModel(BaseAPIModel):
    is_api: bool = True

    def __init__(self, path: str = "", stream: bool = False, max_out_len: int = 4096,
                 retry: int = 2, api_key: str = "", host_ip: str = "localhost",
                 host_port: int = 8080, url: str = "", trust_remote_code: bool = False,
                 generation_kwargs: Optional[Dict] = None):
        super().__init__(path=path, stream=stream, max_out_len=max_out_len, retry=retry,
                         api_key=api_key, host_ip=host_ip, host_port=host_port, url=url,
                         generation_kwargs=generation_kwargs)
        self.served = self.model  # a key __init__ does not take, read in __init__
        self.url = self._get_url()

    def _get_url(self) -> str:
        return urljoin(self.base_url, "generate_stream" if self.stream else "generate")

    async def get_request_body(self, input, max_out_len, output: RequestOutput, **args):
        output.input = input
        return {"inputs": input, "parameters": {"max_new_tokens": max_out_len}}

    async def parse_text_response(self, data: dict, output: RequestOutput):
        output.content = data["generated_text"]

    async def parse_stream_response(self, data: dict, output: RequestOutput):
        token = data.get("token") or {}
        if not token.get("special"):
            output.content += token.get("text") or ""
"""


def recipe_config(stream: bool, port: int, head: str, type_: str = "MyCustomModel") -> str:
    """A backend file's config: `head` imports (or defines) the class."""
    return head + textwrap.dedent(f"""
        models = [dict(attr="service", type={type_}, abbr="my_custom_model", model="",
                       stream={stream}, host_ip="127.0.0.1", host_port={port}, retry=0,
                       max_out_len=512, batch_size=4)]
        """)


def run_demo(suite: pytest.Pytester, folder: Path, *args: str) -> list[dict]:
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={folder}",
        "--aisbench-model=my_custom_model",
        f"--aisbench-report={report}",
        *args,
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*8 correct*"])
    return samples_of(report)


STREAMS = pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])


@STREAMS
def test_one_file_holding_class_and_config(
    suite: pytest.Pytester, simulator: RunningSimulator, stream: bool
) -> None:
    simulator.config.responder = gold_responder
    folder = suite.mkdir("my_backends")
    (folder / "my_custom_model.py").write_text(recipe_config(stream, simulator.port, RECIPE_CLASS))
    records = run_demo(suite, folder)
    assert [(r["model"], r["outcome"], r["error"]) for r in records] == [
        ("my_custom_model", "correct", "")
    ] * 8
    assert simulator.stats.requests == 8  # no retry: every stream was complete


@STREAMS
def test_two_files_class_module_beside_its_config(
    suite: pytest.Pytester, simulator: RunningSimulator, stream: bool
) -> None:
    simulator.config.responder = gold_responder
    folder = suite.mkdir("my_backends")
    (folder / "my_api.py").write_text(RECIPE_CLASS)
    (folder / "my_custom_model.py").write_text(
        recipe_config(stream, simulator.port, "from my_api import MyCustomModel\n")
    )
    records = run_demo(suite, folder)
    assert {r["outcome"] for r in records} == {"correct"}
    listed = suite.runpytest(f"--aisbench-backends-dir={folder}", "--aisbench-model=nope")
    listed.stderr.fnmatch_lines(["*unknown backend 'nope'; known backends: *my_custom_model*"])
    assert "my_api" not in listed.stderr.str()  # a library module is not a backend


def test_a_config_may_name_a_registered_class_as_a_string(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    folder = suite.mkdir("my_backends")
    (folder / "my_api.py").write_text(RECIPE_CLASS)
    head = "import my_api  # registers MyCustomModel\n"
    (folder / "my_custom_model.py").write_text(
        recipe_config(False, simulator.port, head, type_='"MyCustomModel"')
    )
    assert {r["outcome"] for r in run_demo(suite, folder)} == {"correct"}


def test_model_key_is_resolved_before_init_reads_it(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.model = "served-name"
    simulator.config.responder = gold_responder
    folder = suite.mkdir("my_backends")
    recipe = RECIPE_CLASS.replace(
        '"generate_stream" if self.stream else "generate"', 'f"v2/models/{self.served}/generate"'
    ).replace(
        '"inputs": input, "parameters": {"max_new_tokens"',
        '"text_input": input, "parameters": {"max_tokens"',
    )
    recipe = recipe.replace('data["generated_text"]', 'data["text_output"]')
    (folder / "my_custom_model.py").write_text(recipe_config(False, simulator.port, recipe))
    records = run_demo(suite, folder)
    # Triton's URL names the model: "" was resolved (GET /v1/models) before __init__ used it
    assert {r["outcome"] for r in records} == {"correct"}


def test_a_stream_cut_before_its_end_is_an_error(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    simulator.config.fault = "reset_mid_stream"
    folder = suite.mkdir("my_backends")
    (folder / "my_custom_model.py").write_text(recipe_config(True, simulator.port, RECIPE_CLASS))
    report = suite.path / "report.jsonl"
    suite.runpytest(
        f"--aisbench-backends-dir={folder}", "--aisbench-model=my_custom_model",
        f"--aisbench-report={report}", "--aisbench-max-consecutive-errors=0",
    )  # fmt: skip
    records = samples_of(report)
    assert {r["outcome"] for r in records} == {"error"}
    assert all("ReadError" in r["error"] or "RemoteProtocolError" in r["error"] for r in records)


# -- a package registering its class under the entry-point group ---------------------------------

ENTRY_POINTS = """[pytest_aisbench.models]
MyCustomModel = my_backends_pkg:MyCustomModel
"""


def build_wheel(folder: Path) -> Path:
    """The wheel of a package `my-backends` whose entry point registers `MyCustomModel`."""
    info = "my_backends-1.0.dist-info"
    files = {
        "my_backends_pkg/__init__.py": RECIPE_CLASS.replace("@MODELS.register_module()\n", ""),
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: my-backends\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": ENTRY_POINTS,
    }
    record = [f"{name},sha256={_digest(text)},{len(text.encode())}" for name, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / "my_backends-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def _digest(text: str) -> str:
    raw = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def installed_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`my-backends` installed by pip (no dependencies) into a folder of its own."""
    wheel = build_wheel(tmp_path_factory.mktemp("dist"))
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--target", str(site), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert (site / "my_backends-1.0.dist-info" / "entry_points.txt").is_file()
    return site


@STREAMS
@pytest.mark.parametrize(
    ("head", "type_"),
    [("from pytest_aisbench.models import MyCustomModel\n", "MyCustomModel"),
     ("", '"MyCustomModel"')],
    ids=["imported", "by-name"],
)  # fmt: skip
def test_a_registered_package_provides_the_class(
    suite: pytest.Pytester,
    simulator: RunningSimulator,
    installed_package: Path,
    monkeypatch: pytest.MonkeyPatch,
    stream: bool,
    head: str,
    type_: str,
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(installed_package), *sys.path]))
    simulator.config.responder = gold_responder
    folder = suite.mkdir("my_backends")
    (folder / "my_custom_model.py").write_text(
        recipe_config(stream, simulator.port, head, type_=type_)
    )
    assert {r["outcome"] for r in run_demo(suite, folder)} == {"correct"}


def test_the_readmes_recipe_runs_as_printed(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("```python\n# my_backends/my_custom_api.py", 1)[1].split("```", 1)[0]
    simulator.config.responder = gold_responder
    folder = suite.mkdir("my_backends")
    (folder / "my_custom_api.py").write_text("#" + block)  # the rest of its comment line
    report = suite.path / "report.jsonl"
    for stream in (True, False):
        result = suite.runpytest(
            f"--aisbench-backends-dir={folder}", "--aisbench-model=my_custom_api",
            "--aisbench-set=host_ip='127.0.0.1'", f"--aisbench-set=host_port={simulator.port}",
            f"--aisbench-set=stream={stream}", f"--aisbench-report={report}",
            "--aisbench-dataset=demo_gsm8k_gen_4_shot_cot_str",
        )  # fmt: skip
        result.stdout.fnmatch_lines(["*8 correct*"])
        assert {r["outcome"] for r in samples_of(report)} == {"correct"}
