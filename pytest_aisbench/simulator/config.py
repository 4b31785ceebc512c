"""Simulator configuration, and the responders that choose a reply per request.

The configuration is a plain mutable dataclass: each request takes a snapshot of it when it
arrives, so a test may change the model's latency or reply between two requests without
restarting the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .fault_names import check_fault

Responder = Callable[[str], str | None]
"""Chooses the reply for one request from its prompt text; None falls back to the fixed text."""

DEFAULT_TEXT = "Let's compute. 2 + 2 = 4. The answer is 4."


@dataclass
class SimulatorConfig:
    """What the simulated model answers, and how fast.

    Attributes:
        model: the one model name served; a request naming another gets a 404.
        max_model_len: the context window that `max_tokens` and the prompt are checked against.
        ttft: seconds from a request's arrival to its first token.
        itl: seconds between two consecutive tokens.
        output_len: tokens per reply; None means as many as the reply text has. A longer
            output repeats the reply's tokens.
        text: the reply when no responder chooses one.
        reasoning_text: chat only; when set it is streamed first as `reasoning` deltas and
            returned as `message.reasoning`, as vLLM does with a reasoning parser.
        responder: picks the reply text per request (see `Responder`).
        usage_in_stream: False emulates llama.cpp, which never sends a usage chunk.
        json_spaces: True writes JSON like `json.dumps` defaults (spaces after `:` and `,`,
            non-ASCII escaped), as llama-cpp-python does; False writes compact UTF-8 JSON as
            vLLM does.
        api_key: when set, generation requests must send ``Authorization: Bearer <api_key>``
            or get a 401, as ``vllm serve --api-key`` does.
        eos_chunk: on a natural stop, also generate the end-of-sequence token: one more
            chunk with empty text that carries `finish_reason` and counts in
            `completion_tokens`, which is what vLLM sends when the model emits EOS.
        fault: '' (none) or the name of a fault to inject into generation requests, one of
            `faults.FAULTS` (documented there and in docs/faults.md); another name is a
            ValueError listing them.
        fault_count: apply the fault to the first N selected generation requests only, then
            answer normally; None applies it to every one.
        fault_match: apply the fault only to requests with this substring in one of their
            body's strings (the prompt), so one sample fails while the others do not.
        retry_after: seconds sent as ``Retry-After`` with an HTTP status fault; None sends
            no header.
        trickle_gap: seconds between two pieces of a response under the ``trickle`` fault.
        early_role_chunk: chat streams send the role-only first chunk as soon as the request is
            accepted, a whole TTFT before the first token (vLLM 0.32 sends it right before the
            first token). TTFT counted to the first event of any kind, as AISBench does, then
            misses the prefill time; counted to the first text, as this plugin does, it does not.
        stamp_events: add ``"sim_sent_ns": time.perf_counter_ns()`` to every streamed JSON
            event as it is written. On Linux that clock (CLOCK_MONOTONIC) is the same in every
            process, so a benchmark can hold a client's arrival times against the truth.
    """

    model: str = "sim-model"
    max_model_len: int = 4096
    ttft: float = 0.0
    itl: float = 0.0
    output_len: int | None = None
    text: str = DEFAULT_TEXT
    reasoning_text: str = ""
    responder: Responder | None = None
    usage_in_stream: bool = True
    json_spaces: bool = False
    eos_chunk: bool = False
    api_key: str = ""
    fault: str = ""
    fault_count: int | None = None
    fault_match: str = ""
    retry_after: float | None = None
    trickle_gap: float = 0.1
    early_role_chunk: bool = False
    stamp_events: bool = False

    def __post_init__(self) -> None:
        if self.fault_count is not None and self.fault_count < 0:
            raise ValueError(f"fault_count must be >= 0 or None, got {self.fault_count}")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"retry_after must be >= 0 or None, got {self.retry_after}")
        if self.trickle_gap <= 0:
            raise ValueError(f"trickle_gap must be > 0, got {self.trickle_gap}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "fault":
            check_fault(value)
        super().__setattr__(name, value)

    def reset(self, **changes: Any) -> None:
        """Restore every field to its default, then apply `changes` (for a shared server)."""
        fresh = SimulatorConfig(**changes)
        for field in fields(self):
            setattr(self, field.name, getattr(fresh, field.name))

    def reply_for(self, prompt_text: str) -> str:
        """The reply text for one request: the responder's choice, else `text`."""
        if self.responder is not None:
            chosen = self.responder(prompt_text)
            if chosen is not None:
                return chosen
        return self.text


class ResponsesFileError(ValueError):
    """A responses file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class ResponseRule:
    """One line of a responses file: reply `text` when the prompt contains `prompt_contains`."""

    prompt_contains: str
    text: str


def load_responses(path: str | Path) -> list[ResponseRule]:
    """Read a JSONL responses file: one `{"prompt_contains": ..., "text": ...}` per line.

    Blank lines are skipped. Raises ResponsesFileError naming the file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ResponsesFileError(f"{path}: cannot read responses file: {exc}") from exc
    rules = [
        _parse_rule(line, f"{path}:{number}")
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]
    if not rules:
        raise ResponsesFileError(f"{path}: the responses file has no responses")
    return rules


def _parse_rule(line: str, where: str) -> ResponseRule:
    """One responses-file line; `where` (file:line) prefixes every error message."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ResponsesFileError(f"{where}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ResponsesFileError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for key in ("prompt_contains", "text"):
        if not isinstance(data.get(key), str):
            raise ResponsesFileError(f"{where}: {key!r} must be a string")
    unknown = sorted(set(data) - {"prompt_contains", "text"})
    if unknown:
        raise ResponsesFileError(f"{where}: unknown keys {', '.join(unknown)}")
    return ResponseRule(prompt_contains=data["prompt_contains"], text=data["text"])


def responder_from_rules(rules: Sequence[ResponseRule]) -> Responder:
    """A responder that answers with the first rule whose `prompt_contains` is in the prompt."""
    frozen = tuple(rules)

    def respond(prompt_text: str) -> str | None:
        """The first matching rule's text, or None to fall back."""
        for rule in frozen:
            if rule.prompt_contains in prompt_text:
                return rule.text
        return None

    return respond


def responder_from_file(path: str | Path) -> Responder:
    """A responder built from a JSONL responses file (see `load_responses`)."""
    return responder_from_rules(load_responses(path))
