"""What a ruff or flake8 user reaches for, through the real CLI: --output-file, --quiet, colour on a terminal,
configuration keys for the run, rules by name, --show-settings / --show-files, notebooks on stdin and under
--show-source, and the removal of other builds' cache folders."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import FIXTURES, REPO, check_json, drain_terminal, run_trainlint
from trainlint.audit.cache import STALE_AFTER_SECONDS, Cache, code_fingerprint

EXAMPLE = FIXTURES / "examples" / "binary_head_with_categorical_loss.py"
NOTEBOOK = FIXTURES / "notebooks" / "binary_classifier.ipynb"
ESCAPE = "\x1b["


def test_output_file_holds_what_stdout_would(tmp_path):
    printed = run_trainlint("check", "--no-cache", "--output-format", "json", str(EXAMPLE))
    target = tmp_path / "out.json"
    written = run_trainlint("check", "--no-cache", "--output-format", "json", "--output-file", str(target),
                            str(EXAMPLE))
    assert written.returncode == printed.returncode == 1
    assert written.stdout == "" and json.loads(target.read_text()) == json.loads(printed.stdout)
    bad = run_trainlint("check", "--output-file", str(tmp_path / "missing" / "x.txt"), str(EXAMPLE))
    assert bad.returncode == 2 and "cannot write" in bad.stderr


def test_quiet_prints_the_findings_only(tmp_path):
    loud = run_trainlint("check", "--no-cache", str(EXAMPLE))
    quiet = run_trainlint("check", "--no-cache", "-q", str(EXAMPLE))
    assert quiet.returncode == 1 and loud.stdout.startswith(quiet.stdout)
    assert "Found 1 finding" in loud.stdout and "Found" not in quiet.stdout and "TL102" in quiet.stdout
    clean = tmp_path / "clean.py"
    clean.write_text("x = 1\n")
    assert run_trainlint("check", "--quiet", str(clean)).stdout == ""


def _on_a_terminal(*args: str, env: dict | None = None) -> str:
    """The CLI's stdout when stdout is a pseudo-terminal."""
    controller, terminal = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"PYTHONPATH": str(REPO), "TERM": "xterm", **(env or {})})
    process = subprocess.run([sys.executable, "-m", "trainlint", *args], stdout=terminal,
                             stderr=subprocess.PIPE, env=environment, timeout=300)
    drawn = drain_terminal(controller, terminal).decode()
    assert process.returncode in (0, 1), process.stderr
    return drawn


def test_colour_on_a_terminal_and_not_in_a_pipe():
    coloured = _on_a_terminal("check", "--no-cache", "--show-source", str(EXAMPLE))
    assert f"{ESCAPE}1;31mTL102{ESCAPE}0m" in coloured  # the code of an error, bold red
    assert f"{ESCAPE}1m{EXAMPLE}:13:20{ESCAPE}0m" in coloured  # the location, bold
    assert f"{ESCAPE}36m" in coloured  # the related place
    piped = run_trainlint("check", "--no-cache", "--show-source", str(EXAMPLE))
    assert ESCAPE not in piped.stdout
    # The same text once the escapes are taken out (a pty turns \n into \r\n).
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).replace("\r\n", "\n") == piped.stdout


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ((), {"NO_COLOR": "1"}, False),
    ((), {"NO_COLOR": ""}, True),  # empty means unset (no-color.org)
    (("--color", "always"), {"NO_COLOR": "1"}, True),
    (("--color", "never"), {}, False),
    (("--output-format", "json"), {}, False),
])
def test_colour_choices_on_a_terminal(args, env, coloured):
    assert (ESCAPE in _on_a_terminal("check", "--no-cache", *args, str(EXAMPLE), env=env)) == coloured


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ((), {"FORCE_COLOR": "1"}, True),
    ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    (("--color", "always"), {}, True),
    (("--color", "never"), {"FORCE_COLOR": "1"}, False),
])
def test_colour_choices_into_a_pipe(args, env, coloured):
    result = run_trainlint("check", "--no-cache", *args, str(EXAMPLE), env={"NO_COLOR": "", "FORCE_COLOR": "", **env})
    assert (ESCAPE in result.stdout) == coloured


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "examples", root)
    return root


def test_run_settings_from_the_configuration(project):
    (project / "pyproject.toml").write_text(
        '[tool.trainlint]\nextend-ignore = ["TL2"]\njobs = 1\ncache-dir = "build/lint-cache"\n'
        'respect-gitignore = false\n')
    (project / ".gitignore").write_text("text_classifier.py\n")
    assert sorted(f["code"] for f in check_json(".", cwd=project)) == ["TL102"]
    assert (project / "build" / "lint-cache" / code_fingerprint()).is_dir()
    assert not (project / ".trainlint_cache").exists()
    shown = run_trainlint("check", "--show-files", ".", cwd=project).stdout.split()
    assert "text_classifier.py" in " ".join(shown)  # .gitignore not respected, as configured
    shown = run_trainlint("check", "--show-files", "--respect-gitignore", ".", cwd=project).stdout
    assert "text_classifier.py" not in shown
    # A key given on the command line replaces the file's.
    assert sorted(f["code"] for f in check_json(".", cwd=project, extra=("--extend-ignore", "TL1"))) == ["TL201"]


def test_a_bad_run_setting_names_the_key(project):
    (project / "pyproject.toml").write_text('[tool.trainlint]\njobs = 0\n')
    result = run_trainlint("check", ".", cwd=project)
    assert result.returncode == 2 and "jobs: expected a positive integer" in result.stderr


def test_show_settings_names_where_each_setting_came_from(project):
    (project / "pyproject.toml").write_text('[tool.trainlint]\nkeras-version = "2"\nignore = ["TL215"]\n')
    result = run_trainlint("check", "--show-settings", "--select", "TL1", ".", cwd=project)
    assert result.returncode == 0
    lines = {line.split(" = ")[0]: line for line in result.stdout.splitlines() if " = " in line}
    assert lines["select"].split("#")[1].strip() == "command line" and '["TL1"]' in lines["select"]
    assert lines["keras-version"].endswith(f"# {project / 'pyproject.toml'}") and '"2"' in lines["keras-version"]
    assert lines["respect-gitignore"].endswith("# default")
    assert f"# configuration file: {project / 'pyproject.toml'}" in result.stdout


def test_show_files_lists_what_would_be_linted(project):
    (project / "notes.txt").write_text("x")
    result = run_trainlint("check", "--show-files", ".", cwd=project)
    assert result.stdout.split() == ["binary_head_with_categorical_loss.py", "multilabel_accuracy.py",
                                     "text_classifier.py"]


def test_rule_by_name_or_code():
    by_name = run_trainlint("rule", "categorical-crossentropy-on-single-unit")
    assert by_name.returncode == 0 and by_name.stdout == run_trainlint("rule", "tl102").stdout
    assert run_trainlint("rule", "unused-noqa").stdout.startswith("# unused-noqa (TL901)")
    unknown = run_trainlint("rule", "no-such-rule")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_a_notebook_on_stdin_and_under_show_source():
    text = NOTEBOOK.read_text()
    piped = run_trainlint("check", "--no-cache", "--show-source", "--stdin-filename", "explore.ipynb", "-",
                          stdin=text)
    on_disk = run_trainlint("check", "--no-cache", "--show-source", str(NOTEBOOK))
    assert piped.returncode == on_disk.returncode == 1
    assert piped.stdout == on_disk.stdout.replace(str(NOTEBOOK), "explore.ipynb")
    assert piped.stdout.startswith("explore.ipynb:cell 6:3:38: TL102")
    excerpt = piped.stdout.splitlines()[1:4]
    assert excerpt[1].startswith(" 3 | model.compile(") and excerpt[2].strip().startswith("| ") and "^" in excerpt[2]


def test_other_builds_cache_folders_are_removed_once_stale(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    stale, recent = root / ("0" * 16), root / ("1" * 16)
    for folder in (stale, recent):
        (folder / "ab").mkdir(parents=True)
        (folder / "ab" / "entry.json").write_text("{}")
    old = time.time() - STALE_AFTER_SECONDS - 60
    os.utime(stale, (old, old))
    (root / "not-a-build").mkdir()
    os.utime(root / "not-a-build", (old, old))
    cache = Cache.open(root)
    assert cache is not None and cache.folder.name == code_fingerprint()
    assert not stale.exists() and recent.exists() and (root / "not-a-build").exists()


def test_output_file_takes_the_summary_tables_too(tmp_path):
    target = tmp_path / "audit.txt"
    result = run_trainlint("audit", "--no-cache", "--output-file", str(target), str(FIXTURES / "examples"))
    assert result.returncode == 1 and result.stdout == ""
    written = target.read_text()
    assert "TL102" in written and "Audit summary" in written
