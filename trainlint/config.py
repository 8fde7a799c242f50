"""``[tool.trainlint]`` in ``pyproject.toml``: found by walking up from the checked paths, validated, merged.

A key given on the command line replaces the same key from the file. A malformed table is an error that names
the file and the key; the CLI turns it into exit status 2.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from trainlint.findings import INTERNAL_ERROR, PARSE_ERROR, UNUSED_NOQA
from trainlint.knowledge import KERAS_SETTINGS
from trainlint.settings import Settings

TABLE = "tool.trainlint"
_SELECTOR = re.compile(r"TL[0-9]*")


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file (when there is one) and the key."""


@dataclass(frozen=True)
class Options:
    """The settings one source gives (the file or the command line); None means 'not given here'."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] | None = None
    keras_version: str | None = None
    extend_ignore: tuple[str, ...] | None = None
    jobs: int | None = None
    cache_dir: str | None = None
    respect_gitignore: bool | None = None


@dataclass(frozen=True)
class Configuration:
    path: Path | None  # the pyproject.toml read, if any
    options: Options = field(default_factory=Options)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def find_pyproject(paths: Iterable[str]) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.trainlint]`` table above the checked paths, like ruff."""
    start = _common_directory(paths)
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "trainlint" in _read_toml(candidate) and _table(candidate) is not None:
            return candidate
    return None


def _common_directory(paths: Iterable[str]) -> Path:
    directories = []
    for given in paths:
        if given == "-":
            continue
        path = Path(given).absolute()
        directories.append(str(path if path.is_dir() else path.parent))
    if not directories:
        return Path.cwd()
    return Path(os.path.commonpath(directories))


def _read_toml(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error


def _table(path: Path) -> dict | None:
    try:
        document = tomllib.loads(_read_toml(path))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    table = document.get("tool", {}).get("trainlint") if isinstance(document.get("tool"), dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    return table


def load(path: Path) -> Configuration:
    table = _table(path)
    return Configuration(path, parse_table(table or {}, str(path)))


def discover(paths: Iterable[str]) -> Configuration:
    found = find_pyproject(paths)
    return load(found) if found is not None else Configuration(None)


def parse_table(table: dict[str, Any], source: str) -> Options:
    """Validate ``[tool.trainlint]``; every error names ``source`` and the key."""
    readers = {
        "select": _selectors, "ignore": _selectors, "extend-select": _selectors,
        "per-file-ignores": _per_file_ignores, "exclude": _globs, "extend-exclude": _globs,
        "keras-version": _keras_version, "extend-ignore": _selectors, "jobs": _positive_int,
        "cache-dir": _path, "respect-gitignore": _boolean,
    }
    values = {}
    for key, value in table.items():
        if key not in readers:
            close = difflib.get_close_matches(key, readers, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(readers)}"
            raise ConfigError(f"{source}: [{TABLE}] unknown key '{key}'{hint}")
        try:
            values[key.replace("-", "_")] = readers[key](value)
        except ValueError as error:
            raise ConfigError(f"{source}: [{TABLE}] {key}: {error}") from None
    return Options(**values)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"expected a list of strings, got {_describe(value)}")
    return tuple(value)


def _selectors(value: Any) -> tuple[str, ...]:
    return tuple(check_selector(code) for code in _strings(value))


@functools.lru_cache(maxsize=1)
def known_codes() -> tuple[str, ...]:
    # Imported on first use: the rules pull in libcst, which a cached run without --select never needs.
    from trainlint.lint_rules import ALL_RULES

    return (PARSE_ERROR, INTERNAL_ERROR, *(rule.code for rule in ALL_RULES), UNUSED_NOQA)


def check_selector(code: str) -> str:
    """A code or code prefix that names at least one rule (``TL``, ``TL1``, ``TL101``)."""
    code = code.strip().upper()
    if not _SELECTOR.fullmatch(code):
        raise ValueError(f"'{code}' is not a trainlint code or prefix (such as TL101 or TL1)")
    if not any(known.startswith(code) for known in known_codes()):
        raise ValueError(f"'{code}' matches no rule; see 'trainlint rules'")
    return code


def _globs(value: Any) -> tuple[str, ...]:
    globs = _strings(value)
    if any(not glob.strip() for glob in globs):
        raise ValueError("an empty pattern would match nothing")
    return globs


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ValueError(f'expected a table of glob = ["TL101", ...], got {_describe(value)}')
    pairs = []
    for glob, codes in value.items():
        try:
            pairs.append((glob, _selectors(codes)))
        except ValueError as error:
            raise ValueError(f"'{glob}': {error}") from None
    return tuple(pairs)


def _keras_version(value: Any) -> str:
    # TOML users write keras-version = 3 as often as "3".
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text not in KERAS_SETTINGS:
        raise ValueError(f"expected one of {', '.join(repr(v) for v in KERAS_SETTINGS)}, got {value!r}")
    return text


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a positive integer, got {_describe(value)}")
    return value


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a folder path, got {_describe(value)}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def parse_per_file_ignores(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """flake8's command-line form: ``'tests/*:TL1,TL2 legacy.py:TL201'``."""
    pairs = []
    for entry in re.split(r"\s+(?=[^\s:,]+:)", text.strip()):
        glob, colon, codes = entry.rpartition(":")
        if not colon or not glob:
            raise ValueError(f"'{entry}' is not GLOB:CODES")
        pairs.append((glob, tuple(check_selector(c) for c in codes.split(",") if c.strip())))
    return tuple(pairs)


DEFAULTS: dict[str, Any] = {
    "keras_version": "auto", "select": ("TL",), "ignore": (), "extend_select": (), "extend_ignore": (),
    "per_file_ignores": (), "exclude": None, "extend_exclude": (), "jobs": None, "cache_dir": None,
    "respect_gitignore": True,
}
"""What a key is when neither the command line nor the file gives it (None: decided by the caller: ``jobs`` is
every core, ``cache-dir`` is ``.trainlint_cache`` in the working directory, ``exclude`` the built-in folders)."""


@dataclass(frozen=True)
class Resolved:
    """One setting's value and where it came from: ``command line``, the ``pyproject.toml`` path, or ``default``."""

    key: str
    value: Any
    origin: str


def resolve(configuration: Configuration, command_line: Options) -> dict[str, Resolved]:
    """Each key: the command line's value where given, else the file's, else the default."""
    resolved = {}
    for name, default in DEFAULTS.items():
        given, from_file = getattr(command_line, name), getattr(configuration.options, name)
        key = name.replace("_", "-")
        if given is not None:
            resolved[name] = Resolved(key, given, "command line")
        elif from_file is not None:
            if name == "cache_dir":  # relative to the file that names it, as ruff does
                from_file = str(configuration.root / from_file)
            resolved[name] = Resolved(key, from_file, str(configuration.path))
        else:
            resolved[name] = Resolved(key, default, "default")
    return resolved


def settings(configuration: Configuration, command_line: Options) -> Settings:
    """The configuration file's options, each replaced by the command line's where given."""
    values = {name: item.value for name, item in resolve(configuration, command_line).items()}
    return Settings(
        keras_version=values["keras_version"],
        select=values["select"],
        ignore=values["ignore"],
        extend_select=values["extend_select"],
        extend_ignore=values["extend_ignore"],
        per_file_ignores=values["per_file_ignores"],
        exclude=values["exclude"],
        extend_exclude=values["extend_exclude"],
        root=str(configuration.root),
    )
