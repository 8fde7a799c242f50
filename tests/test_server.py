"""``trainlint server`` driven end to end by a real LSP client (pytest-lsp) over stdio, as an editor runs it."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from tests.conftest import FIXTURES, REPO  # noqa: E402

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "trainlint", "server"],
                            server_env={**os.environ, "PYTHONPATH": str(REPO)})
TIMEOUT = 120  # a cold start imports libcst and the rules on a loaded machine


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), initialization_options={"keras-version": "3"}))
    yield
    await lsp_client.shutdown_session()


async def _diagnostics(client: LanguageClient, uri: str, predicate=lambda d: True):
    """The diagnostics published for ``uri`` once ``predicate`` holds for them."""
    async def wait():
        while uri not in client.diagnostics or not predicate(client.diagnostics[uri]):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return client.diagnostics[uri]

    return await asyncio.wait_for(wait(), TIMEOUT)


def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.resolve().as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=path.read_text() if text is None else text)))
    return uri


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = edit.range.start, edit.range.end
        before = "".join(lines[:start.line]) + lines[start.line][:start.character]
        after = lines[end.line][end.character:] + "".join(lines[end.line + 1:])
        text = before + edit.new_text + after
        lines = text.splitlines(keepends=True)
    return text


@pytest.mark.asyncio(loop_scope="function")
async def test_diagnostics_related_places_hover_and_a_fix_for_a_buggy_file(client: LanguageClient, tmp_path):
    path = tmp_path / "train.py"
    shutil.copy(FIXTURES / "fixes" / "TL101_softmax_single_unit.py", path)
    uri = _open(client, path)
    [diagnostic] = await _diagnostics(client, uri, bool)
    assert (diagnostic.code, diagnostic.source, diagnostic.range.start.line) == ("TL101", "trainlint", 16)
    assert [r.message for r in diagnostic.related_information] == ["this layer has 1 unit"]
    assert diagnostic.related_information[0].location.uri == uri

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri), position=diagnostic.range.start))
    assert "# softmax-on-single-unit (TL101)" in hover.contents.value and "## Fix" in hover.contents.value

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    titles = [action.title for action in actions]
    assert titles == ["Use a sigmoid for the one-unit head (TL101, unsafe fix)",
                      "Silence TL101 on this line (# noqa: TL101)"]
    fixed = _apply(path.read_text(), actions[0].edit.changes[uri])
    assert fixed == (FIXTURES / "fixes" / "expected" / "TL101_softmax_single_unit.py").read_text()
    silenced = _apply(path.read_text(), actions[1].edit.changes[uri])
    assert "layers.Dense(1, activation='softmax'),  # noqa: TL101\n" in silenced

    # The client applies the fix: the diagnostic goes away.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    assert not await _diagnostics(client, uri, lambda d: not d)


@pytest.mark.asyncio(loop_scope="function")
async def test_an_edit_in_an_imported_module_re_judges_the_importing_file(client: LanguageClient, tmp_path):
    shutil.copytree(FIXTURES / "fixes" / "cross_module", tmp_path / "project")
    model, train = tmp_path / "project" / "model.py", tmp_path / "project" / "train.py"
    model_uri = model.resolve().as_uri()
    _open(client, train)
    # The finding reached from train.py is reported where the head is written: model.py.
    [diagnostic] = await _diagnostics(client, model_uri, bool)
    assert diagnostic.code == "TL101"
    # The user opens model.py and fixes the head in the editor (unsaved): train.py's verdict follows the buffer.
    _open(client, model)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=model_uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(
            text=model.read_text().replace('activation="softmax"', 'activation="sigmoid"'))]))
    assert not await _diagnostics(client, model_uri, lambda d: not d)
    # And back: an edit that breaks the head again is judged from train.py's compile call.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=model_uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=model.read_text())]))
    assert [d.code for d in await _diagnostics(client, model_uri, bool)] == ["TL101"]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_notebook_gets_diagnostics_per_cell_and_a_fix_in_its_cell(client: LanguageClient, tmp_path):
    import json

    notebook_path = tmp_path / "churn.ipynb"
    shutil.copy(FIXTURES / "fixes" / "notebook" / "churn.ipynb", notebook_path)
    document = json.loads(notebook_path.read_text())
    notebook_uri = notebook_path.resolve().as_uri()
    cells, items = [], []
    for index, cell in enumerate(document["cells"]):
        cell_uri = f"vscode-notebook-cell:{notebook_path.resolve()}#cell{index}"
        kind = types.NotebookCellKind.Code if cell["cell_type"] == "code" else types.NotebookCellKind.Markup
        cells.append(types.NotebookCell(kind=kind, document=cell_uri))
        items.append(types.TextDocumentItem(uri=cell_uri, language_id="python" if kind == 2 else "markdown",
                                            version=1, text="".join(cell["source"])))
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(uri=notebook_uri, notebook_type="jupyter-notebook", version=1,
                                                 cells=cells),
        cell_text_documents=items))
    model_cell = cells[3].document
    diagnostics = await _diagnostics(client, model_cell, lambda d: len(d) == 2)
    assert sorted((d.code, d.range.start.line) for d in diagnostics) == [("TL101", 3), ("TL401", 5)]
    lr = next(d for d in diagnostics if d.code == "TL401")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(model_cell), range=lr.range,
        context=types.CodeActionContext(diagnostics=[lr])))
    [fix] = [a for a in actions if "fix" in a.title]
    assert fix.is_preferred and list(fix.edit.changes) == [model_cell]
    fixed = _apply(items[3].text, fix.edit.changes[model_cell])
    assert "keras.optimizers.Adam(learning_rate=1e-3)" in fixed


LEGACY_SERVER = ClientServerConfig(server_command=SERVER.server_command, server_env=SERVER.server_env)


@pytest_lsp.fixture(config=LEGACY_SERVER)
async def legacy_client(lsp_client: LanguageClient):
    # The client's settings replace the keys of [tool.trainlint].
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("neovim"), initialization_options={"keras-version": "legacy"}))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_settings_come_from_pyproject_and_the_client(legacy_client: LanguageClient, tmp_path):
    shutil.copy(FIXTURES / "fixes" / "TL202_accuracy_with_binary_loss_legacy.py", tmp_path / "train.py")
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nkeras-version = "3"\nignore = ["TL111"]\n')
    uri = _open(legacy_client, tmp_path / "train.py")
    # TL202 exists only under legacy Keras (the client's setting); TL111 is ignored by the file.
    assert [d.code for d in await _diagnostics(legacy_client, uri, bool)] == ["TL202"]
