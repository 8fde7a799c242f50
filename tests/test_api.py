"""The Python API (``trainlint.check_source``, ``check_paths``): the findings the CLI prints, from one code path."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest

import trainlint
from tests.conftest import FIXTURES, REPO, check_json, run_trainlint

SOFTMAX_ONE_UNIT = textwrap.dedent("""\
    from tensorflow import keras
    model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """)


def test_check_source_returns_frozen_findings_in_the_json_contract():
    findings = trainlint.check_source(SOFTMAX_ONE_UNIT, filename="train.py")
    assert [f.code for f in findings] == ["TL101"]
    finding = findings[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.line = 3  # type: ignore[misc]
    data = finding.to_dict()
    assert {"code", "kind", "severity", "message", "filename", "line", "column", "end_line", "end_column",
            "related", "scenario", "confirmation"} <= set(data)
    assert (data["filename"], data["line"], data["column"]) == ("train.py", 2, 49)
    assert data["related"] == [{"filename": "train.py", "line": 2, "column": 27, "message": "this layer has 1 unit"}]


def test_check_source_honours_noqa():
    line = 'model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])'
    for comment, silenced in (("  # noqa", True), ("  # noqa: TL101", True), ("  # noqa: TL1", True),
                              ("  # noqa: TL102", False)):
        text = SOFTMAX_ONE_UNIT.replace(line, line + comment)
        assert (trainlint.check_source(text, filename="train.py") == []) == silenced, comment
    kept = trainlint.check_source(SOFTMAX_ONE_UNIT.replace(line, line + "  # noqa"), "train.py", noqa=False)
    assert [f.code for f in kept] == ["TL101"]


def test_check_source_keras_version_decides_version_dependent_verdicts():
    text = textwrap.dedent("""\
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential([Dense(10, activation="softmax", input_dim=100)])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        """)
    assert "TL202" not in {f.code for f in trainlint.check_source(text, keras_version="3")}
    assert "TL202" in {f.code for f in trainlint.check_source(text, keras_version="legacy")}


def test_check_source_reads_a_notebook_and_follows_imports_beside_the_file():
    notebook = FIXTURES / "notebooks" / "binary_classifier.ipynb"
    found = trainlint.check_source(notebook.read_text(encoding="utf-8"), filename=str(notebook))
    assert [(f.code, f.cell, f.cell_line) for f in found] == [("TL102", 6, 3)]
    # The editor's text of train.py stands for the file; the model comes from build_model.py beside it.
    train = FIXTURES / "projects" / "src_layout_units_mismatch" / "src" / "newsgroups" / "train.py"
    found = trainlint.check_source(train.read_text(encoding="utf-8"), filename=str(train))
    assert [(f.code, f.filename.rsplit("/", 1)[-1]) for f in found] == [("TL321", "model.py")]


@pytest.mark.parametrize("paths", [
    ["fixtures/projects/text_classification_always_softmax", "fixtures/notebooks", "fixtures/core"],
])
def test_check_paths_equals_what_the_cli_prints(paths, monkeypatch):
    monkeypatch.chdir(REPO)
    from_cli = check_json(*paths, extra=("--no-cache",))
    from_api = [finding.to_dict() for finding in trainlint.check_paths(paths)]
    assert from_api == from_cli and from_api


def test_check_paths_honours_the_configuration(tmp_path):
    (tmp_path / "train.py").write_text(SOFTMAX_ONE_UNIT)
    assert [f.code for f in trainlint.check_paths([tmp_path])] == ["TL101"]
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nignore = ["TL101"]\n')
    assert trainlint.check_paths([tmp_path]) == []
    assert trainlint.check_source(SOFTMAX_ONE_UNIT, filename=str(tmp_path / "train.py")) == []
    # Explicit settings replace the file's.
    assert [f.code for f in trainlint.check_paths([tmp_path], settings=trainlint.Settings())] == ["TL101"]


def test_the_cli_and_the_api_agree_on_a_notebook_cell(monkeypatch):
    monkeypatch.chdir(REPO)
    cli = json.loads(run_trainlint("check", "--no-cache", "--output-format", "json",
                                   "fixtures/notebooks/binary_classifier.ipynb").stdout)
    assert cli == [f.to_dict() for f in trainlint.check_paths(["fixtures/notebooks/binary_classifier.ipynb"])]
