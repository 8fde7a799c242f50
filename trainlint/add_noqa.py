"""``trainlint check --add-noqa``: a ``# noqa: CODE`` on the line of every current finding, so that a team can adopt
trainlint on a large codebase and see only new problems (ruff's ``--add-noqa``).

Codes join an existing ``# noqa: ...`` on the line; otherwise the comment goes at the end of the line, after any
comment already there. A line that ends inside a string or with a backslash cannot carry a comment: such a
finding is left and counted. Notebooks are edited cell by cell and keep their outputs and metadata. Parse errors
(TL001), trainlint's own failures (TL002) and TL901 are not silenced this way.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from trainlint.findings import INTERNAL_ERROR, PARSE_ERROR, UNUSED_NOQA, Finding
from trainlint.fixes import as_source_list, dump_json, json_layout, write_atomically
from trainlint.noqa import NOQA

NOT_SILENCED_THIS_WAY = frozenset({PARSE_ERROR, INTERNAL_ERROR, UNUSED_NOQA})
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


@dataclass
class Outcome:
    added: int = 0
    files: int = 0
    left: list[Finding] = field(default_factory=list)
    """Findings on a line that cannot carry a comment, or in a file that could not be rewritten."""


def add_noqa(findings: list[Finding]) -> Outcome:
    outcome = Outcome()
    per_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.code in NOT_SILENCED_THIS_WAY or finding.filename == "-":
            continue
        per_file[finding.filename].append(finding)
    for filename, in_file in sorted(per_file.items()):
        try:
            add = _add_to_notebook if filename.endswith(".ipynb") else _add_to_module
            added = add(Path(filename), in_file, outcome)
        except (OSError, ValueError, UnicodeError):
            outcome.left.extend(in_file)
            continue
        outcome.added += added
        outcome.files += bool(added)
    return outcome


def _codes_per_line(findings: list[Finding], unsafe: set[int], outcome: Outcome) -> dict[int, set[str]]:
    wanted: dict[int, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.line in unsafe:
            outcome.left.append(finding)
        else:
            wanted[finding.line].add(finding.code)
    return wanted


def lines_without_room(text: str) -> set[int]:
    """The lines (1-based) whose end lies inside a string or after a backslash: a comment there would change the
    code. Everything, when the text does not tokenize."""
    unsafe: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] < token.end[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
                unsafe.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return set(range(1, text.count("\n") + 2))
    for number, line in enumerate(text.split("\n"), start=1):
        if line.rstrip("\r").endswith("\\"):
            unsafe.add(number)
    return unsafe


def with_codes(line: str, codes: set[str]) -> str:
    """The physical line (its line break kept) with a ``# noqa`` naming ``codes`` besides what it named."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    match = NOQA.search(body)
    if match is not None:
        listed = match.group("codes")
        if not listed:  # a bare # noqa already silences everything
            return line
        present = [code for code in re.split(r"[,\s]+", listed) if code]
        merged = present + sorted(code for code in codes if not code.startswith(tuple(present)))
        rest = body[match.end():].lstrip(", ")
        return body[:match.start()] + f"# noqa: {', '.join(merged)}" + (f" {rest}" if rest else "") + ending
    return f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{ending}"


def _add_to_module(path: Path, findings: list[Finding], outcome: Outcome) -> int:
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    wanted = _codes_per_line(findings, lines_without_room(text.removeprefix("\ufeff")), outcome)
    lines = _LINE.findall(text)
    changed = 0
    for number, codes in wanted.items():
        if 1 <= number <= len(lines):
            edited = with_codes(lines[number - 1], codes)
            changed += edited != lines[number - 1]
            lines[number - 1] = edited
    if changed:
        write_atomically(path, "".join(lines).encode(encoding))
    return changed


def _add_to_notebook(path: Path, findings: list[Finding], outcome: Outcome) -> int:
    from trainlint.sources.notebook import read_notebook

    raw = path.read_text(encoding="utf-8")
    document = json.loads(raw)
    joined = read_notebook(raw, str(path))
    if joined.text is None:
        raise ValueError("not a Python notebook")
    places = {finding.line: joined.locate(finding.line) for finding in findings}
    wanted = _codes_per_line([f for f in findings if places[f.line] is not None], lines_without_room(joined.text),
                             outcome)
    outcome.left.extend(f for f in findings if places[f.line] is None)
    changed = 0
    for number, codes in wanted.items():
        where = places[number]
        cell = document["cells"][where.cell - 1]
        source = cell["source"]
        lines = _LINE.findall("".join(source) if isinstance(source, list) else source)
        if lines and lines[-1] == "":
            lines.pop()
        edited = with_codes(lines[where.line - 1], codes)
        changed += edited != lines[where.line - 1]
        lines[where.line - 1] = edited
        edited_text = "".join(lines)
        cell["source"] = as_source_list(edited_text, source) if isinstance(source, list) else edited_text
    if changed:
        layout = json_layout(raw)
        if layout is not None:  # written back exactly as the file's JSON was laid out
            text = dump_json(document, layout)
        else:
            indent = re.match(r"\{\s*\n( *)", raw)
            text = json.dumps(document, indent=len(indent.group(1)) if indent else 1, ensure_ascii=False)
            text += "\n" if raw.endswith("\n") else ""
        write_atomically(path, text.encode("utf-8"))
    return changed

