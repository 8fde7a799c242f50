"""``# noqa`` suppression for the CLI, with flake8's grammar (flake8 applies its own to the plugin's output).

``# noqa`` on the reported line silences every finding there; ``# noqa: TL101,TL2`` silences the codes listed
and the codes they prefix, as flake8 does.

Whole files: a line that starts with ``# flake8: noqa`` skips the file, exactly as flake8 reads it (flake8 7
skips the file whatever follows, codes included; after code on the same line it means nothing). A line that
starts with ``# trainlint: noqa`` skips the file for trainlint only, and ``# trainlint: noqa: TL101,TL2`` only
those codes and the codes they prefix (ruff's ``# ruff: noqa: F401``).

``TL901`` (unused-noqa, opt-in) reports the ``TL`` codes of a ``# noqa`` comment that silence nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterable

from trainlint.findings import UNUSED_NOQA, Finding, file_diagnostic

# flake8's own pattern (flake8.defaults.NOQA_INLINE_REGEXP), so a comment means the same thing in both tools.
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
# flake8's file-level pattern (flake8.defaults.NOQA_FILE), matched at the start of a line as flake8 does.
FLAKE8_FILE_NOQA = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)
TRAINLINT_FILE_NOQA = re.compile(
    r"\s*#\s*trainlint\s*[:=]\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
_SEPARATORS = re.compile(r"[,\s]+")
# Python's line breaks only: str.splitlines() also breaks at form feeds and other characters a parser keeps.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MENTIONS_NOQA = re.compile(rb"noqa", re.I)

EVERY_CODE: frozenset[str] = frozenset()
"""A whole-file or bare ``# noqa``: every code."""


def mentions_noqa(data: bytes) -> bool:
    return _MENTIONS_NOQA.search(data) is not None


def _split_codes(listed: str | None) -> frozenset[str]:
    return frozenset(code for code in _SEPARATORS.split(listed) if code) if listed else EVERY_CODE


def suppressed_codes(line: str) -> frozenset[str] | None:
    """The codes a line's ``# noqa`` names; an empty set for a bare ``# noqa``; None without one."""
    if "noqa" not in line.lower():
        return None
    match = NOQA.search(line)
    if match is None:
        return None
    return _split_codes(match.group("codes"))  # case-sensitive, as in flake8


def file_exemption(lines: list[str]) -> frozenset[str] | None:
    """The codes a whole-file comment silences: :data:`EVERY_CODE` for all of them; None without one."""
    codes: set[str] = set()
    for line in lines:
        if "noqa" not in line.lower():
            continue
        if FLAKE8_FILE_NOQA.match(line):
            return EVERY_CODE
        match = TRAINLINT_FILE_NOQA.match(line)
        if match is not None:
            if not match.group("codes"):
                return EVERY_CODE
            codes |= {code.upper() for code in _split_codes(match.group("codes"))}
    return frozenset(codes) if codes else None


def _covers(codes: frozenset[str], code: str) -> bool:
    return not codes or code.startswith(tuple(codes))


@dataclass
class _NoqaLines:
    lines: list[str]
    exempt: frozenset[str] | None

    @classmethod
    def of(cls, text: str) -> _NoqaLines | None:
        if "noqa" not in text.lower():
            return None
        lines = _LINE_BREAK.split(text)
        return cls(lines, file_exemption(lines))

    def suppressing(self, finding: Finding) -> tuple[int, frozenset[str]] | None:
        """The line whose comment silences the finding (0 for a whole-file comment) and the codes it names."""
        if self.exempt is not None and _covers(self.exempt, finding.code):
            return 0, self.exempt
        if not 1 <= finding.line <= len(self.lines):
            return None
        codes = suppressed_codes(self.lines[finding.line - 1])
        if codes is None or not _covers(codes, finding.code):
            return None
        return finding.line, codes


def is_suppressed(finding: Finding, lines: list[str]) -> bool:
    return _NoqaLines(lines, file_exemption(lines)).suppressing(finding) is not None


UsedNoqa = tuple[str, int, str]
"""(filename, line, code) of a finding a ``# noqa`` silenced (line 0: a whole-file comment)."""


@dataclass
class Suppression:
    kept: list[Finding]
    used: list[UsedNoqa]


def apply_noqa(findings: Iterable[Finding], text: str, filename: str | None = None,
               read: Callable[[str], str | None] | None = None) -> Suppression:
    """The findings that no ``# noqa`` covers, and what each silenced one was silenced by.

    With ``filename``, only the findings reported in that file are read against ``text``. A finding reached
    through an import may be reported in another module: ``read`` gives that module's text (None when it
    cannot be read, and the finding is kept), so its ``# noqa`` counts as it would in flake8 on that file.
    """
    texts: dict[str, _NoqaLines | None] = {}

    def lines_of(name: str) -> _NoqaLines | None:
        if name not in texts:
            other = text if filename is None or name == filename else read(name) if read is not None else None
            texts[name] = _NoqaLines.of(other) if other is not None else None
        return texts[name]

    outcome = Suppression([], [])
    for finding in findings:
        lines = lines_of(finding.filename)
        silenced = lines.suppressing(finding) if lines is not None else None
        if silenced is None:
            outcome.kept.append(finding)
        else:
            outcome.used.append((finding.filename, silenced[0], finding.code))
    return outcome


def without_suppressed(findings: Iterable[Finding], text: str, filename: str | None = None,
                       read: Callable[[str], str | None] | None = None) -> list[Finding]:
    """The findings whose reported line has no ``# noqa`` covering their code (see :func:`apply_noqa`)."""
    return apply_noqa(findings, text, filename, read).kept


# --- TL901: the TL codes of a # noqa that silence nothing ---------------------------------------------------

@dataclass(frozen=True)
class NoqaComment:
    line: int
    column: int
    codes: tuple[str, ...]
    """The ``TL`` codes it names (other tools' codes are theirs to judge)."""
    whole_file: bool = False
    """A ``# trainlint: noqa: CODES`` line."""


def noqa_comments(text: str) -> list[NoqaComment]:
    """The comments (real comments, not strings) that name ``TL`` codes in a ``# noqa``; none if the text does
    not tokenize."""
    if "noqa" not in text.lower():
        return []
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT or "noqa" not in token.string.lower():
                continue
            line, column = token.start
            whole_file = TRAINLINT_FILE_NOQA.match(token.line) if token.line[:column].strip() == "" else None
            if whole_file is not None:
                codes = frozenset(code.upper() for code in _split_codes(whole_file.group("codes")))
            else:
                match = NOQA.search(token.string)
                codes = _split_codes(match.group("codes")) if match is not None else EVERY_CODE
            listed = tuple(sorted(code for code in codes if code.startswith("TL")))
            if listed:
                found.append(NoqaComment(line, column + 1, listed, whole_file is not None))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return []
    return found


def unused_noqa(comments: list[NoqaComment], used: Iterable[UsedNoqa], filename: str,
                could_report: Callable[[str], bool]) -> list[Finding]:
    """One TL901 finding per listed code that silenced nothing in ``filename`` and whose rules all ran
    (``could_report(code)``): a code whose rule was turned off might have had something to silence."""
    used_here = {(line, code) for name, line, code in used if name == filename}
    findings = []
    for comment in comments:
        for code in comment.codes:
            where = 0 if comment.whole_file else comment.line
            if any(line == where and silenced.startswith(code) for line, silenced in used_here):
                continue
            if not could_report(code):
                continue
            findings.append(unused_noqa_finding(filename, comment.line, comment.column, code, comment.whole_file))
    return findings


_UNUSED_MESSAGE = re.compile(r"^`# (?:trainlint: )?noqa: (TL[0-9]*)`")


def unused_noqa_finding(filename: str, line: int, column: int, code: str, whole_file: bool = False) -> Finding:
    if whole_file:
        message = (f"`# trainlint: noqa: {code}` silences nothing in this file: no {code} finding is reported "
                   f"here; remove {code} from the comment")
    else:
        message = (f"`# noqa: {code}` silences nothing: no {code} finding is reported on this line; remove "
                   f"{code} from the comment")
    return file_diagnostic(filename, message, line, column, code=UNUSED_NOQA)


def unused_code(finding: Finding) -> UsedNoqa | None:
    """``(filename, line, code)`` as :data:`UsedNoqa` would name a use of the comment a TL901 finding reports."""
    match = _UNUSED_MESSAGE.match(finding.message) if finding.code == UNUSED_NOQA else None
    if match is None:
        return None
    return finding.filename, 0 if match.group(0).startswith("`# trainlint") else finding.line, match.group(1)
