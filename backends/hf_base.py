"""A HuggingFace base model in this process (transformers), prompts as one string.

Use it with the ``..._str`` dataset configs. Needs ``pip install 'pytest-aisbench[hf]'`` and a
local model folder: ``--aisbench-model hf_base --aisbench-set path=/models/name``.
"""

from pytest_aisbench.models import HuggingFaceBaseModel

models = [
    dict(
        attr="local",
        type=HuggingFaceBaseModel,
        abbr="hf_base",
        path="",  # the folder save_pretrained wrote: config.json, weights, tokenizer
        tokenizer_path=None,  # None: the tokenizer in path
        model_kwargs=dict(),  # from_pretrained keys; dtype defaults to the model's own ("auto")
        tokenizer_kwargs=dict(),  # pads and truncates on the left unless set here
        generation_kwargs=dict(),  # greedy unless do_sample=True (temperature, top_p, seed, ...)
        max_seq_len=None,  # None: the model's context length (config.json)
        max_out_len=512,
        batch_size=8,  # prompts per generate call, grouped by length
        timeout=3600,  # seconds one batch may take (a CPU is slow on long prompts)
        stop_words=["\nQuestion:"],  # a base model goes on to write the next few-shot question
        mode="none",  # a long prompt keeps its end; "mid" keeps head and tail
        trust_remote_code=False,
    )
]
