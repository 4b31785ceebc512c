"""A tiny LlamaForCausalLM with random weights, made on the spot: no download, about 200 kB.

Two decoder layers of width 64 and the byte-level tokenizer of `tiny_qwen2vl` (every byte a
token, ChatML special tokens and chat template). Its answers are noise, but deterministic
(greedy, float32, a fixed seed): what it shows is the path, prompts to records.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tiny_qwen2vl import VOCAB_SIZE, build_tokenizer, token_ids


def build(folder: Path, seed: int = 0, max_position_embeddings: int = 512) -> Path:
    """Write the tiny model and its tokenizer into `folder`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(folder)
    ids = token_ids()
    config = LlamaConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_position_embeddings,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.save_pretrained(folder)
    return folder


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
