"""The flake8 plugin reading ``[tool.trainlint]`` and the pylint plugin, each through the real tool."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO, check_json

TWO_FINDINGS = textwrap.dedent("""\
    import keras
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")
    tagger = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
    tagger.compile(loss="binary_crossentropy", metrics=["accuracy"])
    """)


def _tool(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=300)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "train.py").write_text(TWO_FINDINGS)
    return tmp_path


# --- flake8 ------------------------------------------------------------------------------------------------------

def flake8_lines(project: Path, *args: str) -> list[str]:
    # Not --isolated: that would also keep flake8 from reading its own configuration, which the tests below use.
    result = _tool("flake8", "--select", "TL", *args, "train.py", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


def test_flake8_keeps_the_related_places_in_the_message(project):
    lines = flake8_lines(project)
    assert lines[0].startswith("train.py:3:20: TL102 categorical_crossentropy over 1 output unit")
    assert lines[0].endswith("[line 2:27: this layer has 1 unit]")
    assert lines[1].endswith("[line 4:50: the output is a 5-unit sigmoid head; line 5:21: the loss is "
                             "binary_crossentropy]")


def test_flake8_reads_tool_trainlint(project):
    (project / "pyproject.toml").write_text('[tool.trainlint]\nignore = ["TL2"]\n')
    assert [line.split()[1] for line in flake8_lines(project)] == ["TL102"]
    (project / "pyproject.toml").write_text('[tool.trainlint]\nper-file-ignores = { "train.py" = ["TL1"] }\n')
    assert [line.split()[1] for line in flake8_lines(project)] == ["TL201"]
    (project / "pyproject.toml").write_text('[tool.trainlint]\nexclude = ["train.py"]\n')
    assert flake8_lines(project) == []


def test_flake8s_own_options_still_win(project):
    legacy = textwrap.dedent("""\
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(5, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", metrics=["accuracy"])
        """)
    (project / "train.py").write_text(legacy)
    modern = [line.split()[1] for line in flake8_lines(project)]
    (project / "pyproject.toml").write_text('[tool.trainlint]\nkeras-version = "legacy"\n')
    from_pyproject = [line.split()[1] for line in flake8_lines(project)]
    assert from_pyproject != modern  # keras-version from [tool.trainlint] is read
    assert from_pyproject == [f["code"] for f in check_json("train.py", cwd=project)]
    # flake8's option (command line or its own configuration) replaces keras-version.
    assert [line.split()[1] for line in flake8_lines(project, "--trainlint-keras-version", "3")] == modern
    (project / "setup.cfg").write_text("[flake8]\ntrainlint-keras-version = 3\n")
    assert [line.split()[1] for line in flake8_lines(project)] == modern
    # flake8's selection filters what is left.
    assert flake8_lines(project, "--extend-ignore", "TL") == []


def test_flake8_reports_a_broken_table_on_the_file(project):
    (project / "pyproject.toml").write_text('[tool.trainlint]\nselect = "TL1"\n')
    lines = flake8_lines(project)
    assert len(lines) == 1 and "TL001 cannot use [tool.trainlint]" in lines[0] and "select" in lines[0]


# --- pylint ------------------------------------------------------------------------------------------------------

def pylint(project: Path, *args: str) -> list[str]:
    result = _tool("pylint", "--load-plugins=trainlint.plugin.pylint_plugin", "--disable=all", "--enable=trainlint",
                   "--output-format=parseable", "--score=n", "--persistent=n", *args, "train.py", cwd=project)
    assert "Traceback" not in result.stderr, result.stderr
    # pylint prints each checker's messages together: in line order for the comparisons.
    return sorted((line for line in result.stdout.splitlines() if line.startswith("train.py:")),
                  key=lambda line: int(line.split(":")[1]))


def test_pylint_reports_the_findings_under_their_symbolic_names(project):
    lines = pylint(project)
    assert [line.split(": ", 1)[0] for line in lines] == ["train.py:3", "train.py:5"]
    assert lines[0].startswith("train.py:3: [E7102(categorical-crossentropy-on-single-unit), ] "
                               "categorical_crossentropy over 1 output unit")
    assert "[line 2:27: this layer has 1 unit]" in lines[0]
    assert "(accuracy-" in lines[1] or "E72" in lines[1]
    # The same findings as trainlint check.
    codes = [f["code"] for f in check_json("train.py", cwd=project)]
    assert [f"E7{code[2:]}" for code in codes] == [line.split("[")[1].split("(")[0] for line in lines]


def test_pylint_disable_comments_are_honoured(project):
    text = TWO_FINDINGS.replace('loss="categorical_crossentropy")',
                                'loss="categorical_crossentropy")  # pylint: disable=categorical-crossentropy-on-single-unit')
    (project / "train.py").write_text(text)
    assert [line.split(": ", 1)[0] for line in pylint(project)] == ["train.py:5"]
    (project / "train.py").write_text("# pylint: disable=E7201\n" + TWO_FINDINGS)
    assert [line.split(": ", 1)[0] for line in pylint(project)] == ["train.py:4"]
    assert pylint(project, "--disable=categorical-crossentropy-on-single-unit") == \
        [line for line in pylint(project) if "E7102" not in line]


def test_pylint_reads_tool_trainlint_and_noqa(project):
    (project / "pyproject.toml").write_text('[tool.trainlint]\nignore = ["TL1"]\n')
    assert [line.split("[")[1][:5] for line in pylint(project)] == ["E7201"]
    (project / "pyproject.toml").unlink()
    (project / "train.py").write_text("# trainlint: noqa: TL2\n" + TWO_FINDINGS)
    assert [line.split("[")[1][:5] for line in pylint(project)] == ["E7102"]


def test_pylint_lists_the_messages():
    result = _tool("pylint", "--load-plugins=trainlint.plugin.pylint_plugin", "--list-msgs-enabled", cwd=REPO)
    assert "categorical-crossentropy-on-single-unit (E7102)" in result.stdout
    assert "trainlint-parse-error (E7001)" in result.stdout


# --- dependencies ------------------------------------------------------------------------------------------------

def test_every_required_dependency_is_imported_by_the_default_run():
    """``pip install trainlint`` pulls no package that ``trainlint check`` never imports (astroid is the pylint
    plugin's, in the ``pylint`` extra)."""
    import ast
    import re

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    required = {re.split(r"[<>=!;\[ ]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]}
    modules = {"libcst": "libcst", "pathspec": "pathspec", "tomli": "tomli", "packaging": "packaging"}
    assert required == set(modules), f"a new required dependency: say which module the default run imports: {required}"
    imported = set()
    for path in (REPO / "trainlint").rglob("*.py"):
        if path.parent.name == "plugin" and path.name != "reporters.py":
            continue  # plugins for other tools are not the default run
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert set(modules.values()) <= imported
    assert "astroid" not in imported and "pylint" not in imported
    assert "astroid" in " ".join(project["optional-dependencies"]["pylint"])
