"""What the flake8 and pylint plugins share: the settings of a file (``[tool.trainlint]`` above it), and a finding
turned into one message on the file the host linter is checking, related places included."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from trainlint.findings import Finding
from trainlint.settings import Settings


@functools.lru_cache(maxsize=256)
def _settings_in(directory: str) -> Settings:
    from trainlint.api import load_settings

    return load_settings([directory])


def settings_for(filename: str, keras_version: str | None = None) -> Settings:
    """``[tool.trainlint]`` from the nearest ``pyproject.toml`` above the file, as ``trainlint check FILE`` reads it;
    ``keras_version`` (the host linter's own option, when given) wins. Raises ``trainlint.config.ConfigError``."""
    directory = str(Path(filename).absolute().parent) if filename not in ("-", "stdin", "<stdin>") else "."
    settings = _settings_in(directory)
    return replace(settings, keras_version=keras_version) if keras_version else settings


def _where(filename: str, line: int, column: int, here: str) -> str:
    return f"line {line}:{column}" if filename == here else f"{filename}:{line}:{column}"


def hosted_message(finding: Finding, filename: str) -> tuple[int, int, str] | None:
    """``(line, column, message)`` for reporting the finding on ``filename`` (columns 1-based), the related places
    named at the end of the message; None when no place of it lies in that file.

    A host linter reports only on the file it checks: a finding whose line to change is in another module is shown
    at this file's part of it (the compile call, the labels), naming the other place.
    """
    line, column, message = finding.line, finding.column, finding.message
    related = list(finding.related)
    if finding.filename != filename:
        here = next((r for r in finding.related if r.filename == filename), None)
        if here is None:
            return None
        line, column = here.line, here.column
        message = f"{message} (at {finding.filename}:{finding.line}:{finding.column})"
        related.remove(here)
        related.insert(0, replace(here, message=f"{here.message} (here)"))
    if related:
        notes = "; ".join(f"{_where(r.filename, r.line, r.column, filename)}: {r.message}" for r in related)
        message = f"{message} [{notes}]"
    return line, column, message
