"""GSM8K: the built-in config files (shots, prompts, demos), the dataset class, the answer
extraction and evaluator, and the errors a bad dataset gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_fixtures import write_gsm8k

from conftest import DATASETS_DIR
from pytest_aisbench.datasets import DatasetConfig, get_dataset_config
from pytest_aisbench.datasets.gsm8k import (
    Gsm8kEvaluator,
    answers_match,
    extract_answer,
    gsm8k_dataset_postprocess,
    gsm8k_postprocess,
    read_problems,
    reference_answer,
    solution_to_cot,
)
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.openicl.icl_evaluator import judge
from pytest_aisbench.utils.prompt import PromptList

SOLUTION = (
    "She earns 7 * $10,000 = $<<7*10000=70000>>70,000.\n"
    "He has 70000-10=<<70000-10=69990>>69990\n"
    "#### 70,000"
)


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """The datasets directory; the data is not shipped with the repository, so skip without it."""
    path = DATASETS_DIR
    if not (path / "gsm8k" / "test.jsonl").is_file():
        pytest.skip(f"GSM8K not found under {path}; set AISBENCH_DATASETS_DIR")
    return path


NAMES = (
    "demo_gsm8k_gen_4_shot_cot_chat_prompt",
    "gsm8k_gen_4_shot_cot_chat_prompt",
    "demo_gsm8k_gen_4_shot_cot_str",
    "gsm8k_gen_4_shot_cot_str",
    "demo_gsm8k_gen_0_shot_cot_chat_prompt",
    "gsm8k_gen_0_shot_cot_chat_prompt",
)


def config(name: str) -> DatasetConfig:
    """The built-in GSM8K config file called `name`, compiled."""
    return get_dataset_config(name)


def shots(data_dir: Path) -> list[tuple[str, str]]:
    """The 4-shot chat config's worked examples, as (HUMAN, BOT) prompt pairs."""
    prompt = config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)[0].prompt
    assert isinstance(prompt, PromptList)
    turns = prompt.turns()
    return [(turns[i]["prompt"], turns[i + 1]["prompt"]) for i in range(0, 8, 2)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He made a profit of $70,000", "70000"),
        ("The total is 1,234.5 dollars", "1234.5"),
        ("Over 12 days it changed by -7", "-7"),
        ("Each costs 3.75 and 2 of them cost 7.5", "7.5"),
        ("It drops to -3.5 degrees", "-3.5"),
        ("So the answer is 42.", "42"),
        ("The answer is 1,450,000.", "1450000"),
        ("3 + 4 = 7\nThe answer is 7\n\nQuestion: Tom has 12 apples and 5 pears", "7"),
        ("I cannot tell from the question.", None),
        ("", None),
    ],
)
def test_extract_answer(text: str, expected: str | None) -> None:
    assert extract_answer(text) == expected


def test_extract_answer_ignores_numbers_only_after_question() -> None:
    assert extract_answer("No idea.\nQuestion: What is 5 + 5?") is None


@pytest.mark.parametrize(
    ("pred", "ref", "expected"),
    [("18", "18", True), ("18.00", "18", True), ("18.0000001", "18", True), ("17", "18", False)],
)
def test_answers_match_numbers(pred: str, ref: str, expected: bool) -> None:
    assert answers_match(pred, ref) is expected


def test_answers_match_falls_back_to_strings() -> None:
    assert answers_match("NULL", "NULL") is True
    assert answers_match("NULL", "18") is False


def test_reference_answer_drops_commas() -> None:
    assert reference_answer(SOLUTION) == "70000"
    assert reference_answer("Janet sells 9 eggs.\n#### 18") == "18"
    assert reference_answer("It falls.\n#### -3") == "-3"


def test_solution_to_cot_removes_notes_and_states_answer() -> None:
    assert solution_to_cot(SOLUTION) == (
        "She earns 7 * $10,000 = $70,000.\nHe has 70000-10=69990\nThe answer is 70,000\n"
    )


def test_shots_are_opencompass_train_examples(data_dir: Path) -> None:
    pairs = shots(data_dir)
    assert [human.split("\n")[0][:40] for human, _ in pairs] == [
        "Question: Angelo and Melanie want to pla",
        "Question: Mark's basketball team scores ",
        "Question: Bella has two times as many ma",
        "Question: A group of 4 fruit baskets con",
    ]
    assert [bot.rstrip("\n").rsplit("\n", 1)[-1] for _, bot in pairs] == [
        "The answer is 4",
        "The answer is 201",
        "The answer is 140",
        "The answer is 146",
    ]
    assert all(human.endswith("\nLet's think step by step\nAnswer:") for human, _ in pairs)
    assert not any("<<" in bot or ">>" in bot or "####" in bot for _, bot in pairs)


def test_first_shot_reads_as_in_opencompass(data_dir: Path) -> None:
    _, bot = shots(data_dir)[0]
    assert bot.startswith(
        "Angelo and Melanie think they should dedicate 3 hours to each of the 2 chapters, "
        "3 hours x 2 chapters = 6 hours total.\n"
    )
    assert bot.endswith(
        "15 hours / 4 hours each day = 3.75\nThey will need to plan to study 4 days to allow "
        "for all the time they need.\nThe answer is 4\n"
    )


def test_last_shot_matches_opencompass_text(data_dir: Path) -> None:
    _, bot = shots(data_dir)[3]
    assert bot == (
        "For the first three baskets, the number of apples and oranges in one basket is 9+15=24\n"
        "In total, together with bananas, the number of fruits in one basket is 24+14=38 for "
        "the first three baskets.\n"
        "Since there are three baskets each having 38 fruits, there are 3*38=114 fruits in the "
        "first three baskets.\n"
        "The number of apples in the fourth basket is 9-2=7\n"
        "There are also 15-2=13 oranges in the fourth basket\n"
        "The combined number of oranges and apples in the fourth basket is 13+7=20\n"
        "The fourth basket also contains 14-2=12 bananas.\n"
        "In total, the fourth basket has 20+12=32 fruits.\n"
        "The four baskets together have 32+114=146 fruits.\n"
        "The answer is 146\n"
    )


def test_config_names_and_abbrs() -> None:
    assert [(c.name, c.abbr, c.path, c.max_out_len, c.stop_words) for c in map(config, NAMES)] == [
        (name, abbr, "ais_bench/datasets/gsm8k", None, ())
        for name, abbr in zip(
            NAMES,
            ("demo_gsm8k", "gsm8k", "demo_gsm8k_str", "gsm8k_str", "demo_gsm8k_0_shot",
             "gsm8k_0_shot"),
            strict=True,
        )
    ]  # fmt: skip


def test_the_zero_shot_demo_is_one_instruction_turn_per_question(data_dir: Path) -> None:
    samples = config("demo_gsm8k_gen_0_shot_cot_chat_prompt").load(data_dir)
    four_shot = config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)
    assert [s.reference for s in samples] == [s.reference for s in four_shot]
    assert isinstance(samples[0].prompt, PromptList)
    turns = samples[0].prompt.turns()
    assert [t["role"] for t in turns] == ["HUMAN"]
    assert turns[0]["prompt"].startswith("Answer the following question.The last line")
    assert turns[0]["prompt"].endswith(
        f"Question: {read_problems(data_dir / 'gsm8k' / 'test.jsonl')[0].question}"
    )


def test_demo_chat_config_loads_first_eight(data_dir: Path) -> None:
    samples = config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)
    test_file = data_dir / "gsm8k" / "test.jsonl"
    expected = [
        json.loads(line)["answer"].rsplit("#### ", 1)[1].replace(",", "")
        for line in test_file.read_text().splitlines()[:8]
    ]
    assert [s.index for s in samples] == list(range(8))
    assert {s.dataset for s in samples} == {"demo_gsm8k"}
    assert [s.reference for s in samples] == expected
    assert samples[0].reference == "18"
    assert samples[2].reference == "70000"


def test_chat_prompt_shape(data_dir: Path) -> None:
    prompt = config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)[0].prompt
    assert isinstance(prompt, PromptList)
    turns = prompt.turns()  # between the round section's markers, as AISBench writes them
    assert [turn["role"] for turn in turns] == ["HUMAN", "BOT"] * 4 + ["HUMAN"]
    assert turns[-1]["prompt"].startswith("Question: Janet\u2019s ducks lay 16 eggs per day.")
    assert turns[-1]["prompt"].endswith("farmers' market?\nLet's think step by step\nAnswer:")
    assert [prompt[0], prompt[-1]] == [
        {"section": "round", "pos": "begin"},
        {"section": "round", "pos": "end"},
    ]


def test_str_prompt_is_the_chat_turns_joined(data_dir: Path) -> None:
    chat = config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)[0]
    text = config("demo_gsm8k_gen_4_shot_cot_str").load(data_dir)[0]
    assert isinstance(chat.prompt, PromptList)
    assert isinstance(text.prompt, str)
    assert text.dataset == "demo_gsm8k_str"
    assert text.prompt == chat.prompt.to_text()
    assert "The answer is 4\n\nQuestion: Mark's basketball team" in text.prompt
    assert text.prompt.endswith("farmers' market?\nLet's think step by step\nAnswer:")


def test_full_configs_load_all_test_questions(data_dir: Path) -> None:
    for name in ("gsm8k_gen_4_shot_cot_chat_prompt", "gsm8k_gen_4_shot_cot_str"):
        samples = config(name).load(data_dir)
        assert len(samples) == 1319
        assert [s.index for s in samples] == list(range(1319))
    assert samples[146].reference == "2125"
    assert samples[611].reference == "1450000"


def test_loading_twice_reuses_the_parse(data_dir: Path) -> None:
    config("gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)
    hits = read_problems.cache_info().hits
    config("gsm8k_gen_4_shot_cot_str").load(data_dir)
    assert read_problems.cache_info().hits > hits


def test_samples_do_not_share_prompt_turns(data_dir: Path) -> None:
    first, second = config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)[:2]
    assert isinstance(first.prompt, PromptList) and isinstance(second.prompt, PromptList)
    first.prompt[1]["prompt"] = "changed"
    assert second.prompt[1]["prompt"].startswith("Question: Angelo and Melanie")


def test_gold_solutions_extract_to_their_references(data_dir: Path) -> None:
    """Canary: every reference solution, as a model would write it, must score as correct."""
    problems = read_problems(data_dir / "gsm8k" / "test.jsonl")
    samples = config("gsm8k_gen_4_shot_cot_chat_prompt").load(data_dir)
    wrong = {}
    for problem, sample in zip(problems, samples, strict=True):
        extracted = extract_answer(solution_to_cot(problem.solution))
        if extracted is None or not answers_match(extracted, sample.reference):
            wrong[sample.index] = (extracted, sample.reference)
    assert len(samples) == 1319
    assert wrong == {}


@pytest.mark.parametrize(
    ("bad_line", "what"),
    [
        ('{"question": "How many?", "answer": "#### 3"', "not valid JSON"),
        ('{"answer": "2 + 1 = 3\\n#### 3"}', "'question' is missing or not a string"),
        ('{"question": "How many?"}', "'answer' is missing or not a string"),
        ('{"question": 7, "answer": "#### 3"}', "'question' is missing or not a string"),
        ('{"question": "How many?", "answer": "It is 3"}', "no final '####' line"),
        ('["How many?", "#### 3"]', "expected a JSON object"),
    ],
)
def test_malformed_line_names_file_and_line(
    tmp_path: Path, data_dir: Path, bad_line: str, what: str
) -> None:
    good = json.dumps({"question": "How many?", "answer": "1 + 1 = 2\n#### 2"})
    folder = write_gsm8k(tmp_path, [good, good, bad_line])
    with pytest.raises(DatasetError) as info:
        config("gsm8k_gen_4_shot_cot_chat_prompt").load(folder)
    message = str(info.value)
    assert str(tmp_path / "gsm8k" / "test.jsonl") in message
    assert "line 3" in message
    assert what in message


def test_a_missing_gsm8k_folder_names_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as info:
        config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(tmp_path)
    message = str(info.value)
    assert f"{tmp_path / 'gsm8k'} or {tmp_path / 'ais_bench/datasets/gsm8k'}" in message
    assert "key 'path' 'ais_bench/datasets/gsm8k'" in message
    assert "AISBENCH_DATASETS_DIR" in message and "AIS_BENCH_DATASETS_CACHE" in message


def test_a_missing_split_names_the_file_and_where_gsm8k_is_published(tmp_path: Path) -> None:
    (tmp_path / "gsm8k").mkdir()
    with pytest.raises(DatasetError) as info:
        config("demo_gsm8k_gen_4_shot_cot_chat_prompt").load(tmp_path)
    assert str(tmp_path / "gsm8k" / "train.jsonl") in str(info.value)
    assert "github.com/openai/grade-school-math" in str(info.value)


def test_aisbench_s_tree_under_the_datasets_folder_is_found(tmp_path: Path) -> None:
    """A user who keeps AISBench's layout (<folder>/ais_bench/datasets/gsm8k) needs no move."""
    tree = tmp_path / "ais_bench" / "datasets"
    write_gsm8k(tree, [json.dumps({"question": "How many?", "answer": "1 + 1 = 2\n#### 2"})])
    (sample,) = config("gsm8k_gen_0_shot_cot_chat_prompt").load(tmp_path)
    assert (sample.index, sample.reference) == (0, "2")


def test_postprocessors_and_evaluator_score_as_the_config_says() -> None:
    assert gsm8k_dataset_postprocess(SOLUTION) == "70000"
    assert gsm8k_postprocess("so 9 * 2 = 18.\nQuestion: next one has 5") == "18"
    assert gsm8k_postprocess("no number here") == ""
    result = Gsm8kEvaluator().score(["18.00", "17", ""], ["18", "18", "3"])
    assert result["accuracy"] == pytest.approx(100 / 3)
    assert [d["correct"] for d in result["details"]] == [True, False, False]
    assert judge(Gsm8kEvaluator(), "18", "18", {}).correct
