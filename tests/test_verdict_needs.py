"""Each rule's ``NEEDS`` is exactly what its verdict rests on (issue 12, the verdict principle).

From every invalid example of a rule, one fact at a time is made unresolved: a fact the rule declares it needs
must silence it in every example; a fact it does not declare must leave it reporting in at least one example
(an unknown the verdict does not depend on no longer silences it).
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

import libcst as cst
import pytest

from trainlint.analysis.evaluator import Interpreter
from trainlint.analysis.extract import Extractor
from trainlint.analysis.facts import TrainingSetup
from trainlint.lint_rules import ALL_RULES
from trainlint.lint_rules.base import FACTS, RuleContext

SETUP_RULES = [rule for rule in ALL_RULES if rule.FACT is TrainingSetup]


def setups(source: str, keras_version: str) -> list[TrainingSetup]:
    interpreter = Interpreter(cst.parse_module(textwrap.dedent(source)), "example.py")
    events = interpreter.run()
    fits = tuple(event for event in events if event.method != "compile")
    extractor = Extractor("example.py", keras_version)
    return [setup for event in events if event.method == "compile"
            for setup in extractor.setups(event, tuple(f for f in fits if f.model.identity is event.model.identity))
            ] + [setup for applied in interpreter.losses for setup in extractor.applied_setups(applied)]


def unresolved(setup: TrainingSetup, fact: str) -> TrainingSetup | None:
    """The same setup with one fact unresolved, or None when the example does not show that fact."""
    head, loss, labels = setup.head, setup.loss, setup.labels
    if fact == "loss":
        return replace(setup, loss=None) if loss else None
    if fact == "loss.from_logits":
        return replace(setup, loss=replace(loss, from_logits=None)) if loss else None
    if fact == "head.activation":
        return replace(setup, head=replace(head, activation=None, activations=()))
    if fact == "head.units":
        return replace(setup, head=replace(head, units=None)) if head.units is not None else None
    if fact == "metrics":
        return replace(setup, metrics=(), metrics_written_as_string=None) if setup.metrics or \
            setup.metrics_written_as_string else None
    if fact == "labels":
        return replace(setup, labels=None) if labels else None
    if fact == "labels.num_classes":
        return replace(setup, labels=replace(labels, num_classes=None)) if labels and labels.num_classes else None
    if fact == "labels.first_id":
        return replace(setup, labels=replace(labels, first_id=None)) if labels and labels.first_id else None
    raise AssertionError(f"no way to unresolve {fact}")


def fires(rule, setup_list, version) -> bool:
    return any(report.code == rule.code for setup in setup_list
               for report in rule().check(setup, RuleContext(version)))


@pytest.mark.parametrize("rule", SETUP_RULES, ids=lambda r: r.code)
def test_needs_is_what_the_verdict_rests_on(rule):
    assert rule.NEEDS <= set(FACTS), rule.NEEDS - set(FACTS)
    version = rule.EXAMPLE_KERAS_VERSION
    examples = [setups(example, version) for example in rule.INVALID]
    assert all(fires(rule, found, version) for found in examples)
    for fact in sorted(set(FACTS) - {"optimizer"}):
        variants = [[v for v in (unresolved(s, fact) for s in found) if v is not None] for found in examples]
        shown = [v for v in variants if v]
        if not shown:
            continue  # no example shows this fact: nothing to learn about it
        if fact in rule.NEEDS:
            assert not any(fires(rule, v, version) for v in shown), f"{rule.code} fires without {fact}"
        else:
            assert any(fires(rule, v, version) for v in shown), f"{rule.code} is silenced by an unknown {fact}"


def test_the_rule_page_lists_the_needed_facts_and_says_when_the_width_does_not_matter():
    from trainlint.lint_rules import RULES_BY_CODE

    page = RULES_BY_CODE["TL112"].documentation()
    assert "## Facts the verdict needs" in page and "- the loss" in page
    assert "holds for any number of output units" in page
    assert "holds for any number" not in RULES_BY_CODE["TL102"].documentation()
