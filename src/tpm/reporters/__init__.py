"""Output formats for `tpm check`. A reporter turns a finished `Result` into text and
decides nothing: which diagnostics exist and how severe they are is settled before."""

from __future__ import annotations

from tpm.reporters import json_format, text

REPORTERS = {
    "text": text.render,
    "json": json_format.render,
}

__all__ = ["REPORTERS"]
