"""Positions of reported nodes, computed over the one line of statements, or else the one top-level statement,
that holds each of them.

libcst's ``PositionProvider`` over a whole module costs two to four parses: too much for the files that do
report something in a batch audit, or in an editor. The evaluator records which statement evaluated each
expression. Most are simple statement lines (``loss = criterion(model(x), y)``): positions are computed over a
module made of that line alone, Python's own parser (walked beside libcst's tree, statements only) says on which
line it starts, and the file's own lines say how far each of its lines is indented (libcst writes a line alone
without the indentation of the blocks around it; the rest of each line is the file's). Any other statement
(the test of an ``if``, a decorator) is found through its top-level ancestor, whose positions are computed
over a module made of it alone. Anything that does not line up returns None: the caller computes positions
over the whole module.
"""

from __future__ import annotations

import ast
import re

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider


class StatementPositions:
    def __init__(self, module: cst.Module, text: str, statement_of: dict[int, cst.CSTNode]):
        self.module = module
        self.text = text
        self.statement_of = statement_of
        self._top_of: dict[int, cst.CSTNode] | None = None
        self._ranges: dict[int, dict] = {}
        self._start_of: dict[int, int] | None = None
        self._file_lines: list[str] | None = None
        self._rendered: dict[int, tuple[dict, list[str]]] = {}

    def get(self, node: cst.CSTNode) -> CodeRange | None:
        """The node's range in the whole file, or None when it cannot be found this way."""
        probe = node.value if type(node) is cst.Arg else node
        statement = self.statement_of.get(id(probe))
        if statement is None:
            return None
        if type(statement) is cst.SimpleStatementLine:
            found = self._in_line(statement, node)
            if found is not None:
                return found
        top = self._tops().get(id(statement))
        start = self._starts().get(id(top)) if top is not None else None
        if start is None:
            return None
        found = self._ranges_in(top).get(node)
        return None if found is None else moved_to_line(found, start)

    def _in_line(self, statement: cst.SimpleStatementLine, node: cst.CSTNode) -> CodeRange | None:
        first = self._starts().get(id(statement))
        if first is None:
            return None
        rendered = self._rendered.get(id(statement))
        if rendered is None:
            alone = statement.with_changes(leading_lines=()) if statement.leading_lines else statement
            mini = self.module.with_changes(body=[alone], header=(), footer=())
            rendered = self._rendered[id(statement)] = (
                MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider), _LINE_BREAK.split(mini.code))
        ranges, lines = rendered
        found = ranges.get(node)
        if found is None:
            return None
        start, end = self._in_file(found.start, first, lines), self._in_file(found.end, first, lines)
        return None if start is None or end is None else CodeRange(start, end)

    def _in_file(self, position: CodePosition, first: int, lines: list[str]) -> CodePosition | None:
        """A position in a line of statements written alone, in the file: the file's line holds the same text,
        after the indentation libcst left out."""
        if self._file_lines is None:
            self._file_lines = _LINE_BREAK.split(self.text)
        index = position.line - 1
        if not 0 <= index < len(lines) or first - 1 + index >= len(self._file_lines):
            return None
        mine, theirs = lines[index], self._file_lines[first - 1 + index]
        indent = len(theirs) - len(mine)
        if indent < 0 or not theirs.endswith(mine) or theirs[:indent].strip(" \t"):
            return None
        return CodePosition(first + index, position.column + indent)

    def _starts(self) -> dict[int, int]:
        """The line each statement of the module starts on (decorators included, comments above it not), by node
        id; empty when Python's parser cannot read the text or the two parsers disagree on the statements."""
        if self._start_of is None:
            self._start_of = {}
            try:
                body = ast.parse(self.text).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return self._start_of
            if not self._match(self.module.body, body):
                self._start_of = {}
        return self._start_of

    def _match(self, statements, nodes: list[ast.stmt]) -> bool:
        """Walk a block of libcst statements beside Python's, recording where each starts; False when the two
        parsers disagree on the block."""
        index = 0
        for statement in statements:
            count = len(statement.body) if type(statement) is cst.SimpleStatementLine else 1
            if index + count > len(nodes):
                return False
            first = nodes[index]
            decorators = getattr(first, "decorator_list", ())
            self._start_of[id(statement)] = min([first.lineno, *(decorator.lineno for decorator in decorators)])
            if type(statement) is not cst.SimpleStatementLine and not self._match_compound(statement, first):
                return False
            index += count
        return index == len(nodes)

    def _match_compound(self, statement: cst.CSTNode, node: ast.stmt) -> bool:
        expected = _COMPOUND.get(type(statement))
        if expected is None:
            return True  # a match statement, ...: not walked into (its lines take the top-level way)
        if not isinstance(node, expected) or not self._match_suite(statement.body, node.body):
            return False
        orelse = getattr(statement, "orelse", None)
        if type(orelse) is cst.If:
            if len(node.orelse) != 1 or not self._match_compound(orelse, node.orelse[0]):
                return False
        elif orelse is not None and not self._match_suite(orelse.body, node.orelse):
            return False
        handlers, theirs = getattr(statement, "handlers", ()), getattr(node, "handlers", [])
        if len(handlers) != len(theirs) or not all(
                self._match_suite(mine.body, other.body) for mine, other in zip(handlers, theirs)):
            return False
        final = getattr(statement, "finalbody", None)
        return final is None or self._match_suite(final.body, node.finalbody)

    def _match_suite(self, suite: cst.BaseSuite, nodes: list[ast.stmt]) -> bool:
        if type(suite) is cst.IndentedBlock:
            return self._match(suite.body, nodes)
        return len(suite.body) == len(nodes)  # ``if x: y = 1``: small statements on the header's line

    def _tops(self) -> dict[int, cst.CSTNode]:
        if self._top_of is None:
            self._top_of = {}
            for top in self.module.body:
                pending = [top]
                while pending:
                    statement = pending.pop()
                    self._top_of[id(statement)] = top
                    pending.extend(_inner_statements(statement))
        return self._top_of

    def _ranges_in(self, top: cst.CSTNode) -> dict:
        ranges = self._ranges.get(id(top))
        if ranges is None:
            alone = top.with_changes(leading_lines=()) if getattr(top, "leading_lines", ()) else top
            mini = self.module.with_changes(body=[alone], header=(), footer=())
            ranges = self._ranges[id(top)] = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
        return ranges


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""What libcst and Python's parser take for a line break (``str.splitlines`` also breaks at form feeds)."""

_COMPOUND: dict[type, type | tuple[type, ...]] = {
    cst.If: ast.If, cst.For: (ast.For, ast.AsyncFor), cst.While: ast.While, cst.With: (ast.With, ast.AsyncWith),
    cst.Try: ast.Try, cst.TryStar: ast.TryStar, cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: ast.ClassDef,
}


def moved_to_line(code_range: CodeRange, first_line: int) -> CodeRange:
    """A range computed over a piece of a file that starts at ``first_line`` of it, in the file's lines."""
    shift = first_line - 1
    return CodeRange(CodePosition(code_range.start.line + shift, code_range.start.column),
                     CodePosition(code_range.end.line + shift, code_range.end.column))


def _inner_statements(statement: cst.CSTNode) -> list[cst.CSTNode]:
    inner: list[cst.CSTNode] = []
    for block in (getattr(statement, "body", None), getattr(getattr(statement, "orelse", None), "body", None),
                  getattr(getattr(statement, "finalbody", None), "body", None)):
        if type(block) in (cst.IndentedBlock, cst.SimpleStatementSuite):
            inner.extend(block.body)
    orelse = getattr(statement, "orelse", None)
    if type(orelse) is cst.If:
        inner.append(orelse)
    for handler in getattr(statement, "handlers", ()):
        inner.extend(handler.body.body if type(handler.body) is cst.IndentedBlock else ())
    return inner
