"""Helpers of the dataset families at AISBench's path ``datasets.utils`` (what configs import)."""
