"""Every run ends, nothing leaks, and the plugin's own I/O fails with one message.

Covers what a hostile probe found: a frozen server, responses without bound, api keys in
error text or sent to a proxy, gates blind to errors, unwritable reports, resume files that
are not reports, redirects, bad certificates and invalid UTF-8 in a stream.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import (
    DATASETS_DIR,
    build_backend,
    generate_once,
    gold_responder,
    httpx_network,
    point_at,
    samples_of,
)
from pytest_aisbench.models import VLLMCustomAPIChat
from pytest_aisbench.secret import scrub
from pytest_aisbench.simulator import RunningSimulator

KEY = "sk-test-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def frozen_server() -> Iterator[int]:
    """A simulator in its own process, frozen with SIGSTOP once it is ready; its port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_aisbench.simulator", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        process.send_signal(signal.SIGSTOP)
        yield port
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait()


@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
async def test_a_frozen_server_is_an_error_in_bounded_time(
    frozen_server: int, stream: bool
) -> None:
    model = build_backend(
        VLLMCustomAPIChat, host_ip="127.0.0.1", host_port=frozen_server, model="m",
        stream=stream, retry=1, timeout=0.3, deadline=2,
    )  # fmt: skip
    started = time.monotonic()
    out = await generate_once(model, "hi", 16)
    assert not out.success and out.attempts == 2
    assert out.error_info.startswith("timeout: ReadTimeout: no data from the server for 0.3 s")
    assert time.monotonic() - started < 20  # 2 attempts of 0.3 s: a bound a busy machine keeps


async def test_the_deadline_bounds_a_stream_that_never_ends(simulator: RunningSimulator) -> None:
    simulator.config.fault, simulator.config.trickle_gap = "endless", 0.05
    model = build_backend(
        VLLMCustomAPIChat, host_ip="127.0.0.1", host_port=simulator.port, model="sim-model",
        stream=True, retry=2, timeout=5, deadline=0.5,
    )  # fmt: skip
    out = await generate_once(model, "hi", 16)
    assert not out.success and out.attempts == 1  # not retried: it had all its time
    assert out.error_info.startswith("deadline: no complete response within 0.5 s")


def test_the_default_deadline_is_the_timeout_plus_a_second_per_token() -> None:
    model = build_backend(VLLMCustomAPIChat, model="m", timeout=30)
    assert model.attempt_deadline(512) == 542
    assert build_backend(VLLMCustomAPIChat, model="m", deadline=0).attempt_deadline(512) is None


@pytest.mark.parametrize("client", ["httpx", "asyncio"])
@pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])
async def test_a_response_over_the_size_cap_is_an_error(
    simulator: RunningSimulator, stream: bool, client: str
) -> None:
    simulator.config.text = "word " * 3000  # about 15 kB of text
    model = build_backend(
        VLLMCustomAPIChat, host_ip="127.0.0.1", host_port=simulator.port, model="sim-model",
        stream=stream, retry=2, max_response_bytes=10_000, http_client=client,
    )  # fmt: skip
    out = await generate_once(model, "hi", 3500)
    assert not out.success and out.attempts == 1
    assert "response larger than 10,000 bytes (backend key max_response_bytes)" in out.error_info


# -- secrets ------------------------------------------------------------------------------------


def test_scrub_removes_the_key_in_every_form() -> None:
    texts = [
        f"Illegal header value b'Bearer {KEY}\\r'",
        f"auth {base64.b64encode(KEY.encode()).decode()}",
        f"basic {base64.b64encode(b':' + KEY.encode()).decode()}",
        f"plain {KEY} and {KEY}",
    ]
    for text in texts:
        assert KEY not in scrub(text, KEY) and "***" in scrub(text, KEY), text
    assert scrub("nothing here", KEY) == "nothing here"


@pytest.mark.parametrize("client", ["httpx", "asyncio"])
def test_a_key_with_a_line_end_is_stripped_and_never_shown(
    suite: pytest.Pytester, simulator: RunningSimulator, client: str
) -> None:
    simulator.config.api_key = KEY
    simulator.config.responder = gold_responder
    report, junit = suite.path / "report.jsonl", suite.path / "junit.xml"
    result = suite.runpytest(
        *point_at(simulator), f"--aisbench-set=api_key={KEY + chr(13) + chr(10)!r}",
        f"--aisbench-set=http_client={client!r}", f"--aisbench-report={report}",
        f"--junitxml={junit}", "-rA",
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*the api key had whitespace around it*", "*8 correct*"])
    for text in (result.stdout.str(), result.stderr.str(), report.read_text(), junit.read_text()):
        assert KEY not in text
    assert {r["outcome"] for r in samples_of(report)} == {"correct"}  # the stripped key works


def test_an_error_that_quotes_the_key_is_scrubbed(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    """A server that echoes the key in its error text (or a client error quoting a header)."""
    simulator.config.fault = "http_400"
    simulator.config.api_key = ""
    backends = suite.mkdir("echo_backends")
    (backends / "echo.py").write_text(
        "from pytest_aisbench.models import VLLMCustomAPIChat\n"
        "class Echo(VLLMCustomAPIChat):\n"
        "    async def get_request_body(self, input, max_out_len, output, **args):\n"
        "        raise ValueError('refused Bearer ' + str(self.api_key))\n"
        "models = [dict(attr='service', type=Echo, abbr='echo', model='m', retry=0)]\n"
    )
    report = suite.path / "report.jsonl"
    result = suite.runpytest(
        f"--aisbench-backends-dir={backends}", "--aisbench-model=echo",
        f"--aisbench-set=api_key={KEY!r}", f"--aisbench-report={report}",
        "--aisbench-set=host_ip='127.0.0.1'", f"--aisbench-set=host_port={simulator.port}",
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*8 errors*"])
    errors = [r["error"] for r in samples_of(report)]
    assert all("refused Bearer ***" in e for e in errors), errors[0]
    assert KEY not in result.stdout.str() + report.read_text()


class RecordingProxy:
    """A TCP listener that counts connections: no request may ever reach it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.connections = 0
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def test_no_request_goes_to_a_proxy_from_the_environment(
    suite: pytest.Pytester, simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = RecordingProxy()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    simulator.config.api_key = KEY
    simulator.config.responder = gold_responder
    result = suite.runpytest(
        *point_at(simulator), "--aisbench-set=model=''", f"--aisbench-set=api_key={KEY!r}"
    )  # the model name lookup too
    result.stdout.fnmatch_lines(["*8 correct*"])
    proxy.sock.close()
    assert proxy.connections == 0


# -- gates, datasets and the plugin's own I/O --------------------------------------------------


def test_errors_fail_the_gate_even_when_the_rest_is_accurate(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    simulator.config.responder = gold_responder
    simulator.config.fault, simulator.config.fault_count = "http_500", 5
    result = suite.runpytest(*point_at(simulator), "--aisbench-min-accuracy=0.75")
    result.stdout.fnmatch_lines(
        ["*5 of 8 samples of vllm_chat on demo_gsm8k ended in error (62.5% > max 0.0%*",
         "*demo_gsm8k*8*3*0*0*0*5*100.0%*75.0%*0%*FAIL*"]
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    allowed = suite.runpytest(*point_at(simulator), "--aisbench-max-error-rate=0.7")
    allowed.stdout.fnmatch_lines(["*demo_gsm8k*70%*-*"])


def test_an_empty_dataset_is_a_usage_error_naming_the_file(
    suite: pytest.Pytester, simulator: RunningSimulator, tmp_path: Path
) -> None:
    datasets = tmp_path / "datasets" / "gsm8k"
    datasets.mkdir(parents=True)
    (datasets / "test.jsonl").write_text("")
    (datasets / "train.jsonl").write_text((DATASETS_DIR / "gsm8k" / "train.jsonl").read_text())
    result = suite.runpytest(
        *point_at(simulator), f"--aisbench-datasets-dir={datasets.parent}",
        "--aisbench-min-accuracy=0.5",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"GSM8K file {datasets / 'test.jsonl'} holds no samples" in result.stdout.str() + (
        result.stderr.str()
    )


@pytest.mark.parametrize("path", ["/etc/passwd/x", "{tmp}", "/proc/aisbench.jsonl"])
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_an_unwritable_report_path_is_one_message_before_any_request(
    suite: pytest.Pytester, simulator: RunningSimulator, path: str, workers: list[str]
) -> None:
    target = path.format(tmp=suite.path)
    result = suite.runpytest(*point_at(simulator), f"--aisbench-report={target}", *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --aisbench-report: cannot write {target}: *"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert simulator.stats.requests == 0


def test_a_resume_file_that_is_not_a_report_is_one_message(
    suite: pytest.Pytester, simulator: RunningSimulator
) -> None:
    garbage = suite.path / "garbage.jsonl"
    garbage.write_bytes(os.urandom(2000).replace(b"\n", b"") + b"\n" + os.urandom(100))
    result = suite.runpytest(*point_at(simulator), f"--aisbench-resume={garbage}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: --aisbench-resume: {garbage}, line 1: not a report line*"]
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [({"outcome": "bogus"}, "outcome 'bogus' is none of correct, incorrect"),
     ({"attempts": "many"}, "attempts 'many' is not an integer >= 0")],
)  # fmt: skip
def test_resume_refuses_a_record_that_could_not_have_been_written(
    suite: pytest.Pytester, simulator: RunningSimulator, change: dict, message: str
) -> None:
    report = suite.path / "report.jsonl"
    simulator.config.responder = gold_responder
    suite.runpytest(*point_at(simulator), f"--aisbench-report={report}")
    lines = report.read_text().splitlines()
    bad = next(i for i, line in enumerate(lines) if '"type": "sample"' in line)
    lines[bad] = json.dumps({**json.loads(lines[bad]), **change})
    report.write_text("\n".join(lines) + "\n")
    result = suite.runpytest(*point_at(simulator), f"--aisbench-resume={report}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{report}, line {bad + 1}: not a report line ({message}*"])


# -- small faults -------------------------------------------------------------------------------


async def test_a_redirect_is_an_error_naming_where_it_points() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307, headers={"location": "https://elsewhere.test:8443/v1/x"})

    for stream in (False, True):
        network = httpx_network(handler)  # httpx itself must not follow it
        model = build_backend(VLLMCustomAPIChat, network, model="m", stream=stream, retry=2)
        out = await generate_once(model, "hi", 8)
        assert out.error_info == "HTTP 307 redirect to elsewhere.test:8443, not followed"
        assert out.attempts == 1


async def test_invalid_utf8_in_a_stream_is_replaced_and_noted() -> None:
    events = (
        b'data: {"choices": [{"delta": {"content": "caf\\u00e9 "}}]}\n\n'
        b'data: {"choices": [{"delta": {"content": "ok \xff\xfe"}, "finish_reason": "stop"}]}\n\n'
        b"data: [DONE]\n\n"
    )
    network = httpx_network(lambda request: httpx.Response(200, content=events))
    model = build_backend(VLLMCustomAPIChat, network, model="m", stream=True)
    out = await generate_once(model, "hi", 8)
    assert out.success, out.error_info
    assert out.content == "café ok \ufffd\ufffd"
    assert "invalid UTF-8" in out.notes
