"""Notebooks are linted as the module their code cells make, and findings point at the cell and its line."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES, check_json, run_trainlint
from trainlint.sources.notebook import neutralise_magics, read_notebook

NOTEBOOKS = FIXTURES / "notebooks"


def test_finding_in_a_notebook_points_at_its_cell_and_line_in_text_output():
    result = run_trainlint("check", "--no-cache", str(NOTEBOOKS / "binary_classifier.ipynb"), cwd=FIXTURES.parent)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    # Cell 6 (counting the markdown cells too, as Jupyter and ruff do), its third line, the loss argument.
    assert lines[0].startswith(f"{NOTEBOOKS / 'binary_classifier.ipynb'}:cell 6:3:38: TL102 ")
    assert lines[1] == f"    {NOTEBOOKS / 'binary_classifier.ipynb'}:cell 4:5:5: this layer has 1 unit"


def test_finding_in_a_notebook_carries_the_joined_line_and_the_cell_in_json():
    [finding] = check_json(NOTEBOOKS / "binary_classifier.ipynb", extra=("--no-cache",))
    assert finding["code"] == "TL102"
    # The output contract: ``line`` counts lines of the joined code cells (4 + 6 + 3), ``cell`` names the cell.
    assert (finding["line"], finding["column"], finding["cell"], finding["cell_line"]) == (13, 38, 6, 3)
    [related] = finding["related"]
    assert (related["line"], related["cell"], related["cell_line"]) == (9, 4, 5)


def test_python_files_have_no_cell_fields_in_json():
    findings = check_json(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", extra=("--no-cache",))
    assert findings and all("cell" not in f and "cell_line" not in f for f in findings)
    assert all("cell" not in r for f in findings for r in f["related"])


def test_a_non_python_kernel_is_skipped_with_a_note_and_no_finding():
    result = run_trainlint("check", "--no-cache", str(NOTEBOOKS / "r_kernel.ipynb"))
    assert result.returncode == 0, result.stdout
    assert "r_kernel.ipynb: the notebook's kernel language is 'R', not Python; skipped" in result.stderr


def test_invalid_json_is_one_parse_error_where_the_json_breaks():
    [finding] = check_json(NOTEBOOKS / "broken_json.ipynb", extra=("--no-cache",))
    assert (finding["code"], finding["kind"]) == ("TL001", "parse-error")
    assert finding["message"].startswith("not a valid notebook: invalid JSON")
    assert (finding["line"], finding["column"]) == (5, 2)


def _notebook(*sources: str, language: str | None = "python") -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": source} for source in sources]
    metadata = {"kernelspec": {"name": "k", "language": language}} if language else {}
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def test_magics_are_neutralised_in_place_keeping_every_line():
    lines = ["import os", "%load_ext autoreload", "if True:", "    !ls -l", "files = !ls", "x = %time f()",
             "os.path?", "  ", "!pip install \\", "    tensorflow", "y = 1"]
    assert neutralise_magics(lines) == ["import os", "pass", "if True:", "    pass", "pass", "pass", "pass", "  ",
                                        "pass", "", "y = 1"]


def test_cell_magics_keep_a_python_body_and_blank_another_language():
    assert neutralise_magics(["%%time", "x = 1"]) == ["", "x = 1"]
    assert neutralise_magics(["%%writefile train.py", "import keras", "model.compile()"]) == ["", "", ""]


def test_empty_cells_and_markdown_cells_add_no_lines_and_cells_keep_their_numbers():
    text = json.dumps({"cells": [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": "", "outputs": []},
        {"cell_type": "code", "source": ["a = 1\n", "b = 2"], "outputs": []},
        {"cell_type": "code", "source": "   \n", "outputs": []},
        {"cell_type": "code", "source": "c = 3", "outputs": []},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    notebook = read_notebook(text, "n.ipynb")
    assert notebook.text == "a = 1\nb = 2\nc = 3\n"
    assert [(p.cell, p.line) for p in notebook.lines] == [(3, 1), (3, 2), (5, 1)]


def test_a_notebook_whose_magics_sit_inside_blocks_still_parses(tmp_path):
    notebook = tmp_path / "loop.ipynb"
    notebook.write_text(_notebook(
        "import keras\nfor size in [1]:\n    %time x = size\n    !nvidia-smi\n",
        "model = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy')\n"))
    [finding] = check_json(notebook, extra=("--no-cache",))
    assert (finding["code"], finding["cell"], finding["cell_line"]) == ("TL101", 2, 1)


def test_a_notebook_without_kernel_metadata_is_read_as_python(tmp_path):
    notebook = tmp_path / "bare.ipynb"
    notebook.write_text(_notebook(
        "import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy')\n", language=None))
    assert [f["code"] for f in check_json(notebook, extra=("--no-cache",))] == ["TL101"]


def test_a_notebook_syntax_error_points_at_its_cell(tmp_path):
    notebook = tmp_path / "typo.ipynb"
    notebook.write_text(_notebook("import keras\n", "model.compile(loss='mse'\nx = (\n"))
    result = run_trainlint("check", "--no-cache", str(notebook))
    assert result.returncode == 1
    assert ":cell 2:" in result.stdout and "TL001 syntax error" in result.stdout


def test_a_notebook_that_is_not_a_notebook_is_one_parse_error(tmp_path):
    notebook = tmp_path / "list.ipynb"
    notebook.write_text('["keras", "compile"]')
    [finding] = check_json(notebook, extra=("--no-cache",))
    assert finding["code"] == "TL001" and "no 'cells' list" in finding["message"]


def test_noqa_in_a_notebook_cell_silences_the_finding_on_that_line(tmp_path):
    notebook = tmp_path / "quiet.ipynb"
    notebook.write_text(_notebook(
        "import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy')\n",
        "other = keras.Sequential([keras.layers.Dense(1, activation='softmax')])  # noqa: TL101\n"
        "other.compile(loss='binary_crossentropy')\n"))
    assert [(f["code"], f["cell"]) for f in check_json(notebook, extra=("--no-cache",))] == [("TL101", 1)]
