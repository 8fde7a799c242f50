"""The README says what is true today: its sample outputs are what the commands print, and its pre-commit
snippet names a ref that exists (or says plainly that a commit SHA must be pinned)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CONSOLE = re.compile(r"```console\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)```", re.S)
SAMPLES = [(m.group("command"), m.group("output")) for m in CONSOLE.finditer(README)]


def test_the_readme_has_samples():
    assert len(SAMPLES) >= 3


@pytest.mark.parametrize(("command", "output"), SAMPLES, ids=[command[:60] for command, _ in SAMPLES])
def test_each_sample_output_is_what_the_command_prints(command, output):
    tool, *args = shlex.split(command)
    assert tool in ("trainlint", "pylint"), command
    if tool == "trainlint":
        args = [args[0], "--no-cache", *args[1:]]  # the same output, without writing a cache into the checkout
    environment = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", tool, *args], cwd=REPO, capture_output=True, text=True,
                            env=environment, timeout=300)
    assert result.stdout == output, result.stderr


def test_the_pre_commit_snippet_names_a_ref_that_exists():
    snippet = README.split("```yaml\nrepos:\n", 1)[1].split("```", 1)[0]
    rev = re.search(r"rev: (?P<rev>[^\n#]+?)\s*(?:#|\n)", snippet).group("rev")
    if rev == "<commit SHA>":
        assert "no release tag" in snippet and "pin a full commit SHA" in snippet
        return
    tags = subprocess.run(["git", "tag", "--list", rev], cwd=REPO, capture_output=True, text=True).stdout.split()
    assert tags == [rev] or re.fullmatch(r"[0-9a-f]{40}", rev), f"rev {rev!r} names nothing this repository carries"
