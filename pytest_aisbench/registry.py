"""The backend class registry, ``MODELS`` (AISBench path: ``ais_bench.benchmark.registry``).

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
C = TypeVar("C", bound=type)


class Registry:
    """Classes by name; a name may hold several classes only until someone asks for it."""

    def __init__(self, kind: str, entry_point_group: str) -> None:
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._classes: dict[str, list[type]] = {}
        self._entry_points_loaded = False

    def register_module(
        self, name: str | None = None, force: bool = False, module: type | None = None
    ) -> Any:
        """``@register_module()``, ``@register_module(name="X")`` or ``register_module(module=C)``.

        `force` replaces whatever the name held (AISBench's meaning).
        """
        if isinstance(name, type):  # used bare: @MODELS.register_module
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

    def get(self, name: str) -> type:
        """The class registered as `name`; unknown or ambiguous names raise `ConfigError`."""
        if name not in self._classes:
            self.load_entry_points()
        held = self._classes.get(name, [])
        if not held:
            known = ", ".join(sorted(self._classes)) or "(none)"
            raise ConfigError(
                f"no {self.kind} class registered as {name!r}; registered: {known}. Register "
                "one with @MODELS.register_module() or the entry-point group "
                f"{self.entry_point_group!r}"
            )
        if len(held) > 1:
            where = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in held)
            raise ConfigError(
                f"{self.kind} name {name!r} is ambiguous: registered by {where}; "
                "give the class itself as type=, or register it under another name"
            )
        return held[0]

    def classes(self, name: str) -> list[type]:
        """Every class registered as `name` (more than one makes the name ambiguous)."""
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
            if not isinstance(loaded, type):
                raise ConfigError(f"entry point {point.name} = {point.value!r} is not a class")
            self.register_module(name=point.name, module=loaded)

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._classes)} names)"


def _same_class(a: type, b: type) -> bool:
    """The same class, or the same definition imported twice (a module loaded again)."""
    return a is b or (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


MODELS = Registry("backend", ENTRY_POINT_GROUP)
"""Backend classes (service and local), by name."""
