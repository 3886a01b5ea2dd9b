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
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NoReturn, TypeAlias, TypeVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # tomli: installed on 3.10 only

from tpm.boundary import display, read_text
from tpm.diagnostic import Severity
from tpm.errors import UsageError
from tpm.globs import check_glob, literal_folder
from tpm.vocabulary import heading_key

LIFECYCLE_ROLES = ("planned", "active", "done", "dropped")
DATE_ROLES = ("due", "start", "completed", "reviewed", "review_by")
PLANNED, ACTIVE, DONE, DROPPED = LIFECYCLE_ROLES  # by name, for the code that asks a document's role
DUE, START, COMPLETED, REVIEWED, REVIEW_BY = DATE_ROLES
OPEN = (PLANNED, ACTIVE)  # roles of documents whose work is ahead or in hand: they can be late
CLOSED = (DONE, DROPPED)  # roles of documents nobody works on any more

TomlTable: TypeAlias = dict[str, Any]  # a TOML table as read: any values, checked key by key
OptionValue: TypeAlias = int | str  # a rule option: a number (of days, of times) or a name (of a field, of a type)
RuleOptions: TypeAlias = Mapping[str, OptionValue]  # option name -> its value
RuleDefaults: TypeAlias = Mapping[str, tuple[str, RuleOptions]]  # slug, or old slug -> (the rule's slug, its defaults)
Fail: TypeAlias = Callable[[str], NoReturn]  # raises a usage error that names the config file
_Default = TypeVar("_Default", str, str | None)

_TOP_KEYS = {
    "name",
    "root",
    "exclude",
    "timezone",
    "select",
    "ignore",
    "risk_bands",
    "templates",
    "types",
    "rules",
    "type_key",
}
_TYPE_KEYS = {
    "paths",
    "schema",
    "id_field",
    "id_prefix",
    "references",
    "reference_separator",
    "status_field",
    "lifecycle",
    "dates",
    "review_every",
    "checkpoints",
    "required_sections",
    "template",
}


@dataclass(frozen=True)
class TypeConfig:
    """One document type: a declaration, whether shipped (schemas/presets.toml) or the
    user's. Rules ask it what a document's status means and where its dates are; none of
    them knows a type by name."""

    name: str
    paths: tuple[str, ...]  # repository-relative globs
    builtin: bool = False  # shipped: its own JSON Schema applies beside the user's
    schema: str | None = None  # absolute path of the user's JSON Schema, if any
    id_field: str = "id"
    id_prefix: str | None = None
    references: tuple[str, ...] = ()
    reference_separator: str | None = None  # "," reads `requires: 1474, 1559` as two ids
    status_field: str = "status"
    lifecycle: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role -> status values
    dates: Mapping[str, str] = field(default_factory=dict)  # role -> field name
    review_every: int | None = None  # days between reviews, when a `reviewed` role is declared
    checkpoints: str | None = None  # the heading whose task items are dated checkpoints
    required_sections: tuple[str, ...] = ()
    template: str | None = None  # absolute path of a template override, if any

    def role_of(self, status: object) -> str | None:
        """The lifecycle role (planned, active, done, dropped) of a status value, if any."""
        return self._roles.get(status) if isinstance(status, str) else None

    @cached_property
    def _roles(self) -> dict[str, str]:
        """Status value -> its role, the first role that lists it (rules ask this several
        times per document)."""
        roles: dict[str, str] = {}
        for role, values in self.lifecycle.items():
            for value in values:
                roles.setdefault(value, role)
        return roles

    @property
    def checkpoint_key(self) -> str | None:
        """The `checkpoints` heading as headings are compared (`heading_key`), if declared."""
        return heading_key(self.checkpoints) if self.checkpoints else None

    def date_field(self, role: str) -> str | None:
        """The front-matter field that holds the date of `role` (due, start, ...), if any."""
        return self.dates.get(role)


@dataclass(frozen=True)
class RuleConfig:
    severity: Severity | None = None  # None: the rule's default
    enabled: bool = True
    options: RuleOptions = field(default_factory=dict)  # every option of the rule, when configured


@dataclass(frozen=True)
class Config:
    root: str = "project"  # repository-relative
    type_key: str = "type"  # the front-matter key naming a document's type; "" = paths decide
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
    """The shipped presets (schemas/presets.toml), their paths under `root`: declarations
    read by the same code as a user's `[types.NAME]`."""
    declared = _parse_types(_presets(), Path("/"), root.strip("/"), {}, _preset_error)
    return {name: replace(declaration, builtin=True) for name, declaration in declared.items()}


@lru_cache(maxsize=1)
def _presets() -> TomlTable:
    from tpm.resources import data_dir

    with open(data_dir("schemas") / "presets.toml", "rb") as handle:
        table: TomlTable = tomllib.load(handle)["types"]
    return table


def _preset_error(message: str) -> NoReturn:  # pragma: no cover - the shipped file is tested
    raise UsageError(f"tpm's own presets.toml: {message}")


def home_folder(type_config: TypeConfig) -> str:
    """Where `tpm init` and `tpm new` put a type's documents: the fixed part of its first glob."""
    return literal_folder(type_config.paths[0]) if type_config.paths else ""


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

    `rule_defaults` names the rules that exist, by slug and by old slug, and their options
    (`tpm.rules.rule_defaults()`): the caller passes them so that the config, which every
    layer reads, never imports the rules, which read the model, which reads the config."""
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
    rules = _parse_rules(_table(table, "rules", fail), rule_defaults, fail, types)

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
        type_key=_string(table, "type_key", "type", fail).strip(),
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
    """`[types.NAME]` tables: a declared type extended, or a new one (which needs `paths`).
    `paths` and `references` are added to what the type had; each lifecycle and date role
    replaces the one it names; every other key replaces the type's value."""
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
        separator = _string(raw, "reference_separator", base_type.reference_separator, fail, where)
        if separator is not None and not separator.strip():
            fail(f'`{where}.reference_separator` must be a visible character such as ",", got {separator!r}')
        types[name] = replace(
            base_type,
            paths=tuple(dict.fromkeys(base_type.paths + paths)),  # a pasted `tpm types` adds nothing twice
            schema=os.path.abspath(base / schema) if schema else base_type.schema,
            id_field=_string(raw, "id_field", base_type.id_field, fail, where),
            id_prefix=_string(raw, "id_prefix", base_type.id_prefix, fail, where),
            references=tuple(dict.fromkeys(base_type.references + _strings(raw, "references", (), fail, where))),
            reference_separator=separator,
            status_field=_string(raw, "status_field", base_type.status_field, fail, where),
            lifecycle={**base_type.lifecycle, **_lifecycle(raw, where, fail)},
            dates={**base_type.dates, **_dates(raw, where, fail)},
            review_every=_positive(raw, "review_every", base_type.review_every, where, fail),
            checkpoints=_string(raw, "checkpoints", base_type.checkpoints, fail, where),
            required_sections=_strings(raw, "required_sections", base_type.required_sections, fail, where),
            template=os.path.abspath(base / template) if template else base_type.template,
        )
    return types


def _lifecycle(raw: TomlTable, where: str, fail: Fail) -> dict[str, tuple[str, ...]]:
    """`[types.NAME.lifecycle]`: role -> the status values that mean it; a value may have
    one role only, or "is it active?" would have two answers."""
    table = _table(raw, "lifecycle", fail, where)
    _no_unknown(table, set(LIFECYCLE_ROLES), f"{where}.lifecycle.", fail)
    roles = {role: _strings(table, role, (), fail, f"{where}.lifecycle") for role in LIFECYCLE_ROLES if role in table}
    seen: dict[str, str] = {}
    for role, values in roles.items():
        for value in values:
            if value in seen and seen[value] != role:
                fail(f"`{where}.lifecycle`: status {value!r} is both {seen[value]} and {role}")
            seen[value] = role
    return roles


def _dates(raw: TomlTable, where: str, fail: Fail) -> dict[str, str]:
    """`[types.NAME.dates]`: role -> the field that holds that date."""
    table = _table(raw, "dates", fail, where)
    _no_unknown(table, set(DATE_ROLES), f"{where}.dates.", fail)
    return {role: _string(table, role, "", fail, f"{where}.dates") for role in DATE_ROLES if role in table}


def _positive(raw: TomlTable, key: str, default: int | None, where: str, fail: Fail) -> int | None:
    if key not in raw:
        return default
    value = raw[key]
    if type(value) is not int or value < 1:
        fail(f"`{where}.{key}` must be a whole number of days, at least 1, got {value!r}")
    return value


def _parse_rules(
    tables: TomlTable, rule_defaults: RuleDefaults, fail: Fail, types: Mapping[str, TypeConfig]
) -> dict[str, RuleConfig]:
    """`[rules.SLUG]` tables: a severity (or `off`) and the rule's own options, each of the
    type of its default (a whole number, or a string naming a field or, for an option whose
    name ends in `_type`, one of `types`). A table may name a rule by its old slug
    (`[rules.stale-milestone]`); it is kept under the new one."""
    rules: dict[str, RuleConfig] = {}
    written: dict[str, str] = {}  # the rule's slug -> the name its table used
    for name, raw in tables.items():
        if name not in rule_defaults:
            fail(f"[rules.{name}]: no rule is named {name!r} (see `tpm rules`)")
        if not isinstance(raw, dict):
            fail(f"[rules.{name}] must be a table")
        slug, defaults = rule_defaults[name]
        if slug in written:
            fail(f"[rules.{written[slug]}] and [rules.{name}] configure the same rule, {slug}: keep one")
        written[slug] = name
        _no_unknown(raw, {"severity", *defaults}, f"rules.{name}.", fail)
        severity, enabled = None, True
        if "severity" in raw:
            value = raw["severity"]
            if value == "off":
                enabled = False
            else:
                try:
                    severity = Severity.parse(value if isinstance(value, str) else repr(value))
                except ValueError as exc:
                    fail(f"rules.{name}.severity: {exc} or off")
        options = {
            key: _rule_option(raw[key], default, f"rules.{name}", key, types, fail) if key in raw else default
            for key, default in defaults.items()
        }
        rules[slug] = RuleConfig(severity, enabled, options)
    return rules


def _rule_option(
    value: object, default: OptionValue, where: str, key: str, types: Mapping[str, TypeConfig], fail: Fail
) -> OptionValue:
    """Option `key` of the rule table `where`, as configured: of its default's type
    (`type(...) is`: a boolean is no whole number); a name names something, and a
    `..._type` option names a type."""
    if type(value) is not type(default):
        fail(f"{where}.{key} must be {type(default).__name__}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        fail(f"{where}.{key} must name something, got {value!r}")
    if isinstance(value, str) and key.endswith("_type") and value not in types:
        fail(f"{where}.{key}: no type is named {value!r} (known: {', '.join(types)})")
    assert isinstance(value, (int, str))  # of the default's type, checked above
    return value


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


def _table(table: TomlTable, key: str, fail: Fail, where: str = "") -> TomlTable:
    value = table.get(key, {})
    if not isinstance(value, dict):
        fail(f"`{where + '.' if where else ''}{key}` must be a table")
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
