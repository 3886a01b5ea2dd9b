"""The words every layer of tpm shares: ISO dates, id order, heading names, status roles.

This module imports nothing of tpm, so that anything may import it: the config, the
model, the rules, history, the reports and the command line read a date, sort ids and
compare headings the same way without importing one another (config -> rules -> model
-> config was a cycle), and there is one date pattern instead of a copy per module.
"""

from __future__ import annotations

import datetime
import re

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
"""`YYYY-MM-DD` as written, unanchored: `fullmatch` it for a whole value, `match` or
`search` it in a line, or build on `ISO_DATE.pattern`."""


def parse_iso_date(value: object) -> datetime.date | None:
    """YYYY-MM-DD only: Python also reads ISO week dates (2026-W01-1), YAML users do not.
    None for anything else, a string or not (the schema or the caller says why)."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def natural_key(document_id: str) -> tuple[int | str, ...]:
    """Sort ids as people do: M-9 before M-10."""
    # re.split with a group puts the digit runs at the odd places; `isdigit` would also
    # take `²`, which `int` refuses.
    return tuple(int(part) if index % 2 else part for index, part in enumerate(re.split(r"([0-9]+)", document_id)))


def heading_key(title: str) -> str:
    """How headings are compared everywhere: `## Mitigation:` is the Mitigation section."""
    return title.strip().rstrip(":").strip().lower()
