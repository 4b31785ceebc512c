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
from .faults import length_limits
from .tokens import TokenSchedule, plan_generation, sleep_until


def is_vita_request(body: Any) -> bool:
    """Whether a ``POST /generate`` body is VITA's (a ``prompt`` list, no ``inputs``)."""
    return isinstance(body, dict) and "inputs" not in body and isinstance(body.get("prompt"), list)


async def generate(request: Request, body: dict[str, Any]) -> None:
    """Answer one VITA request, streamed or whole."""
    limit = body.get("max_tokens", 512)
    texts = [
        p.get("text") for p in body["prompt"] if isinstance(p, dict) and p.get("type") == "text"
    ]
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        await request.respond_json(400, {"error": "max_tokens must be an integer >= 1"})
        return
    if not all(isinstance(t, str) for t in texts):
        await request.respond_json(400, {"error": "a text part needs a string 'text'"})
        return
    config = request.config
    prompt = "\n".join(str(t) for t in texts)
    generation = plan_generation(config.reply_for(prompt), **length_limits(config, limit))
    schedule = TokenSchedule(request.arrival, config.ttft, config.itl)
    if not body.get("stream"):
        await sleep_until(schedule.last_deadline(generation.completion_tokens))
        await request.respond_json(200, {"text": [generation.content_text]})
        return
    events = EventStream(request)
    await events.start()
    watcher = request.watch_disconnect()
    try:
        for index in range(generation.completion_tokens):
            await sleep_until(schedule.deadline(index))
            if request.disconnected:
                return
            await events.event({"text": [generation.tokens[index]]})
        await events.close()
    finally:
        watcher.cancel()
