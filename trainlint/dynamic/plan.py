"""From a finding's facts to a plan the worker can build: never the audited code, only what resolved.

A :class:`ModelPlan` is plain data (it crosses a process boundary as JSON). Its layer stack is the model as
written when every layer is a Keras layer class we know and every argument a plain value; otherwise it is a
surrogate with the same head (units and final activation) on a small made-up input. The labels are one
synthetic batch in the format the finding implies (ids, one-hot, multi-hot), with the class count the code
implies; for a one-unit sparse head that means ids 0 and 1, the out-of-range label the finding is about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from trainlint import knowledge
from trainlint.analysis.extract import Extractor
from trainlint.analysis.facts import TrainingSetup
from trainlint.analysis.scenario import Scenario
from trainlint.analysis.values import (
    Affine,
    Call,
    Const,
    Instance,
    LayerOutput,
    ModelValue,
    Opaque,
    Seq,
    Sym,
    Tensor,
    Value,
)
from trainlint.engine import Origin

BATCH = 64
SURROGATE_FEATURES = 8
ASSUMED_UNITS = 3
"""The width of a surrogate head whose width did not resolve (only findings that do not depend on it)."""
INPUT_SCALE = 3.0
"""Inputs wide enough that one softmax saturates and a linear output leaves [0, 1] (a double softmax cannot)."""

MAX_SIZE = 2_000_000
MAX_WEIGHTS = 50_000_000
"""Beyond these a layer is not rebuilt as written: its weights alone would cost seconds and gigabytes."""

# Layers we rebuild as written: their meaning is fully given by plain arguments.
REBUILDABLE_LAYERS = frozenset({
    "Dense", "Dropout", "Activation", "Softmax", "ReLU", "LeakyReLU", "ELU", "Flatten", "Reshape",
    "BatchNormalization", "LayerNormalization", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "Embedding", "LSTM", "GRU", "SimpleRNN", "Conv1D", "Conv2D", "MaxPooling1D",
    "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "SpatialDropout1D", "SpatialDropout2D",
})
# Layers that accept an input of any rank: a stack that starts with one needs no written input shape.
RANK_FREE_LAYERS = frozenset({"Dense", "Dropout", "Activation", "Softmax", "ReLU", "BatchNormalization",
                              "LayerNormalization"})
INPUT_ARGUMENTS = ("input_shape", "input_dim", "batch_input_shape", "input_length")
# Arguments that only name or place a layer; dropping them changes nothing we observe.
IGNORED_ARGUMENTS = frozenset({"name", "trainable", "dtype"})

_LOSS_CLASS_OF = {canonical: cls for cls, canonical in knowledge.LOSS_CLASSES.items()}
_METRIC_CLASS_OF = {canonical: cls for cls, canonical in knowledge.METRIC_CLASSES.items()}


@dataclass(frozen=True)
class LayerSpec:
    cls: str
    args: tuple = ()
    kwargs: tuple[tuple[str, object], ...] = ()

    def to_json(self) -> dict:
        return {"class": self.cls, "args": list(self.args), "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class ModelSpec:
    """The layer stack to build, its input, and how faithful it is to the audited code."""

    layers: tuple[LayerSpec, ...]
    input_shape: tuple[int, ...]
    input_dtype: str = "float32"
    input_high: int = 10
    faithful: bool = False
    note: str = ""
    """Why a surrogate was built ("the layer stack has a loop of unknown length"), empty when faithful."""


@dataclass(frozen=True)
class ModelPlan:
    model: ModelSpec
    loss: dict
    metrics: tuple[dict, ...]
    labels: dict
    optimizer: dict | None = None
    metrics_bare_string: str | None = None
    batch: int = BATCH

    def to_json(self, request_id: int) -> str:
        model = self.model
        return json.dumps({
            "id": request_id, "batch": self.batch,
            "input": {"shape": list(model.input_shape), "dtype": model.input_dtype, "high": model.input_high,
                      "scale": INPUT_SCALE},
            "layers": [layer.to_json() for layer in model.layers],
            "loss": self.loss, "metrics": list(self.metrics), "labels": self.labels,
            "optimizer": self.optimizer, "metrics_bare_string": self.metrics_bare_string,
        })


class Unplannable(Exception):
    """The facts do not say enough to build a model (no resolved loss, no width)."""


def plan_for(code: str, origin: Origin, keras_version: str = "3", kind: str = "") -> ModelPlan:
    setup = origin.setup
    head = setup.head
    if setup.loss is None:
        raise Unplannable("the loss did not resolve to a known Keras loss")
    if head.activation is None:
        raise Unplannable("the output layer's activation did not resolve")
    assumed_width = head.units is None
    if assumed_width:
        # The rule did not need the width (those that do stay silent without it): any width shows the signal.
        setup = replace(setup, head=replace(head, units=ASSUMED_UNITS))
    extractor = Extractor(setup.compile_at.unit, keras_version)
    model = model_spec(origin.event.model, setup, extractor)
    if assumed_width and not model.faithful:
        model = replace(model, note=model.note.replace(f"same {ASSUMED_UNITS}-unit", f"same activation on an "
                                                       f"assumed {ASSUMED_UNITS}-unit", 1))
    bare = setup.metrics_written_as_string
    return ModelPlan(
        model=model,
        loss=_loss(setup),
        metrics=tuple(_metric(m) for m in setup.metrics),
        labels=labels_for(code, setup, kind),
        optimizer=_optimizer(origin.event.argument("optimizer", 0), setup.scenario, extractor),
        metrics_bare_string=_bare_metric(setup) if bare else None,
    )


def _bare_metric(setup: TrainingSetup) -> str:
    """``metrics='accuracy'`` is passed on as the bare string it was (Keras 3 rejects it at compile)."""
    names = [m.name for m in setup.metrics]
    return names[0] if names else "accuracy"


# --- the model ----------------------------------------------------------------------------------------------


def model_spec(model: ModelValue, setup: TrainingSetup, extractor: Extractor) -> ModelSpec:
    """The layer stack as written when it fully resolves, else a surrogate carrying the same head."""
    if model.layers is None:
        chain = _functional_chain(model)
        if isinstance(chain, str):
            return surrogate(setup, chain)
        stack = chain
    else:
        stack = list(model.layers)
    layers: list[LayerSpec] = []
    input_shape = None
    for position, layer in enumerate(stack):
        if isinstance(layer, LayerOutput):
            layer = layer.layer  # a custom layer in the stack, seen through its call()
        if isinstance(layer, Instance):
            return surrogate(setup, f"{layer.cls.node.name.value} is a layer class of the audited code, which "
                                    "is never run")
        if not isinstance(layer, Call):
            return surrogate(setup, "a layer of the stack did not resolve (added in a loop or by code not followed)")
        if layer.target == knowledge.INPUT and position == 0:
            input_shape = _shape(layer.argument("shape", 0) or layer.argument("input_shape"), setup.scenario,
                                 extractor)
            if input_shape is None:
                return surrogate(setup, "the input shape did not resolve")
            continue
        category, _, cls = layer.target.rpartition(".")
        if category != "keras.layers" or cls not in REBUILDABLE_LAYERS:
            return surrogate(setup, f"{cls} is not a layer the dynamic mode rebuilds")
        spec, written_input = _layer(cls, layer, setup.scenario, extractor)
        if spec is None:
            return surrogate(setup, f"an argument of {cls}(...) did not resolve to a plain value")
        if _too_large(spec):
            return surrogate(setup, f"{cls}(...) as written is too large to build in a quick check")
        if written_input is not None and input_shape is None:
            input_shape = written_input
        layers.append(spec)
    if not layers:
        return surrogate(setup, "the layer stack is empty")
    if input_shape is None:
        if layers[0].cls == "Embedding":
            input_shape = (10,)
        elif layers[0].cls in RANK_FREE_LAYERS:
            input_shape = (SURROGATE_FEATURES,)
        else:
            return surrogate(setup, "the input shape is not written in the code")
    if layers[0].cls == "Embedding":
        vocabulary = dict(layers[0].kwargs).get("input_dim", layers[0].args[0] if layers[0].args else 10)
        return ModelSpec(tuple(layers), input_shape, "int32", int(vocabulary), True)
    return ModelSpec(tuple(layers), input_shape, faithful=True)


def _too_large(layer: LayerSpec) -> bool:
    """A cheap bound on one layer's weights from its two largest sizes (an Embedding's vocabulary × width)."""
    sizes = sorted((v for v in (*layer.args, *(v for _, v in layer.kwargs))
                    if isinstance(v, int) and not isinstance(v, bool)), reverse=True)
    return bool(sizes) and (sizes[0] > MAX_SIZE or (len(sizes) > 1 and sizes[0] * sizes[1] > MAX_WEIGHTS))


def _functional_chain(model: ModelValue) -> list | str:
    """``Input → layer → … → output`` as a list (the Input call first), or why the model is not one such chain."""
    if not model.outputs or len(model.outputs) != 1:
        return "a model with several outputs is rebuilt from the flagged output's head"
    chain: list = []
    value = model.outputs[0]
    for _ in range(256):
        if isinstance(value, Call) and value.target == knowledge.INPUT:
            return [value, *reversed(chain)]
        if isinstance(value, Seq):
            return "the model merges several tensors"
        if not isinstance(value, Tensor):
            return "the model's input is not a keras.Input (a subclassed model, or an input from code not followed)"
        if len(value.inputs) != 1:
            return "the model merges several tensors"
        if isinstance(value.producer, (Affine, Opaque)):
            return "a custom layer of the audited code is never run"
        if not isinstance(value.producer, (Call, Instance)):
            return "an activation is applied as a function (tf.nn / keras.ops), not as a layer"
        chain.append(value.producer)
        value = value.inputs[0]
    return "the layer chain is too long to follow"


def _layer(cls: str, layer: Call, scenario: Scenario, extractor: Extractor):
    args = []
    for value in layer.args:
        plain = _plain(value, scenario, extractor)
        if plain is _UNRESOLVED:
            return None, None
        args.append(plain)
    kwargs = []
    input_shape = None
    for key, value in layer.kwargs:
        if key in IGNORED_ARGUMENTS:
            continue
        plain = _plain(value, scenario, extractor)
        if plain is _UNRESOLVED:
            return None, None
        if key in INPUT_ARGUMENTS:
            if key == "input_dim" and cls != "Embedding":
                input_shape = (plain,) if isinstance(plain, int) else None
            elif key == "input_shape":
                input_shape = tuple(plain) if isinstance(plain, (list, tuple)) else None
            elif key == "batch_input_shape" and isinstance(plain, (list, tuple)):
                input_shape = tuple(plain[1:])
            elif key == "input_length" and isinstance(plain, int):
                input_shape = (plain,)  # Keras 3 dropped the argument; the sequence length is the input shape
            if input_shape is not None and not all(isinstance(d, int) for d in input_shape):
                return None, None
            if key == "input_dim" and cls == "Embedding":
                kwargs.append((key, plain))
            continue
        kwargs.append((key, plain))
    return LayerSpec(cls, tuple(args), tuple(kwargs)), input_shape


_UNRESOLVED = object()


def _plain(value: Value, scenario: Scenario, extractor: Extractor):
    """A JSON-able Python value for a written argument, or ``_UNRESOLVED``."""
    if isinstance(value, Seq):
        items = [_plain(item, scenario, extractor) for item in value.items]
        return _UNRESOLVED if any(item is _UNRESOLVED for item in items) else items
    if isinstance(value, (Const, Sym)):
        constant = extractor.constant(value, scenario)
        if isinstance(value, Sym) and constant is None:
            return _UNRESOLVED
        if constant is None or isinstance(constant, (bool, int, float, str)):
            return constant
    return _UNRESOLVED


def _shape(value: Value | None, scenario: Scenario, extractor: Extractor) -> tuple[int, ...] | None:
    if value is None:
        return None
    plain = _plain(value, scenario, extractor)
    if isinstance(plain, int) and not isinstance(plain, bool):
        return (plain,)
    if isinstance(plain, list) and plain and all(isinstance(d, int) for d in plain):
        return tuple(plain)
    return None


def surrogate(setup: TrainingSetup, reason: str) -> ModelSpec:
    """``Input(8) → Dense(16, relu) → Dense(units, first activation) → Activation(...)`` for each later one."""
    head = setup.head
    activations = list(head.activations) or [knowledge.LINEAR]
    layers = [LayerSpec("Dense", (16,), (("activation", "relu"),)),
              LayerSpec("Dense", (head.units,), (("activation", activations[0]),))]
    layers += [LayerSpec("Activation", (activation,)) for activation in activations[1:]]
    return ModelSpec(tuple(layers), (SURROGATE_FEATURES,), faithful=False,
                     note=f"surrogate with the same {head.units}-unit {head.activation} head: {reason}")


# --- loss, metrics, optimizer -------------------------------------------------------------------------------


def _loss(setup: TrainingSetup) -> dict:
    loss = setup.loss
    assert loss is not None
    cls = _LOSS_CLASS_OF.get(loss.name)
    if loss.from_logits and cls is None:
        raise Unplannable(f"no loss class for {loss.name} with from_logits")
    if loss.form == "object" and cls is not None:
        return {"name": loss.name, "form": "object", "class": cls, "from_logits": bool(loss.from_logits)}
    return {"name": loss.name, "form": "string", "string": loss.name, "from_logits": False}


def _metric(metric) -> dict:
    if metric.name == knowledge.ACCURACY_AUTO:
        return {"name": metric.name, "form": "string", "string": "accuracy"}
    cls = _METRIC_CLASS_OF.get(metric.name)
    if metric.form == "object" and cls is not None:
        kwargs = {}
        if metric.explicit_threshold and metric.threshold is not None:
            kwargs["threshold" if cls == "BinaryAccuracy" else "thresholds"] = metric.threshold
        if metric.from_logits and cls == "AUC":
            kwargs["from_logits"] = True
        return {"name": metric.name, "form": "object", "class": cls, "kwargs": kwargs}
    if cls is not None:
        return {"name": metric.name, "form": "object", "class": cls, "kwargs": {}}
    return {"name": metric.name, "form": "string", "string": metric.name}


def _optimizer(value: Value | None, scenario: Scenario, extractor: Extractor) -> dict | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return {"string": value.value}
    if isinstance(value, Call):
        category, _, cls = value.target.rpartition(".")
        if category != "keras.optimizers" or value.args:
            return None
        kwargs = {}
        for key, argument in value.kwargs:
            plain = _plain(argument, scenario, extractor)
            if plain is _UNRESOLVED:
                return None
            kwargs[key] = plain
        return {"class": cls, "kwargs": kwargs}
    return None


# --- labels -------------------------------------------------------------------------------------------------

# Findings about the label encoding: the batch has the format the finding says the code feeds.
_LABELS_BY_CODE = {
    "TL201": "multihot", "TL213": "multihot",
    "TL211": "onehot",
    "TL212": "ids",
}


def labels_for(code: str, setup: TrainingSetup, kind: str = "") -> dict:
    head, loss = setup.head, setup.loss
    assert loss is not None and head.units is not None
    units = head.units
    classes = max(units, 2)
    form = _LABELS_BY_CODE.get(code)
    visible = setup.labels
    if kind == "label-range":
        # The ids the code makes: from the encoder's first id, one per visible class (else one per unit).
        first = visible.first_id if visible and visible.first_id else 1
        count = visible.num_classes if visible and visible.num_classes else units
        return {"format": "ids", "first": first, "classes": count}
    if kind == "units-classes-mismatch" and visible and visible.num_classes:
        if visible.encoding == knowledge.IDS:
            return {"format": "ids", "first": visible.first_id or 0, "classes": visible.num_classes}
        return {"format": "multihot" if visible.encoding == knowledge.MULTI_HOT else "onehot",
                "classes": visible.num_classes}
    if kind == "label-format-mismatch":
        # The format the finding says the code feeds: the one the loss does not expect.
        if loss.name in knowledge.SPARSE_LOSSES:
            return {"format": "onehot", "classes": classes}
        if loss.name in knowledge.CATEGORICAL_LOSSES:
            return {"format": "ids", "classes": classes}
    if form is None:
        if loss.name in knowledge.SPARSE_LOSSES:
            form = "ids"  # for one unit: ids 0 and 1, where 1 is out of range
        elif loss.name in knowledge.REGRESSION_LOSSES:
            form = "regression"
        elif units == 1:
            form = "binary"
        elif loss.name in knowledge.BINARY_LOSSES | knowledge.HINGE_LOSSES - {knowledge.CATEGORICAL_HINGE} \
                and head.activation != knowledge.SOFTMAX:
            form = "multihot"
        else:
            form = "onehot"
    if form in ("onehot", "multihot", "regression"):
        classes = units
    return {"format": form, "classes": classes}


def describe(plan: ModelPlan) -> str:
    return "the model as written" if plan.model.faithful else plan.model.note
