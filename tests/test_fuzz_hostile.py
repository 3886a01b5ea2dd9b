"""Fuzzing what an attacker controls besides documents (issue 11): file names, config
values, schema values and commit dates.

Each example builds a small real repository whose file names are arbitrary bytes, whose
`.tpm.toml` and custom-type schema hold generated values (globs, patterns, `$ref`s of every
kind, keywords of the wrong type), and whose commits carry generated committer dates
(raw timestamps at and past the ends of the calendar, odd offsets, none at all). A secret
is planted outside the repository and reachable through every path a value can name.

Properties, for `tpm check` in every format, `tpm report` and `tpm changes`:

1. tpm does its job or refuses with one line: exit 0 or 1, or exit 2 with exactly one
   `tpm: error:` line on stderr; never an internal error, never a hang (an alarm fails
   the example after 60 s);
2. the secret never appears in any output;
3. output is inert: no ESC, C1 or bidi control reaches stdout or stderr, JSON parses,
   JUnit XML parses, and in `github` output no line starts a workflow command but tpm's own
   annotations;
4. the same input gives byte-identical output.
"""

from __future__ import annotations

import json
import os
import re
import signal
import tempfile
from xml.etree import ElementTree
from contextlib import contextmanager
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from helpers import git, make_repo, run_tpm

TODAY = "2026-11-27"
SECRET = "SECRET-7f3a9c"
_BAD_OUTPUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_OWN_COMMAND = re.compile(r"^::(error|warning|notice) |^::notice title=tpm::|^::stop-commands::|^::[0-9a-f]{16,}::$")

_BASE = settings().max_examples

MILESTONE = (
    "---\nid: M-1\ntitle: Beta\nstatus: planned\ndue: 2026-12-18\n---\n# Beta\n\n## Checkpoints\n\n- [ ] "
    "2026-12-01 Load test\n"
)

# -------------------------------------------------------------------------- strategies

name_bytes = (
    st.binary(min_size=1, max_size=40)
    .map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_"))
    .filter(lambda b: b not in (b".", b"..") and b.lower() != b".git")
)
hostile_names = st.one_of(
    name_bytes,
    st.sampled_from(
        [
            b"::error file=a,line=1::forged.md",
            b"x\n::add-mask::y\n.md",
            b"caf\xe9.md",
            b"\x1b]52;c;aGk=\x07.md",
            b"\x1b[31mred.md",
            b"\xe2\x80\xaeevil.md",
            b"\x9b31m.md",
            b"a\rb.md",
            b"\xef\xbf\xbf.md",
            b"-rf.md",
        ]
    ),
)

glob_text = st.text(alphabet="*?[]!/ab.-_\\", min_size=1, max_size=40)
deep_globs = st.integers(1, 14).map(lambda n: "**/" * n + "x.md")
pattern_text = st.one_of(
    st.text(alphabet="a|()*+?[]^$\\.{}0123456789,-dw", max_size=20),
    st.sampled_from(["^(a|aa)+$", "(a*)*b", "(?=a)a", "(a)\\1", "[", "\\p{L}+", "^.{0,5}$"]),
)
ref_text = st.sampled_from(
    [
        "#",
        "#/$defs/missing",
        "other.json",
        "../outside.json",
        "/etc/passwd",
        "file:///etc/passwd",
        "https://example.com/s.json",
        "SECRETLINK",
        "zero.json",
        "sub/../other.json",
    ]
)
schema_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**12),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["type", "x"]), st.text(max_size=5), max_size=2),
)


@st.composite
def schemas(draw) -> dict:
    schema: dict = {"type": "object", "properties": {}}
    for _ in range(draw(st.integers(0, 4))):
        keyword = draw(
            st.sampled_from(["pattern", "minLength", "enum", "$ref", "type", "maxItems", "format", "patternProperties"])
        )
        if keyword == "pattern":
            value = draw(pattern_text)
        elif keyword == "$ref":
            value = draw(ref_text)
        elif keyword == "patternProperties":
            value = {draw(pattern_text): {"type": "string"}}
        else:
            value = draw(schema_value)
        schema["properties"][draw(st.sampled_from(["title", "status", "id"]))] = {keyword: value}
    if draw(st.booleans()):
        schema["$ref"] = draw(ref_text)
    return schema


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


toml_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@st.composite
def configs(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"root = {_toml_string(draw(st.sampled_from(['project', '.', '..', '/etc', 'plan', '.git'])))}")
    if draw(st.booleans()):
        lines.append(f"templates = {_toml_string(draw(st.sampled_from(['.tpm/templates', '..', '/', 'SECRETDIR'])))}")
    if draw(st.booleans()):
        lines.append(f"exclude = [{_toml_string(draw(st.one_of(glob_text, deep_globs)))}]")
    if draw(st.booleans()):
        lines.append(f"name = {_toml_string(draw(toml_text))}")
    if draw(st.booleans()):
        lines.append(
            f"timezone = {_toml_string(draw(st.sampled_from(['UTC', 'Mars/Olympus', '../../etc/passwd', ''])))}"
        )
    lines.append("[types.task]")
    lines.append(
        f'paths = [{_toml_string(draw(st.one_of(glob_text, deep_globs, st.just("tasks/*.md"))))}, "tasks/*.md"]'
    )
    lines.append('schema = "schemas/task.json"')
    if draw(st.booleans()):
        lines.append(
            f"template = {_toml_string(draw(st.sampled_from(['t.md', '/etc/passwd', 'SECRETLINK', '../x.md'])))}"
        )
    if draw(st.booleans()):
        lines.append(f"id_field = {_toml_string(draw(toml_text))}")
    if draw(st.booleans()):
        lines.append("[rules.stale-milestone]")
        lines.append(f"stale_after_days = {draw(st.integers(-(2**40), 2**40))}")
    return "\n".join(lines) + "\n"


committer_dates = st.one_of(
    st.tuples(
        st.integers(-(2**33), 2**44), st.sampled_from(["+0000", "-1200", "+1400", "+9959", "-0000", "+0530", "x"])
    ).map(lambda t: f"{t[0]} {t[1]}"),
    st.sampled_from(["", "0 -1200", "300000000000 +0000", "-62135596801 +0000", "253402300800 +0000", "nonsense"]),
)

# ------------------------------------------------------------------------ the harness


@contextmanager
def _alarm(seconds: int):
    def expire(*_):
        raise AssertionError(f"tpm ran for more than {seconds} s on this example (a hang)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _commit_with_date(repo: Path, message: str, committer_date: str) -> None:
    """A commit whose committer line carries `committer_date` verbatim (git itself would
    refuse many of these), made with `hash-object --literally` and moved HEAD onto it."""
    git(repo, "add", "-A")
    tree = git(repo, "write-tree").strip()
    parent = git(repo, "rev-parse", "-q", "--verify", "HEAD").strip() if _has_head(repo) else ""
    lines = [f"tree {tree}"] + ([f"parent {parent}"] if parent else [])
    lines += [
        "author A <a@example.com> 1764590400 +0000",
        f"committer C <c@example.com> {committer_date}".rstrip(),
        "",
        message,
        "",
    ]
    path = repo / ".git" / "fuzz-commit"
    path.write_text("\n".join(lines), encoding="utf-8")
    sha = git(repo, "hash-object", "-t", "commit", "-w", "--literally", str(path)).strip()
    path.unlink()
    git(repo, "update-ref", "HEAD", sha)


def _has_head(repo: Path) -> bool:
    import subprocess

    command = ["git", "rev-parse", "-q", "--verify", "HEAD"]
    return subprocess.run(command, cwd=repo, capture_output=True, check=False).returncode == 0


def _write(repo: Path, name: bytes, content: str) -> None:
    folder = os.fsencode(str(repo / "project" / "milestones"))
    os.makedirs(folder, exist_ok=True)
    with open(folder + b"/" + name, "wb") as handle:
        handle.write(content.encode("utf-8"))


def _check_outcome(outcome, fmt: str) -> None:
    assert "internal error" not in outcome.err and "Traceback" not in outcome.err, outcome.err
    if outcome.code == 2:
        assert outcome.err.startswith("tpm: error: ") and outcome.err.count("\n") == 1, outcome.err
    else:
        assert outcome.code in (0, 1), (outcome.code, outcome.err)
    assert SECRET not in outcome.out + outcome.err
    assert not _BAD_OUTPUT.search(outcome.out.replace("\t", "")), repr(_BAD_OUTPUT.search(outcome.out))
    assert not _BAD_OUTPUT.search(outcome.err), repr(outcome.err)
    if outcome.code == 2:
        return
    if fmt in ("json", "sarif", "codequality"):
        json.loads(outcome.out)
    elif fmt == "junit":
        ElementTree.fromstring(outcome.out)
    elif fmt == "github":
        for line in outcome.out.split("\n"):
            assert not line.lstrip().startswith("::") or _OWN_COMMAND.match(line), line


def _run_everything(repo: Path) -> list:
    results = []
    for fmt in ("text", "json", "github", "sarif", "junit", "codequality"):
        outcome = run_tpm(repo, "check", "--format", fmt, "--today", TODAY)
        _check_outcome(outcome, fmt)
        results.append(outcome)
    for args in (("report",), ("report", "--format", "json"), ("changes", "--since", "2000-01-01")):
        outcome = run_tpm(repo, *args, "--today", TODAY)
        _check_outcome(outcome, "json" if "json" in args else "text")
        results.append(outcome)
    event(
        f"check exit {results[0].code}"
        + (": " + re.sub(r"/\S*", "PATH", results[0].err)[12:52] if results[0].err else "")
    )
    return [(o.code, o.out, o.err) for o in results]


def _plant(tmp: Path, repo: Path) -> None:
    """A secret outside the repository, and every link a value may name pointing at it."""
    secret = tmp / "secret.json"
    secret.write_text(f'{{"type": "service_account", "private_key": "{SECRET}"}}\n', encoding="utf-8")
    (repo / "schemas").mkdir(exist_ok=True)
    (repo / "schemas" / "other.json").write_text('{"type": "string"}\n', encoding="utf-8")
    os.symlink(secret, repo / "schemas" / "SECRETLINK")
    os.symlink(secret, repo / "SECRETLINK")
    os.symlink(tmp, repo / "SECRETDIR")
    os.symlink("/dev/zero", repo / "schemas" / "zero.json")
    (tmp / "outside.json").write_text(f'{{"enum": ["{SECRET}"]}}\n', encoding="utf-8")


PLAIN_CONFIG = '[types.task]\npaths = ["tasks/*.md"]\nschema = "schemas/task.json"\n'
PLAIN_SCHEMA = {"type": "object", "properties": {"title": {"type": "string", "pattern": "^[A-Z]"}}}


@settings(max_examples=max(10, _BASE // 2))
@given(
    names=st.lists(hostile_names, min_size=1, max_size=3, unique=True),
    config=st.one_of(st.just(PLAIN_CONFIG), configs()),
    schema=st.one_of(st.just(PLAIN_SCHEMA), schemas()),
    dates=st.lists(committer_dates, min_size=1, max_size=3),
)
def test_hostile_names_configs_schemas_and_dates(names, config, schema, dates):
    with tempfile.TemporaryDirectory() as directory, _alarm(60):
        tmp = Path(directory)
        repo = make_repo(
            tmp / "repo",
            {
                ".tpm.toml": config,
                "schemas/task.json": json.dumps(schema),
                "tasks/T-1.md": "---\nid: T-1\ntitle: A task\nstatus: open\n---\n",
            },
        )
        _plant(tmp, repo)
        for number, date in enumerate(dates):
            _write(repo, names[number % len(names)], MILESTONE.replace("2026-12-18", f"2026-12-{10 + number}"))
            _commit_with_date(repo, f"change {number}", date)
        _write(repo, names[-1] + b".md", MILESTONE)  # one uncommitted file too
        first = _run_everything(repo)
        assert _run_everything(repo) == first, "output differs between two runs"
