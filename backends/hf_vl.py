"""A HuggingFace vision-language chat model in this process (transformers): Qwen2-VL, Qwen2.5-VL.

Prompts' images (``image_url`` content parts: data URLs, ``file://`` URLs or paths) go through
the model's processor with the text, batched and left-padded. Needs
``pip install 'pytest-aisbench[hf]'`` (torch, transformers, Pillow; no torchvision) and a local
model folder: ``--aisbench-model hf_vl --aisbench-set path=/models/Qwen2.5-VL-3B-Instruct``.
"""

from pytest_aisbench.models import HuggingFaceQwen2VLwithChatTemplate

models = [
    dict(
        attr="local",
        type=HuggingFaceQwen2VLwithChatTemplate,
        abbr="hf_vl",
        path="",  # the model folder: config.json, weights, tokenizer, preprocessor_config.json
        tokenizer_path=None,  # None: the tokenizer in path
        model_kwargs=dict(),  # from_pretrained keys; dtype defaults to the model's own ("auto")
        generation_kwargs=dict(),  # greedy unless do_sample=True (temperature, top_p, seed, ...)
        vision_kwargs=dict(),  # min_pixels / max_pixels: the bounds images are scaled into
        max_seq_len=None,  # None: the model's context length; longer prompts are errors, not cut
        max_out_len=256,
        batch_size=4,  # prompts (with their images) per generate call
        stop_words=[],  # strings that end an answer, besides EOS
    )
]
