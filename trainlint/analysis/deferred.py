"""Imported modules parsed in part: a top-level function is parsed with libcst only when it is first called.

An importer uses a few names of a module (``from heads import last_layer``); the rest of the module's
functions are never called from the file being linted, and parsing them would be most of the cost of
following the import. Python's own parser (a tenth of libcst's cost) finds the top-level functions; their
lines are blanked out of the text libcst parses for the top level, so every other statement keeps its line,
and each function is parsed alone, from its own text, the first time it is called.

Nothing here decides a value: a function that libcst cannot parse is an unknown callee (silence), exactly
as an unparsable module is.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from trainlint.analysis.positions import moved_to_line

_NOT_PARSED = object()
_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")
"""Lines as Python numbers them (``str.splitlines`` also breaks at form feeds and other separators)."""


@dataclass(eq=False)
class DeferredFunction:
    """A top-level ``def`` of an imported module (decorators included) that is parsed on first use."""

    name: str
    text: str
    first_line: int
    _module: object = field(default=_NOT_PARSED, repr=False)
    """The function parsed alone (None when it cannot be): a module, so nodes keep the file's indentation."""
    _positions: dict | None = field(default=None, repr=False)

    @property
    def parsed(self) -> bool:
        return self._module is not _NOT_PARSED

    @property
    def has_positions(self) -> bool:
        return self._positions is not None

    def parse(self) -> cst.FunctionDef | None:
        """The function's syntax, parsed once; None when libcst cannot parse it."""
        if self._module is _NOT_PARSED:
            module = _parsed(self.text)
            alone = module is not None and len(module.body) == 1 and type(module.body[0]) is cst.FunctionDef
            self._module = module if alone else None
        return None if self._module is None else self._module.body[0]  # type: ignore[attr-defined]

    def position(self, node: cst.CSTNode) -> CodeRange | None:
        """Where ``node`` lies in the module's file, if it is part of this (parsed) function."""
        if type(self._module) is not cst.Module:
            return None
        if self._positions is None:
            self._positions = MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(PositionProvider)
        found = self._positions.get(node)
        return None if found is None else moved_to_line(found, self.first_line)


@dataclass
class SplitModule:
    """An imported module's top level, its functions deferred."""

    module: cst.Module
    """The text with the deferred functions' lines blank: every other node has its own file position."""
    body: list[cst.BaseStatement | DeferredFunction]
    """The top-level statements in source order, a deferred function in place of each ``def``."""
    deferred: list[DeferredFunction]


def split_module(text: str) -> SplitModule | None:
    """The module with its top-level functions deferred; None when either parser rejects the text."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
            statements = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = _LINES.findall(text)
    deferred: dict[int, DeferredFunction] = {}
    for index, statement in enumerate(statements):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.end_lineno is not None:
            first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
            deferred[index] = DeferredFunction(statement.name, "".join(lines[first - 1:statement.end_lineno]),
                                               first)
            for number in range(first - 1, statement.end_lineno):
                lines[number] = "\n"
    module = _parsed("".join(lines))
    if module is None:
        return None
    # libcst groups ``a = 1; b = 2`` into one line of statements where Python's parser sees two.
    body = _in_source_order(module, len(statements), deferred)
    if body is None:  # the two parsers disagree on the statements: defer nothing rather than misplace one
        module = _parsed(text)
        return None if module is None else SplitModule(module, list(module.body), [])
    return SplitModule(module, body, list(deferred.values()))


def _parsed(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return None


def _in_source_order(module: cst.Module, count: int, deferred: dict[int, DeferredFunction]
                     ) -> list[cst.BaseStatement | DeferredFunction] | None:
    """The top level with each deferred function back in its place (``count``: Python's statements)."""
    body: list[cst.BaseStatement | DeferredFunction] = []
    remaining = iter(module.body)
    index = 0
    while index < count:
        if index in deferred:
            body.append(deferred[index])
            index += 1
            continue
        top = next(remaining, None)
        if top is None:
            return None
        body.append(top)
        index += len(top.body) if type(top) is cst.SimpleStatementLine else 1
    if next(remaining, None) is not None or index != count:
        return None
    return body
