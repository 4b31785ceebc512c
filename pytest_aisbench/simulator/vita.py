"""VITA's multimodal ``/generate``, served beside TGI's route of the same path.

Facts relied on (AISBench's `VITAGenerateAPI`, the only public client): the body is
``{"prompt": [{"type": "text", "text"}, {"type": "image_url", "image_url"}, ...],
"max_tokens", "stream", "model"}``; the answer is ``{"text": [answer]}``, or, streamed, SSE
events ``{"text": [piece]}``, one per token, with no end marker. A body with ``prompt`` and no
``inputs`` is VITA's; TGI's always has ``inputs`` (`is_vita_request`). The reply is chosen
from the text parts; media parts are accepted and not looked at.
"""

from __future__ import annotations

from typing import Any

from .asgi import EventStream, Request
from .common import Job, ProtocolError, is_int, respond_when_generated, stream_tokens

DEFAULT_MAX_TOKENS = 512


def is_vita_request(body: Any) -> bool:
    """Whether a ``POST /generate`` body is VITA's (a ``prompt`` list, no ``inputs``)."""
    return isinstance(body, dict) and "inputs" not in body and isinstance(body.get("prompt"), list)


def parse_job(body: dict[str, Any]) -> Job:
    """The job of a VITA body (see `is_vita_request`); the reply is chosen by its text parts."""
    limit = body.get("max_tokens", DEFAULT_MAX_TOKENS)
    texts = [
        p.get("text") for p in body["prompt"] if isinstance(p, dict) and p.get("type") == "text"
    ]
    if not is_int(limit) or limit < 1:
        raise ProtocolError(400, "max_tokens must be an integer >= 1")
    if not all(isinstance(t, str) for t in texts):
        raise ProtocolError(400, "a text part needs a string 'text'")
    return Job(prompt_text="\n".join(str(t) for t in texts), limit=limit, stop=())


async def generate(request: Request, body: dict[str, Any]) -> None:
    """Answer one VITA request, streamed or whole."""
    try:
        job = parse_job(body)
    except ProtocolError as exc:
        await request.respond_json(exc.status, exc.body())
        return
    generation = job.generate(request.config)
    if not body.get("stream"):
        reply = {"text": [generation.content_text]}
        await respond_when_generated(request, generation.completion_tokens, reply)
        return
    await stream_tokens(request, generation.tokens, _send_piece)


async def _send_piece(events: EventStream, index: int, text: str) -> None:
    """VITA's stream event: the token's text as a one-element list."""
    await events.event({"text": [text]})
