"""Small pieces of English shared by messages and reports."""


def plural(count: int, word: str) -> str:
    """`1 day`, `3 days`."""
    return f"{count} {word}{'' if count == 1 else 's'}"
