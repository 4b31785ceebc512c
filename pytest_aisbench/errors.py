"""Exceptions of pytest-aisbench, grouped by what failed rather than by Python kind.

    AisbenchError
    ├── ConfigError       a backend file, option or setting is wrong (user input: exit status 4)
    ├── DatasetError      a dataset is missing or one of its lines is malformed (user input)
    ├── ServerStartError  a managed server did not start or did not become ready
    └── BackendError      one sample's request failed; recorded as its `error` outcome
        ├── TransportError    no usable response: connection refused or reset, timeout, cut stream
        ├── ServerError       the server answered an HTTP error status (keeps status and body)
        ├── ResponseError     the server answered 2xx but the body cannot be understood
        ├── ModelNameError    ``model=""`` was asked of a server that did not name its model
        └── BackendUnavailable  the backend object could not be created: its samples are not sent

Foreign exceptions (httpx, json) become these at one boundary: the transports
(`pytest_aisbench.transport`).
"""

from __future__ import annotations


class AisbenchError(Exception):
    """Base of every error raised by pytest-aisbench."""


class ConfigError(AisbenchError):
    """A configuration value is wrong; the message names the source, the key and what is allowed."""

    def __init__(self, message: str, *, source: str = "", key: str = "") -> None:
        self.source = source
        self.key = key
        where = ": ".join(part for part in (source, f"key {key!r}" if key else "") if part)
        super().__init__(f"{where}: {message}" if where else message)


class DatasetError(AisbenchError):
    """A dataset cannot be found or read; the message names the file and line."""


class ServerStartError(AisbenchError):
    """A managed inference server failed to start or to answer its readiness check."""


class BackendError(AisbenchError):
    """One request failed after its retries; becomes the sample's `error` outcome."""

    retryable: bool = False


class TransportError(BackendError):
    """No usable response arrived: connection refused or reset, timeout, or a stream cut short."""

    retryable = True

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ServerError(BackendError):
    """The server answered with an HTTP error status; 429 and 5xx are worth a retry."""

    def __init__(self, status: int, body: str, retry_after: float | None = None) -> None:
        self.status = status
        self.body = body
        self.retry_after = retry_after
        self.retryable = status == 429 or status >= 500
        super().__init__(f"HTTP {status}: {body[:500]}" if body else f"HTTP {status}")


class ResponseError(BackendError):
    """The server answered 2xx with a body or event that cannot be parsed."""


class ModelNameError(BackendError):
    """A class asked the server for its served model name (``model=""``) and got none.

    The builder turns it into a `ConfigError` naming the backend file and the key, since the
    fix is a config value: the served name.
    """

    def __init__(self, request: str, reason: str) -> None:
        self.request = request
        """What was asked: ``GET http://host:port/v1/models``."""
        self.reason = reason
        """What came back: ``answered HTTP 404``, ``listed no model: ...``."""
        super().__init__(f"{request} {reason}")


class BackendUnavailable(BackendError):
    """The backend object could not be created, so none of its samples is sent.

    `config` says whether its config was the cause (a `ConfigError`: the session then ends with
    exit status 4, as for any bad config).
    """

    def __init__(self, message: str, config: bool = False) -> None:
        super().__init__(message)
        self.config = config
