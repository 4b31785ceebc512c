"""What backend files, dataset config files and summary-group files share: all are the user's
Python, run as modules, and a failure in one must show the user's own lines, not the plugin's."""

from __future__ import annotations

import traceback
from pathlib import Path

from pytest_aisbench.errors import ConfigError


def import_failure(file: Path, exc: BaseException) -> ConfigError:
    """The error for `file` failing to run: the last frames in its folder (the file and the
    modules beside it, which is where the mistake is), then the exception."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).parent == file.parent
    ]
    where = "".join(traceback.format_list(frames[-3:]))
    return ConfigError(f"failed to import:\n{where}{type(exc).__name__}: {exc}", source=str(file))
