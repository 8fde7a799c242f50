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
    """PyTorch: loss calls on a value (``criterion(output, target)``)."""
    resolved_loss_calls: int = 0
    """PyTorch: loss calls whose output's head (its width and what follows it) is resolved."""

    def add(self, other: Stats) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))
