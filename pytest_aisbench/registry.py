"""The registries of named classes and functions (AISBench path: ``ais_bench.benchmark.registry``):
backends (``MODELS``) and what dataset configs name (datasets, postprocessors, evaluators,
templates, retrievers, inferencers).

Backend modules register their classes with ``@MODELS.register_module()``, as AISBench's do,
and a config may then name a class as a string: ``type="MyCustomAPI"``. Installed packages add
classes through the entry-point group ``pytest_aisbench.models`` (``MyCustomAPI =
"my_pkg.backends:MyCustomAPI"``); they are loaded the first time a name is not found, so a
broken plugin costs nothing until it is asked for, and then fails with its own error.

Registering a second, different class under a taken name is not an error by itself (AISBench's
own modules re-register the built-in names); asking for that name is, since it would be
ambiguous. One registry, one error type: `ConfigError`.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, TypeVar

from pytest_aisbench.errors import ConfigError

ENTRY_POINT_GROUP = "pytest_aisbench.models"
C = TypeVar("C", bound=Any)
"""A registered class or function."""


class Registry:
    """Classes by name; a name may hold several classes only until someone asks for it."""

    def __init__(self, kind: str, entry_point_group: str, variable: str) -> None:
        self.kind = kind
        self.entry_point_group = entry_point_group
        self.variable = variable
        """Its name in this module, for messages: ``MODELS``."""
        self._classes: dict[str, list[Any]] = {}
        self._entry_points_loaded = False

    def register_module(self, name: Any = None, force: bool = False, module: Any = None) -> Any:
        """``@register_module()``, ``@register_module(name="X")`` or ``register_module(module=C)``.

        `force` replaces whatever the name held (AISBench's meaning).
        """
        if callable(name):  # used bare: @MODELS.register_module
            return self.register_module(module=name, force=force)

        def register(cls: C) -> C:
            key = name or cls.__name__
            held = [] if force else self._classes.get(key, [])
            if not any(_same_class(cls, other) for other in held):
                held = [*held, cls]
            self._classes[key] = held
            return cls

        if module is not None:
            return register(module)
        return register

    def get(self, name: str) -> Any:
        """The class registered as `name`; unknown or ambiguous names raise `ConfigError`."""
        if name not in self._classes:
            self.load_entry_points()
        held = self._classes.get(name, [])
        if not held:
            known = ", ".join(sorted(self._classes)) or "(none)"
            raise ConfigError(
                f"no {self.kind} registered as {name!r}; registered: {known}. Register one "
                f"with @{self.variable}.register_module() (pytest_aisbench.registry) or the "
                f"entry-point group {self.entry_point_group!r}"
            )
        if len(held) > 1:
            where = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in held)
            raise ConfigError(
                f"{self.kind} name {name!r} is ambiguous: registered by {where}; "
                "give the class itself as type=, or register it under another name"
            )
        return held[0]

    def classes(self, name: str) -> list[Any]:
        """Everything registered as `name` (more than one makes the name ambiguous)."""
        return list(self._classes.get(name, []))

    def names(self) -> list[str]:
        """Every registered name, entry points included."""
        self.load_entry_points()
        return sorted(self._classes)

    def load_entry_points(self) -> None:
        """Import every class the installed packages declare, once; a broken one says which."""
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for point in entry_points(group=self.entry_point_group):
            try:
                loaded = point.load()
            except Exception as exc:
                raise ConfigError(
                    f"entry point {point.name} = {point.value!r} (group "
                    f"{self.entry_point_group!r}) failed to load: {type(exc).__name__}: {exc}"
                ) from None
            if not callable(loaded):
                raise ConfigError(
                    f"entry point {point.name} = {point.value!r} is not a class or function"
                )
            self.register_module(name=point.name, module=loaded)

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._classes)} names)"


def _same_class(a: Any, b: Any) -> bool:
    """The same class, or the same definition imported twice (a module loaded again)."""
    return a is b or (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


MODELS = Registry("backend class", ENTRY_POINT_GROUP, "MODELS")
"""Backend classes (service and local), by name."""
LOAD_DATASET = Registry("dataset", "pytest_aisbench.datasets", "LOAD_DATASET")
"""Dataset classes (`BaseDataset` subclasses): a dataset config's ``type``."""
TEXT_POSTPROCESSORS = Registry(
    "text postprocessor", "pytest_aisbench.text_postprocessors", "TEXT_POSTPROCESSORS"
)
"""Functions ``(text, **kwargs) -> str``: a config's ``pred_postprocessor`` and
``dataset_postprocessor`` ``type``."""
ICL_EVALUATORS = Registry("evaluator", "pytest_aisbench.evaluators", "ICL_EVALUATORS")
"""Evaluator classes (`BaseEvaluator` subclasses): a config's ``eval_cfg.evaluator`` ``type``."""
ICL_PROMPT_TEMPLATES = Registry(
    "prompt template", "pytest_aisbench.prompt_templates", "ICL_PROMPT_TEMPLATES"
)
ICL_RETRIEVERS = Registry("retriever", "pytest_aisbench.retrievers", "ICL_RETRIEVERS")
ICL_INFERENCERS = Registry("inferencer", "pytest_aisbench.inferencers", "ICL_INFERENCERS")
