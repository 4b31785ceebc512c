"""Prediction post-processors (AISBench path: ``utils.postprocess``)."""
