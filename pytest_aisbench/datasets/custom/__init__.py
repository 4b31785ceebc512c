"""AISBench's custom datasets: a ``.jsonl`` or ``.csv`` file of questions, run without writing a
dataset config, as AISBench's ``--custom-dataset-path`` runs it.

Three ways in:

- `custom_dataset_configs` (``DatasetCatalog.custom``): a data file's path, relative to the
  current folder as AISBench's command line reads it, and optional overrides;
- AISBench's documented dict form inside a dataset config file, ``dict(path="x/qa.jsonl",
  data_type="qa")`` without ``abbr``/``type`` (AISBench documents it but does not wire it):
  `compile_custom_entry`, through the one hook in `openicl.compile_entry`; its relative
  ``path`` resolves under the datasets folder like every config's;
- a full openicl config naming `CustomDataset` and `OptionSimAccEvaluator`, as AISBench's
  ``configs/datasets/custom/custom_{mcq,qa}_gen.py`` do.

The config is made as AISBench's ``parse_example_dataset`` makes it, from the **first record**
only: options are the consecutive single-letter columns ``A``, ``B``, ... of that record
(stopping at the first gap); two or more make it multiple-choice (``mcq``), else
question-answer (``qa``); ``data_type`` and ``options`` override that. ``input_columns`` are
``question`` and ``max_out_len``; ``answer`` is the output column when the first record has it;
``abbr`` is the file name up to its first '.'. Templates: ``"Question: {question}\\nA. {A}\\n
...\\nAnswer: {answer}"`` for mcq, ``"Question: {question}\\nAnswer: {answer}"`` for qa. A
dict may also carry ``template``, ``human_prompt``, ``bot_prompt``, ``evaluator``,
``evaluator_kwargs``, ``test_range``, ``abbr``, ``options`` and ``meta_path``.

Rows (`CustomDataset.load`): every row, read as UTF-8 with a BOM allowed, CSV values as
strings; a row's ``max_tokens`` becomes its ``max_out_len`` (that request's output limit); then
the meta file ``<data file>.meta.json`` (or ``meta_path``): ``request_count``, ``sampling_mode``
and ``output_config``, nothing else.

Where this differs from AISBench, on purpose (each is tested in
``tests/datasets/test_custom.py``):

- **Seeded draws.** ``sampling_mode`` ``random``/``shuffle`` and ``output_config``'s
  ``uniform`` lengths draw from ``random.Random(SEED)`` (one generator per draw), so every run
  and every worker builds the same rows. AISBench's draws are unseeded.
- **No guessed option.** AISBench's ``OptionSimAccEvaluator`` falls back to the Levenshtein
  distance, so an answer that names no option still votes for one, and its option patterns
  read "Step 1: ... Compare ..." as 'A' or 'C' (AISBench issue #209). Here the answer is read
  as AISBench reads it before that guess (`read_option`): by its letter
  (`option_answer_postprocess`: a lone letter, then AISBench's patterns without the ``1.``
  one), else by the text of exactly one option, standing alone (not inside a longer number or
  word); an answer naming no option is ``no_answer`` with its text kept. The evaluator given a
  whole text (a full config) takes the same steps, and never a distance.
- **qa without answers works.** AISBench builds a tuple template there, which its own
  ``PromptTemplate`` rejects. Here the prompt is the question as it is (``human_prompt``), the
  dataset has no reference (``output_column`` None, references None) and its evaluator is
  `NoReferenceEvaluator`: an answer given is all that can be checked, so "correct" means
  "answered" and a gate measures the share answered. mcq without answers reads the letter the
  same way and ends its prompt with ``"Answer: "`` where AISBench writes ``"Answer: {None}"``.
- **Checked, with names.** An unknown key of the meta file or of the dict form, a bad value, a
  missing explicit ``meta_path`` and a malformed line are errors naming the file (and line, or
  key) and what is allowed; ``mcq`` with fewer than two options is an error, not an evaluator
  with no options.

The modules: `rows` (`CustomDataset`, the data file's rows), `meta` (the ``.meta.json`` and its
seeded draws), `synthesis` (the config made from the first record; `custom_dataset_configs`),
`scoring` (reading an option, the evaluators), `dict_form` (the hook for the dict form).
"""

from __future__ import annotations

from pytest_aisbench.datasets.custom.dict_form import compile_custom_entry, is_custom_entry
from pytest_aisbench.datasets.custom.rows import CustomDataset
from pytest_aisbench.datasets.custom.scoring import (
    NoReferenceEvaluator,
    OptionSimAccEvaluator,
    option_answer_postprocess,
)
from pytest_aisbench.datasets.custom.synthesis import custom_dataset_configs

__all__ = [
    "CustomDataset",
    "NoReferenceEvaluator",
    "OptionSimAccEvaluator",
    "compile_custom_entry",
    "custom_dataset_configs",
    "is_custom_entry",
    "option_answer_postprocess",
]
