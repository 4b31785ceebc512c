"""Backend files in whole sessions: the AISBench recipe, secrets, managed servers."""

from __future__ import annotations

import socket
import sys
import textwrap

import pytest
from one_protocol_server import COMPLETIONS_ONLY, OneProtocolServer

from conftest import gold_responder, samples_of
from pytest_aisbench.simulator import RunningSimulator

# AISBench's "Supporting New Model Backends" example, with `ais_bench.benchmark` replaced by
# `pytest_aisbench` and nothing else changed but the hook bodies it leaves as `...`.
AISBENCH_RECIPE = """
from typing import Dict, Optional, Union
from urllib.parse import urljoin

from pytest_aisbench.utils.prompt import PromptList
from pytest_aisbench.models import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput, Output

PromptType = Union[PromptList, str]

class MyCustomAPI(BaseAPIModel):
    is_api: bool = True

    def __init__(
        self,
        path: str = "",
        stream: bool = False,
        max_out_len: int = 4096,
        retry: int = 2,
        api_key: str = "",
        host_ip: str = "localhost",
        host_port: int = 8080,
        url: str = "",
        trust_remote_code: bool = False,
        generation_kwargs: Optional[Dict] = dict(),
    ):
        super().__init__(
            path=path,
            stream=stream,
            max_out_len=max_out_len,
            retry=retry,
            api_key=api_key,
            host_ip=host_ip,
            host_port=host_port,
            url=url,
            generation_kwargs=generation_kwargs,
        )
        self.url = self._get_url()

    def _get_url(self):
        return urljoin(self.base_url, "v1/completions")

    async def get_request_body(self, input, max_out_len, output: RequestOutput, **args):
        output.input = input
        prompt = input.to_text() if isinstance(input, PromptList) else input
        body = dict(model=self.model, prompt=prompt, max_tokens=max_out_len, stream=self.stream)
        return body | self.generation_kwargs

    async def parse_text_response(self, data: dict, output: RequestOutput):
        output.content = data["choices"][0]["text"]
        output.output_tokens = data["usage"]["completion_tokens"]

    async def parse_stream_response(self, data: dict, output: RequestOutput):
        for choice in data.get("choices", []):
            output.content += choice.get("text") or ""
            output.finish_reason = choice.get("finish_reason") or output.finish_reason

models = [
    dict(
        attr="service",
        type=MyCustomAPI,
        abbr="my_custom_api",
        path="",
        model="sim-model",
        stream=STREAM,
        request_rate=0,
        retry=2,
        api_key="",
        host_ip="127.0.0.1",
        host_port=PORT,
        url="",
        max_out_len=512,
        batch_size=4,
        trust_remote_code=False,
        generation_kwargs=dict(temperature=0.01, ignore_eos=False),
    )
]
"""


@pytest.mark.parametrize("stream", [False, True])
def test_a_backend_written_by_the_aisbench_recipe_runs_from_its_own_file(
    suite: pytest.Pytester, one_protocol: OneProtocolServer, stream: bool
) -> None:
    """Against a completions-only server, as the example's own ``v1/completions`` needs: it
    lists no models, so nothing but the example's requests may be sent."""
    one_protocol.serve(COMPLETIONS_ONLY, responder=gold_responder)
    folder = suite.mkdir("my_backends")
    recipe = AISBENCH_RECIPE.replace("STREAM", str(stream)).replace("PORT", str(one_protocol.port))
    (folder / "my_custom_api.py").write_text(recipe)
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={folder}",
        "--aisbench-model=my_custom_api",
        "--aisbench-dataset=demo_gsm8k_gen_4_shot_cot_str",
        f"--aisbench-report={report}",
    )
    result.stdout.fnmatch_lines(["*8 correct*"])
    records = samples_of(report)
    assert [(r["model"], r["dataset"], r["outcome"]) for r in records] == [
        ("my_custom_api", "demo_gsm8k_str", "correct")
    ] * 8
    assert one_protocol.requests == {"/v1/completions": 8}
    assert [(b["model"], b["stream"]) for b in one_protocol.bodies] == [("sim-model", stream)] * 8


def test_api_key_is_sent_but_never_shown(
    suite: pytest.Pytester, simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-very-secret-4242"
    simulator.config.api_key = secret
    monkeypatch.setenv("AISBENCH_API_KEY", secret)
    report, xml = suite.path / "report.jsonl", suite.path / "junit.xml"
    result = suite.runpytest(
        "--aisbench-model=vllm_chat",
        "--aisbench-set=host_ip=127.0.0.1",
        f"--aisbench-set=host_port={simulator.port}",
        "--aisbench-set=model=sim-model",
        f"--aisbench-report={report}",
        f"--junitxml={xml}",
        "-v",
        "-rA",
        "--debug=debug.log",
    )
    result.stdout.fnmatch_lines(["*8 incorrect*"])  # accepted by the server: not 401 errors
    assert simulator.stats.authorizations[-8:] == [f"Bearer {secret}"] * 8
    shown = [
        result.stdout.str(),
        result.stderr.str(),
        report.read_text(),
        xml.read_text(),
        (suite.path / "debug.log").read_text(errors="replace"),
    ]
    assert not [text for text in shown if secret in text]


def test_a_wrong_api_key_is_an_error_naming_the_status(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.api_key = "the-right-key"
    result = suite.runpytest(
        "--aisbench-model=vllm_chat",
        "--aisbench-set=host_ip=127.0.0.1",
        f"--aisbench-set=host_port={simulator.port}",
        "--aisbench-set=model=sim-model",
        "--aisbench-set=api_key='wrong-key'",
    )
    result.stdout.fnmatch_lines(["*HTTP 401*Unauthorized*", "*8 error*"])
    assert "wrong-key" not in result.stdout.str()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _managed_backend(port: int, cmd: list[str]) -> str:
    return textwrap.dedent(f"""
        from pytest_aisbench.models import VLLMCustomAPIChat

        models = [dict(
            attr="service", type=VLLMCustomAPIChat, abbr="managed", model="", stream=True,
            host_ip="127.0.0.1", host_port={port}, retry=0, batch_size=8, max_out_len=256,
            server=dict(cmd={cmd!r}, ready_path="/v1/models", startup_timeout=30),
        )]
    """)


def test_a_managed_server_is_started_for_the_session_and_stopped_after(
    suite: pytest.Pytester,
) -> None:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "pytest_aisbench.simulator",
        "--host",
        "{host}",
        "--port",
        "{port}",
        "--text",
        "The answer is 18.",
    ]
    folder = suite.mkdir("managed")
    (folder / "managed.py").write_text(_managed_backend(port, cmd))
    result = suite.runpytest(
        f"--aisbench-backends-dir={folder}", "--aisbench-model=managed", "-o", "cache_dir=cache"
    )
    result.stdout.fnmatch_lines(["*1 correct, 7 incorrect*"])  # sample 0's answer is 18
    assert (
        "Uvicorn running"
        in (suite.path / "cache" / "d" / "aisbench" / "managed-server.log").read_text()
    )
    with socket.socket() as sock:  # stopped: nothing listens on its port any more
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_server_that_dies_at_start_is_a_usage_error_with_its_log(
    suite: pytest.Pytester,
) -> None:
    cmd = [sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)"]
    folder = suite.mkdir("managed")
    (folder / "managed.py").write_text(_managed_backend(_free_port(), cmd))
    result = suite.runpytest(f"--aisbench-backends-dir={folder}", "--aisbench-model=managed")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*server exited with status 3 before it was ready*", "*no model here*"]
    )


def test_the_simulator_fixture_serves_a_configurable_model(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_chat(aisbench_simulator):
            aisbench_simulator.config.text = "The answer is 7."
            body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 16}
            reply = httpx.post(aisbench_simulator.url + "/v1/chat/completions", json=body).json()
            assert reply["choices"][0]["message"]["content"] == "The answer is 7."
            assert aisbench_simulator.stats.requests == 1
    """)
    pytester.runpytest().assert_outcomes(passed=1)
