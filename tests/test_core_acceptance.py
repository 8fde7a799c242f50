"""Issue #2 acceptance, end to end through the CLI on our fixtures.

Each fixture states what it expects with ``# expect: CODE`` comments on the line of the primary location
(flake8-bugbear's ``eval_files`` convention); a fixture without such comments must be clean.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json, expected, findings_by_file, reported, run_trainlint

CORE = FIXTURES / "core"


@pytest.fixture(scope="module")
def core_findings() -> dict[str, list[dict]]:
    return findings_by_file(CORE)


@pytest.mark.parametrize("fixture", sorted(CORE.glob("*.py")), ids=lambda p: p.stem)
def test_fixture_reports_exactly_what_it_expects(fixture: Path, core_findings):
    assert reported(core_findings, fixture) == expected(fixture)


def test_scenario_is_named_when_the_helper_always_returns_softmax(core_findings):
    [finding] = core_findings["text_classifier_always_softmax.py"]
    assert finding["kind"] == "loss-activation-mismatch"
    assert finding["scenario"] == "num_classes == 2"
    assert "num_classes == 2" in finding["message"]
    assert [r["line"] for r in finding["related"]] == [17]  # the Dense whose units/activation came from the helper


def test_consistent_branches_are_clean(core_findings):
    assert core_findings.get("text_classifier_consistent.py", []) == []


def test_multi_label_accuracy_names_the_metric_keras_computes(core_findings):
    [finding] = core_findings["multilabel_accuracy.py"]
    assert finding["kind"] == "metric-resolution"
    assert "CategoricalAccuracy" in finding["message"]


def test_kinds_match_the_design_families(core_findings):
    kinds = {f["code"]: f["kind"] for findings in core_findings.values() for f in findings}
    assert kinds["TL102"] == "degenerate-head"
    assert kinds["TL101"] == "degenerate-head"
    assert kinds["TL211"] == "loss-metric-mismatch"
    assert kinds["TL112"] == "loss-activation-mismatch"
    assert kinds["TL121"] == "from-logits-mismatch"
    assert kinds["TL122"] == "from-logits-mismatch"
    assert kinds["TL001"] == "parse-error"


def test_json_output_follows_the_contract(core_findings):
    fields = {"code", "kind", "severity", "message", "filename", "line", "column", "end_line", "end_column",
              "related", "scenario", "confirmation"}
    for findings in core_findings.values():
        for finding in findings:
            assert fields <= finding.keys()
            assert finding["severity"] in ("error", "warning")
            assert finding["confirmation"] is None
            assert finding["line"] >= 1 and finding["column"] >= 1
            assert (finding["end_line"], finding["end_column"]) >= (finding["line"], finding["column"])
            for related in finding["related"]:
                assert {"filename", "line", "column", "message"} <= related.keys()


def test_syntax_error_is_one_diagnostic_and_the_run_goes_on(tmp_path):
    (tmp_path / "broken.py").write_text((CORE / "syntax_error.py").read_text())
    (tmp_path / "clean.py").write_text((CORE / "lstm_binary_ok.py").read_text())
    result = run_trainlint("check", str(tmp_path))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if ": TL" in line]
    assert len(lines) == 1 and "broken.py:5:12: TL001 syntax error" in lines[0]

    (tmp_path / "buggy.py").write_text((CORE / "lstm_binary_categorical.py").read_text())
    findings = check_json(tmp_path)
    assert sorted(f["code"] for f in findings) == ["TL001", "TL102"]


def test_exit_status_is_zero_when_clean():
    result = run_trainlint("check", str(CORE / "lstm_binary_ok.py"), str(CORE / "text_classifier_consistent.py"))
    assert result.returncode == 0, result.stdout
    assert "All checks passed" in result.stdout


def test_text_output_is_ruff_style_with_related_places_beneath():
    result = run_trainlint("check", "fixtures/core/lstm_binary_categorical.py")
    first, second = result.stdout.splitlines()[:2]
    assert re.match(r"fixtures/core/lstm_binary_categorical\.py:13:20: TL102 categorical_crossentropy over 1 ", first)
    assert second == "    fixtures/core/lstm_binary_categorical.py:12:11: this layer has 1 unit"


def test_stdin_is_linted_under_the_given_name():
    source = (CORE / "softmax_single_unit.py").read_text()
    result = run_trainlint("check", "-", "--stdin-filename", "model.py", stdin=source)
    assert result.returncode == 1
    assert result.stdout.startswith("model.py:8:27: TL101 ")


def test_usage_errors_exit_2():
    assert run_trainlint("check", "does/not/exist.py").returncode == 2
    assert run_trainlint("check", "--output-format", "yaml", ".").returncode == 2
    assert run_trainlint("rule", "TL999").returncode == 2


def test_rule_and_rules_commands():
    listing = run_trainlint("rules")
    assert listing.returncode == 0
    assert "TL101  softmax-on-single-unit" in listing.stdout
    page = run_trainlint("rule", "tl102")
    assert page.returncode == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in page.stdout
