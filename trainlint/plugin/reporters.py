"""Output formats for ``trainlint check``."""

from __future__ import annotations

import json
from typing import Callable, TextIO

from trainlint.findings import Finding


def _location(filename: str, line: int, column: int, cell: int | None = None) -> str:
    return f"{filename}:{line}:{column}" if cell is None else f"{filename}:cell {cell}:{line}:{column}"


def report_text(findings: list[Finding], files: int, out: TextIO) -> None:
    """ruff's layout: ``path:line:col: CODE message``, the related places indented beneath."""
    for finding in findings:
        out.write(f"{_location(finding.filename, finding.line, finding.column, finding.cell)}: "
                  f"{finding.code} {finding.message}\n")
        for related in finding.related:
            out.write(f"    {_location(related.filename, related.line, related.column)}: {related.message}\n")
        if finding.confirmation is not None:
            confirmation = finding.confirmation
            out.write(f"    dynamic: {confirmation.status} on {confirmation.device}: {confirmation.evidence}\n")
    if findings:
        noun = "finding" if len(findings) == 1 else "findings"
        out.write(f"Found {len(findings)} {noun} in {files} file{'s' if files != 1 else ''} checked.\n")
    else:
        out.write(f"All checks passed! ({files} file{'s' if files != 1 else ''} checked)\n")


def report_json(findings: list[Finding], files: int, out: TextIO) -> None:
    json.dump([finding.to_dict() for finding in findings], out, indent=2)
    out.write("\n")


REPORTERS: dict[str, Callable[[list[Finding], int, TextIO], None]] = {
    "text": report_text,
    "json": report_json,
}
