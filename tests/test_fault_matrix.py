"""The fault matrix: every fault on every protocol, stream and not, against the simulator.

`MATRIX` below is the written-down expectation (also in docs/faults.md): for each fault, on
which mode and protocols, the outcome, whether it is retried, and fragments the sample's
``error_info`` must contain. Every cell runs with ``retry=RETRY``: a retried fault that keeps
failing makes ``1 + RETRY`` attempts, one that is not retried makes one. Faults come from
`SimulatorConfig.fault` (see `pytest_aisbench.simulator.faults`), except "connection_refused",
which is a closed port. Timing asserts are lower bounds, or upper bounds with wide margins.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

import pytest

import pytest_aisbench.models.api_models.base_api as base_api
from conftest import DATASETS_DIR, demo_catalog, generate_once, gold_responder
from pytest_aisbench.config import validate_model
from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.models.api_models.base_api import BaseAPIModel
from pytest_aisbench.models.api_models.mindie_stream_api import MindieStreamApi
from pytest_aisbench.models.api_models.tgi_api import TGICustomAPI
from pytest_aisbench.models.api_models.triton_api import TritonCustomAPI
from pytest_aisbench.models.api_models.vllm_custom_api import VLLMCustomAPI
from pytest_aisbench.models.api_models.vllm_custom_api_chat import VLLMCustomAPIChat
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig
from pytest_aisbench.simulator.faults import FAULTS, HTTP_FAULTS, OVERLONG_FACTOR
from pytest_aisbench.utils.prompt import prompt_to_text

pytestmark = pytest.mark.usefixtures("each_http_client")

PROTOCOLS = ("openai_chat", "openai_completions", "tgi", "triton", "mindie")
ALL = PROTOCOLS
NOT_TRITON = ("openai_chat", "openai_completions", "tgi", "mindie")


def _http(status: int) -> tuple[str, ...]:
    """An HTTP fault's fragments: the status, and the server's own message from its body."""
    return (f"HTTP {status}: ", HTTP_FAULTS[f"http_{status}"][1])


# fmt: off
MATRIX: tuple[tuple[str, str, tuple[str, ...], str, bool, tuple[str, ...]], ...] = (
    # fault                   mode      protocols   outcome    retried  error_info fragments
    ("connection_refused",    "both",   ALL,        "error",   True,    ("ConnectError: ",)),
    ("reset_before_response", "both",   ALL,        "error",   True,    ("ReadError: ", "reset")),
    ("reset_mid_stream",      "both",   ALL,        "error",   True,    ("ReadError: ", "reset")),
    ("end_without_final",     "stream", NOT_TRITON, "error",   True,
     ("stream ended before its final event",)),
    ("end_without_final",     "stream", ("triton",), "partial", False, ()),
    ("end_without_final",     "text",   ALL,        "success", False,   ()),
    ("http_429",              "both",   ALL,        "error",   True,    _http(429)),
    ("http_429_retry_after",  "both",   ALL,        "error",   True,    _http(429)),
    ("http_500",              "both",   ALL,        "error",   True,    _http(500)),
    ("http_502",              "both",   ALL,        "error",   True,    _http(502)),
    ("http_503",              "both",   ALL,        "error",   True,    _http(503)),
    ("http_400",              "both",   ALL,        "error",   False,   _http(400)),
    ("http_404",              "both",   ALL,        "error",   False,   _http(404)),
    ("malformed_sse",         "both",   ALL,        "success", False,   ()),
    ("invalid_json_event",    "both",   ALL,        "error",   False,
     ("invalid JSON from server", '"cut here')),
    ("empty_body",            "both",   ALL,        "error",   False,   ("empty response body",)),
    ("stall",                 "both",   ALL,        "error",   True,
     ("timeout: ReadTimeout: no data from the server for 0.2 s",)),
    ("overlong",              "both",   ALL,        "long",    False,   ()),
    ("trickle",               "both",   ALL,        "success", False,   ()),
    ("endless",               "both",   ALL,        "error",   False,
     ("deadline: no complete response within 1 s",)),
    ("no_headers",            "both",   ALL,        "error",   True,
     ("timeout: ReadTimeout: no data from the server for 0.2 s",)),
)
"""(fault, mode, protocols, outcome, retried, fragments). Outcomes: ``success`` (the whole
answer), ``partial`` (success with the text sent before the cut: Triton's stream has no final
event, so a clean early close looks complete), ``long`` (success, far more than
``max_out_len`` tokens kept as sent, the server's finish reason recorded), ``error``."""
# fmt: on

RETRY = 2
ANSWER = "Two plus two makes four. The answer is 4."
"""8 simulator tokens."""
MAX_OUT_LEN = 16
STALL_TIMEOUT_S = 0.2
DEADLINE_S = 1.0
"""Each attempt's deadline: far more than any other fault's attempt takes, `endless` hits it."""
TRICKLE_GAP_S = 0.06
TRICKLE_TIMEOUT_S = 0.3
"""Longer than the trickle's gap, shorter than its whole response."""
RETRY_AFTER_S = 0.1
DEFAULT_TIMEOUT_S = 10.0

BACKENDS: dict[str, type[BaseAPIModel]] = {
    "openai_chat": VLLMCustomAPIChat,
    "openai_completions": VLLMCustomAPI,
    "tgi": TGICustomAPI,
    "triton": TritonCustomAPI,
    "mindie": MindieStreamApi,
}
FAULT_NAMES = sorted({row[0] for row in MATRIX})


@dataclass(frozen=True)
class Expected:
    outcome: str
    retried: bool
    fragments: tuple[str, ...]


def expected(fault: str, protocol: str, stream: bool) -> Expected:
    """The one `MATRIX` row for this cell; a cell with none or two is a mistake in the table."""
    mode = "stream" if stream else "text"
    rows = [
        Expected(outcome, retried, fragments)
        for name, row_mode, protocols, outcome, retried, fragments in MATRIX
        if name == fault and row_mode in (mode, "both") and protocol in protocols
    ]
    assert len(rows) == 1, f"MATRIX has {len(rows)} rows for {fault} {protocol} {mode}"
    return rows[0]


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base_api, "RETRY_BACKOFF_S", 0.005)


@pytest.fixture
def sim(shared_sim: RunningSimulator) -> RunningSimulator:
    shared_sim.config.reset(text=ANSWER)
    shared_sim.stats.requests = shared_sim.stats.faults = 0
    return shared_sim


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def backend(protocol: str, port: int, stream: bool, retry: int, timeout: float) -> BaseAPIModel:
    model = BACKENDS[protocol](
        host_ip="127.0.0.1", host_port=port, model="sim-model", stream=stream, retry=retry
    )
    model.timeout_s = timeout
    model.deadline_s = DEADLINE_S
    model.tls_verify = False  # plain http; spares loading the CA bundle (~60 ms) per backend
    return model


async def timed_generate(
    model: BaseAPIModel, prompt: Any = "2 + 2?"
) -> tuple[RequestOutput, float]:
    """`generate_once` and the seconds it took."""
    start = time.perf_counter()
    out = await generate_once(model, prompt, MAX_OUT_LEN)
    return out, time.perf_counter() - start


STREAMS = pytest.mark.parametrize("stream", [False, True], ids=["text", "stream"])


def configure(sim: RunningSimulator, fault: str) -> float:
    """Set `fault` on the simulator; the client's read timeout for it."""
    if fault == "http_429_retry_after":
        sim.config.fault, sim.config.retry_after = "http_429", RETRY_AFTER_S
    else:
        sim.config.fault = fault
    sim.config.trickle_gap = TRICKLE_GAP_S
    timeouts = {"stall": STALL_TIMEOUT_S, "no_headers": STALL_TIMEOUT_S}
    timeouts["trickle"] = TRICKLE_TIMEOUT_S
    return timeouts.get(fault, DEFAULT_TIMEOUT_S)


# -- the matrix -------------------------------------------------------------------------------


@STREAMS
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("fault", FAULT_NAMES)
async def test_fault_matrix(sim: RunningSimulator, fault: str, protocol: str, stream: bool) -> None:
    want = expected(fault, protocol, stream)
    if fault == "connection_refused":
        port, timeout = closed_port(), DEFAULT_TIMEOUT_S
    else:
        port, timeout = sim.port, configure(sim, fault)
    out, elapsed = await timed_generate(backend(protocol, port, stream, RETRY, timeout))

    attempts = 1 + RETRY if want.retried else 1
    assert out.attempts == attempts, out.error_info
    if fault != "connection_refused":
        assert sim.stats.requests == sim.stats.faults == attempts
    if want.outcome == "error":
        assert out.success is False
        for fragment in want.fragments:
            assert fragment in out.error_info
        if fault == "http_429_retry_after":  # RETRY waits of Retry-After each, no backoff
            assert elapsed >= RETRY * RETRY_AFTER_S
        return
    assert out.success, out.error_info
    assert out.error_info == ""
    if want.outcome == "success":
        assert out.content == ANSWER
    elif want.outcome == "partial":
        assert out.content == "Two plus"
        assert out.finish_reason is None
    elif want.outcome == "long":
        assert out.content.startswith(ANSWER)
        assert len(out.content.split()) == OVERLONG_FACTOR * MAX_OUT_LEN - 1 > MAX_OUT_LEN
        assert out.finish_reason in ({None} if protocol == "triton" else {"stop", "eos_token"})
    if fault == "trickle":  # slower than the read timeout in all, never that slow per gap
        assert elapsed > timeout


def test_matrix_covers_every_fault_of_the_simulator() -> None:
    simulated = set(FAULT_NAMES) - {"connection_refused", "http_429_retry_after"}
    assert simulated == set(FAULTS)
    for fault in FAULT_NAMES:
        for protocol in PROTOCOLS:
            for stream in (False, True):
                expected(fault, protocol, stream)


# -- recovery, Retry-After, backoff -----------------------------------------------------------

RETRIED = sorted({row[0] for row in MATRIX if row[4]} - {"connection_refused"})


@pytest.mark.parametrize("fault", RETRIED)
@pytest.mark.parametrize("protocol", ["openai_chat", "tgi"])
async def test_a_retried_fault_that_clears_succeeds_on_the_next_attempt(
    sim: RunningSimulator, fault: str, protocol: str
) -> None:
    timeout = configure(sim, fault)
    sim.config.fault_count = 1
    out, _ = await timed_generate(backend(protocol, sim.port, True, RETRY, timeout))

    assert out.success, out.error_info
    assert out.content == ANSWER
    assert out.attempts == 2
    assert (sim.stats.requests, sim.stats.faults) == (2, 1)


@STREAMS
async def test_retry_after_header_sets_the_wait(sim: RunningSimulator, stream: bool) -> None:
    sim.config.fault, sim.config.fault_count, sim.config.retry_after = "http_429", 1, 1
    out, elapsed = await timed_generate(backend("openai_chat", sim.port, stream, 1, 10.0))

    assert out.success, out.error_info
    assert out.attempts == 2
    assert elapsed >= 1.0


async def test_without_retry_after_the_wait_is_the_backoff(sim: RunningSimulator) -> None:
    sim.config.fault, sim.config.fault_count = "http_429", 1
    out, elapsed = await timed_generate(backend("openai_chat", sim.port, True, 1, 10.0))

    assert out.success, out.error_info
    assert out.attempts == 2
    assert elapsed < 0.9  # the backoff is 5 ms here; a Retry-After of 1 s would show


def test_backoff_doubles_with_jitter_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base_api, "RETRY_BACKOFF_S", 0.5)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [base_api._backoff(attempt, None) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jitter
    assert base_api._backoff(0, 3.0) == 3.0  # Retry-After replaces the backoff
    assert base_api._backoff(0, 3600.0) == 4 * base_api.RETRY_BACKOFF_CAP_S


# -- selection and configuration --------------------------------------------------------------


async def test_fault_match_selects_requests_by_prompt_text(sim: RunningSimulator) -> None:
    sim.config.fault, sim.config.fault_match = "http_500", "poisoned"
    ok, _ = await timed_generate(backend("tgi", sim.port, True, 0, 10.0), "a clean prompt")
    bad, _ = await timed_generate(backend("tgi", sim.port, True, 0, 10.0), "a poisoned prompt")

    assert ok.success, ok.error_info
    assert bad.success is False
    assert "HTTP 500" in bad.error_info
    assert (sim.stats.requests, sim.stats.faults) == (2, 1)


def test_unknown_fault_names_the_allowed_ones(sim: RunningSimulator) -> None:
    with pytest.raises(ValueError, match=r"unknown simulator fault 'http_418'.*reset_mid_stream"):
        SimulatorConfig(fault="http_418")
    with pytest.raises(ValueError, match=r"one of: .*trickle"):
        sim.config.fault = "nope"
    with pytest.raises(ValueError, match="fault_count"):
        SimulatorConfig(fault="stall", fault_count=-1)


# -- isolation: one sample's fault never touches the others -------------------------------------

DATASET = "demo_gsm8k_gen_4_shot_cot_str"


@pytest.mark.parametrize("fault", ["reset_mid_stream", "stall", "http_503"])
def test_a_fault_on_one_sample_leaves_the_others_alone(sim: RunningSimulator, fault: str) -> None:
    if not (DATASETS_DIR / "gsm8k" / "test.jsonl").is_file():
        pytest.skip(f"GSM8K not found under {DATASETS_DIR}; set AISBENCH_DATASETS_DIR")
    samples = get_dataset_config(DATASET).load(DATASETS_DIR)[:8]
    texts = [prompt_to_text(s.prompt) for s in samples]
    victim = 3
    question = texts[victim].rsplit("Question: ", 1)[-1].split("\nLet's think", 1)[0]
    assert [question in t for t in texts].count(True) == 1
    sim.config.reset(responder=gold_responder, ttft=0.1, fault=fault, fault_match=question)
    timeout = 2.5  # only the stalled request waits for it
    entry = dict(
        attr="service",
        type=VLLMCustomAPIChat,
        abbr="chat",
        model="sim-model",
        host_ip="127.0.0.1",
        host_port=sim.port,
        stream=True,
        batch_size=8,
        max_out_len=256,
        retry=0,
        timeout=timeout,
    )
    catalog, abbr = demo_catalog(DATASET)
    engine = Engine([validate_model(entry, "test")], catalog, {("chat", abbr): list(range(8))})
    try:
        records = [engine.record("chat", abbr, i) for i in range(8)]
    finally:
        engine.close()

    bad = records[victim]
    assert bad.outcome == "error"
    assert bad.attempts == 1
    others = [r for r in records if r.index != victim]
    assert [r.outcome for r in others] == ["correct"] * 7, [r.error for r in others]
    assert all(r.attempts == 1 and r.error == "" for r in others)
    # the others answer in ~0.1 s (2 s allows for a loaded machine); none waited for the
    # faulty one, whose stall lasts `timeout`
    assert all(r.e2el_s is not None and 0.1 <= r.e2el_s < 2.0 for r in others)
    assert (sim.stats.requests, sim.stats.faults) == (8, 1)
