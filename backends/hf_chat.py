"""A HuggingFace chat model in this process (transformers), prompts through its chat template.

Needs ``pip install 'pytest-aisbench[hf]'`` and a local model folder:
``--aisbench-model hf_chat --aisbench-set path=/models/SmolLM2-135M-Instruct``.
"""

from pytest_aisbench.models import HuggingFacewithChatTemplate

models = [
    dict(
        attr="local",
        type=HuggingFacewithChatTemplate,
        abbr="hf_chat",
        path="",  # the folder save_pretrained wrote: config.json, weights, tokenizer
        tokenizer_path=None,  # None: the tokenizer in path
        model_kwargs=dict(),  # from_pretrained keys; dtype defaults to the model's own ("auto")
        tokenizer_kwargs=dict(),  # pads and truncates on the left unless set here
        generation_kwargs=dict(),  # greedy unless do_sample=True (temperature, top_p, seed, ...)
        chat_template_kwargs=dict(),  # passed to apply_chat_template, e.g. enable_thinking=False
        max_seq_len=None,  # None: the model's context length (config.json)
        max_out_len=512,
        batch_size=8,  # prompts per generate call, grouped by length
        timeout=3600,  # seconds one batch may take (a CPU is slow on long prompts)
        stop_words=[],  # strings that end an answer, besides EOS
        mode="none",  # a long prompt keeps its end; "mid" keeps head and tail
        trust_remote_code=False,
    )
]
