"""`AisbenchSession` and its owners, in this process: options in, backends, items, records and
gates out.

The config comes from ``pytester.parseconfig`` (options parsed, no session run), so each case
costs milliseconds; what needs a whole session (exit status, terminal, xdist) is in the
pytester tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATASETS_DIR, IN_PROCESS, usage_error
from pytest_aisbench.datasets import get_dataset_config
from pytest_aisbench.engine.runner import CircuitBreaker
from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.items import DatasetFacts, SampleRef
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.report import JsonlReport
from pytest_aisbench.scoring import score
from pytest_aisbench.session import AisbenchSession, get_session

CHAT = "demo_gsm8k_gen_4_shot_cot_chat_prompt"
DEMO_FACTS = DatasetFacts("demo_gsm8k", CHAT, 8)
"""The chat demo as its items describe it: abbr, the name that selected it, its size."""
STR = "demo_gsm8k_gen_4_shot_cot_str"


def session(pytester: pytest.Pytester, *args: str) -> AisbenchSession:
    return AisbenchSession(pytester.parseconfig(*IN_PROCESS, *args))


def record(model: str, index: int, **fields: object) -> SampleRecord:
    """A finished record of demo sample `index` (answer "The answer is 4" unless `fields` say
    otherwise), scored as the engine scores it."""
    dataset = get_dataset_config(CHAT)
    sample = dataset.load(DATASETS_DIR)[index]
    output = RequestOutput(success=True, content="The answer is 4")
    for name, value in fields.items():
        setattr(output, name, value)
    return score(model, dataset, sample, output, None)


def write_report(path: Path, models: list[str], records: list[SampleRecord]) -> Path:
    report = JsonlReport(path, append=False)
    report.write_run({"models": models, "datasets": [CHAT], "strict": False})
    for item in records:
        report.write("sample", item.to_dict())
    report.close()
    return path


def test_the_plugin_keeps_one_session_per_config(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure(*IN_PROCESS, "--aisbench-model=vllm_chat")
    state = get_session(config)
    assert isinstance(state, AisbenchSession)
    assert [m.abbr for m in state.backends.models] == ["vllm_chat"]
    assert state.is_worker is False


def test_backends_are_read_once_in_order_with_every_override(pytester: pytest.Pytester) -> None:
    state = session(
        pytester, "--aisbench-model=vllm_chat", "--aisbench-model=tgi", "--aisbench-set=host_port=9"
    )
    models = state.backends.models
    assert [m.abbr for m in models] == ["vllm_chat", "tgi"]
    assert [m.settings["host_port"] for m in models] == [9, 9]
    assert state.backends.model("tgi") is models[1]


def test_a_backend_selected_twice_is_refused(pytester: pytest.Pytester) -> None:
    with pytest.raises(AisbenchError) as raised:
        session(pytester, "--aisbench-model=vllm_chat", "--aisbench-model=vllm_chat")
    assert str(raised.value) == "backend abbr used twice: vllm_chat"


def test_items_are_every_model_times_every_sample_with_the_nearest_gate(
    pytester: pytest.Pytester,
) -> None:
    state = session(
        pytester,
        "--aisbench-model=vllm_chat",
        "--aisbench-model=tgi",
        "--aisbench-min-accuracy=0.5",
    )

    marked = state.datasets.refs(state.backends.models, [CHAT], 0.9)
    unmarked = state.datasets.refs(state.backends.models, [CHAT], None)

    assert [ref.id for ref in marked] == [
        *(f"vllm_chat-demo_gsm8k-{i}" for i in range(8)),
        *(f"tgi-demo_gsm8k-{i}" for i in range(8)),
    ]
    assert {ref.min_accuracy for ref in marked} == {0.9}  # the marker's gate first
    assert {ref.min_accuracy for ref in unmarked} == {0.5}  # then the option's
    assert marked[0] == SampleRef("vllm_chat", DEMO_FACTS, 0, 0.9)
    # the fingerprint is made when the first item runs, not while items are built
    fingerprint = dict(state.datasets.with_fingerprint(marked[0].facts).fingerprint)
    assert fingerprint.keys() == {"config", "data", "prompt_template", "scorer"}
    assert all(len(value) == 16 for value in fingerprint.values())


def test_the_dataset_option_replaces_the_markers(pytester: pytest.Pytester) -> None:
    state = session(pytester, "--aisbench-model=tgi", f"--aisbench-dataset={STR}")
    refs = state.datasets.refs(state.backends.models, [CHAT], None)
    assert {(ref.dataset, ref.abbr) for ref in refs} == {(STR, "demo_gsm8k_str")}
    assert len(refs) == 8


def test_a_resumed_record_is_given_without_sending_anything(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    done = record("vllm_chat", 3)
    report = write_report(tmp_path / "old.jsonl", ["vllm_chat"], [done])
    state = session(pytester, "--aisbench-model=vllm_chat", f"--aisbench-resume={report}")

    got = state.answers.record(SampleRef("vllm_chat", DEMO_FACTS, 3, 0.75))

    assert got.key == done.key
    assert (got.prediction, got.outcome) == (done.prediction, done.outcome)
    assert got.min_accuracy == 0.75  # the item's gate, not the old run's
    assert state.answers.engine is None  # no request was needed


def test_resuming_a_report_of_other_models_is_refused_naming_them(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    report = write_report(
        tmp_path / "old.jsonl", ["vllm_completions"], [record("vllm_completions", 0)]
    )
    error = usage_error(pytester, "--aisbench-model=vllm_chat", f"--aisbench-resume={report}")
    error.fnmatch_lines(
        ["*holds records of vllm_completions, none of the selected backends (vllm_chat)*"]
    )


def test_gates_cover_the_whole_dataset_with_resumed_records(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """A subset run (``--lf``) takes the samples it did not run from the resumed report."""
    old = [record("vllm_chat", i) for i in range(1, 8)]
    report = write_report(tmp_path / "old.jsonl", ["vllm_chat"], old)
    state = session(pytester, "--aisbench-model=vllm_chat", f"--aisbench-resume={report}")
    state.results.add(record("vllm_chat", 0), DEMO_FACTS)  # as item 0's report says

    (gate,) = state.results.finish()

    assert (gate.model, gate.dataset, gate.n, gate.total) == ("vllm_chat", "demo_gsm8k", 8, 8)
    assert len(state.results.records) == 8


def test_breaker_reasons_are_counted_once_each(pytester: pytest.Pytester) -> None:
    state = session(pytester, "--aisbench-model=vllm_chat")
    reason = f"{CircuitBreaker.PREFIX}: 3 requests in a row to 'vllm_chat' failed"
    for index in range(4):
        state.results.add(record("vllm_chat", index, success=False, error_info=reason))
    state.results.add(record("vllm_chat", 4, success=False, error_info="HTTP 500"))

    assert state.results.breaker_reasons() == [f"{reason} [4 samples not sent]"]
