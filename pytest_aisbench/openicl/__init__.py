"""AISBench's ``openicl`` module paths, which dataset configs and backend files import:
prompt templates, retrievers, inferencers and evaluators."""

from pytest_aisbench.openicl.icl_evaluator import BaseEvaluator
from pytest_aisbench.openicl.icl_inferencer import GenInferencer

__all__ = ["BaseEvaluator", "GenInferencer"]
