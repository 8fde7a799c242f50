"""How many classes the training targets are encoded over, when the code says so (``to_categorical``).

Read from the ``fit(...)`` calls on the model a ``compile(...)`` configures, in a compatible scenario. A
count that is not a constant in that scenario is no fact: the rules stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainlint.analysis.evaluator import ModelEvent
from trainlint.analysis.facts import SourceRef
from trainlint.analysis.scenario import Scenario
from trainlint.analysis.values import Call, Const, Sym, Value

TO_CATEGORICAL = "keras.utils.to_categorical"


@dataclass(frozen=True)
class ClassCount:
    """Targets one-hot encoded over ``classes`` classes, as written at ``where``."""

    classes: int
    where: SourceRef
    encoding: str = "one-hot"


def class_counts(compile_event: ModelEvent, events: list[ModelEvent], unit: str) -> tuple[ClassCount, ...]:
    """The class counts of the targets passed to ``fit`` for the model ``compile_event`` configures."""
    counts = []
    for event in events:
        if event.method != "fit" or event.model.identity is not compile_event.model.identity:
            continue
        if not _compatible(event.scenario, compile_event.scenario):
            continue
        count = _one_hot_classes(event.argument("y", 1), event.scenario, unit)
        if count is not None:
            counts.append(count)
    return tuple(dict.fromkeys(counts))


def _one_hot_classes(targets: Value | None, scenario: Scenario, unit: str) -> ClassCount | None:
    if not isinstance(targets, Call) or targets.target != TO_CATEGORICAL:
        return None
    value = targets.argument("num_classes", 1)
    classes = value.value if isinstance(value, Const) else (
        scenario.constant_of(value)[1] if isinstance(value, Sym) else None)
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        return None
    return ClassCount(classes, SourceRef(unit, targets.argument_node("num_classes", 1) or targets.node))


def _compatible(a: Scenario, b: Scenario) -> bool:
    """One scenario refines the other: both calls can happen in the same run."""
    shorter, longer = sorted((a.assumptions, b.assumptions), key=len)
    return longer[:len(shorter)] == shorter
