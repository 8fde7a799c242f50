"""Every rule's documented examples behave: each invalid example raises the rule, each valid one does not."""

from __future__ import annotations

import pytest

from tests.conftest import codes
from trainlint.lint_rules import ALL_RULES
from trainlint.lint_rules.base import REQUIRED_SECTIONS

INVALID = [(rule, example) for rule in ALL_RULES for example in rule.INVALID]
VALID = [(rule, example) for rule in ALL_RULES for example in rule.VALID]


def _id(case) -> str:
    rule, example = case
    return f"{rule.code}-{[*rule.INVALID, *rule.VALID].index(example)}"


@pytest.mark.parametrize("case", INVALID, ids=map(_id, INVALID))
def test_invalid_example_raises_the_rule(case):
    rule, example = case
    assert rule.code in codes(example, rule.EXAMPLE_KERAS_VERSION)


@pytest.mark.parametrize("case", VALID, ids=map(_id, VALID))
def test_valid_example_is_clean(case):
    rule, example = case
    assert codes(example, rule.EXAMPLE_KERAS_VERSION) == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    sections = rule.sections()
    for title in REQUIRED_SECTIONS:
        assert sections.get(title), f"{rule.code} lacks '## {title}'"
    assert rule.INVALID and rule.VALID
    assert rule.summary and rule.name and rule.kind
    page = rule.documentation()
    assert "## Example" in page and "## Use instead" in page


def test_codes_are_unique_and_grouped_by_family():
    seen = [rule.code for rule in ALL_RULES]
    assert len(seen) == len(set(seen))
    families = {"degenerate-head": "TL1", "loss-activation-mismatch": "TL1", "from-logits-mismatch": "TL1",
                "metric-resolution": "TL2", "loss-metric-mismatch": "TL2", "metric-logits-mismatch": "TL2",
                "units-classes-mismatch": "TL3"}
    for rule in ALL_RULES:
        assert rule.code.startswith(families[rule.kind]), rule.code
