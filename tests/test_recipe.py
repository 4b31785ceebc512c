"""The AISBench recipe as users write it: one file, two files, a registered package, ``type=``.

A user's server speaks its own protocol and nothing else, so every session here runs against
`one_protocol_server` (TGI-like ``/generate`` and ``/generate_stream``, or completions only),
which answers 404 to every other route, ``/v1/models`` included: a backend that asks what its
class did not ask for fails here, as it would against the user's server. Each layout's backend
file holds two entries, text and stream, so one session runs both modes. The recipe's hooks set
no finish reason, so a stream is complete when its body ends cleanly at the HTTP level, and cut
when it does not.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
from one_protocol_server import (
    COMPLETIONS_ONLY,
    OneProtocolServer,
    tgi_generate,
    tgi_generate_stream,
    tgi_info,
)

from conftest import gold_responder, samples_of, usage_error

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


ABBRS = {False: "my_custom_model_text", True: "my_custom_model_stream"}
"""Each entry's ``abbr`` (its records' ``model``) by its ``stream``."""
TGI_PATHS = {"/generate": 8, "/generate_stream": 8}
"""One request per sample and mode, and nothing else asked: no ``/v1/models``, no 404."""


def recipe_config(
    port: int,
    head: str,
    type_: str = "MyCustomModel",
    streams: Iterable[bool] = (False, True),
    retry: int = 0,
) -> str:
    """A backend file: `head` imports (or defines) the class; one entry per mode in `streams`,
    each with ``model=""`` as the recipe's config has it."""
    entries = "".join(
        f"""
    dict(attr="service", type={type_}, abbr="{ABBRS[stream]}", model="", stream={stream},
         host_ip="127.0.0.1", host_port={port}, retry={retry}, max_out_len=512, batch_size=4),"""
        for stream in streams
    )
    return f"{head}\nmodels = [{entries}\n]\n"


def run_demo(
    suite: pytest.Pytester, folder: Path, *args: str
) -> tuple[pytest.RunResult, list[dict]]:
    """The GSM8K demo suite through backend file ``my_custom_model``: the session, its records."""
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={folder}",
        "--aisbench-model=my_custom_model",
        f"--aisbench-report={report}",
        *args,
    )
    return result, samples_of(report) if report.exists() else []


def assert_every_sample_correct(
    result: pytest.RunResult,
    records: list[dict],
    server: OneProtocolServer,
    requests: Mapping[str, int] = TGI_PATHS,
    streams: Iterable[bool] = (True, False),
) -> None:
    """8 correct records per mode, and exactly `requests` asked of the server."""
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert [(r["model"], r["outcome"], r["error"]) for r in records] == [
        (ABBRS[stream], "correct", "") for stream in streams for _ in range(8)
    ]
    assert server.requests == requests


def write_backend(suite: pytest.Pytester, text: str, name: str = "my_custom_model") -> Path:
    """`text` as backend file `name`.py in a new folder ``my_backends``; the folder."""
    folder = suite.mkdir("my_backends")
    (folder / f"{name}.py").write_text(text)
    return folder


def test_one_file_holding_class_and_config(
    suite: pytest.Pytester, one_protocol: OneProtocolServer
) -> None:
    folder = write_backend(suite, recipe_config(one_protocol.port, RECIPE_CLASS))
    assert_every_sample_correct(*run_demo(suite, folder), one_protocol)


def test_two_files_class_module_beside_its_config(
    suite: pytest.Pytester, one_protocol: OneProtocolServer
) -> None:
    config = recipe_config(one_protocol.port, "from my_api import MyCustomModel\n")
    folder = write_backend(suite, config)
    (folder / "my_api.py").write_text(RECIPE_CLASS)
    assert_every_sample_correct(*run_demo(suite, folder), one_protocol)
    listed = usage_error(suite, f"--aisbench-backends-dir={folder}", "--aisbench-model=nope")
    listed.fnmatch_lines(["*unknown backend 'nope'; known backends: *my_custom_model*"])
    assert "my_api" not in listed.str()  # a library module is not a backend


def test_a_config_may_name_a_registered_class_as_a_string(
    suite: pytest.Pytester, one_protocol: OneProtocolServer
) -> None:
    head = "import my_api  # registers MyCustomModel\n"
    folder = write_backend(suite, recipe_config(one_protocol.port, head, type_='"MyCustomModel"'))
    (folder / "my_api.py").write_text(RECIPE_CLASS)
    assert_every_sample_correct(*run_demo(suite, folder), one_protocol)


ASKS_BY_ATTRIBUTE = RECIPE_CLASS.replace(
    "    is_api: bool = True\n", "    is_api: bool = True\n    asks_model_name = True\n"
)
"""The recipe's class, asking the served name before ``__init__`` (a class attribute)."""
ASKS_IN_INIT = RECIPE_CLASS.replace(
    "        self.served = self.model",
    "        if not self.model:  # as AISBench's own vLLM class asks\n"
    "            self.model = self._get_service_model_path()\n"
    "        self.served = self.model",
)
"""The recipe's class, asking the served name itself in ``__init__``."""


def test_a_class_that_asks_gets_the_served_name_before_init_reads_it(
    suite: pytest.Pytester, one_protocol: OneProtocolServer
) -> None:
    """Its own protocol lists the name at ``GET /info``; its URLs hold the name, so a name not
    resolved before ``__init__`` built them would be ``models//generate``, a 404."""
    one_protocol.serve(
        {
            ("GET", "/info"): tgi_info,
            ("POST", "/models/served-name/generate"): tgi_generate,
            ("POST", "/models/served-name/generate_stream"): tgi_generate_stream,
        },
        responder=gold_responder,
    )
    recipe = ASKS_BY_ATTRIBUTE.replace(
        '"generate_stream" if self.stream else "generate"',
        'f"models/{self.served}/" + ("generate_stream" if self.stream else "generate")',
    ).replace(
        "    def _get_url(self) -> str:",
        "    def _get_service_model_path(self) -> str:\n"
        '        return httpx.get(urljoin(self.base_url, "info")).json()["model_id"]\n\n'
        "    def _get_url(self) -> str:",
    )
    folder = write_backend(suite, recipe_config(one_protocol.port, "import httpx\n" + recipe))
    paths = {
        "/info": 2,
        "/models/served-name/generate": 8,
        "/models/served-name/generate_stream": 8,
    }
    assert_every_sample_correct(*run_demo(suite, folder), one_protocol, paths)  # once per backend


@pytest.mark.parametrize("recipe", [ASKS_BY_ATTRIBUTE, ASKS_IN_INIT], ids=["attribute", "init"])
def test_a_class_that_asks_a_server_without_a_listing_stops_with_one_message(
    suite: pytest.Pytester, one_protocol: OneProtocolServer, recipe: str
) -> None:
    """``model=""`` in a class that asks, against a server with no ``GET /v1/models``: one
    message naming the file, the key, the URL and the fix, not one per sample; exit status 4."""
    config = recipe_config(one_protocol.port, recipe, streams=[False])
    folder = write_backend(suite, config)
    result, records = run_demo(suite, folder)
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    url = f"{one_protocol.url}/v1/models"
    message = [line for line in output.splitlines() if "--aisbench-set model=" in line]
    assert len(message) == 1, output
    assert output.count("--aisbench-set model=") == 1, output
    for part in (str(folder / "my_custom_model.py"), "key 'model'", url):
        assert part in message[0], message[0]
    assert [(r["outcome"], r["error_kind"]) for r in records] == [("error", "config")] * 8
    assert one_protocol.requests == {"/v1/models": 1}  # asked once; no sample was sent


def test_a_stream_cut_before_its_end_is_an_error(
    suite: pytest.Pytester, one_protocol: OneProtocolServer
) -> None:
    one_protocol.serve(responder=gold_responder, cut_after=3)
    folder = write_backend(suite, recipe_config(one_protocol.port, RECIPE_CLASS, streams=[True]))
    result, records = run_demo(suite, folder, "--aisbench-max-consecutive-errors=0")
    result.stdout.fnmatch_lines(["*8 error*"])
    assert [(r["outcome"], r["error_kind"]) for r in records] == [("error", "request")] * 8
    assert all("RemoteProtocolError" in r["error"] for r in records), records[0]["error"]
    assert one_protocol.requests == {"/generate_stream": 8}  # retry=0: each cut once


def test_a_503_is_retried_until_the_sample_is_answered(
    suite: pytest.Pytester, one_protocol: OneProtocolServer
) -> None:
    one_protocol.serve(responder=gold_responder, fail_first=2)
    config = recipe_config(one_protocol.port, RECIPE_CLASS, streams=[False], retry=2)
    result, records = run_demo(suite, write_backend(suite, config))
    assert_every_sample_correct(result, records, one_protocol, {"/generate": 10}, [False])
    assert sum(r["attempts"] for r in records) == 10  # the 2 answered 503 were sent again


def test_an_api_key_is_sent_as_bearer_and_never_shown_under_xdist(
    suite: pytest.Pytester, one_protocol: OneProtocolServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two xdist workers, each with its own backend; the key comes from ``$AISBENCH_API_KEY``
    (the file's ``api_key`` is empty) and goes nowhere but the ``Authorization`` header."""
    secret = "sk-recipe-secret-4242"
    monkeypatch.setenv("AISBENCH_API_KEY", secret)
    folder = write_backend(suite, recipe_config(one_protocol.port, RECIPE_CLASS))
    xml = suite.path / "junit.xml"
    result, records = run_demo(suite, folder, "-n", "2", f"--junitxml={xml}", "-v", "-rA")
    result.stdout.fnmatch_lines(["*2 workers*"])
    assert_every_sample_correct(result, records, one_protocol)
    assert one_protocol.authorizations == [f"Bearer {secret}"] * 16
    shown = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        "report": (suite.path / "report.jsonl").read_text(),
        "junit": xml.read_text(),
    }
    assert [where for where, text in shown.items() if secret in text] == []


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


@pytest.mark.parametrize(
    ("head", "type_"),
    [("from pytest_aisbench.models import MyCustomModel\n", "MyCustomModel"),
     ("", '"MyCustomModel"')],
    ids=["imported", "by-name"],
)  # fmt: skip
def test_a_registered_package_provides_the_class(
    suite: pytest.Pytester,
    one_protocol: OneProtocolServer,
    installed_package: Path,
    monkeypatch: pytest.MonkeyPatch,
    head: str,
    type_: str,
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(installed_package), *sys.path]))
    folder = write_backend(suite, recipe_config(one_protocol.port, head, type_=type_))
    assert_every_sample_correct(*run_demo(suite, folder), one_protocol)


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
def test_the_readmes_recipe_runs_as_printed(
    suite: pytest.Pytester, one_protocol: OneProtocolServer, stream: bool
) -> None:
    """Against a completions-only server (no ``/v1/models``): the class sends its config's
    ``model=""`` as it is, since it asks for no name."""
    one_protocol.serve(COMPLETIONS_ONLY, responder=gold_responder)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("```python\n# my_backends/my_custom_api.py", 1)[1].split("```", 1)[0]
    folder = write_backend(suite, "#" + block, "my_custom_api")  # "#": the rest of its comment
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={folder}", "--aisbench-model=my_custom_api",
        "--aisbench-set=host_ip='127.0.0.1'", f"--aisbench-set=host_port={one_protocol.port}",
        f"--aisbench-set=stream={stream}", f"--aisbench-report={report}",
        "--aisbench-dataset=demo_gsm8k_gen_4_shot_cot_str",
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*8 correct*"])
    assert [r["outcome"] for r in samples_of(report)] == ["correct"] * 8
    assert one_protocol.requests == {"/v1/completions": 8}
    assert [(b["model"], b["stream"]) for b in one_protocol.bodies] == [("", stream)] * 8
