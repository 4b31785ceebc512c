"""https backends: certificate checks against a simulator served with a test CA, and secrets.

The CA and the server certificate (for 127.0.0.1 and localhost) are made once per module with
the ``openssl`` command; the simulator serves https with them. Nothing trusts the test CA
unless a backend names it in ``ca_bundle``.
"""

from __future__ import annotations

import asyncio
import runpy
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import REPO, demo_catalog, httpx_network, usage_error
from pytest_aisbench.backend_files import backend_names, load_backend_file
from pytest_aisbench.config import ModelConfig
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator

BACKENDS = REPO / "backends"
DEMO = "demo_gsm8k_gen_4_shot_cot_chat_prompt"
SAMPLE0_ANSWER = "The answer is 18."
"""Sample 0 of the demo (Janet's ducks) is answered correctly by this reply."""

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


@dataclass(frozen=True)
class Certs:
    ca: Path
    """The test CA's certificate (PEM): what a ``ca_bundle`` names."""
    cert: Path
    """The server's certificate, signed by the test CA, for 127.0.0.1 and localhost."""
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certs(folder: Path) -> Certs:
    """A CA and a server certificate signed by it, with EC keys (fast to make)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=pytest-aisbench test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
        cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        cwd=folder,
    )  # fmt: skip
    return Certs(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def shared_tls_sim(certs: Certs) -> Iterator[RunningSimulator]:
    with running_simulator(
        SimulatorConfig(), ssl_certfile=str(certs.cert), ssl_keyfile=str(certs.key)
    ) as sim:
        yield sim


@pytest.fixture
def tls_sim(shared_tls_sim: RunningSimulator) -> RunningSimulator:
    """The module's https simulator, answering sample 0 correctly, with fresh stats."""
    shared_tls_sim.config.reset(text=SAMPLE0_ANSWER)
    shared_tls_sim.stats.requests = 0
    shared_tls_sim.stats.authorizations.clear()
    return shared_tls_sim


def vllm_chat(sim: RunningSimulator, *overrides: tuple[str, Any]) -> ModelConfig:
    """The built-in ``vllm_chat`` backend pointed at `sim`, no retries."""
    base = [("url", sim.url), ("model", "sim-model"), ("retry", 0)]
    (config,) = load_backend_file(BACKENDS / "vllm_chat.py", [*base, *overrides])
    return config


def first_record(config: ModelConfig) -> SampleRecord:
    """Sample 0 of the GSM8K demo through the engine, as a session would run it."""
    catalog, abbr = demo_catalog(DEMO)
    engine = Engine([config], catalog, {})
    try:
        return engine.record(config.abbr, abbr, 0)
    finally:
        engine.close()


def test_the_simulator_serves_https_with_the_test_certificate(tls_sim: RunningSimulator) -> None:
    assert tls_sim.url == f"https://127.0.0.1:{tls_sim.port}"


@pytest.mark.usefixtures("each_http_client")
def test_an_untrusted_certificate_is_an_error_outcome_naming_the_certificate(
    tls_sim: RunningSimulator,
) -> None:
    config = vllm_chat(tls_sim)
    assert config.tls_verify is True
    record = first_record(config)
    assert record.outcome == "error"
    assert "CERTIFICATE_VERIFY_FAILED" in record.error
    assert "certificate verify failed" in record.error
    assert tls_sim.stats.requests == 0  # the handshake failed: no request reached the server


@pytest.mark.usefixtures("each_http_client")
def test_a_certificate_failure_is_not_retried(tls_sim: RunningSimulator) -> None:
    record = first_record(vllm_chat(tls_sim, ("retry", 2)))
    assert record.outcome == "error" and "CERTIFICATE_VERIFY_FAILED" in record.error
    assert record.attempts == 1  # a bad certificate stays bad: retrying only wastes the time


def test_an_untrusted_certificate_fails_model_discovery_too(tls_sim: RunningSimulator) -> None:
    record = first_record(vllm_chat(tls_sim, ("model", "")))  # "" asks GET /v1/models
    assert record.outcome == "error"
    assert "cannot create backend 'vllm_chat'" in record.error
    assert "CERTIFICATE_VERIFY_FAILED" in record.error


@pytest.mark.parametrize("model", ["sim-model", ""])
@pytest.mark.usefixtures("each_http_client")
def test_a_ca_bundle_trusts_the_test_ca(
    tls_sim: RunningSimulator, certs: Certs, model: str
) -> None:
    config = vllm_chat(tls_sim, ("ca_bundle", str(certs.ca)), ("model", model))
    assert config.tls_verify == str(certs.ca)
    record = first_record(config)
    assert (record.outcome, record.error) == ("correct", "")
    assert tls_sim.stats.requests == 1


@pytest.mark.parametrize("model", ["sim-model", ""])
@pytest.mark.usefixtures("each_http_client")
def test_verify_ssl_false_skips_the_check(tls_sim: RunningSimulator, model: str) -> None:
    config = vllm_chat(tls_sim, ("verify_ssl", False), ("model", model))
    assert config.tls_verify is False
    assert first_record(config).outcome == "correct"
    assert tls_sim.stats.requests == 1


@pytest.mark.parametrize("backend", ["vllm_chat", "vllm_completions", "triton", "tgi", "mindie"])
def test_model_discovery_honours_the_ca_bundle(
    tls_sim: RunningSimulator, certs: Certs, backend: str
) -> None:
    """Backends that ask the server for its model name in ``__init__`` use the bundle too."""
    overrides = [("url", tls_sim.url), ("model", ""), ("ca_bundle", str(certs.ca))]
    (config,) = load_backend_file(BACKENDS / f"{backend}.py", overrides)
    model = config.build()
    assert isinstance(model, BaseAPIModel)
    assert model.tls_verify == str(certs.ca)
    if backend in ("vllm_chat", "vllm_completions", "triton"):
        assert model.model == "sim-model"


def _session_args(sim: RunningSimulator, *extra: str) -> list[str]:
    return [
        "--aisbench-model=vllm_chat",
        f"--aisbench-set=url={sim.url}",
        "--aisbench-set=model=sim-model",
        "--aisbench-set=retry=0",
        *extra,
    ]


def test_verify_ssl_false_in_a_session_runs_and_warns(
    suite: pytest.Pytester, tls_sim: RunningSimulator
) -> None:
    result = suite.runpytest(*_session_args(tls_sim, "--aisbench-set=verify_ssl=False"))
    result.stdout.fnmatch_lines(
        [
            "*PytestConfigWarning: backend 'vllm_chat'*verify_ssl=False, so https certificates "
            "are NOT checked*ca_bundle*",
            "*1 correct, 7 incorrect*",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_a_session_with_the_default_check_reports_errors_not_a_crash(
    suite: pytest.Pytester, tls_sim: RunningSimulator
) -> None:
    result = suite.runpytest(*_session_args(tls_sim), "-rf")
    result.stdout.fnmatch_lines(["*CERTIFICATE_VERIFY_FAILED*", "*8 error*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "NOT checked" not in result.stdout.str()


def test_a_ca_bundle_in_a_session_is_checked_and_not_warned(
    suite: pytest.Pytester, tls_sim: RunningSimulator, certs: Certs
) -> None:
    result = suite.runpytest(*_session_args(tls_sim, f"--aisbench-set=ca_bundle={certs.ca}"))
    result.stdout.fnmatch_lines(["*1 correct, 7 incorrect*"])
    assert result.ret == pytest.ExitCode.OK
    assert "NOT checked" not in result.stdout.str()


def test_a_missing_ca_bundle_is_a_usage_error_naming_the_key(
    pytester: pytest.Pytester, tls_sim: RunningSimulator, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(ConfigError, match=r"key 'ca_bundle': invalid value .*no-such-ca\.pem"):
        vllm_chat(tls_sim, ("ca_bundle", str(missing)))
    error = usage_error(pytester, *_session_args(tls_sim, f"--aisbench-set=ca_bundle={missing}"))
    error.fnmatch_lines(
        ["*vllm_chat.py: key 'ca_bundle': invalid value*no-such-ca.pem*a PEM file of CA*"]
    )


def test_a_ca_bundle_that_holds_no_certificate_is_a_config_error(
    tls_sim: RunningSimulator, certs: Certs
) -> None:
    with pytest.raises(ConfigError, match=r"key 'ca_bundle': invalid value"):
        vllm_chat(tls_sim, ("ca_bundle", str(certs.key)))  # a private key, not a certificate


# -- the api key goes to the configured host only ---------------------------------------------


def test_the_api_key_goes_only_to_the_configured_base_url(
    simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-only-for-the-simulator"
    simulator.config.api_key = secret
    simulator.config.text = SAMPLE0_ANSWER
    discovery: list[tuple[str, dict[str, Any]]] = []
    real_request = httpx.request

    def recording_request(method: str, url: str, **kwargs: Any) -> httpx.Response:
        discovery.append((url, kwargs))
        return real_request(method, url, **kwargs)

    monkeypatch.setattr(httpx, "request", recording_request)
    (config,) = load_backend_file(
        BACKENDS / "vllm_chat.py",
        [("url", simulator.url), ("model", ""), ("retry", 0), ("api_key", secret)],
    )
    sent: list[httpx.Request] = []

    class Recording(httpx.AsyncHTTPTransport):
        """The real network, keeping every request the httpx client sends (redirects too:
        that a redirect is not followed is test_reliability's redirect test)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return await super().handle_async_request(request)

    model = config.build(transport=httpx_network(Recording()))
    assert isinstance(model, BaseAPIModel)
    assert model.model == "sim-model"  # discovered through GET /v1/models
    assert [url for url, _ in discovery] == [f"{simulator.url}/v1/models"]
    ((_, kwargs),) = discovery
    assert kwargs["headers"] == {"Authorization": f"Bearer {secret}"}
    assert not kwargs.get("follow_redirects", False)
    assert secret not in model.headers.values()  # added per client, never kept in headers

    async def run() -> RequestOutput:
        out = RequestOutput()
        try:
            await model.generate("What is 2 + 2?", 16, out)
        finally:
            await model.aclose()
        return out

    out = asyncio.run(run())
    assert out.success, out.error_info
    assert [str(r.url) for r in sent] == [f"{simulator.url}/v1/chat/completions"]
    assert sent[0].headers["authorization"] == f"Bearer {secret}"
    assert simulator.stats.authorizations == [f"Bearer {secret}"]


# -- trust_remote_code -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(backend_names([BACKENDS])))
def test_built_in_backends_do_not_trust_remote_code(name: str) -> None:
    """The entries as shipped: the local backends do not validate until given a model folder."""
    entries = runpy.run_path(str(BACKENDS / f"{name}.py"))["models"]
    assert entries
    for entry in entries:
        assert entry.get("trust_remote_code", False) is False


def test_trust_remote_code_must_be_a_bool() -> None:
    with pytest.raises(ConfigError, match=r"key 'trust_remote_code': invalid value 'yes'"):
        load_backend_file(BACKENDS / "vllm_chat.py", [("trust_remote_code", "yes")])
