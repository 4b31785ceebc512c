"""The simulator's ASGI application: routes each request to its protocol's handler.

Each protocol module exposes `ROUTES`, a mapping from (method, path) to an async handler
taking a `Request`. Unknown paths and wrong methods get FastAPI's bodies
(`{"detail": "Not Found"}`, `{"detail": "Method Not Allowed"}`), as vLLM's server sends them.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Mapping

from . import faults, mindie, openai, tgi, triton
from .asgi import Receive, Request, Scope, Send
from .config import SimulatorConfig
from .stats import SimulatorStats

Handler = Callable[[Request], Awaitable[None]]
Routes = Mapping[tuple[str, str], Handler]

PROTOCOL_ROUTES: tuple[Routes, ...] = (openai.ROUTES, tgi.ROUTES, triton.ROUTES, mindie.ROUTES)
"""Every protocol's routes, merged in order (a later protocol may not reuse a route)."""


def merge_routes(tables: tuple[Routes, ...]) -> dict[tuple[str, str], Handler]:
    """One routing table from several; a route served twice is a programming error."""
    merged: dict[tuple[str, str], Handler] = {}
    for table in tables:
        clash = merged.keys() & table.keys()
        if clash:
            raise ValueError(f"routes served twice: {sorted(clash)}")
        merged.update(table)
    return merged


class SimulatorApp:
    """A raw ASGI application serving the configured protocols.

    `config` is read (snapshotted) at each request's arrival, so changing it affects the
    next request and never one in flight.
    """

    def __init__(self, config: SimulatorConfig, routes: Routes) -> None:
        self.config = config
        self._routes = dict(routes)
        self._paths = {path for _, path in self._routes}
        self.stats = SimulatorStats()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one HTTP request; the config is copied here so a change mid-request is not seen."""
        triton.rewrite_path(scope)  # Triton puts the model name in the path
        arrival = asyncio.get_running_loop().time()
        request = Request(scope, receive, send, copy.copy(self.config), arrival)
        handler = self._routes.get((scope["method"], scope["path"]))
        if handler is not None and scope["method"] == "POST":
            await self._generate(scope, request, handler)
        elif handler is not None:
            await handler(request)
        elif scope["path"] in self._paths:
            await request.respond_json(405, {"detail": "Method Not Allowed"})
        else:
            await request.respond_json(404, {"detail": "Not Found"})

    async def _generate(self, scope: Scope, request: Request, handler: Handler) -> None:
        """A generation request: counted, checked for the api key (as ``vllm --api-key``)."""
        headers = dict(scope.get("headers") or ())
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        stats = self.stats
        stats.requests += 1
        stats.authorizations.append(authorization)
        if request.config.api_key and authorization != f"Bearer {request.config.api_key}":
            await request.respond_json(401, {"error": "Unauthorized"})
            return
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            if request.config.fault:
                await faults.serve(request, handler, stats)
            else:
                await handler(request)
        finally:
            stats.in_flight -= 1


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to set up or tear down; acknowledge both so uvicorn stays quiet."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(config: SimulatorConfig | None = None) -> SimulatorApp:
    """The simulator application for `config` (defaults when None)."""
    return SimulatorApp(config or SimulatorConfig(), merge_routes(PROTOCOL_ROUTES))
