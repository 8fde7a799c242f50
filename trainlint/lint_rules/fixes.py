"""Fixes a rule may attach to its report: libcst rewrites of the exact nodes the finding rests on.

Each builder checks that the node is written the way the fix expects (a string literal, a keyword argument, an
attribute chain) and returns None otherwise: a fix is offered only where the code settles what it must be.
Positions are resolved later, with the finding's (``trainlint.fixes.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from trainlint.analysis.facts import SourceRef
from trainlint.findings import SAFE, UNSAFE

__all__ = ["SAFE", "UNSAFE", "FixSpec", "Replacement", "drop_argument", "drop_legacy_module", "rename_keyword",
           "replace_string", "wrap_in_list", "written_in"]


@dataclass(frozen=True)
class Replacement:
    where: SourceRef
    node: cst.CSTNode | None = None
    """The node written instead; None deletes the argument ``where`` (an ``Arg``) with its comma."""


@dataclass(frozen=True)
class FixSpec:
    applicability: str
    message: str
    replacements: tuple[Replacement, ...]


def _string_value(node) -> str | None:
    if isinstance(node, cst.Arg):
        node = node.value
    if isinstance(node, cst.SimpleString) and not node.prefix.lower().strip("u"):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _same_quotes(node: cst.SimpleString, text: str) -> cst.SimpleString:
    quote = node.quote
    return cst.SimpleString(f"{node.prefix}{quote}{text}{quote}")


def replace_string(where: SourceRef, expected: str | tuple[str, ...], new: str, applicability: str,
                   message: str) -> FixSpec | None:
    """A string literal (or a keyword argument whose value is one) holding ``expected``, rewritten to ``new`` in
    the same quotes."""
    expected = (expected,) if isinstance(expected, str) else expected
    node = where.node
    if _string_value(node) not in expected or "\\" in new or "'" in new or '"' in new:
        return None
    literal = node.value if isinstance(node, cst.Arg) else node
    return FixSpec(applicability, message, (Replacement(SourceRef(where.unit, literal), _same_quotes(literal, new)),))


def rename_keyword(where: SourceRef, old: str, new: str, applicability: str, message: str) -> FixSpec | None:
    node = where.node
    if not isinstance(node, cst.Arg) or node.keyword is None or node.keyword.value != old:
        return None
    return FixSpec(applicability, message, (Replacement(where, node.with_changes(keyword=cst.Name(new))),))


def drop_argument(where: SourceRef, applicability: str, message: str) -> FixSpec | None:
    if not isinstance(where.node, cst.Arg) or where.node.keyword is None:
        return None
    return FixSpec(applicability, message, (Replacement(where, None),))


def drop_legacy_module(where: SourceRef, applicability: str, message: str) -> FixSpec | None:
    """``<...>.optimizers.legacy.Adam(...)`` written out as an attribute chain, without ``.legacy``."""
    call = where.node
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return None
    module = call.func.value
    if not isinstance(module, cst.Attribute) or module.attr.value != "legacy":
        return None
    return FixSpec(applicability, message, (Replacement(
        SourceRef(where.unit, call.func), call.func.with_changes(value=module.value)),))


def wrap_in_list(where: SourceRef, applicability: str, message: str) -> FixSpec | None:
    node = where.node
    if not isinstance(node, cst.SimpleString):
        return None
    return FixSpec(applicability, message, (Replacement(where, cst.List([cst.Element(node)])),))


def written_in(where: SourceRef, container: SourceRef) -> bool:
    """Whether the node is written inside ``container`` (a literal in the ``compile(...)`` call itself, not a
    constant defined elsewhere that other code may share)."""
    found = False

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal found
            if node is where.node:
                found = True
            return not found

    if isinstance(container.node, cst.CSTNode):
        container.node.visit(Finder())
    return found
