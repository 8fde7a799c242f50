"""``docs/rules/`` is generated from the rule classes and must match them; ``trainlint rule`` serves the same."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, run_trainlint
from trainlint.lint_rules import docs as rule_docs
from trainlint.lint_rules import ALL_RULES


def test_committed_rule_docs_are_up_to_date():
    assert rule_docs.stale(REPO / "docs" / "rules") == [], "run: python -m trainlint.lint_rules.docs"


def test_a_stale_or_leftover_page_is_caught(tmp_path):
    rule_docs.write(tmp_path)
    assert rule_docs.stale(tmp_path) == []
    page = tmp_path / f"{ALL_RULES[0].code}.md"
    page.write_text(page.read_text() + "edited by hand\n")
    (tmp_path / "TL999.md").write_text("a rule that no longer exists\n")
    assert rule_docs.stale(tmp_path) == sorted([page.name, "TL999.md"])


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_page_has_the_ruff_sections(rule):
    page = (REPO / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in page, f"{rule.code} lacks {section}"


def test_trainlint_rule_prints_the_page():
    rule = ALL_RULES[0]
    result = run_trainlint("rule", rule.code.lower())
    assert result.returncode == 0
    page = (REPO / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    assert page.endswith(result.stdout.rstrip("\n") + "\n")
    assert run_trainlint("rule", "TL999").returncode == 2


def test_index_lists_every_rule():
    index = (REPO / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert f"[{rule.code}]({rule.code}.md)" in index
