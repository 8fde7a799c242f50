"""Fixes: golden files for every fixable rule, a notebook, a fix across modules, --diff, and no fix where the
code does not settle it."""

from __future__ import annotations

import difflib
import json
import shutil
import textwrap
from pathlib import Path

import pytest

import trainlint
from tests.conftest import FIXTURES, run_trainlint
from trainlint.lint_rules import ALL_RULES

FIXES = FIXTURES / "fixes"
EXPECTED = FIXES / "expected"
# keras.optimizers.legacy says tf.keras 2 to keras-version = "auto": the TL403 fixture is about Keras 3.
KERAS_VERSION = {"TL202_accuracy_with_binary_loss_legacy.py": "legacy", "TL403_legacy_optimizer.py": "3"}
GOLDEN = sorted(path.name for path in FIXES.glob("TL*.py"))


def _copy(name: str, tmp_path: Path) -> Path:
    source = FIXES / name
    target = tmp_path / name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    return target


def _check(*args: str, cwd: Path):
    return run_trainlint("check", "--no-cache", *args, cwd=cwd)


def _version(name: str) -> tuple[str, ...]:
    return ("--keras-version", KERAS_VERSION[name]) if name in KERAS_VERSION else ()


def _codes(path: Path, name: str) -> list[str]:
    result = _check("--output-format", "json", *_version(name), str(path), cwd=path.parent)
    return [finding["code"] for finding in json.loads(result.stdout)]


def test_every_fixable_rule_has_a_golden_file():
    fixable = {rule.code for rule in ALL_RULES if rule.FIX is not None}
    assert fixable == {name.split("_", 1)[0] for name in GOLDEN}
    assert fixable >= {"TL101", "TL111", "TL121", "TL201", "TL202", "TL204", "TL401", "TL403"}


@pytest.mark.parametrize("name", GOLDEN)
def test_fix_gives_the_golden_file_and_a_second_fix_changes_nothing(name, tmp_path):
    path = _copy(name, tmp_path)
    before = _codes(path, name)
    code = name.split("_", 1)[0]
    assert code in before
    result = _check("--fix", "--unsafe-fixes", *_version(name), name, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert path.read_text() == (EXPECTED / name).read_text()
    after = _codes(path, name)
    assert code not in after and set(after) <= set(before)  # the finding is gone and none appeared
    again = _check("--fix", "--unsafe-fixes", *_version(name), name, cwd=tmp_path)
    assert path.read_text() == (EXPECTED / name).read_text()
    assert "fixed" not in again.stderr


@pytest.mark.parametrize("name", GOLDEN)
def test_diff_prints_the_fix_and_changes_nothing(name, tmp_path):
    path = _copy(name, tmp_path)
    original = path.read_text()
    result = _check("--diff", "--unsafe-fixes", *_version(name), name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    expected = "".join(difflib.unified_diff(original.splitlines(keepends=True),
                                            (EXPECTED / name).read_text().splitlines(keepends=True),
                                            fromfile=name, tofile=name))
    assert result.stdout == expected
    assert path.read_text() == original
    shutil.copy(EXPECTED / name, path)
    clean = _check("--diff", "--unsafe-fixes", *_version(name), name, cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_applies_only_safe_fixes_without_unsafe_fixes(tmp_path):
    _copy("notebook", tmp_path)
    notebook = tmp_path / "notebook" / "churn.ipynb"
    result = _check("--fix", "notebook", cwd=tmp_path)
    assert result.returncode == 1  # the unsafe one is left, and reported
    assert "TL101" in result.stdout and "TL401" not in result.stdout
    assert "1 fixable with `trainlint check --fix --unsafe-fixes`" in result.stdout
    cell = "".join(json.loads(notebook.read_text())["cells"][3]["source"])
    assert "Adam(learning_rate=1e-3)" in cell and 'activation="softmax"' in cell


def test_a_notebook_fix_rewrites_only_its_cells_and_keeps_outputs_metadata_and_layout(tmp_path):
    _copy("notebook", tmp_path)
    notebook = tmp_path / "notebook" / "churn.ipynb"
    original = json.loads(notebook.read_text())
    result = _check("--fix", "--unsafe-fixes", "notebook", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert notebook.read_text() == (EXPECTED / "notebook" / "churn.ipynb").read_text()
    fixed = json.loads(notebook.read_text())
    changed = [i for i, (a, b) in enumerate(zip(original["cells"], fixed["cells"])) if a != b]
    assert changed == [3]
    assert {k: v for k, v in fixed["cells"][3].items() if k != "source"} == \
        {k: v for k, v in original["cells"][3].items() if k != "source"}
    assert fixed["metadata"] == original["metadata"]
    # The magics of another cell are as they were (the linter reads them as `pass`, the file keeps them).
    assert fixed["cells"][1]["source"][:2] == ["!pip install -q pandas\n", "%matplotlib inline\n"]
    # Only the two changed lines differ in the file's text: the JSON layout is kept.
    diff = [line for line in difflib.unified_diff(
        (FIXES / "notebook" / "churn.ipynb").read_text().splitlines(), notebook.read_text().splitlines(),
        lineterm="", n=0) if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(diff) == 4


def test_a_fix_across_modules_edits_the_module_the_head_is_in(tmp_path):
    _copy("cross_module", tmp_path)
    project = tmp_path / "cross_module"
    findings = json.loads(_check("--output-format", "json", "cross_module/train.py", cwd=tmp_path).stdout)
    assert [(f["code"], f["filename"], f["fix"]["edits"][0]["filename"]) for f in findings] == [
        ("TL101", "cross_module/model.py", "cross_module/model.py")]
    result = _check("--fix", "--unsafe-fixes", "cross_module/train.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "model.py").read_text() == (EXPECTED / "cross_module" / "model.py").read_text()
    assert (project / "train.py").read_text() == (FIXES / "cross_module" / "train.py").read_text()


def test_fixes_appear_in_json_and_sarif(tmp_path):
    name = "TL401_optimizer_lr.py"
    _copy(name, tmp_path)
    finding = json.loads(_check("--output-format", "json", name, cwd=tmp_path).stdout)[0]
    assert finding["fix"] == {"applicability": "safe", "message": "Rename lr= to learning_rate=", "edits": [
        {"filename": name, "line": 6, "column": 18, "end_line": 6, "end_column": 25,
         "content": "learning_rate=3e-4"}]}
    sarif = json.loads(_check("--output-format", "sarif", name, cwd=tmp_path).stdout)
    result = sarif["runs"][0]["results"][0]
    change = result["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == name
    assert change["replacements"] == [{"deletedRegion": {"startLine": 6, "startColumn": 18, "endLine": 6,
                                                         "endColumn": 25},
                                       "insertedContent": {"text": "learning_rate=3e-4"}}]


def test_each_rule_page_says_whether_it_has_a_fix():
    for rule in ALL_RULES:
        page = rule.documentation()
        assert "## Fix" in page
        assert ("No automatic fix." in page) == (rule.FIX is None), rule.code


def test_fix_source_is_the_api_of_fixes():
    text = (FIXES / "TL401_optimizer_lr.py").read_text()
    result = trainlint.fix_source(text, filename="train.py")
    assert result.text == (EXPECTED / "TL401_optimizer_lr.py").read_text()
    assert [f.code for f in result.fixed] == ["TL401", "TL401"] and result.remaining == []
    unsafe = (FIXES / "TL101_softmax_single_unit.py").read_text()
    assert trainlint.fix_source(unsafe).text == unsafe  # unsafe fixes only when asked for
    assert trainlint.fix_source(unsafe, unsafe=True).text == (EXPECTED / "TL101_softmax_single_unit.py").read_text()


def _only(text: str, code: str, **options):
    findings = [f for f in trainlint.check_source(textwrap.dedent(text), **options) if f.code == code]
    assert len(findings) == 1, findings
    return findings[0]


def test_no_fix_where_the_labels_do_not_settle_the_loss():
    finding = _only("""
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """, "TL111")
    assert finding.fix is None and "not fixed automatically: the labels passed to fit do not show which" in finding.message


def test_no_fix_for_a_softmax_unit_when_the_loss_wants_one_unit_per_class():
    finding = _only("""
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """, "TL101")
    assert finding.fix is None


def test_no_fix_for_a_finding_that_holds_in_one_scenario_only():
    findings = trainlint.check_paths([FIXTURES / "projects" / "text_classification_always_softmax"])
    [finding] = [f for f in findings if f.code == "TL111"]
    assert finding.scenario and finding.fix is None
    # The same 'accuracy' literal serves the softmax branch too: rewriting it would change that case.
    finding = _only("""
        import sys
        from tensorflow import keras

        def build(n):
            if n == 2:
                return keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
            return keras.Sequential([keras.layers.Dense(5, activation="softmax")])

        model = build(int(sys.argv[1]))
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """, "TL201")
    assert finding.scenario == "int(...) == 2" and finding.fix is None
    assert finding.message.endswith("; not fixed automatically: a fix would change the other cases too")


def test_no_fix_where_the_literal_is_not_written_at_the_finding():
    shared = _only("""
        from tensorflow import keras
        METRIC = "accuracy"
        model = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[METRIC])
        """, "TL201")
    assert shared.fix is None  # the constant may serve other code
    imported = _only("""
        from tensorflow.keras.optimizers.legacy import Adam
        optimizer = Adam(learning_rate=0.001)
        """, "TL403", keras_version="3")
    assert imported.fix is None  # the change belongs to the import line
    both = _only("""
        from tensorflow.keras.optimizers import Adam
        optimizer = Adam(lr=0.01, learning_rate=0.001)
        """, "TL401")
    assert both.fix is None


def test_a_notebook_fix_lands_in_the_cell_columns_of_an_indented_cell():
    # A source list that ends in "" (some writers leave one; keras-io's text_extraction_with_bert.ipynb) keeps it.
    cell = ["    from tensorflow import keras\n", "    opt = keras.optimizers.Adam(lr=0.1)\n",
            "    m = keras.Sequential([keras.layers.Dense(2)])\n", "    m.compile(optimizer=opt, loss='mse')\n", ""]
    document = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": cell}],
                "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4,
                "nbformat_minor": 5}
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    result = trainlint.fix_source(text, "indented.ipynb")
    assert [f.code for f in result.fixed] == ["TL401"]
    assert json.loads(result.text)["cells"][0]["source"] == [cell[0], "    opt = keras.optimizers.Adam(learning_rate=0.1)\n",
                                                            *cell[2:]]


def test_diff_on_a_notebook_and_across_modules_changes_nothing(tmp_path):
    _copy("notebook", tmp_path)
    _copy("cross_module", tmp_path)
    notebook = (tmp_path / "notebook" / "churn.ipynb").read_text()
    model = (tmp_path / "cross_module" / "model.py").read_text()
    result = _check("--diff", "--unsafe-fixes", "notebook", "cross_module/train.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    expected = "".join(
        "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                     fromfile=name, tofile=name))
        for name, before, after in sorted([
            ("cross_module/model.py", model, (EXPECTED / "cross_module" / "model.py").read_text()),
            ("notebook/churn.ipynb", notebook, (EXPECTED / "notebook" / "churn.ipynb").read_text())]))
    assert result.stdout == expected
    assert (tmp_path / "notebook" / "churn.ipynb").read_text() == notebook
    assert (tmp_path / "cross_module" / "model.py").read_text() == model
