"""``[tool.trainlint]``, command-line selection and ``# noqa``, through the real CLI."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_trainlint
from tests.expectations import expected_reports

INTEGRATIONS = FIXTURES / "integrations"


@pytest.fixture
def project(tmp_path) -> Path:
    """A project holding two training scripts, one in a ``legacy/`` folder, and no configuration yet."""
    shutil.copy(INTEGRATIONS / "mixed_findings.py", tmp_path / "train.py")
    (tmp_path / "legacy").mkdir()
    shutil.copy(INTEGRATIONS / "buggy_training.py", tmp_path / "legacy" / "old_train.py")
    return tmp_path


def configure(project: Path, table: str) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.trainlint]\n' + textwrap.dedent(table), encoding="utf-8")


def reported(project: Path, *args: str, cwd: Path | None = None) -> set[tuple[str, str]]:
    result = run_trainlint("check", "--output-format", "json", *args, cwd=cwd or project)
    assert result.returncode in (0, 1), result.stderr
    return {(Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(result.stdout)}


EVERYTHING = {("train.py", "TL201"), ("train.py", "TL111"), ("legacy/old_train.py", "TL102")}


def test_without_configuration_everything_is_reported(project):
    assert reported(project, "train.py", "legacy") == EVERYTHING


def test_select_and_ignore_from_pyproject(project):
    configure(project, 'select = ["TL1"]\nignore = ["TL102"]\n')
    assert reported(project, "train.py", "legacy/old_train.py") == {("train.py", "TL111")}


def test_extend_select_adds_to_select(project):
    configure(project, 'select = ["TL102"]\nextend-select = ["TL2"]\n')
    assert reported(project, "train.py", "legacy/old_train.py") == {
        ("train.py", "TL201"), ("legacy/old_train.py", "TL102")}


def test_per_file_ignores_and_exclude(project):
    configure(project, 'per-file-ignores = { "train.py" = ["TL2"] }\nexclude = ["legacy"]\n')
    assert reported(project, ".") == {("train.py", "TL111")}
    # pre-commit names files one by one: exclude holds for them too.
    assert reported(project, "train.py", "legacy/old_train.py") == {("train.py", "TL111")}


def test_exclude_replaces_the_built_in_excludes_and_extend_exclude_adds_to_them(project):
    (project / "build").mkdir()
    shutil.copy(INTEGRATIONS / "buggy_training.py", project / "build" / "generated.py")
    configure(project, 'extend-exclude = ["legacy"]\n')
    assert {name for name, _ in reported(project, ".")} == {"train.py"}
    configure(project, 'exclude = ["legacy"]\n')
    assert {name for name, _ in reported(project, ".")} == {"train.py", "build/generated.py"}
    assert {name for name, _ in reported(project, ".", "--extend-exclude", "train.py")} == {"build/generated.py"}


def test_configuration_is_found_by_walking_up_from_the_checked_path(project, tmp_path_factory):
    configure(project, 'ignore = ["TL1"]\n')
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    findings = reported(project, str(project / "train.py"), cwd=elsewhere)
    assert {code for _, code in findings} == {"TL201"}


def test_the_command_line_wins(project):
    configure(project, 'select = ["TL1"]\nkeras-version = "legacy"\n')
    assert {code for _, code in reported(project, "train.py")} == {"TL111"}
    # Under legacy Keras (from the file) 'accuracy' beside binary crossentropy is binary_accuracy: no TL201.
    assert reported(project, "train.py", "--select", "TL2") == set()
    assert reported(project, "train.py", "--select", "TL2", "--keras-version", "3") == {("train.py", "TL201")}


def test_explicit_config_file(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("shared-config") / "pyproject.toml"
    other.write_text('[tool.trainlint]\nselect = ["TL102"]\n', encoding="utf-8")
    assert reported(project, ".", "--config", str(other)) == {("legacy/old_train.py", "TL102")}


@pytest.mark.parametrize(("table", "key", "says"), [
    ('selct = ["TL1"]\n', "selct", "did you mean 'select'"),
    ('select = "TL1"\n', "select", "expected a list of strings"),
    ('ignore = ["E501"]\n', "ignore", "not a trainlint code"),
    ('extend-select = ["TL999"]\n', "extend-select", "matches no rule"),
    ('keras-version = "4"\n', "keras-version", "expected one of"),
    ('per-file-ignores = ["tests/*"]\n', "per-file-ignores", "expected a table"),
    ('per-file-ignores = { "tests/*" = "TL1" }\n', "per-file-ignores", "'tests/*'"),
    ('exclude = [1]\n', "exclude", "expected a list of strings"),
    ('extend-exclude = [""]\n', "extend-exclude", "empty pattern"),
])
def test_malformed_configuration_exits_2_naming_the_file_and_the_key(project, table, key, says):
    configure(project, table)
    result = run_trainlint("check", "train.py", cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert str(project / "pyproject.toml") in message and key in message and says in message, message
    assert "Traceback" not in result.stderr


def test_invalid_toml_exits_2_naming_the_file(project):
    (project / "pyproject.toml").write_text("[tool.trainlint\nselect = [", encoding="utf-8")
    result = run_trainlint("check", "train.py", cwd=project)
    assert result.returncode == 2 and "pyproject.toml: not valid TOML" in result.stderr, result.stderr


def test_a_pyproject_without_the_table_is_passed_over(project):
    (project / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n', encoding="utf-8")
    inner = project / "legacy"
    (inner / "pyproject.toml").write_text('[tool.other]\nx = 1\n', encoding="utf-8")
    assert reported(project, "train.py", "legacy/old_train.py") == EVERYTHING


def test_bad_command_line_codes_exit_2(project):
    result = run_trainlint("check", "--select", "TL8", "train.py", cwd=project)
    assert result.returncode == 2 and "TL8" in result.stderr


def test_noqa_on_the_reported_line_is_honoured_by_the_cli():
    path = INTEGRATIONS / "suppressions.py"
    result = run_trainlint("check", "--output-format", "json", str(path))
    seen = {(f["line"], f["code"]) for f in json.loads(result.stdout)}
    assert seen == expected_reports(path)


@pytest.mark.parametrize("name", ["mixed_findings.py", "clean_training.py", "buggy_training.py"])
def test_cli_reports_exactly_the_expected_lines(name):
    path = INTEGRATIONS / name
    result = run_trainlint("check", "--output-format", "json", str(path))
    seen = {(f["line"], f["code"]) for f in json.loads(result.stdout)}
    assert seen == (expected_reports(path) if name != "buggy_training.py" else {(6, "TL102")})


def test_per_file_ignores_and_exclude_flags(project):
    assert reported(project, ".", "--exclude", "legacy") == {("train.py", "TL201"), ("train.py", "TL111")}
    assert reported(project, ".", "--per-file-ignores", "train.py:TL2 legacy/*:TL102") == {("train.py", "TL111")}
    configure(project, 'exclude = ["train.py"]\n')
    # The flag replaces the file's exclude.
    assert reported(project, ".", "--exclude", "legacy") == {("train.py", "TL201"), ("train.py", "TL111")}
    bad = run_trainlint("check", "--per-file-ignores", "train.py", ".", cwd=project)
    assert bad.returncode == 2 and "GLOB:CODES" in bad.stderr


def test_a_missing_config_file_exits_2(project):
    result = run_trainlint("check", "--config", "nowhere.toml", ".", cwd=project)
    assert result.returncode == 2 and "nowhere.toml" in result.stderr and "Traceback" not in result.stderr
