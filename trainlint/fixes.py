"""Fixes: from a rule's :class:`~trainlint.lint_rules.fixes.FixSpec` to text edits, and edits applied to texts,
notebooks and files.

A fix is resolved with its finding's positions, so its edits name the file the change belongs in (the head in
``model.py`` for a finding reported from ``train.py``). Applying follows ruff: safe fixes with ``--fix``, unsafe
ones too with ``--unsafe-fixes``; overlapping edits wait for the next round; each round re-lints the files, and
a file whose fixes would not parse, or would bring a finding that was not there, is left as it was.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import tempfile
import tokenize
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from trainlint.findings import SAFE, Edit, Finding, Fix

# Python's line breaks only (as libcst and the noqa reader count lines).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
MAX_ROUNDS = 10


# --- resolving: nodes to text ranges ----------------------------------------------------------------------

def resolve(spec, span: Callable, text_of: Callable[[str], str | None]) -> Fix | None:
    """The spec's replacements as edits; ``span(ref)`` gives ``(filename, (line, column), (end_line, end_column))``
    (1-based, end exclusive), ``text_of(filename)`` the text of that file. None when a node cannot be placed."""
    import libcst as cst

    edits = []
    renderer = cst.Module(body=[])
    for replacement in spec.replacements:
        filename, start, end = span(replacement.where)
        if start == end == (1, 1):
            return None
        if replacement.node is None:
            text = text_of(filename)
            if text is None:
                return None
            edits.append(_deletion(filename, text, start, end))
            continue
        node = replacement.node
        if isinstance(node, cst.Arg):  # a position covers the argument, not its comma
            node = node.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace(""))
        edits.append(Edit(filename, *start, *end, renderer.code_for_node(node)))
    return Fix(spec.applicability, spec.message, tuple(edits))


def _deletion(filename: str, text: str, start: tuple[int, int], end: tuple[int, int]) -> Edit:
    """Delete an argument with the comma that separates it: the comma after it, or else the one before it; a
    line left holding nothing else goes too."""
    lines = _lines(text)
    offsets = _line_offsets(lines)
    begin = offsets[start[0] - 1] + start[1] - 1
    finish = offsets[end[0] - 1] + end[1] - 1
    after = finish
    while after < len(text) and text[after] in " \t":
        after += 1
    if after < len(text) and text[after] == ",":
        finish = after + 1
        while finish < len(text) and text[finish] in " \t":
            finish += 1
        line_start = text.rfind("\n", 0, begin) + 1
        if not text[line_start:begin].strip() and text[finish:finish + 1] in ("\n", "\r"):
            begin = line_start  # the argument had its line to itself
            finish += 2 if text[finish:finish + 2] == "\r\n" else 1
    else:
        before = begin
        while before > 0 and text[before - 1] in " \t\r\n":
            before -= 1
        if before > 0 and text[before - 1] == ",":
            begin = before - 1
    return Edit(filename, *_position(offsets, begin), *_position(offsets, finish), "")


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _line_offsets(lines: list[str]) -> list[int]:
    offsets, total = [], 0
    for line in lines:
        offsets.append(total)
        total += len(line)
    offsets.append(total)
    return offsets


def _position(offsets: list[int], offset: int) -> tuple[int, int]:
    import bisect

    index = bisect.bisect_right(offsets, offset) - 1
    index = min(index, len(offsets) - 1)
    return index + 1, offset - offsets[index] + 1


# --- applying edits to a text -----------------------------------------------------------------------------

def applicable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (unsafe or finding.fix.applicability == SAFE)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with non-overlapping edits applied (positions refer to the text as given)."""
    offsets = _line_offsets(_lines(text))

    def offset(line: int, column: int) -> int:
        if line > len(offsets) - 1:
            return len(text)
        return offsets[line - 1] + column - 1

    pieces = []
    cursor = len(text)
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        begin, finish = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        pieces.append(text[finish:cursor])
        pieces.append(edit.content)
        cursor = begin
    pieces.append(text[:cursor])
    return "".join(reversed(pieces))


def chosen_fixes(findings: Iterable[Finding], unsafe: bool) -> list[Finding]:
    """The fixes to apply this round: applicable ones whose edits overlap no edit chosen before (ruff's rule:
    the rest wait for the next round)."""
    chosen, taken = [], []
    for finding in findings:
        if not applicable(finding, unsafe):
            continue
        spans = [(e.filename, (e.line, e.column), (e.end_line, e.end_column)) for e in finding.fix.edits]
        if any(name == other and start < other_end and other_start < end or
               (name == other and start == end == other_start == other_end)
               for name, start, end in spans for other, other_start, other_end in taken):
            continue
        taken.extend(spans)
        chosen.append(finding)
    return chosen


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# --- notebooks: edits land in the cells they touch --------------------------------------------------------

def apply_to_notebook(document_text: str, edits: list[Edit]) -> str | None:
    """The notebook's JSON with the edits applied to the cells they fall in; outputs, metadata and the file's
    JSON layout are kept (None when its layout is not one that json can write back as it was)."""
    from trainlint.sources.notebook import read_notebook

    layout = json_layout(document_text)
    if layout is None:
        return None
    document = json.loads(document_text)
    source = read_notebook(document_text, "")
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        start, end = source.locate(edit.line), source.locate(edit.end_line)
        if start is None or end is None or start.cell != end.cell:
            return None
        if edit.cell is None:  # columns of the joined code: put back what IPython's transforms removed
            edit = replace(edit, column=edit.column + start.shift, end_column=edit.end_column + end.shift)
        by_cell.setdefault(start.cell, []).append(replace(edit, line=start.line, end_line=end.line))
    for number, cell_edits in by_cell.items():
        cell = document["cells"][number - 1]
        original = cell["source"]
        text = "".join(original) if isinstance(original, list) else original
        text = apply_edits(text, cell_edits)
        cell["source"] = as_source_list(text, original) if isinstance(original, list) else text
    return dump_json(document, layout)


def as_source_list(text: str, original: list) -> list[str]:
    """The cell's text as nbformat's list of lines, keeping a trailing empty string the original had (some
    writers end the list with ``""``)."""
    lines = text.splitlines(keepends=True)
    if original and original[-1] == "" and (not lines or lines[-1] != ""):
        lines.append("")
    return lines


@dataclass(frozen=True)
class _Layout:
    indent: int | None
    sort_keys: bool
    ensure_ascii: bool
    newline: str


def json_layout(text: str) -> _Layout | None:
    """How the file's JSON was written (nbformat: indent 1, sorted keys, no ASCII escaping), when json can write
    the same text back."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    newline = "\n" if text.endswith("\n") else ""
    for indent in (1, 2, 4, None, 3):
        for sort_keys in (True, False):
            for ensure_ascii in (False, True):
                layout = _Layout(indent, sort_keys, ensure_ascii, newline)
                if dump_json(document, layout) == text:
                    return layout
    return None


def dump_json(document, layout: _Layout) -> str:
    return json.dumps(document, indent=layout.indent, sort_keys=layout.sort_keys, ensure_ascii=layout.ensure_ascii,
                      separators=(",", ": ") if layout.indent is not None else (", ", ": ")) + layout.newline


# --- files ------------------------------------------------------------------------------------------------

@dataclass
class FileText:
    """A file's text as read, and how to write it back as it was (encoding, BOM)."""

    path: Path
    text: str
    encoding: str
    bom: bool

    @classmethod
    def read(cls, path: Path) -> FileText | None:
        try:
            data = path.read_bytes()
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            bom = data.startswith(b"\xef\xbb\xbf")
            text = data.decode("utf-8-sig" if bom else encoding)
        except (OSError, SyntaxError, LookupError, UnicodeDecodeError):
            return None
        return cls(path, text, "utf-8" if bom else encoding, bom)

    def encoded(self, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode(self.encoding)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step (a reader sees the old or the new text, never half), keeping its mode."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".trainlint-fix")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def fixed_text(original: str, edits: list[Edit], notebook: bool) -> str | None:
    """The file's new text, or None when the edits cannot be applied or the result would not parse."""
    if notebook:
        from trainlint.sources.notebook import read_notebook

        new = apply_to_notebook(original, edits)
        if new is None:
            return None
        code = read_notebook(new, "").text
        return new if code is not None and parses(code) else None
    new = apply_edits(original, edits)
    return new if parses(new) else None


@dataclass
class FixRun:
    """What ``--fix`` / ``--diff`` did: the new text of each changed file, and the findings fixed."""

    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    """filename -> (text before, text after)."""
    fixed: list[Finding] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    """Notes on files whose fixes were not applied, and why."""


def fix_files(findings: list[Finding], lint: Callable[[dict[str, str]], list[Finding]], unsafe: bool,
              read: Callable[[str], str | None]) -> FixRun:
    """Apply fixes in rounds until none is left (at most :data:`MAX_ROUNDS`). ``lint(overlay)`` re-lints the run
    with the given texts standing for those files; ``read(filename)`` is a file's text. Nothing is written."""
    run = FixRun()
    texts: dict[str, str] = {}
    refused: set[tuple[str, int, int, str]] = set()
    one_at_a_time = False
    for _ in range(MAX_ROUNDS * 4):
        chosen = [f for f in chosen_fixes((f for f in findings if _key(f) not in refused), unsafe)]
        if not chosen:
            break
        if one_at_a_time:
            chosen = chosen[:1]
        edits_by_file: dict[str, list[Edit]] = {}
        for finding in chosen:
            for edit in finding.fix.edits:
                edits_by_file.setdefault(edit.filename, []).append(edit)
        candidate = dict(texts)
        broken: set[str] = set()
        for filename, edits in edits_by_file.items():
            original = texts.get(filename, read(filename))
            new = None if original is None else fixed_text(original, edits, filename.endswith(".ipynb"))
            if new is None:
                broken.add(filename)
                run.rejected.append(f"{filename}: the fix would not leave valid code; not applied")
            else:
                candidate[filename] = new
        applied = [f for f in chosen if not any(e.filename in broken for e in f.fix.edits)]
        refused.update(_key(f) for f in chosen if f not in applied)
        if not applied:
            continue
        after = lint(candidate)
        appeared = _new_findings(findings, applied, after, unsafe)
        if appeared:
            if len(applied) > 1:  # find the fix that brings it: one at a time from here on
                one_at_a_time = True
                continue
            # A fix that brings a finding that was not there is not what the author meant: leave the code as it was.
            refused.update(_key(f) for f in applied)
            run.rejected.append(f"{applied[0].filename}:{applied[0].line}: fixing {applied[0].code} would bring "
                                f"{', '.join(sorted(appeared))}; not applied")
            continue
        texts = candidate
        run.fixed.extend(applied)
        findings = after
    for filename, new in texts.items():
        original = read(filename)
        if original is not None and new != original:
            run.changed[filename] = (original, new)
    return run


def _key(finding: Finding) -> tuple[str, int, int, str]:
    return (finding.filename, finding.line, finding.column, finding.code)


def _new_findings(before: list[Finding], applied: list[Finding], after: list[Finding], unsafe: bool) -> set[str]:
    """The codes found more often after the fixes than before (less what they fixed), except findings that
    their own fixes settle in the next round (``Adam(lr=)`` once ``.legacy`` is gone)."""
    counts = _counts(before)
    for finding in applied:
        counts[finding.code] = counts.get(finding.code, 0) - 1
    now = _counts(f for f in after if not applicable(f, unsafe))
    return {code for code, count in now.items() if count > max(counts.get(code, 0), 0)}


def _counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    return counts


def unified_diff(filename: str, before: str, after: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=filename, tofile=filename))
