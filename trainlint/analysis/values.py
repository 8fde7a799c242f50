"""The abstract values the evaluator computes with.

A value is either known (a constant, a Keras layer call, a model) or a :class:`Sym`: an unknown with an
identity. Two uses of one ``num_classes`` parameter are the same ``Sym``, so a condition on it can be
assumed once and seen consistently everywhere it flows. Values are immutable; a model that grows with
``.add()`` is rebound to a new :class:`ModelValue` with the same ``identity``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import libcst as cst

from trainlint.analysis.deferred import DeferredFunction


class Value:
    """Base of every abstract value."""

    __slots__ = ()


def argument(args: tuple, kwargs: tuple[tuple[str, object], ...], name: str, position: int | None = None):
    """A call's argument by keyword, else by position (None when not passed)."""
    for key, value in kwargs:
        if key == name:
            return value
    if position is not None and position < len(args):
        return args[position]
    return None


@dataclass(frozen=True, eq=False)
class Sym(Value):
    """An unknown value. Equality is identity: the same unknown wherever it flows."""

    label: str
    anonymous: bool = field(default=False, compare=False)
    """Made by an expression (``count_classes(y)``, ``max(y) + 1``) rather than named by the code: the first
    variable it is assigned to names it in messages."""

    def __repr__(self) -> str:
        return f"Sym({self.label})"


@dataclass(frozen=True, eq=False)
class Distinct(Sym):
    """``set(y)`` / ``np.unique(y)`` of an unknown ``y``: unknown, but known to be the classes of ``of``."""

    of: Value | None = field(default=None, compare=False)


@dataclass(frozen=True, eq=False)
class Count(Sym):
    """An unknown number with a known relation, for the label rules: ``len(set(y))`` (``kind='distinct'``,
    ``of`` the labels) or ``len(tokenizer.word_index)`` (``kind='word_index'``, ``of`` the encoder call).
    Anything computed from it (``+ 1``) is a plain unknown again."""

    kind: str = field(default="", compare=False)
    of: Value | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Const(Value):
    """A Python constant; ``node`` is where it was written (not part of equality)."""

    value: Any
    node: cst.CSTNode | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Seq(Value):
    """A tuple, list or set (or the result of one), as its items were at one point of the run.

    A list or set has an ``identity``: the evaluator keeps its current contents in the heap under
    :func:`box_key`, so that every name aliasing it sees a mutation, and a mutation it does not model makes
    the contents unknown everywhere at once. A set keeps its distinct items in first-seen order, which is
    not Python's iteration order: only its size and membership are read.
    """

    items: tuple[Value, ...]
    node: cst.CSTNode | None = field(default=None, compare=False, hash=False, repr=False)
    identity: object | None = field(default=None, compare=False, hash=False, repr=False)
    kind: str = field(default="tuple", compare=False, hash=False, repr=False)
    """``tuple``, ``list`` or ``set``."""
    ordered: bool = field(default=True, compare=False, hash=False, repr=False)
    """False for a set, and for a list made from one (``list(set(labels))``): its size is known, not which
    item is where."""

    def version(self, items: tuple[Value, ...]) -> Seq:
        """The same container holding ``items``."""
        return Seq(items, self.node, self.identity, self.kind, self.ordered)


@dataclass(frozen=True)
class Mapping(Value):
    """A dict literal whose keys are constants."""

    items: tuple[tuple[Value, Value], ...]
    node: cst.CSTNode | None = field(default=None, compare=False, hash=False, repr=False)
    identity: object | None = field(default=None, compare=False, hash=False, repr=False)
    """Like a list's (:class:`Seq`): a dict is mutable, its current contents live in the heap."""

    def version(self, items: tuple[tuple[Value, Value], ...]) -> Mapping:
        return Mapping(items, self.node, self.identity)

    def get(self, key: object) -> Value | None:
        for k, v in self.items:
            if isinstance(k, Const) and k.value == key:
                return v
        return None


@dataclass(frozen=True)
class Ref(Value):
    """A name outside the audited code (a module, class or function), by canonical dotted name."""

    name: str
    node: cst.CSTNode | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True, eq=False)
class Call(Value):
    """An object built by calling an outside class: a layer, a loss, a metric, an optimizer."""

    target: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    node: cst.Call

    def argument(self, name: str, position: int | None = None) -> Value | None:
        return argument(self.args, self.kwargs, name, position)

    def argument_node(self, name: str, position: int | None = None) -> cst.CSTNode | None:
        return argument_node(self.node, name, position)

    @property
    def short_name(self) -> str:
        return self.target.rsplit(".", 1)[-1]


@dataclass(frozen=True, eq=False)
class Tensor(Value):
    """What a layer or an activation function returns when applied to a tensor (the functional API)."""

    producer: Value
    inputs: tuple[Value, ...]
    node: cst.CSTNode | None = None


class Opaque(Value):
    """A layer we cannot see: appended in a loop of unknown length, or built by code we cannot follow."""

    __slots__ = ("why", "detail")

    def __init__(self, why: str, detail: str = ""):
        self.why = why
        """Why it cannot be seen, for the coverage report."""
        self.detail = detail
        """What it is (a custom layer's class name)."""

    def __repr__(self) -> str:
        return f"Opaque({self.why})"


OPAQUE = Opaque("layers added in a loop")
OPAQUE_STACK = Opaque("Sequential of a list not followed")
OPAQUE_CALL = Opaque("subclass call() not followed")
OPAQUE_NO_CALL = Opaque("subclass without call()")


@dataclass(frozen=True, eq=False)
class Affine(Value):
    """``x @ w`` (plus a bias) with ``w`` a trained weight, in a custom layer's call(): what a ``Dense`` without
    activation computes, a linear head (logits) of ``units`` outputs (None: not known exactly)."""

    function: str
    units: int | None
    node: cst.CSTNode | None = None


@dataclass(frozen=True, eq=False)
class LayerOutput(Value):
    """A custom layer in a ``Sequential`` stack: what its call() returns for the stack's tensor ``placeholder``
    (an output that reaches back to it passes the layers before it on)."""

    layer: Value
    output: Value
    placeholder: Value


@dataclass(frozen=True, eq=False)
class ModelValue(Value):
    """A Keras model: a ``Sequential`` layer stack, or the outputs of a functional / subclassed model."""

    identity: object
    node: cst.CSTNode
    layers: tuple[Value, ...] | None = None
    outputs: tuple[Value, ...] | None = None
    keyed: bool = False
    """Its outputs were given as a dict: calling it returns a dict (unpacking that yields the keys)."""

    def with_layer(self, layer: Value) -> ModelValue:
        return ModelValue(self.identity, self.node, (*(self.layers or ()), layer), None)


@dataclass(frozen=True, eq=False)
class Function(Value):
    """A function or method defined in the audited code."""

    definition: cst.FunctionDef | DeferredFunction
    globals: dict  # the environment of the module it was defined in
    bound_self: Value | None = None

    @property
    def node(self) -> cst.FunctionDef | None:
        """The ``def``; a function of an imported module is parsed here, on first use (None: it cannot be)."""
        definition = self.definition
        return definition.parse() if isinstance(definition, DeferredFunction) else definition


@dataclass(frozen=True, eq=False)
class ClassValue(Value):
    node: cst.ClassDef
    globals: dict
    bases: tuple[Value, ...]
    methods: dict[str, cst.FunctionDef]


@dataclass(frozen=True, eq=False)
class ModuleValue(Value):
    """A module of the audited project, bound by ``import``; ``member(name)`` looks a global up (None: unknown)."""

    name: str
    member: Callable[[str], Value | None] = field(repr=False)


@dataclass(eq=False)
class Instance(Value):
    """An instance of a class defined in the audited code; attributes set through ``self.x = ...``."""

    cls: ClassValue
    attributes: dict[str, Value]


@dataclass(frozen=True, eq=False)
class Span(Value):
    """``range(start, stop, step)`` too long to spell out, or with an unknown bound: its length is all we read."""

    start: Value
    stop: Value
    step: Value


def box_key(value: Value) -> tuple | None:
    """Where the heap keeps a mutable container's current contents (None: the value is not one)."""
    identity = getattr(value, "identity", None) if isinstance(value, (Seq, Mapping)) else None
    return None if identity is None else ("box", identity)


def is_none(value: Value | None) -> bool:
    return isinstance(value, Const) and value.value is None


@dataclass(frozen=True, eq=False)
class Choice(Value):
    """A value that depends on an undecided condition: ``if_true`` where it holds, ``if_false`` where not.

    Joining the two branches of an ``if`` into guarded values (rather than forking the rest of the run)
    keeps the evaluation linear; the scenarios are enumerated later, only over the conditions a finding
    rests on. The condition is shared, so every value guarded by ``num_classes == 2`` agrees.
    """

    condition: Any  # scenario.Condition
    if_true: Value
    if_false: Value

    def branch(self, holds: bool) -> Value:
        return self.if_true if holds else self.if_false


def argument_node(call: cst.Call, name: str, position: int | None = None) -> cst.CSTNode | None:
    """Where an argument of a call was written, for locations: by keyword, else by position."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if position is not None and position < len(positional):
        return positional[position]
    return None


def pick(value: Value | None, scenario) -> Value | None:
    """The alternative a scenario selects, through nested choices; a choice it cannot decide stays one."""
    while isinstance(value, Choice):
        decided = scenario.decide(value.condition)
        if decided is None:
            return value
        value = value.branch(decided)
    return value


def constant_in(value: Value | None, scenario):
    """The Python constant a value stands for in a scenario (``scenario.Scenario``), or None."""
    value = pick(value, scenario)
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Sym):
        known, constant = scenario.constant_of(value)
        if known:
            return constant
    return None


@dataclass(frozen=True, eq=False)
class Derived(Value):
    """What a method of a known outside object returns: ``tokenizer.texts_to_sequences(y)``,
    ``encoder.fit_transform(y)``, ``datagen.flow_from_directory(...)``, ``np.eye(k)[y]``, the labels a
    ``keras.datasets`` loader returns.
    """

    source: Call
    method: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    fitted: Value | None
    """What ``source`` had been fitted on (``fit_on_texts`` / ``adapt`` / ``fit``) when this was computed."""
    node: cst.CSTNode

    def argument(self, name: str, position: int | None = None) -> Value | None:
        return argument(self.args, self.kwargs, name, position)


@dataclass(frozen=True, eq=False)
class CompiledLoss(Value):
    """The loss ``compile`` gave a Keras model, read by the model's own code: ``self.loss`` (the object or function
    passed to ``compile``, called as it is), ``self.compiled_loss`` / ``self.compute_loss`` (the loss ``compile``
    built from it, strings resolved as ``compile`` resolves them), or Keras's own ``train_step`` reached through
    ``super().train_step`` (``form == "train_step"``: the loss applied to ``self(x)``).

    Calling it in a ``train_step`` is what ties the compile call's loss to a prediction: the evaluator collects
    those predictions (``ModelEvent.trained_on``)."""

    owner: Value
    """The model's :class:`Instance`."""
    form: str

    PREDICTION: ClassVar[dict[str, int]] = {"loss": 1, "compiled_loss": 1, "compute_loss": 2}
    """Where each form takes ``y_pred`` by position (by keyword it is ``y_pred`` in every Keras):
    ``loss(y_true, y_pred)``, ``compiled_loss(y_true, y_pred)``, ``compute_loss(x, y, y_pred)``."""


@dataclass(frozen=True, eq=False)
class AppliedLoss(Value):
    """What a loss returns when applied to ``(target, prediction)``: ``loss_fn(y, logits)``,
    ``keras.losses.categorical_crossentropy(y, p)``, ``tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)``.

    ``loss`` is the loss object (a :class:`Call`) or the loss function (a :class:`Ref`); ``signature`` says how
    it reads its arguments (``knowledge.LossSignature``). A user function whose return is exactly such a value
    on its own two parameters stands for that loss (``compile(loss=my_loss)``).
    """

    loss: Value
    signature: Any
    target: Value | None
    prediction: Value | None
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    node: cst.Call

    def argument(self, name: str, position: int | None = None) -> Value | None:
        return argument(self.args, self.kwargs, name, position)

    def argument_node(self, name: str, position: int | None = None) -> cst.CSTNode | None:
        return argument_node(self.node, name, position)
