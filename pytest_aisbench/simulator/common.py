"""What every protocol module shares: the error base, the job, field checks, token pacing.

The protocols (openai, tgi, triton, mindie, vita) differ in their request fields, reply
shapes and error bodies. What a generation is, how a malformed field is told apart from a
good one, and when each token goes out are the same everywhere, so they live here once and
the protocol modules pass in only what differs (their error class, their event builders).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeGuard, TypeVar

from .asgi import BadBody, EventStream, Request
from .config import SimulatorConfig
from .fault_names import OVERLONG_FACTOR
from .tokens import Generation, TokenSchedule, plan_generation, sleep_until

JobT = TypeVar("JobT")

TokenSender = Callable[[EventStream, int, str], Awaitable[None]]
"""Sends the event of token ``index`` (its text given) once that token is due."""
EventsHook = Callable[[EventStream], Awaitable[None]]
"""Sends what a stream has before its first token or after its last one."""


# --- errors ------------------------------------------------------------------------------


class ProtocolError(Exception):
    """A request the real server would refuse: the HTTP status and the protocol's error body.

    The body is ``{"error": message}`` (Triton's and VITA's shape); subclasses override `body`
    for their own shape, so every handler refuses a request the same way (`read_job`).
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON error body the protocol answers with."""
        return {"error": self.message}

    @classmethod
    def fault_body(cls, status: int, message: str) -> dict[str, Any]:
        """The body of a simulated HTTP-status fault (each protocol module's ``error_body``)."""
        return cls(status, message).body()


class TypedError(ProtocolError):
    """An error whose body also names its kind, ``{"error", "error_type"}``: TGI's shape.

    Under a status fault the kind is looked up by status in `FAULT_TYPES` (else
    `FAULT_DEFAULT_TYPE`), since a fault has no validation step to name it.
    """

    error_type: str = "validation"
    FAULT_TYPES: ClassVar[Mapping[int, str]] = {}
    FAULT_DEFAULT_TYPE: ClassVar[str] = "internal"

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "error_type": self.error_type}

    @classmethod
    def fault_body(cls, status: int, message: str) -> dict[str, Any]:
        kind = cls.FAULT_TYPES.get(status, cls.FAULT_DEFAULT_TYPE)
        return {"error": message, "error_type": kind}


async def read_job(
    request: Request, parse: Callable[[Any], JobT], error: type[ProtocolError]
) -> JobT | None:
    """The job a request's JSON body asks for, or None once its refusal has been sent.

    A body that is not JSON is refused with 400 in `error`'s shape; a `ProtocolError` raised
    by `parse` with its own status and body.
    """
    try:
        return parse(await request.json())
    except BadBody as exc:
        await request.respond_json(400, error(400, str(exc)).body())
    except ProtocolError as exc:
        await request.respond_json(exc.status, exc.body())
    return None


# --- request fields ----------------------------------------------------------------------


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that is not a bool (JSON ``true`` parses to a Python int subclass)."""
    return isinstance(value, int) and not isinstance(value, bool)


def optional_bool(body: Mapping[str, Any], key: str, invalid: Callable[[Any], Exception]) -> bool:
    """``body[key]`` as a boolean, False when absent or null; `invalid(value)` is raised else."""
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(value)
    return value


def string_list(
    value: Any, invalid: Exception, *, allow_string: bool = True, drop_empty: bool = False
) -> tuple[str, ...]:
    """Stop strings: null (none), a list of strings, or (with `allow_string`) one string.

    `drop_empty` leaves out empty strings (Triton's ``stop_words``); anything else raises
    `invalid`, the protocol's own refusal.
    """
    if value is None:
        return ()
    if allow_string and isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item for item in value if item or not drop_empty)
    raise invalid


# --- generation --------------------------------------------------------------------------


def length_limits(config: SimulatorConfig, limit: int) -> dict[str, Any]:
    """The ``limit`` and ``output_len`` a protocol plans a generation with.

    Normally the request's own limit and the configured ``output_len``; under the ``overlong``
    fault, `OVERLONG_FACTOR` times the limit, with a reply one token shorter than that so the
    simulated model stops by itself (finish reason ``stop`` / ``eos_token``).
    """
    if config.fault != "overlong":
        return {"limit": limit, "output_len": config.output_len}
    overlong = OVERLONG_FACTOR * limit
    return {"limit": overlong, "output_len": overlong - 1}


@dataclass(frozen=True)
class Job:
    """A validated generation request: what every protocol asks of the model.

    Each protocol subclasses it with the fields only it has (usage flags, details, seeds).
    """

    prompt_text: str
    """The text the responder chooses the reply by."""
    limit: int
    """The resolved maximum of generated tokens."""
    stop: tuple[str, ...]

    def generate(
        self,
        config: SimulatorConfig,
        *,
        reasoning: str = "",
        min_tokens: int = 0,
        ignore_eos: bool = False,
        eos: bool = False,
        include_stop_str: bool = False,
    ) -> Generation:
        """What the simulated model generates for this request (see `plan_generation`)."""
        return plan_generation(
            config.reply_for(self.prompt_text),
            **length_limits(config, self.limit),
            reasoning=reasoning,
            min_tokens=min_tokens,
            ignore_eos=ignore_eos,
            eos=eos,
            stop=self.stop,
            include_stop_str=include_stop_str,
        )


# --- pacing ------------------------------------------------------------------------------


def schedule_for(request: Request) -> TokenSchedule:
    """When this request's tokens are due: from its arrival, with its config's TTFT and ITL."""
    return TokenSchedule(request.arrival, request.config.ttft, request.config.itl)


async def respond_when_generated(request: Request, token_count: int, payload: Any) -> None:
    """Answer a whole (non-stream) body once its last token would have been generated."""
    await sleep_until(schedule_for(request).last_deadline(token_count))
    await request.respond_json(200, payload)


async def stream_tokens(
    request: Request,
    tokens: Sequence[str],
    send_token: TokenSender,
    *,
    prefix: bytes = b"data: ",
    opening: EventsHook | None = None,
    closing: EventsHook | None = None,
) -> None:
    """Stream a reply as server-sent events: one per token, each sent at its token's deadline.

    `opening` runs once the response has started, `closing` after the last token, then the
    stream ends. When the client goes away nothing more is sent (no `closing`, no end), as
    a real server stops generating for a cancelled request.
    """
    schedule = schedule_for(request)
    events = EventStream(request, prefix=prefix)
    await events.start()
    watcher = request.watch_disconnect()
    try:
        if opening is not None:
            await opening(events)
        for index, text in enumerate(tokens):
            await sleep_until(schedule.deadline(index))
            if request.disconnected:
                return
            await send_token(events, index, text)
        if closing is not None:
            await closing(events)
        await events.close()
    finally:
        watcher.cancel()
