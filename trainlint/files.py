"""Finding the files to lint and reading them, one result per file, whatever the file holds."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from trainlint.analysis.project import Project
from trainlint.engine import Analysis, Origin, Stats, lint_text
from trainlint.findings import Finding, file_diagnostic
from trainlint.noqa import without_suppressed
from trainlint.settings import Settings
from trainlint.source import decode

PYTHON_SUFFIXES = (".py", ".pyi")
DEFAULT_EXCLUDES = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env", "__pycache__", "site-packages",
    "node_modules", "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", ".ipynb_checkpoints",
})


@dataclass
class FileResult:
    filename: str
    findings: list[Finding]
    stats: Stats = field(default_factory=Stats)
    text: str | None = None  # kept only when there are findings, for --show-source


def discover(paths: list[str], settings: Settings = Settings()) -> Iterator[tuple[str, Path | None]]:
    """``(display name, path)`` for each file to lint, in a stable order; ``path`` None for stdin (``-``).

    ``exclude`` applies to files named on the command line too: pre-commit names every changed file.
    """
    for given in paths:
        if given == "-":
            yield "-", None
            continue
        path = Path(given)
        if path.is_dir():
            for found in _walk(path, settings):
                yield str(found), found
        elif not settings.excluded(given):
            yield given, path


def _walk(root: Path, settings: Settings) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    for directory, subdirectories, files in os.walk(root, followlinks=True):
        stat = os.stat(directory)
        if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop
            subdirectories[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        subdirectories[:] = sorted(d for d in subdirectories if not _skipped(d, os.path.join(directory, d), settings))
        for name in sorted(files):
            if name.endswith(PYTHON_SUFFIXES) and not settings.excluded(os.path.join(directory, name)):
                yield Path(directory) / name


def _skipped(name: str, path: str, settings: Settings) -> bool:
    built_in = settings.exclude is None and (name in DEFAULT_EXCLUDES or name.endswith(".egg-info"))
    return built_in or settings.excluded(path)


def lint_file(display: str, path: Path | None, settings: Settings,
              origins: dict[Finding, Origin] | None = None, project: Project | None = None) -> FileResult:
    try:
        data = sys.stdin.buffer.read() if path is None else path.read_bytes()
    except OSError as error:
        return FileResult(display, [file_diagnostic(display, f"cannot read the file: {error.strerror or error}")])
    source = decode(data, display, settings.max_file_bytes)
    if source.diagnostic is not None:
        return FileResult(display, [source.diagnostic])
    analysis: Analysis = lint_text(source.text, display, settings, origins, project if path is not None else None)
    findings = without_suppressed(analysis.findings, source.text, display)
    return FileResult(display, findings, analysis.stats, source.text if findings else None)


def lint_paths(paths: list[str], settings: Settings,
               origins: dict[Finding, Origin] | None = None) -> list[FileResult]:
    """Lint every file; ``origins``, when given, collects what each finding rests on (for ``--dynamic``)."""
    # One project per run: a module imported by many files is parsed and evaluated once.
    project = Project(tuple(Path(p) for p in paths if p != "-" and Path(p).is_dir()))
    return [lint_file(display, path, settings, origins, project) for display, path in discover(paths, settings)]
