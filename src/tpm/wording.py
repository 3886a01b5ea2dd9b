"""Small pieces of English shared by messages and reports."""


def plural(count: int, word: str) -> str:
    """`1 day`, `3 days`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def item_name(heading: str) -> str:
    """How one item under a checkpoints heading is named: `Checkpoints` -> `checkpoint`,
    `Action items` -> `action item`; a heading not in the plural is kept as it is."""
    words = " ".join(heading.split()).lower()
    return words[:-1] if words.endswith("s") and not words.endswith("ss") else words
