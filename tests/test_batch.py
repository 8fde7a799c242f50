"""Batch runs: the same output whatever the job count, a cache that makes a second run parse nothing, progress."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, REPO, drain_terminal, run_trainlint
from trainlint.audit.batch import lint_sources
from trainlint.audit.cache import Cache
from trainlint.audit.progress import PROGRESS_MIN_FILES
from trainlint.settings import Settings
from trainlint.sources.files import discover_files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three "repositories" of fixture files, notebooks and plain Python: enough files for a process pool."""
    root = tmp_path_factory.mktemp("corpus")
    for repository in ("alpha", "beta", "gamma"):
        shutil.copytree(FIXTURES / "core", root / repository / "core")
        shutil.copytree(FIXTURES / "notebooks", root / repository / "notebooks")
        (root / repository / "util.py").write_text("def add(a, b):\n    return a + b\n")
    return root


def _count(summary: str, label: str) -> int:
    [value] = re.findall(rf"^{label} +(\d+)$", summary, re.M)
    return int(value)


def _files(root) -> int:
    return len(discover_files([str(root)]))


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_two_jobs_and_one_job_print_the_same(corpus, output_format):
    assert _files(corpus) > 40
    one = run_trainlint("check", "--no-cache", "--jobs", "1", "--output-format", output_format, str(corpus))
    two = run_trainlint("check", "--no-cache", "--jobs", "2", "--output-format", output_format, str(corpus))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert one.stdout.count("TL102") >= 6


def test_a_second_run_over_an_unchanged_tree_parses_nothing(corpus, tmp_path):
    cache = ("--cache-dir", str(tmp_path / "cache"))
    cold = run_trainlint("audit", "--jobs", "2", *cache, str(corpus))
    warm = run_trainlint("audit", "--jobs", "2", *cache, str(corpus))
    assert cold.returncode == warm.returncode == 1
    assert _count(cold.stdout, "files parsed") > 30 and _count(cold.stdout, "results from cache") == 0
    assert _count(warm.stdout, "files parsed") == 0
    assert _count(warm.stdout, "results from cache") >= _count(cold.stdout, "files parsed")
    # Findings and every count but the parse counters read the same from the cache.
    changed = {"files parsed", "results from cache"}
    strip = lambda text: [line for line in text.splitlines() if not any(line.startswith(c) for c in changed)]
    assert strip(warm.stdout) == strip(cold.stdout)
    assert (tmp_path / "cache" / "CACHEDIR.TAG").exists()


def test_the_cache_reparses_exactly_what_changed(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        shutil.copy(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", tmp_path / name)
    sources = discover_files([str(tmp_path)])
    cache = Cache.open(tmp_path / "cache")

    def parsed(settings=Settings()) -> tuple[int, int]:
        results = lint_sources(sources, settings, jobs=1, cache=cache)
        return sum(r.stats.parsed for r in results), sum(r.cached for r in results)

    assert parsed() == (3, 0)
    assert parsed() == (0, 3)
    (tmp_path / "b.py").write_text((tmp_path / "b.py").read_text() + "\n# edited\n")
    assert parsed() == (1, 2)
    assert parsed(Settings(keras_version="2")) == (3, 0)  # other settings, other entries
    assert parsed() == (0, 3)


def test_a_damaged_cache_entry_is_a_miss_not_an_error(tmp_path):
    shutil.copy(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", tmp_path / "a.py")
    cache = Cache.open(tmp_path / "cache")
    sources = discover_files([str(tmp_path / "a.py")])
    [first] = lint_sources(sources, Settings(), cache=cache)
    for entry in cache.folder.rglob("*.json"):
        entry.write_text("{not json")
    [again] = lint_sources(sources, Settings(), cache=cache)
    assert (again.stats.parsed, again.findings) == (1, first.findings)


def test_no_cache_writes_nothing(tmp_path):
    shutil.copy(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", tmp_path / "a.py")
    result = run_trainlint("check", "--no-cache", "a.py", cwd=tmp_path)
    assert result.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_the_default_cache_is_in_the_current_folder(tmp_path):
    shutil.copy(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", tmp_path / "a.py")
    assert run_trainlint("check", "a.py", cwd=tmp_path).returncode == 1
    assert (tmp_path / ".trainlint_cache" / ".gitignore").read_text() == "*\n"


def _many_files(root) -> None:
    for index in range(PROGRESS_MIN_FILES + 10):
        (root / f"module_{index:03}.py").write_text(f"VALUE = {index}\n")


def test_progress_is_drawn_on_a_terminal(tmp_path):
    _many_files(tmp_path)
    controller, terminal = pty.openpty()
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.run([sys.executable, "-m", "trainlint", "check", "--no-cache", "--jobs", "1", str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=terminal, env=environment, timeout=120)
    drawn = drain_terminal(controller, terminal)
    assert process.returncode == 0
    assert f"{PROGRESS_MIN_FILES + 10}/{PROGRESS_MIN_FILES + 10} files".encode() in drawn
    assert drawn.startswith(b"\rtrainlint [") and drawn.endswith(b"\r\x1b[K")
    assert b"progress" not in process.stdout and b"trainlint [" not in process.stdout


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path):
    _many_files(tmp_path)
    result = run_trainlint("check", "--no-cache", str(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("text", [
    "import keras\nmodel.compile(loss='mse')\n", "import re\nPATTERN = re.compile('x')\n",
    "from tensorflow.keras import optimizers\nopt = optimizers.Adam(lr=0.1)\n", "import tensorflow as tf\n",
    "# compile keras\n", "", "KERAS = 1\ncompile = 2\n", "tf.keras.Model.compile",
])
def test_the_byte_pre_filter_agrees_with_the_text_one(text):
    from trainlint.engine import might_have_findings
    from trainlint.sources.files import might_have_findings_in_bytes

    assert might_have_findings_in_bytes(text.encode()) == might_have_findings(text)


def test_a_cached_run_does_not_even_import_the_parser(corpus, tmp_path):
    cache = ("--cache-dir", str(tmp_path / "cache"))
    assert run_trainlint("check", "--jobs", "1", *cache, str(corpus)).returncode == 1
    warm = subprocess.run([sys.executable, "-X", "importtime", "-m", "trainlint", "check", "--jobs", "1", *cache,
                           str(corpus)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert warm.returncode == 1
    imported = {line.rsplit("|", 1)[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time")}
    assert "trainlint.cli" in imported
    assert "libcst" not in imported and "trainlint.engine" not in imported


def test_show_source_reads_the_same_from_the_cache(tmp_path):
    shutil.copy(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", tmp_path / "a.py")
    cold = run_trainlint("check", "--show-source", "a.py", cwd=tmp_path)
    warm = run_trainlint("check", "--show-source", "a.py", cwd=tmp_path)
    assert " | " in cold.stdout and "^" in cold.stdout
    assert warm.stdout == cold.stdout


def test_a_cached_result_is_stale_when_a_project_module_it_imports_changes(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "projects" / "text_classification", project)
    cache = ("--cache-dir", str(tmp_path / "cache"))
    assert run_trainlint("check", *cache, str(project)).returncode == 0
    assert run_trainlint("check", *cache, str(project)).returncode == 0
    # The head now stays a softmax for two classes: train.py, unchanged, must be analysed again.
    helper = project / "build_model.py"
    helper.write_text(helper.read_text().replace('activation = "sigmoid"\n        units = 1',
                                                 'activation = "softmax"\n        units = 2'))
    stale = run_trainlint("check", "--output-format", "json", *cache, str(project))
    fresh = run_trainlint("check", "--output-format", "json", "--no-cache", str(project))
    assert fresh.returncode == 1 and "TL111" in fresh.stdout
    assert stale.stdout == fresh.stdout


@pytest.mark.parametrize("text", [
    "import re\nPATTERN = re.compile('x')\n", "model.compile(loss='mse')\n", "build().compile(loss='mse')\n",
    "regex.compile('a')\n", "m . compile (\n", "print('compile')\n", "x.compiled(1)\n",
])
def test_the_byte_compile_check_agrees_with_the_text_one(text):
    from trainlint.engine import compiles_something
    from trainlint.sources.files import compiles_something_in_bytes

    assert compiles_something_in_bytes(text.encode()) == compiles_something(text)


def test_files_the_pre_filter_ruled_out_are_not_read_again_until_they_change(tmp_path, monkeypatch):
    from trainlint.audit import batch
    from trainlint.audit.cache import Cache
    from trainlint.sources.files import discover_files
    from trainlint.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "util.py").write_text("import json\n\ndef load(path):\n    return json.load(open(path))\n")
    (corpus / "train.py").write_text(
        "import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
        "model.compile(loss='binary_crossentropy')\n")
    cache = Cache.open(tmp_path / "cache")
    sources = discover_files([str(corpus)])
    first = batch.lint_sources(sources, Settings(), cache=cache)
    assert [r.plain for r in first] == [False, True]  # train.py, util.py (sorted)

    read = []
    real = batch.read_source
    monkeypatch.setattr(batch, "read_source", lambda source, settings: read.append(source.display) or real(
        source, settings))
    second = batch.lint_sources(sources, Settings(), cache=cache)
    assert read == [str(corpus / "train.py")]  # util.py is known by its stat and not read
    assert [len(r.findings) for r in second] == [len(r.findings) for r in first] == [1, 0]

    (corpus / "util.py").write_text("import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
                                    "model.compile(loss='binary_crossentropy')\n")
    read.clear()
    third = batch.lint_sources(sources, Settings(), cache=cache)
    assert sorted(read) == sorted([str(corpus / "train.py"), str(corpus / "util.py")])
    assert [len(r.findings) for r in third] == [1, 1]
