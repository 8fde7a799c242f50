"""Finding the files to lint and reading them, one result per file, whatever the file holds."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from trainlint.audit.stats import Stats, UnresolvedSite
from trainlint.findings import UNUSED_NOQA, Finding, file_diagnostic
from trainlint.noqa import Suppression, UsedNoqa, apply_noqa, mentions_noqa, noqa_comments, unused_noqa
from trainlint.settings import Settings
from trainlint.sources.notebook import read_notebook
from trainlint.sources.source import decode
from trainlint.sources.versions import keras_target

if TYPE_CHECKING:
    import pathspec

    from trainlint.analysis.project import Project
    from trainlint.engine import Origin

# trainlint.engine (and libcst with it) is imported only when a file needs parsing: a cached re-run never pays
# for the import, which costs more than the rest of such a run.

PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SUFFIX = ".ipynb"
DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "site-packages",
    "node_modules", "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", ".ipynb_checkpoints",
    "*.egg-info", ".trainlint_cache",
)


@dataclass(frozen=True)
class SourceFile:
    """A file to lint: the name to report, its path (None for stdin) and its top-level folder for summaries."""

    display: str
    path: Path | None
    group: str = "."
    notebook: bool | None = None
    """Whether it is a notebook, where the name cannot say (stdin named by ``--stdin-filename x.ipynb``)."""

    @property
    def is_notebook(self) -> bool:
        return self.notebook if self.notebook is not None else self.display.endswith(NOTEBOOK_SUFFIX)


def might_have_findings_in_bytes(data: bytes) -> bool:
    """``engine.might_have_findings`` on raw bytes, before decoding (PEP 263 encodings keep ASCII as is)."""
    return ((b"compile" in data or b"optimizers" in data or b"rossentropy" in data or b"_with_logits" in data)
            and (b"keras" in data or b"tensorflow" in data)) or (
        b"torch" in data and (b"Loss(" in data or b"cross_entropy" in data or b"nll_loss" in data))


def may_train_through_imports_in_bytes(data: bytes) -> bool:
    """A file the pre-filter rules out that may still train through a project module it imports
    (``engine.might_have_findings_through_imports`` reads the imports): it compiles a model, or names PyTorch."""
    return compiles_something_in_bytes(data) or b"torch" in data


_COMPILE_CALL = re.compile(rb"\.[ \t]*compile[ \t]*\(")
_RECEIVER = re.compile(rb"(\w+)[ \t]*$")


def compiles_something_in_bytes(data: bytes) -> bool:
    """``engine.compiles_something`` on raw bytes: a ``x.compile(`` that is not ``re.compile(``."""
    if b"compile" not in data:
        return False
    for match in _COMPILE_CALL.finditer(data):
        receiver = _RECEIVER.search(data, max(0, match.start() - 40), match.start())
        if receiver is None or receiver.group(1) not in (b"re", b"regex"):
            return True
    return False


@dataclass
class FileResult:
    filename: str
    findings: list[Finding]
    stats: Stats = field(default_factory=Stats)
    notes: tuple[str, ...] = ()
    """Things a person should know that are not findings (a notebook skipped for its kernel language)."""
    notebook: bool = False
    cached: bool = False
    group: str = "."
    text: str | None = None
    """The text linted (for a notebook, its joined code cells), kept only when there are findings (--show-source)."""
    imported: tuple[str, ...] = ()
    """The project modules the result also depends on (a cached result is stale when one of them changes)."""
    keras: dict | None = None
    """The Keras the file was judged under and why (``KerasTarget.to_dict``); None when it was not analysed."""
    plain: bool = False
    """The byte pre-filter ruled the file out: no finding is possible whatever the settings."""
    used_noqa: tuple[UsedNoqa, ...] = ()
    """The ``# noqa`` comments of other files (imported modules) that silenced a finding of this analysis: TL901
    must not call them unused."""


# A .gitignore in effect: its patterns, and how a path relative to the walked root becomes relative to the
# .gitignore's folder (``prefix + path[strip:]``).
_Scope = tuple["pathspec.GitIgnoreSpec", str, int]


class _Ignores:
    """The built-in excludes (relative to the walked root), the user's globs (on the path as shown) and the
    .gitignore files in effect; among .gitignore files the deepest matching pattern decides, as in git."""

    def __init__(self, built_in: Iterable[str], settings: Settings) -> None:
        # The built-in excludes are folder names (and name globs): a folder is pruned by its own name as the walk
        # descends, which is what a gitignore pattern without a slash means, without importing pathspec.
        built_in = tuple(built_in)
        self._names = frozenset(name for name in built_in if not any(c in name for c in "*?["))
        self._name_globs = tuple(name for name in built_in if name not in self._names)
        self._settings = settings

    @staticmethod
    def gitignore(folder: str | Path) -> pathspec.GitIgnoreSpec | None:
        try:
            lines = Path(folder, ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        if not lines:
            return None
        import pathspec  # only where a .gitignore exists: the import costs more than a cached run's linting

        return pathspec.GitIgnoreSpec.from_lines(lines)

    def _built_in(self, relative: str) -> bool:
        name = relative.rsplit("/", 1)[-1]
        return name in self._names or any(fnmatch.fnmatchcase(name, glob) for glob in self._name_globs)

    def ignored(self, relative: str, shown: str, scopes: list[_Scope], is_dir: bool) -> bool:
        """``relative`` is the posix path under the walked root; ``shown`` the path as the user sees it."""
        # The built-in excludes name folders: files need not be matched against them.
        if (is_dir and self._built_in(relative)) or self._settings.excluded(shown):
            return True
        relative += "/" if is_dir else ""
        verdict = None
        for spec, prefix, strip in scopes:
            include = spec.check_file(prefix + relative[strip:]).include
            verdict = verdict if include is None else include
        return bool(verdict)


def discover_files(paths: list[str], settings: Settings = Settings(), respect_gitignore: bool = True,
                   stdin_filename: str | None = None) -> list[SourceFile]:
    """The files to lint, in a stable order. In directories: ``.py``, ``.pyi`` and ``.ipynb`` files, less the
    built-in :data:`DEFAULT_EXCLUDES` (unless ``settings.exclude`` replaces them), the user's ``exclude`` /
    ``extend-exclude`` globs, what ``.gitignore`` files exclude, and virtual environments (any folder with a
    ``pyvenv.cfg``, whatever its name). Symlinked folders are followed once (a loop is not followed). Files named
    on the command line are linted unless a user's glob excludes them (pre-commit names every changed file)."""
    ignores = _Ignores(DEFAULT_EXCLUDES if settings.exclude is None else (), settings)
    found: list[SourceFile] = []
    seen: set[str] = set()
    for given in paths:
        if given == "-":
            found.append(SourceFile("-", None, notebook=bool(stdin_filename and
                                                             stdin_filename.endswith(NOTEBOOK_SUFFIX))))
            continue
        path = Path(given)
        if path.is_dir():
            for file in sorted(_walk(path, ignores, respect_gitignore), key=lambda p: str(p).split(os.sep)):
                relative = file.relative_to(path).parts
                display = str(file)
                if display not in seen:
                    seen.add(display)
                    found.append(SourceFile(display, file, relative[0] if len(relative) > 1 else "."))
        elif given not in seen and not settings.excluded(given):  # it belongs to its folder as given
            seen.add(given)
            found.append(SourceFile(given, path, str(path.parent)))
    return found


def discover(paths: list[str], settings: Settings = Settings()) -> Iterator[tuple[str, Path | None]]:
    """``(display name, path)`` for each file to lint; ``path`` None for stdin (``-``)."""
    for source in discover_files(paths, settings):
        yield source.display, source.path


def _scopes_above(root: Path) -> list[_Scope]:
    """The .gitignore files from ``root``'s git repository top down to ``root``'s parent: they apply too."""
    resolved = root.resolve()
    for top in (resolved, *resolved.parents):
        if (top / ".git").exists():
            folders = [folder for folder in (*reversed(resolved.parents),) if folder == top or top in folder.parents]
            scopes = []
            for folder in folders:
                spec = _Ignores.gitignore(folder)
                if spec is not None:
                    scopes.append((spec, resolved.relative_to(folder).as_posix() + "/", 0))
            return scopes
    return []


def _walk(root: Path, ignores: _Ignores, respect_gitignore: bool) -> Iterator[Path]:
    # Paths are handled as strings relative to the root: pathlib costs more than the rest of a cached run.
    top = str(root)
    scopes_of: dict[str, list[_Scope]] = {"": _scopes_above(root) if respect_gitignore else []}
    seen: set[tuple[int, int]] = set()
    for directory, subdirectories, files in os.walk(top, followlinks=True):
        try:
            stat = os.stat(directory)
        except OSError:
            subdirectories[:] = []
            continue
        if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop, or a folder reached twice
            subdirectories[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        relative = "" if directory == top else os.path.relpath(directory, top).replace(os.sep, "/")
        scopes = scopes_of.pop(relative, [])
        spec = ignores.gitignore(directory) if respect_gitignore and ".gitignore" in files else None
        if spec is not None:
            scopes = [*scopes, (spec, "", len(relative) + 1 if relative else 0)]
        prefix = relative + "/" if relative else ""
        kept = []
        for name in sorted(subdirectories):
            path = os.path.join(directory, name)
            if not ignores.ignored(prefix + name, path, scopes, is_dir=True) and \
                    not os.path.exists(os.path.join(path, "pyvenv.cfg")):
                kept.append(name)
                scopes_of[prefix + name] = scopes
        subdirectories[:] = kept
        for name in sorted(files):
            if name.endswith((*PYTHON_SUFFIXES, NOTEBOOK_SUFFIX)) and \
                    not ignores.ignored(prefix + name, os.path.join(directory, name), scopes, is_dir=False):
                yield Path(directory, name)


def read_source(source: SourceFile, settings: Settings) -> bytes | FileResult:
    """The file's bytes, or its result when it cannot be read or is over the size limit (checked before reading)."""
    try:
        if source.path is None:
            return sys.stdin.buffer.read()
        status = source.path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or a device named *.py would block or never end
            return _result(source, [file_diagnostic(source.display, "not a regular file; not read")])
        size = status.st_size
        if size > settings.max_file_bytes:
            return _result(source, [_too_large(source.display, size, settings.max_file_bytes)])
        return source.path.read_bytes()
    except OSError as error:
        return _result(source, [file_diagnostic(source.display, f"cannot read the file: {error.strerror or error}")])


def _too_large(filename: str, size: int, limit: int) -> Finding:
    return file_diagnostic(filename, f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit; not analysed")


def lint_bytes(source: SourceFile, data: bytes, settings: Settings,
               origins: dict[Finding, Origin] | None = None, project: Project | None = None,
               unresolved_sites: list[UnresolvedSite] | None = None) -> FileResult:
    """Decode, unpack a notebook, lint; files the byte-level pre-filter rules out are neither decoded nor parsed
    (unless TL901 is selected and they mention ``noqa``).

    With a ``project``, a file that compiles something without naming Keras, or names PyTorch without applying a
    loss, is read too: the model or its training loop may be in a project module (``lint_text`` decides).
    """
    project = project if source.path is not None and not source.is_notebook else None
    judge_noqa = settings.enabled_in(UNUSED_NOQA, source.display) and mentions_noqa(data)
    if not might_have_findings_in_bytes(data) and not (
            project is not None and may_train_through_imports_in_bytes(data)):
        return _noqa_only(source, data, settings) if judge_noqa else _result(source, [])
    text = decode(data, source.display, settings.max_file_bytes)
    if text.diagnostic is not None:
        return _result(source, [text.diagnostic])
    return lint_decoded(source, text.text, settings, origins, project, unresolved_sites=unresolved_sites)


def lint_decoded(source: SourceFile, text: str, settings: Settings,
                 origins: dict[Finding, Origin] | None = None, project: Project | None = None,
                 noqa: bool = True, unresolved_sites: list[UnresolvedSite] | None = None) -> FileResult:
    """Lint a file's text (a notebook's JSON for ``.ipynb``) with ``# noqa`` honoured (unless ``noqa`` is False:
    flake8 applies its own): the one path from text to the findings of a file, for the CLI, the API, the flake8
    plugin and the language server."""
    from trainlint.engine import lint_text

    suppress = apply_noqa if noqa else _kept
    # TL901 needs the comments' uses, which only our own reading of # noqa knows.
    judge_noqa = noqa and settings.enabled_in(UNUSED_NOQA, source.display) and "noqa" in text.lower()

    project = project if source.path is not None and not source.is_notebook else None
    on_disk = str(source.path) if source.path is not None else None
    if not source.is_notebook:
        keras = keras_target(settings.keras_version, text, on_disk)
        analysis = lint_text(text, source.display, settings, origins, project, unresolved_sites, keras)
        suppression = suppress(analysis.findings, text, source.display,
                               project.module_text if project is not None else None)
        findings = suppression.kept + (_unused_noqa(text, source.display, suppression.used, settings)
                                       if judge_noqa else [])
        return _result(source, findings, analysis.stats, text=text if findings else None,
                       imported=tuple(sorted(str(path) for path in analysis.imported)),
                       used_noqa=tuple(use for use in suppression.used if use[0] != source.display),
                       keras=analysis.keras)
    notebook = read_notebook(text, source.display)
    if notebook.diagnostic is not None:
        return _result(source, [notebook.diagnostic])
    if notebook.text is None:
        return _result(source, [], notes=(notebook.note,) if notebook.note else ())
    keras = keras_target(settings.keras_version, notebook.text, on_disk, notebook=notebook.keras)
    sites: list[UnresolvedSite] | None = [] if unresolved_sites is not None else None
    analysis = lint_text(notebook.text, source.display, settings, origins, unresolved_sites=sites, keras=keras)
    for site in sites or ():
        where = notebook.locate(site.line)
        unresolved_sites.append(site if where is None else replace(site, cell=where.cell, cell_line=where.line))
    suppression = suppress(analysis.findings, notebook.text, source.display)
    findings = suppression.kept + (_unused_noqa(notebook.text, source.display, suppression.used, settings)
                                   if judge_noqa else [])
    cell_errors = [notebook.cell_error] if notebook.cell_error is not None else []
    if origins is not None:  # the dynamic mode finds a finding's origin by the finding: keep the key in step
        for finding in findings:
            if finding in origins:
                origins[notebook.place(finding)] = origins.pop(finding)
    return _result(source, cell_errors + [notebook.place(f) for f in findings], analysis.stats,
                   text=notebook.text if findings or cell_errors else None, keras=analysis.keras)


def _kept(findings, *_) -> Suppression:
    return Suppression(list(findings), [])


def _unused_noqa(text: str, filename: str, used: list[UsedNoqa], settings: Settings) -> list[Finding]:
    from trainlint.config import known_codes

    def could_report(code: str) -> bool:
        return all(settings.enabled_in(known, filename) for known in known_codes() if known.startswith(code))

    return unused_noqa(noqa_comments(text), used, filename, could_report)


def _noqa_only(source: SourceFile, data: bytes, settings: Settings) -> FileResult:
    """TL901 on a file that cannot hold a finding: every ``TL`` code of its ``# noqa`` comments is unused."""
    text = decode(data, source.display, settings.max_file_bytes)
    if text.text is None:
        return _result(source, [])
    if not source.is_notebook:
        findings = _unused_noqa(text.text, source.display, [], settings)
        return _result(source, findings, text=text.text if findings else None)
    notebook = read_notebook(text.text, source.display)
    if notebook.text is None:
        return _result(source, [])
    findings = _unused_noqa(notebook.text, source.display, [], settings)
    return _result(source, [notebook.place(f) for f in findings], text=notebook.text if findings else None)


def _result(source: SourceFile, findings: list[Finding], stats: Stats | None = None,
            notes: tuple[str, ...] = (), text: str | None = None, imported: tuple[str, ...] = (),
            used_noqa: tuple[UsedNoqa, ...] = (), keras=None) -> FileResult:
    return FileResult(source.display, findings, stats or Stats(), notes, source.is_notebook, group=source.group,
                      text=text, imported=imported, used_noqa=used_noqa,
                      keras=keras.to_dict() if keras is not None else None)


def lint_source(source: SourceFile, settings: Settings, origins: dict[Finding, Origin] | None = None,
                project: Project | None = None, unresolved_sites: list[UnresolvedSite] | None = None) -> FileResult:
    data = read_source(source, settings)
    return data if isinstance(data, FileResult) else lint_bytes(source, data, settings, origins, project,
                                                                unresolved_sites)


def lint_file(display: str, path: Path | None, settings: Settings,
              origins: dict[Finding, Origin] | None = None, project: Project | None = None) -> FileResult:
    return lint_source(SourceFile(display, path), settings, origins, project)


def project_roots(paths: list[str]) -> tuple[Path, ...]:
    """The folders whose modules a run follows imports into: the directories named on the command line."""
    return tuple(Path(p) for p in paths if p != "-" and Path(p).is_dir())


def lint_paths(paths: list[str], settings: Settings, origins: dict[Finding, Origin] | None = None) -> list[FileResult]:
    """Every file under ``paths`` in this process, without the cache (the batch runner is :mod:`trainlint.audit.batch`);
    ``origins``, when given, collects what each finding rests on (for ``--dynamic``)."""
    from trainlint.analysis.project import Project

    # One project per run: a module imported by many files is parsed and evaluated once.
    project = Project(project_roots(paths))
    return [lint_source(source, settings, origins, project) for source in discover_files(paths, settings)]
