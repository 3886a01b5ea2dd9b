"""Near misses: "did you mean ...?" for a misspelt field name or value.

One measure for every suggestion tpm makes (`unknown-field`, an enum miss in
`schema-violation`): the number of edits between two words, compared ignoring case, where
an edit inserts, deletes or replaces one character or swaps two adjacent ones (the
Damerau-Levenshtein distance in its optimal-string-alignment form: `depends-on` is one
edit from `depends_on`, `reviewd` one from `reviewed`, `stauts` one from `status`).

How many edits still make a near miss depends on the length of the name suggested: none
but a change of case for a name of one or two characters (`ID` for `id`, but never `at`
for `id`), one for three to five characters (`titel` for `title`, but not `state` for
`start`), two from six on (`depnds-on` for `depends_on`).

This module imports nothing of tpm, so that the schema, the rules and the command line
share it.
"""

from __future__ import annotations

from collections.abc import Iterable


def edits(first: str, second: str) -> int:
    """The edits between two words, ignoring case (see the module docstring)."""
    a, b = first.casefold(), second.casefold()
    if a == b:
        return 0
    before: list[int] = []  # the row two back, for swaps
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[len(b)]


def allowed_edits(name: str) -> int:
    """How many edits from `name` still make a near miss of it."""
    if len(name) <= 2:
        return 0
    return 1 if len(name) <= 5 else 2


def closest(word: str, names: Iterable[str]) -> str | None:
    """The name `word` is a near miss of (the fewest edits, then the first in sorted
    order), or None; `word` itself, written exactly, is no miss of anything."""
    best: tuple[int, str] | None = None
    for name in names:
        if name == word:
            return None
        limit = allowed_edits(name)
        if abs(len(name) - len(word)) > limit:
            continue
        distance = edits(word, name)
        if distance <= limit and (best is None or (distance, name) < best):
            best = (distance, name)
    return best[1] if best else None
