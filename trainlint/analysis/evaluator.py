"""A small symbolic interpreter over the subset of Python that model-building code uses.

It walks a libcst module statement by statement, keeping an environment of abstract values
(:mod:`trainlint.analysis.values`), follows calls into functions of the same module with their arguments
bound, and records every ``compile(...)`` / ``fit(...)`` it meets on a model it can see. It never imports or
runs the audited code.

Branches: a condition that the current :class:`Scenario` cannot decide raises :class:`_Fork`; the statement
that needed it is run again once per polarity, each in a scenario that assumes it. A function whose body
split returns its results per scenario and the caller splits the same way, so a helper and its caller agree
on ``num_classes == 2``. When the number of live states or assumptions hits its bound, an undecided branch
is skipped and the names it assigns become unknown: silence, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import libcst as cst

from trainlint import knowledge
from trainlint.analysis.scenario import Condition, Scenario
from trainlint.analysis.values import (
    OPAQUE,
    Call,
    ClassValue,
    Const,
    Function,
    Instance,
    Mapping,
    ModelValue,
    ModuleValue,
    Ref,
    Seq,
    Sym,
    Tensor,
    Value,
)

_UNSET = object()
MAX_STATES = 16
MAX_ASSUMPTIONS = 6
MAX_CALL_DEPTH = 10
MAX_UNROLL = 16
MAX_STEPS = 200_000

BUILTINS = frozenset(
    {"len", "int", "float", "str", "bool", "range", "max", "min", "list", "tuple", "abs", "round", "sorted",
     "set", "print", "isinstance", "enumerate", "zip", "super"}
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


@dataclass(frozen=True)
class ModelEvent:
    """A ``compile`` or ``fit`` call on a model the evaluator could see."""

    method: str
    model: ModelValue
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    node: cst.Call
    scenario: Scenario

    def argument(self, name: str, position: int | None = None) -> Value | None:
        for key, value in self.kwargs:
            if key == name:
                return value
        if position is not None and position < len(self.args):
            return self.args[position]
        return None


class _Fork(Exception):
    def __init__(self, scenarios: list[Scenario]):
        self.scenarios = scenarios


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

    def __init__(self, module: cst.Module, unit: str, resolve_import=None):
        self.module = module
        self.unit = unit
        self.events: list[ModelEvent] = []
        self.resolve_import = resolve_import
        self._steps = 0
        self._call_stack: list[cst.FunctionDef] = []
        self._executed: set[int] = set()
        self._derived_syms: dict[tuple[int, str], Sym] = {}
        self._fresh_syms: dict[tuple, Sym] = {}
        self._sites: list[int] = []
        self._last_fresh: tuple[int, Sym] | None = None
        self._fresh_ids: set[int] = set()
        self._calls_seen: dict[tuple, list[State]] = {}
        self._literals: dict[cst.CSTNode, object] = {}
        self._assigned: dict[cst.CSTNode, set[str]] = {}
        self._kept_alive: list = []

    # --- entry point ------------------------------------------------------------------------------------

    def run(self) -> list[ModelEvent]:
        globals_env: dict[str, Value] = {"__name__": Const("__main__")}
        state = State(globals_env, {}, Scenario())
        frame = Frame(globals_env)
        try:
            finals = self._block(self.module.body, [state], frame)
            module_globals = finals[0].env if finals else globals_env
            for function, owner in self._functions(self.module.body):
                if id(function) not in self._executed:
                    self._run_standalone(function, owner, module_globals)
        except (_BudgetExceeded, RecursionError):
            pass
        return self.events

    def module_globals(self, name: str) -> dict[str, Value]:
        """The globals the module's top level leaves when it is imported as ``name`` (no function runs).

        A name bound differently in different final scenarios is unknown there: an importer sees no guess.
        """
        globals_env: dict[str, Value] = {"__name__": Const(name)}
        try:
            finals = self._block(self.module.body, [State(globals_env, {}, Scenario())], Frame(globals_env))
        except (_BudgetExceeded, RecursionError):
            return {}
        merged: dict[str, Value] = {}
        for key in dict.fromkeys(k for final in finals for k in final.env):
            values = [_latest(final.env.get(key), final.heap) for final in finals]
            same = all(v is values[0] for v in values)
            merged[key] = values[0] if same and values[0] is not None else Sym(key)
        return merged

    def _functions(self, body: Iterable[cst.CSTNode], owner: cst.ClassDef | None = None):
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                yield statement, owner
            elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
                yield from self._functions(statement.body.body, statement)

    def _run_standalone(self, function: cst.FunctionDef, owner: cst.ClassDef | None, globals_env):
        """Evaluate a function nobody called, its parameters unknown (a ``train(num_classes)`` entry point)."""
        frame = Frame(globals_env, function=function)
        env: dict[str, Value] = {}
        heap: dict[Any, Value] = {}
        params = list(_all_params(function.params))
        for index, param in enumerate(params):
            name = param.name.value
            if index == 0 and owner is not None and name in ("self", "cls"):
                owner_value = globals_env.get(owner.name.value)
                if isinstance(owner_value, ClassValue):
                    env[name] = Instance(owner_value, {})
                    continue
            env[name] = Sym(name)
        self._call_stack.append(function)
        try:
            self._block(_body_statements(function.body), [State(env, heap, Scenario())], frame)
        finally:
            self._call_stack.pop()

    # --- statements -------------------------------------------------------------------------------------

    def _block(self, statements: Iterable[cst.CSTNode], states: list[State], frame: Frame) -> list[State]:
        for statement in statements:
            next_states: list[State] = []
            for state in states:
                if state.done:
                    next_states.append(state)
                else:
                    next_states.extend(self._statement_forking(statement, state, frame))
            states = next_states[:MAX_STATES]
        return states

    def _statement_forking(self, statement, state: State, frame: Frame) -> list[State]:
        # No copy on the common path: a statement raises _Fork before it mutates anything that matters, and
        # re-running it in each branch is idempotent.
        try:
            return self._statement(statement, state, frame)
        except _Fork as fork:
            results: list[State] = []
            for scenario in fork.scenarios:
                results.extend(self._statement_forking(statement, state.fork(scenario), frame))
            return results

    def _statement(self, statement, state: State, frame: Frame) -> list[State]:
        self._tick()
        kind = type(statement)
        if kind is cst.SimpleStatementLine:
            for small in statement.body:
                self._small_statement(small, state, frame)
                if state.done:
                    break
            return [state]
        if kind is cst.If:
            return self._if(statement, state, frame)
        if kind is cst.FunctionDef:
            state.env[statement.name.value] = Function(statement, self._globals_of(state, frame))
            return [state]
        if kind is cst.ClassDef:
            self._class_def(statement, state, frame)
            return [state]
        if kind is cst.For:
            return self._for(statement, state, frame)
        if kind is cst.While:
            return self._loop_unknown(statement.body, state, frame, None)
        if kind is cst.With:
            for item in statement.items:
                self._eval(item.item, state, frame)
                if item.asname is not None:
                    self._assign(item.asname.name, Sym("with"), state, frame)
            return self._block(_body_statements(statement.body), [state], frame)
        if kind in (cst.Try, cst.TryStar):
            states = self._block(_body_statements(statement.body), [state], frame)
            if statement.orelse is not None:
                states = self._block(_body_statements(statement.orelse.body), states, frame)
            if statement.finalbody is not None:
                states = self._block(_body_statements(statement.finalbody.body), states, frame)
            return states
        return [state]

    def _small_statement(self, small, state: State, frame: Frame) -> None:
        kind = type(small)
        if kind is cst.Expr:
            self._eval(small.value, state, frame)
        elif kind is cst.Assign:
            value = self._eval(small.value, state, frame)
            if len(small.targets) == 1:
                self._name_unknowns(small.targets[0].target, small.value, value, state, frame)
            for target in small.targets:
                self._assign(target.target, value, state, frame)
        elif kind is cst.AnnAssign:
            if small.value is not None:
                self._assign(small.target, self._eval(small.value, state, frame), state, frame)
        elif kind is cst.AugAssign:
            current = self._eval(small.target, state, frame)
            operand = self._eval(small.value, state, frame)
            self._assign(small.target, _arithmetic(small.operator, current, operand) or Sym(_label(small.target)),
                         state, frame)
        elif kind is cst.Return:
            state.result = self._eval(small.value, state, frame) if small.value is not None else Const(None)
            state.done = True
        elif kind is cst.Raise:
            state.done = True
            state.result = None
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

    def _name_unknowns(self, target, expression, value: Value, state: State, frame: Frame) -> None:
        """Messages name an unknown as the code does: "when num_classes == 2", not "max(...) + 1 == 2".

        An unknown made by the assigned expression takes the target's name; so does one a call returns, alone
        or in a tuple, so that the caller's name wins over the helper's (``num_classes = count_classes(y)``).
        An unknown the caller already holds (an argument passed through) keeps its name.
        """
        def renamable(name_node, item: Value) -> bool:
            return (isinstance(name_node, cst.Name) and not name_node.value.startswith("_")
                    and isinstance(item, Sym) and id(item) in self._fresh_ids
                    and not any(v is item for v in state.env.values())
                    and not any(v is item for v in frame.globals.values()))

        if renamable(target, value) and (
                self._last_fresh == (id(expression), value) or type(expression) is cst.Call):
            object.__setattr__(value, "label", target.value)
        elif type(target) in (cst.Tuple, cst.List) and type(expression) is cst.Call and isinstance(value, Seq) \
                and len(value.items) == len(target.elements):
            for element, item in zip(target.elements, value.items):
                if renamable(element.value, item):
                    object.__setattr__(item, "label", element.value.value)

    def _import_from(self, small: cst.ImportFrom, state: State) -> None:
        if isinstance(small.names, cst.ImportStar):
            return
        base = _dotted(small.module) if small.module is not None else ""
        relative = "." * len(small.relative)
        for alias in small.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else _dotted(alias.name)
            target = alias.asname.name if alias.asname is not None else alias.name
            dotted = f"{relative}{base}.{name}" if base else f"{relative}{name}"
            self._bind_import(target, dotted, state)

    def _bind_import(self, target, dotted: str, state: State) -> None:
        if isinstance(target, cst.Name):
            state.env[target.value] = self._import_value(dotted, target)

    def _import_value(self, dotted: str, node) -> Value:
        if self.resolve_import is not None:
            resolved = self.resolve_import(dotted)
            if resolved is not None:
                return resolved
        if dotted.startswith("."):
            return Sym(dotted)
        return Ref(dotted, node)

    def _class_def(self, statement: cst.ClassDef, state: State, frame: Frame) -> None:
        bases = tuple(self._eval(arg.value, state, frame) for arg in statement.bases)
        methods: dict[str, cst.FunctionDef] = {}
        if isinstance(statement.body, cst.IndentedBlock):
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef):
                    methods[item.name.value] = item
        state.env[statement.name.value] = ClassValue(statement, self._globals_of(state, frame), bases, methods)

    @staticmethod
    def _globals_of(state: State, frame: Frame) -> dict[str, Value]:
        """The module environment a definition sees: at module level it is the (live) state environment."""
        return frame.globals if frame.function is not None else state.env

    def _if(self, statement: cst.If, state: State, frame: Frame) -> list[State]:
        try:
            taken = self._truth(statement.test, state, frame)
        except _Undecidable:
            self._forget_assigned(statement, state)
            return [state]
        if taken:
            return self._block(_body_statements(statement.body), [state], frame)
        orelse = statement.orelse
        if orelse is None:
            return [state]
        if isinstance(orelse, cst.If):
            return self._if(orelse, state, frame)
        return self._block(_body_statements(orelse.body), [state], frame)

    def _for(self, statement: cst.For, state: State, frame: Frame) -> list[State]:
        iterable = self._eval(statement.iter, state, frame)
        items = _iteration_items(iterable)
        if items is None:
            return self._loop_unknown(statement.body, state, frame, statement.target)
        states = [state]
        for item in items:
            for live in states:
                if not live.done:
                    self._assign(statement.target, item, live, frame)
            states = self._block(_body_statements(statement.body), states, frame)
        return states

    def _loop_unknown(self, body, state: State, frame: Frame, target) -> list[State]:
        """A loop of unknown length: run the body once, then forget what it may have changed."""
        before = state.fork()
        if target is not None:
            self._assign(target, Sym(_label(target)), state, frame)
        after_states = self._block(_body_statements(body), [state], frame)
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
                else:
                    after.heap[key] = Sym("attribute")
        return after_states

    def _forget_assigned(self, node: cst.CSTNode, state: State) -> None:
        names = self._assigned.get(node)
        if names is None:  # a libcst visit costs far more than the statement: once per node
            names = self._assigned[node] = _assigned_names(node)
        for name in names:
            state.env[name] = Sym(name)

    def _assign(self, target, value: Value, state: State, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            state.env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if isinstance(value, Seq) and len(value.items) == len(elements) and not any(
                    isinstance(e, cst.StarredElement) for e in elements):
                for element, item in zip(elements, value.items):
                    self._assign(element.value, item, state, frame)
            else:
                for element in elements:
                    self._assign(element.value, self._fresh(element.value, _label(element.value), value), state,
                                 frame)
        elif isinstance(target, cst.Attribute):
            owner = self._eval(target.value, state, frame)
            if isinstance(owner, Instance):
                state.heap[(id(owner), target.attr.value)] = value
        elif isinstance(target, cst.StarredElement):
            self._assign(target.value, Sym(_label(target.value)), state, frame)

    # --- expressions ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _BudgetExceeded

    def _eval(self, node, state: State, frame: Frame) -> Value:
        self._tick()
        kind = type(node)  # identity tests: isinstance on libcst's ABC-based node classes is several times slower
        if kind is cst.Name:
            return self._name(node, state, frame)
        if kind in (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString):
            value = self._literals.get(node, _UNSET)
            if value is _UNSET:  # libcst evaluates a literal with ast.literal_eval on every access
                value = self._literals[node] = node.evaluated_value
            return Const(value, node) if not isinstance(value, bytes) else Sym("bytes")
        if kind is cst.Attribute:
            return self._attribute(node, state, frame)
        if kind is cst.Call:
            return self._call(node, state, frame)
        if kind in (cst.Tuple, cst.List):
            if any(isinstance(e, cst.StarredElement) for e in node.elements):
                return self._fresh(node, "starred")
            return Seq(tuple(self._eval(e.value, state, frame) for e in node.elements), node)
        if kind is cst.Dict:
            items = []
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    return self._fresh(node, "dict")
                items.append((self._eval(element.key, state, frame), self._eval(element.value, state, frame)))
            return Mapping(tuple(items), node)
        if kind is cst.Subscript:
            return self._subscript(node, state, frame)
        if kind is cst.BinaryOperation:
            left = self._eval(node.left, state, frame)
            right = self._eval(node.right, state, frame)
            return _arithmetic(node.operator, left, right) or self._fresh(
                node, f"{_label(node.left)} ... {_label(node.right)}", left, right)
        if kind is cst.UnaryOperation:
            return self._unary(node, state, frame)
        if kind is cst.Comparison:
            return self._comparison(node, state, frame)
        if kind is cst.BooleanOperation:
            return self._boolean(node, state, frame)
        if kind is cst.IfExp:
            try:
                taken = self._truth(node.test, state, frame)
            except _Undecidable:
                return self._fresh(node, "conditional")
            return self._eval(node.body if taken else node.orelse, state, frame)
        if kind is cst.FormattedString:
            return self._fresh(node, "f-string")
        return self._fresh(node, type(node).__name__)

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
            value = frame.unknowns.setdefault(name, Sym(name))
        return self._resolved(value, state, node)

    def _resolved(self, value: Value, state: State, node=None) -> Value:
        """Apply the scenario: an unknown assumed equal to a constant is that constant."""
        if isinstance(value, Sym):
            known, constant = state.scenario.constant_of(value)
            if known:
                return Const(constant, node)
        elif isinstance(value, ModelValue):
            return state.heap.get(("model", value.identity), value)
        return value

    def _fresh(self, node, label: str, *inputs: Value) -> Sym:
        """The unknown an expression yields: one object per place, call path and inputs.

        A statement that forks is run again in each scenario; the unknowns it makes must be the same objects
        on the re-run, or the assumptions of the scenario (``num_classes <= 1`` is false) would not apply to
        them and every re-run would fork again.
        """
        key = (id(node), tuple(self._sites), tuple(_fingerprint(value) for value in inputs))
        known = self._fresh_syms.get(key)
        if known is None:
            known = self._fresh_syms[key] = Sym(label)
            self._fresh_ids.add(id(known))
            self._kept_alive.append(inputs)  # ids in the fingerprints stay unique while the entry lives
        self._last_fresh = (id(node), known)
        return known

    def _derived(self, base: Value, suffix: str, label: str) -> Sym:
        key = (id(base), suffix)
        if key not in self._derived_syms:
            self._derived_syms[key] = Sym(label)
        return self._derived_syms[key]

    def _attribute(self, node: cst.Attribute, state: State, frame: Frame) -> Value:
        base = self._eval(node.value, state, frame)
        attr = node.attr.value
        if isinstance(base, Ref):
            return Ref(f"{base.name}.{attr}", node)
        if isinstance(base, Instance):
            key = (id(base), attr)
            if key in state.heap:
                return self._resolved(state.heap[key], state, node)
            method = _find_method(base.cls, attr)
            if method is not None:
                return Function(method, base.cls.globals, bound_self=base)
            return self._resolved(self._derived(base, attr, f"self.{attr}"), state, node)
        if isinstance(base, ModelValue):
            return Method(base, attr, node.value)
        if isinstance(base, ModuleValue):
            member = base.member(attr)
            if member is None:
                return self._derived(base, attr, f"{base.name}.{attr}")
            return self._resolved(member, state, node)
        if isinstance(base, Sym):
            return self._resolved(self._derived(base, attr, f"{base.label}.{attr}"), state, node)
        return Sym(attr)

    def _subscript(self, node: cst.Subscript, state: State, frame: Frame) -> Value:
        base = self._eval(node.value, state, frame)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return self._fresh(node, f"{_label(node.value)}[...]", base)
        key = self._eval(node.slice[0].slice.value, state, frame)
        if isinstance(key, Const):
            if isinstance(base, Seq) and isinstance(key.value, int) and -len(base.items) <= key.value < len(
                    base.items):
                return base.items[key.value]
            if isinstance(base, Mapping):
                found = base.get(key.value)
                if found is not None:
                    return found
            if isinstance(base, Sym):
                return self._resolved(self._derived(base, f"[{key.value!r}]", f"{base.label}[{key.value!r}]"),
                                      state, node)
        return self._fresh(node, f"{_label(node.value)}[...]", base, key)

    def _unary(self, node: cst.UnaryOperation, state: State, frame: Frame) -> Value:
        operand = self._eval(node.expression, state, frame)
        if isinstance(node.operator, cst.Not):
            if isinstance(operand, Const):
                return Const(not operand.value, node)
            if isinstance(operand, Undecided):
                return Undecided(operand.condition, not operand.polarity)
            if isinstance(operand, Sym):
                return Undecided(Condition(operand, "truthy"), False)
            return self._fresh(node, "not", operand)
        if isinstance(operand, Const) and isinstance(operand.value, (int, float)):
            if isinstance(node.operator, cst.Minus):
                return Const(-operand.value, node)
            if isinstance(node.operator, cst.Plus):
                return Const(operand.value, node)
        return self._fresh(node, "unary", operand)

    _COMPARISONS = {cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
                    cst.GreaterThan: ">", cst.GreaterThanEqual: ">="}
    _FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

    def _comparison(self, node: cst.Comparison, state: State, frame: Frame) -> Value:
        if len(node.comparisons) != 1:
            return self._fresh(node, "comparison")
        target = node.comparisons[0]
        left = self._eval(node.left, state, frame)
        right = self._eval(target.comparator, state, frame)
        operator_type = type(target.operator)
        if operator_type in (cst.Is, cst.IsNot):
            if isinstance(left, Const) and isinstance(right, Const):
                same = left.value is right.value or left.value == right.value
                return Const(same if operator_type is cst.Is else not same, node)
            return self._fresh(node, "is", left, right)
        if operator_type in (cst.In, cst.NotIn):
            if isinstance(left, Const) and isinstance(right, Seq) and all(isinstance(i, Const) for i in right.items):
                found = any(left.value == i.value for i in right.items)
                return Const(found if operator_type is cst.In else not found, node)
            return self._fresh(node, "in", left, right)
        op = self._COMPARISONS.get(operator_type)
        if op is None:
            return self._fresh(node, "comparison", left, right)
        if isinstance(left, Const) and isinstance(right, Const):
            try:
                result = {"==": left.value == right.value, "!=": left.value != right.value}.get(op)
                if result is None:
                    result = _CMP[op](left.value, right.value)
                return Const(result, node)
            except TypeError:
                return self._fresh(node, "comparison", left, right)
        if isinstance(right, Sym) and isinstance(left, Const):
            left, right, op = right, left, self._FLIPPED[op]
        if isinstance(left, Sym) and isinstance(right, Const) and _plain_constant(right.value):
            if op == "!=":
                return Undecided(Condition(left, "==", right.value), False)
            return Undecided(Condition(left, op, right.value), True)
        return self._fresh(node, "comparison", left, right)

    def _boolean(self, node: cst.BooleanOperation, state: State, frame: Frame) -> Value:
        left = self._eval(node.left, state, frame)
        if isinstance(left, Const):
            is_and = isinstance(node.operator, cst.And)
            if bool(left.value) == is_and:
                return self._eval(node.right, state, frame)
            return left
        return self._fresh(node, "boolean", left)

    def _truth(self, node, state: State, frame: Frame) -> bool:
        """Whether a test holds in this state's scenario; raises _Fork when the scenario must split."""
        if isinstance(node, cst.BooleanOperation):
            left = self._truth(node.left, state, frame)
            if isinstance(node.operator, cst.And):
                return left and self._truth(node.right, state, frame)
            return left or self._truth(node.right, state, frame)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            return not self._truth(node.expression, state, frame)
        value = self._eval(node, state, frame)
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
                raise _Fork([state.scenario.assume(value.condition, True),
                             state.scenario.assume(value.condition, False)])
            return decided == value.polarity
        if isinstance(value, (ModelValue, Call, Function, ClassValue, Instance, Tensor, Ref, Mapping)):
            return True
        raise _Undecidable

    # --- calls ------------------------------------------------------------------------------------------

    def _arguments(self, node: cst.Call, state: State, frame: Frame):
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        for arg in node.args:
            if arg.star:
                return None
            value = self._eval(arg.value, state, frame)
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            else:
                args.append(value)
        return tuple(args), tuple(kwargs)

    def _call(self, node: cst.Call, state: State, frame: Frame) -> Value:
        function = self._eval(node.func, state, frame)
        arguments = self._arguments(node, state, frame)
        if arguments is None:
            return self._fresh(node, _label(node.func) + "(...)", function)
        args, kwargs = arguments
        if isinstance(function, Method):
            return self._method_call(function, args, kwargs, node, state)
        if isinstance(function, Ref):
            return self._outside_call(function, args, kwargs, node, state)
        if isinstance(function, (Function, ClassValue)):
            self._sites.append(id(node))
            try:
                if isinstance(function, Function):
                    return self._function_call(function, args, kwargs, state, frame)
                return self._instantiate(function, args, kwargs, node, state, frame)
            finally:
                self._sites.pop()
        if isinstance(function, (Call, ModelValue)) and args:
            # A layer (or a whole model) applied to a tensor: the functional API.
            return Tensor(function, args, node)
        return self._fresh(node, _label(node.func) + "(...)", function, *args, *(v for _, v in kwargs))

    def _outside_call(self, function: Ref, args, kwargs, node: cst.Call, state: State) -> Value:
        name = knowledge.canonical_name(function.name)
        if name.startswith("builtins."):
            return _builtin(name[9:], args, node, self._fresh)
        if name == knowledge.SEQUENTIAL:
            layers_value = args[0] if args else dict(kwargs).get("layers")
            if layers_value is None or (isinstance(layers_value, Const) and layers_value.value is None):
                layers: tuple[Value, ...] = ()
            elif isinstance(layers_value, Seq):
                layers = layers_value.items
            else:
                layers = (OPAQUE,)
            return self._new_model(node, state, layers=layers)
        if name == knowledge.MODEL:
            outputs = dict(kwargs).get("outputs", args[1] if len(args) > 1 else None)
            if outputs is None:
                return Sym("Model(...)")
            if isinstance(outputs, Seq):
                return self._new_model(node, state, outputs=outputs.items)
            if isinstance(outputs, Mapping):
                return self._new_model(node, state, outputs=tuple(v for _, v in outputs.items))
            return self._new_model(node, state, outputs=(outputs,))
        if name in knowledge.ACTIVATION_FUNCTIONS and args:
            return Tensor(Ref(name, node.func), args[:1], node)
        if knowledge.is_keras_name(name):
            return Call(name, args, kwargs, node)
        return self._fresh(node, _label(node.func) + "(...)", *args, *(v for _, v in kwargs))

    def _new_model(self, node: cst.Call, state: State, **parts) -> ModelValue:
        model = ModelValue(object(), node, **parts)
        state.heap[("model", model.identity)] = model
        return model

    def _method_call(self, method: Method, args, kwargs, node: cst.Call, state: State) -> Value:
        receiver = method.receiver
        if isinstance(receiver, ModelValue):
            model = state.heap.get(("model", receiver.identity), receiver)
            if method.name == "add" and args:
                state.heap[("model", model.identity)] = model.with_layer(args[0])
                return Const(None)
            if method.name in ("compile", "fit", "fit_generator", "train_on_batch"):
                self.events.append(ModelEvent(method.name, model, args, kwargs, node, state.scenario))
                return Sym("history") if method.name != "compile" else Const(None)
            if method.name == "pop" and model.layers:
                state.heap[("model", model.identity)] = ModelValue(model.identity, model.node, model.layers[:-1])
                return Sym("layer")
        return self._fresh(node, f"{method.name}(...)", receiver, *args, *(v for _, v in kwargs))

    def _function_call(self, function: Function, args, kwargs, state: State, caller: Frame) -> Value:
        node = function.node
        if node in self._call_stack or len(self._call_stack) >= MAX_CALL_DEPTH:
            return Sym(node.name.value + "(...)")
        if function.bound_self is not None:
            args = (function.bound_self, *args)
        frame = Frame(function.globals, function=node)
        env = self._bind(node, args, kwargs, state, frame)
        if env is None:
            return Sym(node.name.value + "(...)")
        self._executed.add(id(node))
        call = self._call_key(node, env, state, function.globals)
        finals = self._calls_seen.get((call, state.scenario)) if call is not None else None
        if finals is None:
            self._call_stack.append(node)
            try:
                finals = self._block(_body_statements(node.body), [State(env, dict(state.heap), state.scenario)],
                                     frame)
            finally:
                self._call_stack.pop()
            if call is not None:
                self._remember_call(call, state, finals)
        finals = [f.fork() for f in finals]
        returned = [f for f in finals if f.result is not None or not f.done]
        if len(returned) == 1 and len(finals) > 1 and returned[0].scenario != state.scenario:
            # Every other path raised: what the survivor assumed only says the call did not raise.
            raise _Fork([returned[0].scenario.quieted_since(state.scenario)])
        finals = returned or finals
        if not finals:
            return Sym(node.name.value + "(...)")
        scenarios = {f.scenario for f in finals}
        if len(scenarios) > 1:
            raise _Fork(list(dict.fromkeys(f.scenario for f in finals)))
        final = finals[0]
        if len(finals) > 1:
            return Sym(node.name.value + "(...)")
        state.heap = final.heap
        if final.scenario != state.scenario:
            # The callee split but only one branch returned: the caller lives in that branch from now on.
            raise _Fork([final.scenario])
        return final.result if final.result is not None else Const(None)

    def _call_key(self, node: cst.FunctionDef, env: dict[str, Value], state: State,
                  module_globals: dict[str, Value]) -> tuple | None:
        """What a call's outcome depends on, but the scenario: the function, the call path, the arguments (by
        value for constants, by identity for unknowns), the heap and its module's globals (a loop may rebind
        one between two calls from the same place)."""
        key = (id(node), tuple(self._sites), tuple(_fingerprint(v) for v in env.values()),
               tuple((k, id(v)) for k, v in state.heap.items()), tuple(map(id, module_globals.values())))
        try:
            hash(key)
        except TypeError:
            return None
        # The objects whose ids are in the key stay alive while the entry does, so that no id is reused.
        self._kept_alive.append((tuple(env.values()), tuple(state.heap.values()), tuple(module_globals.values())))
        return key

    def _remember_call(self, call: tuple, state: State, finals: list[State]) -> None:
        """Record how a call ends in its caller's scenario and in each scenario it splits the caller into.

        A call that splits makes its statement run again once per scenario, with the same call in it: the
        outcome under a scenario the first run already reached is that run's final state, and its events were
        recorded then. Without this, each level of helpers that forks doubles the work of the levels above.
        """
        self._calls_seen[(call, state.scenario)] = [f.fork() for f in finals]
        returned = [f for f in finals if f.result is not None or not f.done]
        if len(returned) == 1 and len(finals) > 1 and returned[0].scenario != state.scenario:
            quiet = returned[0].scenario.quieted_since(state.scenario)
            self._calls_seen[(call, quiet)] = [returned[0].fork(quiet)]
            return
        for scenario in dict.fromkeys(f.scenario for f in returned or finals):
            if scenario != state.scenario:
                self._calls_seen[(call, scenario)] = [f.fork() for f in finals if f.scenario == scenario]

    def _bind(self, node: cst.FunctionDef, args, kwargs, state: State, frame: Frame) -> dict[str, Value] | None:
        params = node.params
        positional = [*params.posonly_params, *params.params]
        env: dict[str, Value] = {}
        for param, value in zip(positional, args):
            env[param.name.value] = value
        if len(args) > len(positional):
            if params.star_arg is None or not isinstance(params.star_arg, cst.Param):
                return None
            env[params.star_arg.name.value] = Seq(tuple(args[len(positional):]))
        names = {p.name.value for p in (*positional, *params.kwonly_params)}
        extra: list[tuple[Value, Value]] = []
        for key, value in kwargs:
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
                    env[name] = self._eval(param.default, State(dict(frame.globals), state.heap, state.scenario),
                                           frame)
                else:
                    env[name] = Sym(name)
        if isinstance(params.star_arg, cst.Param) and params.star_arg.name.value not in env:
            env[params.star_arg.name.value] = Seq(())
        return env

    def _instantiate(self, cls: ClassValue, args, kwargs, node: cst.Call, state: State, caller: Frame) -> Value:
        instance = Instance(cls, {})
        init = _find_method(cls, "__init__")
        if init is not None:
            self._function_call(Function(init, cls.globals, bound_self=instance), args, kwargs, state, caller)
        if not _derives_from_keras_model(cls):
            return instance
        call = _find_method(cls, "call")
        outputs: tuple[Value, ...] = (OPAQUE,)
        if call is not None:
            result = self._function_call(Function(call, cls.globals, bound_self=instance), (Sym("inputs"),), (),
                                         state, caller)
            if isinstance(result, Tensor):
                outputs = (result,)
        return self._new_model(node, state, outputs=outputs)


def _fingerprint(value: Value, depth: int = 0) -> object:
    """What identifies an input of an expression across re-runs of its statement.

    Constants and outside names compare by value; unknowns, models and instances by identity; the values an
    evaluation builds afresh each time (a method reference, a layer call, a literal list) by what they are
    made of, so that a re-run finds the same unknown. An unknown it cannot fingerprint is a new one: that
    costs precision (silence), never a false sharing.
    """
    if isinstance(value, Const):
        try:
            hash(value.value)
        except TypeError:
            return id(value)
        return ("const", type(value.value), value.value)
    if isinstance(value, Ref):
        return ("ref", value.name)
    if depth < 4:
        if isinstance(value, Method):
            return ("method", _fingerprint(value.receiver, depth + 1), value.name)
        if isinstance(value, ModelValue):
            return ("model", id(value.identity))
        if isinstance(value, Call):
            return ("call", id(value.node), tuple(_fingerprint(a, depth + 1) for a in value.args),
                    tuple((k, _fingerprint(v, depth + 1)) for k, v in value.kwargs))
        if isinstance(value, (Seq, Tensor)):
            items = value.items if isinstance(value, Seq) else (value.producer, *value.inputs)
            return (type(value).__name__, tuple(_fingerprint(item, depth + 1) for item in items))
        if isinstance(value, Mapping):
            return ("mapping", tuple((_fingerprint(k, depth + 1), _fingerprint(v, depth + 1)) for k, v in value.items))
    return id(value)


def _latest(value: Value | None, heap: dict[Any, Value]) -> Value | None:
    """A model as its ``.add()`` calls left it."""
    if isinstance(value, ModelValue):
        return heap.get(("model", value.identity), value)
    return value


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


def _derives_from_keras_model(cls: ClassValue) -> bool:
    pending = [cls]
    for _ in range(16):
        if not pending:
            return False
        current = pending.pop(0)
        for base in current.bases:
            if isinstance(base, Ref) and knowledge.canonical_name(base.name) == knowledge.MODEL:
                return True
            if isinstance(base, ClassValue):
                pending.append(base)
    return False


def _all_params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _body_statements(body) -> Iterable[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return ()


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return "?"


def _label(node) -> str:
    """A short, cheap description of an expression (no code generation)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_label(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return f"{_label(node.func)}(...)"
    if isinstance(node, cst.Subscript):
        return f"{_label(node.value)}[...]"
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)):
        return node.value
    return "..."


def _assigned_names(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class _Collector(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            names.update(_target_names(target.target))

        def visit_AnnAssign(self, assign: cst.AnnAssign) -> None:
            names.update(_target_names(assign.target))

        def visit_AugAssign(self, assign: cst.AugAssign) -> None:
            names.update(_target_names(assign.target))

        def visit_For(self, loop: cst.For) -> None:
            names.update(_target_names(loop.target))

        def visit_FunctionDef(self, function: cst.FunctionDef) -> bool:
            names.add(function.name.value)
            return False

    node.visit(_Collector())
    return names


def _target_names(target) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements)) if target.elements else set()
    return set()


def _iteration_items(value: Value) -> tuple[Value, ...] | None:
    if isinstance(value, Seq) and len(value.items) <= MAX_UNROLL:
        return value.items
    return None


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
    if isinstance(a, str) != isinstance(b, str) or isinstance(a, str) and not isinstance(operator, cst.Add):
        return None
    if not isinstance(a, (int, float, str)) or not isinstance(b, (int, float, str)):
        return None
    try:
        return Const(compute(a, b), left.node)
    except (ArithmeticError, TypeError, ValueError):
        return None


def _builtin(name: str, args: tuple[Value, ...], node: cst.Call, fresh) -> Value:
    if name == "len" and len(args) == 1:
        value = args[0]
        if isinstance(value, (Seq, Mapping)):
            return Const(len(value.items), node)
        if isinstance(value, Const) and isinstance(value.value, str):
            return Const(len(value.value), node)
        return fresh(node, f"len({value.label})" if isinstance(value, Sym) else "len(...)", value)
    if name in ("int", "float") and len(args) == 1 and isinstance(args[0], Const):
        try:
            return Const({"int": int, "float": float}[name](args[0].value), node)
        except (TypeError, ValueError):
            return fresh(node, name, *args)
    if name == "range" and args and all(isinstance(a, Const) and isinstance(a.value, int) for a in args):
        bounds = [a.value for a in args]
        numbers = range(*bounds)
        if len(numbers) <= MAX_UNROLL:
            return Seq(tuple(Const(n) for n in numbers), node)
    if name in ("list", "tuple") and len(args) == 1 and isinstance(args[0], Seq):
        return args[0]
    if name in ("max", "min") and args and all(isinstance(a, Const) for a in args):
        try:
            return Const({"max": max, "min": min}[name](a.value for a in args), node)
        except TypeError:
            return fresh(node, name, *args)
    return fresh(node, f"{name}(...)", *args)


def interpret(module: cst.Module, unit: str, resolve_import=None) -> list[ModelEvent]:
    return Interpreter(module, unit, resolve_import).run()


