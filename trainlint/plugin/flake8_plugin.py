"""The flake8 plugin: ``TL`` codes in editors, with flake8 owning ``# noqa``, selection and output."""

from __future__ import annotations

import ast
from typing import Iterator

from trainlint import __version__
from trainlint.analysis.project import Project
from trainlint.api import check_source
from trainlint.engine import compiles_something, might_have_findings
from trainlint.noqa import file_exemption
from trainlint.settings import Settings


class TrainlintChecker:
    name = "trainlint"
    version = __version__
    keras_version = "auto"
    project: Project | None = None
    """The modules on disk, shared by every file this flake8 process checks: each is parsed and evaluated
    once per run, not once per file that imports it."""

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]):
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager) -> None:
        manager.add_option("--trainlint-keras-version", default="auto", choices=["auto", "3", "2", "legacy"],
                           parse_from_config=True,
                           help="Keras semantics for trainlint: auto (inferred from the project), 3, 2 or legacy")

    @classmethod
    def parse_options(cls, options) -> None:
        cls.keras_version = options.trainlint_keras_version

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        # flake8 runs every plugin on every file: leave at once unless Keras is named here, or a model may be
        # compiled here from an imported module.
        if not (might_have_findings(source) or compiles_something(source)):
            return
        if TrainlintChecker.project is None:
            TrainlintChecker.project = Project()
        settings = Settings(keras_version=self.keras_version)
        # flake8 owns # noqa and # flake8: noqa (and --disable-noqa): the API's own reading of them is left out;
        # '# trainlint: noqa[: CODES]' is ours to honour.
        exempt = file_exemption(self.lines)
        for finding in check_source(source, self.filename, settings=settings, project=TrainlintChecker.project,
                                    noqa=False):
            if exempt is not None and (not exempt or finding.code.startswith(tuple(exempt))):
                continue
            line, column, message = finding.line, finding.column, finding.message
            if finding.filename != self.filename:
                # flake8 reports only on the file it checks: show a finding whose line to change is in another
                # module at this file's part of it (the compile call, the labels), naming the other place.
                here = next((r for r in finding.related if r.filename == self.filename), None)
                if here is None:
                    continue
                line, column = here.line, here.column
                message = f"{message} (at {finding.filename}:{finding.line}:{finding.column})"
            # flake8 wants 1-based lines and 0-based columns.
            yield line, column - 1, f"{finding.code} {message}", type(self)
