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
