"""The old import path of the text postprocessors (``ais_bench.benchmark.utils.
text_postprocessors``, OpenCompass's ``opencompass.utils.text_postprocessors``), which shipped
configs such as ``mmlu_gen_5_shot_chat_prompt.py`` still import: the same functions, and
``extract_non_reasoning_content``, which OpenCompass keeps in that module."""

from __future__ import annotations

from pytest_aisbench.utils.postprocess.model_postprocessors import extract_non_reasoning_content
from pytest_aisbench.utils.postprocess.text_postprocessors import (
    first_capital_postprocess,
    first_capital_postprocess_multi,
    first_number_postprocess,
    first_option_postprocess,
    first_option_postprocess_v1,
    general_cn_postprocess,
    general_eval_wrapper_postprocess,
    general_postprocess,
    jieba_cut,
    last_capital_postprocess,
    last_option_postprocess,
    match_answer_pattern,
    multiple_select_postprocess,
    xml_tag_postprocessor,
)

__all__ = [
    "extract_non_reasoning_content",
    "first_capital_postprocess",
    "first_capital_postprocess_multi",
    "first_number_postprocess",
    "first_option_postprocess",
    "first_option_postprocess_v1",
    "general_cn_postprocess",
    "general_eval_wrapper_postprocess",
    "general_postprocess",
    "jieba_cut",
    "last_capital_postprocess",
    "last_option_postprocess",
    "match_answer_pattern",
    "multiple_select_postprocess",
    "xml_tag_postprocessor",
]
