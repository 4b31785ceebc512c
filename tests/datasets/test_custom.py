"""AISBench's custom datasets: a ``.jsonl`` or ``.csv`` of questions made into a dataset as
AISBench's ``--custom-dataset-path`` makes it, the meta file, the dict form in a config file,
and this project's deviations (seeded draws, no guessed option, qa without answers)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.datasets import DatasetCatalog, DatasetConfig, Sample
from pytest_aisbench.datasets.custom import (
    OptionSimAccEvaluator,
    custom_dataset_configs,
    option_answer_postprocess,
)
from pytest_aisbench.datasets.custom.meta import SEED
from pytest_aisbench.errors import ConfigError, DatasetError
from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.scoring import score

# AISBench's own examples (docs/source_en/advanced_tutorials/custom_dataset.md)
MCQ = [
    {"question": "165+833+650+615=", "A": "2258", "B": "2263", "C": "2281", "answer": "B"},
    {"question": "368+959+918+653+978=", "A": "3876", "B": "3878", "C": "3880", "answer": "A"},
    {"question": "776+208+589+882+571+996+515+726=", "A": "5213", "B": "5263", "C": "5383",
     "answer": "B"},
    {"question": "803+862+815+100+409+758+262+169=", "A": "4098", "B": "4128", "C": "4178",
     "answer": "C"},
]  # fmt: skip
QA_CSV = """\
question,answer
123+147+874+850+915+163+291+604=,3967
149+646+241+898+822+386=,3142
332+424+582+962+735+798+653+214=,4700
"""
COT = (
    "Step 1: Add 165 and 833 to get 998.\n"
    "Step 2: Compare the running total with the sums listed.\n"
    "The total is \\boxed{2263}."
)
"""A chain of thought that names no option by its letter; its last line is option B's text.
AISBench's ``first_option_postprocess`` reads its "1: Add" as 'A' (the ``1.`` pattern, issue
#209), which stops it before the option's text."""
COT_NO_OPTION = "Step 1: Add 165 and 833 to get 998.\nStep 2: Compare it with the sums listed."
"""A chain of thought that names no option, by letter or text: AISBench reads 'A' (the ``1.``
pattern), and its Levenshtein fallback would guess a letter anyway."""


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_meta(data: Path, meta: Any) -> Path:
    meta_file = Path(f"{data}.meta.json")
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    return meta_file


def one(path: Path, **overrides: Any) -> DatasetConfig:
    [config] = custom_dataset_configs(path, **overrides)
    return config


def samples(config: DatasetConfig, datasets_dir: Path | None = None) -> list[Sample]:
    return config.load(datasets_dir or Path("/nonexistent"))


def answered(config: DatasetConfig, sample: Sample, text: str) -> str:
    """The outcome of `text` as the model's whole answer, as the engine decides it."""
    output = RequestOutput(success=True, content=text, finish_reason="stop", attempts=1)
    record = score("sim", config, sample, output, None)
    assert record.prediction == text  # the text is kept, whatever the outcome
    return record.outcome


# --- mcq and qa, jsonl and csv ------------------------------------------------------------------


def test_mcq_jsonl_is_detected_and_prompted_as_aisbench_does(tmp_path: Path) -> None:
    config = one(write_jsonl(tmp_path / "test_mcq.v2.jsonl", MCQ))
    assert config.abbr == "test_mcq"  # the file name up to its first '.'
    rows = samples(config)
    assert [s.reference for s in rows] == ["B", "A", "B", "C"]
    assert rows[0].prompt == "Question: 165+833+650+615=\nA. 2258\nB. 2263\nC. 2281\nAnswer: "
    assert [s.index for s in rows] == [0, 1, 2, 3]
    assert answered(config, rows[0], "B") == "correct"
    assert answered(config, rows[0], "The answer is (B).") == "correct"
    assert answered(config, rows[0], "**Answer:** A") == "incorrect"


def test_mcq_csv_with_a_bom_reads_as_the_jsonl(tmp_path: Path) -> None:
    lines = ["question,A,B,C,answer"] + [
        ",".join([r["question"], r["A"], r["B"], r["C"], r["answer"]]) for r in MCQ
    ]
    csv_file = tmp_path / "test_mcq.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    jsonl = write_jsonl(tmp_path / "same.jsonl", MCQ)
    from_csv, from_jsonl = samples(one(csv_file)), samples(one(jsonl))
    assert [s.prompt for s in from_csv] == [s.prompt for s in from_jsonl]
    assert [s.reference for s in from_csv] == ["B", "A", "B", "C"]


def test_qa_jsonl_and_csv_take_aisbench_template_and_exact_match(tmp_path: Path) -> None:
    csv_file = tmp_path / "test_qa.csv"
    csv_file.write_text(QA_CSV, encoding="utf-8")
    rows_jsonl = [{"question": "752+361+181+933+235+986=", "answer": "3448"}]
    for config in (one(csv_file), one(write_jsonl(tmp_path / "test_qa.jsonl", rows_jsonl))):
        assert config.abbr == "test_qa"
        first = samples(config)[0]
        assert first.prompt == f"Question: {first.row['question']}\nAnswer: "
        assert answered(config, first, first.reference) == "correct"
        assert answered(config, first, "1") == "incorrect"
        assert answered(config, first, "") == "no_answer"


# --- options: detection and overrides -----------------------------------------------------------


def test_options_stop_at_the_first_gap_and_one_option_is_qa(tmp_path: Path) -> None:
    gap = write_jsonl(tmp_path / "gap.jsonl", [{"question": "q", "A": "x", "B": "y", "D": "z",
                                                "answer": "A"}])  # fmt: skip
    assert samples(one(gap))[0].prompt == "Question: q\nA. x\nB. y\nAnswer: "
    single = write_jsonl(tmp_path / "single.jsonl", [{"question": "q", "A": "x", "answer": "x"}])
    assert samples(one(single))[0].prompt == "Question: q\nAnswer: "  # qa


def test_data_type_and_options_override_detection(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "mcq.jsonl", MCQ)
    as_qa = one(data, data_type="qa")
    first = samples(as_qa)[0]
    assert first.prompt == "Question: 165+833+650+615=\nAnswer: "
    assert answered(as_qa, first, "B") == "correct"  # AccEvaluator on the text as it is
    assert answered(as_qa, first, "The answer is B") == "incorrect"
    two = one(data, options="AB")
    first = samples(two)[0]
    assert first.prompt == "Question: 165+833+650+615=\nA. 2258\nB. 2263\nAnswer: "
    assert answered(two, first, "C") == "no_answer"  # C is no option any more
    assert samples(one(data, options=["A", "B", "C"]))[0].prompt.count("\n") == 4


def test_bad_overrides_name_the_key(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", [{"question": "q", "answer": "a"}])
    with pytest.raises(ConfigError, match=r"key 'data_type'.*two option columns"):
        one(data, data_type="mcq")
    with pytest.raises(ConfigError, match=r"key 'data_type'.*'mcq', 'qa'|one of mcq, qa"):
        one(data, data_type="cloze")
    with pytest.raises(ConfigError, match=r"key 'options'.*no column 'A', 'B'.*'question'"):
        one(data, options="AB")
    with pytest.raises(ConfigError, match=r"key 'options'.*upper-case"):
        one(data, options="ab")
    with pytest.raises(ConfigError, match=r"key 'infer_method'.*only 'gen'"):
        one(data, infer_method="ppl")
    with pytest.raises(ConfigError, match=r"key 'prompt'.*allowed: path, abbr"):
        one(data, prompt="{question}")


# --- rows: max_tokens, malformed lines ----------------------------------------------------------


def test_max_tokens_per_row_becomes_that_requests_limit(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {**MCQ[0], "max_tokens": 512},
        dict(MCQ[1]),
        {**MCQ[2], "max_tokens": None},
    ]
    limits = [s.max_out_len for s in samples(one(write_jsonl(tmp_path / "m.jsonl", rows)))]
    assert limits == [512, None, None]  # no max_tokens, or null: the backend's limit
    csv_file = tmp_path / "q.csv"
    csv_file.write_text("question,answer,max_tokens\n1+1=,2,256\n2+2=,4,\n", encoding="utf-8")
    loaded = samples(one(csv_file))
    assert [s.max_out_len for s in loaded] == [256, None]
    assert "max_tokens" not in loaded[0].row and loaded[0].row["max_out_len"] == "256"


def test_a_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps(MCQ[0]) + "\n\n" + '{"question": "q", "A": \n', encoding="utf-8")
    config = one(data)  # the first record is fine
    with pytest.raises(DatasetError, match=rf"{data}, line 3: not valid JSON"):
        samples(config)
    first_bad = tmp_path / "first.jsonl"
    first_bad.write_text("\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"{first_bad}, line 2: expected a JSON object"):
        one(first_bad)
    short = tmp_path / "short.csv"
    short.write_text("question,answer\n1+1=,2\n2+2=\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"{short}, line 3: 1 cells, expected 2"):
        samples(one(short))


def test_only_jsonl_and_csv_and_existing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"key 'path'.*\.jsonl or \.csv"):
        one(tmp_path / "data.json")
    with pytest.raises(DatasetError, match="dataset file not found"):
        one(tmp_path / "absent.jsonl")


# --- the meta file -------------------------------------------------------------------------------

TWENTY = [{"question": f"q{i}", "answer": str(i)} for i in range(20)]


def uniform(low: Any, high: Any) -> dict[str, Any]:
    return {"method": "uniform", "params": {"min_value": low, "max_value": high}}


def percentage(distribute: Any) -> dict[str, Any]:
    return {"method": "percentage", "params": {"percentage_distribute": distribute}}


def questions(config: DatasetConfig) -> list[str]:
    return [s.row["question"] for s in samples(config)]


def test_request_count_takes_the_first_rows_or_repeats_them(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", TWENTY[:3])
    write_meta(data, {"request_count": "2"})  # AISBench allows a string
    assert questions(one(data)) == ["q0", "q1"]
    write_meta(data, {"request_count": 7, "sampling_mode": "default"})
    assert questions(one(data)) == ["q0", "q1", "q2", "q0", "q1", "q2", "q0"]


def test_random_and_shuffle_are_seeded_and_documented(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", TWENTY)
    write_meta(data, {"request_count": 5, "sampling_mode": "random"})
    drawn = questions(one(data))
    assert drawn == questions(one(data))  # the same rows each time (AISBench: unseeded)
    assert drawn == [r["question"] for r in random.Random(SEED).sample(TWENTY, 5)]
    write_meta(data, {"request_count": 5, "sampling_mode": "shuffle"})
    shuffled = questions(one(data))
    assert sorted(shuffled) == ["q0", "q1", "q2", "q3", "q4"] and shuffled != sorted(shuffled)
    assert shuffled == questions(one(data))


def test_seeded_draws_are_the_same_in_another_process(tmp_path: Path) -> None:
    """Two workers, or two runs, build the same rows whatever their hash seed."""
    data = write_jsonl(tmp_path / "qa.jsonl", TWENTY)
    write_meta(
        data, {"request_count": 8, "sampling_mode": "random", "output_config": uniform(1, 1000)}
    )
    here = [(s.row["question"], s.max_out_len) for s in samples(one(data))]
    code = textwrap.dedent(f"""
        import json
        from pytest_aisbench.datasets.custom import custom_dataset_configs
        [config] = custom_dataset_configs({str(data)!r})
        print(json.dumps([(s.row["question"], s.max_out_len) for s in config.load(None)]))
        """)
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": "12345"})  # fmt: skip
    assert [tuple(pair) for pair in json.loads(other.stdout)] == here


def test_output_config_uniform_is_seeded_and_overrides_rows(tmp_path: Path) -> None:
    rows = [dict(r, max_tokens=7) for r in TWENTY]
    data = write_jsonl(tmp_path / "qa.jsonl", rows)
    write_meta(data, {"output_config": uniform("100", 200)})
    limits = [s.max_out_len or 0 for s in samples(one(data))]
    draw = random.Random(SEED)
    assert limits == [draw.randint(100, 200) for _ in range(20)]
    assert all(100 <= n <= 200 for n in limits) and len(set(limits)) > 1  # no row keeps its 7
    assert limits == [s.max_out_len for s in samples(one(data))]


def test_output_config_percentage_fills_buckets_in_order(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", TWENTY[:10])
    write_meta(data, {"output_config": percentage([[100, 0.5], [200, 0.3], [400, 0.2]])})
    assert [s.max_out_len for s in samples(one(data))] == [100] * 5 + [200] * 3 + [400] * 2
    write_meta(data, {"request_count": 7, "output_config": percentage([[10, 0.5], [20, 0.5]])})
    # floor(3.5) rows each, the remainder takes the last length; repeated rows get their own
    assert [s.max_out_len for s in samples(one(data))] == [10, 10, 10, 20, 20, 20, 20]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"request_count": 3, "seed": 1},
         r"key 'seed': unknown key; allowed: output_config, request_count, sampling_mode"),
        ({"output_config": {"method": "uniform", "params": {"min_value": 1, "max_value": 2,
                                                            "step": 1}}},
         r"key 'output_config.params.step': unknown key; allowed: max_value, min_value, "
         r"percentage_distribute"),
        ({"output_config": {"method": "uniform", "params": {}, "extra": 1}},
         r"key 'output_config.extra': unknown key; allowed: method, params"),
        ({"sampling_mode": "stratified"},
         r"key 'sampling_mode': 'stratified': one of default, random, shuffle"),
        ({"request_count": 0}, r"key 'request_count': 0: expected an int above 0"),
        ({"request_count": 2.5}, r"key 'request_count': 2.5: expected an int above 0"),
        ({"output_config": {"method": "normal", "params": {"min_value": 1}}},
         r"key 'output_config.method': 'normal': one of uniform, percentage"),
        ({"output_config": {"method": "uniform", "params": {"min_value": 9, "max_value": 2}}},
         r"min_value 9 is above max_value 2"),
        ({"output_config": {"method": "uniform", "params": {"min_value": 9}}},
         r"key 'output_config.params.max_value': required by method 'uniform'"),
        ({"output_config": {"method": "percentage",
                            "params": {"percentage_distribute": [[100, 0.3], [200, 0.2]]}}},
         r"the rates sum to 0.5, not 1"),
        ({"output_config": {"method": "percentage",
                            "params": {"percentage_distribute": [[0, 1.0]]}}},
         r"0: expected an int above 0"),
        ([1, 2], r"must be a JSON object"),
    ],
    ids=["unknown-key", "unknown-param", "unknown-output-key", "mode", "count-zero",
         "count-float", "method", "min-above-max", "max-missing", "rates-sum", "zero-tokens",
         "not-object"],
)  # fmt: skip
def test_meta_file_errors_name_the_file_and_key(tmp_path: Path, meta: Any, message: str) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", TWENTY[:3])
    meta_file = write_meta(data, meta)
    with pytest.raises(ConfigError, match=message) as caught:
        samples(one(data))
    assert str(meta_file) in str(caught.value)


def test_an_explicit_meta_path_is_used_and_must_exist(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "qa.jsonl", TWENTY[:5])
    elsewhere = tmp_path / "settings.json"
    elsewhere.write_text(json.dumps({"request_count": 2}), encoding="utf-8")
    write_meta(data, {"request_count": 4})  # beside the data; the explicit one wins
    assert questions(one(data, meta_path=str(elsewhere))) == ["q0", "q1"]
    assert len(questions(one(data))) == 4
    absent = tmp_path / "absent.meta.json"
    with pytest.raises(DatasetError, match=rf"meta_path '{absent}' does not exist"):
        samples(one(data, meta_path=str(absent)))


# --- deviations: no guessed option, qa without answers -----------------------------------------


def test_a_chain_of_thought_naming_no_option_is_no_answer(tmp_path: Path) -> None:
    """AISBench scores this text as a letter ('A' from "Step 1: Add", or the Levenshtein
    nearest); here it is no answer, and the record keeps the text."""
    config = one(write_jsonl(tmp_path / "mcq.jsonl", MCQ))
    first = samples(config)[0]
    assert config.extract(COT_NO_OPTION) is None
    assert answered(config, first, COT_NO_OPTION) == "no_answer"
    assert answered(config, first, COT_NO_OPTION + "\nThe answer is B.") == "correct"
    assert answered(config, first, "I am not sure") == "no_answer"


@pytest.mark.parametrize("form", ["command line", "dict form"])
@pytest.mark.parametrize(
    ("text", "outcome"),
    [("2263", "correct"), ("The total is 2263.", "correct"), (COT, "correct"),
     ("2258", "incorrect"), ("2258 or 2263", "no_answer"), ("22630", "no_answer")],
)  # fmt: skip
def test_an_option_named_by_its_text_alone_is_read_as_aisbench_reads_it(
    tmp_path: Path, form: str, text: str, outcome: str
) -> None:
    """AISBench's OptionSimAccEvaluator takes the one option whose text the answer holds
    before any guess; so does a custom file here (issue #209's chain ends in B's text: AISBench's
    ``1.`` pattern answers 'A' first). Two options' texts, or one inside a longer number, name
    none (found by benchmarks/scoring_side_by_side.py: "2263" alone was no_answer here)."""
    (tmp_path / "custom").mkdir()
    data = write_jsonl(tmp_path / "custom" / "mcq.jsonl", MCQ)
    if form == "command line":
        config = one(data)
        first = samples(config)[0]
    else:
        (tmp_path / "configs").mkdir()
        (tmp_path / "configs" / "mine.py").write_text(
            'mine_datasets = [dict(path="custom/mcq.jsonl")]', encoding="utf-8"
        )
        catalog = DatasetCatalog([tmp_path / "configs"], tmp_path)
        [config] = catalog.configs("mine")
        first = catalog.samples(config)[0]
    assert first.reference == "B"
    assert answered(config, first, text) == outcome


@pytest.mark.parametrize(
    ("text", "letter"),
    [("B", "B"), (" (B) ", "B"), ("**B**", "B"), ("B.", "B"), ("The answer is C", "C"),
     ("**Answer:** A", "A"), ("答案是B", "B"), (COT, ""), ("Calculating: 2263", ""),
     ("I do not know", ""), ("Add them", "")],
)  # fmt: skip
def test_option_answer_postprocess_reads_no_letter_in_passing(text: str, letter: str) -> None:
    assert option_answer_postprocess(text, "ABC") == letter


def test_option_sim_acc_evaluator_never_guesses(tmp_path: Path) -> None:
    """AISBench's evaluator ends in a Levenshtein distance and always returns a letter."""
    evaluator = OptionSimAccEvaluator(options=["A", "B", "C"])
    row = MCQ[0]
    assert evaluator.match_any_label("I am not sure", row) == ""
    assert evaluator.match_any_label("B. 2258", row) == "B"  # the letter first, as AISBench
    assert evaluator.match_any_label("The total is 2263.", row) == "B"  # one option's text
    assert evaluator.match_any_label("2258 or 2263", row) == ""  # two: no answer
    assert evaluator.match_any_label("22630", row) == ""  # not inside a longer number
    result = evaluator.score(["I am not sure", COT], ["B", "B"], [row, row])
    assert result["accuracy"] == 50.0  # the chain's "\boxed{2263}" is B's text
    assert [d["parsed"] for d in result["details"].values()] == ["", "B"]
    with pytest.raises(ConfigError, match="upper-case"):
        OptionSimAccEvaluator(options=["a", "b"])


def test_qa_without_answers_works_and_has_no_reference(tmp_path: Path) -> None:
    """AISBench makes a tuple template here, which its PromptTemplate rejects."""
    data = write_jsonl(tmp_path / "perf.jsonl", [{"question": "Tell me a story."},
                                                 {"question": "Name a colour."}])  # fmt: skip
    config = one(data)
    loaded = samples(config)
    assert [s.prompt for s in loaded] == ["Tell me a story.", "Name a colour."]
    assert [s.reference for s in loaded] == [None, None]
    assert answered(config, loaded[0], "Once upon a time") == "correct"  # answered
    assert answered(config, loaded[0], "") == "no_answer"
    mcq = one(write_jsonl(tmp_path / "mcq_free.jsonl", [{k: v for k, v in MCQ[0].items()
                                                          if k != "answer"}]))  # fmt: skip
    first = samples(mcq)[0]
    assert str(first.prompt).endswith("C. 2281\nAnswer: ")  # AISBench: "Answer: {None}"
    assert answered(mcq, first, "C") == "correct"  # an option named: answered
    assert answered(mcq, first, "2281") == "correct"  # by its text
    assert answered(mcq, first, COT_NO_OPTION) == "no_answer"


def test_dict_keys_set_templates_evaluator_and_range(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "mcq.jsonl", MCQ)
    config = one(data, human_prompt="Q: {question} ({A}/{B}/{C})", bot_prompt="A: {answer}",
                 test_range="[1:3]", abbr="mine")  # fmt: skip
    loaded = samples(config)
    assert config.abbr == "mine" and len(loaded) == 2
    assert loaded[0].prompt == "Q: 368+959+918+653+978= (3876/3878/3880)\nA: "
    whole = one(data, template="{question} -> {answer}", evaluator="AccEvaluator",
                evaluator_kwargs={})  # fmt: skip
    first = samples(whole)[0]
    assert first.prompt == "165+833+650+615= -> "
    assert answered(whole, first, "B") == "correct"  # the given evaluator, on the raw text
    assert answered(whole, first, "The answer is B") == "incorrect"


# --- the catalog and the dict form in a config file ---------------------------------------------


def test_catalog_custom_selects_once_and_keeps_abbrs_apart(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_jsonl(tmp_path / "a" / "qa.jsonl", TWENTY[:2])
    second = write_jsonl(tmp_path / "b" / "qa.jsonl", TWENTY[2:4])
    catalog = DatasetCatalog((), tmp_path)
    [config] = catalog.custom(first)
    assert catalog.custom(first) == [config] and catalog.config("qa") is config
    assert [s.reference for s in catalog.samples(config)] == ["0", "1"]
    with pytest.raises(ConfigError, match=r"abbr 'qa' is given twice.*abbr="):
        catalog.custom(second)
    [other] = catalog.custom(second, abbr="qa_b")
    assert set(catalog.selected()) == {"qa", "qa_b"}
    assert [s.reference for s in catalog.samples(other)] == ["2", "3"]


DICT_FORM = """
my_custom_datasets = [
    dict(path="custom/test_qa.jsonl", data_type="qa", infer_method="gen"),
    dict(path="ais_bench/datasets/custom/test_mcq.jsonl", meta_path="custom/mcq.meta.json"),
    dict(path={absolute!r}, abbr="perf_free"),
]
"""


def test_the_dict_form_in_a_config_file_works(tmp_path: Path) -> None:
    configs, data = tmp_path / "configs", tmp_path / "data"
    (configs / "custom").mkdir(parents=True)
    (data / "custom").mkdir(parents=True)
    write_jsonl(data / "custom" / "test_qa.jsonl", [{"question": "1+1=", "answer": "2"}])
    write_jsonl(data / "custom" / "test_mcq.jsonl", MCQ)
    (data / "custom" / "mcq.meta.json").write_text('{"request_count": 2}', encoding="utf-8")
    free = write_jsonl(tmp_path / "free.jsonl", [{"question": "hello"}])
    (configs / "custom" / "my_custom.py").write_text(DICT_FORM.format(absolute=str(free)))
    catalog = DatasetCatalog([configs], data)
    qa, mcq, perf = catalog.configs("my_custom")
    assert [c.abbr for c in (qa, mcq, perf)] == ["test_qa", "test_mcq", "perf_free"]
    assert "my_custom.py: my_custom_datasets[1]" in mcq.source
    first = catalog.samples(qa)[0]
    assert first.prompt == "Question: 1+1=\nAnswer: " and answered(qa, first, "2") == "correct"
    mcq_rows = catalog.samples(mcq)
    assert len(mcq_rows) == 2  # the meta file under the datasets folder
    assert answered(mcq, mcq_rows[0], "B") == "correct"
    assert answered(mcq, mcq_rows[0], COT) == "correct"  # B's text, 2263
    assert answered(mcq, mcq_rows[0], COT_NO_OPTION) == "no_answer"
    assert catalog.samples(perf)[0].reference is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('dict(path="custom/x.jsonl", prompt="{question}")',
         r"my_custom_datasets\[0\]: key 'prompt': unknown key; allowed: path, abbr, data_type"),
        ('dict(path="custom/x.parquet")', r"key 'path'.*\.jsonl or \.csv"),
        ('dict(path="custom/x.jsonl", reader_cfg=dict(input_columns=["question"]))',
         r"key 'type'"),
    ],
    ids=["unknown-key", "not-jsonl", "sections-without-type"],
)  # fmt: skip
def test_the_dict_form_is_checked_when_the_file_loads(
    tmp_path: Path, entry: str, message: str
) -> None:
    (tmp_path / "custom").mkdir()
    (tmp_path / "custom" / "my_custom.py").write_text(f"my_custom_datasets = [{entry}]\n")
    with pytest.raises(ConfigError, match=message):
        DatasetCatalog([tmp_path], tmp_path).configs("my_custom")


def test_the_dict_forms_missing_file_names_the_config(tmp_path: Path) -> None:
    (tmp_path / "custom").mkdir()
    (tmp_path / "custom" / "my_custom.py").write_text(
        'my_custom_datasets = [dict(path="custom/absent.jsonl")]\n'
    )
    catalog = DatasetCatalog([tmp_path], tmp_path / "data")
    [config] = catalog.configs("my_custom")
    with pytest.raises(DatasetError, match=r"my_custom_datasets\[0\]: key 'path'.*not found"):
        catalog.samples(config)


AISBENCH_MCQ_CONFIG = """
from pytest_aisbench.datasets import CustomDataset, OptionSimAccEvaluator
from pytest_aisbench.openicl.icl_inferencer import GenInferencer
from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
from pytest_aisbench.openicl.icl_retriever import ZeroRetriever

custom_datasets = [
    dict(
        abbr="mcq",
        type=CustomDataset,
        path="ais_bench/datasets/custom/mcq.jsonl",
        meta_path="",
        reader_cfg=dict(input_columns=["question", "max_out_len"], output_column="answer"),
        infer_cfg=dict(
            prompt_template=dict(
                type=PromptTemplate,
                template="Question: {question}\\nA. {A}\\nB. {B}\\nC. {C}\\nAnswer: {answer}",
            ),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer),
        ),
        eval_cfg=dict(evaluator=dict(type=OptionSimAccEvaluator, options=["A", "B", "C"]),
                      pred_role="BOT"),
    )
]
"""


def test_aisbench_custom_mcq_config_runs_after_the_rename(tmp_path: Path) -> None:
    """``configs/datasets/custom/custom_mcq_gen.py``: the evaluator sees the whole answer, so
    an option's text counts; an unreadable answer is wrong, never a guessed letter."""
    (tmp_path / "configs" / "custom").mkdir(parents=True)
    (tmp_path / "data" / "custom").mkdir(parents=True)
    write_jsonl(tmp_path / "data" / "custom" / "mcq.jsonl", [dict(MCQ[0], max_tokens=64)])
    (tmp_path / "configs" / "custom" / "custom_mcq_gen.py").write_text(AISBENCH_MCQ_CONFIG)
    catalog = DatasetCatalog([tmp_path / "configs"], tmp_path / "data")
    [config] = catalog.configs("custom_mcq_gen")
    [first] = catalog.samples(config)
    assert first.max_out_len == 64
    assert answered(config, first, "The sum is 2263.") == "correct"
    assert answered(config, first, "I am not sure") == "incorrect"
