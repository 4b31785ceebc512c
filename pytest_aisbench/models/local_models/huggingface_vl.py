"""AISBench's Qwen2-VL / Qwen2.5-VL class for transformers (AISBench path:
``models.local_models.huggingface_vl``; config ``hf_qwenvl_model.py``, built-in backend
``hf_vl``).

`HuggingFaceQwen2VLwithChatTemplate` is the HuggingFace chat backend (`HFTextModel`: checks,
loading once, greedy settings, stop words, finish reasons, `close`) with an image path in front
of it. For each prompt of a batch: its content parts become chat messages and images
(`vision.vision_prompt`); the tokenizer's chat template writes one ``<|image_pad|>`` per
image; the model's image processor turns the batch's images into patches and grids; each
placeholder is widened to its image's token count (grid / merge_size**2) and the rows are padded
on the left, with ``mm_token_type_ids`` marking the image tokens for M-RoPE.

The inputs are assembled here, not by ``AutoProcessor``: transformers 5.19 cannot build
``Qwen2VLProcessor`` without torchvision (its argument check looks for ``VideoProcessorMixin``,
which is not exported then), and PyPI's torchvision does not load beside CPU-only torch. The
image processor is transformers' own, on its numpy/Pillow backend when torchvision is missing.

Where it differs from AISBench's:

- any Qwen2-VL-family model transformers knows (``AutoModelForImageTextToText``: Qwen2-VL and
  Qwen2.5-VL alike), not only ``Qwen2_5_VLForConditionalGeneration``;
- batches are padded on the left (AISBench's processor pads on the right, which is wrong for
  decoder-only models and an error with FlashAttention-2);
- stop words and the ``max_out_len`` of each call apply, and each answer says how it ended;
- images are read here (Pillow) from data URLs, ``file://`` URLs, paths or PIL images; no
  ``qwen_vl_utils`` is needed, and ``vision_kwargs`` ``min_pixels``/``max_pixels`` go to the
  image processor; videos are refused;
- a prompt is never cut (cutting would split an image's tokens from its features): one longer
  than ``max_seq_len - max_out_len`` is its batch's error, naming both keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models.local_models import hf_generation as gen
from pytest_aisbench.models.local_models.hf_loading import require_packages
from pytest_aisbench.models.local_models.huggingface_above_v4_33 import (
    HuggingFacewithChatTemplate,
)
from pytest_aisbench.models.local_models.vision import VisionPrompt, VisionSettings, vision_prompt
from pytest_aisbench.registry import MODELS
from pytest_aisbench.utils.prompt import PromptType

IMAGE_PROCESSOR_FILE = "preprocessor_config.json"
IMAGE_TOKEN = "<|image_pad|>"
"""The placeholder Qwen2-VL's chat template writes for each image."""


@MODELS.register_module()
class HuggingFaceQwen2VLwithChatTemplate(HuggingFacewithChatTemplate):
    """A Qwen2-VL-family chat model: images and text in one left-padded batch."""

    auto_class = "AutoModelForImageTextToText"
    group_by_length = False  # an image's token count is known only once it is processed

    def __init__(
        self,
        path: str,
        *args: Any,
        vision_kwargs: dict[str, Any] | None = None,
        fastchat_template: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.vision = VisionSettings.from_kwargs(vision_kwargs)
        super().__init__(path, *args, **kwargs)
        folder = Path(path).expanduser()
        if not self.tokenizer.chat_template:  # an older processor keeps it in its own file
            self.tokenizer.chat_template = _processor_chat_template(folder)
        self.image_processor: Any = self._load_image_processor(folder)
        image_id = getattr(getattr(self.model, "config", None), "image_token_id", None)
        self.image_token_id = int(
            image_id if image_id is not None else self.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
        )

    def _load_image_processor(self, folder: Path) -> Any:
        """The model's image processor with the ``vision_kwargs`` pixel bounds; its
        numpy/Pillow backend when torchvision is missing."""
        import transformers
        from transformers import AutoImageProcessor
        from transformers.utils import is_torchvision_available

        options: dict[str, Any] = dict(self.vision.processor_kwargs())
        if not is_torchvision_available():
            major = int(transformers.__version__.split(".")[0])
            options.update({"backend": "pil"} if major >= 5 else {"use_fast": False})
        return AutoImageProcessor.from_pretrained(str(folder), **options)

    @classmethod
    def check_config(cls, settings: Mapping[str, Any], source: str) -> None:
        """``vision_kwargs``, the chat backend's checks, Pillow, and an image processor."""
        try:
            VisionSettings.from_kwargs(settings.get("vision_kwargs"))
        except ConfigError as exc:
            raise ConfigError(str(exc), source=source) from None
        super().check_config(settings, source)
        require_packages(("PIL",), source, cls.__name__)
        folder = Path(str(settings["path"])).expanduser()
        if not (folder / IMAGE_PROCESSOR_FILE).is_file():
            raise ConfigError(
                f"{folder} holds no image processor ({IMAGE_PROCESSOR_FILE}); give the folder "
                "of a vision-language model (Qwen2-VL, Qwen2.5-VL), or use a text backend "
                "(hf_chat)",
                source=source,
                key="path",
            )

    def render(self, prompt: PromptType) -> str:
        """The prompt as the chat template writes it (one placeholder per image)."""
        return self._template(vision_prompt(prompt, load_images=False))

    def _template(self, prompt: VisionPrompt) -> str:
        return str(
            self.tokenizer.apply_chat_template(
                prompt.messages, add_generation_prompt=True, tokenize=False,
                **self.chat_template_kwargs,
            )
        )  # fmt: skip

    def model_inputs(self, inputs: Sequence[PromptType], max_out_len: int) -> dict[str, Any]:
        """The batch as the model takes it: left-padded ids with each image's tokens (in its
        own row, in placeholder order), the mask, ``mm_token_type_ids`` and the image
        processor's ``pixel_values`` and grids. Nothing is cut (see `_check_lengths`)."""
        prompts = [vision_prompt(prompt) for prompt in inputs]
        rows = [self.tokenizer.encode(self._template(p), add_special_tokens=False) for p in prompts]
        images = [image for p in prompts for image in p.images]
        features: dict[str, Any] = {}
        if images:
            features = dict(self.image_processor(images=images, return_tensors="pt"))
            merge = int(self.image_processor.merge_size) ** 2
            sizes = [int(n) // merge for n in features["image_grid_thw"].prod(dim=1).tolist()]
            rows = widen_placeholders(rows, self.image_token_id, sizes)
        self._check_lengths([len(row) for row in rows], max_out_len)
        device = self.model.device if self.model is not None else None
        batch = gen.left_pad(rows, int(self.tokenizer.pad_token_id), device)
        batch["mm_token_type_ids"] = (batch["input_ids"] == self.image_token_id).long()
        batch.update({name: value.to(device) for name, value in features.items()})
        return batch

    def _check_lengths(self, lengths: list[int], max_out_len: int) -> None:
        """Every prompt leaves room for the answer; cutting one would tear an image apart."""
        budget = self.max_seq_len - max_out_len
        if max(lengths, default=0) > budget:
            raise ValueError(
                f"a prompt of {max(lengths)} tokens (images included) leaves no room for "
                f"max_out_len={max_out_len} under max_seq_len={self.max_seq_len}; raise "
                "max_seq_len, lower max_out_len, or shrink images with vision_kwargs max_pixels "
                "(vision prompts are never cut)"
            )

    def close(self) -> None:
        """Free the weights and the image processor."""
        super().close()
        self.image_processor = None


def widen_placeholders(rows: list[list[int]], token: int, sizes: list[int]) -> list[list[int]]:
    """Each `token` in `rows` repeated to its image's size, images taken in order.

    The chat template wrote one placeholder per image; there must be as many as images.
    """
    found = sum(row.count(token) for row in rows)
    if found != len(sizes):
        raise ValueError(
            f"the chat template wrote {found} image placeholders for {len(sizes)} images; it "
            f"must write one {IMAGE_TOKEN} per image part"
        )
    widths = iter(sizes)
    return [
        [piece for id_ in row for piece in ([id_] * next(widths) if id_ == token else [id_])]
        for row in rows
    ]


def _processor_chat_template(folder: Path) -> str | None:
    """The chat template an older processor saved beside the model (``chat_template.json``)."""
    try:
        data = json.loads((folder / "chat_template.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    template = data.get("chat_template") if isinstance(data, dict) else None
    return template if isinstance(template, str) else None
