"""Prediction post-processors (AISBench path: ``utils.postprocess``): ``model_postprocessors``
(a backend's ``pred_postprocessor``) and ``text_postprocessors`` (a dataset's answer
extraction), imported here so that their registry names resolve once the package is loaded."""

from pytest_aisbench.utils.postprocess import text_postprocessors as text_postprocessors
