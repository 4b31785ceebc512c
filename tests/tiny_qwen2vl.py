"""A tiny Qwen2-VL with random weights, made on the spot: no download, a few hundred kB.

Two decoder layers of width 64, a one-block vision tower, a byte-level BPE tokenizer built with
the ``tokenizers`` library (256 byte tokens and Qwen's special tokens, no merges) and the
numpy/Pillow image processor (``Qwen2VLImageProcessorPil``: no torchvision). The chat template
rides with the tokenizer; no processor object is saved (transformers 5.19 cannot build
``Qwen2VLProcessor`` without torchvision). Its answers are
noise; what it shows is the path: chat template, image placeholders, the vision tower's features
merged into the prompt, left-padded batches, stop words and lengths.

Importable by the tests, and a script for other environments (the vLLM venv):
``python tests/tiny_qwen2vl.py OUT_DIR``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
VOCAB_SIZE = 272
"""The embedding rows: 256 bytes + 7 special tokens, rounded up to a multiple of 16."""
PATCH = 14
MERGE = 2
MAX_PIXELS = 112 * 112
"""Pictures are scaled to at most 112 x 112: 8 x 8 patches, 16 image tokens after the 2 x 2
merge (a 224-pixel shapes picture becomes exactly that)."""
MIN_PIXELS = 28 * 28
SHAPES_IMAGE_TOKENS = (112 // (PATCH * MERGE)) ** 2
"""Image tokens of one 224-pixel shapes picture: scaled to 112 x 112, 4 x 4 merged patches."""
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def token_ids() -> dict[str, int]:
    """The special tokens' ids: right after the 256 byte tokens."""
    return {token: 256 + offset for offset, token in enumerate(SPECIAL_TOKENS)}


def build_tokenizer(folder: Path) -> None:
    """A byte-level BPE tokenizer (every byte one token) with Qwen's special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {symbol: index for index, symbol in enumerate(sorted(alphabet))}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    assert {t: tokenizer.token_to_id(t) for t in SPECIAL_TOKENS} == token_ids()
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
    )
    wrapped.save_pretrained(folder)


def build(folder: Path, seed: int = 0) -> Path:
    """Write the tiny model, its tokenizer, processor and chat template into `folder`."""
    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(folder)
    ids = token_ids()
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": VOCAB_SIZE,
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 4096,
            "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 1,
            "embed_dim": 32,
            "hidden_size": 64,
            "mlp_ratio": 2,
            "num_heads": 2,
            "patch_size": PATCH,
            "spatial_merge_size": MERGE,
            "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.save_pretrained(folder)
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS, patch_size=PATCH, merge_size=MERGE
    )
    image_processor.save_pretrained(folder)  # no Qwen2VLProcessor: see huggingface_vl.py
    (folder / "tiny_qwen2vl.json").write_text(json.dumps({"seed": seed, **ids}), encoding="utf-8")
    return folder


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
