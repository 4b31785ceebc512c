"""The selected backends: read once per process, so every item and request uses the same
`ModelConfig` objects."""

from __future__ import annotations

import pytest

from pytest_aisbench.backend_files import find_backend, load_backend_file, parse_override
from pytest_aisbench.config import ModelConfig
from pytest_aisbench.errors import AisbenchError
from pytest_aisbench.options import Settings


class SelectedBackends:
    """The ``--aisbench-model`` backends, with every ``--aisbench-set`` override, in order.

    What is risky but allowed in a backend file (a stripped api key, unchecked certificates)
    is said once, as a config-time warning; an abbr selected twice is refused, since records
    and items are keyed by it.
    """

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        overrides = [parse_override(text) for text in settings.overrides]
        self.models: list[ModelConfig] = []
        for name in settings.model_names:
            file = find_backend(name, settings.backend_dirs)
            self.models.extend(load_backend_file(file, overrides))
        for model in self.models:
            if model.api_key_stripped:
                config.issue_config_time_warning(
                    pytest.PytestConfigWarning(
                        f"backend {model.abbr!r} ({model.source}): the api key had whitespace "
                        "around it (a line end read from a file?); it was stripped"
                    ),
                    stacklevel=2,
                )
            if model.tls_verify is False:
                config.issue_config_time_warning(
                    pytest.PytestConfigWarning(
                        f"backend {model.abbr!r} ({model.source}): verify_ssl=False, so https "
                        "certificates are NOT checked; prefer ca_bundle='/path/to/ca.pem'"
                    ),
                    stacklevel=2,
                )
        abbrs = [m.abbr for m in self.models]
        duplicates = sorted({a for a in abbrs if abbrs.count(a) > 1})
        if duplicates:
            raise AisbenchError(f"backend abbr used twice: {', '.join(duplicates)}")

    def model(self, abbr: str) -> ModelConfig:
        """The selected backend called `abbr`."""
        return next(model for model in self.models if model.abbr == abbr)
