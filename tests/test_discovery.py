"""Which files a directory run lints: .gitignore files, default and user excludes, symlink loops, size limits."""

from __future__ import annotations

import os

from tests.conftest import FIXTURES, check_json, run_trainlint
from trainlint.settings import Settings
from trainlint.sources.files import discover_files

FINDING = (FIXTURES / "examples" / "binary_head_with_categorical_loss.py").read_text()


def _tree(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _names(root, respect_gitignore: bool = True, **settings) -> list[str]:
    sources = discover_files([str(root)], Settings(root=str(root), **settings), respect_gitignore=respect_gitignore)
    return [os.path.relpath(source.display, root) for source in sources]


def test_default_excludes_skip_virtual_environments_dependencies_and_build_folders(tmp_path):
    _tree(tmp_path, {name: "" for name in (
        "train.py", "nb/explore.ipynb", "stubs/model.pyi", ".venv/lib/x.py", "venv/x.py",
        "py311/pyvenv.cfg", "py311/lib/x.py", "env/cartpole.py",
        "lib/python3.11/site-packages/keras/x.py", "node_modules/pkg/x.py", "build/lib/x.py", "dist/x.py",
        ".git/hooks/x.py", "__pycache__/x.py", "pkg.egg-info/x.py", ".ipynb_checkpoints/x-checkpoint.ipynb",
        "notes.txt", "data.json")})
    # A virtual environment is known by its pyvenv.cfg, whatever its name; a folder named env is user code
    # (reinforcement learning environments).
    assert _names(tmp_path) == ["env/cartpole.py", "nb/explore.ipynb", "stubs/model.pyi", "train.py"]


def test_gitignore_files_apply_at_every_depth_and_a_deeper_one_wins(tmp_path):
    _tree(tmp_path, {
        ".gitignore": "generated/\n*_pb2.py\nscratch.py\n",
        "src/.gitignore": "!scratch.py\nlocal/\n",
        "train.py": "", "model_pb2.py": "", "generated/x.py": "", "scratch.py": "",
        "src/scratch.py": "", "src/local/x.py": "", "src/deep/model_pb2.py": "", "src/deep/ok.py": ""})
    assert _names(tmp_path) == ["src/deep/ok.py", "src/scratch.py", "train.py"]
    assert len(_names(tmp_path, respect_gitignore=False)) == 8


def test_a_gitignore_above_the_linted_folder_applies_inside_a_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    _tree(tmp_path, {".gitignore": "experiments/old/\n", "experiments/old/x.py": "", "experiments/new.py": ""})
    assert _names(tmp_path / "experiments") == ["new.py"]


def test_exclude_replaces_the_defaults_and_extend_exclude_adds_to_them(tmp_path):
    _tree(tmp_path, {"train.py": "", "build/x.py": "", "legacy/x.py": "", "tests/test_x.py": ""})
    assert _names(tmp_path) == ["legacy/x.py", "tests/test_x.py", "train.py"]
    assert _names(tmp_path, extend_exclude=("legacy", "test_*.py")) == ["train.py"]
    assert _names(tmp_path, exclude=("legacy/",)) == ["build/x.py", "tests/test_x.py", "train.py"]


def test_exclude_options_on_the_command_line(tmp_path):
    _tree(tmp_path, {"a/train.py": FINDING, "b/train.py": FINDING, "build/train.py": FINDING})
    assert {f["filename"] for f in check_json(tmp_path, extra=("--no-cache",))} == {
        str(tmp_path / "a/train.py"), str(tmp_path / "b/train.py")}
    assert {f["filename"] for f in check_json(tmp_path, extra=("--no-cache", "--extend-exclude", "a,c"))} == {
        str(tmp_path / "b/train.py")}
    assert len(check_json(tmp_path, extra=("--no-cache", "--exclude", "a"))) == 2  # build/ is linted now


def test_a_file_named_on_the_command_line_is_linted_even_where_excluded(tmp_path):
    _tree(tmp_path, {"build/train.py": FINDING})
    assert [f["code"] for f in check_json(tmp_path / "build/train.py", extra=("--no-cache",))] == ["TL102"]


def test_symlink_loops_are_not_followed_and_linked_folders_count_once(tmp_path):
    _tree(tmp_path, {"project/train.py": FINDING, "outside/model.py": ""})
    os.symlink(tmp_path / "project", tmp_path / "project" / "loop")
    os.symlink(tmp_path / "outside", tmp_path / "project" / "linked")
    os.symlink(tmp_path / "project" / "linked", tmp_path / "project" / "linked_again")
    assert _names(tmp_path / "project") == ["linked/model.py", "train.py"]
    [finding] = check_json(tmp_path / "project", extra=("--no-cache",))
    assert finding["code"] == "TL102"


def test_a_file_over_the_size_limit_is_reported_and_skipped_without_reading_it(tmp_path):
    _tree(tmp_path, {"big.py": FINDING + "#" * 2_000_000, "train.py": FINDING})
    findings = check_json(tmp_path, extra=("--no-cache", "--max-file-size", "1"))
    assert [(os.path.basename(f["filename"]), f["code"]) for f in findings] == [("big.py", "TL001"), ("train.py", "TL102")]
    assert "over the 1 MB limit" in findings[0]["message"]


def test_a_missing_path_is_a_usage_error():
    result = run_trainlint("check", "no/such/folder")
    assert result.returncode == 2 and "no such file or directory" in result.stderr
