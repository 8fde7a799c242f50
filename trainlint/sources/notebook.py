"""Jupyter notebooks as source units: the code cells joined into one module, with a map back to (cell, line).

A code cell is read the way IPython reads it (``IPython.core.inputtransformer2`` and, for a one-line cell, the
prefilter's automagic), reimplemented here so that linting a notebook needs no IPython; the test suite checks the
two agree on which lines are code. The transforms, in IPython's order:

- leading blank lines are skipped and a first line's indentation is removed from every line that starts with it;
- ``>>>`` / ``...`` and ``In [n]:`` / ``...:`` prompts are stripped when the cell starts with one;
- ``%%magic`` on the first line makes the cell the magic's input (kept as Python only for magics that run it as
  Python in the kernel: ``%%time``, ``%%capture``...);
- at the start of a logical line (never inside brackets, strings or after ``\\``): ``%magic``, ``!shell``,
  ``!!``, ``?obj``, ``??obj``, and the autocall escapes ``/f a``, ``,f a``, ``;f a``;
  ``x = %magic``, ``x = !cmd`` and ``obj?`` / ``obj??`` at the end of a logical line;
- a cell that is one line after all that goes through IPython's prefilter: a line magic called without ``%``
  (automagic: ``ls``, ``pwd``, ``cd data``, ``pip install tensorflow``) unless a variable shadows the name.

IPython-only lines become ``pass`` at their indentation (blank when they continue one), so the module keeps one
line per notebook line and a magic inside a block leaves the block valid. A cell that still is not Python (IPython
would refuse to run it too) is left out and reported once per notebook; the other cells are analysed.
"""

from __future__ import annotations

import ast
import builtins
import json
import keyword
import re
import warnings
from dataclasses import dataclass, replace

from trainlint.findings import Edit, Finding, Related, file_diagnostic
from trainlint.sources.source import syntax_hint
from trainlint.sources.versions import Evidence, notebook_evidence

# Cell magics whose body is still Python run in the kernel; every other cell magic hands its body elsewhere.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "tensorflow_version"})

# The line magics a notebook kernel knows, so the ones a one-line cell may call without ``%`` (automagic): IPython
# 8's own (a test compares this with the installed IPython), ipykernel's additions, and Colab's.
LINE_MAGICS = frozenset({
    "alias", "alias_magic", "autoawait", "autocall", "automagic", "bookmark", "cat", "cd", "colors", "conda",
    "config", "cp", "debug", "dhist", "dirs", "doctest_mode", "ed", "edit", "env", "gui", "hist", "history",
    "killbgscripts", "ldir", "lf", "lk", "ll", "load", "load_ext", "loadpy", "logoff", "logon", "logstart",
    "logstate", "logstop", "ls", "lsmagic", "lx", "macro", "magic", "matplotlib", "mkdir", "mv", "notebook",
    "page", "pastebin", "pdb", "pdef", "pdoc", "pfile", "pinfo", "pinfo2", "pip", "popd", "pprint", "precision",
    "prun", "psearch", "psource", "pushd", "pwd", "pycat", "pylab", "quickref", "recall", "rehashx",
    "reload_ext", "rep", "rerun", "reset", "reset_selective", "rm", "rmdir", "run", "save", "sc", "set_env", "sx",
    "system", "tb", "time", "timeit", "unalias", "unload_ext", "who", "who_ls", "whos", "xdel", "xmode",
    # ipykernel
    "autosave", "clear", "connect_info", "less", "man", "more", "qtconsole",
    # Colab
    "tensorflow_version",
})
# Names IPython's namespace holds from the start; a name there is never taken for an automagic.
_SHADOWING_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"In", "Out", "exit", "quit", "get_ipython"}

_LEADING_INDENT = re.compile(r"^[ \t]+")
_CLASSIC_PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")
_CLASSIC_FIRST_PROMPT = re.compile(r"^>>>( |$)")
_IPYTHON_PROMPT = re.compile(r"^(((\[nav\]|\[ins\])?\ )?In\ \[\d+\]:\ |\s*\.{3,}:\ ?)")
_CELL_MAGIC_HELP = re.compile(r"%%\w+\?")
# IPython's ``_help_end_re``: the object asked about, then ``?`` or ``??`` at the end.
_HELP_END = re.compile(r"(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(\?\??)$")
# IPython's ``line_split``: the leading word a one-line cell might call as an automagic, and the rest.
_USER_INPUT = re.compile(r"^(\s*)([,;/%]|!!?|\?\??)?\s*(%{0,2}[\w.*]*)(.*?$|$)")
_ESCAPES = frozenset("!?%,;/")
_OPERATORS_NOT_ESCAPES = ("!=", "%=", "/=", "//")
# Characters that make ``=`` part of another operator when they stand just before it (``==``, ``<=``, ``+=``...).
_BEFORE_NOT_ASSIGN = frozenset("=!<>+-*/%&|^@:~")
_BINDING = re.compile(r"^[ \t]*(?:for[ \t]+)?([A-Za-z_]\w*)[ \t]*(?:=(?!=)|,|[ \t]in\b)|\b(?:def|class|as|import)[ \t]+(\w+)",
                      re.MULTILINE)


@dataclass(frozen=True)
class CellLine:
    """Where a line of the joined module sits in the notebook: the cell (1-based over all cells) and its line.

    ``shift`` is the number of columns IPython removed from the start of the line (a dedent, a prompt).
    """

    cell: int
    line: int
    shift: int = 0


@dataclass(frozen=True)
class NotebookSource:
    """A notebook read as one module; ``text`` is None when it is skipped (``note``) or unreadable (``diagnostic``).

    ``cell_error`` reports the cells left out because IPython could not run them either (a syntax error).
    """

    text: str | None
    lines: tuple[CellLine, ...] = ()
    note: str | None = None
    diagnostic: Finding | None = None
    cell_error: Finding | None = None
    keras: tuple[Evidence, ...] = ()
    """What the notebook says about its Keras version: install cells, printed versions."""

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
        end = self.locate(finding.end_line)
        return replace(finding, cell=where.cell, cell_line=where.line, related=related,
                       column=finding.column + where.shift,
                       end_column=finding.end_column + (end.shift if end is not None else 0), fix=fix)

    def _place_edit(self, edit: Edit, filename: str) -> Edit:
        """An edit in the cell's own columns (IPython's dedent and prompts put back); ``line`` stays joined."""
        where = self.locate(edit.line) if edit.filename == filename else None
        if where is None:
            return edit
        end = self.locate(edit.end_line)
        return replace(edit, cell=where.cell, cell_line=where.line, column=edit.column + where.shift,
                       end_column=edit.end_column + (end.shift if end is not None else 0))

    def _place_related(self, related: Related, filename: str) -> Related:
        where = self.locate(related.line) if related.filename == filename else None
        if where is None:
            return related
        return replace(related, cell=where.cell, cell_line=where.line, column=related.column + where.shift)


@dataclass(frozen=True)
class CellCode:
    """A code cell as IPython runs it, one entry per line of the cell.

    ``lines`` are the Python lines (an IPython-only line is ``pass`` at its indentation, or blank), ``code`` says
    which lines are the cell's own Python, ``shifts`` how many columns were removed from the start of each line.
    """

    lines: tuple[str, ...]
    code: tuple[bool, ...]
    shifts: tuple[int, ...]


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
    sources = [(number, source) for number, source in enumerate(map(_cell_source, cells), start=1) if source]
    bound = _Bound("\n".join(source for _, source in sources))
    module_lines: list[str] = []
    places: list[CellLine] = []
    failures: list[tuple[int, SyntaxError, CellCode]] = []
    for number, source in sources:
        cell = transform_cell(source, bound)
        error = _syntax_error("\n".join(cell.lines))
        if error is not None:  # IPython would not run this cell: leave it out, keep its lines for the positions
            failures.append((len(module_lines), error, cell))
            cell = CellCode(("",) * len(cell.lines), (False,) * len(cell.lines), cell.shifts)
        module_lines.extend(cell.lines)
        places.extend(CellLine(number, line, shift) for line, shift in enumerate(cell.shifts, start=1))
    notebook = NotebookSource("\n".join(module_lines) + "\n" if module_lines else "", tuple(places),
                              keras=notebook_evidence(cells))
    if failures:
        notebook = replace(notebook, cell_error=_cell_error(filename, failures, notebook))
    return notebook


def _cell_source(cell) -> str:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return ""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return source if isinstance(source, str) and source.strip() else ""


def _syntax_error(text: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
            compile(text, "<cell>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return error
    except (ValueError, RecursionError, MemoryError):  # left to the module's own parse to report
        return None
    return None


def _cell_error(filename: str, failures: list[tuple[int, SyntaxError, CellCode]],
                notebook: NotebookSource) -> Finding:
    """One diagnostic for the cells that do not parse, at the first of them: a Python 2 notebook is one line."""
    offset, error, cell = failures[0]
    line_in_cell = min(max(error.lineno or 1, 1), len(cell.lines))
    summary = error.msg or "invalid syntax"
    hint = syntax_hint(summary, "\n".join(cell.lines))
    others = len(failures) - 1
    tail = f"; {others} more cell{'s do' if others > 1 else ' does'} not parse either" if others else ""
    return notebook.place(file_diagnostic(
        filename, f"syntax error: {summary}{hint} (the cell is left out, as IPython would not run it{tail})",
        offset + line_in_cell, max(error.offset or 1, 1)))


def _kernel_language(document: dict) -> str | None:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for section, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(section, {}).get(key) if isinstance(metadata.get(section), dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class _Bound:
    """The names a notebook's code binds, read only when a one-line cell might be an automagic they shadow."""

    def __init__(self, text: str):
        self._text = text
        self._names: frozenset[str] | None = None

    def __contains__(self, name: str) -> bool:
        if self._names is None:
            self._names = frozenset(a or b for a, b in _BINDING.findall(self._text))
        return name in self._names


def neutralise_magics(lines: list[str]) -> list[str]:
    """The cell's lines as IPython runs them, IPython-only lines turned into ``pass`` (or blank), line for line."""
    return list(transform_cell("\n".join(lines)).lines) if lines else []


def transform_cell(source: str, bound: _Bound | frozenset[str] = frozenset()) -> CellCode:
    """The cell as IPython's input transformer leaves it, one line per line of ``source``.

    ``bound``: the names the notebook binds, which shadow an automagic of the same name in a one-line cell.
    """
    cell = _Cell(source.splitlines())
    first = next((i for i, line in enumerate(cell.lines) if line and not line.isspace()), None)
    if first is None:
        return cell.result()
    cell.dedent(first)
    cell.strip_prompts(first, _CLASSIC_PROMPT, _CLASSIC_FIRST_PROMPT)
    cell.strip_prompts(first, _IPYTHON_PROMPT, _IPYTHON_PROMPT)
    head = cell.lines[first]
    if head.startswith("%%") and not _CELL_MAGIC_HELP.match(head):
        return cell.cell_magic(first, head[2:].rstrip().partition(" ")[0], bound)
    cell.escapes(first)
    cell.automagic(first, bound)
    return cell.result()


class _Cell:
    """The lines of one cell while IPython's transforms run over them, each line kept in its place."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.code = [True] * len(lines)
        self.shifts = [0] * len(lines)
        self.collapsed = 0  # lines IPython folds into the line before (continued magics, multi-line help)

    def result(self) -> CellCode:
        return CellCode(tuple(self.lines), tuple(self.code), tuple(self.shifts))

    def dedent(self, first: int) -> None:
        match = _LEADING_INDENT.match(self.lines[first])
        if match is None:
            return
        space = match.group(0)
        for i in range(first, len(self.lines)):
            if self.lines[i].startswith(space):
                self.lines[i] = self.lines[i][len(space):]
                self.shifts[i] += len(space)

    def strip_prompts(self, first: int, prompt: re.Pattern, first_prompt: re.Pattern) -> None:
        lines = self.lines
        if not (first_prompt.match(lines[first]) or (len(lines) > first + 1 and prompt.match(lines[first + 1]))):
            return
        for i in range(first, len(lines)):
            stripped = prompt.sub("", lines[i], count=1)
            self.shifts[i] += len(lines[i]) - len(stripped)
            lines[i] = stripped

    def cell_magic(self, first: int, name: str, bound) -> CellCode:
        """``%%name``: the body is Python only for the magics that run it in the kernel (after its own transform)."""
        start = first + 1
        body = transform_cell("\n".join(self.lines[start:]), bound) if name in PYTHON_BODY_CELL_MAGICS else None
        for i in range(first, len(self.lines)):
            self.set_ipython_only(i, "")
        if body is not None and start < len(self.lines):
            for offset, (line, code, shift) in enumerate(zip(body.lines, body.code, body.shifts)):
                self.lines[start + offset], self.code[start + offset] = line, code
                self.shifts[start + offset] += shift
        return self.result()

    def set_ipython_only(self, i: int, text: str) -> None:
        self.shifts[i] = 0
        self.lines[i], self.code[i] = text, False

    def ipython_only(self, start: int, end: int) -> None:
        """Lines ``start..end`` are one IPython statement: ``pass`` at its indentation, then blanks."""
        line = self.lines[start]
        self.set_ipython_only(start, line[: len(line) - len(line.lstrip())] + "pass")
        for i in range(start + 1, end + 1):
            self.set_ipython_only(i, "")
        self.collapsed += end - start

    def continued_to(self, start: int) -> int:
        """The last line of a statement continued with backslashes from ``start`` (IPython's own rule)."""
        end = start
        while end + 1 < len(self.lines) and self.lines[end].endswith("\\"):
            end += 1
        return end

    def escapes(self, first: int) -> None:
        """The escaped commands, magic and shell assignments and help requests, one logical line at a time."""
        i = first
        while i < len(self.lines):
            stripped = self.lines[i].lstrip()
            if not stripped or stripped.startswith("#"):
                i += 1
                continue
            if stripped[0] in _ESCAPES and not stripped.startswith(_OPERATORS_NOT_ESCAPES):
                end = self.continued_to(i)
                call = _autocall(stripped) if end == i else None
                if call is None:
                    self.ipython_only(i, end)
                else:  # ``/f a b``, ``,f a b``, ``;f a b`` become Python calls
                    self.lines[i] = self.lines[i][: len(self.lines[i]) - len(stripped)] + call
                i = end + 1
                continue
            logical = _LogicalLine.scan(self.lines, i)
            if logical.asks_help(self.lines):
                self.ipython_only(i, logical.end)
            elif logical.assigns_ipython(self.lines):
                self.ipython_only(i, max(logical.end, self.continued_to(logical.assign[0])))
            i = logical.end + 1

    def automagic(self, first: int, bound) -> None:
        """A cell that is one line once transformed goes through IPython's prefilter: ``ls``, ``cd x``, ``pip ...``."""
        if len(self.lines) - first - self.collapsed != 1 or not self.code[first]:
            return
        _, _, word, rest = _USER_INPUT.match(self.lines[first]).groups()
        rest = rest.lstrip()
        if word not in LINE_MAGICS or (rest and rest[0] in "=,"):
            return
        head = word.split(".", 1)[0]
        if head in _SHADOWING_NAMES or head in bound:
            return
        self.ipython_only(first, first)


def _autocall(stripped: str) -> str | None:
    """IPython's translations of the autocall escapes, which are Python; None for the other escapes."""
    escape, content = stripped[0], stripped[1:]
    if escape not in ",;/" or content.startswith(escape):
        return None
    name, _, args = content.partition(" ")
    if escape == ",":
        return '%s("%s")' % (name, '", "'.join(args.split()))
    if escape == ";":
        return '%s("%s")' % (name, args)
    return "%s(%s)" % (name, ", ".join(args.split()))


@dataclass
class _LogicalLine:
    """One logical line of Python (brackets, strings and backslashes joining physical lines), scanned once."""

    start: int
    end: int
    assign: tuple[int, int] | None  # the first ``=`` outside brackets: (line, column)
    ends_with_question: bool  # the last token is ``?`` (no comment after it)

    @classmethod
    def scan(cls, lines: list[str], start: int) -> _LogicalLine:
        depth = 0
        quote = ""
        assign = None
        i = start
        while True:
            line = lines[i]
            last_significant = ""
            comment = False
            j = 0
            while j < len(line):
                c = line[j]
                if quote:
                    if c == "\\":
                        j += 2
                        continue
                    if line.startswith(quote, j):
                        j += len(quote)
                        quote = ""
                        last_significant = "'"
                        continue
                    j += 1
                    continue
                if c == "#":
                    comment = True
                    break
                if c in "'\"":
                    quote = line[j:j + 3] if line.startswith(c * 3, j) else c
                    j += len(quote)
                    continue
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    depth = max(depth - 1, 0)
                elif c == "=" and depth == 0 and assign is None and (j == 0 or line[j - 1] not in _BEFORE_NOT_ASSIGN) \
                        and not line.startswith("=", j + 1):
                    assign = (i, j)
                if not c.isspace():
                    last_significant = c
                j += 1
            if len(quote) == 1 and not line.endswith("\\"):
                quote = ""  # an unterminated one-line string ends with its line, as the tokenizer has it
            continued = quote or depth > 0 or (not comment and line.endswith("\\"))
            if not continued or i + 1 == len(lines):
                return cls(start, i, assign, last_significant == "?" and not comment)
            i += 1

    def asks_help(self, lines: list[str]) -> bool:
        """``obj?`` / ``obj??``: a logical line ending in ``?`` whose end names an object."""
        if not self.ends_with_question:
            return False
        text = "\n".join(lines[self.start:self.end + 1]).lstrip()
        return len(text) > 1 and _HELP_END.search(text) is not None

    def assigns_ipython(self, lines: list[str]) -> bool:
        """``x = %magic`` or ``x = !command``."""
        if self.assign is None:
            return False
        row, column = self.assign
        line = lines[row]
        after = line[column + 1:].lstrip()
        if after.startswith("%"):
            return len(after) > 1 and (after[1].isalpha() or after[1] == "_")
        return after.startswith("!") and not after.startswith("!=") and not line.lstrip().startswith("=")
