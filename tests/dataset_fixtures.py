"""Small datasets in each text family's real on-disk layout, for the family tests and for the
run of AISBench's own dataset configs (``tests/test_aisbench_dataset_configs.py``).

Two kinds of function live here:

- **layout writers** (``write_<family>``, and row makers such as `arc_item`): one file or
  folder in the family's layout and schema, holding the rows a test gives (a ``str`` line is
  written as it is, so a test can plant a malformed one). The family tests in
  ``tests/datasets/`` use them for their loader checks.
- **fixtures** (`FIXTURES`, one per family): a whole small dataset under a datasets folder, with
  every subset a family's configs name (``subsets``: MMLU's subjects, BBH's tasks, MGSM's
  language files) and enough rows for their few-shot retrievers (ARC's 25 shots, MGSM's 8).
  Every row has a reference a model can state, and a question that no other row shares, so a
  simulator can answer each prompt.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import pytest

Lines = Sequence[Any]
"""JSON-lines content: objects (written as JSON) or ``str`` lines (written as they are)."""


def jsonl_text(lines: Lines) -> str:
    """`lines` as JSON lines; a ``str`` is written as it is."""
    return "".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n"
                   for x in lines)  # fmt: skip


def write_jsonl(file: Path, lines: Lines) -> Path:
    """`file` holding `lines` (its folder made as needed)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(jsonl_text(lines), encoding="utf-8")
    return file


def write_parquet(file: Path, records: list[dict[str, Any]]) -> Path:
    """`records` as a parquet file; skipped where pyarrow (the parquet extra) is missing."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    file.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records), file)
    return file


LETTERS = "ABCDEFGHIJ"


# -- layout writers, one per family -------------------------------------------------------------


def arc_item(stem: str, labels: str | list[str], answer: str) -> dict[str, Any]:
    """One ARC line in AI2's schema."""
    choices = [{"text": f"{stem} option {label}", "label": label} for label in labels]
    return {"id": f"Q-{stem}", "question": {"stem": stem, "choices": choices}, "answerKey": answer}


def write_arc(folder: Path, name: str, split: str, lines: Lines) -> Path:
    """``<folder>/<name>-<split>.jsonl`` (``ARC/ARC-c/ARC-Challenge-Dev.jsonl``)."""
    return write_jsonl(folder / f"{name}-{split}.jsonl", lines)


def write_agieval(root: Path, name: str, lines: Lines) -> Path:
    """``agieval/<name>.jsonl``; the folder."""
    write_jsonl(root / "agieval" / f"{name}.jsonl", lines)
    return root / "agieval"


def write_bbh(root: Path, name: str, data: Any) -> Path:
    """``BBH/data/<name>.json`` holding `data` (a str is written as it is); the folder."""
    folder = root / "BBH" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data)
    (folder / f"{name}.json").write_text(text, encoding="utf-8")
    return folder


def write_boolq(root: Path, lines: Lines) -> Path:
    """``SuperGLUE/BoolQ/val.jsonl``."""
    return write_jsonl(root / "SuperGLUE" / "BoolQ" / "val.jsonl", lines)


def write_ceval(root: Path, name: str, texts: dict[str, str]) -> Path:
    """``ceval/formal_ceval/<split>/<name>_<split>.csv`` per split; the ``formal_ceval`` folder."""
    base = root / "ceval" / "formal_ceval"
    for split, text in texts.items():
        (base / split).mkdir(parents=True, exist_ok=True)
        (base / split / f"{name}_{split}.csv").write_text(text, encoding="utf-8")
    return base


def write_cmmlu(root: Path, name: str, texts: dict[str, str]) -> Path:
    """``cmmlu/<split>/<name>.csv`` per split; the ``cmmlu`` folder."""
    base = root / "cmmlu"
    for split, text in texts.items():
        (base / split).mkdir(parents=True, exist_ok=True)
        (base / split / f"{name}.csv").write_text(text, encoding="utf-8")
    return base


DAPO_INSTRUCTION = "Solve the following math problem step by step. The last line of your response "


def dapo_record(i: int, **changes: Any) -> dict[str, Any]:
    """One DAPO-Math-17k row in the released schema (verl's RL rows)."""
    row = {
        "data_source": "math_dapo",
        "prompt": [{"content": f"{DAPO_INSTRUCTION}\n\nProblem {i}", "role": "user"}],
        "ability": "MATH",
        "reward_model": {"ground_truth": str(10 * i), "style": "rule-lighteval/MATH_v2"},
        "extra_info": {"index": f"id-{i}"},
    }
    return row | changes


def write_dapo(
    folder: Path, records: list[dict[str, Any]], name: str = "dapo-math-17k.parquet"
) -> Path:
    """`records` as ``<folder>/<name>``; the folder."""
    write_parquet(folder / name, records)
    return folder


def write_drop(root: Path, lines: Lines) -> Path:
    """``drop_simple_eval/dev.jsonl``."""
    return write_jsonl(root / "drop_simple_eval" / "dev.jsonl", lines)


GPQA_HEADER = [
    "Pre-Revision Question",
    "Pre-Revision Correct Answer",
    "Pre-Revision Incorrect Answer 1",
    "Pre-Revision Incorrect Answer 2",
    "Pre-Revision Incorrect Answer 3",
    "Pre-Revision Explanation",
    "Self-reported question-writing time (minutes)",
    "Question",
    "Correct Answer",
    "Incorrect Answer 1",
    "Incorrect Answer 2",
    "Incorrect Answer 3",
    "Explanation",
]


def write_gpqa(folder: Path, questions: Sequence[tuple[str, ...]]) -> Path:
    """``gpqa/gpqa_diamond.csv`` with the release's header, each question in columns 8-12
    (question, correct answer, three incorrect ones); the ``gpqa`` folder."""
    (folder / "gpqa").mkdir(parents=True, exist_ok=True)
    with open(folder / "gpqa" / "gpqa_diamond.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(GPQA_HEADER)
        for q in questions:
            writer.writerow(["old"] * 7 + list(q) + ["because"])
    return folder / "gpqa"


def write_gsm8k(root: Path, test: Lines, train: Lines | None = None) -> Path:
    """``gsm8k/test.jsonl`` (and ``train.jsonl``: the given lines, or the real split linked
    from the shared datasets folder); the datasets folder."""
    write_jsonl(root / "gsm8k" / "test.jsonl", test)
    if train is not None:
        write_jsonl(root / "gsm8k" / "train.jsonl", train)
    else:
        from conftest import DATASETS_DIR

        (root / "gsm8k" / "train.jsonl").symlink_to(DATASETS_DIR / "gsm8k" / "train.jsonl")
    return root


def write_hellaswag(folder: Path, val: Lines, train: Lines) -> Path:
    """``hellaswag/`` with the validation file and the sampled train shots; the folder."""
    write_jsonl(folder / "hellaswag" / "hellaswag.jsonl", val)
    write_jsonl(folder / "hellaswag" / "hellaswag_train_sampled25.jsonl", train)
    return folder / "hellaswag"


def write_lambada(folder: Path, lines: Lines) -> Path:
    """``lambada/test.jsonl``; the folder."""
    write_jsonl(folder / "lambada" / "test.jsonl", lines)
    return folder / "lambada"


def longbench_item(n: int, answer: str, difficulty: str, length: str) -> dict[str, Any]:
    """One LongBench v2 item in the release's schema."""
    return {
        "_id": f"id{n}",
        "domain": "Single-Document QA",
        "question": f"Q{n}?",
        "context": f"long text {n}",
        "choice_A": "a",
        "choice_B": "b",
        "choice_C": "c",
        "choice_D": "d",
        "answer": answer,
        "difficulty": difficulty,
        "length": length,
    }


def write_longbenchv2(folder: Path, data: Any) -> Path:
    """``LongBench-v2/data.json`` (a JSON array) holding `data`."""
    (folder / "LongBench-v2").mkdir(parents=True, exist_ok=True)
    file = folder / "LongBench-v2" / "data.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    return file


def write_math(folder: Path, data: object, name: str = "test_prm800k_500.json") -> Path:
    """``math/<name>``: one JSON object of problems (by their path in MATH); the folder."""
    (folder / "math").mkdir(parents=True, exist_ok=True)
    (folder / "math" / name).write_text(json.dumps(data), encoding="utf-8")
    return folder / "math"


def write_mgsm(folder: Path, text: str, lang: str = "de") -> Path:
    """``mgsm/mgsm_<lang>.tsv`` (question, tab, answer; no header)."""
    (folder / "mgsm").mkdir(parents=True, exist_ok=True)
    file = folder / "mgsm" / f"mgsm_{lang}.tsv"
    file.write_text(text, encoding="utf-8")
    return file


def write_mmlu(folder: Path, name: str, texts: dict[str, str]) -> Path:
    """``mmlu/<split>/<name>_<split>.csv`` per split (headerless, as MMLU ships them); the
    ``mmlu`` folder."""
    for split, text in texts.items():
        (folder / "mmlu" / split).mkdir(parents=True, exist_ok=True)
        (folder / "mmlu" / split / f"{name}_{split}.csv").write_text(text, encoding="utf-8")
    return folder / "mmlu"


def mmlu_pro_question(
    qid: int, category: str, options: list[str], answer: str, cot: str = "", text: str = ""
) -> dict[str, Any]:
    """One MMLU-Pro row in the release's schema."""
    return {
        "question_id": qid,
        "question": text or f"Q{qid}?",
        "options": options,
        "answer": answer,
        "answer_index": LETTERS.index(answer),
        "cot_content": cot,
        "category": category,
        "src": "ori_mmlu",
    }


def write_mmlu_pro(
    folder: Path, test: list[dict[str, Any]], validation: list[dict[str, Any]]
) -> Path:
    """``mmlu_pro/{test,validation}-00000-of-00001.parquet``; the ``mmlu_pro`` folder."""
    folder = folder / "mmlu_pro"
    write_parquet(folder / "test-00000-of-00001.parquet", test)
    write_parquet(folder / "validation-00000-of-00001.parquet", validation)
    return folder


def write_piqa(
    folder: Path, dev: Lines, train: Lines, dev_labels: str, train_labels: str = "0\n"
) -> Path:
    """``physicaliqa-train-dev/{dev,train}.jsonl`` with their ``-labels.lst``; the folder."""
    folder = folder / "physicaliqa-train-dev"
    for name, rows, labels in (("dev", dev, dev_labels), ("train", train, train_labels)):
        write_jsonl(folder / f"{name}.jsonl", rows)
        (folder / f"{name}-labels.lst").write_text(labels, encoding="utf-8")
    return folder


def race_line(n: int, answer: str, options: list[str] | None = None, level: str = "high") -> str:
    """One RACE line (four options a question)."""
    row = {
        "article": f"Article {n}.",
        "question": f"Question {n}?",
        "options": options or [f"a{n}", f"b{n}", f"c{n}", f"d{n}"],
        "answer": answer,
        "id": f"{level}{n}.txt",
    }
    return json.dumps(row) + "\n"


def write_race(folder: Path, texts: dict[str, str], name: str = "high") -> Path:
    """``race/<split>/<name>.jsonl`` per split; the ``race`` folder."""
    for split, text in texts.items():
        (folder / "race" / split).mkdir(parents=True, exist_ok=True)
        (folder / "race" / split / f"{name}.jsonl").write_text(text, encoding="utf-8")
    return folder / "race"


def siqa_row(n: int) -> dict[str, str]:
    """One Social IQa line."""
    return {
        "context": f"Context {n}.",
        "question": f"Why {n}?",
        "answerA": f"a{n}",
        "answerB": f"b{n}",
        "answerC": f"c{n}",
    }


def write_siqa(
    folder: Path, dev: Lines, train: Lines, dev_labels: str, train_labels: str = "2\n"
) -> Path:
    """``siqa/{dev,train}.jsonl`` with their ``-labels.lst`` (1 to 3); the folder."""
    folder = folder / "siqa"
    for name, rows, labels in (("dev", dev, dev_labels), ("train", train, train_labels)):
        write_jsonl(folder / f"{name}.jsonl", rows)
        (folder / f"{name}-labels.lst").write_text(labels, encoding="utf-8")
    return folder


def write_triviaqa(folder: Path, dev: str, test: str) -> Path:
    """``triviaqa/trivia-{dev,test}.qa.csv`` (tab-separated, no header); the folder."""
    folder = folder / "triviaqa"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trivia-dev.qa.csv").write_text(dev, encoding="utf-8")
    (folder / "trivia-test.qa.csv").write_text(test, encoding="utf-8")
    return folder


def winogrande_line(sentence: str, answer: str, qid: str = "q") -> str:
    """One WinoGrande line (the blank ``_`` filled by option1 or option2)."""
    row = {"qID": qid, "sentence": sentence, "option1": "Ian", "option2": "Dennis"}
    return json.dumps(row | {"answer": answer}) + "\n"


def write_winogrande(folder: Path, dev: str, train_xs: str) -> Path:
    """``winogrande/{dev,train_xs}.jsonl``; the folder."""
    folder = folder / "winogrande"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dev.jsonl").write_text(dev, encoding="utf-8")
    (folder / "train_xs.jsonl").write_text(train_xs, encoding="utf-8")
    return folder


# -- fixtures: a small dataset per family, for its configs ------------------------------------

Fixture = Callable[[Path, Collection[str]], None]
"""Writes a family's small dataset under a datasets folder, for the given subsets (subject,
task, category or language file names; ignored by single-file families)."""

TEST_ROWS = 3
"""Test rows of a single-file family."""
SUBSET_ROWS = 2
"""Test rows per subset of a family with many (MMLU's 57 subjects)."""


def letter(i: int, options: int = 4) -> str:
    """A spread of reference letters: B, C, D, A, ..."""
    return LETTERS[(i + 1) % options]


def _csv(rows: list[list[Any]], header: list[str] | None = None) -> str:
    lines = ([",".join(header)] if header else []) + [
        ",".join(str(cell) for cell in row) for row in rows
    ]
    return "".join(line + "\n" for line in lines)


def arc_fixture(folder: str, name: str) -> Fixture:
    """ARC-c / ARC-e: 25 dev lines (the 25-shot config's shots) and 3 test lines."""

    def write(root: Path, subsets: Collection[str]) -> None:
        base = root / "ARC" / folder
        dev = [arc_item(f"{folder} shot {i}", "ABCD", letter(i)) for i in range(25)]
        test = [arc_item(f"{folder} question {i}", "ABCD", letter(i)) for i in range(TEST_ROWS)]
        write_arc(base, name, "Dev", dev)
        write_arc(base, name, "Test", test)

    return write


def boolq_fixture(root: Path, subsets: Collection[str]) -> None:
    """BoolQ's val.jsonl: 9 lines, the 5-shot config's shots (0, 2, ..., 8) among them."""
    write_boolq(root, [
        {"question": f"is statement {i} true", "passage": f"Topic {i} -- A passage.", "idx": i,
         "label": i % 2 == 0}
        for i in range(9)
    ])  # fmt: skip


CLOZE_AGIEVAL = {"gaokao-mathcloze", "math"}
"""AGIEval's subsets whose answer is a number or formula, not an option letter."""


def agieval_fixture(root: Path, subsets: Collection[str]) -> None:
    """``agieval/<subset>.jsonl`` per subset: option letters, a multi-answer label where the
    subset takes several (jec-qa), a cloze answer for the math subsets."""
    for name in subsets:
        lines: list[dict[str, Any]] = []
        for i in range(SUBSET_ROWS):
            line: dict[str, Any] = {"passage": "A passage. " if i == 0 else None,
                                    "question": f"[{name}] Question {i}?"}  # fmt: skip
            if name in CLOZE_AGIEVAL:
                line |= {"options": None, "label": None, "answer": f"\\frac{{{i + 1}}}{{4}}"}
            else:
                multi = name.startswith("jec-qa") and i == 1
                line |= {"options": [f"({x}){x.lower()}{i}" for x in "ABCD"],
                         "label": ["A", "C"] if multi else letter(i)}  # fmt: skip
            lines.append(line)
        write_agieval(root, name, lines)


def aime_fixture(relative: str, question: str, answer: str) -> Fixture:
    """An AIME year's JSON lines (``aime/aime.jsonl`` and the like) with its own column names."""

    def write(root: Path, subsets: Collection[str]) -> None:
        lines = [{question: f"{relative} problem {i}", answer: str(100 + 7 * i)}
                 for i in range(TEST_ROWS)]  # fmt: skip
        write_jsonl(root / relative, lines)

    return write


BBH_FREEFORM = {
    "multistep_arithmetic_two": ["-12", "35"],
    "navigate": ["Yes", "No"],
    "dyck_languages": ["] )", ") }"],
    "word_sorting": ["apple banana", "cherry date"],
    "sports_understanding": ["yes", "no"],
    "boolean_expressions": ["True", "False"],
    "object_counting": ["7", "4"],
    "formal_fallacies": ["valid", "invalid"],
    "causal_judgement": ["Yes", "No"],
    "web_of_lies": ["No", "Yes"],
}
"""BBH's free-form tasks and the kind of target each has."""


def bbh_fixture(root: Path, subsets: Collection[str]) -> None:
    """``BBH/data/<task>.json`` per task: ``(X)`` targets for the multiple-choice tasks, the
    task's own kind of answer for the free-form ones."""
    for name in subsets:
        targets = BBH_FREEFORM.get(name) or [f"({letter(i)})" for i in range(SUBSET_ROWS)]
        examples = [
            {"input": f"[{name}] Question {i}?\nOptions:\n(A) a\n(B) b\n(C) c\n(D) d",
             "target": target}
            for i, target in enumerate(targets[:SUBSET_ROWS])
        ]  # fmt: skip
        write_bbh(root, name, {"canary": "BENCHMARK DATA", "examples": examples})


def _choice_rows(name: str, split: str, count: int) -> list[list[Any]]:
    """C-Eval's and CMMLU's rows: id, question, four options, answer."""
    return [[i, f"{name} {split} 问题 {i}", f"甲{i}", f"乙{i}", f"丙{i}", f"丁{i}", letter(i)]
            for i in range(count)]  # fmt: skip


def ceval_fixture(root: Path, subsets: Collection[str]) -> None:
    """C-Eval's three CSVs per subject: 5 dev rows (the 5-shot shots) with explanations, val
    rows (the configs' test split), and test rows without answers."""
    header = ["id", "question", "A", "B", "C", "D", "answer"]
    for name in subsets:
        dev = [[*row, f"解析 {row[0]}"] for row in _choice_rows(name, "dev", 5)]
        write_ceval(root, name, {
            "dev": _csv(dev, [*header, "explanation"]),
            "val": _csv(_choice_rows(name, "val", SUBSET_ROWS), header),
            "test": _csv([row[:-1] for row in _choice_rows(name, "test", 1)], header[:-1]),
        })  # fmt: skip


def cmmlu_fixture(root: Path, subsets: Collection[str]) -> None:
    """CMMLU's dev (5 rows, the shots) and test CSVs per subject."""
    header = ["", "Question", "A", "B", "C", "D", "Answer"]
    for name in subsets:
        dev, test = _choice_rows(name, "dev", 5), _choice_rows(name, "test", SUBSET_ROWS)
        write_cmmlu(root, name, {"dev": _csv(dev, header), "test": _csv(test, header)})


def dapo_fixture(root: Path, subsets: Collection[str]) -> None:
    """``dapo-math-17k/dapo-math-17k.parquet``."""
    write_dapo(root / "dapo-math-17k", [dapo_record(i + 1) for i in range(TEST_ROWS)])


def drop_fixture(root: Path, subsets: Collection[str]) -> None:
    """DROP's dev.jsonl: a number, a name, and a ``|``-separated pair of accepted answers."""
    refs = ["12", "Jacobs", "43|forty-three"]
    write_drop(root, [
        {"context": f"Passage: Game {i}.\nQuestion: How many, or who, {i}?\nAnswer:",
         "completion": refs[i].split("|")[0], "ref_text": refs[i]}
        for i in range(TEST_ROWS)
    ])  # fmt: skip


def gpqa_fixture(root: Path, subsets: Collection[str]) -> None:
    """``gpqa/gpqa_diamond.csv``: the correct answer is rotated to a different letter each row."""
    write_gpqa(root, [
        (f"GPQA question {i}?", f"right{i}", f"wrong{i}a", f"wrong{i}b", f"wrong{i}c")
        for i in range(TEST_ROWS)
    ])  # fmt: skip


def gsm8k_fixture(root: Path, subsets: Collection[str]) -> None:
    """``gsm8k/{train,test}.jsonl`` in GSM8K's schema (a solution ending in ``#### N``)."""

    def line(i: int, split: str) -> dict[str, str]:
        total = 1_000 * (i + 2) + 5
        return {
            "question": f"A {split} shop sells {i + 2} crates of 1,000 nails and 5 loose nails. "
            "How many nails?",
            "answer": f"{i + 2} * 1000 + 5 = <<{i + 2}*1000+5={total}>>{total}\n#### {total:,}",
        }

    write_gsm8k(root, [line(i, "test") for i in range(TEST_ROWS)],
                [line(i, "train") for i in range(4)])  # fmt: skip


def hellaswag_fixture(root: Path, subsets: Collection[str]) -> None:
    """HellaSwag's validation file and 10 sampled train shots (the 10-shot config's)."""

    def line(i: int, kind: str) -> dict[str, Any]:
        return {"query": f"Topic: {kind} context {i}.", "choices": [f"end{x}{i}" for x in "abcd"],
                "gold": (i + 1) % 4}  # fmt: skip

    write_hellaswag(root, [line(i, "val") for i in range(TEST_ROWS)],
                    [line(i, "train") for i in range(10)])  # fmt: skip


def lambada_fixture(root: Path, subsets: Collection[str]) -> None:
    """``lambada/test.jsonl``: a passage and its last word."""
    words = ["dog", "Paris", "umbrella"]
    write_lambada(root, [{"prompt": f"Passage {i} ends with the word", "label": words[i]}
                         for i in range(TEST_ROWS)])  # fmt: skip


def longbenchv2_fixture(root: Path, subsets: Collection[str]) -> None:
    """``LongBench-v2/data.json``: one item per difficulty and length."""
    write_longbenchv2(root, [
        longbench_item(1, "B", "easy", "short"),
        longbench_item(2, "D", "hard", "long"),
        longbench_item(3, "A", "hard", "medium"),
    ])  # fmt: skip


MATH_ANSWERS = ["\\frac{1}{2}", "7", "3\\sqrt{2}", "-4", "12"]


def math_fixture(root: Path, subsets: Collection[str]) -> None:
    """MATH500 both ways the configs read it: ``math/test_prm800k_500.json`` (one JSON object,
    MATHDataset; 5 problems, the 5-shot config's shots) and ``test_prm800k_500.jsonl``
    (CustomDataset)."""
    problems = {
        f"test/algebra/{i}.json": {"problem": f"MATH problem {i}", "level": "Level 1",
                                   "type": "Algebra",
                                   "solution": f"Work, so it is $\\boxed{{{answer}}}$."}
        for i, answer in enumerate(MATH_ANSWERS)
    }  # fmt: skip
    write_math(root, problems)
    write_jsonl(root / "math" / "test_prm800k_500.jsonl", [
        {"problem": f"MATH500 problem {i}", "solution": f"So $\\boxed{{{answer}}}$.",
         "answer": answer, "subject": "Algebra", "level": 1, "unique_id": f"test/algebra/{i}.json"}
        for i, answer in enumerate(MATH_ANSWERS[:TEST_ROWS])
    ])  # fmt: skip


def mgsm_fixture(root: Path, subsets: Collection[str]) -> None:
    """``mgsm/<language file>.tsv`` per language: 8 questions (the 8-shot config's shots)."""
    for stem in subsets:
        lang = stem.removeprefix("mgsm_")
        text = "".join(f"{lang} question {i}: 3 + {i}?\t{3 + i}\n" for i in range(8))
        write_mgsm(root, text, lang)


def mmlu_fixture(root: Path, subsets: Collection[str]) -> None:
    """MMLU's headerless dev (5 rows, the shots) and test CSVs per subject."""
    for name in subsets:
        texts = {
            split: _csv([[f"{name} {split} question {i}?", f"w{i}", f"x{i}", f"y{i}", f"z{i}",
                          letter(i)] for i in range(count)])
            for split, count in (("dev", 5), ("test", SUBSET_ROWS))
        }  # fmt: skip
        write_mmlu(root, name, texts)


def mmlu_pro_fixture(root: Path, subsets: Collection[str]) -> None:
    """MMLU-Pro's test and validation parquet files, every category in them: test rows with
    ten options, validation rows (5 a category, the shots) with a chain of thought."""
    test, validation = [], []
    for c, category in enumerate(sorted(subsets)):
        for i in range(SUBSET_ROWS):
            test.append(mmlu_pro_question(100 * c + i, category, [f"opt{x}" for x in range(10)],
                                          LETTERS[(i + 3) % 10],
                                          text=f"{category} question {i}?"))  # fmt: skip
        for i in range(5):
            validation.append(mmlu_pro_question(
                100 * c + 50 + i, category, ["2", "4"], "B",
                cot="A: Let's think step by step. The sum is 4. The answer is (B).",
                text=f"{category} shot {i}?"))  # fmt: skip
    write_mmlu_pro(root, test, validation)


def piqa_fixture(root: Path, subsets: Collection[str]) -> None:
    """PIQA's dev and train files with their labels."""
    dev = [{"id": f"d{i}", "goal": f"goal {i}", "sol1": f"first way {i}", "sol2": f"second way {i}"}
           for i in range(TEST_ROWS)]  # fmt: skip
    train = [{"id": "t1", "goal": "boil water", "sol1": "heat it", "sol2": "cool it"}]
    write_piqa(root, dev, train, "".join(f"{i % 2}\n" for i in range(TEST_ROWS)))


def race_fixture(root: Path, subsets: Collection[str]) -> None:
    """RACE's validation (5 lines, the shots) and test files for each level."""
    for level in subsets:
        offset = 100 if level == "middle" else 0
        write_race(root, {
            "validation": "".join(race_line(offset + i, letter(i), level=level) for i in range(5)),
            "test": "".join(race_line(offset + 10 + i, letter(i), level=level)
                            for i in range(TEST_ROWS)),
        }, name=level)  # fmt: skip


def siqa_fixture(root: Path, subsets: Collection[str]) -> None:
    """Social IQa's dev and train files with their 1-3 labels."""
    labels = "".join(f"{i % 3 + 1}\n" for i in range(TEST_ROWS))
    write_siqa(root, [siqa_row(i + 1) for i in range(TEST_ROWS)], [siqa_row(0)], labels)


def triviaqa_fixture(root: Path, subsets: Collection[str]) -> None:
    """TriviaQA's dev (alias lists, the configs' test split) and test (5 rows, the shots)."""
    dev = "".join(
        f"Trivia question {i}\t{[f'Answer {i}', f'Alias {i}']!r}\n" for i in range(TEST_ROWS)
    )
    test = "".join(f"Shot question {i}\t['Shot {i}']\n" for i in range(5))
    write_triviaqa(root, dev, test)


def winogrande_fixture(root: Path, subsets: Collection[str]) -> None:
    """WinoGrande's dev and train_xs (9 lines, the 5-shot config's shots 0, 2, ..., 8)."""
    dev = "".join(winogrande_line(f"Sentence {i}: _ won.", str(i % 2 + 1), f"d{i}")
                  for i in range(TEST_ROWS))  # fmt: skip
    train = "".join(winogrande_line(f"Shot {i}: _ lost.", str(i % 2 + 1), f"t{i}")
                    for i in range(9))  # fmt: skip
    write_winogrande(root, dev, train)


FIXTURES: dict[str, Fixture] = {
    "ARC_c": arc_fixture("ARC-c", "ARC-Challenge"),
    "ARC_e": arc_fixture("ARC-e", "ARC-Easy"),
    "SuperGLUE_BoolQ": boolq_fixture,
    "agieval": agieval_fixture,
    "aime2024": aime_fixture("aime/aime.jsonl", "origin_prompt", "gold_answer"),
    "aime2025": aime_fixture("aime2025/aime2025.jsonl", "question", "answer"),
    "aime2026": aime_fixture("aime2026/aime2026.jsonl", "problem", "answer"),
    "bbh": bbh_fixture,
    "ceval": ceval_fixture,
    "cmmlu": cmmlu_fixture,
    "dapo_math": dapo_fixture,
    "demo": gsm8k_fixture,
    "drop": drop_fixture,
    "gpqa": gpqa_fixture,
    "gsm8k": gsm8k_fixture,
    "hellaswag": hellaswag_fixture,
    "lambada": lambada_fixture,
    "longbenchv2": longbenchv2_fixture,
    "math": math_fixture,
    "mgsm": mgsm_fixture,
    "mmlu": mmlu_fixture,
    "mmlu_pro": mmlu_pro_fixture,
    "piqa": piqa_fixture,
    "race": race_fixture,
    "siqa": siqa_fixture,
    "triviaqa": triviaqa_fixture,
    "winogrande": winogrande_fixture,
}
"""The small dataset of each text family whose configs the corpus test runs."""
