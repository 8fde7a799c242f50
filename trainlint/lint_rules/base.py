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


@dataclass(frozen=True)
class RuleContext:
    keras_version: str = "3"


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
        parts += ["## Example", "```python", textwrap.dedent(cls.INVALID[0]).strip(), "```", "",
                  "## Use instead", "```python", textwrap.dedent(cls.VALID[0]).strip(), "```", ""]
        if cls.EXAMPLE_KERAS_VERSION != "3":
            parts += [f"(Examples assume `keras-version = \"{cls.EXAMPLE_KERAS_VERSION}\"`.)", ""]
        return "\n".join(parts)


def width(units: int) -> str:
    return "1 unit" if units == 1 else f"{units} units"


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
