"""Glob matching on its own: what each wildcard matches, what is refused, hostile patterns,
and a property test against a plain (backtracking) translation of the same meaning."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tpm.globs import GlobError, check_glob, glob_regex, glob_union, literal_folder

DOUBLE_STAR_MESSAGE = "`**` must be a whole path segment, as in `docs/**/*.md`"


def matches(pattern: str, path: str) -> bool:
    return glob_regex(pattern).fullmatch(path) is not None


CASES = [
    # `*`: within one folder name, empty included, dot files included
    ("*.md", ["a.md", ".md", ".hidden.md", "x.y.md"], ["a/b.md", "a.mdx", "a.m", "md"]),
    ("project/*/x.md", ["project/a/x.md", "project//x.md"], ["project/a/b/x.md", "project/x.md"]),
    ("a*b*c", ["abc", "aXbYc", "abbc", "acbc", "abcbc"], ["ab", "a/bc", "ab/c", "acb"]),
    ("*a*a*b.md", ["aab.md", "xaxaxb.md", "aaaab.md"], ["ab.md", "aba.md", "a/ab.md"]),
    ("*", ["a", "", "abc"], ["a/b", "/"]),
    # `?`: exactly one character, never `/`
    ("M-?.md", ["M-1.md", "M-?.md", "M-..md"], ["M-10.md", "M-.md", "M-/.md"]),
    ("??", ["ab", "é1"], ["a", "abc", "a/"]),
    ("a?*", ["ab", "abc"], ["a", "a/b"]),
    # classes
    ("[abc].md", ["a.md", "c.md"], ["d.md", "ab.md", ".md"]),
    ("R-[0-9].md", ["R-0.md", "R-9.md"], ["R-a.md", "R-10.md"]),
    ("[!a].md", ["b.md", "!.md"], ["a.md", "/.md", "bb.md"]),
    ("[^a].md", ["b.md"], ["a.md", "/.md"]),  # as git reads it: `^` negates too
    ("a[/]b", [], ["a/b", "a[/]b"]),  # a class never matches `/`
    ("x[!b]y", ["xay"], ["x/y", "xby"]),
    ("[]].md", ["].md"], ["[].md"]),  # `]` first in a class is a member
    ("[a-].md", ["a.md", "-.md"], ["b.md"]),
    ("[\\].md", ["\\.md"], ["].md"]),
    ("[*?].md", ["*.md", "?.md"], ["a.md"]),
    # what is no class: a lone `[`, a `[]` with nothing after
    ("[.md", ["[.md"], ["a.md"]),
    ("a[]", ["a[]"], ["a"]),
    ("a]b", ["a]b"], ["ab"]),
    # regex characters are literal
    ("a.b+c(d)|e$^{2}\\", ["a.b+c(d)|e$^{2}\\"], ["aXb+c(d)|e$^{2}\\", "abbc(d)|e$^{2}\\"]),
    # `**/` at the start, in the middle, at the end; bare `**`
    ("**/x.md", ["x.md", "a/x.md", "a/b/c/x.md"], ["ax.md", "a/x.mdx", "a/bx.md"]),
    ("a/**/x.md", ["a/x.md", "a/b/x.md", "a/b/c/x.md"], ["x.md", "ab/x.md", "b/a/x.md", "a/x.md/y"]),
    ("a/**", ["a/", "a/b", "a/b/c", "a/b/c.md"], ["a", "ab", "b/a/c"]),
    ("**", ["", "a", "a/b/c", "/"], []),
    ("a/**/b/**/c.md", ["a/b/c.md", "a/x/b/y/c.md", "a/b/b/b/c.md", "a/b/x/b/c.md"], ["a/c.md", "a/bb/c.md"]),
    ("**/**/x", ["x", "a/x", "a/b/x"], ["ax"]),  # runs of `**/` are one
    ("a/**/**/b", ["a/b", "a/x/y/b"], ["ab", "a/xb"]),
    ("**/**", ["", "a/b"], []),
    ("***/x", ["x", "a/b/x"], ["ax"]),  # `***` as a whole segment reads as `**`
    ("**/*.md", [".md", "a/b.md", "a/.b.md"], ["a/b.txt", "a.md/b"]),
    ("a/**/*/b", ["a/x/b", "a/x/y/b"], ["a/b"]),
    ("*/**", ["a/", "a/b"], ["a"]),
    ("a/**/", ["a/", "a/b/"], ["a/b", "a"]),
    ("/a", ["/a"], ["a"]),
    ("", [""], ["a"]),
]


@pytest.mark.parametrize(("pattern", "good", "bad"), CASES)
def test_glob_regex(pattern, good, bad):
    assert check_glob(pattern) is None
    assert [p for p in good if not matches(pattern, p)] == []
    assert [p for p in bad if matches(pattern, p)] == []


@pytest.mark.parametrize("pattern", ["docs/**.md", "**x", "a**", "x/a**b/y", "a/***.md", "**.md/x", "a/b**"])
def test_double_star_inside_a_segment_is_refused(pattern):
    assert check_glob(pattern) == DOUBLE_STAR_MESSAGE
    with pytest.raises(GlobError, match=re.escape(DOUBLE_STAR_MESSAGE)):
        glob_regex(pattern)
    with pytest.raises(GlobError):
        glob_union(("*.md", pattern))


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[z-a].md", "bad character range z-a"),
        ("[!]].md", "unterminated character set"),
    ],
)
def test_classes_python_cannot_compile_are_refused_with_the_reason(pattern, reason):
    assert reason in (check_glob(pattern) or "")


def test_glob_regex_is_cached_and_anchored_by_fullmatch():
    assert glob_regex("*.md") is glob_regex("*.md")
    assert glob_regex("a").match("ab") is not None  # a prefix matches with match(): callers use fullmatch
    assert glob_regex("a").fullmatch("ab") is None


def test_glob_union_names_the_first_glob_that_matches():
    union = glob_union(("a/*a*b.md", "a/**", "*a*b.md", "b/**/c/**/d"))  # group names never clash
    assert union.fullmatch("a/xab.md").lastgroup == "g0"
    assert union.fullmatch("a/x/y").lastgroup == "g1"
    assert union.fullmatch("aab.md").lastgroup == "g2"
    assert union.fullmatch("b/c/x/d").lastgroup == "g3"
    assert union.fullmatch("c.md") is None


@pytest.mark.parametrize(
    ("pattern", "folder"),
    [
        ("project/risks/**/*.md", "project/risks"),
        ("project/risks/R-?.md", "project/risks"),
        ("a/b[0-9]/c.md", "a"),
        ("*.md", ""),
        ("**/x.md", ""),
        ("docs/plan/file.md", "docs/plan"),  # no wildcard: the file's folder
        ("file.md", ""),
        ("a/b/", "a/b"),
    ],
)
def test_literal_folder(pattern, folder):
    assert literal_folder(pattern) == folder


# hostile patterns -----------------------------------------------------------------------

HOSTILE = [
    ("**/" * 40 + "notes/*.md", "d/" * 200 + "n.md"),
    ("**/d/" * 30 + "*.md", "d/" * 29 + "x/" * 100 + "n.md"),
    ("*a" * 40 + "*b.md", "a" * 3000 + ".md"),
    ("*a" * 30 + "*/**/" + "*b" * 30 + "*/c", "a" * 500 + "/" + "b/" * 300 + "d"),
    ("?" * 200 + "*" + "?" * 200, "x" * 300),
]


@pytest.mark.parametrize(("pattern", "path"), HOSTILE)
def test_hostile_patterns_fail_fast(pattern, path):
    """Each of these runs for minutes (or ages) with a naive translation; here the cost is
    about the path's length times the pattern's. The bound is generous: shared CI machines."""
    started = time.perf_counter()
    assert not matches(pattern, path)
    assert time.perf_counter() - started < 2


def test_hostile_patterns_still_match_what_they_should():
    assert matches("**/" * 40 + "notes/*.md", "d/" * 200 + "notes/n.md")
    assert matches("*a" * 40 + "*b.md", "a" * 3000 + "b.md")
    assert matches("?" * 200 + "*" + "?" * 200, "x" * 400)


# the same meaning as a plain translation --------------------------------------------------

_ATOMS = ["a", "b", "*", "?", "[ab]", "[!a]"]


def _plain(pattern: str) -> re.Pattern[str]:
    """The glob's meaning, written the obvious way (it backtracks; fine on tiny inputs)."""
    segments = pattern.split("/")
    out = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            out.append(r"[\s\S]*" if last else "(?:[^/]*/)*")
            continue
        part = ""
        i = 0
        while i < len(segment):
            if segment[i] == "*":
                part += "[^/]*"
            elif segment[i] == "?":
                part += "[^/]"
            elif segment[i] == "[":
                end = segment.index("]", i)
                body = segment[i + 1 : end]
                part += "[^/" + body[1:] + "]" if body.startswith("!") else f"(?!/)[{body}]"
                i = end
            else:
                part += re.escape(segment[i])
            i += 1
        out.append(part + ("" if last else "/"))
    return re.compile("".join(out))


_segment = st.one_of(
    st.just("**"),
    st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=4).map("".join).filter(lambda s: "**" not in s),
)
_patterns = st.lists(_segment, min_size=1, max_size=5).map("/".join)
_paths = st.lists(st.text("ab", max_size=4), min_size=1, max_size=5).map("/".join)


@given(pattern=_patterns, paths=st.lists(_paths, min_size=1, max_size=8))
def test_the_linear_translation_means_what_the_plain_one_means(pattern, paths):
    plain = _plain(pattern)
    for path in paths:
        assert (glob_regex(pattern).fullmatch(path) is not None) == (plain.fullmatch(path) is not None), (pattern, path)
