"""JUnit XML: one test case per document checked. A document with error findings fails
(with --strict, any finding), its diagnostics in the failure's text; warnings and infos of
a passing document are kept in its system-out.

XML 1.0 cannot hold most control characters or U+FFFF, even as references, and GitLab
and Jenkins drop a report that is not well-formed, so every path and message goes through
`escaping.xml_text` (ElementTree then escapes the markup)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree

from tpm.diagnostic import Severity
from tpm.escaping import path_text, xml_text

if TYPE_CHECKING:
    from tpm.diagnostic import Diagnostic
    from tpm.engine import Result


def render(result: Result, strict: bool = False) -> str:
    by_path: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    paths = sorted(set(result.paths) | set(by_path))
    failing = [p for p in paths if _fails(by_path.get(p, []), strict)]
    suites = ElementTree.Element(
        "testsuites", name="tpm", tests=str(len(paths)), failures=str(len(failing)), errors="0"
    )
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name="tpm check",
        tests=str(len(paths)),
        failures=str(len(failing)),
        errors="0",
        skipped="0",
    )
    for path in paths:
        shown = xml_text(path_text(path))  # shown as in every format, then what XML can hold
        folder, _, name = shown.rpartition("/")
        case = ElementTree.SubElement(
            suite, "testcase", classname=folder.replace("/", ".") or "(root)", name=name, file=shown
        )
        found = by_path.get(path, [])
        lines = "\n".join(
            f"{shown}:{d.line}:{d.column}: {d.severity.value} {d.rule} {xml_text(d.message)}" for d in found
        )
        if path in failing:
            worst = min(found, key=lambda d: d.severity.rank)
            message = f"{len(found)} finding{'s' if len(found) != 1 else ''}: {worst.message}"
            failure = ElementTree.SubElement(case, "failure", type=worst.rule, message=xml_text(message))
            failure.text = lines
        elif found:
            ElementTree.SubElement(case, "system-out").text = lines
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def _fails(found: list[Diagnostic], strict: bool) -> bool:
    return bool(found) and (strict or any(d.severity is Severity.ERROR for d in found))
