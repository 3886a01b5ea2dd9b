"""Where a type's template is, and what its placeholder text says.

`tpm new` fills a template in; `tpm check` compares sections with the template's own
placeholder text, which counts as empty. Both find the template the same way: the
repository's override (`.tpm/templates/<type>.md`), else the type's configured
`template`, else tpm's shipped one. The repository's templates are read through the
boundary, so a template linked to a file outside the repository is refused, never copied.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tpm.boundary import display, read_text
from tpm.config import Config
from tpm.document import placeholder_patterns
from tpm.errors import UsageError
from tpm.resources import data_dir


def template_path(root: Path, config: Config, type_name: str) -> tuple[Path, bool]:
    """The repository's override, else the type's configured template, else tpm's own;
    and whether it is the repository's (and so must stay inside it)."""
    override = root / config.templates / f"{type_name}.md"
    if os.path.lexists(override):
        return override, True
    configured = config.types[type_name].template
    if configured:
        return Path(configured), True
    shipped = data_dir("templates") / f"{type_name}.md"
    if shipped.is_file():
        return shipped, False
    raise UsageError(
        f"type {type_name!r} has no template: add {config.templates}/{type_name}.md or set "
        f"`template` in [types.{type_name}]"
    )


def read_template(root: Path, path: Path, from_repository: bool) -> str:
    """A template's text; the repository's own templates are read through the boundary, so
    a template linked to a key file outside the repository is refused, never copied."""
    try:
        return read_text(path, "template", root if from_repository else None)
    except FileNotFoundError:
        raise UsageError(f"cannot read template {display(path)}: it does not exist") from None


def template_placeholders(root: Path, config: Config, type_name: str) -> dict[str, re.Pattern[str]]:
    """The placeholder text of each section of the type's template (see
    `tpm.document.placeholder_patterns`); none when the type has no template, or its
    template cannot be read (`tpm new` is where that is reported)."""
    try:
        path, from_repository = template_path(root, config, type_name)
        return placeholder_patterns(read_template(root, path, from_repository))
    except (UsageError, OSError):
        return {}
