"""Fixtures shared by the project's tests: the GSM8K suite in a pytester folder, simulators."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from one_protocol_server import TGI_LIKE, OneProtocolServer, one_protocol_server

from pytest_aisbench.config import validate_model
from pytest_aisbench.datasets import DatasetCatalog
from pytest_aisbench.datasets.gsm8k import gold_reply
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import BaseAPIModel, BaseModel, RequestOutput
from pytest_aisbench.report import finished_records, read_report
from pytest_aisbench.report_schema import load_report, schema_problems
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator
from pytest_aisbench.transport import HttpTransport, MockTransport, Transport
from pytest_aisbench.transport.mock import Handler

pytest_plugins = ["pytester"]
"""The project's own tests drive whole sessions; runs of ``suites/`` never load this file."""

REPO = Path(__file__).resolve().parent.parent
DATASETS_DIR = Path(
    os.environ.get("AISBENCH_DATASETS_DIR", REPO.parent / "shared" / "datasets")
).resolve()
TEST_BACKENDS = REPO / "tests" / "backends"
SUITE = REPO / "suites" / "accuracy" / "test_gsm8k.py"


def pytest_configure(config: pytest.Config) -> None:
    # every pytester session in a fresh interpreter, as a user's run is (plugin state, loops)
    config.option.runpytest = "subprocess"


@pytest.fixture(autouse=True)
def _reports_match_their_schema(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every report a test's sessions wrote (a ``.jsonl`` whose first line is a ``run`` line,
    in its pytester folder or its ``tmp_path``) must match ``schemas/report.schema.json``."""
    folders = [  # asked before the test, so these are torn down after this check
        request.getfixturevalue(name) for name in ("tmp_path",) if name in request.fixturenames
    ]
    if "pytester" in request.fixturenames:
        folders.append(request.getfixturevalue("pytester").path)
    yield
    problems = [
        f"{report}: {problem}"
        for folder in folders
        for report in sorted(Path(folder).rglob("*.jsonl"))
        if _is_report(report)
        for problem in schema_problems(report)
    ]
    assert not problems, "reports that do not match the schema:\n" + "\n".join(problems[:20])


def _is_report(path: Path) -> bool:
    """A report the plugin wrote, not one a test wrote or broke on purpose (which the
    plugin's own readers refuse)."""
    if not path.is_file():
        return False
    with path.open("rb") as file:
        if not file.readline().startswith(b'{"type": "run", "started"'):
            return False
    try:
        load_report(path)
        finished_records(path)
    except ConfigError:
        return False
    return True


Backend = TypeVar("Backend", bound=BaseModel)
Service = TypeVar("Service", bound=BaseAPIModel)


def build_backend(cls: type[Backend], transport: Transport | None = None, **keys: Any) -> Backend:
    """A backend built as the plugin builds it: validated keys through `ModelConfig.build`.

    `transport` is how a test gives a backend its network (the public ``build(transport=)``):
    a `MockTransport` (see `mock_backend`), or `httpx_network` for tests of raw bytes.
    """
    attr = "service" if issubclass(cls, BaseAPIModel) else "local"
    entry = {"attr": attr, "type": cls, "abbr": "test", **keys}
    return cast(Backend, validate_model(entry, "<test>").build(transport=transport))


def mock_backend(
    cls: type[Service], handler: Handler, **keys: Any
) -> tuple[Service, MockTransport]:
    """A backend whose server is `handler` (a `MockTransport`, which keeps its requests)."""
    transport = MockTransport(handler)
    return build_backend(cls, transport=transport, **keys), transport


def httpx_network(
    network: httpx.AsyncBaseTransport | Callable[[httpx.Request], Any],
) -> HttpTransport:
    """The httpx client over a fake network (a function becomes ``httpx.MockTransport``).

    Only for what the httpx client itself does with bytes (SSE framing, bodies cut or split,
    httpx's errors); a backend's protocol is tested with `mock_backend`.
    """
    if not isinstance(network, httpx.AsyncBaseTransport):
        network = httpx.MockTransport(network)
    return HttpTransport(max_connections=1, transport=network)


def demo_catalog(name: str) -> tuple[DatasetCatalog, str]:
    """Built-in dataset `name` selected as a session selects it, read from `DATASETS_DIR`: the
    catalog an `Engine` is given, and the dataset's abbr (what the engine keys samples by)."""
    catalog = DatasetCatalog((), DATASETS_DIR)
    (config,) = catalog.configs(name)
    return catalog, config.abbr


@pytest.fixture(autouse=True)
def _datasets_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISBENCH_DATASETS_DIR", str(DATASETS_DIR))


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder holding the project's GSM8K suite, exactly as shipped."""
    pytester.makepyfile(test_gsm8k=SUITE.read_text())
    return pytester


def gold_responder(prompt_text: str) -> str | None:
    """A simulator responder answering each GSM8K question with its reference solution."""
    return gold_reply(prompt_text, DATASETS_DIR)


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    with running_simulator(SimulatorConfig()) as sim:
        yield sim


PROTOCOL_ANSWER = "The answer is 4."
"""The protocol tests' reply: 4 simulator tokens, "The", " answer", " is", " 4."."""


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[RunningSimulator]:
    """One simulator per protocol test module (all protocols are served)."""
    with running_simulator(SimulatorConfig()) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: RunningSimulator) -> RunningSimulator:
    """The module's simulator, answering `PROTOCOL_ANSWER` instantly, with fresh stats."""
    shared_sim.config.reset(text=PROTOCOL_ANSWER)
    shared_sim.stats.requests = 0
    shared_sim.stats.authorizations.clear()
    return shared_sim


@pytest.fixture(scope="module")
def shared_one_protocol() -> Iterator[OneProtocolServer]:
    """One one-protocol server per module (a thread; tests change what it serves)."""
    with one_protocol_server() as server:
        yield server


@pytest.fixture
def one_protocol(shared_one_protocol: OneProtocolServer) -> OneProtocolServer:
    """The module's one-protocol server: `TGI_LIKE` routes only, GSM8K answered with its
    reference solutions, fresh counts. A user's own server, which has no ``/v1/models``."""
    return shared_one_protocol.serve(TGI_LIKE, responder=gold_responder)


async def generate_once(model: BaseAPIModel, prompt: Any, max_out_len: int) -> RequestOutput:
    """One request through `model`, then close its client."""
    out = RequestOutput()
    try:
        await model.generate(prompt, max_out_len, out)
    finally:
        await model.aclose()
    return out


def point_at(sim: RunningSimulator, backend: str = "vllm_chat", *extra: str) -> list[str]:
    """Options that run `backend` against `sim`, without retries (faults show at once)."""
    return [
        "--aisbench-model",
        backend,
        "--aisbench-set",
        "host_ip=127.0.0.1",
        "--aisbench-set",
        f"host_port={sim.port}",
        "--aisbench-set",
        "retry=0",
        *extra,
    ]


IN_PROCESS = ("-o", "asyncio_default_fixture_loop_scope=function")
"""Options of a config made in this process (the pytester folder has no ini file)."""


def usage_error(pytester: pytest.Pytester, *args: str) -> pytest.LineMatcher:
    """The lines of the usage error that options `args` stop a session with, found in this
    process (parsing and ``pytest_configure`` only, no session run).

    pytest shows a `pytest.UsageError` as its message alone (exit status 4), so the message
    must hold no traceback and no path into the plugin's own code.
    """
    with pytest.raises(pytest.UsageError) as raised:
        pytester.parseconfigure(*IN_PROCESS, *args)
    message = str(raised.value)
    assert "Traceback" not in message
    assert "pytest_aisbench/" not in message
    return pytest.LineMatcher(message.splitlines())


def samples_of(report_path: Path) -> list[dict]:
    """The sample records of a JSONL report, sorted by (model, dataset, index)."""
    rows = [r for r in read_report(report_path) if r["type"] == "sample"]
    return sorted(rows, key=lambda r: (r["model"], r["dataset"], r["index"]))


@pytest.fixture(params=["httpx", "asyncio"])
def each_http_client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once per HTTP client (backend key ``http_client``)."""
    monkeypatch.setattr(BaseAPIModel, "http_client", request.param)
    return str(request.param)
