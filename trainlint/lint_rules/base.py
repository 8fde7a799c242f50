"""How a rule is declared: a small class with its documentation and its proof beside the logic.

A rule reads facts (:class:`~trainlint.analysis.facts.TrainingSetup`), never syntax. Its docstring has the
ruff sections ``What it does`` and ``Why is this bad?``; ``INVALID`` and ``VALID`` hold code examples that
the test suite lints (each invalid one must raise this rule, each valid one must not) and that the
documentation renders as ``Example`` and ``Use instead``.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from typing import ClassVar, Iterator

from trainlint.analysis.facts import OptimizerCall, SourceRef, TrainingSetup
from trainlint.lint_rules.fixes import FixSpec

REQUIRED_SECTIONS = ("What it does", "Why is this bad?")

FACTS: dict[str, str] = {
    # The facts a verdict can rest on, by the name a rule's ``NEEDS`` uses; each may be unresolved.
    "loss": "the loss",
    "loss.from_logits": "the loss's `from_logits`",
    "head.activation": "the final activation of the output",
    "head.units": "the number of output units (a number, or its relation to the classes: `len(set(labels))`)",
    "metrics": "the metrics",
    "labels": "how the labels passed to `fit` were made",
    "labels.num_classes": "the number of classes the labels show",
    "labels.first_id": "the smallest class id the label encoder produces",
    "optimizer": "the optimizer's arguments",
}
"""What each fact is, for the rule pages."""


@dataclass(frozen=True)
class RuleContext:
    keras_version: str = "3"
    era: str = ""
    """The finer Keras era (``trainlint.sources.versions.ERAS``) where a rule needs more than ``keras_version``."""


@dataclass(frozen=True)
class Report:
    """A finding before positions are resolved."""

    code: str
    primary: SourceRef
    message: str
    related: tuple[tuple[SourceRef, str], ...] = field(default=())
    fix: FixSpec | None = field(default=None, compare=False)


class Rule:
    FACT: ClassVar[type] = TrainingSetup
    """The fact this rule reads: a :class:`TrainingSetup` (default) or an :class:`OptimizerCall`."""
    code: ClassVar[str]
    name: ClassVar[str]
    kind: ClassVar[str]
    severity: ClassVar[str] = "error"
    summary: ClassVar[str]
    INVALID: ClassVar[tuple[str, ...]]
    VALID: ClassVar[tuple[str, ...]]
    EXAMPLE_KERAS_VERSION: ClassVar[str] = "3"
    FIX: ClassVar[tuple[str, str] | None] = None
    """``(applicability, what the fix does and when it is offered)`` for a rule that attaches fixes."""
    NEEDS: ClassVar[frozenset[str]]
    """The facts (keys of :data:`FACTS`) the verdict rests on: the rule is silent while one is unresolved, and
    any other fact may be unknown without silencing it (its message then says the verdict holds whatever that
    value is, e.g. "for any number of units"). ``tests/test_verdict_needs.py`` holds every rule to it."""
    VERSION_DEPENDENT: ClassVar[bool] = False
    """The verdict reads ``context.keras_version``: judged under every Keras the code may run on."""

    def check(self, fact: TrainingSetup | OptimizerCall, context: RuleContext) -> Iterator[Report]:
        raise NotImplementedError

    def report(self, primary: SourceRef, message: str, *related: tuple[SourceRef, str],
               fix: FixSpec | None = None) -> Report:
        return Report(self.code, primary, message, tuple(r for r in related if r[0] != primary), fix)

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's ``## Section`` blocks, by title."""
        doc = inspect.getdoc(cls) or ""
        sections: dict[str, str] = {}
        title = None
        for line in doc.splitlines():
            if line.startswith("## "):
                title = line[3:].strip()
                sections[title] = ""
            elif title is not None:
                sections[title] += line + "\n"
        return {k: v.strip() for k, v in sections.items()}

    @classmethod
    def fact_description(cls, name: str) -> str:
        """What a fact of :data:`FACTS` is, in the words of this rule's framework."""
        return FACTS[name]

    @classmethod
    def documentation(cls) -> str:
        """The rule's page, in the ruff layout."""
        parts = [f"# {cls.name} ({cls.code})", "", f"Kind: `{cls.kind}` · severity: `{cls.severity}`", ""]
        for title, body in cls.sections().items():
            parts += [f"## {title}", body, ""]
        if cls.FIX is not None:
            applicability, what = cls.FIX
            option = "--fix" if applicability == "safe" else "--fix --unsafe-fixes"
            parts += ["## Fix", f"Sometimes available ({applicability}: `trainlint check {option}`). {what}", ""]
        else:
            parts += ["## Fix", "No automatic fix.", ""]
        parts += ["## Facts the verdict needs", *(f"- {cls.fact_description(name)}" for name in sorted(cls.NEEDS)),
                  ""]
        if "head.units" not in cls.NEEDS and cls.FACT is TrainingSetup:
            parts += ["The verdict holds for any number of output units: an unresolved width does not silence it.",
                      ""]
        parts += ["## Example", "```python", textwrap.dedent(cls.INVALID[0]).strip(), "```", "",
                  "## Use instead", "```python", textwrap.dedent(cls.VALID[0]).strip(), "```", ""]
        if cls.EXAMPLE_KERAS_VERSION != "3":
            parts += [f"(Examples assume `keras-version = \"{cls.EXAMPLE_KERAS_VERSION}\"`.)", ""]
        return "\n".join(parts)


def width(units: int) -> str:
    return "1 unit" if units == 1 else f"{units} units"


def units_phrase(units: int | None, noun: str) -> str:
    """``"a 3-unit softmax"``, or ``"a softmax head (for any number of units)"`` when the width is unresolved."""
    if units is None:
        return f"a {noun} head (for any number of units)"
    article = "an" if str(units)[0] == "8" or units in (11, 18) else "a"
    return f"{article} {units}-unit {noun}"


def head_note(setup: TrainingSetup) -> tuple[SourceRef, str]:
    """The related location that shows the head: its width and final activation."""
    head = setup.head
    described = f"{head.units}-unit {head.activation}" if head.units is not None else f"{head.activation}"
    article = "an" if described[0] in "8aeiou" or described.startswith(("11-", "18-")) else "a"
    return head.activation_at, f"the output is {article} {described} head"


def loss_note(setup: TrainingSetup) -> tuple[SourceRef, str]:
    assert setup.loss is not None
    suffix = " with from_logits=True" if setup.loss.from_logits else ""
    return setup.loss.where, f"the loss is {setup.loss.name}{suffix}"
