"""The rules, one family a module. ``ALL_RULES`` is the registry, in code order."""

from __future__ import annotations

from trainlint.lint_rules import (
    degenerate_head,
    from_logits,
    label_format,
    label_meaning,
    label_range,
    loss_activation,
    loss_metric,
    metric_logits,
    metric_resolution,
    optimizer_api,
    torch_loss,
    torch_targets,
    units_classes,
)
from trainlint.lint_rules.base import Report, Rule, RuleContext

ALL_RULES: tuple[type[Rule], ...] = tuple(sorted(
    (*degenerate_head.RULES, *loss_activation.RULES, *from_logits.RULES, *metric_resolution.RULES,
     *loss_metric.RULES, *metric_logits.RULES, *label_format.RULES, *label_meaning.RULES, *label_range.RULES, *units_classes.RULES,
     *optimizer_api.RULES, *torch_loss.RULES, *torch_targets.RULES),
    key=lambda rule: rule.code,
))
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Report", "Rule", "RuleContext"]
