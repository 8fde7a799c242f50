"""The pre-commit hook, through real pre-commit: the manifest validates, and the hook built from a clone of
this checkout fails a commit with a buggy training script and passes a clean one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

INTEGRATIONS = FIXTURES / "integrations"
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "trainlint tests", "GIT_AUTHOR_EMAIL": "tests@trainlint.invalid",
                "GIT_COMMITTER_NAME": "trainlint tests", "GIT_COMMITTER_EMAIL": "tests@trainlint.invalid"}


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                            cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_IDENTITY},
                            timeout=120, check=True)
    return result.stdout


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One hook store for the session, so that the hook's virtualenv is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding this checkout's files (its uncommitted changes too), and its commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    destination = tmp_path_factory.mktemp("hook-repository")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "trainlint under test", cwd=destination)
    return destination, git("rev-parse", "HEAD", cwd=destination).strip()


@pytest.fixture
def user_repository(tmp_path) -> Path:
    """A user's project: a git repository holding the integration fixtures."""
    for name in ("buggy_training.py", "clean_training.py", "torch_training.py"):
        shutil.copy(INTEGRATIONS / name, tmp_path / name)
    shutil.copy(FIXTURES / "notebooks" / "torch_fashion_mnist.ipynb", tmp_path / "torch_fashion_mnist.ipynb")
    (tmp_path / "notes.txt").write_text("model.compile(loss='categorical_crossentropy') in keras\n")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    return tmp_path


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    environment.pop("PYTHONPATH", None)  # the hook must run the trainlint that pre-commit installed
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=500)


def test_manifest_validates(pre_commit_home):
    result = pre_commit("validate-manifest", str(REPO / ".pre-commit-hooks.yaml"), cwd=REPO, home=pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr


def test_try_repo_fails_on_a_buggy_file_and_passes_a_clean_one(hook_repository, user_repository, pre_commit_home):
    repository, _ = hook_repository
    buggy = pre_commit("try-repo", str(repository), "trainlint", "--files", "buggy_training.py",
                       cwd=user_repository, home=pre_commit_home)
    assert buggy.returncode == 1, buggy.stdout + buggy.stderr
    assert "buggy_training.py:6:38: TL102 categorical_crossentropy over 1 output unit" in buggy.stdout
    clean = pre_commit("try-repo", str(repository), "trainlint", "--files", "clean_training.py",
                       cwd=user_repository, home=pre_commit_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


def test_hook_in_a_real_config_runs_on_python_files_only(hook_repository, user_repository, pre_commit_home):
    repository, revision = hook_repository
    (user_repository / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repository}\n  rev: {revision}\n  hooks:\n  - id: trainlint\n")
    git("add", "-A", cwd=user_repository)
    text_only = pre_commit("run", "--files", "notes.txt", cwd=user_repository, home=pre_commit_home)
    assert text_only.returncode == 0 and "no files to check" in text_only.stdout, text_only.stdout
    everything = pre_commit("run", "--all-files", cwd=user_repository, home=pre_commit_home)
    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert "buggy_training.py:6:38: TL102" in everything.stdout
    assert "clean_training.py" not in everything.stdout
    assert "torch_training.py:14:16: TL131" in everything.stdout
    assert "torch_training.py:23" not in everything.stdout  # # noqa: TL132
    assert "torch_fashion_mnist.ipynb:cell 4:6:5: TL131" in everything.stdout
    # The hook honours the project's own configuration, as the CLI does.
    (user_repository / "pyproject.toml").write_text('[tool.trainlint]\nignore = ["TL102", "TL131"]\n')
    git("add", "-A", cwd=user_repository)
    configured = pre_commit("run", "--all-files", cwd=user_repository, home=pre_commit_home)
    assert configured.returncode == 0, configured.stdout + configured.stderr
