"""A small symbolic interpreter over the subset of Python that model-building code uses.

It walks a libcst module statement by statement, keeping an environment of abstract values
(:mod:`trainlint.analysis.values`), follows calls into functions of the same module with their arguments
bound, and records every ``compile(...)`` / ``fit(...)`` it meets on a model it can see. It never imports or
runs the audited code.

Branches: an ``if`` whose condition the current :class:`Scenario` cannot decide runs both branches, each in
a scenario that assumes one polarity, and joins them: a name bound differently becomes a :class:`Choice`
guarded by the condition. A function returns a ``Choice`` built the same way, so a helper and its caller
agree on ``num_classes == 2`` without re-running anything; the extractor later enumerates only the
conditions a finding rests on. When the assumptions hit their bound, an undecided branch is skipped and the
names it assigns become unknown: silence, never a guess.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from functools import lru_cache
from typing import Any, ClassVar, Iterable, Iterator

import libcst as cst

from trainlint import knowledge
from trainlint.analysis.deferred import DeferredFunction
from trainlint.analysis.scenario import Condition, Scenario
from trainlint.analysis.standalone import Outline, StandaloneFilter
from trainlint.analysis.values import (
    OPAQUE,
    OPAQUE_CALL,
    OPAQUE_NO_CALL,
    OPAQUE_STACK,
    Affine,
    AppliedLoss,
    Call,
    Choice,
    ClassValue,
    CompiledLoss,
    Const,
    Count,
    Derived,
    Distinct,
    Function,
    Instance,
    LayerOutput,
    Mapping,
    ModelValue,
    ModuleValue,
    Ref,
    Seq,
    Span,
    Sym,
    Opaque,
    Tensor,
    Value,
    argument,
    box_key,
    is_none,
    pick,
)
from trainlint.frameworks import frontends

MAX_STATES = 16
MAX_ASSUMPTIONS = 4
MAX_CALL_DEPTH = 10
MAX_UNROLL = 8
MAX_STEPS = 200_000
MAX_COMPREHENSION = 256

BUILTINS = frozenset(
    {"len", "int", "float", "str", "bool", "range", "max", "min", "list", "tuple", "abs", "round", "sorted",
     "set", "print", "isinstance", "enumerate", "zip", "super", "dict", "frozenset", "reversed", "sum", "map",
     "filter", "any", "all"}
)


@dataclass(frozen=True, eq=False)
class Undecided(Value):
    """The value of a comparison on an unknown: ``condition`` is ``polarity`` (``num_classes == 2``)."""

    condition: Condition
    polarity: bool


@dataclass(frozen=True, eq=False)
class Method(Value):
    """``obj.name`` where ``obj`` is a model or an instance: resolved when called."""

    receiver: Value
    name: str
    receiver_node: cst.BaseExpression


@dataclass(frozen=True, eq=False)
class ArgumentParser(Value):
    """An ``argparse.ArgumentParser``. ``add_argument`` mutates it: its options live in the heap under
    ``("options", id(parser))``, a tuple of :class:`Option` (None: code we cannot see may have added some)."""

    node: cst.CSTNode


@dataclass(frozen=True)
class Option:
    dest: str
    flag: str
    default: Value
    """The value the option has when the command line leaves it out; a :class:`Sym` when not known."""


@dataclass(frozen=True, eq=False)
class Namespace(Value):
    """What ``parse_args()`` returns: each option is its default only when the command line leaves it out,
    so ``args.loss`` is a :class:`Choice` on the condition "--loss left at its default"."""

    options: tuple[Option, ...]


@dataclass(frozen=True)
class ModelEvent:
    """A ``compile`` or ``fit`` call on a model the evaluator could see."""

    method: str
    model: ModelValue
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    node: cst.Call
    scenario: Scenario
    overridden: bool = False
    """The model's class defines this method: its arguments are the class's own, not Keras's."""
    trained_on: tuple[CompiledLossUse, ...] | None = None
    """For ``compile``: where the class's own ``train_step`` applies the compiled loss (empty: it never does, it
    trains with losses of its own). None: Keras's ``train_step`` applies it to the model's outputs, or the class's
    applies it only to ``self(x)``, the same outputs."""

    def argument(self, name: str, position: int | None = None) -> Value | None:
        return argument(self.args, self.kwargs, name, position)


@dataclass(frozen=True)
class CompiledLossUse:
    """``self.loss(y, pred)`` / ``self.compiled_loss(y, pred)`` / ``self.compute_loss(x, y, pred)`` in a model's own
    ``train_step``: the loss given to ``compile`` meets ``prediction`` (None: not passed)."""

    prediction: Value | None
    form: str
    """How it was reached (:class:`CompiledLoss`): ``self.loss`` calls the object passed to ``compile`` as it is."""
    node: cst.Call


class _NoCondition(Value):
    """A test that must not become a condition: an ``if`` on it evaluates neither branch."""

    __slots__ = ()


_NO_CONDITION = _NoCondition()


@dataclass(frozen=True)
class LossEvent:
    """A loss applied outside ``compile`` (``loss_fn(y, logits)`` in a training loop), whatever it is applied to.

    The extractor binds it to a model only when the prediction argument is that model's output, seen through
    nothing but activations (``model(x, training=True)``, ``tf.nn.softmax(model(x))``, ``self(x)`` in a Keras
    model's ``train_step``): the result of calling a :class:`ModelValue` is a :class:`Tensor` whose producer is
    that model, so the output remembers its model wherever it flows. Each bound event gives a ``TrainingSetup``
    like ``compile`` does, and every rule runs on it unchanged.

    Another framework produces the same two things: its front end makes calling a model (a ``torch.nn.Module``
    instance) return a ``Tensor`` produced by the model's value, and records a ``LossEvent`` when a loss meets
    it (``criterion(out, y)``: an :class:`AppliedLoss` whose ``signature`` names PyTorch's argument order,
    prediction first); its extractor reads the head of that model and the loss with PyTorch's semantics.
    """

    applied: AppliedLoss
    scenario: Scenario
    place: str
    """Where the loss is applied, for messages: ``"loss_fn(...) in train_step()"``."""
    method: ClassVar[str] = "loss"

    @property
    def node(self) -> cst.Call:
        return self.applied.node

    @property
    def model(self) -> ModelValue | None:
        """The model whose output the prediction is, looking through activations only (any scenario)."""
        tensor = self.applied.prediction
        for _ in range(16):
            if not isinstance(tensor, Tensor):
                return None
            if isinstance(tensor.producer, ModelValue):
                return tensor.producer
            if len(tensor.inputs) != 1:
                return None
            tensor = tensor.inputs[0]
        return None

    def argument(self, name: str, position: int | None = None) -> Value | None:
        """A loss application has none of ``compile``'s arguments (the optimizer is applied elsewhere)."""
        return None


class _Split(Exception):
    """A test needs a condition the scenario leaves open: the caller evaluates both polarities."""

    def __init__(self, condition: Condition):
        self.condition = condition


class _Undecidable(Exception):
    """A branch that cannot be split any further."""


class _BudgetExceeded(Exception):
    pass


@dataclass
class State:
    env: dict[str, Value]
    heap: dict[Any, Value]
    scenario: Scenario
    done: bool = False
    result: Value | None = None

    def fork(self, scenario: Scenario | None = None) -> State:
        return State(dict(self.env), dict(self.heap), scenario if scenario is not None else self.scenario,
                     self.done, self.result)


@dataclass
class Frame:
    """Where a name is looked up: the function's locals (the state's env), then the module's globals."""

    globals: dict[str, Value]
    unknowns: dict[str, Sym] = field(default_factory=dict)
    function: cst.FunctionDef | None = None


class Interpreter:
    """Evaluates one module; ``events`` collects what it saw."""

    def __init__(self, module: cst.Module, unit: str, resolve_import=None, outline: Outline | None = None):
        self.module = module
        self.outline = outline
        """The module's source lines by definition (:mod:`.standalone`): without it, every function nobody
        called is run on its own; with it, only those whose text can lead to something the run records."""
        self.unit = unit
        self.events: list[ModelEvent] = []
        self.losses: list[LossEvent] = []
        """Every loss applied outside ``compile``, in evaluation order (a statement re-run meets it again)."""
        self._model_of_instance: dict[int, tuple[Instance, ModelValue]] = {}
        self._instance_of_model: dict[int, Instance] = {}
        """A subclassed Keras model is both: ``self.attr`` reads the instance, ``self(x)`` calls the model."""
        self._unknown_instances: dict[int, tuple[Instance, dict]] = {}
        self.optimizers: dict[int, Call] = {}
        self._star_modules: list[str] = []
        """Keras modules imported with ``*``: a name they export, bound nowhere else, is theirs."""
        self.unseen_compiles: dict[int, tuple[cst.Call, Value, tuple, tuple]] = {}
        """``x.compile(...)`` calls on something that is no model the evaluator built (a loaded model, a parameter),
        by call site: the receiver, args and kwargs. Counted by the coverage report, never judged."""
        """Every optimizer constructed, by call site (Keras 3 raises at construction, compiled or not)."""
        self.resolve_import = resolve_import
        self._steps = 0
        self.stopped: str | None = None
        """Why the run stopped before the end of the module (what follows was not evaluated), if it did."""
        self._unknown_loops = 0
        """How many loops of unknown length ran (a data loop inside a loop of known length marks an epoch loop)."""
        self._discarded: cst.CSTNode | None = None
        """The expression of the expression statement being run: its value is not kept."""
        self._call_stack: list[cst.FunctionDef] = []
        self._executed: set[int] = set()
        self._derived_syms: dict[tuple[int, str], Sym] = {}
        self._defaults: dict[tuple[int, str], Choice] = {}
        self._stable_syms: dict[tuple, tuple[Sym, tuple]] = {}
        self._receiver_of: dict[int, tuple[Value, str]] = {}
        """For an unknown attribute of an unknown (``labels.append``): that unknown, and the attribute."""
        self._assigned: dict[cst.CSTNode, set[str]] = {}
        self._mentioned: dict[cst.CSTNode, set[str]] = {}
        self._current: cst.CSTNode | None = None
        self.statement_of: dict[int, cst.CSTNode] = {}
        """The statement that evaluated each expression, by the expression's id."""
        self._made_by: dict[int, tuple[Sym, str]] = {}
        """The call that returned each unknown result (``keras_cv.models.DeepLabV3Plus.from_preset(...)``), by id,
        for the coverage reason of a compile call on it: the variable's name says less."""
        self._trained_on: list[CompiledLossUse] | None = None
        """While a compile call runs its class's ``train_step``: where the compiled loss is applied."""
        self._trainee: tuple[Instance, ModelValue] | None = None
        """The model that compile call is on."""
        self._trained_partly = False
        """That step handed the model or one of its methods to code the evaluator does not follow
        (``jax.value_and_grad(self.compute_loss_and_updates)``): it may apply the compiled loss there."""
        self._super_compiles: list[tuple[tuple, tuple]] | None = None
        """While a model's own ``compile`` runs: the arguments of its ``super().compile(...)`` calls."""
        self.frontends = frontends()
        self.framework_events: list = []
        """What the framework front ends recorded (``frameworks/``): a PyTorch loss applied to an output."""

    # --- entry point ------------------------------------------------------------------------------------

    def run(self) -> list[ModelEvent]:
        globals_env: dict[str, Value] = {"__name__": Const("__main__")}
        state = State(globals_env, {}, Scenario())
        frame = Frame(globals_env)
        try:
            finals = self._block(self.module.body, [state], frame)
            module_globals = finals[0].env if finals else globals_env
            module_heap = finals[0].heap if finals else {}
            worth: StandaloneFilter | None = None
            for function, owner in self._functions(self.module.body):
                if id(function) in self._executed:
                    continue
                if worth is None and self.outline is not None:
                    worth = StandaloneFilter(self, self.outline, module_globals, module_heap)
                if worth is None or worth.worth_running(function, owner):
                    self._run_standalone(function, owner, module_globals, module_heap)
        except _BudgetExceeded:
            self.stopped = "the evaluator's step budget"
        except RecursionError:
            self.stopped = "Python's recursion limit"
        return self.events

    def module_globals(self, name: str, body: Iterable[cst.BaseStatement | DeferredFunction] | None = None
                       ) -> dict[str, Value]:
        """The globals this module's top level leaves when it is imported as ``name`` (no standalone runs);
        ``body`` is its top level with functions left unparsed until called (:mod:`.deferred`)."""
        globals_env: dict[str, Value] = {"__name__": Const(name)}
        statements = self.module.body if body is None else body
        try:
            finals = self._block(statements, [State(globals_env, {}, Scenario())], Frame(globals_env))
        except (_BudgetExceeded, RecursionError):
            return {}
        live = [final for final in finals if not final.done]
        if len(live) != 1:
            return {}
        final = live[0]
        # A model is exported as its .add() calls left it, a list or dict as its mutations left it; the
        # module's own functions run later under the importer's heap, so their globals are rewritten too.
        for key, value in list(final.env.items()):
            if isinstance(value, ModelValue):
                final.env[key] = pick(final.heap.get(("model", value.identity), value), final.scenario)
            elif box_key(value) is not None:
                final.env[key] = pick(final.heap.get(box_key(value), value), final.scenario)
        return dict(final.env)

    def _functions(self, body: Iterable[cst.CSTNode], owner: cst.ClassDef | None = None):
        for statement in body:
            if type(statement) is cst.FunctionDef:
                yield statement, owner
            elif type(statement) is cst.ClassDef and type(statement.body) is cst.IndentedBlock:
                yield from self._functions(statement.body.body, statement)

    def _run_standalone(self, function: cst.FunctionDef, owner: cst.ClassDef | None, globals_env, module_heap):
        """Evaluate a function nobody called, its parameters unknown (a ``train(num_classes)`` entry point).

        It starts from the heap the module's top level left: a global list filled there is read as filled.
        """
        frame = Frame(globals_env, function=function)
        env: dict[str, Value] = {}
        state = State(env, dict(module_heap), Scenario())
        params = list(_all_params(function.params))
        for index, param in enumerate(params):
            name = param.name.value
            if index == 0 and owner is not None and name in ("self", "cls"):
                owner_value = globals_env.get(owner.name.value)
                if isinstance(owner_value, ClassValue):
                    env[name] = self._standalone_self(owner_value, function, state) or self._unknown_instance(
                        owner_value, function, owner, state.heap)
                    continue
            env[name] = Sym(name)
        self._call_stack.append(function)
        try:
            self._block(_body_statements(function.body), [state], frame)
        finally:
            self._call_stack.pop()

    def _standalone_self(self, cls: ClassValue, function: cst.FunctionDef, state: State) -> Value | None:
        """A framework's ``self`` for a method nobody called (a PyTorch module's ``training_step``)."""
        if function.name.value != "__init__":
            for frontend in self.frontends:
                instance = frontend.standalone_self(self, cls, state)
                if instance is not None:
                    return instance
        return None

    def _unknown_instance(self, cls: ClassValue, function: cst.FunctionDef, owner: cst.ClassDef,
                          heap: dict) -> Instance:
        """``self`` for a method run standalone: for a Keras model's ``train_step`` and the like, an instance
        built with every ``__init__`` parameter unknown (defaults too: a caller may pass others), so that
        ``self(x)`` is the model's output and ``self.loss_fn`` what ``__init__`` stored."""
        if function.name.value in ("__init__", "call", "build") or not _derives_from_keras_model(cls):
            return Instance(cls, {})
        if id(cls) not in self._unknown_instances:
            init = _find_method(cls, "__init__")
            kwargs = tuple((p.name.value, Sym(p.name.value)) for p in (
                *(init.params.params[1:] if init is not None else ()), *(init.params.kwonly_params if init else ())))
            state = State({}, {}, Scenario())
            model = self._instantiate(cls, (), kwargs, owner, state)
            instance = self._instance_of_model.get(id(model.identity)) if isinstance(model, ModelValue) else None
            self._unknown_instances[id(cls)] = (instance or Instance(cls, {}), state.heap)
        instance, instance_heap = self._unknown_instances[id(cls)]
        heap.update(instance_heap)
        return instance

    # --- statements -------------------------------------------------------------------------------------

    def _block(self, statements: Iterable[cst.CSTNode], states: list[State], frame: Frame) -> list[State]:
        for statement in statements:
            next_states: list[State] = []
            for state in states:
                if state.done:
                    next_states.append(state)
                else:
                    next_states.extend(self._statement(statement, state, frame))
            states = next_states[:MAX_STATES]
        return states

    def _statement(self, statement, state: State, frame: Frame) -> list[State]:
        self._tick()
        outer, self._current = self._current, statement
        try:
            return self._statement_kind(statement, state, frame)
        finally:
            self._current = outer

    def _statement_kind(self, statement, state: State, frame: Frame) -> list[State]:
        kind = type(statement)  # libcst's node classes are ABCs: a failed isinstance() costs a Python call
        if kind is cst.SimpleStatementLine:
            for small in statement.body:
                self._small_statement(small, state, frame)
                if state.done:
                    break
            return [state]
        if kind is cst.If:
            return self._if(statement, state, frame)
        if kind is cst.FunctionDef:
            if frame.function is not None:  # a closure: it may mutate the enclosing function's containers
                self._escape_names(statement.body, state, frame)
            state.env[statement.name.value] = Function(statement, self._globals_of(state, frame))
            return [state]
        if kind is cst.ClassDef:
            self._class_def(statement, state, frame)
            return [state]
        if kind is cst.For:
            return self._for(statement, state, frame)
        if kind is cst.While:
            # The test runs before the first pass, whatever it finds, and again after each one: what those later
            # runs change is forgotten with what the body changes (``while fill(labels):`` fills labels).
            self._eval(statement.test, state, frame)
            states = self._loop_unknown(statement.body, state, frame, None, then=statement.test)
            if statement.orelse is not None:
                for after in states:
                    for inner in _body_statements(statement.orelse.body):
                        self._forget_assigned(inner, after, frame)
            return states
        if kind is cst.With:
            for item in statement.items:
                self._eval(item.item, state, frame)
                if item.asname is not None:
                    self._assign(item.asname.name, Sym("with"), state, frame)
            return self._block(_body_statements(statement.body), [state], frame)
        if kind is cst.Try or kind is cst.TryStar:
            states = self._block(_body_statements(statement.body), [state], frame)
            for handler in statement.handlers:  # not evaluated: what they may mutate becomes unknown
                for after in states:
                    if not after.done:
                        self._escape_names(handler, after, frame)
            if statement.orelse is not None:
                states = self._block(_body_statements(statement.orelse.body), states, frame)
            if statement.finalbody is not None:
                states = self._block(_body_statements(statement.finalbody.body), states, frame)
            return states
        if isinstance(statement, DeferredFunction):
            state.env[statement.name] = Function(statement, self._globals_of(state, frame))
        return [state]

    def _small_statement(self, small, state: State, frame: Frame) -> None:
        kind = type(small)
        if kind is cst.Expr:
            self._discarded = small.value
            self._eval(small.value, state, frame)
        elif kind is cst.Assign:
            value = self._eval(small.value, state, frame)
            if len(small.targets) == 1:
                _name_unknowns(small.targets[0].target, value)
            for target in small.targets:
                self._assign(target.target, value, state, frame)
        elif kind is cst.AnnAssign:
            if small.value is not None:
                self._assign(small.target, self._eval(small.value, state, frame), state, frame)
        elif kind is cst.AugAssign:
            self._augmented(small, state, frame)
        elif kind is cst.Del:
            self._delete(small.target, state, frame)
        elif kind is cst.Return:
            state.result = self._eval(small.value, state, frame) if small.value is not None else Const(None)
            state.done = True
        elif kind is cst.Raise:
            state.done = True
            state.result = None
        elif kind is cst.Global and frame.function is not None:
            for name in small.names:  # rebound here, in a way the module's own run does not see
                frame.globals[name.name.value] = Sym(name.name.value)
        elif kind is cst.Import:
            for alias in small.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None:
                    self._bind_import(alias.asname.name, dotted, state)
                else:
                    top = dotted.split(".")[0]
                    state.env[top] = self._import_value(top, small)
        elif kind is cst.ImportFrom:
            self._import_from(small, state)

    def _augmented(self, small: cst.AugAssign, state: State, frame: Frame) -> None:
        """``n += 2`` is ``n = n + 2``, except that a list is extended in place (every alias sees it)."""
        current = self._eval(small.target, state, frame)
        operand = self._eval(small.value, state, frame)
        operator = _AUGMENTED.get(type(small.operator))
        if box_key(current) is not None:
            in_place = {cst.Add: "+=", cst.Multiply: "*="}.get(type(operator), "?=")
            self._mutate(current, in_place, (operand,), state, _label(small.target))
            self._assign(small.target, current, state, frame)
            return
        if operator is None:
            result = None
        else:
            result = self._lift((current, operand), state, lambda a, b: self._operation(operator, a, b, state) or Sym(
                _label(small.target)))
        self._assign(small.target, result or Sym(_label(small.target)), state, frame)

    def _operation(self, operator, left: Value, right: Value, state: State, node=None) -> Value | None:
        """``left <operator> right`` on constants, and on lists and tuples: ``base() + head()``, ``[x] * k``;
        ``x @ w + b`` in a custom layer."""
        result = _arithmetic(operator, left, right) or _sequence_arithmetic(operator, left, right)
        if result is None and (type(left) in _TENSOR_OPERANDS or type(right) in _TENSOR_OPERANDS):
            return _affine_operation(operator, left, right, node)
        return self._new_box(result, state) if box_key(result) is not None else result

    def _delete(self, target, state: State, frame: Frame) -> None:
        if type(target) is cst.Name:
            state.env[target.value] = Sym(target.value)
        elif type(target) in (cst.Tuple, cst.List):
            for element in target.elements:
                self._delete(element.value, state, frame)
        elif type(target) is cst.Subscript:
            owner = self._eval(target.value, state, frame)
            if box_key(owner) is not None:
                self._mutate(owner, "del", (), state, _label(target.value))
            else:
                self._renew(owner, state, frame)
        elif type(target) is cst.Attribute:
            self._assign(target, Sym(_label(target)), state, frame)

    # --- mutable containers -------------------------------------------------------------------------------

    def _mutate(self, container: Value, operation: str, args: tuple[Value, ...], state: State, label: str,
                kwargs: tuple = ()) -> Value:
        """Apply a mutation to a list, set or dict in the heap; what is not modelled makes it unknown."""
        key = box_key(container)
        current = pick(state.heap.get(key, container), state.scenario)
        args = tuple(self._resolved(a, state) for a in args)
        result = _container_mutation(current, operation, args, kwargs) if isinstance(current, (Seq, Mapping)) \
            else None
        if result is None:
            state.heap[key] = Sym(label)
            return Sym(f"{label}.{operation}(...)")
        updated, returned = result
        state.heap[key] = updated
        return returned

    def _escape(self, values: Iterable[Value], state: State, callables_only: bool = False) -> None:
        """Code we cannot see receives these values: every list or dict it could mutate becomes unknown.

        ``callables_only``: the callee does not mutate its arguments (Keras, NumPy), but may call a bound
        method it is given (``model.summary(print_fn=lines.append)``).
        """
        pending = list(values)
        if self._trained_on is not None and not self._trained_partly:
            self._trained_partly = any(self._owned_by_trainee(value) for value in pending)
        seen: set[int] = set()
        while pending and len(seen) < 200:
            value = pending.pop()
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, Choice):
                pending += (value.if_true, value.if_false)
            elif isinstance(value, Method):
                if box_key(value.receiver) is not None:
                    state.heap[box_key(value.receiver)] = Sym(_label(value.receiver_node))
                elif not callables_only:
                    pending.append(value.receiver)
            elif callables_only:
                if isinstance(value, (Seq, Mapping)):
                    pending += _contents(pick(state.heap.get(box_key(value), value), state.scenario))
            elif box_key(value) is not None:
                current = pick(state.heap.get(box_key(value), value), state.scenario)
                state.heap[box_key(value)] = Sym(_box_label(value))
                if isinstance(current, (Seq, Mapping)):
                    pending += _contents(current)
            elif isinstance(value, (Seq, Mapping)):
                pending += _contents(value)
            elif isinstance(value, ArgumentParser):
                state.heap[("options", id(value))] = None
            elif isinstance(value, Namespace):
                for option in value.options:
                    state.heap[(id(value), option.dest)] = Sym(option.dest)
            elif isinstance(value, Instance):
                for key, attribute in list(state.heap.items()):
                    if key[0] == id(value) and box_key(attribute) is not None:
                        pending.append(attribute)

    def _escape_names(self, node: cst.CSTNode, state: State, frame: Frame) -> None:
        """A lambda, an unmodelled comprehension, a nested function or an except clause may mutate any
        container its code names: make those unknown."""
        values = []
        names = self._mentioned.get(node)
        if names is None:
            names = self._mentioned[node] = _names_in(node)
        for name in names:
            value = state.env.get(name, frame.globals.get(name))
            if isinstance(value, (Function, ClassValue, Instance)):
                self._escape_everything(state)  # a function of ours may mutate any global container
                return
            if value is not None:
                values.append(self._resolved(value, state))
        self._escape(values, state)

    @staticmethod
    def _escape_everything(state: State) -> None:
        for key, value in list(state.heap.items()):
            if key[0] == "box":
                state.heap[key] = Sym(_box_label(value) if isinstance(value, (Seq, Mapping)) else "container")

    def _import_from(self, small: cst.ImportFrom, state: State) -> None:
        if type(small.names) is cst.ImportStar:
            if small.module is not None and not small.relative:
                module = knowledge.canonical_name(_dotted(small.module))
                if module in knowledge.KERAS_MODULE_EXPORTS and module not in self._star_modules:
                    self._star_modules.append(module)
            return
        base = _dotted(small.module) if small.module is not None else ""
        relative = "." * len(small.relative)
        for alias in small.names:
            name = alias.name.value if type(alias.name) is cst.Name else _dotted(alias.name)
            target = alias.asname.name if alias.asname is not None else alias.name
            dotted = f"{relative}{base}.{name}" if base else f"{relative}{name}"
            self._bind_import(target, dotted, state)

    def _bind_import(self, target, dotted: str, state: State) -> None:
        if type(target) is cst.Name:
            state.env[target.value] = self._import_value(dotted, target)

    def _import_value(self, dotted: str, node) -> Value:
        if self.resolve_import is not None:
            resolved = self.resolve_import(dotted)
            if resolved is not None:
                return resolved
        if dotted.startswith("."):
            return Sym(dotted)
        if dotted in STANDARD_CONSTANTS:
            return Const(STANDARD_CONSTANTS[dotted], node)
        return Ref(dotted, node)

    def _class_def(self, statement: cst.ClassDef, state: State, frame: Frame) -> None:
        bases = tuple(self._eval(arg.value, state, frame) for arg in statement.bases)
        methods: dict[str, cst.FunctionDef] = {}
        if type(statement.body) is cst.IndentedBlock:
            for item in statement.body.body:
                if type(item) is cst.FunctionDef:
                    methods[item.name.value] = item
        state.env[statement.name.value] = ClassValue(statement, self._globals_of(state, frame), bases, methods)

    @staticmethod
    def _globals_of(state: State, frame: Frame) -> dict[str, Value]:
        """The module environment a definition sees: at module level it is the (live) state environment."""
        return frame.globals if frame.function is not None else state.env

    def _if(self, statement: cst.If, state: State, frame: Frame, seen: dict[int, Value] | None = None
            ) -> list[State]:
        """``seen``: the values of the test's parts evaluated before a split (the test runs once, as in Python:
        each side of the split reads them again instead of calling what they call again)."""
        seen = {} if seen is None else seen
        try:
            taken = self._truth(statement.test, state, frame, seen)
        except _Split as split:
            if len(state.scenario.assumptions) >= MAX_ASSUMPTIONS:
                self._forget_assigned(statement, state, frame)
                return [state]
            condition = split.condition
            holds = self._if(statement, state.fork(state.scenario.assume(condition, True)), frame, dict(seen))
            fails = self._if(statement, state.fork(state.scenario.assume(condition, False)), frame, dict(seen))
            return _join(condition, holds, fails, state)
        except _Undecidable:
            self._forget_assigned(statement, state, frame)
            return [state]
        if taken:
            return self._block(_body_statements(statement.body), [state], frame)
        orelse = statement.orelse
        if orelse is None:
            return [state]
        if type(orelse) is cst.If:
            return self._if(orelse, state, frame)
        return self._block(_body_statements(orelse.body), [state], frame)

    def _for(self, statement: cst.For, state: State, frame: Frame) -> list[State]:
        iterable = pick(self._eval(statement.iter, state, frame), state.scenario)
        # A short known iterable is unrolled (``for units in [64, 32]``, ``for name in sorted(CLASSES)``); a
        # data loop, or one that may stop early, runs once and forgets what it changed.
        items = _iteration_items(iterable, MAX_UNROLL)
        if items is None or _jumps(statement.body):
            states = self._loop_unknown(statement.body, state, frame, statement.target, iterable)
            if statement.orelse is not None:
                for after in states:
                    for inner in _body_statements(statement.orelse.body):
                        self._forget_assigned(inner, after, frame)
            return states
        states = [state]
        for index, item in enumerate(items):
            for live in states:
                if not live.done:
                    self._assign(statement.target, item, live, frame)
            loops, trainings = self._unknown_loops, self._trainings()
            states = self._block(_body_statements(statement.body), states, frame)
            if index == 0 and len(items) > 2 and self._unknown_loops > loops and self._trainings() > trainings \
                    and not _leaves(statement.body):
                # ``for epoch in range(5)`` around a data loop: unrolled, each epoch would rerun the training;
                # the first runs with its item, the others as one loop of unknown length (run once, forgotten).
                states = [after if after.done else rest for after in states
                          for rest in self._loop_unknown(statement.body, after, frame, statement.target)]
                break
        key = box_key(iterable)
        for live in states:
            if key is not None and live.heap.get(key) is not iterable:
                live.heap[key] = Sym(_box_label(iterable))  # the loop grew what it iterates over
        if statement.orelse is not None:
            states = self._block(_body_statements(statement.orelse.body), states, frame)
        return states

    def _loop_unknown(self, body, state: State, frame: Frame, target, iterable: Value | None = None,
                      then: cst.BaseExpression | None = None) -> list[State]:
        """A loop of unknown length: run the body once (and ``then``, a ``while`` test, after it), then forget
        what they may have changed."""
        self._unknown_loops += 1
        before = state.fork()
        if target is not None:
            item = None
            if iterable is not None:
                item = next((found for frontend in self.frontends
                             if (found := frontend.loop_item(iterable)) is not None), None)
            self._assign(target, item if item is not None else Sym(_label(target)), state, frame)
        after_states = self._block(_body_statements(body), [state], frame)
        if then is not None:
            for after in after_states:
                if not after.done:
                    self._eval(then, after, frame)
        for after in after_states:
            after.done = False
            after.result = None
            for name, value in list(after.env.items()):
                if before.env.get(name) is not value:
                    after.env[name] = Sym(name)
            for key, value in list(after.heap.items()):
                if before.heap.get(key) is value:
                    continue
                if isinstance(value, ModelValue):
                    previous = before.heap.get(key)
                    layers = previous.layers if isinstance(previous, ModelValue) else ()
                    after.heap[key] = ModelValue(value.identity, value.node, (*(layers or ()), OPAQUE))
                elif key[0] == "box":  # a list filled by the loop: its length is the loop's
                    after.heap[key] = Sym(_box_label(value) if isinstance(value, (Seq, Mapping)) else "container")
                else:
                    after.heap[key] = Sym("attribute")
        return after_states

    def _trainings(self) -> int:
        """How many training calls and applied losses the run has recorded so far."""
        return len(self.events) + len(self.losses) + len(self.framework_events)

    def _forget_assigned(self, node: cst.CSTNode, state: State, frame: Frame) -> None:
        """A block that is not evaluated: the names it binds and the containers it names become unknown."""
        names = self._assigned.get(node)
        if names is None:
            names = self._assigned[node] = _assigned_names(node)
        self._escape_names(node, state, frame)
        for name in names:
            state.env[name] = Sym(name)

    def _output_parts(self, value: Value, size: int | None, state: State) -> tuple[Tensor, ...] | None:
        """The outputs of a call of a model with ``size`` outputs (None: any number from 2), one tensor each:
        output ``i`` of the model applied to new inputs has the head of its output ``i`` (a view of the model with
        that one output)."""
        if not isinstance(value, Tensor) or (size is not None and size < 2):
            return None
        model = self._resolved(pick(value.producer, state.scenario), state)
        if not isinstance(model, ModelValue) or model.layers is not None or model.outputs is None or model.keyed or len(
                model.outputs) != (size or max(len(model.outputs), 2)):
            return None
        return tuple(Tensor(ModelValue(object(), model.node, outputs=(output,)), value.inputs, value.node)
                     for output in model.outputs)

    def _forget_object(self, obj: Value, state: State) -> None:
        """An outside object changed after it was built: every binding of it, and every model holding it as
        a layer, no longer says what it is."""
        for env in (state.env,):
            for name, value in list(env.items()):
                if value is obj:
                    env[name] = Sym(name)
        for key, value in list(state.heap.items()):
            if isinstance(value, ModelValue) and value.layers and any(layer is obj for layer in value.layers):
                state.heap[key] = ModelValue(value.identity, value.node,
                                             tuple(OPAQUE if layer is obj else layer for layer in value.layers))
            elif value is obj:
                state.heap[key] = Sym("attribute")

    def _assign(self, target, value: Value, state: State, frame: Frame) -> None:
        if type(target) is cst.Name:
            state.env[target.value] = value
        elif type(target) in (cst.Tuple, cst.List):
            value = pick(value, state.scenario)
            if isinstance(value, Choice):
                # a, b = Choice(c, (1, 'sigmoid'), (n, 'softmax')): each name gets its own guarded value.
                size = len(target.elements)
                for index, element in enumerate(target.elements):
                    part = _choice_item(value, index, size)
                    self._assign(element.value, part if part is not None else Sym(_label(element.value)),
                                 state, frame)
                return
            elements = target.elements
            parts = None if any(type(e) is cst.StarredElement for e in elements) else self._output_parts(
                value, len(elements), state)
            if parts is not None:  # fake, aux = discriminator(images): each name is one output of the model
                for element, part in zip(elements, parts):
                    self._assign(element.value, part, state, frame)
                return
            if isinstance(value, Seq) and value.ordered and len(value.items) == len(elements) and not any(
                    type(e) is cst.StarredElement for e in elements):
                for element, item in zip(elements, value.items):
                    self._assign(element.value, item, state, frame)
            else:
                for element in elements:
                    self._assign(element.value, Sym(_label(element.value)), state, frame)
        elif type(target) is cst.Attribute:
            owner = self._eval(target.value, state, frame)
            if isinstance(owner, ModelValue):  # model.loss_fn = ... on a subclassed model: its instance's attribute
                owner = self._instance_of_model.get(id(owner.identity), owner)
            if isinstance(owner, (Instance, Namespace)):
                state.heap[(id(owner), target.attr.value)] = value
            elif isinstance(owner, Call) and target.attr.value != "trainable":
                self._forget_object(owner, state)  # ``dense.activation = ...``: the call no longer says it
            elif not isinstance(owner, (ModelValue, Sym, Ref, ModuleValue)):
                self._escape((value,), state)
        elif type(target) is cst.Subscript:
            owner = self._eval(target.value, state, frame)
            if box_key(owner) is not None:
                key = None
                if len(target.slice) == 1 and type(target.slice[0].slice) is cst.Index:
                    key = self._eval(target.slice[0].slice.value, state, frame)
                self._mutate(owner, "[]=", (key, value) if key is not None else (), state, _label(target.value))
            else:
                self._escape((value,), state)  # stored into something we cannot see
                self._renew(owner, state, frame)
        elif type(target) is cst.StarredElement:
            self._assign(target.value, Sym(_label(target.value)), state, frame)

    # --- expressions ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _BudgetExceeded

    def _eval(self, node, state: State, frame: Frame) -> Value:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _BudgetExceeded
        self.statement_of[id(node)] = self._current  # where a reported node lies (analysis/positions.py)
        # One dict lookup instead of a chain of isinstance checks: this is the evaluator's hottest line.
        handler = _EXPRESSIONS.get(type(node))
        if handler is None:
            return Sym(type(node).__name__)
        return handler(self, node, state, frame)

    def _literal(self, node, state: State, frame: Frame) -> Value:
        value = _literal(node)
        return Const(value, node) if isinstance(value, (int, float, str)) else Sym("literal")

    def _sequence(self, node, state: State, frame: Frame) -> Value:
        items: list[Value] = []
        known = True
        for element in node.elements:
            value = self._eval(element.value, state, frame)
            if type(element) is cst.StarredElement:
                spread = pick(value, state.scenario)
                if isinstance(spread, Seq) and spread.ordered:
                    items.extend(spread.items)
                    continue
                known = False
            items.append(value)
        if type(node) is cst.Tuple:
            return Seq(tuple(items), node) if known else Sym("starred")
        kind = "set" if type(node) is cst.Set else "list"
        contents = _distinct(items) if kind == "set" else tuple(items)
        if not known or contents is None:
            return Sym(kind)
        return self._new_box(Seq(contents, node, object(), kind, kind != "set"), state)

    def _dict(self, node: cst.Dict, state: State, frame: Frame) -> Value:
        items: list[tuple[Value, Value]] = []
        for element in node.elements:
            if type(element) is cst.DictElement:
                items = _dict_set(items, self._eval(element.key, state, frame), self._eval(element.value, state, frame))
            else:
                spread = pick(self._eval(element.value, state, frame), state.scenario)
                if not isinstance(spread, Mapping):
                    return Sym("dict")
                for key, value in spread.items:
                    items = _dict_set(items, key, value)
        return self._new_box(Mapping(tuple(items), node, object()), state)

    @staticmethod
    def _new_box(container: Seq | Mapping, state: State) -> Value:
        """A new list, set or dict; its contents live in the heap from the start, so that a branch or a loop
        that mutates it joins against what it held before."""
        state.heap[box_key(container)] = container
        return container

    def _binary(self, node: cst.BinaryOperation, state: State, frame: Frame) -> Value:
        left = self._eval(node.left, state, frame)
        right = self._eval(node.right, state, frame)
        if type(left) is not Choice and type(right) is not Choice:  # the common case: no lift
            return self._operation(node.operator, left, right, state, node) or self._unknown_operation(
                node, left, right)
        return self._lift((left, right), state, lambda a, b: (
            self._operation(node.operator, a, b, state, node) or self._unknown_operation(node, a, b)))

    def _unknown_operation(self, node: cst.BinaryOperation, left: Value, right: Value) -> Sym:
        """An operation on an unknown: the same unknown wherever the same operands meet the same operator, so
        that ``if (i + 1) % 100 == 0:`` evaluated again under its own assumption is the condition assumed."""
        inputs = (left, right)
        parts = tuple(_value_key(v) for v in inputs)
        key = None if None in parts else ("operation", type(node.operator).__name__, *parts)
        return self._stable(key, lambda: self._code(node, f"{_label(node.left)} ... {_label(node.right)}"), inputs,
                            anonymous=True)

    def _lambda(self, node: cst.Lambda, state: State, frame: Frame) -> Value:
        self._escape_names(node, state, frame)  # it may be called where we cannot see
        return Sym("lambda")

    def _comprehension(self, node, state: State, frame: Frame) -> Value:
        """A comprehension over known iterables is spelled out; any other is unknown (and what its code
        could mutate with it)."""
        produced: list = []
        if type(node) is cst.DictComp:
            def emit():
                produced.append((self._eval(node.key, state, frame), self._eval(node.value, state, frame)))
        else:
            def emit():
                produced.append(self._eval(node.elt, state, frame))
        targets = _target_names_of(node.for_in)
        saved = {name: state.env[name] for name in targets if name in state.env}
        try:
            complete = self._generate(node.for_in, emit, state, frame)
        except (_Split, _Undecidable):
            complete = False
        finally:
            for name in targets:
                state.env.pop(name, None)
            state.env.update(saved)
        if not complete:
            self._escape_names(node, state, frame)
            return Sym(type(node).__name__)
        if type(node) is cst.DictComp:
            items: list[tuple[Value, Value]] = []
            for key, value in produced:
                items = _dict_set(items, key, value)
            return self._new_box(Mapping(tuple(items), node, object()), state)
        if type(node) is cst.SetComp:
            distinct = _distinct(produced)
            return Sym("SetComp") if distinct is None else self._new_box(
                Seq(distinct, node, object(), "set", False), state)
        if type(node) is cst.GeneratorExp:
            return Seq(tuple(produced), node)
        return self._new_box(Seq(tuple(produced), node, object(), "list"), state)

    def _generate(self, for_in: cst.CompFor, emit, state: State, frame: Frame, budget: list | None = None) -> bool:
        """Run one ``for ... in ... if ...`` clause of a comprehension; False when an iterable or a filter
        is not known."""
        budget = budget if budget is not None else [MAX_COMPREHENSION]
        items = _iteration_items(pick(self._eval(for_in.iter, state, frame), state.scenario), budget[0])
        if items is None:
            return False
        for item in items:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            self._assign(for_in.target, item, state, frame)
            if not all(self._truth(condition.test, state, frame) for condition in for_in.ifs):
                continue
            if for_in.inner_for_in is not None:
                if not self._generate(for_in.inner_for_in, emit, state, frame, budget):
                    return False
            else:
                emit()
        return True

    def _named(self, node: cst.NamedExpr, state: State, frame: Frame) -> Value:
        value = self._eval(node.value, state, frame)
        self._assign(node.target, value, state, frame)
        return value

    def _conditional(self, node: cst.IfExp, state: State, frame: Frame, seen: dict[int, Value] | None = None
                     ) -> Value:
        seen = {} if seen is None else seen
        try:
            taken = self._truth(node.test, state, frame, seen)
        except _Split as split:
            return self._both_ways(split.condition, state, lambda: self._conditional(node, state, frame, dict(seen)),
                                   Sym("conditional"))
        except _Undecidable:
            return Sym("conditional")
        return self._eval(node.body if taken else node.orelse, state, frame)

    def _name(self, node: cst.Name, state: State, frame: Frame) -> Value:
        name = node.value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name], node)
        value = state.env.get(name)
        if value is None:
            value = frame.globals.get(name)
        if value is None:
            if name in BUILTINS:
                return Ref(f"builtins.{name}", node)
            for module in self._star_modules:
                if name in knowledge.KERAS_MODULE_EXPORTS[module]:
                    return Ref(f"{module}.{name}", node)
            value = frame.unknowns.setdefault(name, Sym(name))
        kind = type(value)
        if kind in _SELF_RESOLVED or (kind is Sym and not state.scenario.assumptions):
            return value  # the common case: nothing for _resolved to look up
        return self._resolved(value, state, node)

    def _resolved(self, value: Value, state: State, node=None) -> Value:
        """Apply the scenario: an unknown assumed equal to a constant is that constant."""
        value = pick(value, state.scenario)
        if isinstance(value, Sym):
            known, constant = state.scenario.constant_of(value)
            if known:
                return Const(constant, node)
        elif isinstance(value, ModelValue):
            return state.heap.get(("model", value.identity), value)
        elif isinstance(value, (Seq, Mapping)) and value.identity is not None:
            current = state.heap.get(("box", value.identity))
            if current is not None and current is not value:
                return self._resolved(current, state, node)
        return value

    def _derived(self, base: Value, suffix: str, label: str) -> Sym:
        key = (id(base), suffix)
        if key not in self._derived_syms:
            self._derived_syms[key] = Sym(label)
            self._receiver_of[id(self._derived_syms[key])] = (base, suffix)
        return self._derived_syms[key]

    def _renew(self, unknown: Value, state: State, frame: Frame) -> None:
        """An unknown object the code mutates (``labels.append(x)``, ``y[0] = 1``) is another unknown from
        here on, in every binding of it: what was derived from it before (``len(labels)``, ``y.shape``) no
        longer applies."""
        if not isinstance(unknown, Sym):
            return
        fresh = Sym(unknown.label)
        for env in (state.env, frame.globals):
            for name, value in list(env.items()):
                if value is unknown:
                    env[name] = fresh
        for key, value in list(state.heap.items()):
            if value is unknown:
                state.heap[key] = fresh

    def _attribute(self, node: cst.Attribute, state: State, frame: Frame) -> Value:
        if node.attr.value in _KERAS_TRAINING_ATTRIBUTES and _is_super(node.value):
            compiled = self._keras_training_attribute(state.env.get("self"), node.attr.value, inherited_only=True)
            if compiled is not None:
                return compiled
        base = self._eval(node.value, state, frame)
        if type(base) is not Choice:  # the common case: no lift
            return self._attribute_of(base, node, state)
        return self._lift((base,), state, lambda b: self._attribute_of(b, node, state))

    def _attribute_of(self, base: Value, node: cst.Attribute, state: State) -> Value:
        attr = node.attr.value
        if isinstance(base, Ref):
            dotted = f"{base.name}.{attr}"
            if dotted in STANDARD_CONSTANTS:
                return Const(STANDARD_CONSTANTS[dotted], node)
            return Ref(dotted, node)
        if isinstance(base, ModuleValue):
            member = base.member(attr)
            if member is None:
                return self._derived(base, attr, f"{base.name}.{attr}")
            return self._resolved(member, state, node)
        if isinstance(base, Instance):
            key = (id(base), attr)
            if key in state.heap:
                return self._resolved(state.heap[key], state, node)
            method = _find_method(base.cls, attr)
            if method is not None:
                return Function(method, base.cls.globals, bound_self=base)
            if attr in CompiledLoss.PREDICTION:
                compiled = self._keras_training_attribute(base, attr)
                if compiled is not None:
                    return compiled
            return self._framework_attribute(base, attr, node) or self._resolved(
                self._derived(base, attr, f"self.{attr}"), state, node)
        if isinstance(base, (ModelValue, Call, Derived)):
            if attr == "values" and not isinstance(base, ModelValue):  # pandas: get_dummies(y).values
                return base
            if isinstance(base, Call) and (known := self._framework_attribute(base, attr, node)) is not None:
                return known  # a dataset's .classes
            instance = self._instance_of_model.get(id(base.identity)) if isinstance(base, ModelValue) else None
            if instance is not None and (id(instance), attr) in state.heap:
                return self._resolved(state.heap[(id(instance), attr)], state, node)
            if instance is not None and attr in CompiledLoss.PREDICTION and _find_method(instance.cls, attr) is None:
                compiled = self._keras_training_attribute(instance, attr)  # model.compute_loss(...) in train_step
                if compiled is not None:
                    return compiled
            return Method(base, attr, node.value)
        if isinstance(base, Sym):
            return self._resolved(self._derived(base, attr, f"{base.label}.{attr}"), state, node)
        if box_key(base) is not None or isinstance(base, ArgumentParser):
            return Method(base, attr, node.value)
        if isinstance(base, Namespace):
            return self._option(base, attr, node, state)
        return self._framework_attribute(base, attr, node) or Sym(attr)

    @staticmethod
    def _keras_training_attribute(instance: Value | None, attr: str, inherited_only: bool = False
                                  ) -> CompiledLoss | None:
        """``self.loss`` / ``self.compiled_loss`` / ``self.compute_loss`` of a Keras model whose classes leave them to
        Keras (with ``inherited_only``, ``super().X``: the class's own definition does not count), and
        ``super().train_step``: the compiled loss as the model applies it."""
        if not isinstance(instance, Instance) or not _derives_from_keras_model(instance.cls):
            return None
        if inherited_only and any(_find_method(base, attr) is not None for base in instance.cls.bases
                                  if isinstance(base, ClassValue)):
            return None
        return CompiledLoss(instance, attr)

    def _owned_by_trainee(self, value: Value) -> bool:
        instance, model = self._trainee or (None, None)
        if isinstance(value, Function):
            return value.bound_self is instance
        if isinstance(value, Method):
            return value.receiver is instance or (isinstance(value.receiver, ModelValue) and
                                                  value.receiver.identity is model.identity)
        return value is instance or (isinstance(value, ModelValue) and value.identity is model.identity)

    def _apply_compiled_loss(self, loss: CompiledLoss, args, kwargs, node: cst.Call) -> Value:
        """The compiled loss applied in a ``train_step``: collected while a compile call looks at that step
        (another model's, ``other.compute_loss(...)``, is not this compile call's loss)."""
        if self._trained_on is not None and self._trainee is not None and loss.owner is self._trainee[0]:
            if loss.form == "train_step":  # Keras's own step: the loss meets self(x)
                owned = self._model_of_instance.get(id(loss.owner))
                prediction = Tensor(owned[1], (Sym("x"),), node) if owned is not None else None
            else:
                prediction = argument(args, kwargs, "y_pred", CompiledLoss.PREDICTION[loss.form])
            self._trained_on.append(CompiledLossUse(prediction, loss.form, node))
        return Sym(_label(node.func) + "(...)", anonymous=True)

    def _compiled_loss_uses(self, model: ModelValue, instance: Instance | None, state: State
                            ) -> tuple[CompiledLossUse, ...] | None:
        """Where the class's own ``train_step`` applies the loss a compile call gives it (``ModelEvent.trained_on``).

        The step runs once here on unknown data, in a copy of the state; what it records otherwise (loss
        applications, events) is dropped: ``fit`` or the standalone run of the step records them."""
        step = _find_method(instance.cls, "train_step") if instance is not None else None
        if step is None or self._trained_on is not None:
            return None
        uses: list[CompiledLossUse] = []
        kept = (len(self.events), len(self.losses), len(self.framework_events), dict(self.unseen_compiles),
                set(self._executed))
        self._trained_on, self._trainee, self._trained_partly = uses, (instance, model), False
        try:
            self._function_call(Function(step, instance.cls.globals, bound_self=instance), (Sym("data"),), (),
                                state.fork())
        finally:
            self._trained_on, self._trainee = None, None
            del self.events[kept[0]:], self.losses[kept[1]:], self.framework_events[kept[2]:]
            self.unseen_compiles, self._executed = kept[3], kept[4]
        if not uses and self._trained_partly:
            return None  # it may apply the loss where the evaluator cannot see: as before, the model's outputs
        if uses and all(_output_of(use.prediction, model) for use in uses):
            return None  # y_pred = self(x): the outputs compile already pairs the loss with
        return tuple(uses)

    def _framework_attribute(self, base: Value, attr: str, node: cst.Attribute) -> Value | None:
        for frontend in self.frontends:
            found = frontend.attribute(base, attr, node)
            if found is not None:
                return found
        return None

    def _subscript(self, node: cst.Subscript, state: State, frame: Frame) -> Value:
        base = pick(self._eval(node.value, state, frame), state.scenario)
        if isinstance(base, (Derived, Call)) and all(type(e.slice) is cst.Slice for e in node.slice):
            return base  # y[:1000] keeps the encoding and the range of the labels
        if (isinstance(base, (Derived, Call)) and len(node.slice) == 2 and type(node.slice[0].slice) is cst.Slice
                and type(node.slice[1].slice) is cst.Index):
            column = self._eval(node.slice[1].slice.value, state, frame)
            if isinstance(pick(column, state.scenario), Const):  # y[:, 0]: one column of the labels
                return Derived(Call("numpy.ndarray.column", (base,), (), node), "column", (column,), (), None, node)
        if isinstance(base, Call) and base.target in knowledge.IDENTITY_MATRICES and len(node.slice) == 1:
            index = node.slice[0].slice
            key = self._eval(index.value, state, frame) if type(index) is cst.Index else Sym("index")
            return Derived(base, "index", (key,), (), None, node)
        if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Slice:
            sliced = self._slice(base, node.slice[0].slice, node, state, frame)
            if sliced is not None:
                return sliced
        if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
            return Sym(f"{_label(node.value)}[...]")
        key = self._eval(node.slice[0].slice.value, state, frame)
        if type(base) is not Choice and type(key) is not Choice:  # the common case: no lift
            return self._item(base, key, node, state)
        return self._lift((base, key), state, lambda b, k: self._item(b, k, node, state))

    def _slice(self, base: Value, part: cst.Slice, node: cst.Subscript, state: State, frame: Frame) -> Value | None:
        """``hidden_units[:-1]`` of a tuple or list whose items are known, with constant bounds: a new tuple or list
        of those items, as Python slices them (None: not known)."""
        current = self._resolved(base, state)
        if not isinstance(current, Seq) or not current.ordered or current.kind == "set":
            return None
        bounds = []
        for bound in (part.lower, part.upper, part.step):
            value = None if bound is None else pick(self._eval(bound, state, frame), state.scenario)
            if value is not None and not (isinstance(value, Const) and (value.value is None or (
                    isinstance(value.value, int) and not isinstance(value.value, bool)))):
                return None
            bounds.append(None if value is None else value.value)
        if bounds[2] == 0:
            return None  # ValueError in Python
        items = current.items[slice(*bounds)]
        if current.kind == "list":
            return self._new_box(Seq(items, node, object(), "list"), state)
        return Seq(items, node)

    def _item(self, base: Value, key: Value, node: cst.Subscript, state: State) -> Value:
        if isinstance(key, Const) and isinstance(base, Tensor) and type(key.value) is int:
            parts = self._output_parts(base, None, state)  # model(x)[1]: its second output
            if parts is not None and -len(parts) <= key.value < len(parts):
                return parts[key.value]
        if isinstance(key, Const):
            if isinstance(base, Seq) and base.ordered and isinstance(key.value, int) and -len(
                    base.items) <= key.value < len(base.items):
                return self._resolved(base.items[key.value], state, node)
            if isinstance(base, Mapping):
                found = base.get(key.value)
                if found is not None:
                    return self._resolved(found, state, node)
            if isinstance(base, Sym):
                return self._resolved(self._derived(base, f"[{key.value!r}]", f"{base.label}[{key.value!r}]"),
                                      state, node)
        if isinstance(base, (Seq, Mapping)) and base.identity is not None:
            return Sym(f"{_label(node.value)}[...]")  # a container's item can change: no stable identity
        inputs = (base, key)
        parts = tuple(_value_key(v) for v in inputs)
        stable = None if None in parts else ("item", *parts)
        return self._resolved(self._stable(stable, lambda: self._code(node, f"{_label(node.value)}[...]"), inputs),
                              state, node)

    def _unary(self, node: cst.UnaryOperation, state: State, frame: Frame) -> Value:
        operand = self._eval(node.expression, state, frame)
        if type(node.operator) is cst.Not:
            if isinstance(operand, Const):
                return Const(not operand.value, node)
            if isinstance(operand, Undecided):
                return Undecided(operand.condition, not operand.polarity)
            if isinstance(operand, Sym):
                return Undecided(Condition(operand, "truthy"), False)
            return Sym("not")
        if isinstance(operand, Const) and isinstance(operand.value, (int, float)):
            if type(node.operator) is cst.Minus:
                return Const(-operand.value, node)
            if type(node.operator) is cst.Plus:
                return Const(operand.value, node)
        return Sym("unary")

    _COMPARISONS = {cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
                    cst.GreaterThan: ">", cst.GreaterThanEqual: ">="}
    _FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

    def _comparison(self, node: cst.Comparison, state: State, frame: Frame) -> Value:
        if len(node.comparisons) != 1:
            return Sym("comparison")
        target = node.comparisons[0]
        left = self._eval(node.left, state, frame)
        right = self._eval(target.comparator, state, frame)
        if type(left) is not Choice and type(right) is not Choice:  # the common case: no lift
            return self._compare(left, right, target, node)
        return self._lift((left, right), state, lambda a, b: self._compare(a, b, target, node))

    def _undecided_comparison(self, left: Value, right: Value, target, node: cst.Comparison) -> Value:
        """A comparison nothing decides: one unknown per operator and operands, named as the code writes it.

        A bare outside name compared with something (``OUTPUT_UNITS > 1`` where ``OUTPUT_UNITS`` comes from
        a module the import cycle hides) is no condition to split on: whatever it names, our own constant
        of the same name may already contradict it. Its branches are left unevaluated.
        """
        if isinstance(left, Ref) or isinstance(right, Ref):
            return _NO_CONDITION
        inputs = (left, right)
        parts = tuple(_value_key(v) for v in inputs)
        key = None if None in parts else ("compare", type(target.operator).__name__, *parts)
        return self._stable(key, lambda: self._code(node, "comparison"), inputs)

    def _call_value_sym(self, call: Call) -> Sym | None:
        """The value an outside call returned, as an unknown (``K.image_data_format()``), when it is compared
        with a constant: the same call made anywhere is the same unknown."""
        key = _value_key(call)
        if key is None:
            return None
        return self._stable(("value", key), lambda: self._code(call.node, f"{call.short_name}(...)"), (call,))

    def _compare(self, left: Value, right: Value, target: cst.ComparisonTarget, node: cst.Comparison) -> Value:
        operator_type = type(target.operator)
        if isinstance(left, Call) and isinstance(right, Const):
            left = self._call_value_sym(left) or left
        elif isinstance(right, Call) and isinstance(left, Const):
            right = self._call_value_sym(right) or right
        if operator_type in (cst.Is, cst.IsNot):
            if isinstance(left, Const) and isinstance(right, Const):
                same = left.value is right.value or left.value == right.value
                return Const(same if operator_type is cst.Is else not same, node)
            if isinstance(left, Sym) and is_none(right):
                return Undecided(Condition(left, "==", None), operator_type is cst.Is)
            return self._undecided_comparison(left, right, target, node)
        if operator_type in (cst.In, cst.NotIn):
            if isinstance(left, Const) and isinstance(right, (Seq, Mapping)):
                members = right.items if isinstance(right, Seq) else tuple(k for k, _ in right.items)
                if all(isinstance(i, Const) for i in members):
                    found = any(left.value == i.value for i in members)
                    return Const(found if operator_type is cst.In else not found, node)
            return self._undecided_comparison(left, right, target, node)
        op = self._COMPARISONS.get(operator_type)
        if op is None:
            return self._undecided_comparison(left, right, target, node)
        if isinstance(left, Const) and isinstance(right, Const):
            try:
                result = {"==": left.value == right.value, "!=": left.value != right.value}.get(op)
                if result is None:
                    result = _CMP[op](left.value, right.value)
                return Const(result, node)
            except TypeError:
                return self._undecided_comparison(left, right, target, node)
        if isinstance(right, Sym) and isinstance(left, Const):
            left, right, op = right, left, self._FLIPPED[op]
        if isinstance(left, Sym) and isinstance(right, Const) and _plain_constant(right.value):
            if op == "!=":
                return Undecided(Condition(left, "==", right.value), False)
            return Undecided(Condition(left, op, right.value), True)
        return self._undecided_comparison(left, right, target, node)

    def _boolean(self, node: cst.BooleanOperation, state: State, frame: Frame) -> Value:
        left = self._eval(node.left, state, frame)
        if isinstance(left, Const):
            is_and = type(node.operator) is cst.And
            if bool(left.value) == is_and:
                return self._eval(node.right, state, frame)
            return left
        self._escape_names(node.right, state, frame)  # it may or may not run: what it could mutate is unknown
        return Sym("boolean")

    def _both_ways(self, condition: Condition, state: State, evaluate, fallback: Value) -> Value:
        """Evaluate once where ``condition`` holds and once where it fails; join into a :class:`Choice`."""
        if len(state.scenario.assumptions) >= MAX_ASSUMPTIONS:
            return fallback
        scenario, heap = state.scenario, state.heap
        results, heaps = [], []
        for holds in (True, False):
            state.scenario, state.heap = scenario.assume(condition, holds), dict(heap)
            results.append(evaluate())
            heaps.append(state.heap)
        state.scenario, state.heap = scenario, _join_maps(condition, heaps[0], heaps[1])
        return _choice(condition, results[0], results[1])

    def _lift(self, values: tuple[Value, ...], state: State, compute) -> Value:
        """Apply a pure operation through choices: ``Choice(c, a, b) + 1`` is ``Choice(c, a + 1, b + 1)``."""
        if not any(isinstance(v, Choice) for v in values):  # the common case, on every attribute and comparison
            return compute(*values)
        values = tuple(pick(v, state.scenario) for v in values)
        choice = next((v for v in values if isinstance(v, Choice)), None)
        if choice is None:
            return compute(*values)
        return self._both_ways(choice.condition, state, lambda: self._lift(values, state, compute), Sym("choice"))

    def _truth(self, node, state: State, frame: Frame, seen: dict[int, Value] | None = None) -> bool:
        """Whether a test holds in this state's scenario; raises _Split when the scenario leaves it open.
        ``seen``: the values of the test's parts already evaluated (read, not evaluated again), and where the
        parts evaluated now are kept."""
        kind = type(node)
        if kind is cst.BooleanOperation:
            left = self._truth(node.left, state, frame, seen)
            if type(node.operator) is cst.And:
                return left and self._truth(node.right, state, frame, seen)
            return left or self._truth(node.right, state, frame, seen)
        if kind is cst.UnaryOperation and type(node.operator) is cst.Not:
            return not self._truth(node.expression, state, frame, seen)
        if seen is None:
            return self._truth_of(self._eval(node, state, frame), state)
        value = seen.get(id(node))
        if value is None:
            value = seen[id(node)] = self._eval(node, state, frame)
        return self._truth_of(value, state)

    def _truth_of(self, value: Value, state: State) -> bool:
        value = pick(value, state.scenario)
        if isinstance(value, Choice):
            raise _Split(value.condition)
        if isinstance(value, Const):
            return bool(value.value)
        if isinstance(value, Seq):
            return bool(value.items)
        if isinstance(value, Sym):
            value = Undecided(Condition(value, "truthy"), True)
        if isinstance(value, Undecided):
            decided = state.scenario.decide(value.condition)
            if decided is None:
                if len(state.scenario.assumptions) >= MAX_ASSUMPTIONS:
                    raise _Undecidable
                raise _Split(value.condition)
            return decided == value.polarity
        if isinstance(value, (ModelValue, Call, Function, ClassValue, Instance, Tensor, Ref, Mapping)):
            return True
        raise _Undecidable

    # --- calls ------------------------------------------------------------------------------------------

    def _arguments(self, node: cst.Call, state: State, frame: Frame):
        """The call's arguments, each evaluated once: ``*items`` and ``**options`` whose contents are known are
        spread as Python spreads them; where one is not known, an :class:`_Unspread` of what was evaluated."""
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        evaluated: list[tuple[cst.Arg, Value]] = []
        spread = True
        for arg in node.args:
            value = self._eval(arg.value, state, frame)
            evaluated.append((arg, value))
            if not spread:
                continue
            if arg.star == "*":
                items = self._spread_items(value, state)
                spread = items is not None
                args.extend(items or ())
            elif arg.star == "**":
                options = self._spread_options(value, state)
                spread = options is not None
                kwargs.extend(options or ())
            elif arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            else:
                args.append(value)
        if len(kwargs) > 1 and len({key for key, _ in kwargs}) != len(kwargs):
            spread = False  # a keyword given twice: Python raises
        return (tuple(args), tuple(kwargs)) if spread else _Unspread(tuple(evaluated))

    def _spread_items(self, value: Value, state: State) -> tuple[Value, ...] | None:
        """The items ``*value`` passes: a tuple or list whose order is known."""
        value = self._resolved(value, state)
        return value.items if isinstance(value, Seq) and value.kind != "set" and value.ordered else None

    def _spread_options(self, value: Value, state: State) -> tuple[tuple[str, Value], ...] | None:
        """The keywords ``**value`` passes: a dict whose keys are known strings."""
        value = self._resolved(value, state)
        if not isinstance(value, Mapping):
            return None
        options = tuple((k.value, v) for k, v in value.items if isinstance(k, Const) and isinstance(k.value, str))
        return options if len(options) == len(value.items) else None

    def _call(self, node: cst.Call, state: State, frame: Frame) -> Value:
        function = self._eval(node.func, state, frame)
        arguments = self._arguments(node, state, frame)
        if isinstance(arguments, _Unspread):
            return self._unspread_call(function, arguments, node, state)
        args, kwargs = arguments
        if type(node.func) is cst.Attribute:
            if node.func.attr.value == "compile":
                return self._compile_call(function, args, kwargs, node, state, frame)
            if node.func.attr.value == "__init__" and _is_super(node.func.value):
                self._functional_init(args, kwargs, state)
                self._inherited_init(args, kwargs, node, state)
            if node.func.attr.value == "call" and _is_super(node.func.value) and args:
                inherited = state.heap.get(("keras layer", id(state.env.get("self"))))
                if isinstance(inherited, Call):  # super().call(x) in a Dense subclass: that Dense applied to x
                    return Tensor(inherited, args, node)
        return self._call_value(function, args, kwargs, node, state, frame)

    def _inherited_init(self, args, kwargs, node: cst.Call, state: State) -> None:
        """``super().__init__(units, ...)`` in a subclass of a Keras layer (``Dense``): the layer it is."""
        instance = state.env.get("self")
        if isinstance(instance, Instance):
            base = _keras_layer_base(instance.cls)
            if base is not None and base != "keras.layers.Layer":
                state.heap[("keras layer", id(instance))] = Call(base, args, kwargs, node)

    def _unspread_call(self, function: Value, arguments: _Unspread, node: cst.Call, state: State) -> Value:
        """A call with ``*args`` / ``**kwargs`` of unknown contents: what it returns is unknown, and what it is
        given may be changed by it (user code it runs may change anything)."""
        values = tuple(value for _, value in arguments.evaluated)
        if type(node.func) is cst.Attribute and node.func.attr.value == "__init__" and _is_super(node.func.value):
            # super().__init__(inputs=inputs, outputs=outputs, **kwargs): a keyword the code writes cannot
            # also come from **kwargs (Python raises), so the named ones are exact.
            self._functional_init((), tuple((arg.keyword.value, value) for arg, value in arguments.evaluated
                                            if arg.keyword is not None and not arg.star), state)
        for frontend in self.frontends:
            result = frontend.starred_call(self, function, node, arguments.evaluated, state)
            if result is not None:
                return result
        function = pick(function, state.scenario)
        if isinstance(function, (Function, ClassValue, Method, Choice)):
            self._escape_everything(state)
        else:
            self._escape(values, state, callables_only=isinstance(function, Ref) and _leaves_arguments_alone(
                knowledge.canonical_name(function.name)))
        return Sym(_label(node.func) + "(...)", anonymous=True)

    def _functional_init(self, args, kwargs, state: State) -> None:
        """``super().__init__(inputs=..., outputs=...)`` in a Model subclass: the instance is a functional model."""
        outputs = argument(args, kwargs, "outputs", 1)
        instance = state.env.get("self")
        if outputs is not None and isinstance(instance, Instance) and argument(args, kwargs, "inputs", 0) is not None:
            state.heap[("functional outputs", id(instance))] = outputs

    def _compile_call(self, function: Value, args, kwargs, node: cst.Call, state: State, frame: Frame) -> Value:
        if _is_super(node.func.value) and frame.function is not None and frame.function.name.value == "compile":
            # A class's own compile handing Keras its loss: the calls of that compile are the sites.
            if self._super_compiles is not None:
                self._super_compiles.append((args, kwargs))
            return Const(None)
        seen = len(self.events)
        result = self._call_value(function, args, kwargs, node, state, frame)
        if not any(event.node is node for event in self.events[seen:]) and isinstance(function, (Method, Sym)):
            # re.compile, torch.compile are references, not methods: only a method of some object counts.
            receiver = function.receiver if isinstance(function, Method) else function
            base, attribute = self._receiver_of.get(id(receiver), (None, ""))
            made = self._made_by.get(id(base)) if attribute == "compile" else None
            if made is not None and made[0] is base:  # model = library.Model.from_preset(...): say what made it
                receiver = Sym(made[1])
            self.unseen_compiles.setdefault(id(node), (node, receiver, args, kwargs))
        return result

    def _call_value(self, function: Value, args, kwargs, node: cst.Call, state: State, frame: Frame) -> Value:
        function = pick(function, state.scenario)
        if isinstance(function, Sym):  # the most frequent callee (``data.to(device)``): none of the others below
            return self._unknown_callee(function, args, kwargs, node, state, frame)
        if isinstance(function, Choice):
            return self._both_ways(function.condition, state, lambda: self._call_value(
                function, args, kwargs, node, state, frame), Sym(_label(node.func) + "(...)"))
        if isinstance(function, Method):
            return self._method_call(function, args, kwargs, node, state)
        if isinstance(function, CompiledLoss):
            return self._apply_compiled_loss(function, args, kwargs, node)
        if isinstance(function, (Instance, Call)):
            for frontend in self.frontends:
                result = frontend.call_object(self, function, args, kwargs, node, state)
                if result is not None:
                    return result
        if isinstance(function, Ref):
            return self._outside_call(function, args, kwargs, node, state)
        if isinstance(function, Function):
            return self._function_call(function, args, kwargs, state)
        if isinstance(function, ClassValue):
            return self._instantiate(function, args, kwargs, node, state)
        if isinstance(function, Call) and (args or kwargs) and knowledge.keras_loss_class(function.target):
            return self._apply_loss(function, knowledge.LOSS_OBJECT_CALL, args, kwargs, node, state)
        if isinstance(function, Instance) and id(function) in self._model_of_instance and args:
            return Tensor(self._model_of_instance[id(function)][1], args, node)  # self(x) in a Keras model
        if isinstance(function, Instance) and args and _keras_layer_base(function.cls) is not None:
            return self._apply_layer(function, args, kwargs, node, state)
        if isinstance(function, Call) and function.target in knowledge.STATEFUL_PREPROCESSORS and args:
            return Derived(function, "call", args, kwargs, state.heap.get(("fitted", id(function))), node)
        if isinstance(function, (Call, ModelValue)) and args:
            # A layer (or a whole model) applied to a tensor: the functional API.
            return Tensor(function, args, node)
        self._escape((*args, *(v for _, v in kwargs)), state)
        return Sym(_label(node.func) + "(...)", anonymous=True)

    def _unknown_callee(self, function: Sym, args, kwargs, node: cst.Call, state: State, frame: Frame) -> Value:
        self._escape((*args, *(v for _, v in kwargs)), state)
        receiver, attribute = self._receiver_of.get(id(function), (None, ""))
        if attribute in knowledge.WEIGHT_METHODS and isinstance(receiver, Instance):
            return Call("keras.Variable", args, kwargs, node)  # self.add_weight(...): a trained weight
        if attribute in _MUTATING_METHODS:
            self._renew(receiver, state, frame)
            return Sym(_label(node.func) + "(...)", anonymous=True)
        return self._unknown_call(function, args, kwargs, node, _label(node.func) + "(...)")

    def _outside_call(self, function: Ref, args, kwargs, node: cst.Call, state: State) -> Value:
        name = knowledge.canonical_name(function.name)
        for frontend in self.frontends:
            if frontend.claims(name):
                result = frontend.outside_call(self, name, args, kwargs, node, state)
                if result is not None:
                    return result
        if _unknown_outside(name):  # most outside calls (torch.manual_seed, os.path.join): no table below knows them
            self._escape((*args, *(v for _, v in kwargs)), state, callables_only=_leaves_arguments_alone(name))
            return self._unknown_call(Ref(name), args, kwargs, node, _label(node.func) + "(...)")
        if name.startswith("builtins."):
            args = tuple(pick(a, state.scenario) for a in args)
            if any(isinstance(a, Choice) for a in args) and name != "builtins.print":
                # len(names) where a branch appended to names: one length per branch.
                return self._lift(args, state, lambda *each: self._outside_call(function, each, kwargs, node, state))
            if name == "builtins.len" and len(args) == 1 and isinstance(args[0], Span):
                return self._range_length(args[0], node)
            result = _class_count(name[9:], args, _builtin(name[9:], args, node, kwargs))
            if type(result) is Sym:  # not a Count or Distinct, which keep their relation to the labels
                return self._unknown_call(function, args, kwargs, node, result.label)
            return self._new_box(result, state) if box_key(result) is not None else result
        if name == "numpy.unique" and len(args) == 1 and not kwargs:  # return_counts=True makes a tuple
            return Distinct("np.unique(...)", anonymous=True, of=args[0])
        if name in knowledge.LABEL_SPLITTERS and args and all(box_key(pick(a, state.scenario)) is None for a in args):
            # train_test_split(X, y) -> X_train, X_test, y_train, y_test; shuffle(X, y) -> X, y: the same labels.
            # (A mutable list would come back as new arrays, not as the same list: those stay unknown below.)
            arrays = tuple(a for a in args)
            if name.endswith("train_test_split"):
                return Seq(tuple(a for array in arrays for a in (array, array)), node)
            return arrays[0] if len(arrays) == 1 else Seq(arrays, node)
        if name in knowledge.SAMPLE_SELECTIONS and args and isinstance(pick(args[0], state.scenario), Tensor):
            if len(args) <= 2 and all(isinstance(value, Const) and value.value in (0, None) for key, value in kwargs
                                      if key in ("axis", "batch_dims")):
                return Tensor(Ref(name, node.func), args[:1], node)
        if name in knowledge.PROGRESS_WRAPPERS and len(args) == 1:
            return args[0]
        if name in knowledge.LABEL_PASS_THROUGH and args:
            passed = pick(args[0], state.scenario)
            if isinstance(passed, (Seq, Mapping)) and passed.identity is not None:
                return self._new_box(_copy(passed), state)  # an array copies the list
            return args[0]
        if name in knowledge.DATASETS or name in knowledge.REGRESSION_DATASETS:
            labels = Derived(Call(name, args, kwargs, node), "labels", (), (), None, node)
            return Seq((Seq((Sym("x_train"), labels)), Seq((Sym("x_test"), labels))), node)
        if name == "argparse.ArgumentParser":
            parser = ArgumentParser(node)
            state.heap[("options", id(parser))] = ()
            return parser
        if name.startswith("keras.optimizers."):
            call = Call(name, args, kwargs, node)
            self.optimizers[id(node)] = call
            return call
        if name == knowledge.SEQUENTIAL:
            layers_value = pick(args[0] if args else dict(kwargs).get("layers"), state.scenario)
            if isinstance(layers_value, Choice):
                # Sequential(layers) where a branch appended a layer: one model per branch.
                return self._both_ways(layers_value.condition, state, lambda: self._outside_call(
                    function, args, kwargs, node, state), Sym("Sequential(...)"))
            if layers_value is None or (isinstance(layers_value, Const) and layers_value.value is None):
                layers: tuple[Value, ...] = ()
            elif isinstance(layers_value, Seq):
                layers = tuple(self._stacked(layer, node, state) for layer in layers_value.items)
            else:
                layers = (OPAQUE_STACK,)
            return self._new_model(node, state, layers=layers)
        if name == knowledge.MODEL:
            outputs = dict(kwargs).get("outputs", args[1] if len(args) > 1 else None)
            if outputs is None:
                return Sym("Model(...)")
            if isinstance(outputs, Seq):
                return self._new_model(node, state, outputs=outputs.items)
            if isinstance(outputs, Mapping):
                return self._new_model(node, state, outputs=tuple(v for _, v in outputs.items), keyed=True)
            return self._new_model(node, state, outputs=(outputs,))
        if name in knowledge.APPLICATION_MODELS:  # a model whose one layer is the application (its head in the table)
            return self._new_model(node, state, layers=(Call(name, args, kwargs, node),))
        task = knowledge.task_model(name)
        if task is not None:  # keras_hub.models.BertClassifier(.from_preset): its head is in the table too
            target = task[0] + (".from_preset" if task[1] else "")
            return self._new_model(node, state, layers=(Call(target, args, kwargs, node),))
        if name in knowledge.ACTIVATION_FUNCTIONS and args:
            return Tensor(Ref(name, node.func), args[:1], node)
        if name in knowledge.REARRANGING_FUNCTIONS and args and type(args[0]) is Tensor:
            return Tensor(Ref(name, node.func), args[:1], node)
        if name in knowledge.ACTIVATION_GETTERS and len(args) + len(kwargs) <= 1:
            found = _activation_of(args[0] if args else dict(kwargs).get("identifier", Const(None)), state, node)
            if found is not None:
                return found
        if name in knowledge.AFFINE_FUNCTIONS and not kwargs:
            product = _affine(name, args, node)
            if product is not None:
                return product
        if name in knowledge.BIAS_ADDS and len(args) == 2 and not kwargs:
            biased = _biased(*args, node)
            if biased is not None:
                return biased
        signature = knowledge.applied_loss_function(name)
        if signature is not None and len(args) + len(kwargs) >= 2:
            return self._apply_loss(Ref(name, node.func), signature, args, kwargs, node, state)
        name = knowledge.keras_loss_class(name) or name  # tf.losses.X is tf.keras.losses.X
        if knowledge.is_keras_name(name) or name in _OUTSIDE_OBJECTS:
            self._escape((*args, *(v for _, v in kwargs)), state, callables_only=True)
            return Call(name, args, kwargs, node)
        self._escape((*args, *(v for _, v in kwargs)), state, callables_only=_leaves_arguments_alone(name))
        return self._unknown_call(Ref(name), args, kwargs, node, _label(node.func) + "(...)")

    def _unknown_call(self, callee: Value, args, kwargs, node: cst.Call, label: str) -> Sym:
        """What a call we cannot follow returns: one unknown per callee and arguments (``np.load(path)`` read
        twice is one array, ``os.environ.get("MODE")`` one string); a result the statement discards
        (``optimizer.step()``) is nobody's, and a later call of the same makes its own."""
        if node is self._discarded:
            return Sym(label, anonymous=True)
        inputs = (callee, *args, *(v for _, v in kwargs))
        key = (_value_key(callee), tuple(_value_key(a) for a in args), tuple((k, _value_key(v)) for k, v in kwargs))
        known = key[0] is not None and None not in key[1] and all(part is not None for _, part in key[2])
        result = self._stable(("result", *key) if known else None, label, inputs, anonymous=True)
        self._made_by.setdefault(id(result), (result, label))
        return result

    def _stable(self, key: tuple | None, label, inputs: tuple = (), anonymous: bool = False) -> Sym:
        """The unknown an expression with no value stands for, the same object wherever and however often the
        same computation is evaluated: ``K.image_data_format()`` in two places, or in a helper called twice,
        is one unknown, so a condition on it is one condition. ``key`` says what is computed from what
        (:func:`_value_key`); None: not comparable, a new unknown."""
        if key is None:
            return Sym(label() if callable(label) else label, anonymous=anonymous)
        found = self._stable_syms.get(key)
        if found is None:
            # The inputs are kept alive with the key: it holds their ids. ``label`` may be a function: the
            # code of the expression is generated once, for a new unknown.
            found = self._stable_syms[key] = (Sym(label() if callable(label) else label, anonymous=anonymous),
                                              inputs)
        return found[0]

    @staticmethod
    def _code(node: cst.CSTNode, fallback: str) -> str:
        """How the code writes an expression, for a message (short, simple expressions only)."""
        text = _render(node)
        return text if text is not None and len(text) <= 60 else fallback

    def _option(self, namespace: Namespace, attr: str, node: cst.Attribute, state: State) -> Value:
        """``args.loss``: the default where the command line leaves ``--loss`` out, else unknown."""
        assigned = state.heap.get((id(namespace), attr))
        if assigned is not None:
            return self._resolved(assigned, state, node)
        given = self._derived(namespace, attr, _label(node))
        option = next((o for o in namespace.options if o.dest == attr), None)
        if option is None or not (isinstance(option.default, Const) and _plain_constant(option.default.value)):
            return self._resolved(given, state, node)
        key = (id(namespace), f"default:{attr}")
        choice = self._defaults.get(key)
        if choice is None:
            condition = Condition(given, "==", option.default.value, default_of=option.flag)
            choice = self._defaults[key] = Choice(condition, option.default, given)
        return self._resolved(choice, state, node)

    def _parser_method(self, parser: ArgumentParser, name: str, args, kwargs, state: State) -> Value:
        key = ("options", id(parser))
        options = state.heap.get(key)
        if name in ("add_argument_group", "add_mutually_exclusive_group"):
            return parser  # their options are the parser's
        if name == "add_argument":
            option = _option_of(args, dict(kwargs))
            state.heap[key] = None if options is None or option is None else (
                *(o for o in options if o.dest != option.dest), option)
            return Sym("action")
        if name == "set_defaults" and not args and options is not None:
            overrides = dict(kwargs)
            updated = [Option(o.dest, o.flag, overrides.pop(o.dest, o.default)) for o in options]
            updated += [Option(dest, f"--{dest}", value) for dest, value in overrides.items()]
            state.heap[key] = tuple(updated)
            return Const(None)
        if name in ("parse_args", "parse_known_args"):
            from_command_line = not args or is_none(args[0])
            if options is None or not from_command_line or kwargs:
                return Sym("args")
            namespace = Namespace(options)
            return namespace if name == "parse_args" else Seq((namespace, Sym("unknown_args")))
        return Sym(f"{name}(...)")

    def _range_length(self, span: Span, node: cst.Call) -> Value:
        """``len(range(n))``: a number when the bounds are known; for ``range(n)`` with ``n`` unknown, one
        unknown derived from ``n`` (the same wherever it is computed), never a guess."""
        bounds = (span.start, span.stop, span.step)
        if all(isinstance(b, Const) and type(b.value) is int for b in bounds):
            try:
                return Const(len(range(*(b.value for b in bounds))), node)
            except ValueError:
                return Sym("len(range(...))")
        if isinstance(span.stop, Sym) and span.start == Const(0) and span.step == Const(1):
            return self._derived(span.stop, "len(range)", f"len(range({span.stop.label}))")
        return Sym("len(range(...))", anonymous=True)

    def _apply_loss(self, loss: Value, signature, args, kwargs, node: cst.Call, state: State) -> AppliedLoss:
        target = argument(args, kwargs, *signature.target)
        prediction = argument(args, kwargs, *signature.prediction)
        applied = AppliedLoss(loss, signature, target, prediction, args, kwargs, node)
        place = _label(node.func) + "(...)"
        if self._call_stack:
            place += f" in {self._call_stack[-1].name.value}()"
        self.losses.append(LossEvent(applied, state.scenario, place))
        return applied

    def _new_model(self, node: cst.Call, state: State, **parts) -> ModelValue:
        model = ModelValue(object(), node, **parts)
        state.heap[("model", model.identity)] = model
        return model

    def _method_call(self, method: Method, args, kwargs, node: cst.Call, state: State) -> Value:
        receiver = method.receiver
        self._escape((*args, *(v for _, v in kwargs)), state, callables_only=True)
        if isinstance(receiver, ArgumentParser):
            return self._parser_method(receiver, method.name, args, kwargs, state)
        for frontend in self.frontends:
            result = frontend.method_call(self, receiver, method.name, args, kwargs, node, state)
            if result is not None:
                return result
        if box_key(receiver) is not None:
            if method.name in _READING_METHODS:
                current = pick(state.heap.get(box_key(receiver), receiver), state.scenario)
                read = _container_read(current, method.name, args, kwargs, node) if isinstance(
                    current, (Seq, Mapping)) else None
                if read is not None:
                    return self._resolved(read, state, node) if box_key(read) is None else self._new_box(read, state)
                return Sym(f"{_label(method.receiver_node)}.{method.name}(...)", anonymous=True)
            return self._mutate(receiver, method.name, args, state, _label(method.receiver_node), kwargs)
        if isinstance(receiver, (Call, Derived)):
            return self._object_method(receiver, method.name, args, kwargs, node, state)
        if isinstance(receiver, ModelValue):
            model = pick(state.heap.get(("model", receiver.identity), receiver), state.scenario)
            if isinstance(model, Choice):
                return self._both_ways(model.condition, state, lambda: self._method_call(
                    method, args, kwargs, node, state), Sym(f"{method.name}(...)"))
            if not isinstance(model, ModelValue):
                return Sym(f"{method.name}(...)")
            instance = self._instance_of_model.get(id(model.identity))
            own = _find_method(instance.cls, method.name) if instance is not None else None
            handed: list[tuple[tuple, tuple]] = []
            if own is not None:
                # A method the model's class defines runs (a compile override stores what train_step reads).
                outer, self._super_compiles = self._super_compiles, (handed if method.name == "compile" else None)
                try:
                    result = self._function_call(Function(own, instance.cls.globals, bound_self=instance), args,
                                                 kwargs, state)
                finally:
                    self._super_compiles = outer
                if method.name not in _TRAINING_METHODS:
                    return result
                if len(handed) == 1 and argument(*handed[0], "loss", 1) is not None:
                    # compile(self, optimizer, loss_fn): super().compile(loss=loss_fn): Keras's own arguments
                    args, kwargs, own = handed[0][0], handed[0][1], None
            if method.name == "add" and args:
                state.heap[("model", model.identity)] = model.with_layer(self._stacked(args[0], node, state))
                return Const(None)
            if method.name in _TRAINING_METHODS:
                trained_on = None
                if method.name == "compile":
                    args, kwargs = self._loss_functions_resolved(args, kwargs, state)
                    trained_on = self._compiled_loss_uses(model, instance, state)
                self.events.append(ModelEvent(method.name, model, args, kwargs, node, state.scenario,
                                              overridden=own is not None, trained_on=trained_on))
                step = _find_method(instance.cls, "train_step") if instance is not None else None
                if step is not None and method.name != "compile":  # Keras calls it on every batch
                    self._function_call(Function(step, instance.cls.globals, bound_self=instance), (Sym("data"),),
                                        (), state)
                return Sym("history") if method.name != "compile" else Const(None)
            if method.name == "stateless_call" and len(args) >= 3:
                # Keras 3 on JAX: (outputs, non_trainable_variables) = model.stateless_call(trainable, non_trainable, x)
                return Seq((Tensor(model, args[2:3], node), Sym("non_trainable_variables")), node)
            if method.name == "pop" and model.layers:
                state.heap[("model", model.identity)] = ModelValue(model.identity, model.node, model.layers[:-1])
                return Sym("layer")
        return Sym(f"{method.name}(...)")

    def _loss_functions_resolved(self, args, kwargs, state: State):
        """``compile(loss=my_loss)``: a user function that returns exactly a known loss of its own
        ``(y_true, y_pred)`` stands for that loss; any other function stays what it is (unknown to the rules)."""

        def resolve(value: Value) -> Value:
            value = pick(value, state.scenario)
            if isinstance(value, Function):
                return self._loss_of_function(value, state) or value
            if isinstance(value, Seq):
                return Seq(tuple(resolve(item) for item in value.items), value.node)
            if isinstance(value, Mapping):
                return Mapping(tuple((key, resolve(item)) for key, item in value.items), value.node)
            return value

        kwargs = tuple((key, resolve(value) if key == "loss" else value) for key, value in kwargs)
        if len(args) > 1:
            args = (args[0], resolve(args[1]), *args[2:])
        return args, kwargs

    def _loss_of_function(self, function: Function, state: State) -> AppliedLoss | None:
        node = function.node
        if node is None:
            return None
        params = [*node.params.posonly_params, *node.params.params][1 if function.bound_self is not None else 0:]
        if len(params) < 2:
            return None
        y_true, y_pred = Sym(params[0].name.value), Sym(params[1].name.value)
        heap, seen = state.heap, len(self.losses)
        try:
            result = self._function_call(function, (y_true, y_pred), (), state)
        finally:
            state.heap = heap
            del self.losses[seen:]  # applied to placeholders, not to a model output
        if isinstance(result, AppliedLoss) and result.target is y_true and result.prediction is y_pred:
            return result
        return None

    def _object_method(self, receiver, name: str, args, kwargs, node: cst.Call, state: State) -> Value:
        """Methods of outside objects that matter for labels: fitting, transforming, passing data through."""
        if name in knowledge.LABEL_PASS_THROUGH_METHODS or name in _DATASET_METHODS:
            return receiver
        if not isinstance(receiver, Call) or receiver.target not in knowledge.STATEFUL_PREPROCESSORS:
            return Sym(f"{name}(...)", anonymous=True)
        fitted_key = ("fitted", id(receiver))
        if name in knowledge.FIT_METHODS and args:
            state.heap[fitted_key] = args[0]
            return receiver if name == "fit" else Const(None)
        if name == "fit_transform" and args:
            state.heap[fitted_key] = args[0]
        if name in knowledge.TRANSFORM_METHODS or name.startswith("flow"):
            return Derived(receiver, name, args, kwargs, state.heap.get(fitted_key), node)
        return Sym(f"{name}(...)", anonymous=True)

    def _function_call(self, function: Function, args, kwargs, state: State) -> Value:
        node = function.node
        # A callee we do not run may mutate what it is given and any global container.
        if node is None:  # a deferred function libcst cannot parse: an unknown callee
            self._escape_everything(state)
            return Sym(f"{function.definition.name}(...)", anonymous=True)
        if node in self._call_stack or len(self._call_stack) >= MAX_CALL_DEPTH:
            self._escape_everything(state)
            return Sym(node.name.value + "(...)")
        if function.bound_self is not None:
            args = (function.bound_self, *args)
        frame = Frame(function.globals, function=node)
        env = self._bind(node, args, kwargs, state, frame)
        if env is None:
            self._escape_everything(state)
            return Sym(node.name.value + "(...)")
        self._executed.add(id(node))
        self._call_stack.append(node)
        try:
            finals = self._block(_body_statements(node.body), [State(env, dict(state.heap), state.scenario)], frame)
        finally:
            self._call_stack.pop()
        # A state that raised returns nothing; the others return their result (None when falling off the end).
        returned = [f for f in finals if f.result is not None or not f.done]
        if not returned:
            return Sym(node.name.value + "(...)")
        if len(returned) == 1:
            state.heap = returned[0].heap
            result = returned[0].result if returned[0].result is not None else Const(None)
            if isinstance(result, Sym) and not any(result is v for v in (*args, *(v for _, v in kwargs))) \
                    and not any(result is v for v in function.globals.values()):
                # An unknown the helper made is named by the caller's variable (``num_classes = count(y)``).
                object.__setattr__(result, "anonymous", True)
            return result
        base = len(state.scenario.assumptions)
        results = [(f.scenario, f.result if f.result is not None else Const(None)) for f in returned]
        for key in {k for f in returned for k in f.heap}:
            values = [(f.scenario, f.heap.get(key, state.heap.get(key))) for f in returned]
            if any(v is None for _, v in values):
                continue
            state.heap[key] = _combine(values, base)
        return _combine(results, base)

    def _bind(self, node: cst.FunctionDef, args, kwargs, state: State, frame: Frame) -> dict[str, Value] | None:
        params = node.params
        positional = [*params.posonly_params, *params.params]
        env: dict[str, Value] = {}
        for param, value in zip(positional, args):
            env[param.name.value] = value
        if len(args) > len(positional):
            if params.star_arg is None or type(params.star_arg) is not cst.Param:
                return None
            env[params.star_arg.name.value] = Seq(tuple(args[len(positional):]))
        names = {p.name.value for p in (*positional, *params.kwonly_params)}
        extra: list[tuple[Value, Value]] = []
        for key, value in kwargs:
            if key in env:
                return None  # given by position and by keyword: Python raises
            if key in names:
                env[key] = value
            elif params.star_kwarg is not None:
                extra.append((Const(key), value))
            else:
                return None
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = Mapping(tuple(extra))
        for param in (*positional, *params.kwonly_params):
            name = param.name.value
            if name not in env:
                if param.default is not None:
                    outer, self._current = self._current, node  # the default is written in the def, not the call
                    try:
                        default = self._eval(param.default, State(dict(frame.globals), state.heap, state.scenario),
                                             frame)
                    finally:
                        self._current = outer
                    # A mutable default is one object shared by every call, filled by the earlier ones.
                    env[name] = Sym(name) if box_key(default) is not None else default
                else:
                    env[name] = Sym(name)
        if type(params.star_arg) is cst.Param and params.star_arg.name.value not in env:
            env[params.star_arg.name.value] = Seq(())
        return env

    def _follow_call(self, instance: Instance, call: cst.FunctionDef, args, kwargs, state: State) -> Value | None:
        """What a model's or a layer's own call() returns for ``args``, after its build(); None where that
        depends on ``training``."""
        cls = instance.cls
        build = _find_method(cls, "build")
        if build is not None:  # Keras builds a layer before its first call: weights and layers made there are its own
            self._function_call(Function(build, cls.globals, bound_self=instance), (Sym("input_shape"),), (), state)
        # fit() and a training loop call it with training=True, predict() with False: a head that depends on
        # it is not one head (a softmax applied only at inference), so it stays unknown, never a default.
        training = (("training", Sym("training")),) if all(key != "training" for key, _ in kwargs) and any(
            p.name.value == "training" for p in _all_params(call.params)) else ()
        result = self._function_call(Function(call, cls.globals, bound_self=instance), args, (*kwargs, *training),
                                     state)
        if training and _depends_on(result, training[0][1]):
            return None
        return result

    def _apply_layer(self, layer: Instance, args, kwargs, node: cst.Call, state: State) -> Value:
        """A custom layer applied to tensors: what its own call() returns (the head walk goes on through it), or
        an output that says why it cannot be seen."""
        call = _find_method(layer.cls, "call")
        name = layer.cls.node.name.value
        if call is None:
            self._escape((*args, *(v for _, v in kwargs)), state)
            inherited = state.heap.get(("keras layer", id(layer)))
            if isinstance(inherited, Call):  # a Dense subclass that keeps Dense's call()
                return Tensor(inherited, args, node)
            return Tensor(Opaque("custom layer without call()", name), args, node)
        result = self._follow_call(layer, call, args, kwargs, state)
        if result is None:
            return Tensor(Opaque("custom layer whose output depends on training", name), args, node)
        if _is_output(result) or any(result is arg for arg in args):  # a layer may pass its input on
            return result
        return Tensor(Opaque("custom layer call() returns an unknown value", name), args, node)

    def _stacked(self, layer: Value, node: cst.Call, state: State) -> Value:
        """A layer put in a ``Sequential`` stack; a custom one is applied to the stack's tensor there."""
        if not isinstance(layer, Instance) or _keras_layer_base(layer.cls) is None:
            return layer
        placeholder = Sym("inputs")
        return LayerOutput(layer, self._apply_layer(layer, (placeholder,), (), node, state), placeholder)

    def _instantiate(self, cls: ClassValue, args, kwargs, node: cst.Call, state: State) -> Value:
        instance = Instance(cls, {})
        init = _find_method(cls, "__init__")
        if init is not None:
            self._function_call(Function(init, cls.globals, bound_self=instance), args, kwargs, state)
        if not _derives_from_keras_model(cls):
            return instance
        call = _find_method(cls, "call")
        functional = state.heap.get(("functional outputs", id(instance)))
        if call is None and functional is None and _hands_arguments_to_keras(init):
            # keras.Model's own constructor, or an __init__(self, *args, **kwargs) that hands it everything: a
            # subclass that only adds methods (train_step) to a functional model, CustomModel(inputs, outputs).
            functional = argument(args, kwargs, "outputs", 1)
        outputs: tuple[Value, ...] = (OPAQUE_CALL if call is not None else OPAQUE_NO_CALL,)
        if functional is not None:  # super().__init__(inputs=..., outputs=...): a functional model
            outputs = _outputs_of(functional)
        elif call is not None:
            result = self._follow_call(instance, call, (Sym("inputs"),), (), state)
            if _is_output(result):
                outputs = _outputs_of(result)
            elif result is None:
                outputs = (Opaque("subclass call() output depends on training", cls.node.name.value),)
            else:  # followed: it returns no layer output (tnp.matmul(...), a tuple of unknowns)
                outputs = (Opaque("subclass call() returns an unknown value", _value_label(result)),)
        keyed = isinstance(functional if functional is not None else result if call is not None else None, Mapping)
        model = self._new_model(node, state, outputs=outputs, keyed=keyed)
        self._model_of_instance[id(instance)] = (instance, model)
        self._instance_of_model[id(model.identity)] = instance
        return model


_OUTSIDE_OBJECTS = knowledge.STATEFUL_PREPROCESSORS | knowledge.ONE_HOT_FUNCTIONS | knowledge.RANDOM_CLASS_IDS | \
    knowledge.RANDOM_REALS | knowledge.WEIGHT_CONSTRUCTORS | set(knowledge.LIBRARY_HEAD_LAYERS) | {
        "numpy.eye", "pandas.get_dummies", "tensorflow.data.Dataset.from_tensor_slices"}
"""Non-Keras callables whose results the extractor reads (label encoders, one-hot helpers, datasets)."""
STANDARD_CONSTANTS: dict[str, object] = {
    f"string.{name}": getattr(string, name)
    for name in ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits",
                 "punctuation", "whitespace", "printable")
} | {"math.pi": math.pi, "math.e": math.e, "math.tau": math.tau}
"""Standard-library constants, the same in every Python 3 (read from this interpreter's own modules)."""

@dataclass(frozen=True)
class _Unspread:
    """The arguments of a call with a ``*`` or ``**`` whose contents are not known, as evaluated."""

    evaluated: tuple[tuple[cst.Arg, Value], ...]


_TRAINING_METHODS = frozenset({"compile", "fit", "fit_generator", "train_on_batch"})
_KERAS_TRAINING_ATTRIBUTES = frozenset({*CompiledLoss.PREDICTION, "train_step"})
"""What ``super().X`` reaches in Keras's ``Model`` that applies the compiled loss."""
_PURE_OUTSIDE_PREFIXES = ("builtins.", "numpy.", "math.", "os.path.", "sklearn.", "pandas.", "scipy.",
                          "tensorflow.", "keras.", "json.dumps", "string.", "re.", "logging.")
_MUTATING_OUTSIDE = frozenset({"numpy.random.shuffle", "random.shuffle", "numpy.random.Generator.shuffle"})


@lru_cache(maxsize=4096)
def _unknown_outside(name: str) -> bool:
    """Whether no branch of :meth:`Interpreter._outside_call` after the front ends has anything to say about calls
    of this outside callable (by canonical name): each call is one unknown, its arguments escaped. Keep it in step
    with the branches there: each table or name they test by name is listed here."""
    if name.startswith(("builtins.", "keras.optimizers.")) or name in (
            "numpy.unique", "argparse.ArgumentParser", knowledge.SEQUENTIAL, knowledge.MODEL):
        return False
    tables = (knowledge.LABEL_SPLITTERS, knowledge.SAMPLE_SELECTIONS, knowledge.PROGRESS_WRAPPERS,
              knowledge.LABEL_PASS_THROUGH, knowledge.DATASETS, knowledge.REGRESSION_DATASETS,
              knowledge.APPLICATION_MODELS, knowledge.ACTIVATION_FUNCTIONS, knowledge.REARRANGING_FUNCTIONS,
              knowledge.ACTIVATION_GETTERS, knowledge.AFFINE_FUNCTIONS, knowledge.BIAS_ADDS, _OUTSIDE_OBJECTS)
    if any(name in table for table in tables):
        return False
    return knowledge.task_model(name) is None and knowledge.applied_loss_function(name) is None and \
        knowledge.keras_loss_class(name) is None and not knowledge.is_keras_name(name)


_SELF_RESOLVED = frozenset({Ref, Const, Instance, Function, ClassValue, Tensor, Call, Method, ModuleValue})
"""Value types :meth:`Interpreter._resolved` returns as they are (no choice, unknown, model or container)."""


def _leaves_arguments_alone(name: str) -> bool:
    """Outside callables known not to mutate a list or dict they are given (they may call a callable)."""
    return name not in _MUTATING_OUTSIDE and name.startswith(_PURE_OUTSIDE_PREFIXES)


_DATASET_METHODS = frozenset({"batch", "shuffle", "prefetch", "cache", "repeat", "unbatch"})


def _activation_of(identifier: Value, state: State, node: cst.Call) -> Value | None:
    """``keras.activations.get(identifier)``: the function it returns (None: linear), or None where unknown."""
    identifier = pick(identifier, state.scenario)
    if isinstance(identifier, Choice):
        if_true = _activation_of(identifier.if_true, state, node)
        if_false = _activation_of(identifier.if_false, state, node)
        return None if if_true is None or if_false is None else _choice(identifier.condition, if_true, if_false)
    if isinstance(identifier, Const):
        if identifier.value is None:
            return Ref("keras.activations.linear", node)
        if isinstance(identifier.value, str) and knowledge.activation_from_string(identifier.value):
            return Ref(f"keras.activations.{identifier.value}", node)
        return None
    if isinstance(identifier, Ref) and knowledge.canonical_name(identifier.name) in knowledge.ACTIVATION_FUNCTIONS:
        return identifier
    if isinstance(identifier, Function):
        return identifier  # a callable comes back as it is
    return None


def _is_weight(value: Value) -> bool:
    """A trained variable: the product with it ranges over all reals (a frozen one may be a permutation)."""
    if not isinstance(value, Call) or value.target not in knowledge.WEIGHT_CONSTRUCTORS:
        return False
    trainable = value.argument("trainable")
    if trainable is None:  # trainable by default, unless it is among the positional arguments
        return len(value.args) <= 1
    return isinstance(trainable, Const) and trainable.value is True


def _affine(name: str, args: tuple[Value, ...], node: cst.CSTNode) -> Value | None:
    """``matmul(x, w)`` with ``w`` a trained weight and ``x`` anything else: a linear head."""
    operands = [a for a in args if not (isinstance(a, Const) and isinstance(a.value, (str, int)))]
    if name.endswith("einsum"):
        operands = list(args[1:])
    if len(operands) != 2:
        return None
    weights = [a for a in operands if _is_weight(a)]
    if len(weights) != 1:
        return None
    data = operands[0] if weights[0] is operands[1] else operands[1]
    units = None
    if name in knowledge.MATRIX_PRODUCTS and weights[0] is operands[1] and len(args) == 2:
        units = _weight_width(weights[0])
    return Tensor(Affine(name, units, node), (data,), node)


def _weight_width(weight: Call) -> int | None:
    shape = weight.argument("shape")
    if isinstance(shape, Seq) and len(shape.items) >= 2 and isinstance(shape.items[-1], Const):
        width = shape.items[-1].value
        if type(width) is int and width > 0:
            return width
    return None


def _biased(left: Value, right: Value, node) -> Value | None:
    """``x @ w + b``: still the linear head when ``b`` is a weight or a number; another output shifted by one."""
    for output, bias in ((left, right), (right, left)):
        if type(output) is Tensor and (_is_weight(bias) or isinstance(bias, Const) and type(bias.value) in (
                int, float)):
            if isinstance(output.producer, Affine):
                return output
            if node is not None and isinstance(output.producer, Call) and knowledge.is_keras_name(
                    output.producer.target):  # a Keras layer's output shifted (a PyTorch tensor is left alone)
                return Tensor(Ref(knowledge.BIAS_ADD, node), (output,), node)
    return None


_TENSOR_OPERANDS = (Tensor, Call)  # a weight is a Call


def _affine_operation(operator, left: Value, right: Value, node) -> Value | None:
    if type(operator) is cst.MatrixMultiply and node is not None:
        return _affine("keras.ops.matmul", (left, right), node)
    if type(operator) in (cst.Add, cst.Subtract):
        return _biased(left, right, node)
    return None


def _name_unknowns(target, value: Value) -> None:
    """Messages name an unknown as the code does: "when num_classes == 2", not "max(...) ... 1 == 2".

    An unknown made by an expression takes the name of the variable it is first assigned to (also through a
    tuple a helper returns); an unknown the code already named keeps its name.
    """
    if type(target) is cst.Name and isinstance(value, Sym) and value.anonymous:
        object.__setattr__(value, "label", target.value)
        object.__setattr__(value, "anonymous", False)
    elif type(target) in (cst.Tuple, cst.List) and isinstance(value, Seq) and len(value.items) == len(
            target.elements):
        for element, item in zip(target.elements, value.items):
            _name_unknowns(element.value, item)


def _choice(condition: Condition, if_true: Value, if_false: Value) -> Value:
    if if_true is if_false or (isinstance(if_true, Const) and isinstance(if_false, Const)
                               and type(if_true.value) is type(if_false.value) and if_true.value == if_false.value):
        return if_true
    return Choice(condition, if_true, if_false)


def _join_maps(condition: Condition, holds: dict, fails: dict) -> dict:
    joined = dict(holds)
    for key, value in fails.items():
        mine = holds.get(key)
        if mine is None:
            joined[key] = value
        elif mine is not value:
            joined[key] = _choice(condition, mine, value)
    return joined


def _join(condition: Condition, holds: list[State], fails: list[State], before: State) -> list[State]:
    """The states after an ``if`` that was evaluated both ways: one live state where both branches go on.

    The joined bindings are written back into ``before``'s own dictionaries: at module level that dictionary
    is the globals every function defined so far looks names up in.
    """
    live_holds = [s for s in holds if not s.done]
    live_fails = [s for s in fails if not s.done]
    finished = [s for s in (*holds, *fails) if s.done]
    for dead, live in ((holds, live_fails), (fails, live_holds)):
        if all(s.done and s.result is None for s in dead):
            # ``if not labels: raise ...``: going on only says the check passed; the assumption is kept for
            # consistency but is no scenario a message should name.
            for state in live:
                state.scenario = Scenario(state.scenario.assumptions, state.scenario.quiet | {condition})
    if len(live_holds) == 1 and len(live_fails) == 1:
        a, b = live_holds[0], live_fails[0]
        env, heap = _join_maps(condition, a.env, b.env), _join_maps(condition, a.heap, b.heap)
        before.env.clear()
        before.env.update(env)
        before.heap.clear()
        before.heap.update(heap)
        return [before, *finished]
    return [*live_holds, *live_fails, *finished]


def _combine(records: list[tuple[Scenario, Value]], base: int) -> Value:
    """One value from per-scenario values: a tree of choices over the assumptions made past ``base``."""
    first = records[0][1]
    if all(v is first or (isinstance(v, Const) and isinstance(first, Const) and v == first) for _, v in records):
        return first
    for condition, _ in records[0][0].assumptions[base:]:
        holds = [r for r in records if (condition, True) in r[0].assumptions]
        fails = [r for r in records if (condition, False) in r[0].assumptions]
        either = [r for r in records if r not in holds and r not in fails]
        if holds and fails:
            return _choice(condition, _combine(holds + either, base), _combine(fails + either, base))
    return Sym("result")


def _choice_item(value: Value, index: int, size: int) -> Value | None:
    if isinstance(value, Choice):
        a, b = _choice_item(value.if_true, index, size), _choice_item(value.if_false, index, size)
        return None if a is None or b is None else _choice(value.condition, a, b)
    if isinstance(value, Seq) and len(value.items) == size:
        return value.items[index]
    return None


_EXPRESSIONS = {
    cst.Name: Interpreter._name,
    cst.Integer: Interpreter._literal,
    cst.Float: Interpreter._literal,
    cst.SimpleString: Interpreter._literal,
    cst.ConcatenatedString: Interpreter._literal,
    cst.Attribute: Interpreter._attribute,
    cst.Call: Interpreter._call,
    cst.Tuple: Interpreter._sequence,
    cst.List: Interpreter._sequence,
    cst.Dict: Interpreter._dict,
    cst.Subscript: Interpreter._subscript,
    cst.BinaryOperation: Interpreter._binary,
    cst.UnaryOperation: Interpreter._unary,
    cst.Comparison: Interpreter._comparison,
    cst.BooleanOperation: Interpreter._boolean,
    cst.IfExp: Interpreter._conditional,
    cst.Set: Interpreter._sequence,
    cst.Lambda: Interpreter._lambda,
    cst.ListComp: Interpreter._comprehension,
    cst.SetComp: Interpreter._comprehension,
    cst.DictComp: Interpreter._comprehension,
    cst.GeneratorExp: Interpreter._comprehension,
    cst.NamedExpr: Interpreter._named,
}


def _is_output(value: Value) -> bool:
    """A model output: a tensor, tensors in a tuple or dict, or one of them chosen by a condition."""
    if isinstance(value, Choice):
        return _is_output(value.if_true) and _is_output(value.if_false)
    if isinstance(value, Seq):
        return bool(value.items) and all(_is_output(item) for item in value.items)
    if isinstance(value, Mapping):
        return bool(value.items) and all(_is_output(item) for _, item in value.items)
    return isinstance(value, Tensor)


def _depends_on(value: Value, unknown: Sym) -> bool:
    """Whether a choice on ``unknown`` picks between alternatives anywhere in an output (tensors followed back)."""
    pending, seen = [value], set()
    while pending and len(seen) < 2000:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, Choice):
            if current.condition.subject is unknown:
                return True
            pending += (current.if_true, current.if_false)
        elif isinstance(current, Seq):
            pending += current.items
        elif isinstance(current, Mapping):
            pending += [v for _, v in current.items]
        elif isinstance(current, Tensor):
            pending += [current.producer, *current.inputs]
    return False


def _output_of(value: Value | None, model: ModelValue) -> bool:
    """``self(x)``: an output of ``model`` itself, nothing applied after it."""
    return isinstance(value, Tensor) and isinstance(value.producer, ModelValue) and \
        value.producer.identity is model.identity


def _value_label(value: Value) -> str:
    """What a value is, in a few words, for a coverage reason's detail (``tnp.matmul(...)``, ``keras.ops.matmul``)."""
    if isinstance(value, Sym):
        return value.label
    if isinstance(value, (Call, Ref)):
        return getattr(value, "target", None) or value.name
    return type(value).__name__.lower()


def _outputs_of(value: Value) -> tuple[Value, ...]:
    if isinstance(value, Seq):
        return value.items
    if isinstance(value, Mapping):
        return tuple(v for _, v in value.items)
    return (value,)


def _is_super(node) -> bool:
    return type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "super"


def _find_method(cls: ClassValue, name: str) -> cst.FunctionDef | None:
    seen = 0
    pending = [cls]
    while pending and seen < 16:
        current = pending.pop(0)
        seen += 1
        if name in current.methods:
            return current.methods[name]
        pending.extend(b for b in current.bases if isinstance(b, ClassValue))
    return None


def _hands_arguments_to_keras(init: cst.FunctionDef | None) -> bool:
    """No ``__init__``, or ``__init__(self, *args, **kwargs)``: the constructor's arguments are keras.Model's."""
    if init is None:
        return True
    params = init.params
    return (len(params.params) == 1 and not params.posonly_params and not params.kwonly_params
            and type(params.star_arg) is cst.Param and params.star_kwarg is not None)


def _outside_bases(cls: ClassValue) -> Iterator[str]:
    """The canonical names of the outside classes a class of the audited code derives from, nearest first."""
    pending = [cls]
    for _ in range(16):
        if not pending:
            return
        current = pending.pop(0)
        for base in current.bases:
            if isinstance(base, Ref):
                yield knowledge.canonical_name(base.name)
            elif isinstance(base, ClassValue):
                pending.append(base)


def _derives_from(cls: ClassValue, canonical: str) -> bool:
    return any(name == canonical for name in _outside_bases(cls))


def _keras_layer_base(cls: ClassValue) -> str | None:
    """The Keras layer class a class of the audited code derives from (``keras.layers.Layer``, ``Dense``)."""
    return next((name for name in _outside_bases(cls) if name.startswith("keras.layers.")), None)


def _derives_from_keras_model(cls: ClassValue) -> bool:
    return _derives_from(cls, knowledge.MODEL)


def _all_params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    if type(params.star_arg) is cst.Param:
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _body_statements(body) -> Iterable[cst.CSTNode]:
    if type(body) is cst.IndentedBlock:
        return body.body
    if type(body) is cst.SimpleStatementSuite:
        return [cst.SimpleStatementLine(body=body.body)]
    return ()


def _literal(node) -> object:
    """A literal's value; libcst's ``evaluated_value`` runs ``ast.literal_eval`` and costs more than the parse."""
    text = getattr(node, "value", None)
    if type(node) is cst.Integer:
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return node.evaluated_value
    if type(node) is cst.Float:
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return None
    if type(node) is cst.SimpleString and text[:1] in "'\"" and "\\" not in text:
        quote = 3 if text[:3] in ('"""', "'''") else 1
        return text[quote:-quote]
    try:
        return node.evaluated_value
    except Exception:
        return None


def _dotted(node) -> str:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        return f"{_dotted(node.value)}.{node.attr.value}"
    return "?"


_RENDERED_OPERATORS = {cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
                       cst.GreaterThan: ">", cst.GreaterThanEqual: ">=", cst.In: "in", cst.NotIn: "not in",
                       cst.Is: "is", cst.IsNot: "is not", cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*",
                       cst.Divide: "/", cst.FloorDivide: "//", cst.Modulo: "%", cst.Power: "**"}


def _render(node, depth: int = 0) -> str | None:
    """Source text of a simple expression (names, attributes, literals, calls, items, arithmetic, one comparison),
    written without libcst's code generation, which costs more than the whole evaluation of the expression."""
    if depth > 6:
        return None
    if type(node) is cst.Name:
        return node.value
    if type(node) in (cst.Integer, cst.Float, cst.SimpleString):
        return node.value
    if type(node) is cst.Attribute:
        base = _render(node.value, depth + 1)
        return None if base is None else f"{base}.{node.attr.value}"
    if type(node) is cst.Call:
        func = _render(node.func, depth + 1)
        parts = []
        for arg in node.args:
            value = _render(arg.value, depth + 1)
            if func is None or value is None:
                return None
            keyword = f"{arg.keyword.value}=" if arg.keyword is not None else ""
            parts.append(f"{arg.star}{keyword}{value}")
        return None if func is None else f"{func}({', '.join(parts)})"
    if type(node) is cst.Subscript:
        base = _render(node.value, depth + 1)
        if base is None or len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
            return None
        index = _render(node.slice[0].slice.value, depth + 1)
        return None if index is None else f"{base}[{index}]"
    if type(node) is cst.Comparison and len(node.comparisons) == 1:
        left = _render(node.left, depth + 1)
        right = _render(node.comparisons[0].comparator, depth + 1)
        operator = _RENDERED_OPERATORS.get(type(node.comparisons[0].operator))
        return None if None in (left, right, operator) else f"{left} {operator} {right}"
    if type(node) is cst.BinaryOperation:
        left = _render(node.left, depth + 1)
        right = _render(node.right, depth + 1)
        operator = _RENDERED_OPERATORS.get(type(node.operator))
        if None in (left, right, operator):
            return None
        return f"({left} {operator} {right})" if node.lpar else f"{left} {operator} {right}"
    if type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus:
        operand = _render(node.expression, depth + 1)
        return None if operand is None else f"-{operand}"
    return None


def _label(node) -> str:
    """A short, cheap description of an expression (no code generation)."""
    kind = type(node)
    if kind is cst.Name:
        return node.value
    if kind is cst.Attribute:
        return f"{_label(node.value)}.{node.attr.value}"
    if kind is cst.Call:
        return f"{_label(node.func)}(...)"
    if kind is cst.Subscript:
        return f"{_label(node.value)}[...]"
    if kind is cst.Integer or kind is cst.Float or kind is cst.SimpleString:
        return node.value
    return "..."


def _assigned_names(node: cst.CSTNode) -> set[str]:
    """Names a statement may bind, walking statements only (a libcst visitor costs more than the parse)."""
    names: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if type(current) is cst.SimpleStatementLine:
            for small in current.body:
                if type(small) is cst.Assign:
                    for target in small.targets:
                        names |= _target_names(target.target)
                elif type(small) in (cst.AnnAssign, cst.AugAssign):
                    names |= _target_names(small.target)
                elif type(small) in (cst.Import, cst.ImportFrom) and type(small.names) is not cst.ImportStar:
                    for alias in small.names:
                        bound = alias.asname.name if alias.asname else alias.name
                        names |= _target_names(bound) if type(bound) is cst.Name else {_dotted(bound).split(".")[0]}
        elif type(current) in (cst.FunctionDef, cst.ClassDef):
            names.add(current.name.value)
        elif type(current) is cst.For:
            names |= _target_names(current.target)
            pending.extend(_body_statements(current.body))
        elif type(current) is cst.With:
            names |= {n for item in current.items if item.asname for n in _target_names(item.asname.name)}
            pending.extend(_body_statements(current.body))
        elif type(current) in (cst.If, cst.While, cst.Try, cst.TryStar):
            pending.extend(_inner_statements(current))
    return names


def _inner_statements(statement) -> list:
    """The statements directly inside an ``if``, ``while``, ``with`` or ``try``: its body, its ``else`` (an
    ``elif`` as the ``If`` it is), its handlers' bodies and its ``finally``."""
    inner = list(_body_statements(statement.body))
    orelse = getattr(statement, "orelse", None)
    if type(orelse) is cst.If:
        inner.append(orelse)
    elif orelse is not None:
        inner.extend(_body_statements(orelse.body))
    for handler in getattr(statement, "handlers", ()):
        inner.extend(_body_statements(handler.body))
    final = getattr(statement, "finalbody", None)
    if final is not None:
        inner.extend(_body_statements(final.body))
    return inner


def _target_names_of(for_in: cst.CompFor | None) -> set[str]:
    names: set[str] = set()
    while for_in is not None:
        names |= _target_names(for_in.target)
        for_in = for_in.inner_for_in
    return names


def _target_names(target) -> set[str]:
    if type(target) is cst.Name:
        return {target.value}
    if type(target) in (cst.Tuple, cst.List):
        return set().union(*(_target_names(e.value) for e in target.elements)) if target.elements else set()
    return set()


def _iteration_items(value: Value, limit: int) -> tuple[Value, ...] | None:
    """The items a ``for`` visits, in order, when there are at most ``limit`` of them (else None)."""
    if isinstance(value, Seq) and len(value.items) <= limit and (value.ordered or len(value.items) <= 1):
        return value.items
    if isinstance(value, Mapping) and len(value.items) <= limit and all(isinstance(k, Const) for k, _ in value.items):
        return tuple(k for k, _ in value.items)
    if isinstance(value, Const) and isinstance(value.value, str) and len(value.value) <= limit:
        return tuple(Const(c) for c in value.value)
    return None


def _leaves(body) -> bool:
    """Whether a loop body may return, raise or yield (itself or in a loop it holds; not in a nested function)."""
    return any(type(small) in (cst.Return, cst.Raise) or (
        type(small) in (cst.Expr, cst.Assign) and type(small.value) in (cst.Yield, cst.Await))
        for small in _own_small_statements(body, (cst.For, cst.While)))


def _jumps(body) -> bool:
    """Whether a loop body has a ``break`` or ``continue`` of its own (not of a nested loop or function)."""
    return any(type(small) in (cst.Break, cst.Continue) for small in _own_small_statements(body, ()))


def _own_small_statements(body, loops: tuple[type, ...]) -> Iterator[cst.BaseSmallStatement]:
    """The small statements of a block, through its ``if``/``try``/``with`` blocks and the ``loops`` given, not
    through nested functions or classes."""
    pending = list(_body_statements(body))
    while pending:
        statement = pending.pop()
        if type(statement) is cst.SimpleStatementLine:
            yield from statement.body
        elif type(statement) in (cst.If, cst.Try, cst.TryStar, cst.With, *loops):
            pending.extend(_inner_statements(statement))


def _plain_constant(value: object) -> bool:
    return isinstance(value, (int, float, str, bool)) or value is None


_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}

_ARITHMETIC = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.FloorDivide: lambda a, b: a // b,
    cst.Divide: lambda a, b: a / b,
    cst.Modulo: lambda a, b: a % b,
}


def _arithmetic(operator, left: Value, right: Value) -> Value | None:
    if not (isinstance(left, Const) and isinstance(right, Const)):
        return None
    compute = _ARITHMETIC.get(type(operator))
    if compute is None:
        return None
    a, b = left.value, right.value
    if isinstance(a, str) != isinstance(b, str) or isinstance(a, str) and type(operator) is not cst.Add:
        return None
    if not isinstance(a, (int, float, str)) or not isinstance(b, (int, float, str)):
        return None
    try:
        return Const(compute(a, b), left.node)
    except (ArithmeticError, TypeError, ValueError):
        return None


def _sequence_arithmetic(operator, left: Value, right: Value) -> Value | None:
    if type(operator) is cst.Add and isinstance(left, Seq) and isinstance(right, Seq):
        if left.kind != right.kind or left.kind == "set" or len(left.items) + len(right.items) > MAX_ITEMS:
            return None
        ordered = left.ordered and right.ordered
        if left.kind == "list":
            return Seq((*left.items, *right.items), left.node, object(), "list", ordered)
        return Seq((*left.items, *right.items), left.node, None, "tuple", ordered)
    if type(operator) is cst.Multiply:
        if isinstance(right, Seq) and isinstance(left, Const):
            left, right = right, left
        if isinstance(left, Seq) and left.kind != "set" and isinstance(right, Const) and type(right.value) is int:
            count = max(right.value, 0)
            if len(left.items) * count > MAX_ITEMS:
                return None
            return Seq(left.items * count, left.node, object() if left.kind == "list" else None, left.kind,
                       left.ordered)
        if isinstance(left, Const) and isinstance(left.value, str) and isinstance(right, Const) \
                and type(right.value) is int and len(left.value) * max(right.value, 0) <= 10_000:
            return Const(left.value * right.value, left.node)
    return None


_AUGMENTED = {
    cst.AddAssign: cst.Add(),
    cst.SubtractAssign: cst.Subtract(),
    cst.MultiplyAssign: cst.Multiply(),
    cst.DivideAssign: cst.Divide(),
    cst.FloorDivideAssign: cst.FloorDivide(),
    cst.ModuloAssign: cst.Modulo(),
}


def _copy(container: Seq | Mapping, kind: str | None = None) -> Seq | Mapping:
    """A new list, set or dict holding the same items (``list(x)``, ``x.copy()``, ``np.array(x)``)."""
    if isinstance(container, Mapping):
        return Mapping(container.items, container.node, object())
    return Seq(container.items, container.node, object(), kind or container.kind, container.ordered)


_ARGPARSE_TYPES = {"builtins.int": int, "builtins.float": float, "builtins.str": str}


def _option_of(args: tuple[Value, ...], kwargs: dict[str, Value]) -> Option | None:
    """The option an ``add_argument`` call declares, with its default (None: its name is not known)."""
    flags = [a.value for a in args if isinstance(a, Const) and isinstance(a.value, str)]
    if not flags or len(flags) != len(args):
        return None
    long = next((f for f in flags if f.startswith("--")), None)
    dest_value = kwargs.get("dest")
    if dest_value is not None:
        if not (isinstance(dest_value, Const) and isinstance(dest_value.value, str)):
            return None
        dest = dest_value.value
    elif long is not None:
        dest = long[2:].replace("-", "_")
    else:
        dest = flags[0].lstrip("-").replace("-", "_")
    flag = long or flags[0]
    unknown = Sym(dest)
    action = kwargs.get("action")
    required = kwargs.get("required")
    nargs = kwargs.get("nargs")
    positional = not flags[0].startswith("-")
    if positional and not (isinstance(nargs, Const) and nargs.value in ("?", "*")) or (
            isinstance(required, Const) and required.value) or (required is not None and not isinstance(required,
                                                                                                        Const)):
        return Option(dest, flag, unknown)  # the command line always gives it
    if action is not None:
        if not isinstance(action, Const) or action.value not in ("store", "store_true", "store_false"):
            return Option(dest, flag, unknown)
        if action.value != "store" and "default" not in kwargs:
            return Option(dest, flag, Const(action.value == "store_false"))
    default = kwargs.get("default", Const(None))
    converter = kwargs.get("type")
    if converter is not None and isinstance(default, Const) and isinstance(default.value, str):
        # argparse passes a string default through ``type``, like a value from the command line.
        convert = _ARGPARSE_TYPES.get(knowledge.canonical_name(converter.name)) if isinstance(converter, Ref) \
            else None
        if convert is None:
            return Option(dest, flag, unknown)
        try:
            default = Const(convert(default.value), default.node)
        except ValueError:
            return Option(dest, flag, unknown)
    return Option(dest, flag, default)


def _value_key(value: Value, depth: int = 0) -> tuple | None:
    """What a value is, for recognising the same computation again (None: no identity to go by).

    An unknown is itself (by id: :meth:`Interpreter._stable` keeps it alive), a constant its value, an
    outside name its dotted name, an outside call its callee and arguments.
    """
    if isinstance(value, Const):
        try:
            hash(value.value)
        except TypeError:
            return None
        return ("const", type(value.value).__name__, value.value)
    if isinstance(value, (Sym, ModuleValue)):
        return ("unknown", id(value))
    if isinstance(value, Ref):
        return ("ref", value.name)
    if depth > 3:
        return None
    if isinstance(value, Call):
        positional = tuple(_value_key(v, depth + 1) for v in value.args)
        keywords = tuple((k, _value_key(v, depth + 1)) for k, v in value.kwargs)
        if None in positional or any(part is None for _, part in keywords):
            return None
        return ("call", value.target, positional, keywords)
    if isinstance(value, Seq) and value.identity is None:
        parts = tuple(_value_key(v, depth + 1) for v in value.items)
        return None if None in parts else ("tuple", parts)
    return None


def _contents(value: Value) -> list[Value]:
    if isinstance(value, Seq):
        return list(value.items)
    if isinstance(value, Mapping):
        return [v for pair in value.items for v in pair]
    return []


def _box_label(value: Value) -> str:
    return value.kind if isinstance(value, Seq) else "dict"


def _root_name(node) -> str | None:
    while type(node) is cst.Attribute or type(node) is cst.Subscript:
        node = node.value
    return node.value if type(node) is cst.Name else None


def _names_in(node: cst.CSTNode) -> set[str]:
    """The names code we do not evaluate could mutate through: receivers of method calls, arguments of
    calls other than pure builtins, called functions, targets of item and attribute assignment and ``del``,
    and every name a lambda mentions. A plain walk: a libcst visitor costs more than the parse."""
    names: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        kind = type(current)
        if kind is cst.Lambda:
            inner = [current.body]
            while inner:
                item = inner.pop()
                if type(item) is cst.Name:
                    names.add(item.value)
                else:
                    inner.extend(_children(item))
            continue
        if kind is cst.Call:
            func = current.func
            if type(func) is cst.Attribute:
                names.add(_root_name(func.value) or "")
            elif type(func) is cst.Name:
                names.add(func.value)
            if not (type(func) is cst.Name and func.value in BUILTINS):
                names.update(_root_name(arg.value) or "" for arg in current.args)
        elif kind is cst.AssignTarget or kind is cst.AugAssign or kind is cst.Del:
            if type(current.target) is cst.Attribute or type(current.target) is cst.Subscript:
                names.add(_root_name(current.target) or "")
            elif kind is cst.AugAssign:
                names.add(_root_name(current.target) or "")
        pending.extend(_children(current))
    names.discard("")
    return names


_LAYOUT_FIELDS = frozenset({
    "whitespace_before", "whitespace_after", "lpar", "rpar", "leading_lines", "comma", "semicolon", "header",
    "footer", "whitespace_after_func", "whitespace_before_args", "whitespace_after_colon",
    "whitespace_before_colon", "lines_after_decorators", "leading_whitespace", "trailing_whitespace", "equal",
    "star", "whitespace_after_star", "whitespace_after_param", "whitespace_after_indent", "whitespace_after_at",
    "whitespace_after_arg", "whitespace_before_params", "whitespace_after_def", "whitespace_before_in",
    "whitespace_after_in", "whitespace_after_for", "whitespace_before_for"})
_SYNTAX_FIELDS: dict[type, tuple[str, ...]] = {}


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's syntactic children, read from its fields: libcst's ``children`` runs a visitor per node and
    costs thirty times more."""
    names = _SYNTAX_FIELDS.get(type(node))
    if names is None:
        names = _SYNTAX_FIELDS[type(node)] = tuple(
            f.name for f in dataclass_fields(node) if f.name not in _LAYOUT_FIELDS)
    children: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, (tuple, list)):
            children.extend(item for item in value if _is_node(item))
        elif _is_node(value):
            children.append(value)
    return children


_NODE_TYPES: dict[type, bool] = {}


def _is_node(value: object) -> bool:
    """``isinstance(value, cst.CSTNode)``, by type: the ABC's own check runs Python code on every miss."""
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return known


def _distinct(items: Iterable[Value]) -> tuple[Value, ...] | None:
    """A set's items in first-seen order; None when an item is not a constant (two unknowns may be equal)."""
    seen: dict[Any, Value] = {}
    for item in items:
        if not isinstance(item, Const):
            return None
        try:
            seen.setdefault((type(item.value) if isinstance(item.value, str) else 0, item.value), item)
        except TypeError:
            return None
    return tuple(seen.values())


def _dict_set(items: list[tuple[Value, Value]], key: Value, value: Value) -> list[tuple[Value, Value]]:
    """``d[key] = value`` on a dict's items: a constant key replaces its entry in place, as Python does."""
    if isinstance(key, Const):
        for index, (existing, _) in enumerate(items):
            if isinstance(existing, Const) and existing.value == key.value:
                return [*items[:index], (existing, value), *items[index + 1:]]
    return [*items, (key, value)]


_MUTATING_METHODS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "update",
                               "setdefault", "popitem", "add", "discard", "difference_update",
                               "intersection_update", "symmetric_difference_update", "fill", "resize", "put"})
"""Methods that change the object they are called on (lists, dicts, sets, NumPy arrays in place)."""
_READING_METHODS = frozenset({"index", "count", "copy", "get", "keys", "values", "items"})


def _container_read(current: Seq | Mapping, name: str, args: tuple[Value, ...], kwargs: tuple,
                    node: cst.Call) -> Value | None:
    """What a method that leaves the container as it is returns (None: unknown)."""
    if kwargs:
        return None
    if name == "copy" and not args:
        return _copy(current)
    if isinstance(current, Mapping):
        if not all(isinstance(k, Const) for k, _ in current.items):
            return None
        if name == "get" and args and isinstance(args[0], Const) and len(args) <= 2:
            found = current.get(args[0].value)
            return found if found is not None else (args[1] if len(args) == 2 else Const(None, node))
        # A view, read at once in practice (``len(d.keys())``, ``for k, v in d.items()``).
        if name == "keys" and not args:
            return Seq(tuple(k for k, _ in current.items), node)
        if name == "values" and not args:
            return Seq(tuple(v for _, v in current.items), node)
        if name == "items" and not args:
            return Seq(tuple(Seq(pair, node) for pair in current.items), node)
        return None
    if name in ("index", "count") and len(args) == 1 and isinstance(args[0], Const) and current.ordered and all(
            isinstance(item, Const) for item in current.items):
        found = [i for i, item in enumerate(current.items) if item.value == args[0].value]
        if name == "count":
            return Const(len(found), node)
        return Const(found[0], node) if found else None
    return None


MAX_ITEMS = 1024
"""The largest container the evaluator spells out item by item; a bigger one is unknown."""


def _spread(value: Value) -> tuple[Value, ...] | None:
    """The items ``list.extend`` / ``+=`` would add, in order (None: unknown)."""
    if isinstance(value, Seq) and (value.ordered or len(value.items) <= 1):
        return value.items
    if isinstance(value, Const) and isinstance(value.value, str):
        return tuple(Const(c) for c in value.value)
    if isinstance(value, Mapping) and all(isinstance(k, Const) for k, _ in value.items):
        return tuple(k for k, _ in value.items)
    return None


def _container_mutation(current: Seq | Mapping, operation: str, args: tuple[Value, ...], kwargs: tuple
                        ) -> tuple[Value, Value] | None:
    """``(new contents, what the call returns)`` for a mutation modelled exactly, else None (unknown)."""
    none = Const(None)
    if isinstance(current, Mapping):
        if operation == "[]=" and len(args) == 2 and isinstance(args[0], Const):
            return current.version(tuple(_dict_set(list(current.items), *args))), none
        if operation == "update" and len(args) <= 1:
            source = args[0] if args else Mapping(())
            if not isinstance(source, Mapping):
                return None
            items = list(current.items)
            for key, value in (*source.items, *((Const(k), v) for k, v in kwargs)):
                items = _dict_set(items, key, value)
            return current.version(tuple(items)), none
        if operation == "setdefault" and 1 <= len(args) <= 2 and isinstance(args[0], Const) and not kwargs \
                and all(isinstance(k, Const) for k, _ in current.items):
            found = current.get(args[0].value)
            if found is not None:
                return current, found
            default = args[1] if len(args) == 2 else none
            return current.version((*current.items, (args[0], default))), default
        return None
    if kwargs:
        return None
    if current.kind == "set":
        if operation == "add" and len(args) == 1:
            items = _distinct((*current.items, args[0]))
        elif operation == "update" and len(args) == 1 and _spread(args[0]) is not None:
            items = _distinct((*current.items, *_spread(args[0])))
        else:
            return None
        return (None if items is None else (current.version(items), none))
    if current.kind != "list":
        return None
    items = current.items
    if operation == "append" and len(args) == 1:
        items = (*items, args[0])
    elif operation in ("extend", "+=") and len(args) == 1 and _spread(args[0]) is not None:
        items = (*items, *_spread(args[0]))
    elif operation == "*=" and len(args) == 1 and isinstance(args[0], Const) and type(args[0].value) is int:
        items = items * max(args[0].value, 0)
    elif operation == "insert" and len(args) == 2 and isinstance(args[0], Const) and type(args[0].value) is int:
        position = args[0].value
        if position < 0:
            position = max(position + len(items), 0)
        position = min(position, len(items))
        items = (*items[:position], args[1], *items[position:])
    elif operation == "[]=" and len(args) == 2 and isinstance(args[0], Const) and type(args[0].value) is int \
            and current.ordered and -len(items) <= args[0].value < len(items):
        replaced = list(items)
        replaced[args[0].value] = args[1]
        items = tuple(replaced)
    else:
        return None
    if len(items) > MAX_ITEMS:
        return None
    return current.version(items), none


def _builtin(name: str, args: tuple[Value, ...], node: cst.Call, kwargs: tuple = ()) -> Value:
    known = _builtin_container(name, args, node, kwargs)
    if known is not None:
        return known
    return _builtin_scalar(name, args, node)


def _ordered_items(value: Value) -> tuple[Value, ...] | None:
    """The items iterating ``value`` yields, in order (None: unknown, or too many)."""
    return _iteration_items(value, MAX_ITEMS)


def _builtin_container(name: str, args: tuple[Value, ...], node: cst.Call, kwargs: tuple) -> Value | None:
    """Builtins that make or read containers; None where the answer is not known exactly."""
    if name == "range" and 1 <= len(args) <= 3 and not kwargs:
        bounds = (Const(0), args[0], Const(1)) if len(args) == 1 else (*args, Const(1))[:3]
        if all(isinstance(b, Const) and type(b.value) is int for b in bounds):
            try:
                numbers = range(*(b.value for b in bounds))
            except ValueError:
                return None
            if len(numbers) <= MAX_ITEMS:
                return Seq(tuple(Const(n) for n in numbers), node)
        return Span(*bounds)
    if kwargs and name != "sorted" and name != "dict":
        return None
    if name in ("list", "set", "frozenset", "tuple", "dict") and not args:
        if name == "dict":
            return Mapping(tuple((Const(k), v) for k, v in kwargs), node, object())
        return Seq((), node, None if name in ("tuple", "frozenset") else object(), "list" if name == "list"
                   else "tuple" if name == "tuple" else "set", name in ("list", "tuple"))
    if len(args) != 1:
        if name == "zip" and args:
            columns = [_ordered_items(a) for a in args]
            if any(c is None for c in columns):
                return None
            return Seq(tuple(Seq(row, node) for row in zip(*columns)), node)
        return None
    value = args[0]
    if name in ("set", "frozenset"):
        if isinstance(value, Seq):
            items = _distinct(value.items)
        elif isinstance(value, Mapping) and all(isinstance(k, Const) for k, _ in value.items):
            items = tuple(k for k, _ in value.items)
        elif isinstance(value, Const) and isinstance(value.value, str):
            items = _distinct(Const(c) for c in value.value)
        else:
            return None
        return None if items is None else Seq(items, node, object() if name == "set" else None, "set", False)
    if name in ("list", "tuple"):
        if isinstance(value, Seq):
            return _copy(value, "list") if name == "list" else Seq(value.items, node, None, "tuple", value.ordered)
        items = _spread(value)
        if items is None:
            return None
        return Seq(items, node, object() if name == "list" else None, name)
    if name == "sorted":
        options = dict(kwargs)
        if set(options) - {"reverse"} or not isinstance(options.get("reverse", Const(False)), Const):
            return None
        items = value.items if isinstance(value, Seq) else _spread(value)
        if items is None or not all(isinstance(i, Const) for i in items):
            return None
        try:
            ordered = sorted(items, key=lambda i: i.value, reverse=bool(options.get("reverse", Const(False)).value))
        except TypeError:
            return None
        return Seq(tuple(ordered), node, object(), "list")
    if name == "dict":
        if isinstance(value, Mapping):
            return _copy(value)
        pairs = _ordered_items(value)
        if pairs is None or not all(isinstance(p, Seq) and len(p.items) == 2 for p in pairs):
            return None
        items: list[tuple[Value, Value]] = []
        for pair in pairs:
            items = _dict_set(items, *pair.items)
        for key, item in kwargs:
            items = _dict_set(items, Const(key), item)
        return Mapping(tuple(items), node, object())
    if name == "enumerate":
        items = _ordered_items(value)
        return None if items is None else Seq(tuple(Seq((Const(i), item), node) for i, item in enumerate(items)),
                                              node)
    if name == "reversed":
        items = _ordered_items(value)
        return None if items is None else Seq(tuple(reversed(items)), node)
    if name in ("max", "min", "sum") and isinstance(value, Seq) and value.items and all(
            isinstance(i, Const) and isinstance(i.value, (int, float)) for i in value.items):
        return Const({"max": max, "min": min, "sum": sum}[name](i.value for i in value.items), node)
    return None


def _class_count(name: str, args: tuple[Value, ...], result: Value) -> Value:
    """Keep the relation an unknown count has to the labels: ``len(set(y))``, ``len(tokenizer.word_index)``."""
    if not isinstance(result, Sym) or isinstance(result, (Count, Distinct)) or len(args) != 1:
        return result
    (arg,) = args
    if name == "set" and not isinstance(arg, (Seq, Mapping, Const)):
        return Distinct(result.label, anonymous=True, of=arg)
    if name in ("list", "sorted", "tuple") and isinstance(arg, Distinct):
        return arg
    if name == "len" and isinstance(arg, Distinct) and arg.of is not None:
        return Count(result.label, anonymous=True, kind="distinct", of=arg.of)
    if (name == "len" and isinstance(arg, Method) and arg.name == "word_index" and isinstance(arg.receiver, Call)
            and arg.receiver.target == "keras.preprocessing.Tokenizer"):
        return Count(result.label, anonymous=True, kind="word_index", of=arg.receiver)
    return result


def _builtin_scalar(name: str, args: tuple[Value, ...], node: cst.Call) -> Value:
    if name == "len" and len(args) == 1:
        value = args[0]
        if isinstance(value, Seq) or isinstance(value, Mapping) and all(isinstance(k, Const) for k, _ in value.items):
            return Const(len(value.items), node)
        if isinstance(value, Const) and isinstance(value.value, str):
            return Const(len(value.value), node)
        return Sym(f"len({value.label})" if isinstance(value, Sym) else "len(...)", anonymous=True)
    if name in ("int", "float") and len(args) == 1 and isinstance(args[0], Const):
        try:
            return Const({"int": int, "float": float}[name](args[0].value), node)
        except (TypeError, ValueError):
            return Sym(name)
    if name in ("max", "min") and args and all(isinstance(a, Const) for a in args):
        try:
            return Const({"max": max, "min": min}[name](a.value for a in args), node)
        except TypeError:
            return Sym(name)
    return Sym(f"{name}(...)", anonymous=True)


def interpret(module: cst.Module, unit: str, resolve_import=None) -> list[ModelEvent]:
    return Interpreter(module, unit, resolve_import).run()


