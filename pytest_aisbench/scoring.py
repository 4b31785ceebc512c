"""From a finished request to a `SampleRecord`: the answer extracted, the outcome decided
(`outcomes.decide_outcome`), the timings and token counts copied."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.outcomes import decide_outcome
from pytest_aisbench.records import SampleRecord


def score(
    model: str,
    dataset: DatasetConfig,
    sample: Sample,
    output: RequestOutput,
    min_accuracy: float | None,
    postprocess: Callable[[str], Any] | None = None,
) -> SampleRecord:
    """The record of one finished request.

    In AISBench's order: the backend's ``pred_postprocessor`` (`postprocess`), then the text up
    to the dataset's first stop word, without its reasoning (`without_reasoning`), then the
    dataset's extraction (its config's ``pred_postprocessor``; `DatasetConfig.extract_for` where
    the sample's row is needed), then its evaluator (`decide_outcome`). The record keeps the
    prediction as it came.
    """
    text = output.content if postprocess is None else str(postprocess(output.content))
    answer = without_reasoning(cut_at_stop_words(text, dataset.stop_words))
    extracted = None
    if output.success and answer is not None:
        read = dataset.extract_for
        extracted = read(answer, sample) if read is not None else dataset.extract(answer)
    times = output.content_times_ns
    start = output.send_time_ns
    return SampleRecord(
        model=model,
        dataset=sample.dataset,
        index=sample.index,
        outcome=decide_outcome(output, extracted, dataset, sample),
        prediction=output.content,
        reasoning=output.reasoning_content,
        extracted=extracted,
        reference=sample.reference,
        error=output.error_info if not output.success else "",
        error_kind="request" if not output.success else "",
        finish_reason=output.finish_reason,
        input_tokens=output.input_tokens,
        output_tokens=output.output_tokens,
        token_source=output.token_source,
        attempts=output.attempts,
        ttft_s=(times[0] - start) / 1e9 if times and start and output.streamed else None,
        e2el_s=(times[-1] - start) / 1e9 if times and start else None,
        min_accuracy=min_accuracy,
        notes=output.notes,
        prompt=recorded_prompt(output.input),
    )


_DATA_URL = re.compile(r"^(data:[^;,]+;base64,)(.{64,})$", re.DOTALL)


def recorded_prompt(sent: Any) -> str | list[Any]:
    """The rendered prompt as the record keeps it: text as it is; chat messages as JSON-ready
    lists and dicts, each base64 picture shortened to ``data:...;base64,<N bytes>`` (a report
    keeps what was asked, not megabytes of pixels)."""
    if sent is None:
        return ""
    if isinstance(sent, str):
        match = _DATA_URL.match(sent)
        return f"{match.group(1)}<{len(match.group(2)) * 3 // 4} bytes>" if match else sent
    if isinstance(sent, dict):
        return {str(key): recorded_prompt(value) for key, value in sent.items()}  # type: ignore[return-value]
    if isinstance(sent, (list, tuple)):
        return [recorded_prompt(item) for item in sent]
    if isinstance(sent, (int, float, bool)):
        return sent  # type: ignore[return-value]
    return str(sent)


def cut_at_stop_words(text: str, stop_words: tuple[str, ...]) -> str:
    """`text` up to the first stop word (a model that writes on past its answer: the next
    ``Question:``), as a stopping criterion would have ended it."""
    ends = [at for word in stop_words if (at := text.find(word)) >= 0]
    return text[: min(ends)] if ends else text


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def without_reasoning(text: str) -> str | None:
    """The answer without the model's reasoning: ``<think>...</think>`` blocks removed (and
    what comes before a lone ``</think>``, for servers that drop the opening tag). A block left
    open (the answer was cut while thinking) has no answer: None. A server's separate
    ``reasoning_content`` never reaches here."""
    if "</think>" in text and "<think>" not in text:
        text = text.rsplit("</think>", 1)[1]
    text = _THINK.sub("", text)
    return None if "<think>" in text else text
