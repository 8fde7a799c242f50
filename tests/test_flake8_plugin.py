"""The flake8 plugin, through real flake8: codes, positions, ``# noqa``, selection and options are flake8's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO
from tests.expectations import expected_reports

INTEGRATIONS = FIXTURES / "integrations"
FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+\d+) (?P<message>.*)$")


def flake8(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    # --isolated: no user or project flake8 configuration may change what the test sees.
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, capture_output=True,
                          text=True, env=environment, timeout=300)


def reports(output: str) -> list[dict]:
    parsed = []
    for line in output.splitlines():
        match = FLAKE8_LINE.match(line)
        assert match, f"not a flake8 line: {line!r}"
        parsed.append(match.groupdict())
    return parsed


def test_plugin_is_registered_under_the_tl_prefix():
    result = flake8("--version")
    assert result.returncode == 0, result.stderr
    assert re.search(r"trainlint: \d+\.\d+", result.stdout), result.stdout


@pytest.mark.parametrize("name", ["suppressions.py", "mixed_findings.py", "clean_training.py",
                                  "torch_training.py"])
def test_flake8_reports_exactly_the_expected_lines(name):
    path = INTEGRATIONS / name
    result = flake8("--select", "TL", str(path))
    assert result.returncode == (1 if expected_reports(path) else 0), result.stderr
    seen = {(int(report["line"]), report["code"]) for report in reports(result.stdout)}
    assert seen == expected_reports(path)


def test_positions_are_flake8s_one_based_line_and_column(tmp_path):
    # flake8 prints column + 1 of what a plugin yields; the CLI prints 1-based columns: they must agree.
    path = INTEGRATIONS / "buggy_training.py"
    [report] = reports(flake8("--select", "TL", str(path)).stdout)
    assert (report["line"], report["column"], report["code"]) == ("6", "38", "TL102")
    line = path.read_text().splitlines()[5]
    assert line[37:].startswith('"categorical_crossentropy"')
    assert report["message"].startswith("categorical_crossentropy over 1 output unit is identically 0")


def test_noqa_is_flake8s_own_and_can_be_disabled():
    path = INTEGRATIONS / "suppressions.py"
    result = flake8("--select", "TL", "--disable-noqa", str(path))
    assert len(reports(result.stdout)) == 5


def test_extend_ignore_and_per_file_ignores_silence_the_plugin():
    path = INTEGRATIONS / "mixed_findings.py"
    ignored = flake8("--select", "TL", "--extend-ignore", "TL2", str(path))
    assert [r["code"] for r in reports(ignored.stdout)] == ["TL111"]
    per_file = flake8("--select", "TL", "--per-file-ignores", "mixed_findings.py:TL1", str(path))
    assert [r["code"] for r in reports(per_file.stdout)] == ["TL201"]


def test_keras_version_option_changes_the_semantics(tmp_path):
    # Under Keras <= 2.3, 'accuracy' beside binary crossentropy resolves to binary_accuracy (TL202).
    source = tmp_path / "legacy.py"
    source.write_text(
        "from keras.models import Sequential\n"
        "from keras.layers import Dense\n"
        "model = Sequential([Dense(64, activation='relu'), Dense(3, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n"
    )
    modern = {r["code"] for r in reports(flake8("--select", "TL", str(source)).stdout)}
    legacy = {r["code"] for r in reports(
        flake8("--select", "TL", "--trainlint-keras-version", "legacy", str(source)).stdout)}
    assert "TL202" not in modern and "TL202" in legacy
    config = tmp_path / "setup.cfg"
    config.write_text("[flake8]\ntrainlint-keras-version = legacy\n")
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    from_config = subprocess.run([sys.executable, "-m", "flake8", "--select", "TL", "legacy.py"], cwd=tmp_path,
                                 capture_output=True, text=True, env=environment, timeout=300)
    assert "TL202" in from_config.stdout, from_config.stderr


def test_files_without_keras_are_not_parsed(monkeypatch):
    from trainlint.plugin import flake8_plugin

    def must_not_run(*args, **kwargs):
        raise AssertionError("a file without Keras reached the analyzer")

    monkeypatch.setattr(flake8_plugin, "check_source", must_not_run)
    lines = ["import re\n", "pattern = re.compile('x')\n"]
    assert list(flake8_plugin.TrainlintChecker(None, "plain.py", lines).run()) == []
    result = flake8("--select", "TL", str(REPO / "trainlint" / "settings.py"))
    assert result.returncode == 0 and result.stdout == ""


def test_flake8_owns_the_output_format():
    path = INTEGRATIONS / "buggy_training.py"
    result = flake8("--select", "TL", "--format", "%(code)s|%(row)d|%(col)d|%(text)s", str(path))
    code, row, column, text = result.stdout.strip().split("|", 3)
    assert (code, row, column) == ("TL102", "6", "38")
    assert text.startswith("categorical_crossentropy over 1 output unit") and "TL102" not in text
