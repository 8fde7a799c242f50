"""Output formats for ``trainlint check``.

Every reporter is called as ``reporter(findings, files_checked, out, context=ReportContext(...))``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, TextIO

from trainlint.findings import Finding
from trainlint.terminal import paint


@dataclass(frozen=True)
class ReportContext:
    """What some formats need beyond the findings."""

    root: Path = field(default_factory=Path.cwd)  # SARIF URIs are relative to it
    show_source: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)  # filename -> text, for the files with findings
    colour: bool = False  # ANSI colour in text and concise output (trainlint.terminal decides)
    quiet: bool = False  # the findings only, without the closing summary line
    keras: Mapping[str, dict] = field(default_factory=dict)  # filename -> the Keras it was judged under, and why


def _location(filename: str, line: int, column: int, cell: int | None = None, cell_line: int | None = None) -> str:
    """``path:line:col``; in a notebook ``path:cell N:line:col`` with the line counted within the cell (as ruff)."""
    if cell is None:
        return f"{filename}:{line}:{column}"
    return f"{filename}:cell {cell}:{cell_line if cell_line is not None else line}:{column}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(findings: list[Finding], files: int) -> str:
    if findings:
        return f"Found {_plural(len(findings), 'finding')} in {_plural(files, 'file')} checked.\n"
    return f"All checks passed! ({_plural(files, 'file')} checked)\n"


def _headline(finding: Finding, colour: bool) -> str:
    where = _location(finding.filename, finding.line, finding.column, finding.cell, finding.cell_line)
    code = paint(finding.code, "error" if finding.severity == "error" else "warning", colour)
    return f"{paint(where, 'location', colour)}: {code} {finding.message}\n"


def _closing(findings: list[Finding], files: int, out: TextIO, context: ReportContext) -> None:
    if not context.quiet:
        out.write(paint(_summary(findings, files).rstrip("\n"), "summary", context.colour) + "\n")


def report_text(findings: list[Finding], files: int, out: TextIO, context: ReportContext = ReportContext()) -> None:
    """ruff's layout: ``path:line:col: CODE message``, the related places indented beneath."""
    colour = context.colour
    for finding in findings:
        out.write(_headline(finding, colour))
        if context.show_source:
            out.write(source_excerpt(finding, context.sources.get(finding.filename), colour))
        for related in finding.related:
            where = _location(related.filename, related.line, related.column, related.cell, related.cell_line)
            out.write(f"    {paint(where, 'related', colour)}: {related.message}\n")
        if finding.confirmation is not None:
            confirmation = finding.confirmation
            out.write(f"    dynamic: {confirmation.status} on {confirmation.device}: {confirmation.evidence}\n")
    _closing(findings, files, out, context)


def source_excerpt(finding: Finding, text: str | None, colour: bool = False) -> str:
    """The reported line with the span underlined, in ruff's gutter layout; empty when the text is unknown.

    For a notebook ``text`` is its joined code cells (what was linted, where ``finding.line`` counts) and the
    gutter shows the line within the cell, as the location does."""
    if text is None:
        return ""
    lines = text.split("\n")
    if not 1 <= finding.line <= len(lines):
        return ""
    # Tabs become one space so that the carets stay under the characters they mark.
    line = lines[finding.line - 1].rstrip("\r\n").replace("\t", " ")
    end = finding.end_column if finding.end_line == finding.line else len(line) + 1
    width = max(1, min(end, len(line) + 1) - finding.column)
    number = str(finding.cell_line if finding.cell is not None and finding.cell_line is not None else finding.line)
    gutter = " " * len(number)
    bar = paint("|", "gutter", colour)
    return (f" {gutter} {bar}\n {paint(number, 'gutter', colour)} {bar} {line}\n"
            f" {gutter} {bar} {' ' * (finding.column - 1)}{paint('^' * width, 'caret', colour)}\n")


def report_concise(findings: list[Finding], files: int, out: TextIO, context: ReportContext = ReportContext()) -> None:
    """One line a finding, nothing else but the summary: for grep and editors' problem matchers."""
    for finding in findings:
        out.write(_headline(finding, context.colour))
    _closing(findings, files, out, context)


def report_json(findings: list[Finding], files: int, out: TextIO, context: ReportContext = ReportContext()) -> None:
    json.dump([finding.to_dict() for finding in findings], out, indent=2)
    out.write("\n")


def report_json_lines(findings: list[Finding], files: int, out: TextIO,
                      context: ReportContext = ReportContext()) -> None:
    """One JSON object a line (the same objects as ``json``), so a consumer can stream a large audit."""
    for finding in findings:
        out.write(json.dumps(finding.to_dict(), ensure_ascii=False))
        out.write("\n")


def report_github(findings: list[Finding], files: int, out: TextIO, context: ReportContext = ReportContext()) -> None:
    """GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff."""
    for finding in findings:
        level = "error" if finding.severity == "error" else "warning"
        properties = {
            "file": finding.filename, "line": finding.line, "col": finding.column,
            "endLine": finding.end_line, "endColumn": finding.end_column,
            "title": f"trainlint {finding.code}" + (f" ({finding.name})" if finding.name else ""),
        }
        if finding.cell is not None:  # lines count the joined code cells: GitHub cannot place them in the .ipynb
            del properties["line"], properties["col"], properties["endLine"], properties["endColumn"]
        message = f"{finding.code} {finding.message}"
        if finding.cell is not None:
            message += f"\ncell {finding.cell}, line {finding.cell_line or finding.line}"
        for related in finding.related:
            message += (f"\n{_location(related.filename, related.line, related.column, related.cell, related.cell_line)}"
                        f": {related.message}")
        fields = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
        out.write(f"::{level} {fields}::{_escape_data(message)}\n")


def _escape_data(text: str) -> str:
    # The escaping of @actions/core's toCommandValue / escapeData.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_sarif(findings: list[Finding], files: int, out: TextIO, context: ReportContext = ReportContext()) -> None:
    from trainlint.plugin.sarif import sarif_log

    json.dump(sarif_log(findings, context.root, context.keras), out, indent=2, ensure_ascii=False)
    out.write("\n")


Reporter = Callable[..., None]
REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "concise": report_concise,
    "json": report_json,
    "json-lines": report_json_lines,
    "sarif": report_sarif,
    "github": report_github,
}
