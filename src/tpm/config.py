"""Configuration: defaults < `.tpm.toml` or `[tool.tpm]` in pyproject.toml < command line.

The file is found by walking from the current directory up to the repository root; in
each folder `.tpm.toml` wins over `pyproject.toml`, and a pyproject without `[tool.tpm]`
is passed over (as ruff does). Paths and globs in a config file are relative to the
folder that holds it. Unknown keys are errors: a typo must not silently do nothing.
"""

from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, TypeAlias, TypeVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # tomli: installed on 3.10 only

from tpm.boundary import display, read_text
from tpm.diagnostic import Severity
from tpm.errors import UsageError
from tpm.globs import check_glob

BUILTIN_TYPES = ("milestone", "risk", "decision", "postmortem")
BUILTIN_FOLDERS = {"milestone": "milestones", "risk": "risks", "decision": "decisions", "postmortem": "postmortems"}
_BUILTIN_PREFIXES = {"milestone": "M", "risk": "R", "decision": "ADR", "postmortem": "PM"}
_BUILTIN_REFERENCES = {
    "milestone": ("depends_on", "risks"),
    "risk": ("milestones",),
    "decision": ("supersedes", "superseded_by"),
    "postmortem": ("milestone",),
}
_BUILTIN_SECTIONS = {
    "milestone": (),
    "risk": ("Mitigation",),
    "decision": (),
    "postmortem": ("Lessons learned", "Action items"),
}

TomlTable: TypeAlias = dict[str, Any]  # a TOML table as read: any values, checked key by key
RuleDefaults: TypeAlias = Mapping[str, Mapping[str, int]]  # rule slug -> its options and their defaults
Fail: TypeAlias = Callable[[str], NoReturn]  # raises a usage error that names the config file
_Default = TypeVar("_Default", str, str | None)

_TOP_KEYS = {"name", "root", "exclude", "timezone", "select", "ignore", "risk_bands", "templates", "types", "rules"}
_TYPE_KEYS = {"paths", "schema", "id_field", "id_prefix", "references", "required_sections", "template"}


@dataclass(frozen=True)
class TypeConfig:
    """One document type, built-in or declared by the user."""

    name: str
    paths: tuple[str, ...]  # repository-relative globs
    builtin: bool = False
    schema: str | None = None  # absolute path of the user's JSON Schema, if any
    id_field: str = "id"
    id_prefix: str | None = None
    references: tuple[str, ...] = ()
    required_sections: tuple[str, ...] = ()
    template: str | None = None  # absolute path of a template override, if any


@dataclass(frozen=True)
class RuleConfig:
    severity: Severity | None = None  # None: the rule's default
    enabled: bool = True
    options: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    root: str = "project"  # repository-relative
    name: str | None = None  # the project's name in reports; default: the repository's folder
    templates: str = ".tpm/templates"  # repository-relative folder of template overrides
    exclude: tuple[str, ...] = ("README.md", "index.md")
    timezone: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    risk_high: int = 15
    risk_medium: int = 8
    types: Mapping[str, TypeConfig] = field(default_factory=dict)  # name -> TypeConfig, in a fixed order
    rules: Mapping[str, RuleConfig] = field(default_factory=dict)  # slug -> RuleConfig
    source: str | None = None  # the file it came from, for messages

    def rule(self, slug: str) -> RuleConfig:
        return self.rules.get(slug, _DEFAULT_RULE)

    def band(self, score: int) -> str:
        """A risk score's band: "high", "medium" or "low"."""
        if score >= self.risk_high:
            return "high"
        return "medium" if score >= self.risk_medium else "low"


_DEFAULT_RULE = RuleConfig()


def builtin_types(root: str) -> dict[str, TypeConfig]:
    prefix = f"{root.strip('/')}/" if root.strip("/.") else ""
    return {
        name: TypeConfig(
            name=name,
            paths=(f"{prefix}{BUILTIN_FOLDERS[name]}/**/*.md",),
            builtin=True,
            id_prefix=_BUILTIN_PREFIXES[name],
            references=_BUILTIN_REFERENCES[name],
            required_sections=_BUILTIN_SECTIONS[name],
        )
        for name in BUILTIN_TYPES
    }


def find_config_file(start: Path, repo_root: Path) -> tuple[Path, bool] | None:
    """The nearest config from `start` up to `repo_root`: (path, is_pyproject).

    When `start` is not inside the work tree (GIT_DIR and GIT_WORK_TREE point elsewhere),
    the search starts at the work tree's root: walking up from outside would never meet
    the repository's config, and linting with the defaults instead would pass silently."""
    current = start.resolve()
    top = repo_root.resolve()
    if current != top and top not in current.parents:
        current = top
    while True:
        dotfile = current / ".tpm.toml"
        if os.path.lexists(dotfile):
            return dotfile, False
        pyproject = current / "pyproject.toml"
        tool = _read_toml(pyproject, top).get("tool", {}) if os.path.lexists(pyproject) else {}
        if isinstance(tool, dict) and "tpm" in tool:
            return pyproject, True
        if current in (top, current.parent):
            return None
        current = current.parent


def load_config(repo_root: Path, cwd: Path, explicit: str | None = None, *, rule_defaults: RuleDefaults) -> Config:
    """The effective config for a run in `cwd`; `explicit` is `--config FILE`.

    `rule_defaults` names the rules that exist and their options (`tpm.rules.rule_defaults()`):
    the caller passes them so that the config, which every layer reads, never imports the
    rules, which read the model, which reads the config."""
    found: tuple[Path, bool] | None
    if explicit is not None:
        path = Path(explicit)
        if not path.is_absolute():
            path = cwd / path
        if not os.path.lexists(path):
            raise UsageError(f"config file not found: {explicit}")
        found = (path, path.name == "pyproject.toml")
    else:
        found = find_config_file(cwd, repo_root)
    if found is None:
        return Config(types=builtin_types("project"))
    path, is_pyproject = found
    # A config the user named on the command line may live anywhere; one found in the
    # repository must stay in it (a committed `.tpm.toml` may be a link to anything).
    table = _read_toml(path, None if explicit is not None else repo_root)
    if is_pyproject:
        tool = table.get("tool", {})
        tpm_table = tool.get("tpm") if isinstance(tool, dict) else None
        if not isinstance(tpm_table, dict):
            raise UsageError(f"{_shown(path, cwd)}: no [tool.tpm] table")
        table = tpm_table
    return parse_config(table, path.parent, repo_root, _shown(path, cwd), rule_defaults=rule_defaults)


def _shown(path: Path, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return str(path)


def _read_toml(path: Path, inside: Path | None) -> TomlTable:
    """A config file's table, read through the repository boundary (`inside`: the work
    tree it must stay in, None for a file the user named)."""
    try:
        text = read_text(path, "config", inside)
    except FileNotFoundError:
        raise UsageError(f"cannot read config {display(path, inside)}: it does not exist") from None
    try:
        table: TomlTable = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{display(path, inside)}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        raise UsageError(f"{display(path, inside)}: invalid TOML: it nests too deeply") from None
    return table


def parse_config(table: TomlTable, base: Path, repo_root: Path, source: str, *, rule_defaults: RuleDefaults) -> Config:
    """Check a config table key by key and turn it into a `Config`; `rule_defaults` are the
    rules that exist and their options with defaults (see `load_config`)."""

    def fail(message: str) -> NoReturn:
        raise UsageError(f"{source}: {message}")

    _no_unknown(table, _TOP_KEYS, "", fail)
    prefix = _repo_prefix(base, repo_root)
    root_rel = _join(prefix, _string(table, "root", "project", fail))
    types = _parse_types(_table(table, "types", fail), base, prefix, builtin_types(root_rel), fail)
    rules = _parse_rules(_table(table, "rules", fail), rule_defaults, fail)

    for pattern in _strings(table, "exclude", (), fail):
        if check_glob(pattern):
            fail(f"`exclude`: {pattern!r} is not a valid glob ({check_glob(pattern)})")
    bands = _table(table, "risk_bands", fail)
    _no_unknown(bands, {"high", "medium"}, "risk_bands.", fail)
    high, medium = bands.get("high", 15), bands.get("medium", 8)
    if not (type(high) is int and type(medium) is int and 1 <= medium <= high <= 25):  # not booleans
        fail("risk_bands needs whole numbers with 1 <= medium <= high <= 25")

    timezone = _string(table, "timezone", None, fail)
    return Config(
        root=root_rel,
        exclude=_strings(table, "exclude", ("README.md", "index.md"), fail),
        name=_string(table, "name", None, fail),
        templates=_join(prefix, _string(table, "templates", ".tpm/templates", fail)),
        timezone=timezone,
        select=_strings(table, "select", (), fail),
        ignore=_strings(table, "ignore", (), fail),
        risk_high=high,
        risk_medium=medium,
        types=types,
        rules=rules,
        source=source,
    )


def _parse_types(
    tables: TomlTable, base: Path, prefix: str, types: dict[str, TypeConfig], fail: Fail
) -> dict[str, TypeConfig]:
    """`[types.NAME]` tables: a built-in type extended, or a new one (which needs `paths`)."""
    for name, raw in tables.items():
        if not isinstance(raw, dict):
            fail(f"[types.{name}] must be a table")
        _no_unknown(raw, _TYPE_KEYS, f"types.{name}.", fail)
        where = f"types.{name}"
        paths = tuple(_join(prefix, p) for p in _strings(raw, "paths", (), fail, where))
        for pattern in paths:
            problem = check_glob(pattern)
            if problem:
                fail(f"`{where}.paths`: {pattern!r} is not a valid glob ({problem})")
        schema = _string(raw, "schema", None, fail, where)
        template = _string(raw, "template", None, fail, where)
        base_type = types.get(name)
        if base_type is None:
            if not paths:
                fail(f"[types.{name}] needs `paths`")
            base_type = TypeConfig(name=name, paths=())
        types[name] = replace(
            base_type,
            paths=base_type.paths + paths,
            schema=os.path.abspath(base / schema) if schema else base_type.schema,
            id_field=_string(raw, "id_field", base_type.id_field, fail, where),
            id_prefix=_string(raw, "id_prefix", base_type.id_prefix, fail, where),
            references=base_type.references + _strings(raw, "references", (), fail, where),
            required_sections=_strings(raw, "required_sections", base_type.required_sections, fail, where),
            template=os.path.abspath(base / template) if template else base_type.template,
        )
    return types


def _parse_rules(tables: TomlTable, rule_defaults: RuleDefaults, fail: Fail) -> dict[str, RuleConfig]:
    """`[rules.SLUG]` tables: a severity (or `off`) and the rule's own options, each of the
    type of its default."""
    rules = {}
    for slug, raw in tables.items():
        if slug not in rule_defaults:
            fail(f"[rules.{slug}]: no rule is named {slug!r} (see `tpm rules`)")
        if not isinstance(raw, dict):
            fail(f"[rules.{slug}] must be a table")
        defaults = rule_defaults[slug]
        _no_unknown(raw, {"severity", *defaults}, f"rules.{slug}.", fail)
        severity, enabled = None, True
        if "severity" in raw:
            value = raw["severity"]
            if value == "off":
                enabled = False
            else:
                try:
                    severity = Severity.parse(value if isinstance(value, str) else repr(value))
                except ValueError as exc:
                    fail(f"rules.{slug}.severity: {exc} or off")
        options = dict(defaults)
        for key, default in defaults.items():
            if key in raw:
                value = raw[key]
                if type(value) is not type(default):
                    fail(f"rules.{slug}.{key} must be {type(default).__name__}, got {value!r}")
                options[key] = value
        rules[slug] = RuleConfig(severity, enabled, options)
    return rules


def _repo_prefix(base: Path, repo_root: Path) -> str:
    try:
        relative = base.resolve().relative_to(repo_root.resolve())
    except ValueError:  # a --config outside the repository: paths are from the root
        return ""
    return "" if relative == Path(".") else relative.as_posix()


def _join(prefix: str, path: str) -> str:
    """A config-relative path or glob, made repository-relative."""
    joined = posixpath.normpath(posixpath.join(prefix, path.strip())) if prefix else posixpath.normpath(path.strip())
    return "" if joined == "." else joined


def _no_unknown(table: Mapping[str, object], allowed: set[str], where: str, fail: Fail) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        fail(f"unknown key `{where}{unknown[0]}` (allowed: {', '.join(sorted(allowed))})")


def _table(table: TomlTable, key: str, fail: Fail) -> TomlTable:
    value = table.get(key, {})
    if not isinstance(value, dict):
        fail(f"`{key}` must be a table")
    return value


def _string(table: TomlTable, key: str, default: _Default, fail: Fail, where: str = "") -> _Default:
    """The string at `key`, or `default` when it is absent."""
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, str):
        fail(f"`{where + '.' if where else ''}{key}` must be a string, got {value!r}")
    return value


def _strings(table: TomlTable, key: str, default: tuple[str, ...], fail: Fail, where: str = "") -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return tuple(default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(f"`{where + '.' if where else ''}{key}` must be a list of strings, got {value!r}")
    return tuple(value)
