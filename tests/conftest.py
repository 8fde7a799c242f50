"""Shared test helpers: run the real CLI in a subprocess, lint snippets in-process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def run_trainlint(*args: str, cwd: Path | None = None, stdin: str | None = None,
                  env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m trainlint ARGS`` against this checkout (not whatever copy is installed)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "trainlint", *args], cwd=cwd or REPO, input=stdin,
                          capture_output=True, text=True, env=environment, timeout=300)


def check_json(*paths: str | Path, extra: tuple[str, ...] = (), cwd: Path | None = None) -> list[dict]:
    result = run_trainlint("check", "--output-format", "json", *extra, *map(str, paths), cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    findings = json.loads(result.stdout)
    assert (result.returncode == 1) == bool(findings)
    return findings


def lint(code: str, keras_version: str = "3", filename: str = "snippet.py"):
    from trainlint.engine import lint_text
    from trainlint.settings import Settings

    return lint_text(textwrap.dedent(code), filename, Settings(keras_version=keras_version)).findings


def codes(code: str, keras_version: str = "3") -> list[str]:
    return [finding.code for finding in lint(code, keras_version)]


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def expected(path: Path) -> set[tuple[int, str]]:
    """``(line, code)`` pairs a fixture announces with ``# expect: CODE`` comments (bugbear's convention)."""
    found = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group(1).split(",") if code.strip())
    return found


def findings_by_file(directory: Path) -> dict[str, list[dict]]:
    """One CLI run over a fixture folder, its JSON findings grouped by file name."""
    by_file: dict[str, list[dict]] = {}
    for finding in check_json(directory):
        by_file.setdefault(Path(finding["filename"]).name, []).append(finding)
    return by_file


def reported(findings: dict[str, list[dict]], fixture: Path) -> set[tuple[int, str]]:
    """``(line, code)`` of what the run reported for one fixture, to compare with :func:`expected`."""
    return {(f["line"], f["code"]) for f in findings.get(fixture.name, [])}


def drain_terminal(controller: int, terminal: int) -> bytes:
    """Close our side of a pty the child wrote to, and read everything it drew."""
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal is closed and drained
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    return drawn
