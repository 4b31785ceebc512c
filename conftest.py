"""Repository-wide pytest settings: the project's tests and suites read GSM8K from ../shared."""

import os
from pathlib import Path

_SHARED_DATASETS = Path(__file__).resolve().parent.parent / "shared" / "datasets"

if _SHARED_DATASETS.is_dir():
    os.environ.setdefault("AISBENCH_DATASETS_DIR", str(_SHARED_DATASETS))
