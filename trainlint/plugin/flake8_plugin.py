"""The flake8 plugin: ``TL`` codes in editors, with flake8 owning ``# noqa``, selection and output.

The plugin reads ``[tool.trainlint]`` from the nearest ``pyproject.toml`` above each file, as ``trainlint check``
does (keras-version, select / ignore, per-file-ignores, exclude), and flake8's own options still win: flake8's
``--select`` / ``--ignore`` / ``--per-file-ignores`` / ``# noqa`` filter what is left, and
``--trainlint-keras-version`` (or ``trainlint-keras-version =`` in flake8's configuration) replaces keras-version.
"""

from __future__ import annotations

import ast
from typing import Iterator

from trainlint import __version__
from trainlint.analysis.project import Project
from trainlint.api import check_source
from trainlint.config import ConfigError
from trainlint.engine import compiles_something, might_have_findings
from trainlint.findings import PARSE_ERROR
from trainlint.noqa import file_exemption
from trainlint.plugin.hosted import hosted_message, settings_for


class TrainlintChecker:
    name = "trainlint"
    version = __version__
    keras_version: str | None = None
    """flake8's --trainlint-keras-version when given; otherwise [tool.trainlint]'s keras-version (default auto)."""
    project: Project | None = None
    """The modules on disk, shared by every file this flake8 process checks: each is parsed and evaluated
    once per run, not once per file that imports it."""

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]):
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager) -> None:
        manager.add_option("--trainlint-keras-version", default=None, choices=["auto", "3", "2", "legacy"],
                           parse_from_config=True,
                           help="Keras semantics for trainlint (auto, 3, 2 or legacy; default: keras-version from "
                                "[tool.trainlint], else auto: inferred from the project)")

    @classmethod
    def parse_options(cls, options) -> None:
        cls.keras_version = options.trainlint_keras_version

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        # flake8 runs every plugin on every file: leave at once unless Keras is named here, or a model may be
        # compiled here from an imported module, or a PyTorch model handed to an imported training loop.
        if not (might_have_findings(source) or compiles_something(source) or "torch" in source):
            return
        if TrainlintChecker.project is None:
            TrainlintChecker.project = Project()
        try:
            settings = settings_for(self.filename, self.keras_version)
        except ConfigError as error:
            yield 1, 0, f"{PARSE_ERROR} cannot use [tool.trainlint]: {error}", type(self)
            return
        if settings.excluded(self.filename):
            return
        # flake8 owns # noqa and # flake8: noqa (and --disable-noqa): the API's own reading of them is left out;
        # '# trainlint: noqa[: CODES]' is ours to honour.
        exempt = file_exemption(self.lines)
        for finding in check_source(source, self.filename, settings=settings, project=TrainlintChecker.project,
                                    noqa=False):
            if exempt is not None and (not exempt or finding.code.startswith(tuple(exempt))):
                continue
            placed = hosted_message(finding, self.filename)
            if placed is None:
                continue
            line, column, message = placed
            # flake8 wants 1-based lines and 0-based columns.
            yield line, column - 1, f"{finding.code} {message}", type(self)
