"""GSM8K: grade-school math word problems, 4-shot chain of thought, as AISBench configures it.

What AISBench (github.com/AISBench/benchmark) has, from its ``configs/datasets/gsm8k`` and
``configs/datasets/demo`` READMEs and sibling configs (the gsm8k ``.py`` files themselves were
not in the searchable index):

- ``gsm8k_gen_4_shot_cot_chat_prompt`` (chat turns) and ``gsm8k_gen_4_shot_cot_str`` (one
  string), both abbr ``gsm8k``; ``demo/demo_gsm8k_gen_4_shot_cot_chat_prompt`` is the chat
  config on the first 8 test questions with abbr ``demo_gsm8k`` (AISBench builds demos as
  ``abbr = 'demo_' + abbr`` and ``test_range = '[0:8]'``). AISBench ships no 4-shot string demo;
  ``demo_gsm8k_gen_4_shot_cot_str`` follows the same demo rule. The string configs get the abbrs
  ``gsm8k_str``/``demo_gsm8k_str`` here, not AISBench's shared ``gsm8k``, because a sample is
  identified by (abbr, index) and the two prompt styles must not collide.
- max_out_len: OpenCompass's ``gsm8k_gen_1d7fe4`` sets ``GenInferencer(max_out_len=512)``;
  AISBench's dataset configs leave the inferencer bare (``GenInferencer()``) and take the output
  limit from the model config (``vllm_api_general_chat``: 2048). So these configs set none and
  the backend's ``max_out_len`` applies, as in AISBench.
- The shots are OpenCompass's ``gsm8k_gen_1d7fe4`` ones (Angelo & Melanie -> 4, Mark's
  basketball -> 201, Bella's marbles -> 140, fruit baskets -> 146): GSM8K train lines 7365,
  1709, 670 and 6725, with the ``<<...>>`` calculator notes removed and ``#### N`` written as
  ``The answer is N`` plus a newline, exactly as that config's BOT turns read. Its string form is
  the turns joined by newlines, which is what OpenCompass sends for that config to a model
  without a meta template (and the form of AISBench's string templates).
- ``gsm8k_gen_0_shot_cot_chat_prompt`` (and its 8-question demo): AISBench's one instruction
  turn, no examples (abbrs ``gsm8k_0_shot``/``demo_gsm8k_0_shot``); about 100 tokens a prompt
  instead of 1,500, so small models on a CPU answer in seconds.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pytest_aisbench.datasets.base import DatasetConfig, Sample
from pytest_aisbench.errors import DatasetError
from pytest_aisbench.utils.prompt import PromptList, PromptType

GSM8K_FOLDER = "gsm8k"
SHOT_LINES = (7365, 1709, 670, 6725)
"""1-based lines of train.jsonl holding the four worked examples, in prompt order."""
DEMO_SIZE = 8
QUESTION_TEMPLATE = "Question: {question}\nLet's think step by step\nAnswer:"
ZERO_SHOT_TEMPLATE = (
    "Answer the following question.The last line of the response should follow this format: "
    '"answer:$ANSWER" (without quotes), where ANSWER is a number. Let\'s think step by step.'
    "\n\nQuestion: {question}"
)
"""AISBench's ``gsm8k_gen_0_shot_cot_chat_prompt`` turn, as it reads there (its missing space
after the first period included): a short prompt, for quick runs of small models."""
FINAL_MARK = "#### "
HOW_TO_GET = (
    "GSM8K is published by OpenAI at https://github.com/openai/grade-school-math "
    "(grade_school_math/data/train.jsonl and test.jsonl); put both files in a gsm8k/ folder "
    "and point --aisbench-datasets-dir or AISBENCH_DATASETS_DIR at the folder holding gsm8k/"
)

_CALCULATOR_NOTE = re.compile(r"<<.*?>>")
# A number with thousands separators first (so "70,000" is one number), then a plain one;
# a decimal point counts only when digits follow it, so a sentence's final period is left out.
_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Problem:
    """One GSM8K line: the question and its worked solution ending in ``#### N``."""

    question: str
    solution: str


@functools.cache
def read_problems(path: Path) -> tuple[Problem, ...]:
    """The problems in a GSM8K JSONL file; cached per path, since every config reads the same two.

    Raises `DatasetError` naming the file (and line) when it is missing or a line is malformed.
    """
    try:
        with path.open("rb") as lines:
            problems = tuple(
                _parse_line(raw, path, line_no)
                for line_no, raw in enumerate(lines, start=1)
                if raw.strip()
            )
    except FileNotFoundError:
        raise DatasetError(f"GSM8K file not found: {path.absolute()}. {HOW_TO_GET}") from None
    except OSError as exc:
        raise DatasetError(f"cannot read GSM8K file {path.absolute()}: {exc}") from None
    if not problems:
        raise DatasetError(f"GSM8K file {path.absolute()} holds no samples (no non-empty line)")
    return problems


def _parse_line(raw: bytes, path: Path, line_no: int) -> Problem:
    """One JSONL line as a `Problem`; any defect is reported with its file and line."""
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise _line_error(path, line_no, f"not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise _line_error(path, line_no, "expected a JSON object")
    for key in ("question", "answer"):
        if not isinstance(record.get(key), str):
            raise _line_error(path, line_no, f"{key!r} is missing or not a string")
    if FINAL_MARK not in record["answer"]:
        raise _line_error(path, line_no, f"'answer' has no final {FINAL_MARK.strip()!r} line")
    return Problem(question=record["question"], solution=record["answer"])


def _line_error(path: Path, line_no: int, what: str) -> DatasetError:
    """An error pointing at one line, so a bad download or edit is found at once."""
    return DatasetError(f"{path.absolute()}, line {line_no}: {what}")


def reference_answer(solution: str) -> str:
    """The final answer of a solution: the text after ``#### ``, without thousands separators."""
    return solution.rsplit(FINAL_MARK, 1)[-1].strip().replace(",", "")


def solution_to_cot(solution: str) -> str:
    """A solution as a worked example: no calculator notes, ``#### N`` as ``The answer is N``."""
    steps, _, final = solution.rpartition(FINAL_MARK)
    return f"{_CALCULATOR_NOTE.sub('', steps)}The answer is {final.strip()}\n"


@functools.cache
def few_shot_turns(train_path: Path) -> tuple[tuple[str, str], ...]:
    """The four worked examples as (HUMAN, BOT) prompt pairs, read from GSM8K's train split."""
    problems = read_problems(train_path)
    if len(problems) < max(SHOT_LINES):
        raise DatasetError(
            f"{train_path.absolute()} has {len(problems)} problems; the few-shot examples need "
            f"line {max(SHOT_LINES)}. {HOW_TO_GET}"
        )
    shots = (problems[line - 1] for line in SHOT_LINES)
    return tuple(
        (QUESTION_TEMPLATE.format(question=shot.question), solution_to_cot(shot.solution))
        for shot in shots
    )


def build_prompt(
    question: str,
    shots: tuple[tuple[str, str], ...],
    chat: bool,
    template: str = QUESTION_TEMPLATE,
) -> PromptType:
    """The prompt for one question: the worked examples, then the question in `template`; chat
    turns, or the same turns joined as one string."""
    prompt = PromptList()
    for human, bot in shots:
        prompt.append({"role": "HUMAN", "prompt": human})
        prompt.append({"role": "BOT", "prompt": bot})
    prompt.append({"role": "HUMAN", "prompt": template.format(question=question)})
    return prompt if chat else prompt.to_text()


def load_samples(
    datasets_dir: Path, *, abbr: str, chat: bool, limit: int | None, few_shot: bool = True
) -> list[Sample]:
    """The first `limit` (all when None) GSM8K test questions as samples of dataset `abbr`."""
    folder = Path(datasets_dir) / GSM8K_FOLDER
    shots = few_shot_turns(folder / "train.jsonl") if few_shot else ()
    template = QUESTION_TEMPLATE if few_shot else ZERO_SHOT_TEMPLATE
    problems = read_problems(folder / "test.jsonl")[:limit]
    return [
        Sample(
            dataset=abbr,
            index=index,
            prompt=build_prompt(problem.question, shots, chat, template),
            reference=reference_answer(problem.solution),
        )
        for index, problem in enumerate(problems)
    ]


def extract_answer(text: str) -> str | None:
    """The last number before any follow-on ``Question:``, without commas; None if there is none.

    Unlike OpenCompass's ``gsm8k_postprocess`` it reads ``$70,000`` as 70000, not 000.
    """
    numbers = _NUMBER.findall(text.split("Question:", 1)[0])
    return numbers[-1].replace(",", "") if numbers else None


def answers_match(pred: str, ref: str) -> bool:
    """Numeric equality within 1e-6 (``18.00`` matches ``18``); plain string equality otherwise."""
    try:
        return abs(float(pred) - float(ref)) < 1e-6
    except ValueError:
        return pred == ref


def _config(
    name: str, abbr: str, *, chat: bool, limit: int | None, few_shot: bool = True
) -> DatasetConfig:
    """One named config; they differ only in prompt style, shots and how many questions."""
    return DatasetConfig(
        name=name,
        abbr=abbr,
        path=GSM8K_FOLDER,
        load=functools.partial(load_samples, abbr=abbr, chat=chat, limit=limit, few_shot=few_shot),
        extract=extract_answer,
        compare=lambda extracted, sample: answers_match(extracted, sample.reference),
    )


GSM8K_CONFIGS: tuple[DatasetConfig, ...] = (
    _config("demo_gsm8k_gen_4_shot_cot_chat_prompt", "demo_gsm8k", chat=True, limit=DEMO_SIZE),
    _config("gsm8k_gen_4_shot_cot_chat_prompt", "gsm8k", chat=True, limit=None),
    _config("demo_gsm8k_gen_4_shot_cot_str", "demo_gsm8k_str", chat=False, limit=DEMO_SIZE),
    _config("gsm8k_gen_4_shot_cot_str", "gsm8k_str", chat=False, limit=None),
    _config("demo_gsm8k_gen_0_shot_cot_chat_prompt", "demo_gsm8k_0_shot", chat=True,
            limit=DEMO_SIZE, few_shot=False),
    _config("gsm8k_gen_0_shot_cot_chat_prompt", "gsm8k_0_shot", chat=True, limit=None,
            few_shot=False),
)  # fmt: skip


def gold_reply(prompt_text: str, datasets_dir: Path) -> str | None:
    """What a perfect model answers: the reference chain of thought of the prompt's last question.

    Backs the "gold" checks of a whole suite (every sample must come out correct), which a
    small real model's near-zero accuracy cannot give.
    """
    last = prompt_text.rsplit("Question: ", 1)[-1]
    question = last.split("\nLet's think step by step", 1)[0]
    solutions = _solutions_by_question(Path(datasets_dir) / GSM8K_FOLDER / "test.jsonl")
    solution = solutions.get(question)
    return None if solution is None else solution_to_cot(solution)


@functools.cache
def _solutions_by_question(path: Path) -> dict[str, str]:
    return {problem.question: problem.solution for problem in read_problems(path)}
