"""``trainlint server``: a Language Server (LSP over stdio, pygls) on top of the Python API.

- Diagnostics on open, change and save, for Python files and for notebooks (LSP 3.17 ``notebookDocument/*``: one
  diagnostic list per cell), with a finding's related places as ``relatedInformation``.
- Code actions: every fix a finding carries (``quickfix``, preferred when safe) and ``# noqa: CODE`` on its line.
- Hover on a finding: its rule's page.
- Settings: ``[tool.trainlint]`` of the nearest ``pyproject.toml``, then the client's ``initializationOptions``
  or ``trainlint`` configuration section (``keras-version``, ``select``, ``ignore``), which replace the file's keys.
- One project shared by every document: the open buffers stand for their files, so editing ``model.py`` re-judges
  ``train.py`` (a finding reached from ``train.py`` but reported in ``model.py`` is published for ``model.py``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from trainlint import __version__, api, config
from trainlint.findings import Edit, Finding
from trainlint.noqa import suppressed_codes
from trainlint.settings import Settings

log = logging.getLogger(__name__)
SOURCE = "trainlint"
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(notebook_selector=[
    types.NotebookDocumentFilterWithCells(cells=[types.NotebookCellLanguage(language="python")], notebook="*")])


@dataclass
class _Linted:
    """One document's last lint: its findings (by the file each is reported in) for diagnostics and actions."""

    findings: list[Finding] = field(default_factory=list)


class TrainlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("trainlint", __version__, notebook_document_sync=NOTEBOOK_SYNC)
        from trainlint.analysis.project import Project

        self.project = Project()
        self.client_options: dict[str, Any] = {}
        self.linted: dict[str, _Linted] = {}
        """By document URI (a notebook's own URI for a notebook)."""
        self.published: set[str] = set()

    # --- settings -------------------------------------------------------------------------------------

    def settings_for(self, path: str):
        options = self.client_options
        select = options.get("select")
        ignore = options.get("ignore")
        try:
            return api.load_settings([path], keras_version=options.get("keras-version") or options.get("kerasVersion"),
                                     select=tuple(select) if select else None,
                                     ignore=tuple(ignore) if ignore else None)
        except (config.ConfigError, ValueError) as error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"trainlint: {error}"))
            return Settings()

    # --- documents ------------------------------------------------------------------------------------

    def document_text(self, uri: str) -> tuple[str, str] | None:
        """``(path, text)`` to lint for a Python document or a notebook (its JSON rebuilt from its cells)."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            return to_fs_path(uri) or uri, self.notebook_json(notebook)
        document = self.workspace.get_text_document(uri)
        return to_fs_path(uri) or uri, document.source

    def notebook_json(self, notebook: types.NotebookDocument) -> str:
        cells = []
        for cell in notebook.cells:
            text = self.workspace.get_text_document(cell.document).source
            kind = "code" if cell.kind == types.NotebookCellKind.Code else "markdown"
            cells.append({"cell_type": kind, "source": text, "metadata": {}, "outputs": []}
                         if kind == "code" else {"cell_type": kind, "source": text, "metadata": {}})
        return json.dumps({"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4,
                           "nbformat_minor": 5})

    def documents(self) -> list[str]:
        """The URIs to lint: open Python files and open notebooks (not their cells one by one)."""
        cells = {cell.document for notebook in self.workspace.notebook_documents.values() for cell in notebook.cells}
        python = [uri for uri in self.workspace.text_documents if uri not in cells and uri.endswith((".py", ".pyi"))]
        return python + list(self.workspace.notebook_documents)

    def refresh(self, changed: str | None = None) -> None:
        """Lint every open document (the changed one first) and publish diagnostics by the file they are in."""
        if changed is not None:
            found = self.document_text(changed)
            if found is not None and not found[0].endswith(".ipynb"):
                self.project.set_text(found[0], found[1])
        order = ([changed] if changed else []) + [uri for uri in self.documents() if uri != changed]
        for uri in order:
            found = self.document_text(uri)
            if found is None:
                continue
            path, text = found
            try:
                findings = api.check_source(text, filename=path, settings=self.settings_for(path),
                                            project=self.project)
            except Exception as error:  # a bug of ours must not take the editor's server down
                log.exception("trainlint failed on %s", uri)
                self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"trainlint: {error}"))
                continue
            self.linted[uri] = _Linted(findings)
        self.publish()

    def close(self, uri: str) -> None:
        self.linted.pop(uri, None)
        found_path = to_fs_path(uri)
        if found_path and not found_path.endswith(".ipynb"):
            self.project.set_text(found_path, None)
        self.publish()

    # --- diagnostics ----------------------------------------------------------------------------------

    def target_uri(self, finding_file: str, owner: str, cell: int | None) -> str:
        """The URI a place is shown at: a notebook's cell, or the file (the owner's URI when it is that file)."""
        notebook = self.workspace.get_notebook_document(notebook_uri=owner)
        if notebook is not None and cell is not None and Path(finding_file) == Path(to_fs_path(owner) or ""):
            return notebook.cells[cell - 1].document
        if to_fs_path(owner) and Path(to_fs_path(owner)).resolve() == Path(finding_file).resolve():
            return owner
        return from_fs_path(str(Path(finding_file).resolve())) or finding_file

    def diagnostics(self) -> dict[str, list[types.Diagnostic]]:
        by_uri: dict[str, list[types.Diagnostic]] = {}
        seen: set[tuple] = set()
        for owner, linted in self.linted.items():
            for finding in linted.findings:
                uri = self.target_uri(finding.filename, owner, finding.cell)
                key = (uri, finding.code, finding.line, finding.column, finding.message)
                if key in seen:
                    continue
                seen.add(key)
                by_uri.setdefault(uri, []).append(self.diagnostic(finding, owner, uri))
        return by_uri

    def diagnostic(self, finding: Finding, owner: str, uri: str) -> types.Diagnostic:
        line = (finding.cell_line or finding.line) - 1
        related = []
        for place in finding.related:
            related_uri = self.target_uri(place.filename, owner, place.cell)
            point = self.position(related_uri, (place.cell_line or place.line) - 1, place.column - 1)
            related.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri=related_uri, range=types.Range(point, point)), message=place.message))
        end_line = line + (finding.end_line - finding.line)
        return types.Diagnostic(
            range=types.Range(self.position(uri, line, finding.column - 1),
                              self.position(uri, end_line, finding.end_column - 1)),
            message=finding.message, severity=types.DiagnosticSeverity.Error if finding.severity == "error"
            else types.DiagnosticSeverity.Warning, code=finding.code, source=SOURCE,
            code_description=types.CodeDescription(href=_rule_url(finding.code)),
            related_information=related or None,
            data={"owner": owner, "finding": finding.to_dict()})

    def publish(self) -> None:
        current = self.diagnostics()
        for uri in set(current) | self.published:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri,
                                                                                  diagnostics=current.get(uri, [])))
        self.published = set(current)

    # --- code actions ---------------------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
                continue
            finding = Finding.from_dict(diagnostic.data["finding"])
            owner = diagnostic.data.get("owner", params.text_document.uri)
            if finding.fix is not None:
                actions.append(types.CodeAction(
                    title=f"{finding.fix.message} ({finding.code}, {finding.fix.applicability} fix)",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                    is_preferred=finding.fix.applicability == "safe",
                    edit=types.WorkspaceEdit(changes=self.fix_changes(finding, owner))))
            noqa = self.noqa_edit(params.text_document.uri, diagnostic.range.start.line, finding.code)
            if noqa is not None:
                actions.append(types.CodeAction(
                    title=f"Silence {finding.code} on this line (# noqa: {finding.code})",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={params.text_document.uri: [noqa]})))
        return actions

    def fix_changes(self, finding: Finding, owner: str) -> dict[str, list[types.TextEdit]]:
        changes: dict[str, list[types.TextEdit]] = {}
        for edit in finding.fix.edits:
            uri = self.target_uri(edit.filename, owner, edit.cell)
            changes.setdefault(uri, []).append(self.text_edit(uri, edit))
        return changes

    def text_edit(self, uri: str, edit: Edit) -> types.TextEdit:
        start_line = (edit.cell_line or edit.line) - 1
        end_line = start_line + (edit.end_line - edit.line)
        return types.TextEdit(range=types.Range(self.position(uri, start_line, edit.column - 1),
                                                self.position(uri, end_line, edit.end_column - 1)),
                              new_text=edit.content)

    def position(self, uri: str, line: int, column: int) -> types.Position:
        """A code-point column as the client counts it (UTF-16 unless negotiated otherwise)."""
        try:
            document = self.workspace.get_text_document(uri)
            lines = document.lines
        except Exception:
            return types.Position(line, column)
        if line >= len(lines):
            return types.Position(line, column)
        return self.workspace.position_codec.position_to_client_units(lines, types.Position(line, column))

    def noqa_edit(self, uri: str, line: int, code: str) -> types.TextEdit | None:
        try:
            lines = self.workspace.get_text_document(uri).lines
        except Exception:
            return None
        if line >= len(lines):
            return None
        text = lines[line].rstrip("\r\n")
        codes = suppressed_codes(text)
        if codes is not None and not codes:
            return None  # a bare # noqa already silences everything here
        end = types.Position(line, self.workspace.position_codec.client_num_units(text))
        addition = f", {code}" if codes else f"  # noqa: {code}"
        return types.TextEdit(range=types.Range(end, end), new_text=addition)

    # --- hover ----------------------------------------------------------------------------------------

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        from trainlint.lint_rules import RULES_BY_CODE

        uri, position = params.text_document.uri, params.position
        for owner, linted in self.linted.items():
            for finding in linted.findings:
                if self.target_uri(finding.filename, owner, finding.cell) != uri:
                    continue
                line = (finding.cell_line or finding.line) - 1
                end_line = line + (finding.end_line - finding.line)
                inside = (line, finding.column - 1) <= (position.line, position.character) <= (
                    end_line, finding.end_column - 1)
                rule = RULES_BY_CODE.get(finding.code)
                if inside and rule is not None:
                    return types.Hover(contents=types.MarkupContent(
                        kind=types.MarkupKind.Markdown, value=f"**{finding.code}** {finding.message}\n\n---\n\n"
                                                              + rule.documentation()))
        return None


def _rule_url(code: str) -> str:
    from trainlint.plugin.sarif import rule_help_uri

    return rule_help_uri(code)


def build_server() -> TrainlintServer:
    server = TrainlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: TrainlintServer, params: types.InitializeParams):
        options = params.initialization_options
        if isinstance(options, dict):
            ls.client_options = dict(options.get("trainlint", options))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: TrainlintServer, params: types.DidChangeConfigurationParams):
        settings = params.settings
        if isinstance(settings, dict):
            ls.client_options = dict(settings.get("trainlint", settings))
            ls.refresh()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: TrainlintServer, params: types.DidOpenTextDocumentParams):
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TrainlintServer, params: types.DidChangeTextDocumentParams):
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: TrainlintServer, params: types.DidSaveTextDocumentParams):
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TrainlintServer, params: types.DidCloseTextDocumentParams):
        ls.close(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: TrainlintServer, params: types.DidOpenNotebookDocumentParams):
        ls.refresh(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: TrainlintServer, params: types.DidChangeNotebookDocumentParams):
        ls.refresh(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: TrainlintServer, params: types.DidSaveNotebookDocumentParams):
        ls.refresh(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: TrainlintServer, params: types.DidCloseNotebookDocumentParams):
        ls.close(params.notebook_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: TrainlintServer, params: types.CodeActionParams):
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: TrainlintServer, params: types.HoverParams):
        return ls.hover(params)

    return server


def main() -> int:
    build_server().start_io()
    return 0
