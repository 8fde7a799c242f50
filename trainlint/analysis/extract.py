"""From what the evaluator saw to the facts the rules read.

Each ``compile(...)`` event on a visible model becomes one :class:`TrainingSetup` per model output: the
output's :class:`Head`, the loss and metrics that apply to it, and the scenario. A loss applied to a model's
output outside ``compile`` (a :class:`LossEvent`) becomes one the same way, with no metrics. Anything that does not
resolve to a known Keras object or a constant becomes ``None`` and the rules stay silent on it.
"""

from __future__ import annotations

import libcst as cst

from trainlint import knowledge
import re
from dataclasses import replace

from trainlint.analysis.evaluator import LossEvent, ModelEvent
from trainlint.analysis.facts import (Head, Labels, LossSpec, MetricSpec, OptimizerCall, SourceRef, TrainingSetup,
                                      Unresolved)
from trainlint.analysis.scenario import Condition, Scenario
from trainlint.analysis.values import (
    Affine,
    AppliedLoss,
    Call,
    Choice,
    Const,
    Count,
    Derived,
    Function,
    Instance,
    LayerOutput,
    Mapping,
    ModelValue,
    Opaque,
    Ref,
    Seq,
    Sym,
    Tensor,
    Value,
    constant_in,
    pick,
)

MAX_SCENARIOS_PER_CALL = 32
RESCALED = "rescaled"
RESHAPED = "reshaped"
"""Marks on the way out that are no activation: they keep some activations and lose others (``_finish``)."""
_MARKS = frozenset({knowledge.LINEAR, RESCALED, RESHAPED})


class Extractor:
    def __init__(self, unit: str, keras_version: str):
        self.unit = unit
        self.keras_version = keras_version
        self.obstacle: Unresolved | None = None
        self._stucks = 0
        """Why the last head walk that failed stopped (for the coverage report, never for a verdict)."""

    def _stuck(self, reason: str, detail: str = "") -> None:
        self._stucks += 1
        if self.obstacle is None:
            self.obstacle = Unresolved(reason, detail)

    def ref(self, node) -> SourceRef:
        return SourceRef(self.unit, node)

    # --- values under a scenario ------------------------------------------------------------------------

    constant = staticmethod(constant_in)

    # --- heads ------------------------------------------------------------------------------------------

    def heads(self, model: ModelValue, scenario: Scenario, depth: int = 0) -> list[Head | None]:
        if depth > 8:
            self._stuck("head: models nested too deeply")
            return [None]
        if model.layers is not None:
            return [self._head_of_stack([pick(layer, scenario) for layer in model.layers], scenario, depth)]
        return [self._head_of_tensor(pick(output, scenario), scenario, depth) for output in model.outputs or ()]

    def _head_of_stack(self, layers: list[Value], scenario: Scenario, depth: int) -> Head | None:
        after: list[tuple[str, SourceRef]] = []
        name = None
        stuck = self._stucks
        for layer in reversed(layers):
            if isinstance(layer, Call) and name is None:
                name = self.constant(layer.argument("name"), scenario)
            step = self._step(layer, scenario, after, depth)
            if step == "continue":
                continue
            return self._with_name(step, name) if step is not None else self._partial(after, name, stuck)
        self._stuck("head: no output layer")
        return None

    def _head_of_tensor(self, tensor: Value, scenario: Scenario, depth: int) -> Head | None:
        after: list[tuple[str, SourceRef]] = []
        names: list = []
        stuck = self._stucks
        step = self._through(tensor, None, scenario, after, depth, names)
        name = names[0] if names else None
        if step == "too deep":
            return None
        return self._with_name(step, name) if step is not None else self._partial(after, name, stuck)

    def _through(self, tensor: Value, until: Value | None, scenario: Scenario, after: list, depth: int,
                 names: list | None = None):
        """Walk back from ``tensor``: the head (None: unresolved), or ``"continue"`` where the walk reaches
        ``until`` (the tensor a custom layer in a stack was given: the layers before it decide)."""
        for _ in range(64):
            tensor = pick(tensor, scenario)
            if tensor is until:
                return "continue"
            if not isinstance(tensor, Tensor):
                self._stuck(*_describe("head", tensor))
                return None
            producer = pick(tensor.producer, scenario)
            if isinstance(producer, Call) and names is not None and not names:
                found = self.constant(producer.argument("name"), scenario)
                if found is not None:
                    names.append(found)
            if isinstance(producer, Ref) and producer.name in knowledge.SAMPLE_SELECTIONS:
                pass  # rows of the output: the same head
            elif isinstance(producer, Ref):
                activation = knowledge.ACTIVATION_FUNCTIONS.get(producer.name)
                if activation is None and producer.name in knowledge.REARRANGING_FUNCTIONS:
                    activation = RESHAPED
                elif activation is None and producer.name == knowledge.BIAS_ADD:
                    activation = RESCALED
                if activation is None:
                    self._stuck("head: function", knowledge.canonical_name(producer.name))
                    return None
                after.insert(0, (activation, self.ref(tensor.node)))
            elif isinstance(producer, Call) and producer.target in knowledge.DOT_LAYERS:
                return self._dot(producer, tensor, scenario, after, depth)
            else:
                step = self._step(producer, scenario, after, depth)
                if step != "continue":
                    return step
            if len(tensor.inputs) != 1:
                self._stuck("head: merges several tensors")
                return None
            tensor = tensor.inputs[0]
        self._stuck("head: too deep")
        return "too deep"

    def _partial(self, after: list, name, stuck: int) -> Head | None:
        """A known activation applied to what the walk could not see (``ops.sigmoid(x)`` on a custom layer's
        output): the head's activation is exact, its width unknown. Not where a walk stopped without being stuck
        (a scenario that rules the head out)."""
        if self._stucks == stuck or all(activation in _MARKS for activation, _ in after):
            return None
        where = after[0][1]
        return self._with_name(self._finish(None, [], where, where, after), name)

    def _step(self, layer: Value, scenario: Scenario, after: list, depth: int):
        """One layer walking back from the output: ``"continue"`` past it, or the head (None: unresolved)."""
        layer = pick(layer, scenario)
        if isinstance(layer, Affine):  # x @ w + b in a custom layer: what Dense computes without activation
            where = self.ref(layer.node)
            return self._finish(layer.units, [knowledge.LINEAR], where, where, after)
        if isinstance(layer, LayerOutput):
            step = self._through(layer.output, layer.placeholder, scenario, after, depth)
            return None if step == "too deep" else step
        if isinstance(layer, ModelValue):
            inner = self.heads(layer, scenario, depth + 1)
            if len(inner) != 1 or inner[0] is None:
                self._stuck("head: inner model with several outputs")
                return None
            head = inner[0]
            finished = self._finish(head.units, list(head.activations), head.layer, head.activation_at, after)
            return replace(finished, width_of=head.width_of)
        if not isinstance(layer, Call):
            self._stuck(*_describe("head", layer))
            return None
        if layer.target == "keras.layers.TimeDistributed":  # the same head, applied at every time step
            return self._step(layer.argument("layer", 0), scenario, after, depth)
        if layer.target in knowledge.TRANSPARENT_LAYERS:
            return "continue"
        if layer.target in knowledge.RESCALING_LAYERS or layer.target in knowledge.REARRANGING_LAYERS:
            mark = RESCALED if layer.target in knowledge.RESCALING_LAYERS else RESHAPED
            after.insert(0, (mark, self.ref(layer.node)))
            return "continue"
        if layer.target in knowledge.ACTIVATION_LAYERS:
            fixed = knowledge.ACTIVATION_LAYERS[layer.target]
            activation = fixed or self.activation(layer.argument("activation", 0), scenario)
            if activation is None:
                self._stuck("activation: not a known activation", layer.short_name)
                return None
            after.insert(0, (activation, self.ref(layer.node)))
            return "continue"
        if layer.target == "keras.layers.Lambda":  # Lambda(tf.nn.softmax): an activation; any other: unknown
            function = pick(layer.argument("function", 0), scenario)
            activation = knowledge.ACTIVATION_FUNCTIONS.get(knowledge.canonical_name(function.name)) if isinstance(
                function, Ref) else None
            if activation is None:
                self._stuck("head: layer Lambda")
                return None
            after.insert(0, (activation, self.ref(layer.node)))
            return "continue"
        if layer.target == "keras.layers.Bidirectional":
            return self._bidirectional(layer, scenario, after, depth)
        if layer.target in knowledge.APPLICATION_MODELS:
            return self._application(layer, scenario, after)
        task = knowledge.task_model(layer.target)
        if task is not None:
            return self._task_model(layer, knowledge.task_model_kind(task[0]), task[1], scenario, after)
        kind = knowledge.HEAD_LAYERS.get(layer.target)
        if kind is not None:
            units_value = pick(layer.argument(kind.units, 0), scenario)
            units = self.constant(units_value, scenario)
            if not isinstance(units, int) or isinstance(units, bool):
                units = None
                if isinstance(units_value, Sym) and scenario.decide(Condition(units_value, ">=", 2)) is False:
                    # A scenario that leaves the output fewer than 2 units (num_classes != 2 and <= 2) is no
                    # path a classifier takes, and no width is pinned: judging "any width" there is noise.
                    return None
            position = kind.activation_position
            activation_value = layer.argument("activation", position)
            if position is None and len(layer.args) > 5:
                own = None  # activation may be among the positional arguments, at a version-dependent place
            else:
                # An unresolved activation (None) still leaves the width known for the rules that need only that.
                own = kind.default_activation if activation_value is None else self.activation(activation_value,
                                                                                                scenario)
            if kind.recurrent and own == knowledge.SOFTMAX:
                own = None  # o * softmax(c) sums to no 1: no softmax head
            where = layer.argument_node("activation", position) or layer.node
            head = self._finish(units, [own], self.ref(layer.node), self.ref(where), after)
            if units is None and isinstance(units_value, Count) and units_value.of is not None:
                head = replace(head, width_of=(units_value.kind, id(units_value.of)))
            return head
        self._stuck(*_describe("head", layer))
        return None

    def _dot(self, layer: Call, tensor: Tensor, scenario: Scenario, after: list, depth: int):
        """``Dot(axes)([a, b])`` without normalize: a sum of products, unbounded (logits) when one side is (an
        Embedding lookup, a linear head); a cosine (normalize=True) or two bounded sides stay unknown."""
        normalize = layer.argument("normalize", 1)
        operands = pick(tensor.inputs[0], scenario) if len(tensor.inputs) == 1 else None
        if (normalize is not None and self.constant(normalize, scenario) is not False) or not (
                isinstance(operands, Seq) and len(operands.items) == 2):
            self._stuck("head: layer Dot")
            return None
        obstacle, stucks = self.obstacle, self._stucks
        unbounded = any(self._unbounded(operand, scenario, depth) for operand in operands.items)
        self.obstacle, self._stucks = obstacle, stucks  # a side that did not resolve is no reason of the head's
        if not unbounded:
            self._stuck("head: layer Dot")
            return None
        where = self.ref(layer.node)
        return self._finish(None, [knowledge.LINEAR], where, where, after)

    def _unbounded(self, operand: Value, scenario: Scenario, depth: int) -> bool:
        operand = pick(operand, scenario)
        if isinstance(operand, Tensor):
            producer = pick(operand.producer, scenario)
            if isinstance(producer, Call) and producer.target in knowledge.EMBEDDING_LAYERS:
                return True
        if depth > 8:
            return False
        head = self._through(operand, None, scenario, [], depth + 1)
        return isinstance(head, Head) and head.activation == knowledge.LINEAR

    def _application(self, layer: Call, scenario: Scenario, after: list):
        """``keras.applications.X(include_top=True, classes=N, classifier_activation=...)``: its documented head."""
        top = layer.argument("include_top")
        if layer.args or (top is not None and self.constant(top, scenario) is not True):
            self._stuck("head: keras.applications model without its top" if top is not None else
                        "head: keras.applications model with positional arguments", layer.target)
            return None
        classes = layer.argument("classes")
        units = knowledge.APPLICATION_DEFAULT_CLASSES if classes is None else self.constant(classes, scenario)
        if not isinstance(units, int) or isinstance(units, bool):
            units = None
        activation_value = layer.argument("classifier_activation")
        own = knowledge.SOFTMAX if activation_value is None else self.activation(activation_value, scenario)
        where = layer.argument_node("classifier_activation") or layer.node
        return self._finish(units, [own], self.ref(layer.node), self.ref(where), after)

    def _task_model(self, layer: Call, kind, from_preset: bool, scenario: Scenario, after: list):
        """A library classifier (``keras_hub.models.BertClassifier``): ``Dense(num_classes, activation)`` on top."""
        units_value = layer.argument(kind.units_argument, None if from_preset else kind.units_position) if (
            kind.units_argument) else None
        units = self.constant(units_value, scenario)
        if not isinstance(units, int) or isinstance(units, bool):
            units = None
        activation_value = layer.argument("activation")
        own = kind.default_activation if activation_value is None else self.activation(activation_value, scenario)
        if units_value is None and kind.units_required:
            self._stuck("head: library classifier without num_classes", layer.target)
            return None
        where = layer.argument_node("activation") or layer.node
        return self._finish(units, [own], self.ref(layer.node), self.ref(where), after)

    def _bidirectional(self, layer: Call, scenario: Scenario, after: list, depth: int):
        """``Bidirectional(LSTM(n))`` concatenates both directions: 2n units, the inner layer's activation."""
        mode = layer.argument("merge_mode", 1)
        if mode is not None and self.constant(mode, scenario) != "concat":
            self._stuck("head: Bidirectional merge_mode")
            return None
        inner = self._step(layer.argument("layer", 0), scenario, [], depth)
        if not isinstance(inner, Head):
            return inner if inner is None else self._stuck("head: Bidirectional") or None
        units = 2 * inner.units if inner.units is not None else None
        return self._finish(units, list(inner.activations) or [knowledge.LINEAR], inner.layer, inner.activation_at,
                            after)

    def _finish(self, units, own: list[str], layer_ref: SourceRef, own_at: SourceRef, after) -> Head:
        applied: list[str | None] = []  # None: an activation not known (unresolved, or lost on the way)
        final_at = own_at
        for activation, where in [*((a, own_at) for a in own), *after]:
            if activation == RESCALED or activation == RESHAPED:
                last = applied[-1] if applied else knowledge.LINEAR
                if activation == RESHAPED:
                    units = None
                    kept = last is not None and last not in knowledge.ROW_ACTIVATIONS
                else:
                    kept = last == knowledge.LINEAR
                if not kept:
                    applied.append(None)
                    final_at = where
            elif activation != knowledge.LINEAR:
                applied.append(activation)
                final_at = where
        final = applied[-1] if applied else knowledge.LINEAR
        return Head(units, final, layer_ref, final_at, tuple(applied))

    @staticmethod
    def _with_name(head, name) -> Head | None:
        if head is None or head == "continue":
            return None
        if isinstance(name, str):
            return replace(head, output_name=name)
        return head

    def activation(self, value: Value | None, scenario: Scenario) -> str | None:
        value = pick(value, scenario)
        if value is None:
            return knowledge.LINEAR
        constant = self.constant(value, scenario)
        if isinstance(value, (Const, Sym)):
            if constant is None:
                return knowledge.LINEAR if isinstance(value, Const) else None
            return knowledge.activation_from_string(constant) if isinstance(constant, str) else None
        if isinstance(value, Ref):
            name = knowledge.canonical_name(value.name)
            return knowledge.ACTIVATION_FUNCTIONS.get(name)
        if isinstance(value, Call) and value.target in knowledge.ACTIVATION_LAYERS:
            return knowledge.ACTIVATION_LAYERS[value.target]
        return None

    # --- losses and metrics -----------------------------------------------------------------------------

    def loss(self, value: Value | None, head: Head, scenario: Scenario) -> LossSpec | None:
        value = pick(value, scenario)
        if isinstance(value, AppliedLoss):
            return self._applied_loss(value, head, scenario)
        if isinstance(value, Const):
            if not isinstance(value.value, str):
                return None
            name = knowledge.loss_from_string(value.value, self.keras_version)
            if name == knowledge.AUTO_CROSSENTROPY:
                name = knowledge.BCE if head.units == 1 else None
            if name is None:
                return None
            return LossSpec(name, False, self.ref(value.node), "string")
        if isinstance(value, Ref):
            category, _, short = knowledge.canonical_name(value.name).rpartition(".")
            if category == "keras.losses" and short in knowledge.LOSS_FUNCTIONS:
                return LossSpec(knowledge.LOSS_FUNCTIONS[short], False, self.ref(value.node), "function")
            return None
        if isinstance(value, Call):
            category, _, short = value.target.rpartition(".")
            if category != "keras.losses" or short not in knowledge.LOSS_CLASSES:
                return None
            from_logits_value = value.argument("from_logits")
            from_logits = False if from_logits_value is None else self.constant(from_logits_value, scenario)
            if not isinstance(from_logits, bool):
                from_logits = None
            where = value.argument_node("from_logits") if from_logits else value.node
            return LossSpec(knowledge.LOSS_CLASSES[short], from_logits, self.ref(where), "object")
        return None

    def _applied_loss(self, value: AppliedLoss, head: Head, scenario: Scenario) -> LossSpec | None:
        loss = pick(value.loss, scenario)
        if isinstance(loss, Call):  # a loss object: its own class and from_logits
            return self.loss(loss, head, scenario)
        signature = value.signature
        if signature.loss is None:
            return None
        if signature.from_logits is not None:
            return LossSpec(signature.loss, signature.from_logits, self.ref(value.node), "tf.nn")
        position = signature.from_logits_position
        written = value.argument("from_logits", position)
        if written is None:
            # Positional arguments past (y_true, y_pred) of a function whose from_logits is keyword-only here
            # (the focal losses) may be anything: unknown.
            from_logits = None if len(value.args) > 2 and position is None else False
        else:
            from_logits = self.constant(written, scenario)
            if not isinstance(from_logits, bool):
                from_logits = None
        where = value.argument_node("from_logits", position) if from_logits else value.node
        return LossSpec(signature.loss, from_logits, self.ref(where), "function")

    def prediction_head(self, prediction: Value | None, scenario: Scenario) -> Head | None:
        """The head of the model whose output ``prediction`` is, seen through activations only; None when it is
        anything else (a slice, a sum, a layer that is not an activation, another model's output of many)."""
        found = self._prediction_walk(prediction, scenario)
        return found if isinstance(found, Head) else None

    def unbound(self, event: LossEvent) -> Unresolved:
        """Why a loss applied outside ``compile`` gave no setup: where the walk back from its prediction stopped."""
        scenario = _scenarios(event.scenario, (event.applied.prediction,))[0]
        found = self._prediction_walk(event.applied.prediction, scenario)
        return found if isinstance(found, Unresolved) else Unresolved("head: unknown")

    def _prediction_walk(self, prediction: Value | None, scenario: Scenario) -> Head | Unresolved:
        """:meth:`prediction_head`'s walk: the head, or why there is none."""
        after: list[tuple[str, SourceRef]] = []
        tensor = prediction
        for _ in range(16):
            tensor = pick(tensor, scenario)
            if not isinstance(tensor, Tensor):
                return Unresolved(*_describe("output", tensor))
            producer = pick(tensor.producer, scenario)
            if isinstance(producer, ModelValue):
                self.obstacle = None
                heads = self.heads(producer, scenario)
                if len(heads) != 1:
                    return Unresolved(f"model: {len(heads)} outputs" if heads else "model: no outputs")
                head = heads[0]
                if head is None:
                    return self.obstacle or Unresolved("head: unknown")
                return self._finish(head.units, list(head.activations), head.layer, head.activation_at, after)
            if isinstance(producer, Ref) and producer.name in knowledge.SAMPLE_SELECTIONS and len(tensor.inputs) == 1:
                tensor = tensor.inputs[0]  # rows of the output: the same head
                continue
            activation = None
            if isinstance(producer, Ref):
                activation = knowledge.ACTIVATION_FUNCTIONS.get(producer.name)
            elif isinstance(producer, Call) and producer.target in knowledge.ACTIVATION_LAYERS:
                activation = knowledge.ACTIVATION_LAYERS[producer.target] or self.activation(
                    producer.argument("activation", 0), scenario)
            if activation is None or len(tensor.inputs) != 1:
                return Unresolved(*_describe("output", producer))
            after.insert(0, (activation, self.ref(tensor.node)))
            tensor = tensor.inputs[0]
        return Unresolved("output: unknown")

    def metric(self, value: Value, scenario: Scenario) -> MetricSpec | None:
        value = pick(value, scenario)
        if isinstance(value, Const):
            if not isinstance(value.value, str):
                return None
            name = knowledge.metric_from_string(value.value, self.keras_version)
            if name is None:
                return None
            threshold = 0.5 if name in knowledge.THRESHOLD_METRICS else None
            return MetricSpec(name, self.ref(value.node), "string", threshold=threshold, from_logits=False)
        if isinstance(value, Ref):
            category, _, short = knowledge.canonical_name(value.name).rpartition(".")
            if category == "keras.metrics" and short in knowledge.METRIC_FUNCTIONS:
                name = knowledge.METRIC_FUNCTIONS[short]
                threshold = 0.5 if name in knowledge.THRESHOLD_METRICS else None
                return MetricSpec(name, self.ref(value.node), "function", threshold=threshold, from_logits=False)
            return None
        if isinstance(value, Call):
            category, _, short = value.target.rpartition(".")
            if category != "keras.metrics" or short not in knowledge.METRIC_CLASSES:
                return None
            name = knowledge.METRIC_CLASSES[short]
            threshold_value = value.argument("threshold") if name == knowledge.BINARY_ACCURACY else (
                value.argument("thresholds") if name in (knowledge.PRECISION, knowledge.RECALL) else None)
            threshold = 0.5 if threshold_value is None else self.constant(threshold_value, scenario)
            if not isinstance(threshold, (int, float)) or isinstance(threshold, bool):
                threshold = None
            from_logits_value = value.argument("from_logits")
            from_logits = False if from_logits_value is None else self.constant(from_logits_value, scenario)
            return MetricSpec(name, self.ref(value.node), "object",
                              threshold=threshold if name in knowledge.THRESHOLD_METRICS else None,
                              from_logits=from_logits if isinstance(from_logits, bool) else None,
                              explicit_threshold=threshold_value is not None)
        return None

    # --- coverage: why a compile call was not judged -------------------------------------------------------

    def unresolved(self, event: ModelEvent, setups: list[TrainingSetup]) -> Unresolved | None:
        """Why a compile call with a loss left no judgeable setup; None when one resolved or there is no loss."""
        if not has_loss(event) or any(resolved(s) for s in setups):
            return None
        if event.trained_on is not None:
            return self._trained_obstacle(event)
        loss_value = event.argument("loss", 1)
        scenario = _scenarios(event.scenario, (event.model, loss_value))[0]
        self.obstacle = None
        heads = self.heads(event.model, scenario)
        if not heads:
            return Unresolved("model: no outputs")
        found = [h for h in heads if h is not None]
        if not found:
            return self.obstacle or Unresolved("head: unknown")
        head = next((h for h in found if h.activation is None), None)
        if head is not None:
            return Unresolved("activation: not resolved", _code_label(head.activation_at.node))
        index = heads.index(found[0])
        value = pick(_for_output(pick(loss_value, scenario), index, found[0], len(heads)), scenario)
        return _loss_obstacle(value, found[0], self.keras_version)

    def _trained_obstacle(self, event: ModelEvent) -> Unresolved:
        """Why the loss a class's own ``train_step`` applies was not paired with a head."""
        if not event.trained_on:
            return Unresolved("loss: not applied by the class's train_step")
        use = event.trained_on[0]
        loss_value = event.argument("loss", None if event.overridden else 1)
        scenario = _scenarios(event.scenario, (use.prediction, loss_value))[0]
        self.obstacle = None
        head = self._head_of_tensor(use.prediction, scenario, 0)
        if head is None:
            return self.obstacle or Unresolved("head: unknown")
        if head.activation is None:
            return Unresolved("activation: not resolved", _code_label(head.activation_at.node))
        value = pick(loss_value, scenario)
        if use.form == "loss" and isinstance(value, Const):
            return Unresolved("loss: a string called as self.loss()")
        return _loss_obstacle(_for_output(value, 0, head, 1), head, self.keras_version)

    # --- compile events ---------------------------------------------------------------------------------

    def setups(self, event: ModelEvent, fits: tuple[ModelEvent, ...] = ()) -> list[TrainingSetup]:
        """One setup per output and scenario; with the labels of each ``fit`` on the same model that shows them."""
        plain = self._compile_setups(event)
        if len(event.model.outputs or ()) > 1 or event.trained_on is not None:
            # The labels of a multi-output model are per output, not read yet; a train_step of the class's own
            # makes its targets from what fit gives it (a diffusion model's noise).
            return plain
        setups = []
        for setup in plain:
            labelled = []
            for fit in fits:
                scenario = setup.scenario.combined(fit.scenario)
                labels = self.labels(fit, scenario) if scenario is not None else None
                if labels is not None:
                    labelled.append(TrainingSetup(setup.head, setup.loss, setup.metrics,
                                                  setup.metrics_written_as_string, setup.compile_at, scenario, labels))
            # Visible labels refine the setup: rules that would otherwise assume an encoding see the real one.
            setups += labelled or [setup]
        return setups

    def applied_setups(self, event: LossEvent) -> list[TrainingSetup]:
        """One setup per scenario in which the loss's prediction argument is a model's output; the labels are
        read from the target argument when it shows them."""
        applied = event.applied
        setups = []
        for scenario in _scenarios(event.scenario, (applied.loss, applied.prediction, applied.target)):
            head = self.prediction_head(applied.prediction, scenario)
            if head is None:
                continue
            where = self.ref(applied.node)
            setups.append(TrainingSetup(head, self.loss(applied, head, scenario), (), None, where, scenario,
                                        LabelReader(self).read(applied.target, scenario), applied_at=where))
        return setups

    def labels(self, fit: ModelEvent, scenario: Scenario) -> Labels | None:
        """The labels of a ``fit(x, y)`` / ``fit(dataset)`` call."""
        target = fit.argument("y", 1)
        if target is None:
            target = fit.argument("x", 0)
        return LabelReader(self).read(target, scenario)

    def _compile_setups(self, event: ModelEvent) -> list[TrainingSetup]:
        if event.method != "compile":
            return []
        if event.trained_on is not None:
            return self._trained_setups(event)
        loss_value = event.argument("loss", 1)
        metrics_value = event.argument("metrics")
        setups = []
        for scenario in _scenarios(event.scenario, (event.model, loss_value, metrics_value)):
            heads = self.heads(event.model, scenario)
            for index, head in enumerate(heads):
                if head is None:
                    continue
                loss = self.loss(_for_output(pick(loss_value, scenario), index, head, len(heads)), head, scenario)
                metrics, bare_string = self._metrics(metrics_value, index, head, len(heads), scenario)
                setups.append(TrainingSetup(head, loss, metrics, bare_string, self.ref(event.node), scenario))
        return setups

    def _trained_setups(self, event: ModelEvent) -> list[TrainingSetup]:
        """The compiled loss where the class's own ``train_step`` applies it: each prediction it meets is a head
        (``self.loss(noise, self.network([x, t]))``: the network's). The compiled metrics are the step's to apply,
        not read."""
        loss_value = event.argument("loss", None if event.overridden else 1)
        setups = []
        for use in event.trained_on or ():
            for scenario in _scenarios(event.scenario, (use.prediction, loss_value)):
                head = self._head_of_tensor(use.prediction, scenario, 0)
                if head is None:
                    continue
                value = pick(loss_value, scenario)
                # self.loss is what compile was given: a string there is called as it is (a TypeError), no loss.
                loss = None if use.form == "loss" and isinstance(value, Const) else self.loss(
                    _for_output(value, 0, head, 1), head, scenario)
                setups.append(TrainingSetup(head, loss, (), None, self.ref(event.node), scenario))
        return setups

    def _metrics(self, value, index, head, outputs, scenario):
        value = pick(value, scenario)
        if value is None:
            return (), None
        if isinstance(value, Const) and isinstance(value.value, str):
            metric = self.metric(value, scenario)
            return ((metric,) if metric else ()), self.ref(value.node)
        chosen = value if outputs == 1 else (value.get(head.output_name) if isinstance(value, Mapping) else None)
        if isinstance(chosen, Seq) and outputs == 1 and len(chosen.items) == 1 and isinstance(chosen.items[0], Seq):
            chosen = chosen.items[0]
        if isinstance(chosen, Seq):
            items = chosen.items
        elif chosen is not None and outputs > 1:
            items = (chosen,)
        else:
            return (), None
        return tuple(m for m in (self.metric(item, scenario) for item in items) if m is not None), None


def _code_label(node) -> str:
    """A short description of the code at a node, without generating code (``activation``, ``tf.nn.gelu``)."""
    node = getattr(node, "value", node) if isinstance(node, cst.Arg) else node
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _code_label(node.value)
        return f"{base}.{node.attr.value}" if base else node.attr.value
    if isinstance(node, cst.Call):
        return _code_label(node.func) + "(...)"
    return ""


def has_loss(event: ModelEvent) -> bool:
    """A compile call that names a loss: the sites a head/loss rule can judge (a GAN's own compile names none;
    a class's own ``compile(d_optimizer, g_optimizer, loss_fn)`` takes no Keras loss by position)."""
    value = event.argument("loss", None if event.overridden else 1)
    return value is not None and not (isinstance(value, Const) and value.value is None)


def resolved(setup: TrainingSetup) -> bool:
    """Head and loss resolved: the head's activation and the loss are known (its width may be a runtime value)."""
    return setup.loss is not None and setup.head.activation is not None


def _describe(role: str, value) -> tuple[str, str]:
    """What a value the analysis could not see through is, as a reason to count and a detail to show."""
    if isinstance(value, Call):
        category, _, short = value.target.rpartition(".")
        if category in ("keras.layers", "torch.nn"):
            return f"{role}: layer {short}", ""
        if value.target == "keras.models.load_model" or value.target == "keras.saving.load_model":
            return f"{role}: load_model", ""
        if category.startswith("keras.applications"):
            return f"{role}: keras.applications model", value.target
        return f"{role}: {value.target}", ""
    if isinstance(value, Opaque):
        return f"{role}: {value.why}", value.detail
    if isinstance(value, Affine):
        return f"{role}: product with a weight in a custom layer", value.function
    if isinstance(value, Instance):
        return f"{role}: custom layer", value.cls.node.name.value
    if isinstance(value, Sym):
        label = value.label
        if label.endswith("(...)"):
            return f"{role}: returned by a call not followed", label
        return f"{role}: unknown value", label
    if isinstance(value, Choice):
        return f"{role}: depends on an undecided condition", ""
    if isinstance(value, ModelValue):  # a Keras model under another framework's loss (Keras 3 on torch)
        return f"{role}: Keras model", ""
    if isinstance(value, Seq):
        return f"{role}: a tuple or list", ""
    if value is None:
        return f"{role}: unknown", ""
    return f"{role}: {type(value).__name__.lower()}", ""


def describe_receiver(receiver) -> Unresolved:
    """Why a ``x.compile(...)`` whose ``x`` is no model the evaluator built is not judged."""
    if isinstance(receiver, Sym) and receiver.label.endswith(".compile"):
        owner = receiver.label[:-len(".compile")]
        if owner.startswith("super(") or owner == "self":
            return Unresolved("model: subclass compiles itself", owner)
        return Unresolved("model: not visible", owner)
    reason, detail = _describe("model", receiver)
    return Unresolved(reason, detail)


def _loss_obstacle(value, head: Head, keras_version: str) -> Unresolved:
    if value is None:
        return Unresolved("loss: not matched to this output")
    if isinstance(value, Const):
        if isinstance(value.value, str):
            if knowledge.loss_from_string(value.value, keras_version) == knowledge.AUTO_CROSSENTROPY:
                return Unresolved("loss: 'crossentropy' chosen from shapes", value.value)
            return Unresolved("loss: unknown name", value.value)
        return Unresolved("loss: constant", repr(value.value))
    if isinstance(value, Ref):
        return Unresolved("loss: function outside keras.losses", knowledge.canonical_name(value.name))
    if isinstance(value, Call):
        category, _, short = value.target.rpartition(".")
        if category == "keras.losses":
            return Unresolved("loss: keras.losses class not in the table", short)
        return Unresolved("loss: object outside keras.losses", value.target)
    if isinstance(value, Function):
        node = value.node
        return Unresolved("loss: user function", node.name.value if node is not None else "")
    if isinstance(value, Instance):
        return Unresolved("loss: user object", value.cls.node.name.value)
    reason, detail = _describe("loss", value)
    return Unresolved(reason, detail)


def _scenarios(base: Scenario, roots: tuple) -> list[Scenario]:
    """The scenarios that settle every condition guarding a value reachable from ``roots``."""
    conditions = []
    seen: set[int] = set()
    pending = [r for r in roots if r is not None]
    while pending and len(seen) < 5000:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, Choice):
            if base.decide(value.condition) is None and value.condition not in conditions:
                conditions.append(value.condition)
            pending += (value.if_true, value.if_false)
        elif isinstance(value, Seq):
            pending += value.items
        elif isinstance(value, Mapping):
            pending += [v for pair in value.items for v in pair]
        elif isinstance(value, Call):
            pending += [*value.args, *(v for _, v in value.kwargs)]
        elif isinstance(value, ModelValue):
            pending += [*(value.layers or ()), *(value.outputs or ())]
        elif isinstance(value, Tensor):
            pending += [value.producer, *value.inputs]
        elif isinstance(value, LayerOutput):
            pending.append(value.output)
    scenarios = [base]
    for condition in conditions:
        split = []
        for scenario in scenarios:
            if scenario.decide(condition) is None:
                split += [scenario.assume(condition, True), scenario.assume(condition, False)]
            else:
                split.append(scenario)
        scenarios = split[:MAX_SCENARIOS_PER_CALL]
    return scenarios


def _for_output(value: Value | None, index: int, head: Head, outputs: int) -> Value | None:
    """The loss that applies to one output: per name in a dict, per position in a list, else shared."""
    if isinstance(value, Mapping):
        return value.get(head.output_name) if head.output_name else (
            value.items[0][1] if outputs == 1 and len(value.items) == 1 else None)
    if isinstance(value, Seq):
        if len(value.items) == outputs:
            return value.items[index]
        return None
    return value


# --- labels ---------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\s!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~\t\n]+")


def _single_tokens(value: Value | None, scenario: Scenario) -> list[str] | None:
    """The labels an encoder was fitted on, when they are literal strings of one word each."""
    value = pick(value, scenario)
    if not isinstance(value, Seq) or not value.items:
        return None
    tokens = []
    for item in value.items:
        item = pick(item, scenario)
        if not isinstance(item, Const) or not isinstance(item.value, (str, int)) or isinstance(item.value, bool):
            return None
        words = _TOKEN.findall(item.value.lower()) if isinstance(item.value, str) else [item.value]
        if len(words) != 1:
            return None
        tokens.append(words[0])
    return tokens


def _distinct(tokens: list | None) -> int | None:
    return len(set(tokens)) if tokens else None


class LabelReader:
    """Reads how the targets of a ``fit`` were made."""

    def __init__(self, extractor: Extractor):
        self.x = extractor

    def read(self, value: Value | None, scenario: Scenario, depth: int = 0) -> Labels | None:
        value = pick(value, scenario)
        if depth > 4 or value is None:
            return None
        if isinstance(value, Call):
            return self._call(value, scenario, depth)
        if isinstance(value, Derived):
            return self._derived(value, scenario, depth)
        return None

    def _column(self, labels: Labels | None, value: Derived) -> Labels | None:
        """``y[:, k]``: one column of one-hot or multi-hot rows is a 0/1 column; a column of ids stays ids."""
        if labels is None:
            return None
        origin = f"a column of {labels.origin}"
        if labels.encoding in (knowledge.ONE_HOT, knowledge.MULTI_HOT):
            return self._labels(knowledge.BINARY, None, 2, value.node, origin)
        if labels.encoding in (knowledge.IDS, knowledge.BINARY, knowledge.CONTINUOUS):
            return replace(labels, where=self.x.ref(value.node), origin=origin)
        return None

    def _labels(self, encoding, first, classes, node, origin, reserved=None, encoder=None, fitted_on=None) -> Labels:
        return Labels(encoding, first, classes if isinstance(classes, int) and not isinstance(classes, bool)
                      else None, self.x.ref(node), origin, reserved,
                      id(encoder) if encoder is not None else None, id(fitted_on) if fitted_on is not None else None)

    def _random_ids(self, call: Call, scenario: Scenario) -> Labels | None:
        """``np.random.randint(low, high, size)``: class ids, or multi-hot rows for 0/1 in a 2-D shape."""
        constant = lambda v: self.x.constant(v, scenario)  # noqa: E731
        low, high = constant(call.argument("low", 0)), call.argument("high", 1)
        high = constant(high) if high is not None else None
        if high is None and call.argument("high", 1) is None:
            low, high = 0, low
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or high <= low:
            return None
        size = pick(call.argument("size", 2), scenario)
        columns = 1
        if isinstance(size, Seq):
            shape = [constant(item) for item in size.items]
            if len(shape) == 2:
                columns = shape[1]
            elif len(shape) != 1:
                return None
        elif size is not None and not isinstance(constant(size), int):
            return None
        origin = f"np.random.randint({low}, {high})"
        if columns == 1:
            return self._labels(knowledge.IDS, low, high - low, call.node, origin)
        if isinstance(columns, int) and (low, high) == (0, 2):
            return self._labels(knowledge.MULTI_HOT, None, columns, call.node, f"{origin} rows of {columns} columns")
        return None

    def _call(self, call: Call, scenario: Scenario, depth: int) -> Labels | None:
        constant = lambda v: self.x.constant(v, scenario)  # noqa: E731
        if call.target == "keras.utils.to_categorical":
            classes = constant(call.argument("num_classes", 1))
            origin = f"to_categorical(num_classes={classes})" if classes is not None else "to_categorical"
            return self._labels(knowledge.ONE_HOT, None, classes, call.node, origin)
        if call.target == "tensorflow.one_hot":
            classes = constant(call.argument("depth", 1))
            return self._labels(knowledge.ONE_HOT, None, classes, call.node, f"tf.one_hot(depth={classes})")
        if call.target == "pandas.get_dummies":
            return self._labels(knowledge.ONE_HOT, None, None, call.node, "pd.get_dummies")
        if call.target in knowledge.DIRECTORY_DATASETS:
            mode = call.argument("label_mode")
            mode = "int" if mode is None else constant(mode)
            classes = _distinct(_single_tokens(call.argument("class_names"), scenario))
            return self._mode(mode, {"int": knowledge.IDS, "categorical": knowledge.ONE_HOT,
                                     "binary": knowledge.BINARY}, classes, call.node, f"label_mode={mode!r}")
        if call.target in knowledge.RANDOM_CLASS_IDS:
            return self._random_ids(call, scenario)
        if call.target in knowledge.RANDOM_REALS:
            return self._labels(knowledge.CONTINUOUS, None, None, call.node, call.target.replace("numpy", "np"))
        if call.target == "tensorflow.data.Dataset.from_tensor_slices" and call.args:
            pair = pick(call.args[0], scenario)
            if isinstance(pair, Seq) and len(pair.items) == 2:
                return self.read(pair.items[1], scenario, depth + 1)
        return None

    def _mode(self, mode, encodings, classes, node, origin) -> Labels | None:
        encoding = encodings.get(mode) if isinstance(mode, str) else None
        if encoding is None:
            return None
        first = 0 if encoding == knowledge.IDS else None
        if encoding == knowledge.BINARY:
            classes = 2
        return self._labels(encoding, first, classes, node, origin)

    def _derived(self, value: Derived, scenario: Scenario, depth: int = 0) -> Labels | None:
        source, method = value.source, value.method
        target = source.target
        constant = lambda v: self.x.constant(v, scenario)  # noqa: E731
        if method == "column" and source.args:
            return self._column(self.read(source.args[0], scenario, depth + 1), value)
        if method == "labels" and target in knowledge.REGRESSION_DATASETS:
            dataset = target.split(".")[2]
            return self._labels(knowledge.CONTINUOUS, None, None, value.node, f"keras.datasets.{dataset} prices")
        if method == "flow" and target == "keras.preprocessing.ImageDataGenerator":
            return self.read(value.argument("y", 1), scenario, depth + 1)
        if method == "labels" and target in knowledge.DATASETS:
            dataset = target.split(".")[2]
            return self._labels(knowledge.IDS, 0, knowledge.DATASETS[target], value.node,
                                f"keras.datasets.{dataset} labels (class ids)")
        if method == "index" and target in knowledge.IDENTITY_MATRICES and source.args:
            classes = constant(source.args[0])
            shown = "" if classes is None else classes
            return self._labels(knowledge.ONE_HOT, None, classes, value.node,
                                f"{knowledge.IDENTITY_MATRICES[target]}({shown})[...]")
        fitted = _distinct(_single_tokens(value.fitted, scenario))
        if target == "sklearn.preprocessing.MultiLabelBinarizer" and method in ("transform", "fit_transform"):
            return self._labels(knowledge.MULTI_HOT, None, None, value.node, "MultiLabelBinarizer")
        if target == "sklearn.preprocessing.LabelEncoder" and method in ("transform", "fit_transform"):
            return self._labels(knowledge.IDS, 0, fitted, value.node, "LabelEncoder")
        if target == "keras.preprocessing.Tokenizer" and method == "texts_to_sequences":
            # num_words drops the ids past it: the word index no longer bounds the ids.
            limited = source.argument("num_words", 0) is not None and constant(source.argument("num_words", 0)) \
                is not None
            return self._labels(knowledge.IDS, 1, fitted, value.node, "Tokenizer.texts_to_sequences",
                                "Tokenizer numbers words from 1", None if limited else source, value.fitted)
        if target == "keras.layers.TextVectorization" and method == "call":
            mode = source.argument("output_mode")
            if mode is not None and constant(mode) != "int":
                return None
            return self._labels(knowledge.IDS, 2, fitted, value.node, "TextVectorization",
                                "TextVectorization reserves 0 for padding and 1 for out-of-vocabulary", source,
                                value.fitted)
        if target in ("keras.layers.StringLookup", "keras.layers.IntegerLookup") and method == "call":
            return self._lookup(value, source, scenario, fitted)
        if target == "keras.preprocessing.ImageDataGenerator" and method in ("flow_from_directory",
                                                                             "flow_from_dataframe"):
            mode = value.argument("class_mode")
            mode = "categorical" if mode is None else constant(mode)
            classes = _distinct(_single_tokens(value.argument("classes"), scenario))
            if mode == "binary" and classes is not None and classes > 2 and method == "flow_from_directory":
                # Verified (Keras 3.15 DirectoryIterator): 'binary' with 3 class folders yields 0.0, 1.0, 2.0.
                return self._labels(knowledge.IDS, 0, classes, value.node,
                                    f"class_mode='binary' over {classes} classes")
            return self._mode(mode, {"categorical": knowledge.ONE_HOT, "sparse": knowledge.IDS,
                                     "binary": knowledge.BINARY}, classes, value.node, f"class_mode={mode!r}")
        return None

    def _lookup(self, value: Derived, source: Call, scenario: Scenario, fitted: int | None) -> Labels | None:
        constant = lambda v: self.x.constant(v, scenario)  # noqa: E731
        mode = source.argument("output_mode")
        mode = "int" if mode is None else constant(mode)
        oov = source.argument("num_oov_indices")
        oov = 1 if oov is None else constant(oov)
        mask = source.argument("mask_token")
        masked = mask is not None and constant(mask) is not None
        vocabulary = source.argument("vocabulary")
        classes = _distinct(_single_tokens(vocabulary, scenario)) if vocabulary is not None else fitted
        name = source.short_name
        if mode == "one_hot":
            return self._labels(knowledge.ONE_HOT, None, None, value.node, f"{name}(output_mode='one_hot')")
        if mode == "multi_hot":
            return self._labels(knowledge.MULTI_HOT, None, None, value.node, f"{name}(output_mode='multi_hot')")
        if mode != "int" or not isinstance(oov, int):
            return None
        first = oov + (1 if masked else 0)
        reasons = [f"{oov} out-of-vocabulary index{'es' if oov > 1 else ''}"] if oov else []
        if masked:
            reasons.append("a mask token")
        reserved = f"{name} reserves {' and '.join(reasons)} before the vocabulary" if reasons else None
        return self._labels(knowledge.IDS, first, classes, value.node, name, reserved, source,
                            value.fitted if vocabulary is None else None)


def optimizer_calls(extractor: Extractor, calls) -> list[OptimizerCall]:
    facts = []
    for call in calls:
        category, _, name = call.target.rpartition(".")
        if name not in knowledge.OPTIMIZER_DEFAULT_LEARNING_RATES:
            continue
        rate = call.argument("lr")
        if rate is None:
            rate = call.argument("learning_rate", 0)
        rate = extractor.constant(rate, Scenario())
        keywords = tuple(key for key, _ in call.kwargs)
        facts.append(OptimizerCall(
            name, category.endswith("legacy"), keywords,
            rate if isinstance(rate, (int, float)) and not isinstance(rate, bool) else None,
            extractor.ref(call.node),
            {key: extractor.ref(call.argument_node(key)) for key in keywords}))
    return facts
