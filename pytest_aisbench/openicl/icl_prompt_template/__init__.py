"""Prompt templates (AISBench path: ``openicl.icl_prompt_template``)."""

from pytest_aisbench.openicl.icl_prompt_template.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_prompt_template.icl_prompt_template_mm import MMPromptTemplate

__all__ = ["MMPromptTemplate", "PromptTemplate"]
