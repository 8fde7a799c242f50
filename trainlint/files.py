"""Finding the files to lint and reading them, one result per file, whatever the file holds."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from trainlint.analysis.project import Project
from trainlint.engine import Analysis, Stats, lint_text
from trainlint.findings import Finding, file_diagnostic
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


def discover(paths: list[str]) -> Iterator[tuple[str, Path | None]]:
    """``(display name, path)`` for each file to lint, in a stable order; ``path`` None for stdin (``-``)."""
    for given in paths:
        if given == "-":
            yield "-", None
            continue
        path = Path(given)
        if path.is_dir():
            for found in _walk(path):
                yield str(found), found
        else:
            yield given, path


def _walk(root: Path) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    for directory, subdirectories, files in os.walk(root, followlinks=True):
        stat = os.stat(directory)
        if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop
            subdirectories[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        subdirectories[:] = sorted(d for d in subdirectories if d not in DEFAULT_EXCLUDES and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(PYTHON_SUFFIXES):
                yield Path(directory) / name


def lint_file(display: str, path: Path | None, settings: Settings, project: Project | None = None) -> FileResult:
    try:
        data = sys.stdin.buffer.read() if path is None else path.read_bytes()
    except OSError as error:
        return FileResult(display, [file_diagnostic(display, f"cannot read the file: {error.strerror or error}")])
    source = decode(data, display, settings.max_file_bytes)
    if source.diagnostic is not None:
        return FileResult(display, [source.diagnostic])
    analysis: Analysis = lint_text(source.text, display, settings, project if path is not None else None)
    return FileResult(display, analysis.findings, analysis.stats)


def lint_paths(paths: list[str], settings: Settings) -> list[FileResult]:
    # One project per run: a module imported by many files is parsed and evaluated once.
    project = Project(tuple(Path(p) for p in paths if p != "-" and Path(p).is_dir()))
    return [lint_file(display, path, settings, project) for display, path in discover(paths)]
