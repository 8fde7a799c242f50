"""Notebook cells are read the way IPython reads them; IPython itself is the reference.

For every cell of a corpus of tricky cells, the lines trainlint keeps as Python must be exactly the lines IPython's
own transform (``InteractiveShell.transform_cell``: ``inputtransformer2`` and the one-line prefilter) leaves as
Python, dedented and stripped alike, while trainlint keeps one line per line of the cell.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import check_json
from trainlint.sources.notebook import LINE_MAGICS, PYTHON_BODY_CELL_MAGICS, read_notebook, transform_cell

interactiveshell = pytest.importorskip("IPython.core.interactiveshell")

TRICKY_CELLS = [
    # dedent of a cell whose first line is indented (pasted from inside a function)
    "    model = build()\n    model.compile(loss='mse')\n",
    "\n\n  x = 1\n  if x:\n      y = 2\n",
    "  a = 1\nb = 2\n",
    # automagics: a one-line cell calling a line magic without %
    "ls", "ls -la data/", "pwd", "cd /content/drive", "pip install tensorflow==2.9.1", "pip install -q tf-keras",
    "history", "  cd data", "\n\npip install keras\n",
    # ... which IPython does not apply when the cell has more lines, or the name is assigned
    "ls\n\n", "ls = [1, 2]", "pwd, x", "import os\nls\n", "pip install keras\nimport keras\n",
    "time.sleep(1)", "history.history['loss']",
    # line and cell magics, shell lines, help
    "%matplotlib inline\nimport numpy as np\n", "%load_ext autoreload\n%autoreload 2\n",
    "!pip install tensorflow==2.9\nimport tensorflow as tf\n", "!!ls\n", "files = !ls *.csv\nprint(files)\n",
    "x = %time f()\ny = 1\n", "for i in range(2):\n    !nvidia-smi\n    %time f(i)\n",
    "!pip install \\\n    tensorflow==2.9 \\\n    keras\nimport keras\n",
    "x = !ls \\\n  -la\ny = 1\n",
    "np.mean?", "np.mean??", "a = b?", "?np.mean", "??np.mean", "%timeit?", "x = 1 # really?",
    "print(1)?", "foo(\n  x)?",
    "%%time\nmodel.fit(x, y)\n", "%%timeit\n  a = 1\n", "%%capture\n!pip install keras\nimport keras\n",
    "%%writefile train.py\nimport keras\nmodel.compile()\n", "%%bash\nls -la\necho hi\n", "%%time?\nx = 1\n",
    "  %%time\n  x = 1\n",
    # a % or ! or ? that is Python, not IPython
    'print("accuracy: %.2f"\n      % acc)\n', "s = ('%d items'\n     % n)\n", "x = 5 \\\n    % 3\n",
    "if a != b:\n    pass\n", "x %= 3\n", "y = a // b\n", "text = '''\n%matplotlib inline\n!ls\n'''\n",
    "s = 'what?'\n", "d = {'a': 1,\n     'b': 2}\n", "x = 1  # %magic in a comment\n",
    # prompts pasted from a console
    ">>> x = 1\n>>> y = x + 1\n", ">>> for i in range(3):\n...     print(i)\n", "In [1]: x = 1\n   ...: y = 2\n",
    # autocall escapes
    "/print a b", ",print a b", ";print a b",
    # assignments that are not magics
    "x = (1 +\n     %s)\n", "f(a=1)\n", "x == !y\n",
]


def _ipython_code_lines(cell: str) -> list[str]:
    shell = interactiveshell.InteractiveShell.instance()
    transformed = shell.transform_cell(cell)
    body = _python_cell_magic_body(transformed)
    if body is not None:
        return _ipython_code_lines(body)
    return [line for line in transformed.splitlines() if "get_ipython()" not in line and line.strip()]


def _python_cell_magic_body(transformed: str) -> str | None:
    """The body of ``%%time`` and the other cell magics that run their body as Python (IPython transforms it)."""
    prefix = "get_ipython().run_cell_magic("
    if not transformed.startswith(prefix) or transformed.count("\n") != 1:
        return None
    import ast

    name, _, body = ast.literal_eval(transformed[len(prefix) - 1:].strip())
    return body if name in PYTHON_BODY_CELL_MAGICS else None


def _trainlint_code_lines(cell: str) -> list[str]:
    result = transform_cell(cell)
    return [line for line, code in zip(result.lines, result.code) if code and line.strip()]


@pytest.mark.parametrize("cell", TRICKY_CELLS)
def test_trainlint_keeps_as_python_exactly_the_lines_ipython_keeps(cell):
    assert _trainlint_code_lines(cell) == _ipython_code_lines(cell)


@pytest.mark.parametrize("cell", TRICKY_CELLS)
def test_the_transform_keeps_one_line_per_line_of_the_cell(cell):
    result = transform_cell(cell)
    assert len(result.lines) == len(result.code) == len(result.shifts) == len(cell.splitlines())


def test_the_automagic_table_knows_every_line_magic_of_ipython():
    shell = interactiveshell.InteractiveShell.instance()
    assert set(shell.magics_manager.magics["line"]) <= LINE_MAGICS


def test_an_automagic_name_the_notebook_assigns_is_python():
    # IPython checks its namespace: after ``history = model.fit(...)``, a cell ``history`` shows the variable.
    assert transform_cell("history").code == (False,)
    assert transform_cell("history", frozenset({"history"})).code == (True,)


def _notebook(*sources: str, outputs: list | None = None) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": outputs or [], "source": source}
             for source in sources]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


BUG = ("model = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
       "model.compile(loss='binary_crossentropy')\n")


@pytest.mark.parametrize("ipython_cell", [
    "    import keras\n    x = 1\n",  # a first line that IPython dedents
    "import keras\nls\n" if False else "ls -la",  # an automagic
    "pwd", "cd data", "pip install tensorflow==2.9",
    'import keras\nprint("loss %.3f"\n      % 0.5)\n',  # a continuation line that starts with %
    "%matplotlib inline", "!nvidia-smi", "x = !ls", "keras.layers.Dense?", "%%bash\nls\n",
    ">>> import keras\n", "%%time\n  import keras\n",
])
def test_a_notebook_with_ipython_syntax_still_reports_its_real_finding(tmp_path, ipython_cell):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(_notebook("import keras\n", ipython_cell, BUG))
    findings = check_json(notebook, extra=("--no-cache",))
    assert [(f["code"], f["cell"], f["cell_line"]) for f in findings] == [("TL101", 3, 1)]


def test_a_dedented_cell_reports_the_column_in_the_cell(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    indented = "".join("    " + line + "\n" for line in BUG.splitlines())
    notebook.write_text(_notebook("import keras\n", indented))
    [finding] = check_json(notebook, extra=("--no-cache",))
    flat = tmp_path / "flat.ipynb"
    flat.write_text(_notebook("import keras\n", BUG))
    [reference] = check_json(flat, extra=("--no-cache",))
    assert (finding["cell"], finding["cell_line"]) == (reference["cell"], reference["cell_line"]) == (2, 1)
    assert finding["column"] == reference["column"] + 4
    assert [r["column"] for r in finding["related"]] == [r["column"] + 4 for r in reference["related"]]


def test_a_cell_ipython_cannot_run_is_left_out_and_the_others_are_analysed(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    # ``pip install`` without % in a cell of two lines is a syntax error for IPython too.
    notebook.write_text(_notebook("import keras\n", "pip install keras\nimport numpy\n", BUG, "print 'done'\n"))
    findings = check_json(notebook, extra=("--no-cache",))
    assert [(f["code"], f["cell"], f["cell_line"]) for f in findings] == [("TL001", 2, 1), ("TL101", 3, 1)]
    assert "the cell is left out, as IPython would not run it; 1 more cell does not parse either" \
        in findings[0]["message"]


def test_a_non_breaking_space_gets_its_own_message_not_python_2(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(_notebook("import keras\n", "y = 0\nx =\u00a01\n", BUG))
    findings = check_json(notebook, extra=("--no-cache",))
    assert [(f["code"], f["cell"], f["cell_line"]) for f in findings] == [("TL001", 2, 2), ("TL101", 3, 1)]
    assert "non-breaking space" in findings[0]["message"] and "Python 2" not in findings[0]["message"]
    script = tmp_path / "script.py"
    script.write_text("import keras\nx =\u00a01\n" + BUG)
    [finding] = check_json(script, extra=("--no-cache",))
    assert "non-breaking space" in finding["message"] and "Python 2" not in finding["message"]


def test_read_notebook_keeps_one_module_line_per_cell_line():
    text = _notebook("  a = 1\n  b = 2\n", "ls", "%%bash\nls\n")
    notebook = read_notebook(text, "n.ipynb")
    assert notebook.text == "a = 1\nb = 2\npass\n\n\n"
    assert [(p.cell, p.line, p.shift) for p in notebook.lines] == [(1, 1, 2), (1, 2, 2), (2, 1, 0), (3, 1, 0),
                                                                   (3, 2, 0)]
