"""`tpm types`: each type's effective declaration, as `[types.NAME]` tables of TOML.

What a built-in preset says, and what the user's config made of it, in the form a user
would write it: the output can be pasted into `.tpm.toml` and read back to the same
declaration. Keys come in a fixed order, the type's own and then its `lifecycle` and
`dates` tables; a key that is not set is shown as a comment, so that every key of the
declaration can be seen. Strings are TOML basic strings whose control, bidirectional and
line-separator characters are written as escapes, so the output is also inert in a
terminal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from tpm.config import DATE_ROLES, LIFECYCLE_ROLES, Config, TypeConfig

HEADER = (
    "# The effective declaration of each type, as .tpm.toml would write it (paths from the\n"
    "# repository root). In .tpm.toml, a table for a built-in type extends it: `paths` and\n"
    "# `references` are added to, each lifecycle and date role is replaced, and every other\n"
    "# key replaces the preset's value.\n"
)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
# What TOML cannot hold raw (C0 controls, DEL), and what a terminal must not receive (C1
# controls, lone surrogates, the line and paragraph separators, bidirectional controls).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, with every character that is not safe to show escaped."""
    return '"' + _UNSAFE.sub(_escape, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _escape(match: re.Match[str]) -> str:
    character = match.group(0)
    return _ESCAPES.get(character, f"\\u{ord(character):04x}")


def toml_key(name: str) -> str:
    """A table or key name: bare when TOML allows it, else quoted."""
    return name if _BARE_KEY.fullmatch(name) else toml_string(name)


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(toml_string(value) for value in values) + "]"


def _file(path: str | None, root: Path) -> str | None:
    """A configured file (held as an absolute path) as the repository-relative path a
    config at the root would name it by; one outside the repository stays absolute."""
    if path is None:
        return None
    for base in dict.fromkeys([os.path.abspath(root), os.path.realpath(root)]):  # the config's folder was resolved
        try:
            relative = os.path.relpath(path, base)
        except ValueError:  # another drive on Windows
            continue
        if relative != ".." and not relative.startswith(".." + os.sep):
            return relative.replace(os.sep, "/")
    return path


def render_type(declaration: TypeConfig, root: Path) -> str:
    """One type's declaration: its table, then its lifecycle and dates tables."""
    table = f"types.{toml_key(declaration.name)}"
    lines = [f"[{table}]" + ("  # built-in" if declaration.builtin else "")]

    def setting(key: str, value: str | None, unset: str = "not set") -> None:
        lines.append(f"{key} = {value}" if value is not None else f"# {key}: {unset}")

    def text(value: str | None) -> str | None:
        return toml_string(value) if value is not None else None

    setting("paths", _strings(declaration.paths))
    setting("id_field", text(declaration.id_field))
    setting("id_prefix", text(declaration.id_prefix))
    setting("references", _strings(declaration.references))
    setting("reference_separator", text(declaration.reference_separator))
    setting("status_field", text(declaration.status_field))
    setting("review_every", str(declaration.review_every) if declaration.review_every is not None else None)
    setting("checkpoints", text(declaration.checkpoints))
    setting("required_sections", _strings(declaration.required_sections))
    schema = text(_file(declaration.schema, root))
    if declaration.builtin:
        setting("schema", schema + "  # applies beside tpm's own" if schema else None, "tpm's own")
    else:
        setting("schema", schema, "not set (any mapping of fields)")
    setting("template", text(_file(declaration.template, root)))
    lines += ["", f"[{table}.lifecycle]"]
    lines += [
        f"{role} = {_strings(declaration.lifecycle[role])}" for role in LIFECYCLE_ROLES if role in declaration.lifecycle
    ]
    lines += ["", f"[{table}.dates]"]
    lines += [f"{role} = {toml_string(declaration.dates[role])}" for role in DATE_ROLES if role in declaration.dates]
    return "\n".join(lines) + "\n"


def render_types(config: Config, root: Path, names: Iterable[str] | None = None) -> str:
    """The header, then each named type; by default every type, in the config's order,
    after the `type_key` that tells a document's type."""
    chosen = list(config.types) if names is None else list(names)
    key = f"type_key = {toml_string(config.type_key)}\n" if names is None else ""
    return HEADER + key + "".join("\n" + render_type(config.types[name], root) for name in chosen)
