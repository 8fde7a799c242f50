"""Counters of what an analysis saw, in a module of their own so that reading results needs no parser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Stats:
    """What one analysis saw, for summaries and tests (``parsed`` counts real parses)."""

    parsed: int = 0
    models: int = 0
    compile_calls: int = 0
    resolved_compile_calls: int = 0
    loss_calls: int = 0
    """Losses applied outside ``compile`` (``loss_fn(y, logits)``), by call site."""
    bound_loss_calls: int = 0
    """Of those, the ones whose prediction is a model output with a resolved head."""

    def add(self, other: Stats) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))
