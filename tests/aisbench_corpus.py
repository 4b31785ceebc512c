"""AISBench's own files as a compatibility corpus: the pinned wheel, read without installing it.

The wheel is fetched once with ``pip download --no-deps`` into the cache the other set-ups use
(``$AISBENCH_CACHE_DIR/wheels``, default ``~/.cache/pytest-aisbench/wheels``). Its files are
read from the zip and written, with ``ais_bench.benchmark`` renamed to ``pytest_aisbench``
(the one rename the README promises), into a folder of the test's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

WHEEL = "ais-bench-benchmark==3.1.20260630"
WHEEL_GLOB = "ais_bench_benchmark-3.1.20260630-*.whl"
PACKAGE = "ais_bench/benchmark/"
CACHE = Path(
    os.environ.get("AISBENCH_CACHE_DIR", Path.home() / ".cache" / "pytest-aisbench")
).expanduser()


def renamed(text: str) -> str:
    """A file after the README's one import rename."""
    return text.replace("ais_bench.benchmark", "pytest_aisbench")


def fetch_wheel() -> Path:
    """The cached wheel, downloaded first if need be; skipped (or failed in CI) when offline."""
    folder = CACHE / "wheels"
    found = sorted(folder.glob(WHEEL_GLOB))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), WHEEL],
            capture_output=True,
            text=True,
            timeout=600,
        )
        found = sorted(folder.glob(WHEEL_GLOB))
        if not found:
            message = f"cannot download {WHEEL}: {done.stderr.strip()[-500:]}"
            if os.environ.get("AISBENCH_REQUIRE_REAL") == "1":
                pytest.fail(message)
            pytest.skip(message)
    return found[0]


class Corpus:
    """The wheel's files by path inside ``ais_bench/benchmark/``, renamed."""

    def __init__(self, wheel: Path) -> None:
        with zipfile.ZipFile(wheel) as archive:
            self.files = {
                name.removeprefix(PACKAGE): renamed(archive.read(name).decode("utf-8"))
                for name in archive.namelist()
                if name.startswith(PACKAGE) and name.endswith(".py")
            }

    def under(self, folder: str) -> list[str]:
        """The paths of the ``.py`` files under `folder`, sorted, ``__init__.py`` left out."""
        return sorted(
            path
            for path in self.files
            if path.startswith(folder) and not path.endswith("__init__.py")
        )

    def write(
        self, path: str, folder: Path, name: str | None = None, text: str | None = None
    ) -> Path:
        """Write one renamed file (or `text` in its place) into `folder`."""
        target = folder / (name or Path(path).name)
        target.write_text(self.files[path] if text is None else text, encoding="utf-8")
        return target
