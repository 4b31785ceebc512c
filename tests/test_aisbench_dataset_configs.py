"""AISBench 3.1's own dataset config files for the text families, after the one import rename.

Every ``.py`` file under ``configs/datasets/<family>/`` of the pinned wheel, for the 27 text
families below (``custom``'s configs are held in its own tests), is listed in `CONFIGS` with
what it must give:

- ``gen``: every dataset dict compiles, and the file runs through the accuracy engine against
  the simulator (a real HTTP server, one for the module) on the family's small dataset in its
  real layout (``tests/dataset_fixtures.py``), through the built-in ``vllm_chat`` (chat
  prompts) or ``vllm_completions`` (string prompts). It scores 100 % when the simulator states
  each sample's reference the way a model would (the family's `Answer` in `FAMILIES`) and 0 %
  when it states a wrong one.
- ``ppl``: the file loads; compiling it gives one ConfigError naming the likelihood mode, which
  is not provided yet.
- ``judge``: the file loads; compiling it gives one ConfigError naming the LLM judge.
- ``broken``: the file is broken in AISBench itself (`BROKEN` says why); it fails for that
  reason, unpatched.
- ``helper``: a module the family's other files import; it defines no dataset list.

With ``AISBENCH_DATASET_CONFIGS_RESULTS=<file>`` set, the results are written there as JSON;
``scripts/dataset_configs_table.py`` makes ``docs/dataset-configs.md`` from them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aisbench_corpus import WHEEL, Corpus, fetch_wheel
from dataset_fixtures import BBH_FREEFORM, CLOZE_AGIEVAL, FIXTURES, LETTERS

from conftest import REPO
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.config import ModelConfig
from pytest_aisbench.datasets import DatasetCatalog
from pytest_aisbench.datasets.base import Sample
from pytest_aisbench.datasets.config_files import read_dataset_file
from pytest_aisbench.datasets.mgsm import LANG_TO_ANSWER_PREFIX
from pytest_aisbench.datasets.openicl import compile_entry
from pytest_aisbench.engine.accuracy import Engine
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import BaseModel
from pytest_aisbench.records import SampleRecord
from pytest_aisbench.simulator import RunningSimulator, SimulatorConfig, running_simulator
from pytest_aisbench.utils.prompt import prompt_to_messages, prompt_to_text

DATASET_CONFIGS = "configs/datasets/"
RESULTS_ENV = "AISBENCH_DATASET_CONFIGS_RESULTS"

# config file (under configs/datasets/) -> gen | ppl | judge | broken | helper
CONFIGS: dict[str, str] = {
    "ARC_c/ARC_c_gen_0_shot_chat_prompt.py": "gen",
    "ARC_c/ARC_c_gen_25_shot_chat_prompt.py": "gen",
    "ARC_c/ARC_c_ppl_0_shot_str.py": "ppl",
    "ARC_e/ARC_e_gen_0_shot_chat_prompt.py": "gen",
    "ARC_e/ARC_e_gen_25_shot_chat_prompt.py": "gen",
    "ARC_e/ARC_e_ppl_0_shot_str.py": "ppl",
    "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen.py": "gen",
    "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen_0_shot_cot_str.py": "gen",
    "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen_0_shot_noncot_str.py": "gen",
    "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen_0_shot_str.py": "gen",
    "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen_0_shot_str_perf.py": "gen",
    "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen_5_shot_str.py": "gen",
    "agieval/agieval_gen_0_shot_chat_prompt.py": "gen",
    "aime2024/aime2024_gen.py": "gen",
    "aime2024/aime2024_gen_0_shot_chat_prompt.py": "gen",
    "aime2024/aime2024_gen_0_shot_str.py": "gen",
    "aime2025/aime2025_gen.py": "gen",
    "aime2025/aime2025_gen_0_shot_chat_prompt.py": "gen",
    "aime2025/aime2025_gen_0_shot_llmjudge.py": "judge",
    "aime2026/aime2026_gen.py": "gen",
    "aime2026/aime2026_gen_0_shot_chat_prompt.py": "gen",
    "aime2026/aime2026_gen_0_shot_str.py": "gen",
    "bbh/bbh_free_form_sets_lib_prompt.py": "helper",
    "bbh/bbh_gen.py": "gen",
    "bbh/bbh_gen_3_shot_cot_chat.py": "gen",
    "bbh/bbh_multiple_choice_sets_lib_prompt.py": "helper",
    "bbh/bbh_subset_settings.py": "helper",
    "ceval/ceval_gen.py": "gen",
    "ceval/ceval_gen_0_shot_cot_chat_prompt.py": "gen",
    "ceval/ceval_gen_0_shot_noncot_chat_prompt.py": "gen",
    "ceval/ceval_gen_0_shot_str.py": "gen",
    "ceval/ceval_gen_0_shot_str_perf.py": "gen",
    "ceval/ceval_gen_5_shot_str.py": "gen",
    "ceval/ceval_ppl_0_shot_str.py": "ppl",
    "cmmlu/cmmlu_gen_0_shot_cot_chat_prompt.py": "gen",
    "cmmlu/cmmlu_gen_5_shot_cot_chat_prompt.py": "gen",
    "cmmlu/cmmlu_ppl_0_shot_cot_chat_prompt.py": "ppl",
    "dapo_math/dapo_math_gen.py": "gen",
    "dapo_math/dapo_math_gen_0_shot_cot_str.py": "gen",
    "dapo_math/dapo_math_gen_0_shot_str.py": "gen",
    "demo/demo_gsm8k_gen_0_shot_cot_str_perf.py": "gen",
    "demo/demo_gsm8k_gen_4_shot_cot_chat_prompt.py": "gen",
    "drop/drop_gen_0_shot_str.py": "gen",
    "drop/drop_gen_3_shot_str.py": "gen",
    "gpqa/gpqa_gen.py": "gen",
    "gpqa/gpqa_gen_0_shot_cot_chat_prompt.py": "gen",
    "gpqa/gpqa_gen_0_shot_str.py": "gen",
    "gpqa/gpqa_ppl_0_shot_str.py": "ppl",
    "gsm8k/gsm8k_gen.py": "gen",
    "gsm8k/gsm8k_gen_0_shot_cot_chat_prompt.py": "gen",
    "gsm8k/gsm8k_gen_0_shot_cot_str.py": "gen",
    "gsm8k/gsm8k_gen_0_shot_cot_str_perf.py": "gen",
    "gsm8k/gsm8k_gen_0_shot_noncot_chat_prompt.py": "gen",
    "gsm8k/gsm8k_gen_4_shot_cot_chat_prompt.py": "gen",
    "gsm8k/gsm8k_gen_4_shot_cot_str.py": "gen",
    "hellaswag/hellaswag_gen_0_shot_chat_prompt.py": "gen",
    "hellaswag/hellaswag_gen_10_shot_chat_prompt.py": "gen",
    "hellaswag/hellaswag_ppl_0_shot_chat_prompt.py": "ppl",
    "lambada/lambada_gen.py": "gen",
    "lambada/lambada_gen_0_shot_chat.py": "gen",
    "lambada/lambada_gen_0_shot_str.py": "gen",
    "longbenchv2/longbenchv2_gen.py": "gen",
    "longbenchv2/longbenchv2_gen_75fbba.py": "gen",
    "math/math500_gen_0_shot_cot_chat_prompt.py": "gen",
    "math/math_prm800k_500_0shot_cot_gen.py": "gen",
    "math/math_prm800k_500_5shot_cot_gen.py": "gen",
    "mgsm/mgsm_gen_0_shot_cot_chat_prompt.py": "gen",
    "mgsm/mgsm_gen_8_shot_cot_chat_prompt.py": "gen",
    "mmlu/mmlu_gen.py": "gen",
    "mmlu/mmlu_gen_0_shot_cot_chat_prompt.py": "gen",
    "mmlu/mmlu_gen_5_shot_chat_prompt.py": "gen",
    "mmlu/mmlu_gen_5_shot_str.py": "gen",
    "mmlu/mmlu_ppl_0_shot_str.py": "ppl",
    "mmlu_pro/mmlu_pro_categories.py": "helper",
    "mmlu_pro/mmlu_pro_gen_0_shot_str.py": "gen",
    "mmlu_pro/mmlu_pro_gen_5_shot_str.py": "gen",
    "piqa/piqa_gen_0_shot_chat_prompt.py": "gen",
    "piqa/piqa_gen_0_shot_str.py": "gen",
    "piqa/piqa_ppl_0_shot_str.py": "ppl",
    "race/race_gen.py": "broken",
    "race/race_high_gen_5_shot_chat.py": "gen",
    "race/race_high_gen_5_shot_cot_chat.py": "gen",
    "race/race_middle_gen_5_shot_chat.py": "gen",
    "race/race_middle_gen_5_shot_cot_chat.py": "gen",
    "race/race_ppl_0_shot_chat.py": "ppl",
    "siqa/siqa_gen.py": "gen",
    "siqa/siqa_gen_0_shot_chat.py": "gen",
    "siqa/siqa_ppl_0_shot_chat.py": "ppl",
    "triviaqa/triviaqa_gen_5_shot_chat_prompt.py": "gen",
    "winogrande/winogrande_gen_0_shot_chat_prompt.py": "gen",
    "winogrande/winogrande_gen_5_shot_chat_prompt.py": "gen",
}
BROKEN = {
    "race/race_gen.py": (
        "race_high_5_shot_cot_chat",
        "imports .race_high_5_shot_cot_chat, which the wheel lacks "
        "(the file is race_high_gen_5_shot_cot_chat.py)",
    ),
}
"""AISBench's own broken files: (what the error names, why)."""
HELPERS = {
    "bbh/bbh_free_form_sets_lib_prompt.py": "the free-form tasks' prompts, imported by bbh_gen*",
    "bbh/bbh_multiple_choice_sets_lib_prompt.py": "the multiple-choice tasks' prompts, imported "
    "by bbh_gen*",
    "bbh/bbh_subset_settings.py": "BBH's task list, imported by bbh_gen*",
    "mmlu_pro/mmlu_pro_categories.py": "MMLU-Pro's category list, imported by mmlu_pro_gen*",
}
PPL_MESSAGE = (
    "key 'infer_cfg.inferencer': PPLInferencer: perplexity configs score each label's template "
    "by the prompt's log-probabilities, which pytest-aisbench does not ask servers for yet; use "
    "the family's gen config"
)
JUDGE_MESSAGE = "key 'judge_infer_cfg': needs an LLM judge, which pytest-aisbench does not run yet"


# -- how a model states an answer, per family ---------------------------------------------------

Answer = Callable[[Sample, bool], str]
"""How a model states its answer to one of a family's prompts: ``answer(sample, right)``, the
reference (right) or a wrong one, in the words the family's configs extract."""


def other_letter(letter: str, options: str = "ABCD") -> str:
    """A wrong option: the next letter of `options` after `letter`'s first one."""
    return options[(options.index(letter[0]) + 1) % len(options)]


def option_text(sample: Sample, letter: str, columns: str = "{}") -> str:
    """The text of option `letter` in the sample's row (``columns`` names its column)."""
    return str(sample.row.get(columns.format(letter), ""))


def the_answer_is(sample: Sample, right: bool, options: str = "ABCD") -> str:
    ref = str(sample.reference)
    return f"The answer is {ref if right else other_letter(ref, options)}."


def letter_and_text(columns: str, options: str = "ABCD") -> Answer:
    """``B. <option B's text>``: a bare-letter reply that first-capital extraction reads."""

    def answer(sample: Sample, right: bool) -> str:
        ref = str(sample.reference)
        chosen = ref if right else other_letter(ref, options)
        return f"{chosen}. {option_text(sample, chosen, columns)}"

    return answer


def answer_line(
    label: str, options: str = "ABCD", reasoning: str = "Let me think it through."
) -> Answer:
    """Reasoning, then ``<label>: B`` on the last line, as the configs' instructions ask."""

    def answer(sample: Sample, right: bool) -> str:
        ref = str(sample.reference)
        return f"{reasoning}\n{label}: {ref if right else other_letter(ref, options)}"

    return answer


def boxed(value: Any) -> str:
    return f"Step by step, the result follows.\nSo the final answer is $\\boxed{{{value}}}$."


def boolq(sample: Sample, right: bool) -> str:
    ref = str(sample.reference)
    chosen = ref if right else other_letter(ref, "AB")
    return f"{chosen}. {'Yes' if chosen == 'A' else 'No'}"


def agieval(sample: Sample, right: bool) -> str:
    ref = str(sample.reference)
    if sample.dataset.removeprefix("agieval-") in CLOZE_AGIEVAL:
        return boxed(ref if right else "99")
    return f"The answer is {ref if right else other_letter(ref, 'ABCDE')}"


def aime(sample: Sample, right: bool) -> str:
    return boxed(sample.reference if right else int(sample.reference) + 1)


def bbh(sample: Sample, right: bool) -> str:
    ref = str(sample.reference)
    stated = ref if right else "unknowable"
    if sample.dataset.removeprefix("bbh-") not in BBH_FREEFORM:
        # a multiple-choice task: the reference is the letter of the fixture's "(B)"
        stated = f"({ref if right else other_letter(ref)})"
    return f"Let's think step by step.\nSo the answer is {stated}."


def dapo(sample: Sample, right: bool) -> str:
    value = sample.reference if right else int(sample.reference) + 1
    return f"Adding up, it is $\\boxed{{{value}}}$.\nAnswer: {value}"


def drop(sample: Sample, right: bool) -> str:
    stated = str(sample.reference).split("|")[0] if right else "zebra"
    return f"Counting in the passage.\nAnswer: {stated}"


def gpqa(sample: Sample, right: bool) -> str:
    ref = str(sample.reference)
    chosen = ref if right else other_letter(ref)
    return f"The correct answer is ({chosen}).\nAnswer: {chosen}"


def gsm8k(sample: Sample, right: bool) -> str:
    value = sample.reference if right else int(sample.reference) + 1
    return f"Counting the nails step by step.\nThe answer is {value}"


def lambada(sample: Sample, right: bool) -> str:
    return f"{sample.reference if right else 'banana'}."


def longbenchv2(sample: Sample, right: bool) -> str:
    ref = str(sample.reference)
    return f"The correct answer is ({ref if right else other_letter(ref)})"


def math(sample: Sample, right: bool) -> str:
    # MATHDataset's reference is the boxed answer itself; MATH500's jsonl (CustomDataset) keeps
    # the whole solution as the reference and the answer in its own column
    return boxed(sample.row.get("answer", sample.reference) if right else "99")


def mgsm(sample: Sample, right: bool) -> str:
    word = LANG_TO_ANSWER_PREFIX[sample.dataset.removeprefix("mgsm_")]
    return f"3 + 4 = 7.\n{word}: {sample.reference if right else int(sample.reference) + 1}"


def mmlu_pro(sample: Sample, right: bool) -> str:
    ref = str(sample.reference)
    chosen = ref[0] if right else other_letter(ref, LETTERS)
    if ref.endswith("\n"):  # the 5-shot config's answer_string: it asks for the option alone
        return chosen
    return f"Let's think step by step.\nANSWER: {chosen}"


def siqa(sample: Sample, right: bool) -> str:
    ref = str(sample.reference["candidates"][sample.reference["label"]][1])
    chosen = ref if right else other_letter(ref, "ABC")
    return f"{chosen}. {option_text(sample, chosen, 'answer{}')}"


def triviaqa(sample: Sample, right: bool) -> str:
    aliases = sample.reference
    return f"The answer is {aliases[-1] if right else 'nobody at all'}."


FAMILIES: dict[str, Answer] = {
    "ARC_c": the_answer_is,
    "ARC_e": the_answer_is,
    "SuperGLUE_BoolQ": boolq,
    "agieval": agieval,
    "aime2024": aime,
    "aime2025": aime,
    "aime2026": aime,
    "bbh": bbh,
    # C-Eval's string configs read the first capital letter: the reasoning has none
    "ceval": answer_line("答案", reasoning="让我们一步一步地思考。"),
    "cmmlu": answer_line("答案", reasoning="让我们一步一步地思考。"),
    "dapo_math": dapo,
    "demo": gsm8k,
    "drop": drop,
    "gpqa": gpqa,
    "gsm8k": gsm8k,
    "hellaswag": the_answer_is,
    "lambada": lambada,
    "longbenchv2": longbenchv2,
    "math": math,
    "mgsm": mgsm,
    "mmlu": letter_and_text("{}"),
    "mmlu_pro": mmlu_pro,
    "piqa": answer_line("Answer", "AB"),
    "race": letter_and_text("{}"),
    "siqa": siqa,
    "triviaqa": triviaqa,
    "winogrande": answer_line("Answer", "AB"),
}
assert set(FAMILIES) == set(FIXTURES)

RESULTS: dict[str, dict[str, Any]] = {}
"""Each config file's result, for the compatibility table."""


def family_of(config: str) -> str:
    return config.split("/", 1)[0]


def mode_of(config: str) -> str:
    return CONFIGS[config]


def with_mode(mode: str) -> list[str]:
    return [c for c in CONFIGS if CONFIGS[c] == mode]


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(fetch_wheel())


@pytest.fixture(scope="module", autouse=True)
def _write_results() -> Iterator[None]:
    """Hand the results to ``scripts/dataset_configs_table.py`` when it asks for them."""
    yield
    target = os.environ.get(RESULTS_ENV)
    if target:
        written = {"wheel": WHEEL, "configs": RESULTS}
        Path(target).write_text(json.dumps(written, indent=1, sort_keys=True), encoding="utf-8")


@pytest.fixture(scope="module")
def tree(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The families' config folders, renamed, in their relative layout (``demo`` imports
    ``..gsm8k``); the folder holding them."""
    root = tmp_path_factory.mktemp("aisbench_dataset_configs")
    for family in sorted({family_of(c) for c in CONFIGS}):
        for path in corpus.under(DATASET_CONFIGS + family + "/"):
            target = root / path.removeprefix(DATASET_CONFIGS)
            target.parent.mkdir(parents=True, exist_ok=True)
            corpus.write(path, target.parent)
    return root


@pytest.fixture(scope="module")
def datasets_dir(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every family's small dataset, with each subset its gen configs name."""
    root = tmp_path_factory.mktemp("aisbench_datasets")
    for family, write in FIXTURES.items():
        subsets: set[str] = set()
        for config in CONFIGS:
            if family_of(config) == family and mode_of(config) == "gen":
                for item in read_dataset_file(tree / config):
                    entry = item.entry
                    subsets.add(
                        entry.get("name") or entry.get("category") or Path(entry["path"]).stem
                    )
        write(root, subsets)
    return root


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    with running_simulator(SimulatorConfig(max_model_len=SIM_CONTEXT)) as running:
        yield running


SIM_CONTEXT = 65536
"""The simulator's context window: BBH's three worked examples make long prompts."""


@dataclass(frozen=True)
class Backend:
    """A built-in backend pointed at the simulator, and its built object (whose template
    parser says what the simulator will see)."""

    config: ModelConfig
    model: BaseModel
    chat: bool

    def seen(self, prompt: Any) -> str:
        """The text the simulator chooses its reply by: the last user message of a chat
        request, or the whole prompt of a completion."""
        parsed = self.model.parse_template(prompt, mode="gen")
        if not self.chat:
            return prompt_to_text(parsed)
        users = [m["content"] for m in prompt_to_messages(parsed) if m["role"] == "user"]
        return str(users[-1]) if users else ""


@pytest.fixture(scope="module")
def backends(sim: RunningSimulator) -> dict[bool, Backend]:
    """``vllm_chat`` for chat prompts (True), ``vllm_completions`` for strings (False)."""
    made = {}
    for chat, name in ((True, "vllm_chat"), (False, "vllm_completions")):
        (config,) = load_backend_file(
            REPO / "backends" / f"{name}.py",
            [("url", sim.url), ("model", "sim-model"), ("retry", 0), ("batch_size", 32)],
        )
        made[chat] = Backend(config, config.build(), chat)
    return made


# -- the tests ----------------------------------------------------------------------------------


def test_the_pinned_wheel_ships_the_files_listed_here(corpus: Corpus) -> None:
    families = sorted({family_of(c) for c in CONFIGS})
    shipped = [
        p.removeprefix(DATASET_CONFIGS)
        for family in families
        for p in corpus.under(DATASET_CONFIGS + family + "/")
    ]
    assert shipped == sorted(CONFIGS)
    assert families == sorted(FAMILIES)
    assert set(BROKEN) == set(with_mode("broken")) and set(HELPERS) == set(with_mode("helper"))


@pytest.mark.parametrize("config", with_mode("ppl"))
def test_likelihood_configs_load_and_name_the_mode_not_provided(
    tree: Path, datasets_dir: Path, config: str
) -> None:
    file = tree / config
    entries = read_dataset_file(file)
    assert entries
    for entry in entries:  # each dict on its own names the mode
        with pytest.raises(ConfigError) as info:
            compile_entry(entry, file.stem)
        assert str(info.value) == f"{entry.source}: {PPL_MESSAGE}"
    # selecting the file is one error: the first dict's
    with pytest.raises(ConfigError) as info:
        DatasetCatalog([tree], datasets_dir).configs(file.stem)
    assert str(info.value) == f"{entries[0].source}: {PPL_MESSAGE}"
    RESULTS[config] = {"mode": "ppl", "result": "refused", "detail": PPL_MESSAGE,
                       "datasets": len(entries)}  # fmt: skip


@pytest.mark.parametrize("config", with_mode("judge"))
def test_llm_judge_configs_load_and_are_refused(tree: Path, config: str) -> None:
    file = tree / config
    entries = read_dataset_file(file)
    assert entries
    for entry in entries:
        with pytest.raises(ConfigError) as info:
            compile_entry(entry, file.stem)
        assert str(info.value) == f"{entry.source}: {JUDGE_MESSAGE}"
    RESULTS[config] = {"mode": "judge", "result": "refused", "detail": JUDGE_MESSAGE,
                       "datasets": len(entries)}  # fmt: skip


@pytest.mark.parametrize("config", with_mode("broken"))
def test_configs_broken_in_aisbench_fail_for_their_reason(tree: Path, config: str) -> None:
    missing, why = BROKEN[config]
    with pytest.raises(ConfigError) as info:
        read_dataset_file(tree / config)
    message = str(info.value)
    assert message.startswith(f"{tree / config}: failed to import:"), message
    assert re.search(rf"ModuleNotFoundError: No module named '[\w.]+\.{missing}'$", message), (
        message
    )
    RESULTS[config] = {"mode": "gen", "result": "broken", "detail": why}


@pytest.mark.parametrize("config", with_mode("helper"))
def test_helper_modules_define_no_dataset_list(tree: Path, config: str) -> None:
    with pytest.raises(ConfigError, match="defines no list whose name ends in '_datasets'"):
        read_dataset_file(tree / config)
    RESULTS[config] = {"mode": "helper", "result": "helper", "detail": HELPERS[config]}


@pytest.mark.parametrize("config", with_mode("gen"))
def test_generation_configs_score_100_gold_and_0_wrong(
    tree: Path,
    datasets_dir: Path,
    sim: RunningSimulator,
    backends: dict[bool, Backend],
    config: str,
) -> None:
    file = tree / config
    entries = read_dataset_file(file)
    catalog = DatasetCatalog([tree], datasets_dir)
    configs = catalog.configs(file.stem)
    assert [c.abbr for c in configs] == [compile_entry(e, file.stem).abbr for e in entries]
    samples = {c.abbr: catalog.samples(c) for c in configs}
    assert all(samples.values()), {abbr: len(s) for abbr, s in samples.items()}
    kinds = {isinstance(s.prompt, str) for ss in samples.values() for s in ss}
    assert len(kinds) == 1
    backend = backends[not kinds.pop()]
    answer = FAMILIES[family_of(config)]
    accuracy = {}
    for right in (True, False):
        records = run(catalog, samples, backend, sim, answer, right)
        wanted = "correct" if right else "incorrect"
        wrong = [r for r in records if r.outcome != wanted]
        assert not wrong, [(r.dataset, r.index, r.outcome, r.prediction, r.extracted,
                            r.reference, r.error) for r in wrong[:3]]  # fmt: skip
        accuracy[right] = 100 * sum(r.outcome == "correct" for r in records) / len(records)
    RESULTS[config] = {
        "mode": "gen",
        "result": "runs",
        "datasets": len(configs),
        "samples": sum(len(s) for s in samples.values()),
        "backend": backend.config.abbr,
        "gold": accuracy[True],
        "wrong": accuracy[False],
    }


def run(
    catalog: DatasetCatalog,
    samples: dict[str, list[Sample]],
    backend: Backend,
    sim: RunningSimulator,
    answer: Answer,
    right: bool,
) -> list[SampleRecord]:
    """Every sample through the engine, the simulator stating the right answer to each prompt
    (or a wrong one) as `answer` says a model would."""
    replies: dict[str, str] = {}
    for group in samples.values():
        for sample in group:
            seen, text = backend.seen(sample.prompt), answer(sample, right)
            assert replies.setdefault(seen, text) == text, f"two samples share a prompt: {seen!r}"
    sim.config.reset(max_model_len=SIM_CONTEXT, responder=replies.get)
    model = backend.config.abbr
    plan = {(model, abbr): list(range(len(group))) for abbr, group in samples.items()}
    engine = Engine([backend.config], catalog, plan)
    try:
        return [engine.record(model, abbr, i) for abbr, group in samples.items()
                for i in range(len(group))]  # fmt: skip
    finally:
        engine.close()
