"""Issue 12 acceptance, end to end through the CLI: verdicts rest only on the facts they need.

Each bug fixture in ``fixtures/verdicts`` is paired with its corrected variant (silent); the honest negatives
(``softmax_unknown_width_sparse``, ``vocabulary_size_head``) stay silent because their verdict needs the value
the code does not show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json, expected

VERDICTS = FIXTURES / "verdicts"
KERAS_3 = sorted(VERDICTS.glob("*.py"))
LEGACY = sorted((VERDICTS / "legacy").glob("*.py"))


def _by_file(findings: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for finding in findings:
        grouped.setdefault(Path(finding["filename"]).name, []).append(finding)
    return grouped


@pytest.fixture(scope="module")
def keras3_findings() -> dict[str, list[dict]]:
    return _by_file(check_json(*KERAS_3, extra=("--no-cache", "--keras-version", "3")))


@pytest.fixture(scope="module")
def legacy_findings() -> dict[str, list[dict]]:
    return _by_file(check_json(*LEGACY, extra=("--no-cache", "--keras-version", "legacy")))


@pytest.mark.parametrize("fixture", KERAS_3, ids=lambda p: p.stem)
def test_fixture_reports_exactly_what_it_expects(fixture, keras3_findings):
    assert {(f["line"], f["code"]) for f in keras3_findings.get(fixture.name, [])} == expected(fixture)


@pytest.mark.parametrize("fixture", LEGACY, ids=lambda p: p.stem)
def test_legacy_fixture_reports_exactly_what_it_expects(fixture, legacy_findings):
    assert {(f["line"], f["code"]) for f in legacy_findings.get(fixture.name, [])} == expected(fixture)


def test_every_bug_has_its_corrected_twin_and_every_finding_says_it_holds_for_any_width(
        keras3_findings, legacy_findings):
    everything = [*KERAS_3, *LEGACY]
    bugs = [path for path in everything if expected(path)]
    assert len(bugs) * 2 <= len(everything)
    for findings in (*keras3_findings.values(), *legacy_findings.values()):
        for finding in findings:
            assert "for any number of units" in finding["message"], finding["message"]


def test_from_logits_on_a_sigmoid_is_named_inside_the_categorical_on_sigmoid_finding(keras3_findings):
    [finding] = keras3_findings["sparse_from_logits_on_sigmoid.py"]
    assert "from_logits=True takes a softmax of the sigmoids" in finding["message"]
    assert finding["kind"] == "loss-activation-mismatch"
