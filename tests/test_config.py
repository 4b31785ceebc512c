"""Backend files: loading, validating every key with a clear error, overrides, lookup, build."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pytest_aisbench.backend_files import (
    backend_names,
    find_backend,
    load_backend_file,
    parse_override,
)
from pytest_aisbench.config import API_KEY_ENV, ModelConfig, ServerConfig
from pytest_aisbench.errors import ConfigError
from pytest_aisbench.models import BaseAPIModel, VLLMCustomAPIChat
from pytest_aisbench.secret import Secret

REPO_BACKENDS = Path(__file__).resolve().parents[1] / "backends"
HEADER = "from pytest_aisbench.models import BaseAPIModel, BaseModel, VLLMCustomAPIChat\n"
BASE_ENTRY = 'dict(attr="service", type=VLLMCustomAPIChat, abbr="b")'
API_KEY = "sk-test-0123456789abcdef"


def write_backend(folder: Path, body: str, name: str = "mybackend") -> Path:
    """A backend file `name`.py in `folder` holding HEADER then `body`."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}.py"
    file.write_text(HEADER + textwrap.dedent(body))
    return file


def write_entry(folder: Path, extra: str = "{}") -> Path:
    """A backend file whose one model is BASE_ENTRY updated with the dict literal `extra`."""
    return write_backend(folder, f"models = [{BASE_ENTRY} | {extra}]\n")


def load_error(file: Path, overrides: list[tuple[str, Any]] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_backend_file(file, overrides or [])
    return info.value


# -- a valid file ---------------------------------------------------------------------------


def test_minimal_service_entry_loads_with_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    file = write_entry(tmp_path)
    [config] = load_backend_file(file)
    assert config.abbr == "b"
    assert config.attr == "service"
    assert config.cls is VLLMCustomAPIChat
    assert config.source == str(file)
    assert config.batch_size == 1
    assert config.request_rate == 0.0
    assert config.server is None
    assert config.settings == {"api_key": ""}
    assert isinstance(config.settings["api_key"], Secret)
    assert config.base_url == "http://localhost:8080"


def test_plugin_keys_stay_out_of_settings(tmp_path: Path) -> None:
    file = write_entry(
        tmp_path,
        'dict(batch_size=16, request_rate=2, host_port=8000, model="m", '
        'server=dict(cmd=["vllm", "serve", "m"], env={"A": "1"}, startup_timeout=30))',
    )
    [config] = load_backend_file(file)
    assert config.batch_size == 16
    assert config.request_rate == 2.0
    assert isinstance(config.request_rate, float)
    assert config.server == ServerConfig(
        cmd=("vllm", "serve", "m"), env={"A": "1"}, ready_path="/v1/models", startup_timeout=30.0
    )
    assert set(config.settings) == {"host_port", "model", "api_key"}
    assert config.settings["host_port"] == 8000


@pytest.mark.parametrize(
    ("extra", "client"),
    [('dict(model="m")', "httpx"), ('dict(model="m", http_client="asyncio")', "asyncio")],
)
def test_http_client_reaches_the_backend_and_defaults_to_httpx(
    tmp_path: Path, extra: str, client: str
) -> None:
    [config] = load_backend_file(write_entry(tmp_path, extra))
    assert "http_client" not in config.settings
    model = config.build()
    assert model.http_client == client  # type: ignore[attr-defined]


def test_several_models_in_one_file_load_in_order(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        """
        models = [
            dict(attr="service", type=VLLMCustomAPIChat, abbr="first"),
            dict(attr="service", type=VLLMCustomAPIChat, abbr="second", stream=True),
        ]
        """,
    )
    assert [c.abbr for c in load_backend_file(file)] == ["first", "second"]


LOCAL_BACKENDS = {
    "hf_base": "path",
    "hf_chat": "path",
    "hf_vl": "path",
    "vllm_offline_vl": "path" if importlib.util.find_spec("vllm") else "type",
}
"""Built-in local backends and the key they stop at as shipped: ``path`` is the user's model
folder (or ``type``: vLLM is not installed in this Python). Their sessions run in tests/local/
and tests/real/."""


@pytest.mark.parametrize("name", sorted(p.stem for p in REPO_BACKENDS.glob("[!_]*.py")))
def test_every_repository_backend_file_is_valid(name: str) -> None:
    if name in LOCAL_BACKENDS:  # every other key passed: the check of the folder comes last
        with pytest.raises(ConfigError, match=f"backends/{name}.py: key '{LOCAL_BACKENDS[name]}'"):
            load_backend_file(REPO_BACKENDS / f"{name}.py")
        return
    configs = load_backend_file(REPO_BACKENDS / f"{name}.py")
    assert [c.abbr for c in configs] == [name]


def test_base_url_from_url_or_host_and_port(tmp_path: Path) -> None:
    [by_url] = load_backend_file(write_entry(tmp_path / "a", 'dict(url="https://x.test/api/")'))
    [ipv6] = load_backend_file(write_entry(tmp_path / "b", 'dict(host_ip="::1", host_port=9)'))
    assert by_url.base_url == "https://x.test/api"
    assert ipv6.base_url == "http://[::1]:9"


# -- one bad value, one clear error -----------------------------------------------------------

BAD_VALUES = [
    # (extra keys, the key named, what the message says is allowed)
    ("dict(batch_size=0)", "batch_size", "an integer from 1 to 100000"),
    ("dict(batch_size=True)", "batch_size", "an integer from 1 to 100000"),
    ("dict(batch_size=2.5)", "batch_size", "an integer from 1 to 100000"),
    ("dict(request_rate=-1)", "request_rate", "from 0 to 64000"),
    ('dict(request_rate="fast")', "request_rate", "from 0 to 64000"),
    ("dict(retry=-1)", "retry", "an integer from 0 to 1000"),
    ("dict(host_port=70000)", "host_port", "a port from 1 to 65535"),
    ("dict(host_port=0)", "host_port", "a port from 1 to 65535"),
    ('dict(host_port="8000")', "host_port", "a port from 1 to 65535"),
    ('dict(host_ip="  ")', "host_ip", "a host name or IP address"),
    ('dict(url="localhost:8000")', "url", "a URL starting with http:// or https://"),
    ('dict(stream="yes")', "stream", "True or False"),
    ("dict(stream=1)", "stream", "True or False"),
    ('dict(trust_remote_code="no")', "trust_remote_code", "True or False"),
    ('dict(attr="cloud")', "attr", "'service' or 'local'"),
    ('dict(abbr="has space")', "abbr", "letters, digits"),
    ("dict(abbr=3)", "abbr", "letters, digits"),
    ("dict(max_out_len=0)", "max_out_len", "an integer >= 1"),
    ("dict(model=None)", "model", "the served model name"),
    ("dict(generation_kwargs=[('temperature', 0)])", "generation_kwargs", "a dict"),
    ('dict(path="/no/such/tokenizer/dir")', "path", "a tokenizer or weights folder that exists"),
    ("dict(colour=1)", "colour", "unknown key for attr='service'; allowed keys: abbr, api_key"),
    ("dict(max_seq_len=4)", "max_seq_len", "unknown key for attr='service'"),
    ("dict(type=dict)", "type", "dict is not a BaseModel or BaseAPIModel subclass"),
    ('dict(type="NoSuchClass")', "type", "no backend class registered as 'NoSuchClass'"),
    ("dict(type=3)", "type", "a subclass of BaseAPIModel or BaseModel, or its registered name"),
    ('dict(attr="local")', "attr", "attr='local' does not match VLLMCustomAPIChat"),
    ('dict(server=dict(cmd="vllm serve m"))', "server", "non-empty argument list of strings"),
    ("dict(server=dict(cmd=[]))", "server", "non-empty argument list of strings"),
    ('dict(server=dict(cmd=["vllm"], port=1))', "server", "unknown server keys ['port']"),
    ('dict(server=dict(cmd=["vllm"], env={"A": 1}))', "server", "env must be a dict of strings"),
    ('dict(server=dict(cmd=["vllm"], startup_timeout=0))', "server", "startup_timeout"),
    ('dict(server="vllm serve m")', "server", "dict(cmd=[...]"),
]


@pytest.mark.parametrize(
    ("extra", "key", "allowed"), BAD_VALUES, ids=[case[0] for case in BAD_VALUES]
)
def test_bad_value_names_file_key_and_what_is_allowed(
    tmp_path: Path, extra: str, key: str, allowed: str
) -> None:
    file = write_entry(tmp_path, extra)
    error = load_error(file)
    message = str(error)
    assert message.startswith(f"{file}: key {key!r}: ")
    assert allowed in message
    assert (error.source, error.key) == (str(file), key)


def test_bad_attr_is_reported_before_keys_it_would_not_allow(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        'models = [dict(type=VLLMCustomAPIChat, abbr="b", host_port=8000, attr="cloud")]\n',
    )
    assert str(load_error(file)) == (
        f"{file}: key 'attr': invalid value 'cloud'; expected 'service' or 'local'"
    )


def test_local_backend_keys_are_checked_too(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        """
        class Local(BaseModel):
            pass

        models = [dict(attr="local", type=Local, abbr="loc", max_seq_len=0)]
        """,
    )
    assert str(load_error(file)) == (
        f"{file}: key 'max_seq_len': invalid value 0; expected an integer >= 1, or None (the "
        "model's context length)"
    )


def test_service_class_for_local_attr_says_which_base_class(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        """
        class Local(BaseModel):
            pass

        models = [dict(attr="service", type=Local, abbr="loc")]
        """,
    )
    assert str(load_error(file)) == (
        f"{file}: key 'attr': attr='service' does not match Local: service backends subclass "
        "BaseAPIModel, local ones BaseModel"
    )


@pytest.mark.parametrize("missing", ["attr", "type", "abbr"])
def test_missing_required_key(tmp_path: Path, missing: str) -> None:
    keys = {"attr": '"service"', "type": "VLLMCustomAPIChat", "abbr": '"b"'}
    del keys[missing]
    entry = ", ".join(f"{k}={v}" for k, v in keys.items())
    file = write_backend(tmp_path, f"models = [dict({entry})]\n")
    assert str(load_error(file)) == f"{file}: key {missing!r}: missing required key"


@pytest.mark.parametrize(
    "body",
    ["x = 1\n", "models = []\n", "models = None\n", f"models = ({BASE_ENTRY},)\n"],
    ids=["missing", "empty", "none", "tuple"],
)
def test_models_must_be_a_non_empty_list(tmp_path: Path, body: str) -> None:
    file = write_backend(tmp_path, body)
    assert str(load_error(file)) == (
        f"{file}: must define a non-empty list `models = [dict(...)]` (a file without one is a "
        "library module that backend files beside it may import, not a backend)"
    )


def test_model_entry_must_be_a_dict(tmp_path: Path) -> None:
    file = write_backend(tmp_path, f'models = [{BASE_ENTRY}, "vllm"]\n')
    assert str(load_error(file)) == f"{file}: models[1] must be a dict, not str"


# -- a file that fails to import ----------------------------------------------------------------


def test_import_error_shows_the_users_lines_and_exception_only(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        """
        def port():
            return 8000 // 0

        models = [dict(attr="service", type=VLLMCustomAPIChat, abbr="b", host_port=port())]
        """,
    )
    message = str(load_error(file))
    assert message.startswith(f"{file}: failed to import:\n")
    assert f'File "{file}", line 4, in port' in message
    assert "return 8000 // 0" in message
    assert f'File "{file}", line 6, in <module>' in message
    assert message.endswith("ZeroDivisionError: integer division or modulo by zero")
    assert "pytest_aisbench/config.py" not in message
    assert "importlib" not in message
    assert "<frozen" not in message
    assert not [m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == str(file)]


def test_bad_import_in_backend_file_names_the_line(tmp_path: Path) -> None:
    file = write_backend(tmp_path, "from pytest_aisbench.models import NoSuchModel\n")
    message = str(load_error(file))
    assert f'File "{file}", line 2, in <module>' in message
    assert "ImportError: cannot import name 'NoSuchModel'" in message
    assert "importlib" not in message


def test_syntax_error_in_backend_file_names_the_line(tmp_path: Path) -> None:
    file = write_backend(tmp_path, "models = [dict(attr='service',]\n")
    message = str(load_error(file))
    assert message.startswith(f"{file}: failed to import:\nSyntaxError: ")
    assert "line 2" in message
    assert "config.py" not in message


# -- the api key never shows ---------------------------------------------------------------------


def test_empty_api_key_is_read_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    [config] = load_backend_file(write_entry(tmp_path, 'dict(api_key="", model="m")'))
    assert config.settings["api_key"] == API_KEY
    assert isinstance(config.settings["api_key"], Secret)


def test_api_key_in_the_file_wins_over_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "sk-env")
    [config] = load_backend_file(write_entry(tmp_path, f'dict(api_key="{API_KEY}")'))
    assert config.settings["api_key"] == API_KEY


def test_no_api_key_anywhere_is_empty(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    [config] = load_backend_file(write_entry(tmp_path))
    assert config.settings["api_key"] == ""


def test_api_key_never_shows_in_reprs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    file = write_entry(tmp_path, 'dict(model="m", host_port=8000)')
    [config] = load_backend_file(file)
    model = config.build()
    assert isinstance(model, BaseAPIModel)
    assert model.api_key == API_KEY
    assert model._auth_headers() == {"Authorization": f"Bearer {API_KEY}"}
    shown = [repr(config), repr(config.settings), str(config.settings), repr(model)]
    shown += [repr(model.api_key), repr(model.headers)]
    assert not [text for text in shown if API_KEY in text]
    assert repr(config) == f"ModelConfig(abbr='b', type=VLLMCustomAPIChat, source={str(file)!r})"
    assert (
        repr(model)
        == "VLLMCustomAPIChat(abbr='b', url='http://localhost:8000/v1/chat/completions')"
    )


@pytest.mark.parametrize("value", ["1234567890123", f"['{API_KEY}']", f"b'{API_KEY}'"])
def test_bad_api_key_type_error_does_not_print_the_value(tmp_path: Path, value: str) -> None:
    file = write_entry(tmp_path, f"dict(api_key={value})")
    message = str(load_error(file))
    assert message == (
        f"{file}: key 'api_key': invalid value '***'; "
        "expected a string (or '' to read $AISBENCH_API_KEY)"
    )


# -- overrides (--aisbench-set) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host_port=8000", ("host_port", 8000)),
        ("stream=True", ("stream", True)),
        ("model=smollm2", ("model", "smollm2")),
        ("model=Qwen/Qwen2.5-0.5B", ("model", "Qwen/Qwen2.5-0.5B")),
        ("model='quoted'", ("model", "quoted")),
        ("url=http://h:1/v1", ("url", "http://h:1/v1")),
        ("request_rate=0.5", ("request_rate", 0.5)),
        ("generation_kwargs={'temperature': 0}", ("generation_kwargs", {"temperature": 0})),
        (" retry = 3", ("retry", 3)),
        ("api_key=", ("api_key", "")),
        ("api_key=a=b", ("api_key", "a=b")),
    ],
)
def test_parse_override_reads_literals(text: str, expected: tuple[str, Any]) -> None:
    assert parse_override(text) == expected


def test_parse_override_keeps_an_unhashable_dict_key_as_text() -> None:
    assert parse_override("generation_kwargs={[1]: 2}") == ("generation_kwargs", "{[1]: 2}")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("nokey", "expected KEY=VALUE"),
        ("=3", "expected KEY=VALUE"),
        ("colour=red", "unknown key 'colour'; allowed keys: abbr, api_key, attr"),
        ("type=x", "unknown key 'type'"),
    ],
)
def test_parse_override_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_override(text)
    assert str(info.value).startswith(f"--aisbench-set {text!r}: ")
    assert fragment in str(info.value)


def test_type_is_not_among_the_allowed_override_keys() -> None:
    with pytest.raises(ConfigError) as info:
        parse_override("colour=red")
    assert "type" not in str(info.value).split("allowed keys: ")[1].split(", ")


def test_overrides_apply_to_every_model_and_are_validated(tmp_path: Path) -> None:
    file = write_entry(tmp_path, "dict(host_port=8080)")
    [config] = load_backend_file(file, [("host_port", 9000), ("batch_size", 4)])
    assert config.settings["host_port"] == 9000
    assert config.batch_size == 4
    error = load_error(file, [parse_override("host_port=70000")])
    assert str(error) == (
        f"{file}: key 'host_port': invalid value 70000; expected a port from 1 to 65535"
    )


# -- finding backend files by name ------------------------------------------------------------


def test_find_backend_first_folder_wins(tmp_path: Path) -> None:
    first = write_backend(tmp_path / "first", "models = []\n", name="shared")
    write_backend(tmp_path / "second", "models = []\n", name="shared")
    write_backend(tmp_path / "second", "models = []\n", name="only_second")
    dirs = [tmp_path / "first", tmp_path / "second"]
    assert find_backend("shared", dirs) == first
    assert find_backend("only_second", dirs) == tmp_path / "second" / "only_second.py"


def test_backend_names_skip_private_files_and_missing_folders(tmp_path: Path) -> None:
    write_backend(tmp_path / "a", "models = []\n", name="_helpers")
    write_backend(tmp_path / "a", "models = []\n", name="tgi")
    names = backend_names([tmp_path / "missing", tmp_path / "a"])
    assert names == {"tgi": tmp_path / "a" / "tgi.py"}


def test_find_backend_unknown_name_lists_known_names_and_folders(tmp_path: Path) -> None:
    write_backend(tmp_path / "a", "models = []\n", name="zeta")
    write_backend(tmp_path / "b", "models = []\n", name="alpha")
    dirs = [tmp_path / "a", tmp_path / "b"]
    with pytest.raises(ConfigError) as info:
        find_backend("vllm_chatt", dirs)
    assert str(info.value) == (
        f"unknown backend 'vllm_chatt'; known backends: alpha, zeta "
        f"(looked in {tmp_path / 'a'}, {tmp_path / 'b'})"
    )


def test_find_backend_with_no_backends_says_none(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"known backends: \(none\)"):
        find_backend("x", [tmp_path])


# -- building the backend object ----------------------------------------------------------------


def test_build_passes_only_the_kwargs_the_constructor_accepts(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        """
        class Tiny(BaseModel):
            def __init__(self, path="", max_seq_len=2048):
                self.seen_at_init = (self.abbr, self.max_out_len, self.batch_size)
                super().__init__(path=path, max_seq_len=max_seq_len)

            def generate(self, input, max_out_len, **kwargs):
                return ["x" for _ in input]

        models = [dict(attr="local", type=Tiny, abbr="tiny", max_seq_len=64,
                       tokenizer_only=True, generation_kwargs=dict(temperature=0),
                       max_out_len=8, batch_size=2)]
        """,
    )
    [config] = load_backend_file(file)
    model: Any = config.build()  # a class of the file's own, with its own attributes
    assert type(model).__name__ == "Tiny"
    assert model.abbr == "tiny"
    assert model.max_seq_len == 64
    assert model.tokenizer_only is False  # not a parameter: BaseModel's default wins
    assert model.generation_kwargs == {}
    # every key is an attribute from __init__'s first line on (AISBench code reads them there)
    assert model.seen_at_init == ("tiny", 8, 2)


def test_build_sets_model_on_a_service_class_without_a_model_parameter(tmp_path: Path) -> None:
    file = write_backend(
        tmp_path,
        """
        class Plain(BaseAPIModel):
            def __init__(self, path="", stream=False, max_out_len=4096, retry=2, api_key="",
                         host_ip="localhost", host_port=8080, url=""):
                super().__init__(path=path, stream=stream, max_out_len=max_out_len,
                                 retry=retry, api_key=api_key, host_ip=host_ip,
                                 host_port=host_port, url=url)
                self.url = self._get_url()

            def _get_url(self):
                return self.base_url + "generate"

        models = [dict(attr="service", type=Plain, abbr="plain", model="served",
                       host_port=9000, retry=5, batch_size=3)]
        """,
    )
    [config] = load_backend_file(file)
    model = config.build()
    assert isinstance(model, BaseAPIModel)
    assert model.abbr == "plain"
    assert model.model == "served"
    assert model.url == "http://localhost:9000/generate"
    assert model.retry == 5


def test_build_of_a_class_taking_kwargs_passes_every_setting_and_abbr(tmp_path: Path) -> None:
    file = write_entry(
        tmp_path,
        'dict(model="m", url="http://srv:1234/", stream=True, max_out_len=64, retry=0, '
        "generation_kwargs=dict(temperature=0), batch_size=8, request_rate=1)",
    )
    [config] = load_backend_file(file)
    model = config.build()
    assert isinstance(model, VLLMCustomAPIChat)
    assert model.abbr == "b"
    assert model.model == "m"
    assert model.url == "http://srv:1234/v1/chat/completions"
    assert (model.stream, model.max_out_len, model.retry) == (True, 64, 0)
    assert model.generation_kwargs == {"temperature": 0}


def test_model_config_is_frozen(tmp_path: Path) -> None:
    [config] = load_backend_file(write_entry(tmp_path))
    assert isinstance(config, ModelConfig)
    with pytest.raises(AttributeError):
        config.abbr = "other"  # type: ignore[misc]
