"""The PyTorch front end: what ``torch.nn`` code means to the evaluator, and the facts it yields.

During the run it makes modules, losses and datasets known objects (:class:`~trainlint.analysis.values.Call`),
runs ``forward`` when a module instance is called, follows a tensor through activations written as modules,
functions or methods, binds the batches of a ``DataLoader`` over a known dataset, and records each loss call
with the output and targets it receives. A module's ``training`` flag reads ``True``: the rules judge what the
loss trains on, not what eval mode returns for predictions. After the run each recorded call becomes one
:class:`~trainlint.frameworks.torch_facts.LossSetup` per scenario in which the output's head is visible.

The knowledge (which names are activations, losses, datasets) is in :mod:`trainlint.knowledge_torch`, each
fact verified by running PyTorch (``docs/torch-semantics.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import libcst as cst

from trainlint import knowledge
from trainlint import knowledge_torch as kt
from trainlint.analysis.evaluator import Method, State, _find_method
from trainlint.analysis.facts import SourceRef, Unresolved
from trainlint.analysis.scenario import Scenario
from trainlint.analysis.values import (
    Call,
    ClassValue,
    Const,
    Derived,
    Function,
    Instance,
    Ref,
    Seq,
    Sym,
    Tensor,
    Value,
    argument,
    constant_in,
    pick,
)
from trainlint.frameworks import Frontend
from trainlint.frameworks.torch_facts import LossSetup, TorchHead, TorchLoss, TorchTargets

_TENSOR_METHODS = frozenset(
    name.rsplit(".", 1)[1] for name in (*kt.ACTIVATION_FUNCTIONS, *kt.TRANSPARENT_FUNCTIONS, *kt.RESHAPING_FUNCTIONS)
    if name.startswith("torch.Tensor."))
_TARGET_METHODS = kt.TARGET_PASS_THROUGH | kt.TO_FLOAT | kt.TO_LONG
_TARGET_SOURCES = frozenset({kt.ONE_HOT, kt.RANDINT})
_OTHER_OBJECTS = frozenset({kt.DATA_LOADER, kt.TENSOR_DATASET, kt.ONE_HOT, kt.RANDINT, kt.EYE, kt.ORDERED_DICT,
                            *kt.TRAINERS})


@dataclass(frozen=True)
class LossApplication:
    """A loss computed on a value: ``criterion(output, target)`` or ``F.cross_entropy(output, target)``."""

    name: str
    """Canonical loss (``knowledge_torch.CROSS_ENTROPY`` ...)."""
    form: str
    """``module`` | ``function``."""
    defined_at: cst.CSTNode = field(repr=False)
    """The loss module's construction, or the functional call itself."""
    output: Value = field(repr=False)
    target: Value | None = field(repr=False)
    node: cst.Call = field(repr=False)
    scenario: Scenario


@lru_cache(maxsize=4096)
def _handled(name: str) -> bool:
    """Whether :meth:`TorchFrontend.outside_call` may answer for calls of this outside name (by Keras's canonical
    name): the tables and names it tests, in step with it."""
    if name == "builtins.enumerate":
        return True
    if not name.startswith(kt.PREFIXES):
        return False
    name = kt.canonical_name(name)
    short = name.rsplit(".", 1)[-1]
    if name.startswith("torch.nn.") and short[:1].isupper() and name.count(".") == 2:
        return True
    return any(name in table for table in (
        kt.LOSS_FUNCTIONS, kt.ACTIVATION_FUNCTIONS, kt.TRANSPARENT_FUNCTIONS, kt.RESHAPING_FUNCTIONS,
        kt.TENSOR_CONSTRUCTORS, kt.PROCESS_STARTERS, kt.DATA_SPLITS, kt.MODULE_WRAPPERS, kt.DATASETS,
        kt.FOLDER_DATASETS, _OTHER_OBJECTS))


def _is_module_class(cls: Value) -> bool:
    pending = [cls]
    for _ in range(16):
        if not pending:
            return False
        current = pending.pop(0)
        if not isinstance(current, ClassValue):
            continue
        for base in current.bases:
            if isinstance(base, Ref) and kt.canonical_name(base.name) in kt.MODULE_BASES:
                return True
            pending.append(base)
    return False


class TorchFrontend(Frontend):
    # --- evaluation ---------------------------------------------------------------------------------------

    def claims(self, name: str) -> bool:
        return _handled(name)

    def outside_call(self, interpreter, name, args, kwargs, node, state):
        name = kt.canonical_name(name)
        if name == "builtins.enumerate":
            return Call(name, args, kwargs, node) if len(args) == 1 and self._batches(args[0]) else None
        if name in kt.LOSS_FUNCTIONS:
            self._record(interpreter, kt.LOSS_FUNCTIONS[name], "function", node, args, kwargs, node, state)
            return Sym("loss", anonymous=True)
        if name in kt.ACTIVATION_FUNCTIONS or name in kt.TRANSPARENT_FUNCTIONS or name in kt.RESHAPING_FUNCTIONS:
            if not args:
                return None
            return Tensor(Call(name, args[1:], kwargs, node), args[:1], node)
        if name in kt.TENSOR_CONSTRUCTORS:
            return self._tensor_of(name, args, kwargs, node)
        if name in kt.PROCESS_STARTERS:
            return self._start_processes(interpreter, name, args, kwargs, node, state)
        if name in kt.DATA_SPLITS and args:
            return self._split(name, args, kwargs, state)
        if name in kt.MODULE_WRAPPERS:
            wrapped = args[0] if args else dict(kwargs).get("module", dict(kwargs).get("model"))
            return wrapped if isinstance(wrapped, (Instance, Call)) else None
        short = name.rsplit(".", 1)[-1]
        if name.startswith("torch.nn.") and short[:1].isupper() and name.count(".") == 2:
            return Call(name, args, kwargs, node)  # a module: a layer, an activation, a loss, Sequential
        if name in kt.DATASETS or name in kt.FOLDER_DATASETS or name in _OTHER_OBJECTS:
            return Call(name, args, kwargs, node)
        return None

    @staticmethod
    def _split(name: str, args, kwargs, state) -> Value | None:
        """``random_split(dataset, [n, m])`` -> as many parts of the dataset; ``Subset(dataset, indices)``."""
        dataset = args[0]
        if name.endswith("Subset"):
            return dataset
        lengths = pick(argument(args, kwargs, "lengths", 1), state.scenario)
        return Seq((dataset,) * len(lengths.items)) if isinstance(lengths, Seq) and lengths.kind != "set" else None

    @staticmethod
    def _start_processes(interpreter, name: str, args, kwargs, node, state) -> Value | None:
        """``mp.spawn(train, args=(model, loader))``: ``train`` runs, in a process of its own, on those arguments.

        The run works on a copy of the heap: what the child changes stays in the child, as with real processes
        (a list it appends to is unchanged in the parent)."""
        (function_at, arguments_at, first) = kt.PROCESS_STARTERS[name]
        function = argument(args, kwargs, *function_at)
        passed = argument(args, kwargs, *arguments_at)
        passed = pick(passed, state.scenario) if passed is not None else Seq(())
        if not isinstance(function, Function) or not isinstance(passed, Seq):
            return None
        child = State(dict(state.env), dict(state.heap), state.scenario)
        interpreter._function_call(function, (*(Sym(p) for p in first), *passed.items), (), child)
        return Call(name, args, kwargs, node)

    @staticmethod
    def _tensor_of(name: str, args, kwargs, node) -> Value | None:
        """``torch.tensor(labels, dtype=torch.long)``: the labels, with the dtype they now have."""
        value = args[0] if args else dict(kwargs).get("data")
        if not isinstance(value, (Call, Derived)):
            return None
        dtype = kt.TENSOR_CONSTRUCTORS[name]
        written = dict(kwargs).get("dtype")
        if written is not None:
            dtype = kt.DTYPES.get(written.name) if isinstance(written, Ref) else None
            if dtype is None:
                return None
        if dtype is None:
            return value
        source = value if isinstance(value, Call) else value.source
        return Derived(source, dtype, (value,), (), None, node)

    def starred_call(self, interpreter, function, node, evaluated, state):
        if not isinstance(function, Ref):
            return None
        # ``DataLoader(dataset, **loader_kwargs)``: the batches are the dataset's, whatever the options.
        if kt.canonical_name(knowledge.canonical_name(function.name)) != kt.DATA_LOADER:
            return None
        for arg, value in evaluated:
            if arg.star:
                break
            if arg.keyword is None or arg.keyword.value == "dataset":
                return Call(kt.DATA_LOADER, (value,), (), node)
        return None

    def call_object(self, interpreter, callee, args, kwargs, node, state):
        if isinstance(callee, Instance) and _is_module_class(callee.cls):
            forward = _find_method(callee.cls, "forward")
            if forward is None:
                return None
            return interpreter._function_call(Function(forward, callee.cls.globals, bound_self=callee), args,
                                              kwargs, state)
        if isinstance(callee, Call) and callee.target in kt.LOSS_MODULES:
            self._record(interpreter, kt.LOSS_MODULES[callee.target], "module", callee.node, args, kwargs, node,
                         state)
            return Sym("loss", anonymous=True)
        return None

    def attribute(self, base, name, node):
        if isinstance(base, Tensor) and name in _TENSOR_METHODS:
            return _method(base, name, node)
        if isinstance(base, Instance) and name in kt.MODULE_SELF_METHODS and _is_module_class(base.cls):
            return _method(base, name, node)
        if isinstance(base, Instance) and name == "training" and _is_module_class(base.cls):
            # The rules judge the output a loss trains on: ``if self.training: return logits`` is the branch
            # the training loss sees; what eval mode returns (a softmax for predictions) is not judged.
            return Const(True, node)
        if isinstance(base, Call) and base.target.startswith("torch.nn.") and name in kt.MODULE_SELF_METHODS:
            return _method(base, name, node)
        if isinstance(base, Call) and base.target in kt.DATASETS and name == "classes":
            # len(train_set.classes) sizes a head: the names are not needed, their number is the dataset's.
            return Seq(tuple(Sym("class name") for _ in range(kt.DATASETS[base.target])), node)
        return None

    def method_call(self, interpreter, receiver, name, args, kwargs, node, state):
        if name == "fit" and isinstance(receiver, Call) and receiver.target in kt.TRAINERS:
            return self._fit(interpreter, args, kwargs, state)
        if isinstance(receiver, Tensor):
            target = f"torch.Tensor.{name}"
            if target in kt.ACTIVATION_FUNCTIONS or target in kt.TRANSPARENT_FUNCTIONS or (
                    target in kt.RESHAPING_FUNCTIONS):
                return Tensor(Call(target, args, kwargs, node), (receiver,), node)
            return None
        if name in kt.MODULE_SELF_METHODS and (
                isinstance(receiver, Instance) and _is_module_class(receiver.cls)
                or isinstance(receiver, Call) and receiver.target.startswith("torch.nn.")
                and receiver.target not in _TARGET_SOURCES):
            return receiver
        if _is_target(receiver) and name in _TARGET_METHODS:
            if name in kt.TO_FLOAT or name in kt.TO_LONG:
                source = receiver if isinstance(receiver, Call) else receiver.source
                return Derived(source, name, (receiver,), (), None, node)
            return receiver
        return None

    def _fit(self, interpreter, args, kwargs, state) -> Value | None:
        """``trainer.fit(model, ...)``: the model's ``training_step`` on a batch of the data it is given."""
        model = pick(argument(args, kwargs, "model", 0), state.scenario)
        step = _find_method(model.cls, "training_step") if isinstance(model, Instance) else None
        if step is None or not _is_module_class(model.cls):
            return None
        loader, datamodule = (pick(argument(args, kwargs, *where), state.scenario)
                              for where in (("train_dataloaders", 1), ("datamodule",)))
        if isinstance(loader, Instance):  # trainer.fit(model, dm): a data module in the loaders' place
            loader, datamodule = None, loader
        if loader is None:
            source = datamodule if isinstance(datamodule, Instance) else model
            returned = {}
            for hook, hook_args in (("prepare_data", ()), ("setup", (Const("fit"),)), ("train_dataloader", ())):
                method = _find_method(source.cls, hook)
                if method is not None:
                    returned[hook] = interpreter._function_call(
                        Function(method, source.cls.globals, bound_self=source), hook_args, (), state)
            loader = pick(returned["train_dataloader"], state.scenario) if "train_dataloader" in returned else None
        batch = self._batch(loader) if loader is not None else None
        interpreter._function_call(Function(step, model.cls.globals, bound_self=model),
                                   (batch if batch is not None else Sym("batch"), Sym("batch_idx")), (), state)
        return Const(None)

    def loop_item(self, iterable):
        if isinstance(iterable, Call) and iterable.target == "builtins.enumerate":
            inner = self._batch(iterable.args[0])
            return Seq((Sym("index"), inner)) if inner is not None else None
        return self._batch(iterable)

    def standalone_self(self, interpreter, cls, state):
        if not isinstance(cls, ClassValue) or not _is_module_class(cls):
            return None
        instance = Instance(cls, {})
        init = _find_method(cls, "__init__")
        if init is not None:
            interpreter._function_call(Function(init, cls.globals, bound_self=instance), (), (), state)
        return instance

    @staticmethod
    def _record(interpreter, loss: str, form: str, defined_at, args, kwargs, node, state) -> None:
        output = args[0] if args else dict(kwargs).get("input")
        if output is None:
            return
        target = args[1] if len(args) > 1 else dict(kwargs).get("target")
        interpreter.framework_events.append(
            LossApplication(loss, form, defined_at, output, target, node, state.scenario))

    @staticmethod
    def _batches(value: Value) -> bool:
        return isinstance(value, Call) and (value.target == kt.DATA_LOADER or value.target in kt.DATASETS
                                            or value.target in kt.FOLDER_DATASETS or value.target == kt.TENSOR_DATASET)

    def _batch(self, iterable: Value) -> Value | None:
        """One batch of a loader (or one sample of a dataset): ``(inputs, targets)`` with visible targets."""
        if not isinstance(iterable, Call):
            return None
        if iterable.target == kt.DATA_LOADER:
            dataset = iterable.argument("dataset", 0)
            return self._batch(dataset) if isinstance(dataset, Call) and dataset.target != kt.DATA_LOADER else None
        if (iterable.target in kt.DATASETS or iterable.target in kt.FOLDER_DATASETS) and iterable.argument(
                "target_transform") is None:
            return Seq((Sym("inputs"), Derived(iterable, "targets", (), (), None, iterable.node)))
        if iterable.target == kt.TENSOR_DATASET and len(iterable.args) >= 2:
            return Seq((Sym("inputs"), iterable.args[-1]))
        return None

    # --- facts --------------------------------------------------------------------------------------------

    def facts(self, interpreter, unit):
        from trainlint.analysis.extract import _scenarios

        reader = _Reader(unit)
        for event in interpreter.framework_events:
            if not isinstance(event, LossApplication):
                continue
            loss = TorchLoss(event.name, reader.ref(event.defined_at), event.form)
            for scenario in _scenarios(event.scenario, (event.output, event.target)):
                head = reader.head(event.output, scenario)
                if head is None:
                    continue
                targets = reader.targets(event.target, scenario)
                yield LossSetup(head, loss, targets, reader.ref(event.node), scenario)

    def loss_calls(self, interpreter, facts, unit):
        """A loss call is bound when a setup knows the width of its output's last layer."""
        from trainlint.analysis.extract import _scenarios

        bound = {id(fact.call_at.node) for fact in facts if isinstance(fact, LossSetup) and fact.head.units is not None}
        reader = _Reader(unit)
        seen: set[int] = set()
        for event in interpreter.framework_events:
            if isinstance(event, LossApplication) and id(event.node) not in seen:
                seen.add(id(event.node))
                if id(event.node) in bound:
                    yield event.node, None
                else:
                    yield event.node, reader.obstacle(event.output, _scenarios(event.scenario, (event.output,))[0])


def _method(base: Value, name: str, node: cst.Attribute) -> Value:
    return Method(base, name, node.value)


def _is_target(value: Value) -> bool:
    """Targets whose tensor methods keep them (``.to(device)``) or cast them (``.float()``): made by PyTorch, or
    by a label encoder the label reader knows (a ``Derived`` value)."""
    if isinstance(value, Call):
        return value.target in _TARGET_SOURCES
    return isinstance(value, Derived)


_CONTINUE = object()


@dataclass
class _Walk:
    after: list
    """``(activation, dim, dim_written, where)`` applied after the head, first to last."""
    reshaped: bool = False
    stopped_at: Value | None = None
    """The layer inside a ``Sequential`` the walk could not see through (the reason names it, not the stack)."""


class _Reader:
    """Reads heads and targets out of the values the evaluator computed, in one scenario."""

    def __init__(self, unit: str):
        self.unit = unit

    def ref(self, node) -> SourceRef:
        return SourceRef(self.unit, node)

    constant = staticmethod(constant_in)

    def integer(self, value, scenario: Scenario) -> int | None:
        constant = self.constant(value, scenario)
        return constant if isinstance(constant, int) and not isinstance(constant, bool) else None

    # --- heads --------------------------------------------------------------------------------------------

    def head(self, output: Value, scenario: Scenario) -> TorchHead | None:
        found = self._walk(output, scenario)
        return found if isinstance(found, TorchHead) else None

    def obstacle(self, output: Value, scenario: Scenario) -> Unresolved:
        """Why :meth:`head` found no width: the value the walk back from the output stopped at."""
        found = self._walk(output, scenario)
        return Unresolved("units: runtime value") if isinstance(found, TorchHead) else found

    def _walk(self, output: Value, scenario: Scenario) -> TorchHead | Unresolved:
        """The head of ``output``, or why there is none."""
        from trainlint.analysis.extract import _describe

        walk = _Walk([])
        tensor = output
        for _ in range(64):
            tensor = pick(tensor, scenario)
            if not isinstance(tensor, Tensor) or not tensor.inputs:
                return Unresolved(*_describe("output", tensor))
            producer = pick(tensor.producer, scenario)
            step = self._through(producer, tensor.node, walk, scenario, 0)
            if step is None:
                return Unresolved(*_describe("head", walk.stopped_at if walk.stopped_at is not None else producer))
            if step is not _CONTINUE:
                return step
            tensor = tensor.inputs[0]
        return Unresolved("output: unknown")

    def _through(self, layer: Value, applied_at, walk: _Walk, scenario: Scenario, depth: int):
        """One step back from the output: ``_CONTINUE`` past it, else the head (None: unresolved)."""
        if not isinstance(layer, Call) or depth > 8:
            return None
        target = layer.target
        activation = kt.ACTIVATION_MODULES.get(target)
        if activation is None and target in kt.ACTIVATION_FUNCTIONS:
            activation = kt.ACTIVATION_FUNCTIONS[target]
            where = applied_at
        else:
            where = layer.node
        if activation is not None:
            dim_value = layer.argument("dim", 0)
            dim = self.integer(dim_value, scenario) if dim_value is not None else None
            walk.after.insert(0, (activation, dim, dim_value is not None, where))
            return _CONTINUE
        if target in kt.TRANSPARENT_MODULES or target in kt.TRANSPARENT_FUNCTIONS:
            return _CONTINUE
        if target in kt.RESHAPING_MODULES or target in kt.RESHAPING_FUNCTIONS:
            walk.reshaped = True
            return _CONTINUE
        if target == kt.SEQUENTIAL:
            for inner in reversed(self._sequential_layers(layer, scenario)):
                inner = pick(inner, scenario)
                step = self._through(inner, getattr(inner, "node", None), walk, scenario, depth + 1)
                if step is None and walk.stopped_at is None:
                    walk.stopped_at = inner
                if step is not _CONTINUE:
                    return step
            return _CONTINUE
        if target in kt.WIDTH_LAYERS:
            keyword, position = kt.WIDTH_LAYERS[target]
            units = self.integer(layer.argument(keyword, position), scenario)
            return self._finish(units, layer, walk)
        return None

    def _sequential_layers(self, layer: Call, scenario: Scenario) -> tuple:
        if len(layer.args) == 1 and not layer.kwargs:
            ordered = pick(layer.args[0], scenario)
            if isinstance(ordered, Call) and ordered.target == kt.ORDERED_DICT:
                pairs = pick(ordered.args[0], scenario) if ordered.args else None
                if not isinstance(pairs, Seq):
                    return (None,)
                layers = []
                for pair in pairs.items:
                    pair = pick(pair, scenario)
                    layers.append(pair.items[1] if isinstance(pair, Seq) and len(pair.items) == 2 else None)
                return tuple(layers)
        return layer.args

    def _finish(self, units: int | None, layer: Call, walk: _Walk) -> TorchHead:
        layer_ref = self.ref(layer.node)
        if not walk.after:
            return TorchHead(units, kt.LINEAR, None, False, layer_ref, layer_ref, (), walk.reshaped)
        activation, dim, dim_written, where = walk.after[-1]
        return TorchHead(units, activation, dim, dim_written, layer_ref, self.ref(where),
                         tuple(a for a, *_ in walk.after), walk.reshaped)

    # --- targets ------------------------------------------------------------------------------------------

    def targets(self, value: Value | None, scenario: Scenario, depth: int = 0) -> TorchTargets | None:
        value = pick(value, scenario)
        if value is None or depth > 4:
            return None
        if isinstance(value, Derived):
            source = value.source
            if value.method == "targets" and source.target in kt.DATASETS:
                classes = kt.DATASETS[source.target]
                return TorchTargets(knowledge.IDS, kt.LONG, 0, classes - 1, classes, self.ref(value.node),
                                    f"{source.short_name} targets (class ids 0..{classes - 1})", True)
            if value.method == "targets" and source.target in kt.FOLDER_DATASETS:
                return TorchTargets(knowledge.IDS, kt.LONG, 0, None, None, self.ref(value.node),
                                    f"{source.short_name} targets (class ids)", True)
            if value.method in kt.TO_FLOAT or value.method in kt.TO_LONG or value.method in (kt.FLOAT, kt.LONG):
                inner = self.targets(value.args[0], scenario, depth + 1)
                if inner is None:
                    return None
                dtype = kt.FLOAT if value.method in kt.TO_FLOAT or value.method == kt.FLOAT else kt.LONG
                cast = f"as .{value.method}()" if value.method not in (kt.FLOAT, kt.LONG) else (
                    f"(a {value.method} tensor)")
                return TorchTargets(inner.encoding, dtype, inner.first_id, inner.last_id, inner.num_classes,
                                    inner.where, f"{inner.origin} {cast}", inner.batched)
            if value.method == "index" and source.target == kt.EYE:
                return self._identity_rows(value, scenario, depth)
            return self._encoded(value, scenario)
        if not isinstance(value, Call):
            return None
        if value.target == kt.ONE_HOT:
            classes = self.integer(value.argument("num_classes", 1), scenario)
            inner = self.targets(value.argument("tensor", 0), scenario, depth + 1)
            if classes is not None and classes < 0:
                classes = None
            shown = f"num_classes={classes}" if classes is not None else ""
            return TorchTargets(knowledge.ONE_HOT, kt.LONG, None, None, classes, self.ref(value.node),
                                f"F.one_hot({shown})", inner is not None and inner.batched)
        if value.target == kt.RANDINT:
            return self._randint(value, scenario)
        return self._encoded(value, scenario)

    def _identity_rows(self, value: Derived, scenario: Scenario, depth: int) -> TorchTargets | None:
        """``torch.eye(C)[y]``: one-hot rows, float unless ``dtype=`` says otherwise."""
        labels = self._encoded(value, scenario)
        written = value.source.argument("dtype")
        dtype = kt.FLOAT if written is None else kt.DTYPES.get(written.name) if isinstance(written, Ref) else None
        if labels is None:
            return None
        ids = self.targets(value.args[0], scenario, depth + 1) if value.args else None
        return TorchTargets(labels.encoding, dtype, None, None, labels.num_classes, labels.where, labels.origin,
                            ids is not None and ids.batched)

    def _encoded(self, value: Value, scenario: Scenario) -> TorchTargets | None:
        """Labels made by an encoder the Keras label reader knows (``LabelEncoder``, ``MultiLabelBinarizer``,
        ``to_categorical``, ``np.eye(k)[y]``): the encoding is the framework's business, not the encoder's."""
        from trainlint.analysis.extract import LabelReader

        labels = LabelReader(self).read(value, scenario)
        if labels is None or labels.encoding not in (knowledge.IDS, knowledge.ONE_HOT, knowledge.MULTI_HOT):
            return None
        return TorchTargets(labels.encoding, None, labels.first_id, labels.last_id, labels.num_classes,
                            labels.where, labels.origin)

    def _randint(self, call: Call, scenario: Scenario) -> TorchTargets | None:
        positional = [a for a in call.args]
        low_value, high_value, size_value = call.argument("low"), call.argument("high"), call.argument("size")
        if len(positional) >= 3:
            low_value, high_value, size_value = positional[:3]
        elif len(positional) == 2 and high_value is None:
            high_value, size_value = positional
        elif len(positional) == 2:
            low_value, size_value = positional
        dtype = call.argument("dtype")
        if dtype is not None:
            return None
        low = 0 if low_value is None else self.integer(low_value, scenario)
        high = self.integer(high_value, scenario)
        if low is None or high is None or high <= low:
            return None
        size = pick(size_value, scenario)
        batched = isinstance(size, Seq) and len(size.items) == 1
        return TorchTargets(knowledge.IDS, kt.LONG, low, high - 1, None, self.ref(call.node),
                            f"torch.randint({low}, {high}, ...) (class ids {low}..{high - 1})", batched)


TORCH = TorchFrontend()
