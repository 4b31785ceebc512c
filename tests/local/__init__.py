"""Tests of local (in-process) models: a package, so its conftest.py does not shadow
tests/conftest.py."""
