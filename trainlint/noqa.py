"""``# noqa`` suppression for the CLI, with flake8's grammar (flake8 applies its own to the plugin's output).

``# noqa`` on the reported line silences every finding there; ``# noqa: TL101,TL2`` silences the codes listed
and the codes they prefix, as flake8 does.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from trainlint.findings import Finding

# flake8's own pattern (flake8.defaults.NOQA_INLINE_REGEXP), so a comment means the same thing in both tools.
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s]+")
# Python's line breaks only: str.splitlines() also breaks at form feeds and other characters a parser keeps.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def suppressed_codes(line: str) -> frozenset[str] | None:
    """The codes a line's ``# noqa`` names; an empty set for a bare ``# noqa``; None without one."""
    if "noqa" not in line.lower():
        return None
    match = NOQA.search(line)
    if match is None:
        return None
    listed = match.group("codes")
    if not listed:
        return frozenset()
    return frozenset(code for code in _SEPARATORS.split(listed) if code)  # case-sensitive, as in flake8


def is_suppressed(finding: Finding, lines: list[str]) -> bool:
    if not 1 <= finding.line <= len(lines):
        return False
    codes = suppressed_codes(lines[finding.line - 1])
    if codes is None:
        return False
    return not codes or finding.code.startswith(tuple(codes))


def without_suppressed(findings: Iterable[Finding], text: str, filename: str | None = None,
                       read: Callable[[str], str | None] | None = None) -> list[Finding]:
    """The findings whose reported line has no ``# noqa`` covering their code.

    With ``filename``, only the findings reported in that file are read against ``text``. A finding reached
    through an import may be reported in another module: ``read`` gives that module's text (None when it
    cannot be read, and the finding is kept), so its ``# noqa`` counts as it would in flake8 on that file.
    """
    findings = list(findings)
    texts: dict[str, list[str] | None] = {}

    def lines_of(name: str) -> list[str] | None:
        if name not in texts:
            other = text if filename is None or name == filename else read(name) if read is not None else None
            texts[name] = _LINE_BREAK.split(other) if other is not None and "noqa" in other.lower() else None
        return texts[name]

    kept = []
    for finding in findings:
        lines = lines_of(finding.filename)
        if lines is None or not is_suppressed(finding, lines):
            kept.append(finding)
    return kept
