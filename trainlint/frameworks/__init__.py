"""What a framework's calls mean, one module per framework behind one small interface.

The evaluator (:mod:`trainlint.analysis.evaluator`) stays one Python interpreter. Where it meets a call or an
attribute it has no meaning for (a name outside the audited code, an instance called like a function, a
method of a tensor, a loop over a data loader), it asks each front end; the first answer that is not ``None``
wins. After the run, each front end turns what it recorded into facts for the rules.

Keras is still recognised inside the evaluator itself (it came first); PyTorch is :mod:`.torch`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import libcst as cst

    from trainlint.analysis.values import Value


class Frontend:
    """The hooks, each answering ``None`` when the framework has nothing to say."""

    def claims(self, name: str) -> bool:
        """Whether calls of this outside name (canonical, dotted) are this framework's to evaluate."""
        return False

    def outside_call(self, interpreter, name: str, args, kwargs, node: cst.Call, state) -> Value | None:
        return None

    def starred_call(self, interpreter, function: Value, node: cst.Call, evaluated, state) -> Value | None:
        """A call with ``*args`` / ``**kwargs`` whose contents are unknown, which the evaluator leaves unknown;
        ``evaluated``: each ``(cst.Arg, value)`` as evaluated once."""
        return None

    def call_object(self, interpreter, callee: Value, args, kwargs, node: cst.Call, state) -> Value | None:
        """An object called like a function: a module instance, a loss object."""
        return None

    def attribute(self, base: Value, name: str, node: cst.Attribute) -> Value | None:
        return None

    def method_call(self, interpreter, receiver: Value, name: str, args, kwargs, node: cst.Call,
                    state) -> Value | None:
        return None

    def loop_item(self, iterable: Value) -> Value | None:
        """What a ``for`` target is bound to on each pass over ``iterable`` (a batch of a data loader)."""
        return None

    def standalone_self(self, interpreter, cls: Value, state) -> Value | None:
        """The ``self`` of a method nobody called (a Lightning ``training_step``)."""
        return None

    def facts(self, interpreter, unit: str) -> Iterable[Any]:
        """The facts for the rules, from what this front end recorded during the run."""
        return ()

    def loss_calls(self, interpreter, facts: list, unit: str) -> Iterable[tuple[Any, Any]]:
        """Each loss call this front end recorded, once: ``(node, None)`` when a fact binds it to a model output,
        else ``(node, Unresolved)`` saying why not (counted in the statistics, listed by --explain-unresolved)."""
        return ()


def frontends() -> tuple[Frontend, ...]:
    from trainlint.frameworks.torch import TORCH

    return (TORCH,)
