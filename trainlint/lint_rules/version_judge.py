"""Version-dependent rules judged under every Keras the code may run on, in one message per place.

A rule marked ``VERSION_DEPENDENT`` runs once per possible era. Where the evidence settles the version, its
message says which Keras it speaks of and why ("under tf.keras 2.9, tensorflow==2.9.* pinned in
requirements.txt:3"); where several eras remain, it reports what the newest of them does and, in the same
message, what each other does, and it never claims Keras 3 behaviour for code that may not run on Keras 3.
"""

from __future__ import annotations

from dataclasses import replace

from trainlint.lint_rules.base import Report, Rule, RuleContext
from trainlint.sources.versions import ERA_LABELS, LEGACY, RULE_VERSION, KerasTarget, TF2_NEW, TF2_OLD


def era_names(eras: list[str]) -> str:
    if eras == [TF2_OLD, TF2_NEW]:
        return "tf.keras 2.x"
    if eras == [LEGACY, TF2_OLD, TF2_NEW]:
        return "every Keras before 3"
    return " and ".join(ERA_LABELS[era] for era in eras)


class VersionJudge:
    """Runs the rules for one file under the eras its :class:`KerasTarget` leaves possible."""

    def __init__(self, target: KerasTarget):
        self.target = target
        self.contexts = [(era, RuleContext(RULE_VERSION[era], era)) for era in target.eras]
        newest = target.eras[-1]
        self.plain = RuleContext(RULE_VERSION[newest], newest)

    def reports(self, rule: Rule, fact):
        if not getattr(rule, "VERSION_DEPENDENT", False):
            yield from rule.check(fact, self.plain)
            return
        by_place: dict[tuple, dict[str, Report]] = {}
        for era, context in self.contexts:
            for report in rule.check(fact, context):
                by_place.setdefault((report.code, report.primary), {}).setdefault(era, report)
        newest = self.target.eras[-1]
        for per_era in by_place.values():
            # An open version is judged first by the newest Keras it allows, the one a fresh install gets: a
            # problem only older versions have (binary_accuracy for 'accuracy' in Keras <= 2.3) is not claimed
            # for code that may well run on a newer one.
            if newest in per_era:
                yield self.merge(per_era)

    def merge(self, per_era: dict[str, Report]) -> Report:
        target = self.target
        first = next(iter(per_era.values()))
        related = tuple(dict.fromkeys(note for report in per_era.values() for note in report.related))
        if target.single:
            return replace(first, message=f"{first.message} ({target.note()})", related=related)
        by_message: dict[str, list[str]] = {}
        for era in target.eras:
            if era in per_era:
                by_message.setdefault(per_era[era].message, []).append(era)
        fine = [era for era in target.eras if era not in per_era]
        if len(by_message) == 1 and not fine:
            return replace(first, message=f"{first.message} (true under {target.version}, {target.why})",
                           related=related)
        # Newest first (what a fresh install does), the eras without the problem before the ones with it, and a
        # fix every era's message ends with said once, after all of them.
        problems = list(reversed(by_message.items()))
        fixes = {message.rpartition("; ")[2] for message, _ in problems}
        fix = fixes.pop() if len(fixes) == 1 and all("; " in message for message, _ in problems) else None
        parts = [f"under {era_names(eras)}, {message.rpartition('; ')[0] if fix else message}"
                 for message, eras in problems]
        opening = f"which Keras runs this is open ({target.why}): "
        if fine:
            opening += f"under {era_names(fine)} this is fine, but "
        return replace(first, message=opening + "; ".join(parts) + (f"; {fix}" if fix else ""), related=related)
