"""Whole-project analysis: the modules of the audited project, imported lazily and evaluated once per run.

A script's ``from build_model import mlp_model`` makes the evaluator ask :meth:`Project.resolver` for
``build_model.mlp_model``. :class:`ModuleFinder` says which file that is, the way Python would find it when
the script runs (its own folder, the folder above its top package, ``src/`` layouts, the checked directory);
the project parses that file once (its top-level functions only when first called: :mod:`.deferred`), runs
its top level once as an import (``__name__`` is not ``'__main__'``, no function runs) and hands back the
value bound there: a function that the importer then calls with its arguments bound, a constant, a class, a
submodule. The ``Sym`` unknowns a module creates are shared by every importer, so a scenario assumed in
``train.py`` holds inside ``build_model.py``.

Every failure is silence, never a guess: a module that cannot be found, read or parsed, a module of the
standard library or of Keras shadowed by a project file, an import cycle or a chain deeper than
``MAX_IMPORT_DEPTH`` resolve to nothing and the evaluator keeps its opaque value. Memory stays bounded on
audits of many repositories: past ``MAX_MODULES`` the modules loaded first are forgotten (and parsed again
if imported again).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from trainlint.analysis.deferred import SplitModule, split_module
from trainlint.analysis.evaluator import Interpreter
from trainlint.analysis.values import ModuleValue, Sym, Value
from trainlint.sources.source import decode

MAX_IMPORT_DEPTH = 8
"""How many modules deep a chain of imports is followed (``train`` → ``models`` → ``layers_util`` ...)."""
MAX_MODULES = 1000
"""Parsed modules kept in one run (a bound on memory: a syntax tree weighs far more than its text)."""
MAX_MODULE_BYTES = 2 * 1024 * 1024
MAX_ROOT_LEVELS = 6
"""How far up from a file its project root (``pyproject.toml``, ``setup.py``, ``.git`` ...) is looked for."""

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
NEVER_LOCAL = frozenset({"keras", "tensorflow", "tf_keras", "__future__"}) | frozenset(sys.stdlib_module_names)
"""Top-level names resolved by the Keras tables, never by a project file: a local ``random.py`` or
``keras.py`` shadowing them is the kind of accident a linter must not build a verdict on."""

INSTALLED_PACKAGES = frozenset({"site-packages", "dist-packages"})
"""Folders of installed third-party code: code checked there is audited file by file, its imports not followed
(``import numpy`` from a file inside ``site-packages`` is not the audited project)."""

_IMPORTED_NAMES = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import|import[ \t]+([\w.]+))", re.M)

Resolver = Callable[[str], "Value | None"]


@dataclass
class LoadedModule:
    """One project module, parsed once; ``globals`` is None while its top level runs (an import cycle)."""

    name: str
    path: Path
    split: SplitModule
    text: str
    globals: dict[str, Value] | None = None
    imports: set[Path] = field(default_factory=set)
    """The project modules its top level imported, for locating nodes that come from them."""
    positions: dict[cst.CSTNode, CodeRange] | None = None
    """Positions of the top level (its deferred functions have their own), once a finding needed them."""


class ModuleFinder:
    """Which file an import names, seen from the importing file: the one small interface for import paths."""

    def __init__(self, roots: tuple[Path, ...] = ()):
        self._given_roots = tuple(_real(root) for root in roots)
        self._roots: dict[Path, tuple[Path, ...]] = {}
        self._is_file: dict[Path, bool] = {}
        self._is_dir: dict[Path, bool] = {}
        self._found: dict[tuple[str, Path], tuple[str, Path, tuple[str, ...]] | None] = {}

    def roots_for(self, importer: Path) -> tuple[Path, ...]:
        """Where top-level imports of ``importer`` are looked for, first match wins (as on ``sys.path``)."""
        directory = importer.parent
        cached = self._roots.get(directory)
        if cached is not None:
            return cached
        candidates = [directory]
        top = directory
        while self._file(top / "__init__.py") and top.parent != top:
            top = top.parent
        candidates.append(top)
        for level, ancestor in enumerate((directory, *directory.parents)):
            if level > MAX_ROOT_LEVELS:
                break
            if any(self._exists(ancestor / marker) for marker in PROJECT_MARKERS):
                # The project root, and its src/ layout; a src/ folder of no project is nobody's root.
                candidates += [ancestor, ancestor / "src"]
                break
        for given in self._given_roots:
            if given == directory or given in directory.parents:
                candidates += [given, given / "src"]
        roots = tuple(r for r in dict.fromkeys(candidates) if r.name not in INSTALLED_PACKAGES and self._dir(r))
        self._roots[directory] = roots
        return roots

    def find(self, dotted: str, importer: Path) -> tuple[str, Path, tuple[str, ...]] | None:
        """``(module name, file, remaining attribute names)`` for ``dotted`` imported by ``importer``."""
        key = (dotted, importer.parent)
        if key not in self._found:
            self._found[key] = self._find(dotted, importer)
        return self._found[key]

    def _find(self, dotted: str, importer: Path) -> tuple[str, Path, tuple[str, ...]] | None:
        dots = len(dotted) - len(dotted.lstrip("."))
        parts = [p for p in dotted[dots:].split(".") if p]
        if not parts:
            return None
        if dots:
            base = importer.parent
            for _ in range(dots - 1):
                base = base.parent
            bases: tuple[Path, ...] = (base,)
            prefix = _package_name(base, self._file)
        else:
            if parts[0] in NEVER_LOCAL:
                return None
            bases = tuple(r for r in self.roots_for(importer) if self._module_at(r, parts[0]) is not None)[:1]
            prefix = ""
        for base in bases:
            for length in range(len(parts), 0, -1):
                found = self._module_at(base, *parts[:length])
                if found is not None:
                    name = ".".join(p for p in (prefix, *parts[:length]) if p)
                    return name, found, tuple(parts[length:])
        return None

    def submodule(self, package: Path, name: str) -> Path | None:
        """The file of ``package.name`` when ``package`` is a package (an ``__init__.py`` or a folder)."""
        folder = package.parent if package.name == "__init__.py" else package
        if not self._dir(folder):
            return None
        return self._module_at(folder, name)

    def _module_at(self, base: Path, *parts: str) -> Path | None:
        """``a/b.py``, ``a/b/__init__.py``, or the folder ``a/b`` of a namespace package."""
        path = base.joinpath(*parts)
        for candidate in (path.with_name(path.name + ".py"), path / "__init__.py"):
            if self._file(candidate):
                return candidate
        return path if self._dir(path) else None

    def _file(self, path: Path) -> bool:
        known = self._is_file.get(path)
        if known is None:
            known = self._is_file[path] = _quietly(path.is_file)
        return known

    def _dir(self, path: Path) -> bool:
        known = self._is_dir.get(path)
        if known is None:
            known = self._is_dir[path] = _quietly(path.is_dir)
        return known

    def _exists(self, path: Path) -> bool:
        return self._file(path) or self._dir(path)


def _real(path: Path) -> Path:
    """The absolute, symlink-free path (the key of a module), or the absolute one where that fails (a loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _quietly(test: Callable[[], bool]) -> bool:
    """A file-system test where a folder we may not read counts as nothing there."""
    try:
        return test()
    except OSError:
        return False


def _quietly_list(folder: Path, pattern: str) -> list[Path]:
    try:
        return list(folder.glob(pattern))
    except OSError:
        return []


def _package_name(directory: Path, is_file: Callable[[Path], bool]) -> str:
    parts: list[str] = []
    while is_file(directory / "__init__.py") and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts)


class Project:
    """The modules of one run, each parsed and evaluated at most once; shared by every file of the run."""

    def __init__(self, roots: tuple[Path, ...] = ()):
        self.finder = ModuleFinder(roots)
        self._modules: dict[Path, LoadedModule | None] = {}
        self._loading: list[Path] = []
        self._texts: dict[Path, str] = {}
        self._overlay: dict[Path, str] = {}
        self.parsed_modules = 0
        """Files parsed because another file imported them (the linted files themselves are not counted)."""

    def set_text(self, path: str | Path, text: str | None) -> None:
        """Let ``text`` stand for the file at ``path`` (an editor's unsaved buffer, a fix not yet written); None
        goes back to the file on disk. Every module loaded so far is forgotten: an importer's values may rest on
        this one (the next file linted parses what it needs again)."""
        real = _real(Path(path))
        if text is None:
            self._overlay.pop(real, None)
        else:
            self._overlay[real] = text
        self._modules.clear()
        self._texts.clear()

    # --- the file being linted ------------------------------------------------------------------------

    def imports_module_where(self, text: str, path: Path, holds: Callable[[str], bool], depth: int = 0) -> bool:
        """Whether the text imports a module of this project whose text ``holds`` (a text scan, no parse).

        A file that compiles a model without naming Keras gets it from a module that names Keras
        (:func:`names_keras`); a file that builds a PyTorch model may hand it to a training loop in a module
        that applies a loss (:func:`applies_torch_loss`): directly or through a package or a module that
        re-exports it (two levels). Without this test, every file with a ``re.compile`` or a ``torch`` and a
        local import would be parsed.
        """
        importer = _real(path)
        for match in _IMPORTED_NAMES.finditer(text):
            dots, from_name, import_name = match.groups()
            if dots and not from_name:  # ``from . import models``: the modules of that package
                package = importer.parents[min(len(dots) - 1, len(importer.parents) - 1)]
                if self._module_where(package, holds, depth):
                    return True
                continue
            found = self.finder.find((dots or "") + (from_name or import_name), importer)
            if found is not None and self._module_where(found[1], holds, depth):
                return True
        return False

    def _module_where(self, found: Path, holds: Callable[[str], bool], depth: int) -> bool:
        """Whether a module, or one of a package's modules (``__init__.py`` and those beside it), ``holds``."""
        if found.name.endswith(".py") and found.name != "__init__.py":
            files = [found]
        else:
            folder = found.parent if found.name == "__init__.py" else found
            files = sorted(_quietly_list(folder, "*.py"))[:64]
        if any(holds(self._head_text(file)) for file in files):
            return True
        if depth < 1:
            return any(self.imports_module_where(self._head_text(file), file, holds, depth + 1)
                       for file in files[:8])
        return False

    def _head_text(self, file: Path) -> str:
        text = self._texts.get(file) or self._overlay.get(file)
        if text is None:
            try:
                text = file.read_bytes()[:MAX_MODULE_BYTES].decode("utf-8", "replace")
            except OSError:
                text = ""
            self._texts[file] = text
            _bound(self._texts, MAX_MODULES)
        return text

    def resolver(self, path: Path, imported: set[Path]) -> Resolver:
        """``resolve_import`` for the evaluator of the file at ``path``; ``imported`` collects what it used."""
        importer = _real(path)

        def resolve(dotted: str) -> Value | None:
            found = self.finder.find(dotted, importer)
            if found is None:
                return None
            name, file, attributes = found
            value = self._module_value(name, file, imported)
            for attribute in attributes:
                if not isinstance(value, ModuleValue):
                    return None
                value = value.member(attribute)
            return value

        return resolve

    # --- locations --------------------------------------------------------------------------------------

    def modules_imported(self, imported: set[Path]) -> Iterator[LoadedModule]:
        """The loaded modules reachable from ``imported``, nearest first."""
        seen: set[Path] = set()
        pending = list(imported)
        while pending:
            path = pending.pop(0)
            if path in seen:
                continue
            seen.add(path)
            loaded = self._modules.get(path)
            if loaded is not None:
                yield loaded
                pending.extend(sorted(loaded.imports))

    def module_text(self, filename: str) -> str | None:
        """The text of a module this run loaded (a finding reached through an import is reported there)."""
        loaded = self._modules.get(_real(Path(filename)))
        return None if loaded is None else loaded.text

    @staticmethod
    def position(loaded: LoadedModule, node: cst.CSTNode, compute: bool = True) -> CodeRange | None:
        """Where ``node`` lies in ``loaded``'s file; without ``compute``, only if positions are at hand."""
        for function in loaded.split.deferred:
            found = function.position(node) if compute or function.has_positions else None
            if found is not None:
                return found
        if loaded.positions is None:
            if not compute:
                return None
            loaded.positions = MetadataWrapper(loaded.split.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return loaded.positions.get(node)

    # --- modules ----------------------------------------------------------------------------------------

    def _module_value(self, name: str, file: Path, imported: set[Path]) -> Value | None:
        if not file.name.endswith(".py"):
            return self._namespace(name, file, imported)
        loaded = self._load(name, file)
        if loaded is None or loaded.globals is None:
            return None
        imported.add(file)
        return ModuleValue(name, lambda attribute: self._member(loaded, attribute, imported))

    def _namespace(self, name: str, folder: Path, imported: set[Path]) -> ModuleValue:
        def member(attribute: str) -> Value | None:
            file = self.finder.submodule(folder, attribute)
            return None if file is None else self._module_value(f"{name}.{attribute}", file, imported)

        return ModuleValue(name, member)

    def _member(self, loaded: LoadedModule, attribute: str, imported: set[Path]) -> Value | None:
        assert loaded.globals is not None
        value = loaded.globals.get(attribute)
        if value is not None:
            return value
        if loaded.path.name == "__init__.py":
            file = self.finder.submodule(loaded.path, attribute)
            if file is not None:
                return self._module_value(f"{loaded.name}.{attribute}", file, imported)
        # The module is ours but the name is not visible in it (a star import, a dynamic global): unknown.
        return Sym(f"{loaded.name}.{attribute}")

    def _load(self, name: str, file: Path) -> LoadedModule | None:
        if file in self._modules:
            return self._modules[file]
        if file in self._loading or len(self._loading) >= MAX_IMPORT_DEPTH:
            return None
        parsed = self._parse_file(file)
        if parsed is None:
            self._modules[file] = None
            return None
        loaded = LoadedModule(name, file, parsed[1], parsed[0])
        self._loading.append(file)
        try:
            interpreter = Interpreter(loaded.split.module, str(file), self.resolver(file, loaded.imports))
            loaded.globals = interpreter.module_globals(name, loaded.split.body)
        except Exception:  # a module we cannot evaluate is a module we do not know: its importers stay silent
            loaded.globals = None
        finally:
            self._loading.pop()
        self._modules[file] = loaded if loaded.globals is not None else None
        _bound(self._modules, MAX_MODULES)
        return self._modules[file]

    def _parse_file(self, file: Path) -> tuple[str, SplitModule] | None:
        text = self._overlay.get(file)
        if text is None:
            try:
                data = file.read_bytes()
            except OSError:
                return None
            text = decode(data, str(file), MAX_MODULE_BYTES).text
            if text is None:
                return None
        self.parsed_modules += 1
        split = split_module(text)
        return None if split is None else (text, split)


def _bound(cache: dict, size: int) -> None:
    """Forget the oldest entries past ``size`` (a module forgotten is parsed and evaluated again if needed)."""
    while len(cache) > size:
        del cache[next(iter(cache))]


def display_path(file: Path, importer_display: str, importer: Path) -> str:
    """``file`` named the way the importing file was named (relative stays relative)."""
    if os.path.isabs(importer_display):
        return str(file)
    relative = os.path.relpath(file, _real(importer).parent)
    return os.path.normpath(os.path.join(os.path.dirname(importer_display), relative))
