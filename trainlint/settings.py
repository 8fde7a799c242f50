"""Run settings: which codes are reported, where, and which Keras the code targets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatchcase

from trainlint.findings import OPT_IN_PREFIXES
from trainlint.knowledge import KERAS_SETTINGS

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    keras_version: str = "auto"
    select: tuple[str, ...] = ("TL",)
    ignore: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    extend_select: tuple[str, ...] = ()
    # (glob, codes) pairs; globs, like ``exclude``, are relative to ``root`` (the configuration's directory).
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] | None = None  # None: the built-in folder excludes (files.DEFAULT_EXCLUDES)
    extend_exclude: tuple[str, ...] = ()
    root: str = "."
    extend_ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.keras_version not in KERAS_SETTINGS:
            raise ValueError(f"keras-version must be one of {', '.join(KERAS_SETTINGS)}, not {self.keras_version!r}")

    def enabled(self, code: str) -> bool:
        """Prefix matching as in ruff and flake8: the most specific matching prefix decides."""
        selected = max((len(p) for p in (*self.select, *self.extend_select) if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in (*self.ignore, *self.extend_ignore) if code.startswith(p)), default=-1)
        opt_in = max((len(p) for p in OPT_IN_PREFIXES if code.startswith(p)), default=-1)
        return selected > ignored and selected >= opt_in

    def enabled_in(self, code: str, filename: str) -> bool:
        """``enabled``, less the codes that ``per-file-ignores`` turns off for this file."""
        if not self.enabled(code):
            return False
        return not any(code.startswith(codes) for pattern, codes in self.per_file_ignores
                       if path_matches(pattern, filename, self.root))

    def excluded(self, path: str) -> bool:
        """Whether a user's ``exclude`` / ``extend-exclude`` pattern matches the path."""
        return any(path_matches(pattern, path, self.root) for pattern in (*(self.exclude or ()), *self.extend_exclude))


def path_matches(pattern: str, path: str, root: str) -> bool:
    """flake8 / ruff-style globs: a bare name matches any path component, a pattern with '/' the relative path."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
    if relative.startswith("../"):
        relative = os.path.abspath(path).replace(os.sep, "/")
    pattern = pattern.removeprefix("./").rstrip("/")
    if "/" in pattern:
        return fnmatchcase(relative, pattern) or fnmatchcase(relative, pattern + "/*")
    return any(fnmatchcase(part, pattern) for part in relative.split("/"))
