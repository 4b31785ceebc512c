"""A dataset written in pytest: rows from a JSON-lines file beside the test, a prompt template,
and the test's own assertion per sample. The engine still sends the samples concurrently, the
report keeps every record and ``--aisbench-min-accuracy`` gates the dataset.

Run: ``pytest examples/suites/pytest_native --aisbench-model vllm_chat``.
"""

from pathlib import Path

import pytest

from pytest_aisbench import Dataset
from pytest_aisbench.scorers import contains

CAPITALS = Dataset.from_jsonl(
    Path(__file__).parent / "capitals.jsonl",
    prompt="What is the capital of {country}? Answer with the city's name.",
    scorer=contains,  # the record is correct when the answer names the reference city
    max_out_len=32,
)


@pytest.mark.aisbench(dataset=CAPITALS)
def test_capital(aisbench_sample):
    assert aisbench_sample.reference.lower() in aisbench_sample.prediction.lower()
