"""A plain `pip install .` ships every subpackage and the built-in backends, and no `backends`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (path,) = out.glob("pytest_aisbench-*.whl")
    return zipfile.ZipFile(path)


def test_every_package_module_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    shipped = {name for name in wheel.namelist() if name.endswith(".py")}
    source = {
        str(path.relative_to(REPO))
        for path in (REPO / "pytest_aisbench").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert source <= shipped, sorted(source - shipped)


def test_every_package_directory_is_in_pyprojects_packages_list() -> None:
    """setuptools ships only the packages pyproject lists, so a new folder of modules left out
    of it is missing from ``pip install .`` while the editable checkout works: every folder
    under pytest_aisbench/ that holds a .py file must be listed (checked without a build)."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "pytest_aisbench").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders <= listed, sorted(folders - listed)


def test_builtin_backends_and_suites_ship_inside_the_package_not_as_top_level_modules(
    wheel: zipfile.ZipFile,
) -> None:
    names = wheel.namelist()
    backends = {Path(n).name for n in names if n.startswith("pytest_aisbench/builtin_backends/")}
    assert {p.name for p in (REPO / "backends").glob("*.py")} <= backends
    suites = {n.removeprefix("pytest_aisbench/builtin_suites/") for n in names}
    assert {str(p.relative_to(REPO / "suites")) for p in (REPO / "suites").rglob("*.py")} <= suites
    assert not [n for n in names if n.startswith(("backends/", "suites/"))]


def test_the_projects_own_test_settings_stay_out_of_runs_of_suites() -> None:
    """``pytest suites/`` from the repository loads no pytester: its option is unknown there."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "suites/accuracy", "--co", "-q", "--runpytest=inprocess"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 4
    assert "unrecognized arguments: --runpytest=inprocess" in done.stderr
