"""Scenarios: the assumptions made on unknown values when a branch could not be decided.

``if num_classes == 2:`` with ``num_classes`` unknown splits the evaluation in two scenarios. Every later
condition on the same unknown is decided from what the scenario already assumes (``num_classes > 2`` is
false when ``num_classes == 2`` was assumed), and an equality assumption makes the unknown a constant:
inside the ``num_classes == 2`` scenario, ``Dense(num_classes)`` has 2 units.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable

from trainlint.analysis.values import Sym

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NEGATED = {"==": "!=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_OTHER = object()
"""A candidate value distinct from every constant in the constraints."""


@dataclass(frozen=True)
class Condition:
    """``subject <op> operand`` on one unknown, or ``op == 'truthy'`` for ``if subject:``."""

    subject: Sym
    op: str
    operand: Any = None
    default_of: str | None = field(default=None, compare=False)
    """The command-line option whose default ``operand`` is (``--loss``): the condition is "the script runs
    with that option left at its default", and a message says so."""

    def holds_for(self, value: Any) -> bool:
        if self.op == "truthy":
            return bool(value)
        if value is _OTHER:
            return False if self.op == "==" else _raise_type_error()
        return _COMPARE[self.op](value, self.operand)

    def render(self, holds: bool) -> str:
        if self.default_of is not None and holds:
            return f"with the default {self.default_of}"
        if self.op == "truthy":
            return self.subject.label if holds else f"not {self.subject.label}"
        op = self.op if holds else _NEGATED[self.op]
        return f"{self.subject.label} {op} {self.operand!r}"


def _raise_type_error() -> bool:
    raise TypeError


@dataclass(frozen=True)
class Scenario:
    """A conjunction of assumed conditions (empty: unconditional)."""

    assumptions: tuple[tuple[Condition, bool], ...] = ()
    quiet: frozenset[Condition] = frozenset()
    """Assumptions that only say the code went on instead of raising (``if not labels: raise ...``): kept so
    that the same unknown stays consistent, never named in a message."""

    def assume(self, condition: Condition, holds: bool) -> Scenario:
        return Scenario((*self.assumptions, (condition, holds)), self.quiet)

    def constant_of(self, subject: Sym) -> tuple[bool, Any]:
        """``(True, c)`` when the scenario assumes ``subject == c``."""
        for condition, holds in self.assumptions:
            if holds and condition.op == "==" and condition.subject is subject:
                return True, condition.operand
        return False, None

    def decide(self, condition: Condition) -> bool | None:
        """True / False when the assumptions settle the condition, None when they do not."""
        if not self.assumptions:
            return None
        related = [(c, h) for c, h in self.assumptions if c.subject is condition.subject]
        if not related:
            return None
        for assumed, holds in related:
            if assumed == condition:
                return holds
        if condition.op == "truthy" or any(c.op == "truthy" for c, _ in related):
            known, value = self.constant_of(condition.subject)
            return bool(value) if known and condition.op == "truthy" else None
        can_hold = _satisfiable(related, condition, True)
        can_fail = _satisfiable(related, condition, False)
        if can_hold and not can_fail:
            return True
        if can_fail and not can_hold:
            return False
        return None

    def combined(self, other: Scenario) -> Scenario | None:
        """Both scenarios at once, or None when they assume opposite things."""
        mine = dict(self.assumptions)
        merged = list(self.assumptions)
        for condition, holds in other.assumptions:
            if condition in mine:
                if mine[condition] != holds:
                    return None
                continue
            if self.decide(condition) not in (None, holds):
                return None
            merged.append((condition, holds))
        return Scenario(tuple(merged), self.quiet | other.quiet)

    def describe(self) -> str | None:
        """The assumptions in words: ``num_classes == 2 and not augment, with the default --loss and
        --units`` (a message puts ``when`` before it unless it starts with ``with``)."""
        visible = [(c, h) for c, h in self.assumptions if c not in self.quiet]
        defaults = [c.default_of for c, h in visible if c.default_of is not None and h]
        others = " and ".join(c.render(h) for c, h in visible if c.default_of is None or not h)
        if not defaults:
            return others or None
        tail = f"with the default {' and '.join(defaults)}"
        return f"{others}, {tail}" if others else tail

    def __bool__(self) -> bool:
        """Whether the scenario names a condition (quiet assumptions do not count)."""
        return any(c not in self.quiet for c, _ in self.assumptions)


def _satisfiable(related: list[tuple[Condition, bool]], condition: Condition, holds: bool) -> bool:
    """Is there a value meeting every assumption and ``condition == holds``?

    The feasible set of comparisons with constants is a union of intervals whose ends lie at the constants,
    so testing each constant, its neighbours and two far values is exhaustive.
    """
    constraints = [*related, (condition, holds)]
    candidates: list[Any] = [_OTHER]
    numbers = [c.operand for c, _ in constraints
               if isinstance(c.operand, (int, float)) and not isinstance(c.operand, bool)]
    for number in numbers:
        candidates.extend((number - 1, number - 0.5, number, number + 0.5, number + 1))
    if numbers:
        candidates.extend((min(numbers) - 10**6, max(numbers) + 10**6))
    candidates.extend(c.operand for c, _ in constraints if not isinstance(c.operand, (int, float)))
    for candidate in candidates:
        try:
            if all(c.holds_for(candidate) == h for c, h in constraints):
                return True
        except TypeError:
            continue
    return False


def merge_scenarios(scenarios: list[Scenario]) -> list[Scenario]:
    """Fewest scenarios that say the same: ``{c, x}`` and ``{not c, x}`` become ``{x}``.

    A finding seen under both polarities of a condition does not depend on it.
    """
    current = {frozenset(s.assumptions): s for s in scenarios}
    changed = True
    while changed:
        changed = False
        keys = list(current)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                diff = a ^ b
                if len(diff) == 2:
                    (c1, h1), (c2, h2) = diff
                    if c1 == c2 and h1 != h2:
                        common = a & b
                        order = [p for p in current[a].assumptions if p in common]
                        quiet = current[a].quiet | current[b].quiet
                        current.pop(a, None)
                        current.pop(b, None)
                        current[frozenset(common)] = Scenario(tuple(order), quiet)
                        changed = True
                        break
            if changed:
                break
    # Absorption: a finding seen under {x} and under {x, c} holds under {x}.
    keys = list(current)
    kept = [current[k] for k in keys if not any(other < k for other in keys)]
    if any(not s for s in kept):
        return [Scenario()]
    return kept
