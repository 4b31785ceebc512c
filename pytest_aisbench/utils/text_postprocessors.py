"""The old import path of the text postprocessors (``ais_bench.benchmark.utils.
text_postprocessors``, OpenCompass's ``opencompass.utils.text_postprocessors``), which shipped
configs such as ``mmlu_gen_5_shot_chat_prompt.py`` still import: the same functions, and
``extract_non_reasoning_content``, which OpenCompass keeps in that module. The names come from
the new module's ``__all__``, so that a postprocessor added there is here too."""

from __future__ import annotations

from pytest_aisbench.utils.postprocess import text_postprocessors as _text
from pytest_aisbench.utils.postprocess.model_postprocessors import extract_non_reasoning_content
from pytest_aisbench.utils.postprocess.text_postprocessors import *  # noqa: F403

__all__ = [*_text.__all__, "extract_non_reasoning_content"]
