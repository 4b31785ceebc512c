"""Token splitting, output planning and token timing shared by every protocol.

The simulator has no tokenizer. A token is a whitespace-attached word piece (`" answer"`), so
the tokens of a text concatenate back to it exactly, non-ASCII included, and the count is
stable and easy to predict in tests. Prompt lengths are approximated the same way, by
counting whitespace-separated pieces; a real tokenizer gives more tokens than that.

Timing uses absolute deadlines on the event loop's clock: token i is due at
`arrival + ttft + i * itl`, so a late wake-up delays one token but never the ones after it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_aisbench.engine import pacing

_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """Split text into whitespace-attached word pieces whose concatenation is `text`."""
    return _TOKEN.findall(text)


def count_prompt_tokens(text: str) -> int:
    """Approximate a prompt's token count as its number of whitespace-separated pieces."""
    return len(text.split())


def repeat_tokens(tokens: Sequence[str], count: int) -> list[str]:
    """The first `count` tokens of `tokens` repeated cyclically.

    Each repetition after the first starts with a space, so the reply's last and first words
    do not run together. An empty `tokens` yields empty-text tokens, keeping the count.
    """
    if not tokens:
        return [""] * count
    out: list[str] = []
    while len(out) < count:
        cycle = list(tokens)
        if out and not cycle[0][:1].isspace():
            cycle[0] = " " + cycle[0]
        out.extend(cycle[: count - len(out)])
    return out


@dataclass(frozen=True)
class Generation:
    """The tokens one request generates, in order: reasoning tokens first, then content.

    A token's text may be empty (the end-of-sequence token, or a token cut by a stop string);
    it is still a generated token, sent as its own chunk and counted in usage.
    """

    tokens: tuple[str, ...]
    reasoning_count: int
    finish_reason: str
    stop_reason: str | None = None

    @property
    def completion_tokens(self) -> int:
        """Every generated token, EOS and stop-cut ones included (what usage counts)."""
        return len(self.tokens)

    @property
    def reasoning_text(self) -> str:
        """The reasoning part of the output."""
        return "".join(self.tokens[: self.reasoning_count])

    @property
    def content_text(self) -> str:
        """The answer part of the output, after the reasoning."""
        return "".join(self.tokens[self.reasoning_count :])

    def is_reasoning(self, index: int) -> bool:
        """Whether token `index` belongs to the reasoning part."""
        return index < self.reasoning_count


def plan_generation(
    content: str,
    *,
    limit: int,
    reasoning: str = "",
    output_len: int | None = None,
    min_tokens: int = 0,
    ignore_eos: bool = False,
    eos: bool = False,
    stop: Sequence[str] = (),
    include_stop_str: bool = False,
) -> Generation:
    """Decide what a request generates, following vLLM's sampling rules.

    The model "wants" to say `reasoning` then `content` (its tokens repeated up to
    `output_len` when given), plus an end-of-sequence token when `eos`. `min_tokens`
    suppresses the end before that many tokens, `ignore_eos` suppresses it entirely, and
    `limit` (the resolved `max_tokens`) cuts the output with finish_reason "length". Stop
    strings then cut the text before the first stop string to complete (after it, with
    `include_stop_str`), with finish_reason "stop" and `stop_reason` set to that string.
    """
    thinking = split_tokens(reasoning)
    words = split_tokens(content)
    if ignore_eos:
        tokens = thinking + repeat_tokens(words, max(0, limit - len(thinking)))
        return _apply_stop(
            Generation(tuple(tokens[:limit]), len(thinking), "length"), stop, include_stop_str
        )
    content_len = len(words) if output_len is None else output_len
    natural = max(len(thinking) + content_len, min_tokens)
    tokens = thinking + repeat_tokens(words, natural - len(thinking))
    if eos:
        tokens.append("")
    finish = "length" if len(tokens) > limit else "stop"
    generation = Generation(tuple(tokens[:limit]), len(thinking), finish)
    return _apply_stop(generation, stop, include_stop_str)


def _apply_stop(generation: Generation, stop: Sequence[str], include: bool) -> Generation:
    """Cut the output at the stop string that completes first, as vLLM does."""
    text = "".join(generation.tokens)
    found = [(text.find(s) + len(s), text.find(s), s) for s in stop if s and s in text]
    if not found:
        return generation
    end, start, matched = min(found)
    cut = end if include else start
    kept: list[str] = []
    position = 0
    for token in generation.tokens:
        if position >= end:
            break
        kept.append(token[: max(0, cut - position)])
        position += len(token)
    reasoning_count = min(generation.reasoning_count, len(kept))
    return Generation(tuple(kept), reasoning_count, "stop", matched)


@dataclass(frozen=True)
class TokenSchedule:
    """When each token of a request is due, on the event loop's clock."""

    arrival: float
    ttft: float
    itl: float

    def deadline(self, index: int) -> float:
        """Token `index` (0-based) is due `ttft + index * itl` after arrival."""
        return self.arrival + self.ttft + index * self.itl

    def last_deadline(self, count: int) -> float:
        """When a reply of `count` tokens is complete (the first token's time when empty)."""
        return self.deadline(max(count - 1, 0))


async def sleep_until(deadline: float) -> None:
    """Sleep until the running loop's clock reaches `deadline`; return at once if past it.

    The wait itself is the client's (`engine.pacing.sleep_until`, a timerfd): a token leaves
    on time to tens of microseconds, where a loop sleep is up to a millisecond late.
    """
    remaining_s = deadline - asyncio.get_running_loop().time()
    if remaining_s > 0:
        await pacing.sleep_until(time.perf_counter_ns() + round(remaining_s * 1e9))
