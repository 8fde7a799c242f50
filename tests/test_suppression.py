"""Whole-file suppression, TL901 (unused-noqa) and ``--add-noqa``, each through the real CLI (and flake8 where
the comment is flake8's)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import FIXTURES, REPO, check_json, run_trainlint
from trainlint.add_noqa import lines_without_room, with_codes
from trainlint.noqa import FLAKE8_FILE_NOQA

BINARY_HEAD = textwrap.dedent("""\
    import keras
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")
    tagger = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
    tagger.compile(loss="binary_crossentropy", metrics=["accuracy"])
    """)


def codes(findings: list[dict]) -> list[str]:
    return [finding["code"] for finding in findings]


def test_the_file_level_grammar_is_flake8s():
    from flake8.defaults import NOQA_FILE

    assert FLAKE8_FILE_NOQA.pattern == NOQA_FILE.pattern and FLAKE8_FILE_NOQA.flags == NOQA_FILE.flags


def _flake8_codes(path) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "flake8", "--select", "TL", "--format", "%(code)s", str(path)],
                            capture_output=True, text=True, timeout=300, cwd=path.parent)
    return result.stdout.split()


@pytest.mark.parametrize(("first_line", "skipped"), [
    ("# flake8: noqa", True),
    ("# FLAKE8= NOQA", True),
    ("  # flake8: noqa: E501", True),  # flake8 7 skips the file whatever follows
    ("x = 1  # flake8: noqa", False),  # after code, flake8 only logs a warning
    ("#flake8: noqa", False),  # flake8 wants '# '
])
def test_flake8_whole_file_noqa_means_what_it_means_to_flake8(tmp_path, first_line, skipped):
    path = tmp_path / "train.py"
    path.write_text(first_line + "\n" + BINARY_HEAD)
    ours = codes(check_json(path))
    assert (ours == []) == skipped, ours
    assert (_flake8_codes(path) == []) == skipped


@pytest.mark.parametrize(("comment", "expected"), [
    ("# trainlint: noqa", []),
    ("# trainlint: noqa: TL102", ["TL201"]),
    ("# trainlint: noqa: TL1", ["TL201"]),
    ("# Trainlint: NOQA: TL102, TL201", []),
    ("# trainlint: noqa: TL3", ["TL102", "TL201"]),
    ("x = 1  # trainlint: noqa", ["TL102", "TL201"]),  # on a line of code it is no file-level comment
])
def test_trainlint_whole_file_noqa(tmp_path, comment, expected):
    path = tmp_path / "train.py"
    path.write_text(comment + "\n" + BINARY_HEAD)
    assert codes(check_json(path)) == expected


def test_the_flake8_plugin_honours_trainlint_file_noqa(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(BINARY_HEAD)
    assert _flake8_codes(path) == ["TL102", "TL201"]
    path.write_text("# trainlint: noqa: TL102\n" + BINARY_HEAD)
    assert _flake8_codes(path) == ["TL201"]


# --- TL901 ---------------------------------------------------------------------------------------------------

NOQA_COMMENTS = textwrap.dedent("""\
    import keras
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")  # noqa: TL102
    model.compile(loss="categorical_crossentropy")  # noqa: TL101,TL102,E501
    x = 1  # noqa: TL215
    y = 2  # noqa
    note = "# noqa: TL101"
    """)


def test_unused_noqa_is_off_by_default(tmp_path):
    (tmp_path / "train.py").write_text(NOQA_COMMENTS)
    assert check_json(tmp_path) == []
    assert check_json(tmp_path, extra=("--select", "TL")) == []


def test_unused_noqa_reports_each_tl_code_that_silences_nothing(tmp_path):
    (tmp_path / "train.py").write_text(NOQA_COMMENTS)
    found = check_json(tmp_path, extra=("--extend-select", "TL901"))
    assert [(f["code"], f["line"], f["column"]) for f in found] == [("TL901", 4, 49), ("TL901", 5, 8)]
    assert found[0]["message"].startswith("`# noqa: TL101` silences nothing")
    assert found[1]["severity"] == "warning" and found[1]["name"] == "unused-noqa"
    # E501 is flake8's, a bare noqa may be anyone's, a string is no comment: none is judged.
    assert check_json(tmp_path, extra=("--select", "TL1,TL2,TL9")) == found
    assert check_json(tmp_path, extra=("--select", "TL9")) == []  # no rule ran, so no code can be judged


def test_unused_noqa_keeps_quiet_about_a_rule_that_did_not_run(tmp_path):
    (tmp_path / "train.py").write_text(NOQA_COMMENTS)
    found = check_json(tmp_path, extra=("--extend-select", "TL901", "--ignore", "TL101"))
    assert [(f["code"], f["line"]) for f in found] == [("TL901", 5)]


def test_unused_noqa_in_files_without_keras_and_in_whole_file_comments(tmp_path):
    (tmp_path / "util.py").write_text("x = 1  # noqa: TL101\n")
    (tmp_path / "train.py").write_text("# trainlint: noqa: TL102, TL215\n" + BINARY_HEAD)
    found = check_json(tmp_path, extra=("--extend-select", "TL901"))
    assert [(f["filename"].rsplit("/", 1)[-1], f["line"], f["code"]) for f in found] == [
        ("train.py", 1, "TL901"), ("train.py", 6, "TL201"), ("util.py", 1, "TL901")]
    assert found[0]["message"].startswith("`# trainlint: noqa: TL215` silences nothing in this file")
    assert found[2]["message"].startswith("`# noqa: TL101` silences nothing")


def test_a_noqa_used_by_a_finding_reached_from_another_file_is_not_unused(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "projects" / "src_layout_units_mismatch", project)
    model = project / "src" / "newsgroups" / "model.py"
    model.write_text(model.read_text().replace('activation="softmax")(x)', 'activation="softmax")(x)  # noqa: TL321'))
    assert check_json(".", cwd=project, extra=("--extend-select", "TL901")) == []
    model.write_text(model.read_text().replace("# noqa: TL321", "# noqa: TL321, TL101"))
    found = check_json(".", cwd=project, extra=("--extend-select", "TL901"))
    assert [(f["code"], f["message"][:15]) for f in found] == [("TL901", "`# noqa: TL101`")]


# --- --add-noqa ------------------------------------------------------------------------------------------------

def test_add_noqa_then_a_clean_rerun(tmp_path):
    shutil.copytree(FIXTURES / "examples", tmp_path / "examples")
    shutil.copy(FIXTURES / "notebooks" / "binary_classifier.ipynb", tmp_path / "examples")
    extra = tmp_path / "examples" / "commented.py"
    extra.write_text(BINARY_HEAD.replace('metrics=["accuracy"])', 'metrics=["accuracy"])  # keep: reviewed'))
    before = check_json(tmp_path / "examples", extra=("--no-cache",))
    assert len(before) >= 4
    notebook = tmp_path / "examples" / "binary_classifier.ipynb"
    original = json.loads(notebook.read_text())
    result = run_trainlint("check", "--add-noqa", str(tmp_path / "examples"))
    assert result.returncode == 0, result.stderr
    assert f"Added {len(before)} noqa directives" in result.stderr
    assert check_json(tmp_path / "examples") == []
    assert check_json(tmp_path / "examples", extra=("--extend-select", "TL901")) == []
    assert extra.read_text().splitlines()[-1].endswith('metrics=["accuracy"])  # keep: reviewed  # noqa: TL201')
    edited = json.loads(notebook.read_text())
    for cell_before, cell_after in zip(original["cells"], edited["cells"]):
        assert {k: v for k, v in cell_before.items() if k != "source"} == \
            {k: v for k, v in cell_after.items() if k != "source"}  # outputs and metadata kept
    assert edited["metadata"] == original["metadata"]
    changed = [(b["source"], a["source"]) for b, a in zip(original["cells"], edited["cells"]) if b != a]
    assert len(changed) == 1 and any(line.endswith("  # noqa: TL102\n") for line in changed[0][1])
    # A second --add-noqa has nothing left to add.
    again = run_trainlint("check", "--add-noqa", str(tmp_path / "examples"))
    assert again.returncode == 0 and "Added 0 noqa directives to 0 files." in again.stderr



def test_add_noqa_writes_a_notebook_back_in_its_own_json_layout(tmp_path):
    # Written by another tool: indent 2, keys unsorted, non-ASCII escaped, a cell source list ending in "".
    code = BINARY_HEAD.splitlines(keepends=True)[:3]
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"title": "Clasificación"}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Clasificación binaria"]},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [], "source": [*code, ""]}]}
    notebook = tmp_path / "binary.ipynb"
    notebook.write_text(json.dumps(document, indent=2) + "\n")
    result = run_trainlint("check", "--add-noqa", str(notebook))
    assert result.returncode == 0, result.stderr
    code[2] = code[2].rstrip("\n") + "  # noqa: TL102\n"
    document["cells"][1]["source"] = [*code, ""]
    assert notebook.read_text() == json.dumps(document, indent=2) + "\n"
    assert check_json(notebook) == []

def test_add_noqa_joins_an_existing_list_and_leaves_a_line_without_room(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(BINARY_HEAD.replace('"categorical_crossentropy")', '"categorical_crossentropy")  # noqa: E501'))
    run_trainlint("check", "--add-noqa", str(path))
    assert path.read_text().splitlines()[2].endswith("# noqa: E501, TL102")
    assert check_json(path) == []
    continued = tmp_path / "continued.py"
    continued.write_text(BINARY_HEAD.replace('"categorical_crossentropy")', '"categorical_crossentropy", \\\n    optimizer="adam")'))
    result = run_trainlint("check", "--add-noqa", str(continued))
    assert result.returncode == 2 and "no room for a comment" in result.stderr


@pytest.mark.parametrize(("line", "codes", "expected"), [
    ("x = 1\n", {"TL102"}, "x = 1  # noqa: TL102\n"),
    ("x = 1  # noqa\r\n", {"TL102"}, "x = 1  # noqa\r\n"),
    ("x = 1  # noqa:TL1 why\n", {"TL102", "TL201"}, "x = 1  # noqa: TL1, TL201 why\n"),
    ("x = 1", {"TL201", "TL102"}, "x = 1  # noqa: TL102, TL201"),
])
def test_with_codes(line, codes, expected):
    assert with_codes(line, codes) == expected


def test_lines_without_room():
    text = 's = """a\nb"""\nx = 1 + \\\n  2\ny = 3\n'
    assert lines_without_room(text) == {1, 3}


def test_rule_pages_know_tl901():
    result = run_trainlint("rule", "TL901")
    assert result.returncode == 0 and "Off by default" in result.stdout
    assert (REPO / "docs" / "rules" / "TL901.md").is_file()


def test_unused_noqa_reads_files_a_cached_run_remembered_as_plain(tmp_path):
    (tmp_path / "util.py").write_text("x = 1  # noqa: TL101\n")
    cache = ("--cache-dir", str(tmp_path / "cache"))
    assert check_json(tmp_path / "util.py", extra=cache) == []  # remembered as holding no finding
    found = check_json(tmp_path / "util.py", extra=(*cache, "--extend-select", "TL901"))
    assert [f["code"] for f in found] == ["TL901"]
