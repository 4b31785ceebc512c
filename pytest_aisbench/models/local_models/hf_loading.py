"""HuggingFace models in this process: the checks before a run, loading once, releasing.

Shared by every transformers backend (text and vision-language). `check_hf_config` runs when
the backend file is loaded and reads only files: packages, folders, weights and their size
against the memory there is, so a wrong config stops the session (exit status 4) with one
message naming the key and the fix. `load_tokenizer` and `load_model` run once per session
and backend (``ModelRunner`` builds the backend once); `release` frees the weights at its end.

Defaults differ from AISBench's where AISBench is known wrong: ``dtype`` is the model config's
own (``auto``, not fp16), ``trust_remote_code`` stays False unless set, tokenizers pad and
truncate on the left, and the model goes to CUDA (``device_map='auto'``) only when there is
one.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError

HF_EXTRA = "pip install 'pytest-aisbench[hf]'"
"""How to install what the HuggingFace backends need (torch, transformers, accelerate)."""
_DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
_DTYPE_NAMES = {
    "float16": "float16", "fp16": "float16", "half": "float16", "torch.float16": "float16",
    "bfloat16": "bfloat16", "bf16": "bfloat16", "torch.bfloat16": "bfloat16",
    "float32": "float32", "fp32": "float32", "float": "float32", "torch.float": "float32",
    "torch.float32": "float32", "auto": "auto", "none": "auto",
}  # fmt: skip
"""Spellings of ``model_kwargs`` ``dtype`` (AISBench's ``torch_dtype`` strings included)."""
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")
_MAX_LEN_KEYS = ("max_position_embeddings", "seq_length", "model_max_length", "n_positions")


# -- checks before the run (files only, nothing imported) ----------------------------------------


def check_hf_config(
    settings: Mapping[str, Any], source: str, cls_name: str, packages: tuple[str, ...] = ()
) -> None:
    """Every check of a HuggingFace backend's keys; the first problem raises `ConfigError`.

    `packages` are extra modules the class needs beyond torch and transformers (the VL
    backends: ``qwen_vl_utils``).
    """
    require_packages(("torch", "transformers", *packages), source, cls_name)
    folder = model_folder(settings.get("path"), source, cls_name)
    config = read_model_config(folder, source)
    check_tokenizer_folder(settings.get("tokenizer_path") or None, folder, source)
    model_kwargs = dict(settings.get("model_kwargs") or {})
    dtype = dtype_name(model_kwargs, source)
    if "device_map" in model_kwargs and not _installed("accelerate"):
        raise ConfigError(
            f"device_map={model_kwargs['device_map']!r} needs accelerate, which is not "
            f"installed: pip install accelerate ({HF_EXTRA}), or drop device_map",
            source=source,
            key="model_kwargs",
        )
    if settings.get("peft_path"):
        check_peft(str(settings["peft_path"]), source)
    if not settings.get("tokenizer_only"):
        need = estimated_bytes(weight_files(folder, source), config, dtype)
        check_memory(need, dtype, model_kwargs, source)


def require_packages(names: tuple[str, ...], source: str, cls_name: str) -> None:
    """Each of `names` importable, else one message saying what to install."""
    missing = [name for name in names if not _installed(name)]
    if missing:
        raise ConfigError(
            f"{cls_name} needs {', '.join(missing)}, not installed here: {HF_EXTRA}",
            source=source,
            key="type",
        )


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def model_folder(path: Any, source: str, cls_name: str) -> Path:
    """The weights folder of ``path``: it must exist (hub ids are never downloaded)."""
    if not path:
        raise ConfigError(
            f"{cls_name} needs a local model folder (config.json, weights, tokenizer): set "
            "path=/models/name in the file or --aisbench-set path=/models/name",
            source=source,
            key="path",
        )
    folder = Path(str(path)).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"{path!r} is not a folder; give the folder save_pretrained wrote (hub ids are "
            "not downloaded: fetch the model first, e.g. huggingface-cli download)",
            source=source,
            key="path",
        )
    return folder


def read_model_config(folder: Path, source: str) -> dict[str, Any]:
    """The folder's ``config.json``; none means the folder is not a HuggingFace model."""
    file = folder / "config.json"
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{folder} is not a HuggingFace model folder (no config.json); give the folder "
            "save_pretrained wrote (config.json, *.safetensors, tokenizer files)",
            source=source,
            key="path",
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}", source=source, key="path") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{file} is not a JSON object", source=source, key="path")
    return config


def check_tokenizer_folder(tokenizer_path: str | None, folder: Path, source: str) -> None:
    """``tokenizer_path`` (or the model folder) must hold tokenizer files."""
    key = "tokenizer_path" if tokenizer_path else "path"
    where = Path(tokenizer_path).expanduser() if tokenizer_path else folder
    if not where.is_dir():
        raise ConfigError(
            f"{tokenizer_path!r} is not a folder; set tokenizer_path to the tokenizer's folder, "
            "or to None to use path (--aisbench-set tokenizer_path=None)",
            source=source,
            key=key,
        )
    if not any((where / name).is_file() for name in _TOKENIZER_FILES):
        raise ConfigError(
            f"{where} holds no tokenizer ({', '.join(_TOKENIZER_FILES)}); save the tokenizer "
            "there, or set tokenizer_path to the folder that has it",
            source=source,
            key=key,
        )


def check_peft(peft_path: str, source: str) -> None:
    """A PEFT adapter needs the ``peft`` package and its folder."""
    if not _installed("peft"):
        raise ConfigError(
            "peft_path is set but peft is not installed: pip install peft, or remove peft_path",
            source=source,
            key="peft_path",
        )
    if not Path(peft_path).expanduser().is_dir():
        raise ConfigError(
            f"{peft_path!r} is not a folder; give the adapter folder (adapter_config.json)",
            source=source,
            key="peft_path",
        )


def dtype_name(model_kwargs: Mapping[str, Any], source: str) -> str:
    """The dtype asked for (``dtype`` or AISBench's ``torch_dtype``), by name; ``auto`` when
    none: the weights' own dtype, as the model config says."""
    raw = model_kwargs.get("dtype", model_kwargs.get("torch_dtype", "auto"))
    if raw is None:
        return "auto"
    name = str(raw).removeprefix("torch.") if not isinstance(raw, str) else raw
    resolved = _DTYPE_NAMES.get(name.lower()) or _DTYPE_NAMES.get(f"torch.{name}".lower())
    if resolved is None:
        raise ConfigError(
            f"unknown dtype {raw!r}; use 'auto' (the model's own), 'bfloat16', 'float16' or "
            "'float32'",
            source=source,
            key="model_kwargs",
        )
    return resolved


def weight_files(folder: Path, source: str) -> list[Path]:
    """The weight files in `folder` (safetensors first, else PyTorch ``.bin``)."""
    found = sorted(folder.glob("*.safetensors")) or sorted(
        f for f in folder.glob("*.bin") if f.name != "training_args.bin"
    )
    if not found:
        raise ConfigError(
            f"{folder} holds no weights (*.safetensors or pytorch_model*.bin); give a full "
            "model folder, or set tokenizer_only=True to count tokens only",
            source=source,
            key="path",
        )
    return found


def estimated_bytes(files: list[Path], config: Mapping[str, Any], dtype: str) -> int:
    """Memory the weights take once loaded: their size on disk, scaled to the asked dtype."""
    size = sum(f.stat().st_size for f in files)
    stored = str(config.get("torch_dtype") or config.get("dtype") or "float32")
    stored_bytes = _DTYPE_BYTES.get(stored, 4)
    wanted = _DTYPE_BYTES.get(dtype, stored_bytes)
    return size * wanted // stored_bytes


def available_ram() -> int:
    """Bytes of memory a new allocation can get now (``MemAvailable``), or 0 if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def check_memory(need: int, dtype: str, model_kwargs: Mapping[str, Any], source: str) -> None:
    """The weights must fit in RAM, or on the GPUs when the model may go there."""
    ram = available_ram()
    if not ram or need <= ram:
        return
    on_cpu = str(model_kwargs.get("device_map", "auto")) == "cpu"
    gpu = 0 if on_cpu else free_gpu_bytes()  # torch only imported when RAM is short
    if need <= gpu:
        return
    where = f"{ram / 2**30:.1f} GiB of RAM" + (f" and {gpu / 2**30:.1f} GiB on GPUs" if gpu else "")
    raise ConfigError(
        f"the weights need about {need / 2**30:.1f} GiB ({dtype}) but {where} are free; use a "
        "smaller model or a 16-bit dtype (model_kwargs=dict(dtype='bfloat16')), free memory, "
        "or run where a GPU is",
        source=source,
        key="path",
    )


def free_gpu_bytes() -> int:
    """Free bytes over all CUDA devices (0 without CUDA)."""
    try:
        import torch

        if not torch.cuda.is_available():
            return 0
        return sum(torch.cuda.mem_get_info(i)[0] for i in range(torch.cuda.device_count()))
    except Exception:  # a broken CUDA setup means no GPU to count on
        return 0


def max_seq_len_of(folder: str | Path) -> int | None:
    """The model's context length from its ``config.json`` (AISBench's lookup), or None."""
    try:
        config = json.loads((Path(folder).expanduser() / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    sources = [config, config.get("text_config") or {}]
    for key in _MAX_LEN_KEYS:
        for where in sources:
            if isinstance(where.get(key), int) and where[key] > 0:
                return int(where[key])
    return None


# -- loading (once per session and backend) -----------------------------------------------------


def load_tokenizer(
    path: str,
    kwargs: Mapping[str, Any],
    *,
    pad_token_id: int | None = None,
    trust_remote_code: bool = False,
    cache_dir: str | None = None,
    logger: Any = None,
) -> Any:
    """The tokenizer, padding and truncating on the left, with a pad token always set.

    The pad token is ``pad_token_id`` when given (negative counts from the vocabulary's end,
    AISBench's convention), else the tokenizer's, else the generation config's, else EOS.
    """
    from transformers import AutoTokenizer

    options = {"padding_side": "left", "truncation_side": "left", **dict(kwargs)}
    options.setdefault("trust_remote_code", trust_remote_code)
    if cache_dir:
        options.setdefault("cache_dir", cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(Path(path).expanduser()), **options)
    if pad_token_id is not None:
        tokenizer.pad_token_id = pad_token_id + (len(tokenizer) if pad_token_id < 0 else 0)
    elif tokenizer.pad_token_id is None:
        fallback = _generation_pad_id(path)
        fallback = fallback if fallback is not None else tokenizer.eos_token_id
        if fallback is None:
            raise ValueError(
                f"the tokenizer at {path} has no pad or EOS token; set pad_token_id=<id> in the "
                "backend file"
            )
        if logger is not None:
            logger.info("the tokenizer has no pad token; padding with id %s", fallback)
        tokenizer.pad_token_id = fallback
    return tokenizer


def _generation_pad_id(path: str) -> int | None:
    try:
        config = json.loads((Path(path).expanduser() / "generation_config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    value = config.get("pad_token_id")
    return value if isinstance(value, int) else None


def model_options(
    model_kwargs: Mapping[str, Any], trust_remote_code: bool, cache_dir: str | None
) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments: the config's, with this project's defaults."""
    import torch

    options = dict(model_kwargs)
    name = dtype_name(options, "model_kwargs")
    options.pop("torch_dtype", None)
    options["dtype"] = "auto" if name == "auto" else getattr(torch, name)
    options.setdefault("trust_remote_code", trust_remote_code)
    if "device_map" not in options and torch.cuda.is_available() and _installed("accelerate"):
        options["device_map"] = "auto"
    if cache_dir:
        options.setdefault("cache_dir", cache_dir)
    return options


def load_model(
    path: str,
    options: Mapping[str, Any],
    *,
    auto_model_fallback: bool = False,
    peft_path: str | None = None,
    peft_kwargs: Mapping[str, Any] | None = None,
    logger: Any = None,
    auto_class: str = "AutoModelForCausalLM",
) -> Any:
    """The model in eval mode, loaded with transformers' `auto_class` (the vision-language
    backends: ``AutoModelForImageTextToText``); `auto_model_fallback` tries ``AutoModel`` when
    the folder holds no such model (AISBench's ``HuggingFace``). A PEFT adapter is applied when
    given."""
    import transformers
    from transformers import AutoModel

    started = time.perf_counter()
    folder = str(Path(path).expanduser())
    try:
        model = getattr(transformers, auto_class).from_pretrained(folder, **options)
    except ValueError:
        if not auto_model_fallback:
            raise
        model = AutoModel.from_pretrained(folder, **options)
    if peft_path:
        from peft import PeftModel

        adapter = str(Path(peft_path).expanduser())
        model = PeftModel.from_pretrained(model, adapter, **{**dict(peft_kwargs or {}),
                                                             "is_trainable": False})  # fmt: skip
    model.eval()
    if logger is not None:
        logger.info(
            "loaded %s in %.2f s (%s on %s)",
            folder,
            time.perf_counter() - started,
            getattr(model, "dtype", "?"),
            getattr(model, "device", "?"),
        )
    return model


def release(owner: Any, *names: str) -> None:
    """Drop `owner`'s references `names` (model, tokenizer, processor) and free their memory:
    garbage collection, then the CUDA cache when there is one."""
    for name in names:
        setattr(owner, name, None)
    gc.collect()
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
