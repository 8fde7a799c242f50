"""Which never-called functions are worth a standalone run, read from the source before running them.

The interpreter runs every function and method nobody called with its parameters unknown (a ``train()`` entry
point, a Lightning ``training_step``), to find the training code in them. Most such runs find nothing: a data
helper, a custom layer's ``call``, a module's ``forward``. A run leaves something behind only through what it
records (a ``compile`` / ``fit`` event, a loss applied, an optimizer constructed, a framework's loss call) or a
``global`` it rebinds; the rest of what it computes is thrown away. Each record needs, in the code the run
reaches, one of a few words (:func:`_needles`): a training method, ``optimizers``, a loss of Keras, TensorFlow
or PyTorch by its own name. So a top-level function or class (all its methods together) runs only if its
text holds a needle, it declares a ``global``, or it uses a module-level name (by the symbol table: locals
too, attributes not) whose value may lead to one: a function or class of the module that may (to a fixpoint),
an outside name or string holding a needle (``from keras.losses import Huber as H``), a loss object, an
instance or model of a class that may, a module or function of the project. Star imports, or an outline that
does not match the syntax tree, run every function as before.
"""

from __future__ import annotations

import re
import symtable
import sys
from bisect import bisect_left
from itertools import accumulate
from typing import Iterable

import libcst as cst

from trainlint import knowledge
from trainlint import knowledge_torch

def _needles() -> tuple[str, ...]:
    """What a run must meet to record anything: a training method (``compile`` also counts a compile on an
    unknown receiver), ``optimizers`` (a Keras optimizer is ``keras.optimizers.X`` however it is imported), a
    loss function or class of Keras, TensorFlow or PyTorch by its own name (a loss object made elsewhere is
    reached through a value the text names)."""
    from trainlint.analysis.evaluator import _TRAINING_METHODS

    losses = {name.rsplit(".", 1)[-1] for name in (
        *knowledge.LOSS_FUNCTIONS, *knowledge.LOSS_CLASSES, *knowledge.APPLIED_LOSS_FUNCTIONS,
        *knowledge_torch.LOSS_MODULES, *knowledge_torch.LOSS_FUNCTIONS)}
    return tuple(sorted({*_TRAINING_METHODS, "optimizers", "entropy", "Entropy", *losses}))


_NEEDLE_PATTERN: re.Pattern | None = None


def _needle_pattern() -> re.Pattern:
    global _NEEDLE_PATTERN
    if _NEEDLE_PATTERN is None:
        _NEEDLE_PATTERN = re.compile("|".join(re.escape(n) for n in sorted(_needles(), key=len, reverse=True)))
    return _NEEDLE_PATTERN


_SCOPE_NAMES = frozenset({"lambda", "listcomp", "setcomp", "dictcomp", "genexpr"})
_NEWLINE = re.compile(r"\r\n|\r|\n")
_GLOBAL = re.compile(r"\bglobal\b")


class Outline:
    """The text of each top-level ``def`` and ``class`` of a module: from its first line to the next one's.

    The lines come from the symbol table CPython built for the same text (the pre-check in the engine): its
    module-level scopes are the top-level definitions in source order. A span may also hold the module-level
    statements after the definition (more text, never less: more functions run, never fewer).
    """

    def __init__(self, text: str, table: symtable.SymbolTable):
        self.text = text
        self.table = table

    def spans(self, body: Iterable[cst.CSTNode]) -> dict[int, _Span] | None:
        """The text of each top-level definition of ``body``, by node id (None: the outline does not match)."""
        tops = [s for s in body if type(s) in (cst.FunctionDef, cst.ClassDef)]
        if any(top.name.value in _SCOPE_NAMES for top in tops):
            return None
        children = self.table.get_children()
        scopes = [(child.get_name(), child.get_lineno()) for child in children
                  if child.get_type() in ("function", "class")]
        lines: list[int] = []
        position = 0
        for top in tops:  # the first scope of each name, in order (an earlier one only widens a span)
            while position < len(scopes) and scopes[position][0] != top.name.value:
                position += 1
            if position == len(scopes):
                return None
            lines.append(scopes[position][1])
            position += 1
        starts = _line_starts(self.text)
        if any(line < 1 or line > len(starts) for line in lines):
            return None
        offsets = [starts[line - 1] for line in lines] + [len(self.text)]
        children = sorted(children, key=lambda child: child.get_lineno())  # a default's lambda comes before its def
        child_lines = [child.get_lineno() for child in children]
        bounds = [bisect_left(child_lines, line) for line in lines] + [len(children)]
        return {id(top): _Span(self.text, offsets[i], offsets[i + 1], top, children[bounds[i]:bounds[i + 1]])
                for i, top in enumerate(tops)}


def _line_starts(text: str) -> list[int]:
    """Where each line starts, lines ended as Python's tokenizer ends them (``\\n``, ``\\r\\n`` or ``\\r``)."""
    if "\r" in text:
        return [0, *(match.end() for match in _NEWLINE.finditer(text))]
    return [0, *accumulate(len(line) + 1 for line in text.split("\n")[:-1])]


class _Span:
    """A top-level definition: its text, from its first line up to the next definition's, cut where the first
    module-level statement after it starts when a scan of the strings and brackets finds that line for sure; the
    names its scopes use, from the symbol table (the scopes that start in that text: its own and, at worst, a
    comprehension of the module-level code after it)."""

    __slots__ = ("whole", "_exact", "node", "tables", "_names")

    def __init__(self, text: str, start: int, end: int, node: cst.CSTNode, tables: list[symtable.SymbolTable]):
        self.whole = text[start:end]
        self._exact: str | None = None
        self.node = node
        self.tables = tables
        self._names: frozenset[str] | None = None

    def search(self, pattern: re.Pattern) -> bool:
        if pattern.search(self.whole) is None:
            return False
        if self._exact is None:
            self._exact = self.whole[:_definition_end(self.whole)]
        return pattern.search(self._exact) is not None

    def names(self) -> frozenset[str] | None:
        """Every name its scopes bind or read (a local too: the evaluator reads a global where a branch it could
        not decide left the local unbound), and the names in a class's bases; None when a base is no plain name."""
        if self._names is None:
            names: set[str] = set()
            if type(self.node) is cst.ClassDef:
                for base in (*self.node.bases, *self.node.keywords):
                    if not _root_names(base.value, names):
                        return None
            pending = list(self.tables)
            while pending:
                scope = pending.pop()
                names.update(scope.get_identifiers())
                pending.extend(scope.get_children())
            self._names = frozenset(names)
        return self._names

    def rebinds_globals(self) -> bool:
        """A ``global`` statement in one of its functions: a standalone run rebinds a module-level name."""
        if _GLOBAL.search(self.whole) is None:  # the symbol table is read only where the word is
            return False
        pending = list(self.tables)
        while pending:
            scope = pending.pop()
            if scope.get_type() == "function" and any(symbol.is_declared_global() for symbol in scope.get_symbols()):
                return True
            pending.extend(scope.get_children())
        return False


def _root_names(expression: cst.CSTNode, names: set[str]) -> bool:
    """The names a base class expression reads (``nn.Module``: ``nn``); False for anything else."""
    if type(expression) is cst.Name:
        names.add(expression.value)
        return True
    if type(expression) is cst.Attribute:
        return _root_names(expression.value, names)
    if type(expression) is cst.Subscript:  # Generic[T]
        return _root_names(expression.value, names) and all(
            type(element.slice) is cst.Index and _root_names(element.slice.value, names)
            for element in expression.slice)
    return False


_LEXEME = re.compile(  # a comment | a string's opening quote, with its prefix | a bracket | a continuation | a newline
    r"#[^\r\n]*|([rRbBuUfF]{0,3})(\'\'\'|\"\"\"|\'|\")|[(\[{]|[)\]}]|\\(?:\r\n|\r|\n)|\r\n|\r|\n")
_UNESCAPED_NEWLINE = re.compile(r"(?<!\\)(?:\\\\)*(?:\r\n|\r|\n)")
_FSTRINGS_NEST = sys.version_info >= (3, 12)  # f"{d["key"]}": a quote inside a replacement field


def _definition_end(span: str) -> int:
    """Where the definition at the start of ``span`` ends: the first line after its header that starts a
    statement at column 0, outside any string or bracket. The whole span when that is not certain."""
    depth = 0
    position = 0
    while True:
        match = _LEXEME.search(span, position)
        if match is None:
            return len(span)
        lexeme = match.group()
        position = match.end()
        quote = match.group(2)
        if quote:
            if _FSTRINGS_NEST and "f" in match.group(1).lower():
                return len(span)
            while True:  # the closing quote: one not escaped by an odd run of backslashes (raw strings too)
                close = span.find(quote, position)
                if close < 0:
                    return len(span)
                if len(quote) == 1 and _UNESCAPED_NEWLINE.search(span, position, close) is not None:
                    return len(span)  # a one-quote string cannot hold a newline: the scan is lost
                backslashes = 0
                while close - backslashes - 1 >= position and span[close - backslashes - 1] == "\\":
                    backslashes += 1
                position = close + (len(quote) if backslashes % 2 == 0 else 1)
                if backslashes % 2 == 0:
                    break
        elif lexeme in ("(", "[", "{"):
            depth += 1
        elif lexeme in (")", "]", "}"):
            depth -= 1
            if depth < 0:
                return len(span)
        elif lexeme[0] in "#\\":  # a comment, a backslash continuation
            continue
        elif depth == 0 and position < len(span) and span[position] not in " \t\f\r\n#":
            return position


class StandaloneFilter:
    """Answers, for a function nobody called, whether its standalone run can find anything."""

    def __init__(self, interpreter, outline: Outline, globals_env: dict, heap: dict):
        self._interesting: set[int] | None = None
        spans = outline.spans(interpreter.module.body)
        if spans is None or interpreter._star_modules:
            return
        self._spans = spans
        self._top_of: dict[int, int] = {}
        for top in interpreter.module.body:
            if type(top) is cst.ClassDef:
                for _, owner in interpreter._functions([top]):
                    self._top_of[id(owner)] = id(top)
        needle = _needle_pattern()
        interesting = {top for top, span in spans.items() if span.rebinds_globals() or span.search(needle)}
        depends: dict[str, frozenset[int]] = {}
        names: set[str] = set()
        for name, value in globals_env.items():
            verdict = _leads_to(value, spans, heap, needle, interpreter)
            if verdict is True:
                names.add(name)
            elif verdict:
                depends[name] = verdict
        while True:  # a fixpoint: a function naming one that may record may record too
            names |= {name for name, tops in depends.items() if tops & interesting}
            grown = set()
            for top, span in spans.items():
                if top not in interesting:
                    used = span.names()
                    if used is None or not names.isdisjoint(used):
                        grown.add(top)
            if not grown:
                break
            interesting |= grown
        self._interesting = interesting

    def worth_running(self, function: cst.FunctionDef, owner: cst.ClassDef | None) -> bool:
        if self._interesting is None:
            return True
        top = self._top_of.get(id(owner)) if owner is not None else id(function)
        if top is None or top not in self._spans:
            return True
        return top in self._interesting


def _leads_to(value, spans: dict, heap: dict, needle: re.Pattern, interpreter, depth: int = 0):
    """Whether code using this module-level value may record something: True; or the top-level definitions of
    this module whose code it runs (it may if one of them may); an empty set: it cannot."""
    from trainlint.analysis.evaluator import ArgumentParser, Namespace, Undecided
    from trainlint.analysis.values import (
        Call,
        Choice,
        ClassValue,
        Const,
        Derived,
        Function,
        Instance,
        Mapping,
        ModelValue,
        Ref,
        Seq,
        Span,
        Sym,
        Tensor,
        box_key,
    )

    nothing: frozenset[int] = frozenset()
    if depth > 8:
        return True
    if isinstance(value, (Sym, Span, Namespace, ArgumentParser, Undecided, Tensor, Derived)):
        return nothing  # what is done with them records nothing unless the code names a loss or a training method
    if isinstance(value, Const):
        return True if isinstance(value.value, str) and needle.search(value.value) is not None else nothing
    if isinstance(value, Ref):
        return True if needle.search(value.name) or needle.search(knowledge.canonical_name(value.name)) else nothing
    if isinstance(value, Call):  # a layer, a dataset: only a loss object records when called
        return True if needle.search(value.target) else nothing
    if isinstance(value, Function):
        node = value.definition
        if value.bound_self is None and type(node) is cst.FunctionDef and id(node) in spans:
            return frozenset({id(node)})
        return True
    if isinstance(value, ClassValue):
        return frozenset({id(value.node)}) if id(value.node) in spans else True
    if isinstance(value, Instance):
        return _leads_to(value.cls, spans, heap, needle, interpreter, depth + 1)
    if isinstance(value, ModelValue):  # its own methods run when it is a subclass's instance
        instance = interpreter._instance_of_model.get(id(value.identity))
        return nothing if instance is None else _leads_to(instance, spans, heap, needle, interpreter, depth + 1)
    if isinstance(value, Choice):
        parts = (value.if_true, value.if_false)
    elif isinstance(value, (Seq, Mapping)):
        key = box_key(value)
        current = heap.get(key, value) if key is not None else value
        if not isinstance(current, (Seq, Mapping)):  # what a mutation left: an unknown, a choice of versions
            return _leads_to(current, spans, heap, needle, interpreter, depth + 1)
        parts = current.items if isinstance(current, Seq) else [v for pair in current.items for v in pair]
    else:
        return True  # a module of the project, a method: anything may follow
    tops: set[int] = set()
    for part in parts:
        verdict = _leads_to(part, spans, heap, needle, interpreter, depth + 1)
        if verdict is True:
            return True
        tops |= verdict
    return frozenset(tops)
