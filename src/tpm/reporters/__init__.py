"""Output formats for `tpm check`. A reporter turns a finished `Result` into text and
decides nothing: which diagnostics exist and how severe they are is settled before."""

from __future__ import annotations

from tpm.reporters import codequality, github, json_format, junit, sarif, text

REPORTERS = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "codequality": codequality.render,
}

__all__ = ["REPORTERS"]
