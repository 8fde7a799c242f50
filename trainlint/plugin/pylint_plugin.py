"""The pylint plugin: ``load-plugins=trainlint.plugin.pylint_plugin`` reports trainlint's findings as pylint
messages, under each rule's symbolic name (``softmax-on-single-unit``) and a pylint message id.

Message ids: ``TL<abc>`` becomes ``E7<abc>`` for an error and ``W7<abc>`` for a warning (``TL102`` is ``E7102``); the
file diagnostics, whose names pylint already uses, are ``trainlint-parse-error`` and ``trainlint-internal-error``.
pylint owns suppression (``# pylint: disable=softmax-on-single-unit`` on a line, in a block or for the file, by
name or id) and its own enable / disable options; ``[tool.trainlint]`` above the file chooses the rules and the
Keras semantics as for ``trainlint check``, and ``# noqa`` / ``# trainlint: noqa`` count as they do there.

Install with ``pip install 'trainlint[pylint]'``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from pylint.checkers import BaseChecker, BaseRawFileChecker

from trainlint.findings import FILE_DIAGNOSTICS, PARSE_ERROR

if TYPE_CHECKING:
    from astroid import nodes
    from pylint.lint import PyLinter

# pylint has its own parse-error (F0010) and internal errors: ours are named apart.
_RENAMED = {"parse-error": "trainlint-parse-error", "internal-error": "trainlint-internal-error"}


@functools.lru_cache(maxsize=1)
def _documented() -> tuple:
    from trainlint.lint_rules import ALL_RULES

    return tuple(sorted((*FILE_DIAGNOSTICS, *ALL_RULES), key=lambda item: item.code))


def message_id(code: str, severity: str) -> str:
    return f"{'E' if severity == 'error' else 'W'}7{code[2:]}"


def symbol(name: str) -> str:
    return _RENAMED.get(name, name)


class TrainlintOptions(BaseChecker):
    """The plugin's options (pylint wants each option declared once)."""

    name = "trainlint"
    msgs: dict = {}
    options = (
        ("trainlint-keras-version", {
            "default": None, "type": "choice", "choices": ["3", "2", "legacy"], "metavar": "<3|2|legacy>",
            "help": "Keras semantics for trainlint (default: keras-version from [tool.trainlint], else 3)",
        }),
    )


_ANALYSED: dict[str, tuple[str, list[tuple[str, int, int, int | None, int | None, str]]]] = {}
"""The last module analysed: its file, text and messages; the family checkers that follow reuse them."""


class TrainlintPylintChecker(BaseRawFileChecker):
    """Lints each module's file as ``trainlint check FILE`` would and hands pylint the findings of one code family
    in that file. pylint wants the messages of one checker to share the two digits after the letter, so there is
    one checker a family (built by :func:`register`); the file is analysed once, by the first of them."""

    name = "trainlint"
    msgs: dict = {}
    family = ""

    def process_module(self, node: nodes.Module) -> None:
        filename = node.file
        if not filename or not filename.endswith((".py", ".pyi")):
            return
        with node.stream() as stream:
            data = stream.read()
        for code, line, column, end_line, end_column, message in _messages(filename, data, self.linter):
            if code[2] == self.family:
                self.add_message(message_id(code, _severity(code)), line=line, col_offset=column - 1,
                                 args=message, end_lineno=end_line,
                                 end_col_offset=end_column - 1 if end_column is not None else None)


def _severity(code: str) -> str:
    return next(item.severity for item in _documented() if item.code == code)


def _messages(filename: str, data: bytes, linter: PyLinter):
    from trainlint.api import check_source
    from trainlint.config import ConfigError
    from trainlint.plugin.hosted import hosted_message, settings_for
    from trainlint.sources.source import decode

    cached = _ANALYSED.get(filename)
    text = decode(data, filename, 10 ** 9).text
    if cached is not None and cached[0] == text:
        return cached[1]
    messages = []
    if text is not None:  # pylint reports what it cannot read itself
        try:
            settings = settings_for(filename, linter.config.trainlint_keras_version)
        except ConfigError as error:
            messages.append((PARSE_ERROR, 1, 1, None, None, f"cannot use [tool.trainlint]: {error}"))
            settings = None
        if settings is not None and not settings.excluded(filename):
            for finding in check_source(text, filename, settings=settings, project=_project()):
                placed = hosted_message(finding, filename)
                if placed is not None:
                    same_place = finding.filename == filename
                    messages.append((finding.code, *placed[:2], finding.end_line if same_place else None,
                                     finding.end_column if same_place else None, placed[2]))
    _ANALYSED.clear()
    _ANALYSED[filename] = (text, messages)
    return messages


@functools.lru_cache(maxsize=1)
def _project():
    """The modules on disk, shared by every module this pylint process checks."""
    from trainlint.analysis.project import Project

    return Project()


def _family_checker(family: str, items: list) -> type[TrainlintPylintChecker]:
    messages = {message_id(item.code, item.severity): (
        "%s", symbol(item.name), f"trainlint {item.code}: {item.summary}. See 'trainlint rule {item.code}'.")
        for item in items}
    return type(f"Trainlint{family}Checker", (TrainlintPylintChecker,), {"msgs": messages, "family": family})


def register(linter: PyLinter) -> None:
    families: dict[str, list] = {}
    for item in _documented():
        families.setdefault(item.code[2], []).append(item)
    linter.register_checker(TrainlintOptions(linter))
    for family, items in sorted(families.items()):
        linter.register_checker(_family_checker(family, items)(linter))
