"""Issue 12 item 5: the five seed posts (``shared/seeds/000``-``004``) re-created as written, end to end.

Each follows the post's code (data read from files, helpers, its names) and gets the finding the answer
diagnoses, beside its corrected variant (silent); seed 000 is consistent and must stay silent. Seed 001 is judged
both under Keras 3 (``Adam(lr=...)`` raises) and under the standalone Keras it was written for (nothing wrong).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json, expected

SEEDS = FIXTURES / "seeds"
FILES = sorted(SEEDS.glob("*.py"))
LEGACY = sorted((SEEDS / "legacy").glob("*.py"))


def _reported(findings: list[dict]) -> dict[str, set[tuple[int, str]]]:
    grouped: dict[str, set[tuple[int, str]]] = {}
    for finding in findings:
        grouped.setdefault(Path(finding["filename"]).name, set()).add((finding["line"], finding["code"]))
    return grouped


@pytest.fixture(scope="module")
def keras3() -> dict[str, set[tuple[int, str]]]:
    return _reported(check_json(*FILES, extra=("--no-cache", "--keras-version", "3")))


@pytest.mark.parametrize("fixture", FILES, ids=lambda p: p.stem)
def test_seed_gets_the_finding_its_answer_diagnoses(fixture, keras3):
    assert keras3.get(fixture.name, set()) == expected(fixture)


def test_seed_000_project_is_silent_when_head_and_loss_follow_the_class_count():
    assert check_json(SEEDS / "000_sequence_model_binary", extra=("--no-cache", "--keras-version", "3")) == []


def test_seed_001_under_the_keras_it_was_written_for_is_silent():
    assert check_json(*LEGACY, extra=("--no-cache", "--keras-version", "legacy")) == []


def test_every_seed_has_a_fixture_and_every_bug_a_corrected_twin():
    numbers = {path.name[:3] for path in [*FILES, *SEEDS.iterdir()] if path.name[:3].isdigit()}
    assert numbers == {"000", "001", "002", "003", "004"}
    for number in ("002", "003", "004"):
        variants = [path for path in FILES if path.name.startswith(number)]
        assert any(expected(path) for path in variants) and any(not expected(path) for path in variants)
