"""Model-level prediction post-processors, named in a backend's ``pred_postprocessor``.

``pred_postprocessor=dict(type=extract_non_reasoning_content)`` (extra keys are passed as
keyword arguments) runs on the prediction before the dataset extracts its answer; the raw
prediction is kept in the record.
"""

from __future__ import annotations

import re
from typing import Any


def extract_non_reasoning_content(
    text: Any, think_start_token: str = "<think>", think_end_token: str = "</think>"
) -> Any:
    """The answer outside reasoning tags (AISBench's semantics).

    With only the end tag present, what follows its last occurrence; otherwise the text with
    every ``start...end`` span removed; stripped either way. A list is processed item by item,
    and anything that is not a string is returned as it is.
    """
    if isinstance(text, list):
        return [extract_non_reasoning_content(t, think_start_token, think_end_token) for t in text]
    if not isinstance(text, str):
        return text
    if think_end_token in text and think_start_token not in text:
        return text.rsplit(think_end_token, 1)[-1].strip()
    spans = re.compile(re.escape(think_start_token) + ".*?" + re.escape(think_end_token), re.DOTALL)
    return spans.sub("", text).strip()
