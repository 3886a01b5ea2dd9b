"""Where the shipped `schemas/` and `templates/` folders are.

In a wheel they sit inside the package (`tpm/schemas`, `tpm/templates`, see pyproject's
force-include). In a source checkout or an editable install they are the repository's
top-level folders, two levels above this file. Looking in both places keeps one copy of
each file in the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder holding the shipped `name` ("schemas" or "templates")."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tpm's {name}/ folder is missing from this installation")
