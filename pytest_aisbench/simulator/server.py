"""Run the simulator in a background thread, for tests and benchmarks in the same process.

uvicorn serves the app on its own event loop in a daemon thread, on a socket bound here to a
free port, so two simulators never race for a port and the caller knows the URL before the
first request.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from .app import create_app
from .config import SimulatorConfig
from .stats import SimulatorStats


@dataclass(frozen=True)
class RunningSimulator:
    """A started simulator: where it listens, and the live configuration it reads."""

    host: str
    port: int
    config: SimulatorConfig
    stats: SimulatorStats
    scheme: str = "http"
    """``https`` when served with a certificate (``ssl_certfile``), else ``http``."""

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:PORT` (OpenAI clients add `/v1`)."""
        return f"{self.scheme}://{self.host}:{self.port}"


def bind_free_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to a free port on `host`, ready to hand to uvicorn."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


@contextmanager
def running_simulator(
    config: SimulatorConfig | None = None,
    *,
    host: str = "127.0.0.1",
    startup_timeout: float = 10.0,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> Iterator[RunningSimulator]:
    """Serve a simulator on a free port for the duration of the `with` block.

    The yielded object's `config` is the one the server reads per request: change it to
    change the next response. Open streams are cut after one second on exit.
    With `ssl_certfile` (a PEM certificate chain) and `ssl_keyfile` (its private key) it
    serves https instead of http, e.g. to test certificate checks.
    """
    config = config if config is not None else SimulatorConfig()
    sock = bind_free_socket(host)
    port = sock.getsockname()[1]
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"simulator-{port}", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread, startup_timeout)
        scheme = "https" if ssl_certfile else "http"
        yield RunningSimulator(host=host, port=port, config=config, stats=app.stats, scheme=scheme)
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    """Block until uvicorn is serving, so the caller's first request cannot be refused."""
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the simulator's server thread exited during startup")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the simulator did not start within {timeout} s")
        time.sleep(0.005)
