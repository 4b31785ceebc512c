"""Backend configs: every key of a ``models = [dict(...)]`` entry validated at load time, and
`ModelConfig`, which builds the backend object.

Errors name the file and the key, and say what is allowed, before any request is sent.
Finding and running the files themselves is ``backend_files.py``.
"""

from __future__ import annotations

import inspect
import os
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_aisbench.errors import ConfigError, ModelNameError
from pytest_aisbench.models.api_models.base_api import BaseAPIModel, service_base_url
from pytest_aisbench.models.local_models.base import BaseModel
from pytest_aisbench.registry import MODELS
from pytest_aisbench.secret import Secret
from pytest_aisbench.transport import HTTP_CLIENTS
from pytest_aisbench.transport.base import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_S

API_KEY_ENV = "AISBENCH_API_KEY"
"""Read when a backend's ``api_key`` is empty, so keys stay out of files and command lines."""
MODEL_NAME_KEYS = ("model", "model_name")
"""The keys naming the served model (Triton's configs say ``model_name``)."""

_NUMBER = (int, float)
# key -> (allowed types, description of what is allowed); ranges are in `_in_range`
_COMMON_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "attr": ((str,), "'service' or 'local'"),
    "type": ((type, str), "a subclass of BaseAPIModel or BaseModel, or its registered name"),
    "abbr": ((str,), "a name of letters, digits, '_', '-' or '.'"),
    "path": ((str,), "a tokenizer or weights folder that exists here (no hub ids), or ''"),
    "max_out_len": ((int,), "an integer >= 1"),
    "batch_size": ((int,), "an integer from 1 to 100000"),
    "generation_kwargs": ((dict,), "a dict passed to the server or model as is"),
    "trust_remote_code": ((bool,), "True or False"),
    "meta_template": ((dict, type(None)), "a dict with a 'round' list of role dicts, or None"),
    "pred_postprocessor": ((dict, type(None)), "dict(type=<function>, **its keyword arguments)"),
    "timeout": (
        _NUMBER,
        "seconds a request may wait for the server's next bytes (local: for a batch), > 0",
    ),
    "run_cfg": ((dict,), "AISBench's dict(num_gpus=..., num_procs=...)"),
}
_SERVICE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "model": ((str,), "the served model name, or '' to ask the server"),
    "model_name": (
        (str,),
        "the served model name (AISBench's Triton key), or '' to ask the server",
    ),
    "stream": ((bool,), "True or False"),
    "request_rate": (_NUMBER, "a number of requests per second from 0 to 64000 (< 0.1: unpaced)"),
    "use_timestamp": ((bool,), "True or False"),
    "traffic_cfg": ((dict,), "AISBench's dict(burstiness=..., ramp_up_strategy=..., ...)"),
    "retry": ((int,), "an integer from 0 to 1000 (retries after the first attempt)"),
    "api_key": ((str,), "a string (or '' to read $AISBENCH_API_KEY)"),
    "host_ip": ((str,), "a host name or IP address"),
    "host_port": ((int,), "a port from 1 to 65535"),
    "url": ((str,), "'' or a URL starting with http:// or https://"),
    "enable_ssl": ((bool,), "True or False"),
    "verbose": ((bool,), "True or False"),
    "returns_tool_calls": ((bool,), "True or False"),
    "server": ((dict,), "dict(cmd=[...], env={...}, ready_path='/v1/models', startup_timeout=600)"),
    "deadline": (_NUMBER, "seconds one attempt may take in all, >= 0 (0: none)"),
    "max_response_bytes": ((int,), "the size cap of one response in bytes, >= 1"),
    "verify_ssl": ((bool,), "True (check https certificates) or False (insecure, warned)"),
    "ca_bundle": ((str,), "'' or a PEM file of CA certificates that exists"),
    "http_client": ((str,), "'httpx' (the default) or 'asyncio' (the fast client, for load)"),
}
_LOCAL_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "max_seq_len": ((int, type(None)), "an integer >= 1, or None (the model's context length)"),
    "tokenizer_only": ((bool,), "True or False"),
    "sync_rank": ((bool,), "True or False"),
    "tokenizer_path": ((str, type(None)), "a tokenizer folder, or None to use path"),
    "tokenizer_kwargs": ((dict,), "a dict for the tokenizer's from_pretrained"),
    "model_kwargs": ((dict,), "a dict for the model's from_pretrained (or vLLM's LLM)"),
    "sample_kwargs": ((dict,), "a dict of sampling parameters"),
    "vision_kwargs": ((dict,), "a dict of image processing settings (min_pixels, max_pixels)"),
    "stop_words": ((list, tuple), "a list of strings that end generation"),
    "pad_token_id": ((int, type(None)), "a token id, or None"),
    "mode": ((str,), "'none' or 'mid' (how a too-long prompt is cut)"),
    "peft_path": ((str, type(None)), "a PEFT adapter folder, or None"),
    "batch_padding": ((bool,), "True or False"),
    "peft_kwargs": ((dict,), "a dict for PeftModel.from_pretrained"),
    "chat_template_kwargs": (
        (dict,),
        "a dict passed to the tokenizer's apply_chat_template (e.g. enable_thinking=False)",
    ),
    "hf_cache_dir": ((str, type(None)), "transformers' cache folder, or None ($HF_MODEL_HUB)"),
    "extract_pred_after_decode": ((bool,), "True or False"),
    "drop_middle": ((bool,), "True or False (True: mode='mid')"),
    "end_str": ((str, type(None)), "a string that ends generation, or None"),
    "use_fastchat_template": ((bool,), "False (fastchat templates are not supported)"),
}
ALL_KEYS = {**_COMMON_KEYS, **_SERVICE_KEYS, **_LOCAL_KEYS}
NO_EFFECT_KEYS = {
    "use_timestamp": "requests are paced by request_rate; trace timestamps are not replayed",
    "traffic_cfg": "load shapes are aisbench_perf.run() arguments (burstiness, ramp_up, ...)",
    "run_cfg": "one process per xdist worker (-n N); no torchrun",
    "batch_padding": "only HuggingFace and HuggingFaceCausalLM read it; the others always pad",
    "returns_tool_calls": "tool calls are not evaluated",
}
"""AISBench keys accepted with their meaning that change nothing here, and why."""
_PLUGIN_KEYS = {
    "attr",
    "type",
    "abbr",
    "batch_size",
    "request_rate",
    "server",
    "timeout",
    "verify_ssl",
    "ca_bundle",
    "http_client",
    "deadline",
    "max_response_bytes",
    "pred_postprocessor",
    "use_timestamp",
    "traffic_cfg",
    "run_cfg",
    "returns_tool_calls",
}
"""Keys the plugin consumes itself; the rest go to the backend class's constructor."""
_ABBR = re.compile(r"^[A-Za-z0-9_.\-]+$")
_SERVER_KEYS = {"cmd", "env", "ready_path", "startup_timeout", "cwd"}


@dataclass(frozen=True)
class ServerConfig:
    """An inference server the plugin starts for the session and stops at its end."""

    cmd: tuple[str, ...]
    """The command as an argument list; ``{host}`` and ``{port}`` are filled from the backend."""
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/v1/models"
    startup_timeout: float = 600.0
    cwd: str | None = None


@dataclass(frozen=True)
class Postprocessor:
    """A backend's ``pred_postprocessor``: applied to a prediction before answer extraction."""

    func: Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, text: str) -> Any:
        return self.func(text, **self.kwargs)


@dataclass(frozen=True)
class ModelConfig:
    """One validated entry of a backend file's ``models`` list."""

    abbr: str
    attr: str
    cls: type[BaseModel]
    source: str
    """The backend file it came from, for messages."""
    settings: dict[str, Any]
    """Every key but the plugin's own, as given (``api_key`` held as a `Secret`)."""
    batch_size: int = 1
    request_rate: float = 0.0
    server: ServerConfig | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    tls_verify: bool | str = True
    """False, True, or the path of a CA bundle that https certificates are checked against."""
    http_client: str | None = None
    """The backend key ``http_client``; None leaves the class's own default (``httpx``)."""
    pred_postprocessor: Postprocessor | None = None
    deadline_s: float | None = None
    """The backend key ``deadline``; None: ``timeout`` + 1 s per token of ``max_out_len``."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    api_key_stripped: bool = False
    """Whether ``api_key`` had surrounding whitespace (a CR/LF read from a file) and lost it."""
    plugin_keys: dict[str, Any] = field(default_factory=dict)
    """The plugin's own keys as given, set as attributes too (AISBench code may read them)."""

    @property
    def base_url(self) -> str:
        """Where the service listens, from ``url`` or ``host_ip``/``host_port``."""
        get = self.settings.get
        url = service_base_url(
            str(get("url") or ""),
            str(get("host_ip", "localhost")),
            int(get("host_port", 8080)),
            bool(get("enable_ssl")),
        )
        return url.rstrip("/")

    @property
    def no_effect_keys(self) -> list[str]:
        """The AISBench keys of this entry that change nothing here (`NO_EFFECT_KEYS`)."""
        given = {**self.settings, **self.plugin_keys}
        taken = inspect.signature(self.cls.__init__).parameters  # a key the class names works
        return [key for key in NO_EFFECT_KEYS if key in given and key not in taken]

    def build(self, transport: Any = None) -> BaseModel:
        """The backend object, built in one place.

        Every key is set as an attribute before the class's ``__init__`` runs, so its first
        line can read any of them; the keys its signature takes are also passed to it. For a
        class that asks for it (`asks_model_name`), an empty ``model`` (``model_name``) is
        resolved first with its `_get_service_model_path`, so ``__init__`` never waits on the
        network; any other class keeps ``""`` unless its own ``__init__`` asks. A server that
        names no model is a `ConfigError` on the ``model`` key. `transport` replaces the HTTP
        client (tests hand a mock one here).
        """
        params = inspect.signature(self.cls.__init__).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        kwargs = {k: v for k, v in self.settings.items() if takes_any or k in params}
        instance = self.cls.__new__(self.cls)
        preset: dict[str, Any] = {**self.plugin_keys, **self.settings, "abbr": self.abbr}
        if isinstance(instance, BaseAPIModel):
            preset.update(
                timeout_s=self.timeout_s,
                tls_verify=self.tls_verify,
                max_connections=self.batch_size,
                transport=transport,
                deadline_s=self.deadline_s,
                max_response_bytes=self.max_response_bytes,
                base_url=self.base_url + "/",
            )
            if self.http_client is not None:
                preset["http_client"] = self.http_client
        vars(instance).update(preset)
        key = next((k for k in MODEL_NAME_KEYS if k in self.settings), MODEL_NAME_KEYS[0])
        try:
            if (
                isinstance(instance, BaseAPIModel)
                and instance.asks_model_name
                and key in self.settings
                and not self.settings[key]
            ):
                name = instance._get_service_model_path()
                setattr(instance, key, name)
                if key in kwargs:
                    kwargs[key] = name
            instance.__init__(**kwargs)  # type: ignore[misc]
        except ModelNameError as exc:
            raise ConfigError(
                f"{type(instance).__name__} asks the server for the served model's name when it "
                f'is "", and {exc.request} {exc.reason}; set the name: {key}="NAME" in the file, '
                f"or --aisbench-set {key}=NAME",
                source=self.source,
                key=key,
            ) from None
        return instance

    def __repr__(self) -> str:
        return f"ModelConfig(abbr={self.abbr!r}, type={self.cls.__name__}, source={self.source!r})"


def validate_model(entry: dict[str, Any], source: str) -> ModelConfig:
    """Check every key of one model entry; the first problem raises `ConfigError`."""
    for key in ("attr", "type", "abbr"):
        if key not in entry:
            raise ConfigError("missing required key", source=source, key=key)
    attr = entry["attr"]
    allowed = {**_COMMON_KEYS, **(_SERVICE_KEYS if attr == "service" else _LOCAL_KEYS)}
    # attr first: the allowed keys depend on it, so a bad attr must be reported as itself
    for key, value in sorted(entry.items(), key=lambda item: item[0] != "attr"):
        if key not in allowed:
            raise ConfigError(
                f"unknown key for attr={attr!r}; allowed keys: {', '.join(sorted(allowed))}",
                source=source,
                key=key,
            )
        types, what = allowed[key]
        bad_type = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        if bad_type or not _in_range(key, value, entry):
            raise ConfigError(
                f"invalid value {_shown(key, value)}; expected {what}", source=source, key=key
            )
    cls = _backend_class(entry["type"], source)
    if (attr == "service") != issubclass(cls, BaseAPIModel):
        raise ConfigError(
            f"attr={attr!r} does not match {cls.__name__}: service backends "
            "subclass BaseAPIModel, local ones BaseModel",
            source=source,
            key="attr",
        )
    settings = {k: v for k, v in entry.items() if k not in _PLUGIN_KEYS}
    cls.check_config(settings, source)  # packages, weights, memory: before any item runs
    key = ""
    if attr == "service":
        key = entry.get("api_key") or os.environ.get(API_KEY_ENV, "")
        settings["api_key"] = Secret(key.strip())
    return ModelConfig(
        abbr=entry["abbr"],
        attr=attr,
        cls=cls,
        source=source,
        settings=settings,
        batch_size=entry.get("batch_size", 1),
        request_rate=float(entry.get("request_rate", 0)),
        server=_server_config(entry["server"], source) if "server" in entry else None,
        timeout_s=float(entry.get("timeout", DEFAULT_TIMEOUT_S)),
        tls_verify=_tls_verify(entry),
        http_client=entry.get("http_client"),
        pred_postprocessor=_postprocessor(entry.get("pred_postprocessor"), source),
        deadline_s=float(entry["deadline"]) if "deadline" in entry else None,
        max_response_bytes=entry.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES),
        api_key_stripped=key != key.strip(),
        plugin_keys={k: v for k, v in entry.items() if k in _PLUGIN_KEYS - {"attr", "type"}},
    )


def _backend_class(value: type | str, source: str) -> type[BaseModel]:
    """The class of ``type``: given, or its name in the `MODELS` registry."""
    try:
        cls = MODELS.get(value) if isinstance(value, str) else value
    except ConfigError as exc:
        raise ConfigError(str(exc), source=source, key="type") from None
    if not issubclass(cls, BaseModel):
        raise ConfigError(
            f"{cls.__name__} is not a BaseModel or BaseAPIModel subclass", source=source, key="type"
        )
    return cls


def _postprocessor(raw: dict[str, Any] | None, source: str) -> Postprocessor | None:
    if raw is None:
        return None
    kwargs = dict(raw)
    func = kwargs.pop("type", None)
    if not callable(func):
        raise ConfigError(
            f"invalid value {raw!r}; expected dict(type=<a function of the prediction text>, "
            "**its keyword arguments), e.g. dict(type=extract_non_reasoning_content)",
            source=source,
            key="pred_postprocessor",
        )
    return Postprocessor(func, kwargs)


def _in_range(key: str, value: Any, entry: dict[str, Any]) -> bool:
    checks = {
        "attr": lambda v: v in ("service", "local"),
        "abbr": lambda v: bool(_ABBR.match(v)),
        "path": lambda v: not v or Path(v).expanduser().exists(),
        "max_out_len": lambda v: v >= 1,
        "batch_size": lambda v: 1 <= v <= 100_000,
        "request_rate": lambda v: 0 <= v <= 64_000,
        "retry": lambda v: 0 <= v <= 1000,
        "host_ip": lambda v: bool(v.strip()),
        "host_port": lambda v: 1 <= v <= 65535,
        "url": lambda v: not v or re.match(r"^https?://[^/\s]+", v) is not None,
        "max_seq_len": lambda v: v is None or v >= 1,
        "mode": lambda v: v in ("none", "mid"),
        "stop_words": lambda v: all(isinstance(w, str) for w in v),
        "timeout": lambda v: v > 0,
        "deadline": lambda v: v >= 0,
        "max_response_bytes": lambda v: v >= 1,
        "http_client": lambda v: v in HTTP_CLIENTS,
        "ca_bundle": lambda v: not v or _is_ca_bundle(Path(v).expanduser()),
    }
    check = checks.get(key)
    return check is None or bool(check(value))


def _is_ca_bundle(path: Path) -> bool:
    """Whether `path` is a file holding at least one PEM certificate that ssl can load."""
    if not path.is_file():
        return False
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        return False
    return True


def _tls_verify(entry: dict[str, Any]) -> bool | str:
    """False (``verify_ssl=False``), the CA bundle's path (``~`` expanded), or True."""
    if not entry.get("verify_ssl", True):
        return False
    bundle = entry.get("ca_bundle") or ""
    return str(Path(bundle).expanduser()) if bundle else True


def _shown(key: str, value: Any) -> str:
    return "'***'" if key == "api_key" else repr(value)


def _server_config(raw: dict[str, Any], source: str) -> ServerConfig:
    unknown = set(raw) - _SERVER_KEYS
    if unknown:
        raise ConfigError(
            f"unknown server keys {sorted(unknown)}; allowed: {sorted(_SERVER_KEYS)}",
            source=source,
            key="server",
        )
    cmd = raw.get("cmd")
    if not isinstance(cmd, (list, tuple)) or not cmd or not all(isinstance(a, str) for a in cmd):
        raise ConfigError(
            "server cmd must be a non-empty argument list of strings (no shell "
            "string), e.g. ['python', '-m', 'vllm.entrypoints.openai.api_server']",
            source=source,
            key="server",
        )
    env = raw.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ConfigError("server env must be a dict of strings", source=source, key="server")
    timeout = raw.get("startup_timeout", 600.0)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise ConfigError(
            "server startup_timeout must be a number of seconds > 0", source=source, key="server"
        )
    return ServerConfig(
        cmd=tuple(cmd),
        env=dict(env),
        ready_path=str(raw.get("ready_path", "/v1/models")),
        startup_timeout=float(timeout),
        cwd=raw.get("cwd"),
    )
