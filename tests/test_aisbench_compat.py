"""AISBench 3.1's own model configs and API backend modules, after the one import rename.

Every config under ``configs/models/`` loads: the HuggingFace text ones with ``path`` set (they
then run the demo suite on a tiny random Llama), the vision-language ones with ``path`` on a
tiny random Qwen2-VL (the vLLM one where vLLM is installed), and MindIE-SD's fails with one
message naming the class this project does not provide. Every API backend module imports, and
each shipped config, run with AISBench's own class, goes through the GSM8K demo suite against the
simulator's matching protocol, streaming and not where the class supports it, with records
equal to those of this project's built-in backend on the same server.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aisbench_corpus import Corpus, fetch_wheel
from tokenizers import Regex, Tokenizer, models, pre_tokenizers

from conftest import DATASETS_DIR, SUITE, gold_responder, samples_of
from pytest_aisbench.backend_files import load_backend_file
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import BaseAPIModel
from pytest_aisbench.registry import MODELS
from pytest_aisbench.simulator import SimulatorConfig, running_simulator

MODEL_CONFIGS = "configs/models/"
API_MODULES = "models/api_models/"
# config path (under configs/models/) -> the class it needs that is not provided, or None
SHIPPED_CONFIGS: dict[str, str | None] = {
    "hf_models/hf_base_model.py": None,
    "hf_models/hf_causal_lm.py": None,
    "hf_models/hf_chat_model.py": None,
    "hf_models/hf_model.py": None,
    "hf_models/hf_qwenvl_model.py": None,
    "lmm_models/qwen_image_edit.py": "QwenImageEditModel",
    "mindie_api/mindie_stream_api_general.py": None,
    "tgi_api/tgi_api_general.py": None,
    "tgi_api/tgi_stream_api_general.py": None,
    "triton_api/triton_api_general.py": None,
    "triton_api/triton_stream_api_general.py": None,
    "vita/vita_generate_chat.py": None,
    "vllm_api/vllm_api_function_call_chat.py": None,
    "vllm_api/vllm_api_general.py": None,
    "vllm_api/vllm_api_general_chat.py": None,
    "vllm_api/vllm_api_general_stream.py": None,
    "vllm_api/vllm_api_stream_chat.py": None,
    "vllm_api/vllm_api_stream_chat_multiturn.py": None,
    "vllm_offline_models/vllm_offline_vl_model.py": None,
}
HF_CONFIGS = {
    "hf_models/hf_base_model.py": "HuggingFaceBaseModel",
    "hf_models/hf_causal_lm.py": "HuggingFaceCausalLM",
    "hf_models/hf_chat_model.py": "HuggingFacewithChatTemplate",
    "hf_models/hf_model.py": "HuggingFace",
}
"""AISBench's HuggingFace text configs and their classes: local models, run here on a tiny
Llama with ``path`` (and ``tokenizer_path``, which they also set to a hub id) overridden."""
VL_CONFIGS = {
    "hf_models/hf_qwenvl_model.py": "HuggingFaceQwen2VLwithChatTemplate",
    "vllm_offline_models/vllm_offline_vl_model.py": "VLLMOfflineVLModel",
}
"""The vision-language configs, loaded with ``path`` (and ``tokenizer_path``) on a tiny random
Qwen2-VL; the vLLM one needs vLLM in this Python, and says so otherwise. They run in
``tests/local/test_hf_vl.py`` and ``tests/real/test_vllm_offline_real.py``."""
# module -> the classes it registers (or defines, for the deprecated aliases)
SHIPPED_MODULES = {
    "mindie_stream_api": {"MindieStreamApi"},
    "tgi_api": {"TGICustomAPI", "TGICustomAPIStream"},
    "triton_api": {"TritonCustomAPI", "TritonCustomAPIStream"},
    "vita_generate_api": {"VITAGenerateAPI"},
    "vllm_custom_api": {"VLLMCustomAPI", "VLLMCustomAPIStream"},
    "vllm_custom_api_chat": {
        "VLLMCustomAPIChat",
        "VLLMCustomAPIChatStream",
        "VLLMFunctionCallAPIChat",
        "VllmMultiturnAPIChatStream",
    },
}


@dataclass(frozen=True)
class Case:
    """One shipped config run with AISBench's class, and the built-in backend it must match."""

    config: str
    module: str
    builtin: str
    cls: str | None = None
    """A class of the module to use instead of the config's (the deprecated aliases)."""
    stream: bool | None = None
    """Set ``stream`` (the config's own value otherwise)."""

    @property
    def name(self) -> str:
        base = Path(self.config).stem
        suffix = f"_{self.cls}" if self.cls else "_stream" if self.stream else ""
        return re.sub(r"\W", "_", base + suffix).lower()


CASES = [
    Case("vllm_api/vllm_api_general.py", "vllm_custom_api", "vllm_completions"),
    Case("vllm_api/vllm_api_general_stream.py", "vllm_custom_api", "vllm_stream_completions"),
    Case("vllm_api/vllm_api_general.py", "vllm_custom_api", "vllm_stream_completions",
         cls="VLLMCustomAPIStream"),
    Case("vllm_api/vllm_api_general_chat.py", "vllm_custom_api_chat", "vllm_chat"),
    Case("vllm_api/vllm_api_stream_chat.py", "vllm_custom_api_chat", "vllm_stream_chat"),
    Case("vllm_api/vllm_api_general_chat.py", "vllm_custom_api_chat", "vllm_stream_chat",
         cls="VLLMCustomAPIChatStream"),
    Case("vllm_api/vllm_api_stream_chat_multiturn.py", "vllm_custom_api_chat", "vllm_stream_chat"),
    Case("vllm_api/vllm_api_stream_chat_multiturn.py", "vllm_custom_api_chat", "vllm_stream_chat",
         cls="VllmMultiturnAPIChatStream"),
    Case("vllm_api/vllm_api_function_call_chat.py", "vllm_custom_api_chat", "vllm_chat"),
    Case("vllm_api/vllm_api_function_call_chat.py", "vllm_custom_api_chat", "vllm_chat",
         cls="VLLMFunctionCallAPIChat"),
    Case("tgi_api/tgi_api_general.py", "tgi_api", "tgi"),
    Case("tgi_api/tgi_stream_api_general.py", "tgi_api", "tgi_stream"),
    Case("tgi_api/tgi_api_general.py", "tgi_api", "tgi_stream", cls="TGICustomAPIStream"),
    Case("triton_api/triton_api_general.py", "triton_api", "triton"),
    Case("triton_api/triton_stream_api_general.py", "triton_api", "triton_stream"),
    Case("triton_api/triton_api_general.py", "triton_api", "triton_stream",
         cls="TritonCustomAPIStream"),
    Case("mindie_api/mindie_stream_api_general.py", "mindie_stream_api", "mindie_stream"),
    Case("vita/vita_generate_chat.py", "vita_generate_api", "vita"),
    Case("vita/vita_generate_chat.py", "vita_generate_api", "vita_stream", stream=True),
]  # fmt: skip
EOS_COUNTED = {"tgi", "tgi_stream"}
"""Built-ins whose server count includes the EOS token (TGI's ``generated_tokens``); AISBench's
class reads no count, so its record counts the answer's text, one token fewer."""


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(fetch_wheel())


def test_the_pinned_wheel_ships_the_files_listed_here(corpus: Corpus) -> None:
    configs = [p.removeprefix(MODEL_CONFIGS) for p in corpus.under(MODEL_CONFIGS)]
    modules = [Path(p).stem for p in corpus.under(API_MODULES) if not p.endswith("base_api.py")]
    assert configs == sorted(SHIPPED_CONFIGS)
    assert modules == sorted(SHIPPED_MODULES)


@pytest.mark.parametrize("config", list(SHIPPED_CONFIGS))
def test_every_shipped_model_config_loads(
    corpus: Corpus, config: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    file = corpus.write(MODEL_CONFIGS + config, tmp_path)
    missing = SHIPPED_CONFIGS[config]
    # VITA's config names a weights folder on its authors' machine; a path must exist here
    overrides: list[tuple[str, Any]] = [("path", "")] if config.startswith("vita/") else []
    if config in HF_CONFIGS:
        overrides = hf_overrides(request.getfixturevalue("tiny_hf"))
    if config in VL_CONFIGS:
        folder = str(request.getfixturevalue("tiny_vl"))
        overrides = [("path", folder), ("tokenizer_path", folder)]
        if VL_CONFIGS[config] == "VLLMOfflineVLModel":
            stop = (
                "key 'type': VLLMOfflineVLModel needs vllm"
                if not importlib.util.find_spec("vllm")
                else "key 'path': vLLM's code for qwen2_vl models imports torchvision"
                if not importlib.util.find_spec("torchvision")
                else None
            )
            if stop is not None:
                with pytest.raises(ConfigError, match=stop):
                    load_backend_file(file, overrides)
                return
    if missing is None:
        [model] = load_backend_file(file, overrides)
        local = {**HF_CONFIGS, **VL_CONFIGS}
        if config in local:
            assert (model.attr, model.cls.__name__) == ("local", local[config])
        else:
            assert issubclass(model.cls, BaseAPIModel)
        return
    with pytest.raises(ConfigError) as info:
        load_backend_file(file, overrides)
    message = str(info.value)
    assert message.startswith(f"{file}: failed to import:")
    assert f"ImportError: {missing} is an AISBench local backend" in message
    assert "does not provide yet" in message
    assert "Traceback" not in message


@pytest.fixture(scope="module")
def tiny_hf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random Llama (``tests/tiny_llama.py``) the HuggingFace configs run on."""
    pytest.importorskip("transformers")
    from tiny_llama import build

    return build(tmp_path_factory.mktemp("tiny_llama") / "model")


@pytest.fixture(scope="module")
def tiny_vl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random Qwen2-VL (``tests/tiny_qwen2vl.py``) the vision configs load with."""
    pytest.importorskip("transformers")
    from tiny_qwen2vl import build

    return build(tmp_path_factory.mktemp("tiny_qwen2vl") / "model")


def hf_overrides(folder: Path) -> list[tuple[str, Any]]:
    """What ``--aisbench-set`` gives the HuggingFace configs: the folder, for weights and
    tokenizer, and lengths that fit the tiny model (context 512)."""
    return [("path", str(folder)), ("tokenizer_path", str(folder)), ("max_seq_len", 512),
            ("max_out_len", 16)]  # fmt: skip


@pytest.mark.parametrize("config", list(HF_CONFIGS))
def test_the_hf_configs_as_shipped_name_their_missing_folder(
    corpus: Corpus, config: str, tmp_path: Path
) -> None:
    file = corpus.write(MODEL_CONFIGS + config, tmp_path)
    with pytest.raises(ConfigError) as info:
        load_backend_file(file)
    assert str(info.value).startswith(f"{file}: key 'path': invalid value 'THUDM/chatglm-6b'")


def test_the_hf_configs_run_the_demo_suite(corpus: Corpus, tiny_hf: Path, tmp_path: Path) -> None:
    """AISBench's four HuggingFace configs, as shipped (sampling, batch_size=1, device_map,
    batch_padding, run_cfg), through the GSM8K demo suite: a record per sample, no error."""
    backends = tmp_path / "backends"
    backends.mkdir()
    for config in HF_CONFIGS:
        corpus.write(MODEL_CONFIGS + config, backends)
    (tmp_path / "test_gsm8k.py").write_text(SUITE.read_text(), encoding="utf-8")
    report = tmp_path / "report.jsonl"
    names = [Path(config).stem for config in HF_CONFIGS]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_gsm8k.py",
         f"--aisbench-backends-dir={backends}", f"--aisbench-report={report}",
         f"--aisbench-datasets-dir={DATASETS_DIR}",
         *(f"--aisbench-model={name}" for name in names),
         *(f"--aisbench-set={key}={value!r}" for key, value in hf_overrides(tiny_hf))],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = samples_of(report)
    abbrs = ["hf-base-model", "hf-causal-lm", "hf-chat-model", "hf-model"]
    assert sorted({r["model"] for r in records}) == abbrs
    for abbr in abbrs:
        mine = [r for r in records if r["model"] == abbr]
        assert [r["index"] for r in mine] == list(range(8))
        assert all(r["outcome"] != "error" and r["token_source"] == "generate" for r in mine)
        assert all(0 < r["output_tokens"] <= 16 and r["input_tokens"] == 496 for r in mine)
        assert all(r["finish_reason"] in ("stop", "length") for r in mine)


@pytest.mark.parametrize("module", list(SHIPPED_MODULES))
def test_every_api_backend_module_imports(corpus: Corpus, module: str, tmp_path: Path) -> None:
    file = corpus.write(f"{API_MODULES}{module}.py", tmp_path)
    spec = importlib.util.spec_from_file_location(f"aisbench_{module}", file)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    classes = {
        name: value
        for name, value in vars(loaded).items()
        if isinstance(value, type) and value.__module__ == loaded.__name__
    }
    assert set(classes) == SHIPPED_MODULES[module]
    assert all(issubclass(cls, BaseAPIModel) for cls in classes.values())
    registered = {name for name in classes if classes[name] in MODELS.classes(name)}
    decorated = set(re.findall(r"@MODELS.register_module\(\)\nclass (\w+)", corpus.files[
        f"{API_MODULES}{module}.py"]))  # fmt: skip
    assert registered == decorated


# -- the demo suite through AISBench's classes and through the built-ins --------------------------


def word_tokenizer(folder: Path) -> Path:
    """A tokenizer whose tokens are the simulator's: whitespace-attached word pieces."""
    folder.mkdir()
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(r"\s*\S+|\s+"), behavior="isolated")
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def case_config(corpus: Corpus, case: Case) -> str:
    """The shipped config with its class taken from AISBench's module beside it."""
    text = corpus.files[MODEL_CONFIGS + case.config]
    text = re.sub(
        r"from pytest_aisbench\.models(?:\.api_models\.\w+)? import (\w+)",
        lambda m: f"from {case.module} import {case.cls or m.group(1)}",
        text,
    )
    if case.cls:
        text = re.sub(r"type=\w+", f"type={case.cls}", text, count=1)  # the class, first
    text = re.sub(r'abbr="[^"]+"', f'abbr="{case.name}"', text)
    if case.stream is not None:
        text = re.sub(r"stream=(True|False)", f"stream={case.stream}", text)
    return text


@pytest.fixture(scope="module")
def demo_runs(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One session running every case and every built-in it is held against, on one server."""
    root = tmp_path_factory.mktemp("aisbench_corpus")
    backends = root / "backends"
    backends.mkdir()
    for module in SHIPPED_MODULES:
        corpus.write(f"{API_MODULES}{module}.py", backends)
    for case in CASES:
        (backends / f"{case.name}.py").write_text(case_config(corpus, case), encoding="utf-8")
    (root / "test_gsm8k.py").write_text(SUITE.read_text(), encoding="utf-8")
    tokenizer = word_tokenizer(root / "tokenizer")
    report = root / "report.jsonl"
    selected = [c.name for c in CASES] + sorted({c.builtin for c in CASES})
    with running_simulator(SimulatorConfig(responder=gold_responder)) as sim:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_gsm8k.py",
             f"--aisbench-backends-dir={backends}", f"--aisbench-report={report}",
             f"--aisbench-datasets-dir={DATASETS_DIR}",
             *(f"--aisbench-model={name}" for name in selected),
             *_set(host_ip="127.0.0.1", host_port=sim.port, path=str(tokenizer), retry=0,
                   max_out_len=512)],
            cwd=root, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        yield {"result": result, "records": samples_of(report), "sim": sim}


def _set(**keys: object) -> list[str]:
    return [f"--aisbench-set={key}={value!r}" for key, value in keys.items()]


def test_the_corpus_session_passes(demo_runs: dict) -> None:
    result = demo_runs["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_aisbench_class_records_equal_the_builtin_backends(demo_runs: dict, case: Case) -> None:
    records = demo_runs["records"]
    ours = [r for r in records if r["model"] == case.name]
    builtin = [r for r in records if r["model"] == case.builtin]
    assert [r["index"] for r in ours] == list(range(8))
    assert [r["index"] for r in builtin] == list(range(8))
    assert [r["outcome"] for r in ours] == ["correct"] * 8, [r["error"] for r in ours]
    for mine, theirs in zip(ours, builtin, strict=True):
        for key in ("prediction", "outcome", "extracted", "reference"):
            assert mine[key] == theirs[key], (key, mine, theirs)
        eos = 1 if case.builtin in EOS_COUNTED else 0
        assert mine["output_tokens"] == theirs["output_tokens"] - eos, (mine, theirs)
