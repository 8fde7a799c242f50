"""The rules, one family a module. ``ALL_RULES`` is the registry, in code order."""

from __future__ import annotations

from trainlint.lint_rules import (
    degenerate_head,
    from_logits,
    loss_activation,
    loss_metric,
    metric_logits,
    metric_resolution,
    units_classes,
)
from trainlint.lint_rules.base import Report, Rule, RuleContext

ALL_RULES: tuple[type[Rule], ...] = tuple(sorted(
    (*degenerate_head.RULES, *loss_activation.RULES, *from_logits.RULES, *metric_resolution.RULES,
     *loss_metric.RULES, *metric_logits.RULES, *units_classes.RULES),
    key=lambda rule: rule.code,
))
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Report", "Rule", "RuleContext"]
