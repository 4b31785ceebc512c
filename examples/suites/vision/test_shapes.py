"""Shapes: pictures of coloured shapes the project draws itself, for vision-language backends.

Run: ``pytest examples/suites/vision/test_shapes.py --aisbench-model hf_vl --aisbench-set
path=DIR`` (or ``vllm_offline_vl``, or ``vllm_chat`` against a server of a vision-language
model). It stands apart from ``suites/`` so that ``pytest suites/`` with a text model is not
failed by pictures that model cannot see (a local text backend refuses them by name). Three
datasets, one per question (colour, count, shape), each with a known answer per picture; the
``shapes_*_gen`` configs hold 300 samples each instead of the demo's 4. Nothing is read from the
datasets folder: the pictures are drawn in memory (see ``pytest_aisbench/datasets/shapes.py``).
"""

import pytest


@pytest.mark.aisbench(
    datasets=["demo_shapes_colour_gen", "demo_shapes_count_gen", "demo_shapes_kind_gen"]
)
def test_shapes(aisbench_sample):
    aisbench_sample.check()
