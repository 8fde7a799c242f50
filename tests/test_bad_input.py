"""Bad input never ends the run: each bad file gets one diagnostic and every other file is still linted."""

from __future__ import annotations

import faulthandler
import json
import os
import shutil
import signal

import pytest

from tests.conftest import FIXTURES, run_trainlint
from trainlint.audit.batch import lint_sources
from trainlint.lint_rules.degenerate_head import CategoricalCrossentropyOnSingleUnit
from trainlint.settings import Settings
from trainlint.sources.files import discover_files

FINDING = (FIXTURES / "examples" / "binary_head_with_categorical_loss.py").read_bytes()
FINDING_AT = (13, 20)  # where TL102 points in that file

# Every bad file mentions keras and compile(, so the pre-filter lets it through to decoding and parsing.
BAD_FILES = {
    "syntax_error.py": (b"import keras\nmodel.compile(loss='mse'\nprint('done')\n", "syntax error"),
    "python2.py": (b"import keras\nprint 'training'\nmodel.compile(loss='mse')\n", "looks like Python 2"),
    "undecodable_header.py": (b"# r\xe9seau\nimport keras\nmodel.compile(loss='mse')\n", "cannot decode the file"),
    "undecodable.py": (b"import keras\n\n\nname = 'r\xe9seau'\nmodel.compile(loss='mse')\n",
                       "cannot decode the file as utf-8: byte 0xe9"),
    "latin1_cookie_wrong.py": (b"# -*- coding: klingon -*-\nimport keras\nmodel.compile()\n", "cannot decode"),
    "nul_bytes.py": (b"import keras\x00\nmodel.compile(loss='mse')\n", "NUL bytes"),
    "deep_brackets.py": (b"import keras\nmodel.compile(loss=" + b"(" * 5000 + b"1" + b")" * 5000 + b")\n",
                         "nest too deeply"),
    "deep_unary.py": (b"import keras\nmodel.compile(loss=" + b"-" * 100_000 + b"1)\n", "nest too deeply"),
    "deep_chain.py": (b"import keras\nmodel.compile(loss=x" + b".a" * 20_000 + b")\n", "nest too deeply"),
}


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    for name, (data, _) in BAD_FILES.items():
        (root / name).write_bytes(data)
    (root / "empty.py").write_bytes(b"")
    (root / "bom.py").write_bytes(b"\xef\xbb\xbf" + FINDING)
    (root / "crlf.py").write_bytes(FINDING.replace(b"\n", b"\r\n"))
    (root / "train.py").write_bytes(FINDING)
    with open(root / "generated_50mb.py", "wb") as out:  # a generated file: valid, keras, and far too large
        out.write(FINDING)
        line = b"WEIGHTS.append([0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0])  # generated\n"
        out.write(line * (50_000_000 // len(line) + 1))
    return root


def _by_file(findings: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for finding in findings:
        grouped.setdefault(os.path.basename(finding["filename"]), []).append(finding)
    return grouped


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_bad_file_gets_one_diagnostic_and_the_others_are_linted(bad_tree, jobs):
    result = run_trainlint("check", "--no-cache", "--jobs", jobs, "--output-format", "json", str(bad_tree))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    found = _by_file(json.loads(result.stdout))
    for name, (_, message) in BAD_FILES.items():
        [diagnostic] = found.pop(name)
        assert (diagnostic["code"], diagnostic["kind"]) == ("TL001", "parse-error"), name
        assert message in diagnostic["message"], (name, diagnostic["message"])
    [too_large] = found.pop("generated_50mb.py")
    assert too_large["code"] == "TL001" and "over the 10 MB limit" in too_large["message"]
    # Valid files are linted normally: a BOM and CRLF line ends change nothing, not even the position.
    for name in ("train.py", "bom.py", "crlf.py"):
        [finding] = found.pop(name)
        assert (finding["code"], finding["line"], finding["column"]) == ("TL102", *FINDING_AT), name
    assert found == {}  # the empty file is valid and clean


def test_diagnostics_point_at_the_bad_line(bad_tree):
    result = run_trainlint("check", "--no-cache", *(str(bad_tree / name) for name in (
        "syntax_error.py", "python2.py", "undecodable.py")))
    assert f"{bad_tree / 'undecodable.py'}:4:1: TL001 cannot decode" in result.stdout
    assert f"{bad_tree / 'syntax_error.py'}:2:14: TL001 syntax error" in result.stdout
    assert f"{bad_tree / 'python2.py'}:2:1: TL001 syntax error" in result.stdout


def _broken_on(marker: str, failure):
    original = CategoricalCrossentropyOnSingleUnit.check

    def check(self, setup, context):
        if marker in setup.compile_at.unit:
            failure()
        return original(self, setup, context)

    return check


def _raise():
    raise KeyError("no such head")


def _write_tree(root, names: list[str]) -> None:
    for name in names:
        (root / name).write_bytes(FINDING)


def test_an_internal_error_in_one_rule_on_one_file_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(CategoricalCrossentropyOnSingleUnit, "check", _broken_on("/broken.py", _raise))
    _write_tree(tmp_path, ["a.py", "broken.py", "c.py"])
    results = lint_sources(discover_files([str(tmp_path)]), Settings(), jobs=1)
    found = {os.path.basename(r.filename): [(f.code, f.message) for f in r.findings] for r in results}
    assert found["a.py"] == found["c.py"] == [("TL102", found["a.py"][0][1])]
    [(code, message)] = found["broken.py"]
    assert code == "TL002"
    assert message == "internal error in rule TL102: KeyError: 'no such head'"
    assert [f.filename for r in results for f in r.findings if f.code == "TL002"] == [str(tmp_path / "broken.py")]


def _die():
    faulthandler.disable()  # pytest's would print the dying worker's stack: expected here, and noise
    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_worker_that_crashes_on_one_file_costs_only_that_file(tmp_path, monkeypatch):
    # Forked workers inherit the patched rule: a real interpreter death in a real worker process.
    monkeypatch.setattr(CategoricalCrossentropyOnSingleUnit, "check", _broken_on("/crash.py", _die))
    names = [f"model_{index:02}.py" for index in range(12)] + ["crash.py"]
    _write_tree(tmp_path, names)
    results = lint_sources(discover_files([str(tmp_path)]), Settings(), jobs=2)
    codes = {os.path.basename(r.filename): [f.code for f in r.findings] for r in results}
    assert codes.pop("crash.py") == ["TL002"]
    assert codes == {name: ["TL102"] for name in names if name != "crash.py"}
    [crashed] = [r for r in results if r.filename.endswith("crash.py")]
    assert "crashed on this file" in crashed.findings[0].message


def test_an_internal_error_outside_the_rules_is_reported_with_the_file_name(tmp_path, monkeypatch):
    import trainlint.sources.files

    original = trainlint.sources.files.read_notebook

    def read_notebook(text, filename):
        if filename.endswith("/broken.ipynb"):
            raise IndexError("list index out of range")
        return original(text, filename)

    monkeypatch.setattr(trainlint.sources.files, "read_notebook", read_notebook)
    _write_tree(tmp_path, ["a.py"])
    for name in ("broken.ipynb", "fine.ipynb"):
        shutil.copy(FIXTURES / "notebooks" / "binary_classifier.ipynb", tmp_path / name)
    results = lint_sources(discover_files([str(tmp_path)]), Settings(), jobs=1)
    found = {os.path.basename(r.filename): [(f.code, f.message) for f in r.findings] for r in results}
    assert found["broken.ipynb"] == [("TL002", "internal error: IndexError: list index out of range")]
    assert [code for code, _ in found["a.py"]] == [code for code, _ in found["fine.ipynb"]] == ["TL102"]


def test_a_bad_job_count_is_a_usage_error():
    result = run_trainlint("check", "--jobs", "0", str(FIXTURES / "examples"))
    assert result.returncode == 2 and "must be at least 1" in result.stderr


def test_a_fifo_named_like_a_module_is_reported_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block the run forever
    (tmp_path / "train.py").write_bytes(FINDING)
    result = run_trainlint("check", "--no-cache", "--output-format", "json", str(tmp_path))
    found = _by_file(json.loads(result.stdout))
    assert [(f["code"], f["message"]) for f in found["pipe.py"]] == [("TL001", "not a regular file; not read")]
    assert [(f["line"], f["column"]) for f in found["train.py"]] == [FINDING_AT]


def test_an_analysis_that_stops_early_is_counted_not_hidden(tmp_path):
    # Six nested loops of known length unroll past the evaluator's step budget: the run stops there. The rest of
    # the file is not checked, and the summary says so instead of counting it as analysed.
    loops = "".join("    " * depth + f"for v{depth} in range(8):\n" for depth in range(6)) + "    " * 6 + "x = 1\n"
    (tmp_path / "deep_loops.py").write_text("import keras\nmodel.compile(loss='mse')\n" + loops)
    (tmp_path / "train.py").write_bytes(FINDING)
    result = run_trainlint("audit", "--no-cache", str(tmp_path))
    rows = {line.split("  ")[0]: line.split("  ")[-1].strip() for line in result.stdout.splitlines() if "  " in line}
    assert rows["analyses stopped early"] == "1 (the rest of those files was not checked)", result.stdout
    assert rows["findings"] == "1"
    quiet = run_trainlint("audit", "--no-cache", str(tmp_path / "train.py"))
    assert "Audit summary" in quiet.stdout and "stopped early" not in quiet.stdout
