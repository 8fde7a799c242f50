"""Counters of what an analysis saw, in a module of their own so that reading results needs no parser."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Stats:
    """What one analysis saw, for summaries and tests (``parsed`` counts real parses)."""

    parsed: int = 0
    models: int = 0
    compile_calls: int = 0
    """Every ``x.compile(...)`` call site on a model or on something that may be one."""
    compile_calls_with_loss: int = 0
    """Those that name a loss: the sites a head/loss rule can judge (a GAN's own ``compile`` names none)."""
    resolved_compile_calls: int = 0
    """Sites with a loss whose head (its activation; the width may be a runtime value) and loss resolved."""
    runtime_width: int = 0
    """Resolved sites whose head width is known only at run time (rules that need the width stay silent)."""
    unresolved: dict[str, int] = field(default_factory=dict)
    """Sites with a loss that did not resolve, by reason (``head: layer Conv2D``, ``loss: user function``)."""
    loss_calls: int = 0
    """Losses applied outside ``compile`` (``loss_fn(y, logits)``, PyTorch's ``criterion(output, target)``), by
    call site."""
    bound_loss_calls: int = 0
    """Of those, the ones whose prediction is a model output with a resolved head (for PyTorch: the last
    layer's width and what follows it)."""
    unbound: dict[str, int] = field(default_factory=dict)
    """The other losses applied outside ``compile``, by reason (``output: unknown value``, ``head: layer LSTM``)."""
    stopped_early: int = 0
    """Analyses that stopped before the end of their file (the evaluator's step budget, Python's recursion limit):
    what follows the stop was not checked."""

    def add(self, other: Stats) -> None:
        for name, value in vars(other).items():
            if isinstance(value, dict):
                mine = getattr(self, name)
                for key, count in value.items():
                    mine[key] = mine.get(key, 0) + count
            else:
                setattr(self, name, getattr(self, name) + value)


COMPILE_CALL = "compile call"
LOSS_CALL = "loss call"


@dataclass(frozen=True)
class UnresolvedSite:
    """A compile call with a loss that no rule could judge, or a loss applied outside ``compile`` to no model
    output the analysis resolved, where it is and why (``--explain-unresolved``)."""

    filename: str
    line: int
    column: int
    reason: str
    detail: str = ""
    cell: int | None = None
    cell_line: int | None = None
    kind: str = COMPILE_CALL

    def location(self) -> str:
        if self.cell is not None:
            return f"{self.filename}:cell {self.cell}:{self.cell_line}:{self.column}"
        return f"{self.filename}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location()}: {self.reason}" + (f" ({self.detail})" if self.detail else "")
