"""SampleRecord: the one wire format between xdist processes and into the JSON report."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pytest_aisbench.records import OUTCOMES, PROPERTY_NAME, SampleRecord, record_from_properties

RECORD = SampleRecord(
    model="vllm_chat",
    dataset="demo_gsm8k",
    index=3,
    outcome="truncated",
    prediction="9 * 2 =",
    reasoning="",
    extracted=None,
    reference="18",
    error="",
    finish_reason="length",
    input_tokens=120,
    output_tokens=512,
    token_source="usage",
    attempts=1,
    ttft_s=0.25,
    e2el_s=4.5,
    min_accuracy=0.5,
    prompt=[{"role": "user", "content": "Janet's ducks lay 16 eggs per day..."}],
    test_id="suites/accuracy/test_gsm8k.py::test_gsm8k[vllm_chat-demo_gsm8k-3]",
)
RECORD_DICT = {
    "model": "vllm_chat",
    "dataset": "demo_gsm8k",
    "index": 3,
    "outcome": "truncated",
    "prediction": "9 * 2 =",
    "reasoning": "",
    "extracted": None,
    "reference": "18",
    "error": "",
    "finish_reason": "length",
    "input_tokens": 120,
    "output_tokens": 512,
    "token_source": "usage",
    "attempts": 1,
    "ttft_s": 0.25,
    "e2el_s": 4.5,
    "min_accuracy": 0.5,
    "notes": "",
    "error_kind": "",
    "prompt": [{"role": "user", "content": "Janet's ducks lay 16 eggs per day..."}],
    "test_id": "suites/accuracy/test_gsm8k.py::test_gsm8k[vllm_chat-demo_gsm8k-3]",
}


def test_outcomes_in_order() -> None:
    assert OUTCOMES == ("correct", "incorrect", "no_answer", "truncated", "error")


def test_to_dict_is_plain_and_complete() -> None:
    assert RECORD.to_dict() == RECORD_DICT


def test_round_trip_through_dict_and_json() -> None:
    assert SampleRecord.from_dict(RECORD.to_dict()) == RECORD
    assert SampleRecord.from_dict(json.loads(json.dumps(RECORD.to_dict()))) == RECORD


def test_from_dict_ignores_unknown_keys() -> None:
    data = {**RECORD_DICT, "added_in_a_later_version": 1, "debug": {"x": 1}}
    assert SampleRecord.from_dict(data) == RECORD


def test_min_accuracy_defaults_to_none_for_old_reports() -> None:
    data = {k: v for k, v in RECORD_DICT.items() if k != "min_accuracy"}
    assert SampleRecord.from_dict(data).min_accuracy is None


def test_from_dict_missing_a_field_raises() -> None:
    data = {k: v for k, v in RECORD_DICT.items() if k != "outcome"}
    with pytest.raises(TypeError, match="outcome"):
        SampleRecord.from_dict(data)


def test_key_and_immutability() -> None:
    assert RECORD.key == ("vllm_chat", "demo_gsm8k", 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        RECORD.outcome = "correct"  # type: ignore[misc]


def test_record_from_properties_as_tuples() -> None:
    properties = [("other", 1), (PROPERTY_NAME, RECORD.to_dict())]
    assert record_from_properties(properties) == RECORD


def test_record_from_properties_as_lists_after_xdist() -> None:
    properties = json.loads(json.dumps([["other", "x"], [PROPERTY_NAME, RECORD.to_dict()]]))
    assert properties[1][0] == "aisbench_sample"
    assert record_from_properties(properties) == RECORD


def test_record_from_properties_ignores_unknown_keys() -> None:
    value = {**RECORD_DICT, "unknown": True}
    assert record_from_properties([(PROPERTY_NAME, value)]) == RECORD


def test_record_from_properties_without_a_record() -> None:
    assert record_from_properties([]) is None
    assert record_from_properties([("other", RECORD_DICT)]) is None
