"""Shared fixtures. Every test runs without inherited GIT_* variables (see helpers)."""

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.delenv("TPM_TODAY", raising=False)


# Hypothesis profiles (tests/test_fuzz.py): "ci" is the default, bounded and reproducible;
# run `HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py` to fuzz for longer.
from hypothesis import HealthCheck, settings  # noqa: E402  (the profiles sit beside their comment, after the fixtures)

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci", max_examples=50, deadline=None, suppress_health_check=_SLOW_OK, derandomize=True, database=None
)
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
