"""Positions of reported nodes, computed over the one top-level statement that holds each of them.

libcst's ``PositionProvider`` over a whole module costs two to four parses: too much for the files that do
report something in a batch audit. The evaluator records which statement evaluated each expression; a
statement's top-level ancestor is found by walking statements only, positions are computed over a module
made of that top-level statement alone, and Python's own parser says on which line it starts.
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider


class StatementPositions:
    def __init__(self, module: cst.Module, text: str, statement_of: dict[int, cst.CSTNode]):
        self.module = module
        self.text = text
        self.statement_of = statement_of
        self._top_of: dict[int, cst.CSTNode] | None = None
        self._starts: dict[int, int] | None = None
        self._ranges: dict[int, dict] = {}

    def get(self, node: cst.CSTNode) -> CodeRange | None:
        """The node's range in the whole file, or None when it cannot be found this way."""
        probe = node.value if type(node) is cst.Arg else node
        statement = self.statement_of.get(id(probe))
        if statement is None:
            return None
        top = self._tops().get(id(statement))
        start = self._lines().get(id(top)) if top is not None else None
        if start is None:
            return None
        found = self._ranges_in(top).get(node)
        return None if found is None else moved_to_line(found, start)

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

    def _lines(self) -> dict[int, int]:
        """The first line of each top-level statement (decorators included, comments above it not)."""
        if self._starts is None:
            self._starts = {}
            try:
                body = ast.parse(self.text).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return self._starts
            index = 0
            for top in self.module.body:
                count = len(top.body) if type(top) is cst.SimpleStatementLine else 1
                if index + count > len(body):
                    return {}
                first = body[index]
                decorators = getattr(first, "decorator_list", None) or []
                self._starts[id(top)] = min([first.lineno, *(d.lineno for d in decorators)])
                index += count
            if index != len(body):  # the two parsers disagree on the statements: trust neither
                self._starts = {}
        return self._starts

    def _ranges_in(self, top: cst.CSTNode) -> dict:
        ranges = self._ranges.get(id(top))
        if ranges is None:
            alone = top.with_changes(leading_lines=()) if getattr(top, "leading_lines", ()) else top
            mini = self.module.with_changes(body=[alone], header=(), footer=())
            ranges = self._ranges[id(top)] = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
        return ranges


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
