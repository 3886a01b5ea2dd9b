"""Output formats for `tpm check`. A reporter turns a finished `Result` into text and
decides nothing: which diagnostics exist and how severe they are is settled before."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tpm.reporters import codequality, github, json_format, junit, sarif, text

if TYPE_CHECKING:
    from tpm.engine import Result

# junit.render also takes `strict` (a passing test case depends on it); the CLI passes it.
REPORTERS: dict[str, Callable[[Result], str]] = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "codequality": codequality.render,
}

__all__ = ["REPORTERS"]
