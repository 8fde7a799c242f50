"""Jupyter notebooks as source units: the code cells joined into one module, with a map back to (cell, line).

IPython syntax (``%magic``, ``%%cell_magic``, ``!shell``, ``x = !cmd``, ``obj?``) is not Python. Each such line
is replaced in place by ``pass`` at its indentation, so the module keeps one line per notebook line (positions map
back exactly) and a magic inside a block leaves the block valid. Cells whose cell magic runs another language
(``%%bash``, ``%%writefile``) are blanked whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from trainlint.findings import Edit, Finding, Related, file_diagnostic

# Cell magics whose body is still Python run in the kernel; every other cell magic hands its body elsewhere.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "tensorflow_version"})

_MAGIC_LINE = re.compile(r"^(\s*)(%|!|\?)")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)[\w.]+(\s*,\s*[\w.]+)*\s*=\s*(%|!)")
_HELP_SUFFIX = re.compile(r"^(\s*)[\w.]+\?{1,2}\s*$")


@dataclass(frozen=True)
class CellLine:
    """Where a line of the joined module sits in the notebook: the cell (1-based over all cells) and its line."""

    cell: int
    line: int


@dataclass(frozen=True)
class NotebookSource:
    """A notebook read as one module; ``text`` is None when it is skipped (``note``) or unreadable (``diagnostic``)."""

    text: str | None
    lines: tuple[CellLine, ...] = ()
    note: str | None = None
    diagnostic: Finding | None = None

    def locate(self, line: int) -> CellLine | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

    def place(self, finding: Finding) -> Finding:
        """The finding with its primary and related places pointing at cells (``line`` stays the joined line)."""
        where = self.locate(finding.line)
        related = tuple(self._place_related(r, finding.filename) for r in finding.related)
        fix = finding.fix
        if fix is not None:
            fix = replace(fix, edits=tuple(self._place_edit(e, finding.filename) for e in fix.edits))
        if where is None:
            return replace(finding, related=related, fix=fix)
        return replace(finding, cell=where.cell, cell_line=where.line, related=related, fix=fix)

    def _place_edit(self, edit: Edit, filename: str) -> Edit:
        where = self.locate(edit.line) if edit.filename == filename else None
        return edit if where is None else replace(edit, cell=where.cell, cell_line=where.line)

    def _place_related(self, related: Related, filename: str) -> Related:
        where = self.locate(related.line) if related.filename == filename else None
        return related if where is None else replace(related, cell=where.cell, cell_line=where.line)


def read_notebook(text: str, filename: str) -> NotebookSource:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return NotebookSource(None, diagnostic=file_diagnostic(
            filename, f"not a valid notebook: invalid JSON: {error.msg}", error.lineno, error.colno))
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return NotebookSource(None, diagnostic=file_diagnostic(
            filename, "not a valid notebook: no 'cells' list (nbformat 4 is supported)"))
    language = _kernel_language(document)
    if language is not None and language.lower() != "python":
        return NotebookSource(None, note=f"the notebook's kernel language is {language!r}, not Python; skipped")
    module_lines: list[str] = []
    places: list[CellLine] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if not isinstance(source, str) or not source.strip():
            continue
        for line_number, line in enumerate(neutralise_magics(source.splitlines()), start=1):
            module_lines.append(line)
            places.append(CellLine(number, line_number))
    return NotebookSource("\n".join(module_lines) + "\n" if module_lines else "", tuple(places))


def _kernel_language(document: dict) -> str | None:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for section, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(section, {}).get(key) if isinstance(metadata.get(section), dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def neutralise_magics(lines: list[str]) -> list[str]:
    """The cell's lines with IPython-only lines turned into ``pass`` (or blank), one output line per input line."""
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        keep_body = bool(magic) and magic[0] in PYTHON_BODY_CELL_MAGICS
        return [""] + (list(neutralise_magics(lines[1:])) if keep_body else [""] * (len(lines) - 1))
    result: list[str] = []
    continued = False
    for line in lines:
        if continued:  # the rest of a shell or magic line continued with a backslash
            result.append("")
            continued = line.rstrip().endswith("\\")
            continue
        match = _MAGIC_LINE.match(line) or _ASSIGNED_MAGIC.match(line) or _HELP_SUFFIX.match(line)
        if match:
            result.append(f"{match.group(1)}pass")
            continued = line.rstrip().endswith("\\")
        else:
            result.append(line)
    return result
