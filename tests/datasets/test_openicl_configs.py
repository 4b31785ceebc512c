"""Dataset config files in the openicl form: found, run, checked key by key, compiled.

Each test writes a small config folder of its own (a user's ``--aisbench-datasets-config-dir``)
and a small data folder, and reads the samples through `DatasetCatalog`, as a session does.
"""

from __future__ import annotations

import json
import random
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from pytest_aisbench.datasets import DatasetCatalog
from pytest_aisbench.errors import ConfigError, DatasetError

# A family of the user's own: a dataset class beside its config, as AISBench's docs show it.
QA_CLASS = """
from pytest_aisbench.datasets import BaseDataset
from pytest_aisbench.datasets.files import read_jsonl
from pytest_aisbench.registry import LOAD_DATASET


@LOAD_DATASET.register_module()
class QADataset(BaseDataset):
    @staticmethod
    def load(path, name="qa"):
        return {"train": read_jsonl(f"{path}/{name}_train.jsonl"),
                "test": read_jsonl(f"{path}/{name}_test.jsonl")}
"""


def qa_config(**changes: str) -> str:
    """A config for `QADataset`; `changes` replace whole lines' right-hand sides by key."""
    parts = {
        "reader": 'dict(input_columns=["question"], output_column="answer")',
        "template": '"Q: {question}\\nA: {answer}"',
        "retriever": "dict(type=ZeroRetriever)",
        "inferencer": "dict(type=GenInferencer)",
        "evaluator": "dict(type=AccEvaluator)",
        "extra": "",
    } | changes
    return textwrap.dedent(f"""
        from qa_family import QADataset
        from pytest_aisbench.openicl.icl_evaluator import AccEvaluator
        from pytest_aisbench.openicl.icl_inferencer import GenInferencer, PPLInferencer
        from pytest_aisbench.openicl.icl_prompt_template import PromptTemplate
        from pytest_aisbench.openicl.icl_retriever import (
            FixKRetriever, RandomRetriever, ZeroRetriever)

        qa_datasets = [
            dict(
                abbr="qa",
                type=QADataset,
                path="ais_bench/datasets/qa",
                reader_cfg={parts["reader"]},
                infer_cfg=dict(
                    prompt_template=dict(type=PromptTemplate, template={parts["template"]}),
                    retriever={parts["retriever"]},
                    inferencer={parts["inferencer"]},
                ),
                eval_cfg=dict(evaluator={parts["evaluator"]}),
                {parts["extra"]}
            )
        ]
        """)


ROWS = [{"question": f"q{i}", "answer": chr(ord("A") + i % 4)} for i in range(10)]


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(config folder, datasets folder) with the QA family's class and ten rows per split."""
    configs, data = tmp_path / "configs", tmp_path / "data"
    (configs / "qa").mkdir(parents=True)
    (configs / "qa" / "qa_family.py").write_text(QA_CLASS)
    (data / "qa").mkdir(parents=True)
    for split in ("train", "test"):
        lines = [json.dumps({**row, "question": f"{split}-{row['question']}"}) for row in ROWS]
        (data / "qa" / f"qa_{split}.jsonl").write_text("\n".join(lines) + "\n")
    return configs, data


def catalog_with(folders: tuple[Path, Path], text: str, name: str = "qa_gen") -> DatasetCatalog:
    configs, data = folders
    (configs / "qa" / f"{name}.py").write_text(text)
    return DatasetCatalog([configs], data)


def samples_of(catalog: DatasetCatalog, name: str = "qa_gen") -> list:
    (config,) = catalog.configs(name)
    return catalog.samples(config)


def test_a_string_template_fills_the_row_and_blanks_the_answer(folders: tuple[Path, Path]) -> None:
    catalog = catalog_with(folders, qa_config())
    samples = samples_of(catalog)
    assert [(s.dataset, s.index, s.prompt, s.reference) for s in samples[:2]] == [
        ("qa", 0, "Q: test-q0\nA: ", "A"),
        ("qa", 1, "Q: test-q1\nA: ", "B"),
    ]
    (config,) = catalog.configs("qa_gen")
    assert config.compare("A", samples[0]) and not config.compare("B", samples[0])


def test_fixed_examples_come_from_the_train_split(folders: tuple[Path, Path]) -> None:
    text = qa_config(
        template='"</E>Q: {question}\\nA: {answer}"',
        retriever="dict(type=FixKRetriever, fix_id_list=[0, 2])",
        extra="",
    ).replace(
        'prompt_template=dict(type=PromptTemplate, template="</E>Q: {question}\\nA: {answer}"),',
        'prompt_template=dict(type=PromptTemplate, template="</E>Q: {question}\\nA: {answer}",'
        ' ice_token="</E>"),\n                    ice_template=dict(type=PromptTemplate,'
        ' template="Q: {question}\\nA: {answer}"),',
    )
    samples = samples_of(catalog_with(folders, text))
    assert samples[0].prompt == "Q: train-q0\nA: A\nQ: train-q2\nA: C\nQ: test-q0\nA: "


def test_random_examples_are_drawn_as_aisbench_draws_them(folders: tuple[Path, Path]) -> None:
    text = qa_config(
        retriever="dict(type=RandomRetriever, ice_num=2, seed=7)",
        template='"</E>{question}"',
    ).replace(
        'template="</E>{question}"),',
        'template="</E>{question}", ice_token="</E>"),\n                    '
        'ice_template=dict(type=PromptTemplate, template="{question}={answer}"),',
    )
    samples = samples_of(catalog_with(folders, text))
    np.random.seed(7)  # AISBench: np.random.seed(seed), then one choice per test row
    expected = [np.random.choice(10, 2, replace=False).tolist() for _ in range(10)]
    for sample, picks in zip(samples, expected, strict=True):
        shots = "\n".join(f"train-q{i}={ROWS[i]['answer']}" for i in picks)
        assert sample.prompt == f"{shots}\n{sample.row['question']}"


@pytest.mark.parametrize(
    ("test_range", "indices"),
    [('"[:3]"', [0, 1, 2]), ('"[2:8:3]"', [2, 5]),
     ("4", None), ("0.5", None)],
)  # fmt: skip
def test_test_range(folders: tuple[Path, Path], test_range: str, indices: list[int] | None) -> None:
    reader = f'dict(input_columns=["question"], output_column="answer", test_range={test_range})'
    samples = samples_of(catalog_with(folders, qa_config(reader=reader)))
    if indices is None:  # AISBench: random.Random(size).shuffle(index), the first `size`
        size = int(float(test_range) * 10) if "." in test_range else int(test_range)
        order = list(range(10))
        random.Random(size).shuffle(order)
        indices = order[:size]
    assert [s.row["question"] for s in samples] == [f"test-q{i}" for i in indices]
    assert [s.index for s in samples] == list(range(len(indices)))  # position after the range


def test_stop_words_and_the_output_limit_come_from_the_inferencer(
    folders: tuple[Path, Path],
) -> None:
    text = qa_config(inferencer='dict(type=GenInferencer, stopping_criteria=["Q:"], max_out_len=9)')
    (config,) = catalog_with(folders, text).configs("qa_gen")
    assert (config.stop_words, config.max_out_len) == (("Q:",), 9)


def test_a_max_out_len_column_sets_each_rows_limit(folders: tuple[Path, Path]) -> None:
    data = folders[1]
    lines = [json.dumps({"question": "x", "answer": "A", "max_out_len": n}) for n in (5, 0)]
    (data / "qa" / "qa_test.jsonl").write_text("\n".join(lines) + "\n")
    reader = 'dict(input_columns=["question", "max_out_len"], output_column="answer")'
    samples = samples_of(catalog_with(folders, qa_config(reader=reader)))
    assert [s.max_out_len for s in samples] == [5, None]  # 0: the backend's


def test_an_alias_file_imports_through_read_base_and_cannot_change_the_original(
    folders: tuple[Path, Path],
) -> None:
    """AISBench's demo files import another config and edit its dict; mmengine is not needed."""
    configs, _ = folders
    (configs / "demo").mkdir()
    (configs / "demo" / "demo_qa.py").write_text(
        textwrap.dedent("""
        from mmengine.config import read_base

        with read_base():
            from ..qa.qa_gen import qa_datasets

        qa_datasets[0]["abbr"] = "demo_" + qa_datasets[0]["abbr"]
        qa_datasets[0]["reader_cfg"]["test_range"] = "[0:2]"
        """)
    )
    catalog = catalog_with(folders, qa_config())
    assert [s.dataset for s in samples_of(catalog, "demo_qa")] == ["demo_qa"] * 2
    assert len(samples_of(catalog, "qa_gen")) == 10


def test_name_slash_suffix_picks_lists_by_their_ending(folders: tuple[Path, Path]) -> None:
    text = qa_config() + "\nother_datasets = [dict(qa_datasets[0], abbr='qa2')]\n"
    catalog = catalog_with(folders, text)
    assert [c.abbr for c in catalog.configs("qa_gen")] == ["qa", "qa2"]
    assert [c.abbr for c in DatasetCatalog(catalog.folders[:1], catalog.datasets_dir).configs(
        "qa_gen/other_datasets")] == ["qa2"]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"extra": "subset='x',"}, "subset", "unknown key for QADataset; allowed: abbr, "),
        ({"reader": 'dict(input_columns=["question"], test_rnage="[:2]")'},
         "reader_cfg.test_rnage", "unknown key; allowed: input_columns"),
        ({"reader": 'dict(input_columns=["question"], test_range="first 2")'},
         "reader_cfg.test_range", "'first 2': expected a slice such as '[:8]'"),
        ({"inferencer": "dict(type=PPLInferencer)"}, "infer_cfg.inferencer",
         "PPLInferencer: perplexity configs score each label"),
        ({"extra": "n=2, k=[1, 4],"}, "k", "[1, 4]: pass@k needs k <= n answers per row (n=2)"),
        ({"evaluator": 'dict(type="NoSuchEvaluator")'}, "eval_cfg.evaluator.type",
         "no evaluator registered as 'NoSuchEvaluator'"),
        ({"retriever": "dict(type=FixKRetriever)"}, "infer_cfg.retriever",
         "FixKRetriever: missing a required argument: 'fix_id_list'"),
        ({"inferencer": "dict(type=GenInferencer, stopping_criteria='Q:')"},
         "infer_cfg.inferencer", "GenInferencer: stopping_criteria must be a list of non-empty"),
    ],
    ids=["loader-key", "reader-key", "range", "ppl", "repeats", "evaluator", "retriever", "stop"],
)  # fmt: skip
def test_each_key_is_checked_when_the_file_loads(
    folders: tuple[Path, Path], changes: dict[str, str], key: str, message: str
) -> None:
    catalog = catalog_with(folders, qa_config(**changes))
    with pytest.raises(ConfigError) as info:
        catalog.configs("qa_gen")
    assert f"qa_gen.py: qa_datasets[0]: key '{key}': {message}" in str(info.value)


def test_a_missing_column_names_the_columns_found(folders: tuple[Path, Path]) -> None:
    reader = 'dict(input_columns=["prompt"], output_column="answer")'
    catalog = catalog_with(folders, qa_config(reader=reader))
    with pytest.raises(DatasetError, match="column 'prompt': row 0 of the test split has no such "
                       "column; columns found: 'question', 'answer'"):  # fmt: skip
        samples_of(catalog)


def test_a_failing_config_file_shows_its_own_line(folders: tuple[Path, Path]) -> None:
    catalog = catalog_with(folders, qa_config() + "\nundefined_name\n")
    with pytest.raises(ConfigError, match=r"(?s)failed to import:.*qa_gen.py.*NameError"):
        catalog.configs("qa_gen")


def test_unknown_and_ambiguous_names(folders: tuple[Path, Path]) -> None:
    configs, data = folders
    catalog = catalog_with(folders, qa_config())
    with pytest.raises(ConfigError, match=r"unknown dataset 'nope'; known datasets: .*qa_gen"):
        catalog.configs("nope")
    (configs / "more").mkdir()
    (configs / "more" / "qa_gen.py").write_text(qa_config())
    with pytest.raises(ConfigError, match="dataset 'qa_gen' is ambiguous"):
        DatasetCatalog([configs], data).configs("qa_gen")


def test_a_scorer_named_as_module_function_is_the_evaluator(
    folders: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``evaluator=dict(type="package.module:function")``: a scorer decides each sample."""
    (tmp_path / "my_scorers.py").write_text(
        "def first_letter(prediction, reference, sample):\n"
        "    return prediction.strip()[:1] == reference\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog = catalog_with(folders, qa_config(evaluator='dict(type="my_scorers:first_letter")'))
    (config,) = catalog.configs("qa_gen")
    first = samples_of(catalog)[0]  # reference "A"
    assert config.compare("A, surely", first) and not config.compare("B", first)
    broken = catalog_with(folders, qa_config(evaluator='dict(type="my_scorers:nope")'), "qa_bad")
    with pytest.raises(
        ConfigError, match=re.escape("key 'eval_cfg.evaluator.type': scorer 'my_scorers:nope'")
    ):
        broken.configs("qa_bad")
