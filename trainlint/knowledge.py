"""What Keras really does, in one table module.

Every fact here is taken from ``shared/keras-semantics.md`` (verified by running Keras 3.15 and tf-keras
2.21). Rules never spell a Keras name themselves: they ask this module, so a new alias or a new Keras
version is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

KERAS_VERSIONS: Final = ("3", "2", "legacy")
"""``3``: Keras 3. ``2``: tf.keras in TF 2.2-2.15 / tf-keras. ``legacy``: standalone Keras <= 2.3, TF 1.x."""
KERAS_SETTINGS: Final = ("auto", *KERAS_VERSIONS)
"""The ``keras-version`` setting: ``auto`` (default) infers it per project and notebook
(``trainlint.sources.versions``)."""

# --- canonical losses -------------------------------------------------------------------------------------

BCE: Final = "binary_crossentropy"
CCE: Final = "categorical_crossentropy"
SCCE: Final = "sparse_categorical_crossentropy"
BFCE: Final = "binary_focal_crossentropy"
CFCE: Final = "categorical_focal_crossentropy"
MSE: Final = "mean_squared_error"
MAE: Final = "mean_absolute_error"
MAPE: Final = "mean_absolute_percentage_error"
MSLE: Final = "mean_squared_logarithmic_error"
HINGE: Final = "hinge"
SQUARED_HINGE: Final = "squared_hinge"
CATEGORICAL_HINGE: Final = "categorical_hinge"
KLD: Final = "kl_divergence"
POISSON: Final = "poisson"
LOG_COSH: Final = "log_cosh"
HUBER: Final = "huber"
COSINE: Final = "cosine_similarity"
AUTO_CROSSENTROPY: Final = "crossentropy"
"""Keras 3's ``loss='crossentropy'``: resolved from shapes at the first step."""

BINARY_LOSSES: Final = frozenset({BCE, BFCE})
CATEGORICAL_LOSSES: Final = frozenset({CCE, CFCE})
SPARSE_LOSSES: Final = frozenset({SCCE})
PROBABILITY_LOSSES: Final = BINARY_LOSSES | CATEGORICAL_LOSSES | SPARSE_LOSSES
"""Crossentropies: they read the output as probabilities unless ``from_logits=True``."""
HINGE_LOSSES: Final = frozenset({HINGE, SQUARED_HINGE, CATEGORICAL_HINGE})
REGRESSION_LOSSES: Final = frozenset({MSE, MAE, MAPE, MSLE, LOG_COSH, HUBER})

_LOSS_CLASSES: Final = {
    "BinaryCrossentropy": BCE,
    "CategoricalCrossentropy": CCE,
    "SparseCategoricalCrossentropy": SCCE,
    "BinaryFocalCrossentropy": BFCE,
    "CategoricalFocalCrossentropy": CFCE,
    "MeanSquaredError": MSE,
    "MeanAbsoluteError": MAE,
    "MeanAbsolutePercentageError": MAPE,
    "MeanSquaredLogarithmicError": MSLE,
    "Hinge": HINGE,
    "SquaredHinge": SQUARED_HINGE,
    "CategoricalHinge": CATEGORICAL_HINGE,
    "KLDivergence": KLD,
    "Poisson": POISSON,
    "LogCosh": LOG_COSH,
    "Huber": HUBER,
    "CosineSimilarity": COSINE,
}

_LOSS_FUNCTIONS_BOTH: Final = {
    BCE: BCE, CCE: CCE, SCCE: SCCE, BFCE: BFCE, CFCE: CFCE,
    "mse": MSE, "MSE": MSE, MSE: MSE,
    "mae": MAE, "MAE": MAE, MAE: MAE,
    "mape": MAPE, "MAPE": MAPE, MAPE: MAPE,
    "msle": MSLE, "MSLE": MSLE, MSLE: MSLE,
    HINGE: HINGE, SQUARED_HINGE: SQUARED_HINGE, CATEGORICAL_HINGE: CATEGORICAL_HINGE,
    "kld": KLD, "KLD": KLD, KLD: KLD,
    POISSON: POISSON, LOG_COSH: LOG_COSH, HUBER: HUBER, COSINE: COSINE,
    "bce": BCE, "BCE": BCE,
}

# Strings accepted by ``compile(loss=...)``; keras-semantics.md §1.2 (aliases_*.json). Anything else is
# unknown to us and the rules stay silent on it.
LOSS_STRINGS: Final = {
    "3": {**_LOSS_FUNCTIONS_BOTH, **_LOSS_CLASSES},
    "2": {
        **_LOSS_FUNCTIONS_BOTH,
        **_LOSS_CLASSES,
        "logcosh": LOG_COSH,
        "huber_loss": HUBER,
        "kullback_leibler_divergence": KLD,
    },
}
LOSS_STRINGS["legacy"] = LOSS_STRINGS["2"]

# Function objects such as ``keras.losses.binary_crossentropy`` (all versions).
LOSS_FUNCTIONS: Final = {
    **_LOSS_FUNCTIONS_BOTH,
    "logcosh": LOG_COSH,
    "huber_loss": HUBER,
    "kullback_leibler_divergence": KLD,
}
LOSS_CLASSES: Final = _LOSS_CLASSES


def loss_from_string(text: str, keras_version: str) -> str | None:
    """The canonical loss ``compile(loss=text)`` selects, or None when Keras would not accept it."""
    if keras_version == "3" and text.lower() in ("crossentropy", "ce"):
        return AUTO_CROSSENTROPY
    return LOSS_STRINGS[keras_version].get(text)


# --- canonical metrics ------------------------------------------------------------------------------------

ACCURACY_AUTO: Final = "accuracy"
"""``'accuracy'`` / ``'acc'`` in any case: resolved by Keras from shapes (or, in legacy Keras, from the loss)."""
BINARY_ACCURACY: Final = "binary_accuracy"
CATEGORICAL_ACCURACY: Final = "categorical_accuracy"
SPARSE_CATEGORICAL_ACCURACY: Final = "sparse_categorical_accuracy"
TOP_K_ACCURACY: Final = "top_k_categorical_accuracy"
SPARSE_TOP_K_ACCURACY: Final = "sparse_top_k_categorical_accuracy"
EXACT_ACCURACY: Final = "exact_accuracy"
"""``keras.metrics.Accuracy()``: element-wise equality of labels and outputs."""
AUC: Final = "auc"
PRECISION: Final = "precision"
RECALL: Final = "recall"

SPARSE_METRICS: Final = frozenset({SPARSE_CATEGORICAL_ACCURACY, SPARSE_TOP_K_ACCURACY})
ONE_HOT_METRICS: Final = frozenset({CATEGORICAL_ACCURACY, TOP_K_ACCURACY})
THRESHOLD_METRICS: Final = frozenset({BINARY_ACCURACY, AUC, PRECISION, RECALL})
"""Metrics that threshold the output at 0.5 by default: wrong on logits."""

_METRIC_NAMES: Final = {
    BINARY_ACCURACY: BINARY_ACCURACY,
    CATEGORICAL_ACCURACY: CATEGORICAL_ACCURACY,
    SPARSE_CATEGORICAL_ACCURACY: SPARSE_CATEGORICAL_ACCURACY,
    TOP_K_ACCURACY: TOP_K_ACCURACY,
    SPARSE_TOP_K_ACCURACY: SPARSE_TOP_K_ACCURACY,
    "BinaryAccuracy": BINARY_ACCURACY,
    "CategoricalAccuracy": CATEGORICAL_ACCURACY,
    "SparseCategoricalAccuracy": SPARSE_CATEGORICAL_ACCURACY,
    "TopKCategoricalAccuracy": TOP_K_ACCURACY,
    "SparseTopKCategoricalAccuracy": SPARSE_TOP_K_ACCURACY,
    "AUC": AUC,
    "Precision": PRECISION,
    "Recall": RECALL,
    BCE: BCE, CCE: CCE, SCCE: SCCE,
    "BinaryCrossentropy": BCE, "CategoricalCrossentropy": CCE, "SparseCategoricalCrossentropy": SCCE,
    "mse": MSE, "MSE": MSE, MSE: MSE, "MeanSquaredError": MSE,
    "mae": MAE, "MAE": MAE, MAE: MAE, "MeanAbsoluteError": MAE,
    "RootMeanSquaredError": "root_mean_squared_error",
}
METRIC_STRINGS: Final = {
    # Keras 3 also accepts snake_case class names ('auc', 'precision'); tf-keras does not.
    "3": {**_METRIC_NAMES, "auc": AUC, "precision": PRECISION, "recall": RECALL,
          "root_mean_squared_error": "root_mean_squared_error"},
    "2": dict(_METRIC_NAMES),
}
METRIC_STRINGS["legacy"] = METRIC_STRINGS["2"]

METRIC_CLASSES: Final = {
    "BinaryAccuracy": BINARY_ACCURACY,
    "CategoricalAccuracy": CATEGORICAL_ACCURACY,
    "SparseCategoricalAccuracy": SPARSE_CATEGORICAL_ACCURACY,
    "TopKCategoricalAccuracy": TOP_K_ACCURACY,
    "SparseTopKCategoricalAccuracy": SPARSE_TOP_K_ACCURACY,
    "Accuracy": EXACT_ACCURACY,
    "AUC": AUC,
    "Precision": PRECISION,
    "Recall": RECALL,
}
METRIC_FUNCTIONS: Final = {
    BINARY_ACCURACY: BINARY_ACCURACY,
    CATEGORICAL_ACCURACY: CATEGORICAL_ACCURACY,
    SPARSE_CATEGORICAL_ACCURACY: SPARSE_CATEGORICAL_ACCURACY,
    TOP_K_ACCURACY: TOP_K_ACCURACY,
    SPARSE_TOP_K_ACCURACY: SPARSE_TOP_K_ACCURACY,
}


def metric_from_string(text: str, keras_version: str) -> str | None:
    if text.lower() in ("accuracy", "acc"):
        return ACCURACY_AUTO
    return METRIC_STRINGS[keras_version].get(text)


# What ``'accuracy'`` becomes, per version, named the way that Keras names it.
RESOLVED_ACCURACY_NAME: Final = {
    "3": {BINARY_ACCURACY: "BinaryAccuracy", CATEGORICAL_ACCURACY: "CategoricalAccuracy",
          SPARSE_CATEGORICAL_ACCURACY: "SparseCategoricalAccuracy"},
    "2": {BINARY_ACCURACY: "binary_accuracy", CATEGORICAL_ACCURACY: "categorical_accuracy",
          SPARSE_CATEGORICAL_ACCURACY: "sparse_categorical_accuracy"},
}
RESOLVED_ACCURACY_NAME["legacy"] = RESOLVED_ACCURACY_NAME["2"]

# --- activations ------------------------------------------------------------------------------------------

SOFTMAX: Final = "softmax"
SIGMOID: Final = "sigmoid"
LINEAR: Final = "linear"
RELU: Final = "relu"
TANH: Final = "tanh"

PROBABILITY_ACTIVATIONS: Final = frozenset({SOFTMAX, SIGMOID})
NON_PROBABILITY_ACTIVATIONS: Final = frozenset(
    {LINEAR, RELU, TANH, "elu", "selu", "softplus", "softsign", "swish", "silu", "gelu", "exponential",
     "leaky_relu", "relu6", "mish"}
)
"""Activations whose output is not a probability in [0, 1]: crossentropies clip or renormalise them."""
KNOWN_ACTIVATIONS: Final = PROBABILITY_ACTIVATIONS | NON_PROBABILITY_ACTIVATIONS | {
    "hard_sigmoid", "log_softmax", "hard_silu", "hard_swish"}

ACTIVATION_FUNCTIONS: Final = {
    # Callables that apply an activation to a tensor, by canonical name.
    **{f"keras.activations.{name}": name for name in KNOWN_ACTIVATIONS},
    "keras.ops.softmax": SOFTMAX,
    "keras.ops.sigmoid": SIGMOID,
    "keras.ops.relu": RELU,
    "keras.ops.tanh": TANH,
    "keras.backend.softmax": SOFTMAX,
    "keras.backend.sigmoid": SIGMOID,
    "tensorflow.nn.softmax": SOFTMAX,
    "tensorflow.math.softmax": SOFTMAX,
    "tensorflow.nn.sigmoid": SIGMOID,
    "tensorflow.math.sigmoid": SIGMOID,
    "tensorflow.sigmoid": SIGMOID,
    "tensorflow.nn.relu": RELU,
    "tensorflow.nn.tanh": TANH,
    "tensorflow.math.tanh": TANH,
    "tensorflow.tanh": TANH,
}


def activation_from_string(text: str) -> str | None:
    return text if text in KNOWN_ACTIVATIONS else None


ACTIVATION_GETTERS: Final = frozenset({"keras.activations.get"})
"""``keras.activations.get(x)``: the activation function named by ``x`` (``None`` is linear), or ``x`` itself when it
is a callable; an unknown name raises."""

# --- custom layers: what their call() computes ------------------------------------------------------------

AFFINE_FUNCTIONS: Final = frozenset({
    "keras.ops.matmul", "keras.ops.dot", "keras.ops.tensordot", "keras.ops.einsum", "keras.backend.dot",
    "tensorflow.matmul", "tensorflow.linalg.matmul", "tensorflow.tensordot", "tensorflow.linalg.tensordot",
    "tensorflow.einsum", "tensorflow.linalg.einsum", "tensorflow.experimental.numpy.matmul",
    "tensorflow.experimental.numpy.dot", "tensorflow.experimental.numpy.tensordot",
    "tensorflow.experimental.numpy.einsum"})
"""Products that are linear in each operand: with one operand a trained weight, the result is a linear head
(logits), as ``Dense`` without activation is."""
MATRIX_PRODUCTS: Final = frozenset({"keras.ops.matmul", "keras.ops.dot", "keras.backend.dot", "tensorflow.matmul",
                                    "tensorflow.linalg.matmul", "tensorflow.experimental.numpy.matmul",
                                    "tensorflow.experimental.numpy.dot"})
"""Of those, ``x @ w``: the last axis of the result is the last axis of ``w`` (its width)."""
BIAS_ADDS: Final = frozenset({"keras.ops.add", "tensorflow.add", "tensorflow.math.add", "tensorflow.nn.bias_add",
                              "tensorflow.experimental.numpy.add"})
DOT_LAYERS: Final = frozenset({"keras.layers.Dot"})
EMBEDDING_LAYERS: Final = frozenset({"keras.layers.Embedding"})
"""A lookup of trained vectors: unbounded values, as a linear head's (a dot product of them is a logit)."""
RESCALING_LAYERS: Final = frozenset({"keras.layers.Rescaling"})
"""``x * scale + offset``: a linear head stays linear; after any other activation the range is one no table names."""
REARRANGING_LAYERS: Final = frozenset({"keras.layers.Reshape", "keras.layers.Permute", "keras.layers.Flatten"})
REARRANGING_FUNCTIONS: Final = frozenset({
    "keras.ops.reshape", "keras.ops.transpose", "tensorflow.reshape", "tensorflow.transpose",
    "tensorflow.nn.depth_to_space", "tensorflow.experimental.numpy.reshape",
    "tensorflow.experimental.numpy.transpose"})
"""They move values to other positions: an element-wise activation (sigmoid, relu, linear) is still the head's, but
a softmax no longer sums to 1 over the last axis, and the width is another one."""
ROW_ACTIVATIONS: Final = frozenset({SOFTMAX, "log_softmax"})
"""Activations computed over the last axis as a whole, not element by element."""
BIAS_ADD: Final = "tensorflow.nn.bias_add"
"""``output + b``: a linear head stays linear; after any other activation the range is one no table names."""
WEIGHT_CONSTRUCTORS: Final = frozenset({"keras.Variable", "keras.backend.variable", "tensorflow.Variable"})
WEIGHT_METHODS: Final = frozenset({"add_weight", "add_variable"})
"""``self.add_weight(shape=...)`` in a layer: a trained variable (the shape is a keyword: Keras 2 puts ``name``
first by position, Keras 3 ``shape``)."""


# --- layers and models ------------------------------------------------------------------------------------

DENSE_LAYERS: Final = frozenset({"keras.layers.Dense"})


@dataclass(frozen=True)
class HeadLayer:
    """A layer that can end a model: where its width and its activation are written, and what they default to."""

    units: str
    """The argument that sets the width of the last axis (``units``, ``filters``), always first by position."""
    activation_position: int | None
    """Where ``activation`` is by position (None: only as a keyword; positions differ between Keras versions)."""
    default_activation: str
    recurrent: bool = False
    """The output mixes the activation with gates (``o * tanh(c)``): a softmax there is no softmax over the units."""


LIBRARY_HEAD_LAYERS: Final = {
    # keras-hub 0.32 (keras-nlp before it): MaskedLMHead(vocabulary_size=None, token_embedding=None,
    # intermediate_activation="relu", activation=None, ...), read with inspect; built with vocabulary_size=7 it gives
    # (batch, masks, 7) of both signs whose rows do not sum to 1, and with activation="softmax" rows summing to 1.
    # Without vocabulary_size the width is the token embedding's vocabulary, known only at run time.
    f"{library}.layers.MaskedLMHead": HeadLayer("vocabulary_size", None, LINEAR) for library in (
        "keras_hub", "keras_nlp")}
HEAD_LAYERS: Final = {
    # The width is the last axis (channels_last, the default): one unit per class for a segmentation head.
    "keras.layers.Dense": HeadLayer("units", 1, LINEAR),
    **{f"keras.layers.{name}": HeadLayer("filters", None, LINEAR) for name in (
        "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "SeparableConv1D", "SeparableConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
        "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D")},
    # Recurrent layers: the output is the activation of the state (gated for LSTM and GRU); tanh by default.
    "keras.layers.SimpleRNN": HeadLayer("units", 1, TANH),
    "keras.layers.LSTM": HeadLayer("units", 1, TANH, recurrent=True),
    "keras.layers.GRU": HeadLayer("units", 1, TANH, recurrent=True),
    "keras.layers.CuDNNLSTM": HeadLayer("units", None, TANH, recurrent=True),
    "keras.layers.CuDNNGRU": HeadLayer("units", None, TANH, recurrent=True),
    **LIBRARY_HEAD_LAYERS,
}
"""Layers whose width and activation a head is read from. ``keras.layers.Conv2D(num_classes, 1,
activation='softmax')`` is a per-pixel softmax head; ``LSTM(1, activation='sigmoid')`` a sigmoid one."""
ACTIVATION_LAYERS: Final = {
    # layer class -> the activation it applies (None: read from its first argument)
    "keras.layers.Activation": None,
    "keras.layers.Softmax": SOFTMAX,
    "keras.layers.ReLU": RELU,
    "keras.layers.LeakyReLU": "leaky_relu",
    "keras.layers.ELU": "elu",
}
TRANSPARENT_LAYERS: Final = frozenset(
    {"keras.layers.Dropout", "keras.layers.GaussianNoise", "keras.layers.GaussianDropout",
     "keras.layers.AlphaDropout", "keras.layers.ActivityRegularization", "keras.layers.SpatialDropout1D",
     "keras.layers.SpatialDropout2D", "keras.layers.SpatialDropout3D",
     # They repeat or crop positions: every output value is one of the inputs, channels unchanged.
     "keras.layers.UpSampling1D", "keras.layers.UpSampling2D", "keras.layers.UpSampling3D",
     "keras.layers.Cropping1D", "keras.layers.Cropping2D", "keras.layers.Cropping3D"}
)
"""Layers that change neither the width nor the range of what they pass on (at inference)."""
SAMPLE_SELECTIONS: Final = frozenset({"tensorflow.gather"})
"""Functions that pick whole samples of a model's output: ``tf.gather(outputs, indices)`` along axis 0 (the default)
returns rows of it, each row as the head made it (its width and activation unchanged). Read with ``axis`` and
``batch_dims`` absent or 0, by keyword only: ``tf.compat.v1.gather`` takes ``name`` before them by position."""

APPLICATION_MODELS: Final = frozenset(f"keras.applications.{name}" for name in (
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge", "DenseNet121",
    "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B0", "EfficientNetV2B1",
    "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S",
    "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "NASNetLarge", "NASNetMobile", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50",
    "ResNet50V2", "VGG16", "VGG19", "Xception"))
"""``keras.applications`` models. With ``include_top=True`` (the default) they end in a head of ``classes`` units
(default 1000) and ``classifier_activation`` (default ``'softmax'``; ``None`` gives logits; standalone Keras <= 2.3
has no such argument and always ends in softmax). Built with Keras 3.15: ``MobileNetV2(classes=3)`` ends in
``Dense(3, softmax)``, ``classifier_activation=None`` in a linear one. Read by keyword only: positions differ."""
APPLICATION_DEFAULT_CLASSES: Final = 1000

_KERAS_HUB_CLASSIFIERS: Final = (
    "AlbertClassifier", "AlbertTextClassifier", "BertClassifier", "BertTextClassifier", "CSPNetImageClassifier",
    "DebertaV3Classifier", "DebertaV3TextClassifier", "DeiTImageClassifier", "DenseNetImageClassifier",
    "DistilBertClassifier", "DistilBertTextClassifier", "ESMProteinClassifier", "EfficientNetImageClassifier",
    "FNetClassifier", "FNetTextClassifier", "HGNetV2ImageClassifier", "ImageClassifier", "MiTImageClassifier",
    "ResNetImageClassifier", "RobertaClassifier", "RobertaTextClassifier", "RoformerV2TextClassifier",
    "SwinTransformerImageClassifier", "VGGImageClassifier", "ViTImageClassifier", "XLMRobertaClassifier",
    "XLMRobertaTextClassifier", "XceptionImageClassifier", "GPT2Classifier", "XLNetClassifier")


@dataclass(frozen=True)
class TaskModel:
    """A library's classifier model: its head is ``Dense(num_classes, activation)`` on top of a backbone."""

    default_activation: str
    units_position: int | None = 1
    """``num_classes`` by position in the constructor (``Classifier(backbone, num_classes)``); ``from_preset``
    takes it by keyword only."""
    units_argument: str | None = "num_classes"
    """None: the width is the vocabulary of a preset (a language model's logits), known only at run time."""
    units_required: bool = True
    """The class cannot be built without it (else the width comes from a checkpoint's configuration)."""


TASK_MODELS: Final = {
    # keras-hub 0.32 (and the keras-nlp releases it continues): ``activation=None`` by default, so the head is
    # linear (logits). Every class's signature read with inspect; BertTextClassifier(backbone, num_classes=3) built:
    # its last layer is Dense(3, linear), with activation='softmax' Dense(3, softmax).
    **{f"{library}.models.{name}": TaskModel(LINEAR) for library in ("keras_hub", "keras_nlp")
       for name in _KERAS_HUB_CLASSIFIERS},
    # keras-cv 0.9 ImageClassifier(backbone, num_classes, pooling="avg", activation="softmax") (read from its source).
    "keras_cv.models.ImageClassifier": TaskModel(SOFTMAX),
}


LANGUAGE_MODEL: Final = TaskModel(LINEAR, None, None, units_required=False)
HF_SEQUENCE_CLASSIFIER: Final = TaskModel(LINEAR, None, "num_labels", units_required=False)
"""Hugging Face ``TF*ForSequenceClassification`` (and ``TFAutoModelForSequenceClassification``): logits, one per
label; ``from_pretrained(..., num_labels=N)``, else as many as the checkpoint's configuration says. Built with
transformers 4.49: TFBertForSequenceClassification(BertConfig(num_labels=3)) ends in Dense(3, linear) and returns
logits."""
"""keras-hub / keras-nlp ``*CausalLM``, ``*Seq2SeqLM`` and ``*MaskedLM``: logits over the vocabulary (GPT2CausalLM built
with keras-hub 0.32: outputs of both signs whose rows do not sum to 1; every ``*MaskedLM`` there ends in a
``MaskedLMHead`` built without ``activation``, whose default is None: BertMaskedLM on a one-layer BertBackbone built,
its ``mlm_head`` activation is ``linear`` and its outputs take both signs and do not sum to 1). The base class
``MaskedLM`` builds no head of its own: not read."""


def task_model(dotted: str) -> tuple[str, bool] | None:
    """``(class, from_preset)`` when a dotted name builds a library classifier (directly, or with
    ``.from_preset`` / Hugging Face's ``.from_pretrained``)."""
    parts = dotted.split(".")
    from_preset = parts[-1] in ("from_preset", "from_pretrained")
    if from_preset:
        parts = parts[:-1]
    if len(parts) >= 2 and parts[0] in ("keras_hub", "keras_nlp", "keras_cv"):
        name = f"{parts[0]}.models.{parts[-1]}"
        if name in TASK_MODELS or (parts[0] != "keras_cv" and parts[-1].endswith(("CausalLM", "Seq2SeqLM")) or (
                parts[0] != "keras_cv" and parts[-1].endswith("MaskedLM") and parts[-1] != "MaskedLM")):
            return name, from_preset
    if len(parts) >= 2 and parts[0] == "transformers" and parts[-1].startswith("TF") and parts[-1].endswith(
            "ForSequenceClassification"):
        return f"transformers.{parts[-1]}", from_preset
    return None


def task_model_kind(name: str) -> TaskModel:
    if name.startswith("transformers."):
        return HF_SEQUENCE_CLASSIFIER
    return TASK_MODELS.get(name, LANGUAGE_MODEL)


SEQUENTIAL: Final = "keras.Sequential"
MODEL: Final = "keras.Model"
INPUT: Final = "keras.Input"

_TOP_LEVEL_CLASSES: Final = {"Sequential": SEQUENTIAL, "Model": MODEL, "Input": INPUT, "InputLayer": INPUT}
_CATEGORIES: Final = ("layers", "losses", "metrics", "activations", "optimizers", "utils", "callbacks",
                      "ops", "backend", "preprocessing", "applications", "datasets")


@lru_cache(maxsize=4096)
def canonical_name(dotted: str) -> str:
    """One name for each Keras object, whatever path the user imported it by.

    ``tensorflow.keras.layers.Dense``, ``tf_keras.layers.Dense``, ``keras.src.layers.core.dense.Dense``,
    ``tensorflow.python.keras.layers.core.Dense`` and ``keras.layers.Dense`` are all ``keras.layers.Dense``.
    """
    parts = dotted.split(".")
    if parts[:2] == ["tensorflow", "compat"] and len(parts) > 2 and parts[2] in ("v1", "v2"):
        parts = ["tensorflow", *parts[3:]]  # import tensorflow.compat.v1 as tf: tf.nn.softmax is tf.nn.softmax
    if parts[0] in ("tf_keras", "keras_core"):  # keras_core: Keras 3 before its release under the name keras
        parts = ["keras", *parts[1:]]
    elif parts[0] == "tensorflow" and "keras" in parts:
        parts = parts[parts.index("keras"):]
    if parts[0] != "keras" or len(parts) == 1:
        return ".".join(parts)
    rest = [p for p in parts[1:] if p not in ("src", "api", "_impl", "_tf_keras")]
    if not rest:
        return "keras"
    last = rest[-1]
    if last in _TOP_LEVEL_CLASSES and len(rest) >= 1 and "optimizers" not in rest:
        return _TOP_LEVEL_CLASSES[last]
    for category in _CATEGORIES:
        if category in rest:
            index = rest.index(category)
            tail = rest[index + 1:]
            if category == "datasets" and len(tail) >= 2:
                return f"keras.datasets.{tail[0]}.{tail[-1]}"
            if category == "optimizers" and "legacy" in tail:
                return "keras.optimizers.legacy" + ("." + tail[-1] if tail[-1] != "legacy" else "")
            return f"keras.{category}" + (f".{tail[-1]}" if tail else "")
    return "keras." + ".".join(rest)


_KERAS_MODULE_EXPORTS: Final = {
    # dir() of each Keras 3.15 module, and the names of tf.keras 2.x / standalone Keras 2 it lacks.
    "layers": """
        Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D
        AdaptiveAveragePooling3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D Add
        AdditiveAttention AlphaDropout Attention AugMix AutoContrast Average AveragePooling1D
        AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D BatchNormalization Bidirectional
        CategoryEncoding CenterCrop Concatenate ContrastLimitedAdaptiveHistogramEqualization Conv1D
        Conv1DTranspose Conv2D Conv2DTranspose Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D
        Convolution1D Convolution1DTranspose Convolution2D Convolution2DTranspose Convolution3D
        Convolution3DTranspose Cropping1D Cropping2D Cropping3D CuDNNGRU CuDNNLSTM CutMix Dense
        DepthwiseConv1D DepthwiseConv2D Discretization Dot Dropout ELU EinsumDense Embedding Equalization
        Flatten FlaxLayer GRU GRUCell GaussianDropout GaussianNoise GlobalAveragePooling1D
        GlobalAveragePooling2D GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D
        GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D
        GlobalMaxPooling3D GroupNormalization GroupQueryAttention HashedCrossing Hashing Identity Input
        InputLayer InputSpec IntegerLookup JaxLayer LSTM LSTMCell Lambda Layer LayerNormalization LeakyReLU
        LocallyConnected1D LocallyConnected2D Masking MaxNumBoundingBoxes MaxPool1D MaxPool2D MaxPool3D
        MaxPooling1D MaxPooling2D MaxPooling3D Maximum MelSpectrogram Minimum MixUp MultiHeadAttention
        Multiply Normalization PReLU Permute Pipeline RMSNormalization RNN RandAugment RandomBrightness
        RandomColorDegeneration RandomColorJitter RandomContrast RandomCrop RandomElasticTransform
        RandomErasing RandomFlip RandomGaussianBlur RandomGrayscale RandomHue RandomInvert RandomPerspective
        RandomPosterization RandomRotation RandomSaturation RandomSharpness RandomShear RandomTranslation
        RandomZoom ReLU RepeatVector Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram
        SeparableConv1D SeparableConv2D SeparableConvolution1D SeparableConvolution2D SimpleRNN
        SimpleRNNCell Softmax Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D
        SpectralNormalization StackedRNNCells StringLookup Subtract TFSMLayer TextVectorization
        ThresholdedReLU TimeDistributed TorchModuleWrapper UnitNormalization UpSampling1D UpSampling2D
        UpSampling3D Wrapper ZeroPadding1D ZeroPadding2D ZeroPadding3D add average concatenate deserialize
        dot maximum minimum multiply serialize subtract""",
    "models": """
        Model Sequential clone_model load_model model_from_json save_model""",
    "optimizers": """
        Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion LossScaleOptimizer MultiOptimizer Muon
        Nadam Optimizer OptimizerMap RMSprop SGD ScheduleFreeAdamW deserialize get legacy schedules
        serialize""",
    "losses": """
        BinaryCrossentropy BinaryFocalCrossentropy CTC CategoricalCrossentropy CategoricalFocalCrossentropy
        CategoricalGeneralizedCrossEntropy CategoricalHinge Circle CosineSimilarity Dice Hinge Huber
        KLDivergence LogCosh Loss MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredError
        MeanSquaredLogarithmicError Poisson SparseCategoricalCrossentropy SquaredHinge Tversky
        binary_crossentropy binary_focal_crossentropy categorical_crossentropy
        categorical_focal_crossentropy categorical_generalized_cross_entropy categorical_hinge circle
        cosine_similarity ctc deserialize dice get hinge huber kl_divergence log_cosh mean_absolute_error
        mean_absolute_percentage_error mean_squared_error mean_squared_logarithmic_error poisson serialize
        sparse_categorical_crossentropy squared_hinge tversky""",
    "metrics": """
        AUC Accuracy BinaryAccuracy BinaryCrossentropy BinaryIoU CategoricalAccuracy CategoricalCrossentropy
        CategoricalHinge ConcordanceCorrelation CosineSimilarity F1Score FBetaScore FalseNegatives
        FalsePositives Hinge IoU KLDivergence LogCoshError Mean MeanAbsoluteError
        MeanAbsolutePercentageError MeanIoU MeanMetricWrapper MeanSquaredError MeanSquaredLogarithmicError
        Metric OneHotIoU OneHotMeanIoU PearsonCorrelation Poisson Precision PrecisionAtRecall R2Score Recall
        RecallAtPrecision RootMeanSquaredError SensitivityAtSpecificity SparseCategoricalAccuracy
        SparseCategoricalCrossentropy SparseTopKCategoricalAccuracy SpecificityAtSensitivity SquaredHinge
        Sum TopKCategoricalAccuracy TrueNegatives TruePositives binary_accuracy binary_crossentropy
        binary_focal_crossentropy categorical_accuracy categorical_crossentropy
        categorical_focal_crossentropy categorical_hinge concordance_correlation deserialize get hinge huber
        kl_divergence log_cosh mean_absolute_error mean_absolute_percentage_error mean_squared_error
        mean_squared_logarithmic_error pearson_correlation poisson serialize sparse_categorical_accuracy
        sparse_categorical_crossentropy sparse_top_k_categorical_accuracy squared_hinge
        top_k_categorical_accuracy""",
    "activations": """
        celu deserialize elu exponential gelu get glu hard_shrink hard_sigmoid hard_silu hard_swish
        hard_tanh leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu serialize sigmoid silu
        soft_shrink softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh
        tanh_shrink threshold""",
    "utils": """
        Config CustomObjectScope FeatureSpace Progbar PyDataset Sequence array_to_img
        audio_dataset_from_directory bounding_boxes clear_session custom_object_scope
        deserialize_keras_object disable_interactive_logging enable_interactive_logging get_custom_objects
        get_file get_registered_name get_registered_object get_source_inputs image_dataset_from_directory
        img_to_array is_interactive_logging_enabled is_keras_tensor legacy load_img model_to_dot normalize
        pack_x_y_sample_weight pad_sequences plot_model register_keras_serializable save_img
        serialize_keras_object set_random_seed split_dataset standardize_dtype text_dataset_from_directory
        timeseries_dataset_from_array to_categorical unpack_x_y_sample_weight""",
    "callbacks": """
        BackupAndRestore CSVLogger Callback CallbackList EarlyStopping History LambdaCallback
        LearningRateScheduler ModelCheckpoint OrbaxCheckpoint ProgbarLogger ReduceLROnPlateau RemoteMonitor
        SwapEMAWeights TensorBoard TerminateOnNaN""",
}

KERAS_MODULE_EXPORTS: Final = {f"keras.{category}": frozenset(names.split())
                               for category, names in _KERAS_MODULE_EXPORTS.items()}
"""What ``from keras.layers import *`` (or ``tensorflow.keras.layers``, ...) binds, by canonical module."""


def is_keras_name(canonical: str) -> bool:
    return canonical == "keras" or canonical.startswith("keras.")


# --- labels -----------------------------------------------------------------------------------------------

IDS: Final = "ids"
ONE_HOT: Final = "one-hot"
MULTI_HOT: Final = "multi-hot"
BINARY: Final = "binary"
"""One column of 0/1 (``class_mode='binary'``)."""
CONTINUOUS: Final = "continuous"
"""Real-valued targets (a regression dataset, ``np.random.rand``): no classes at all."""
CLASS_ENCODINGS: Final = frozenset({IDS, ONE_HOT, MULTI_HOT, BINARY})

DATASETS: Final = {
    # keras.datasets loaders: (number of classes, labels as class ids from 0)
    "keras.datasets.mnist.load_data": 10,
    "keras.datasets.fashion_mnist.load_data": 10,
    "keras.datasets.cifar10.load_data": 10,
    "keras.datasets.cifar100.load_data": 100,
    "keras.datasets.reuters.load_data": 46,
    "keras.datasets.imdb.load_data": 2,
}
REGRESSION_DATASETS: Final = frozenset({"keras.datasets.boston_housing.load_data",
                                        "keras.datasets.california_housing.load_data"})
"""keras.datasets loaders whose targets are continuous (house prices)."""
ONE_HOT_FUNCTIONS: Final = frozenset({"keras.utils.to_categorical", "tensorflow.one_hot"})
IDENTITY_MATRICES: Final = {"numpy.eye": "np.eye", "torch.eye": "torch.eye"}
"""Identity matrices: indexed by class ids (``np.eye(k)[y]``), each row is a one-hot label."""
LABEL_PASS_THROUGH: Final = frozenset({
    # Calls that keep the labels as they are (values, encoding, range).
    "numpy.array", "numpy.asarray", "numpy.squeeze", "numpy.ravel", "tensorflow.convert_to_tensor",
    "tensorflow.constant", "tensorflow.cast", "tensorflow.squeeze", "pandas.Series", "numpy.concatenate",
    # pad_sequences pads with 0 and keeps every id: the top id, which decides an overflow, is unchanged.
    "keras.utils.pad_sequences", "keras.preprocessing.pad_sequences",
})
PROGRESS_WRAPPERS: Final = frozenset({"tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "tqdm.std.tqdm",
                                     "tqdm.tqdm_notebook", "tqdm.autonotebook.tqdm"})
"""``tqdm(iterable)``: iterates the very object it wraps, item by item in its order (it keeps a reference, so a list
filled later is iterated as filled); a ``for`` over it is a ``for`` over the iterable."""
LABEL_SPLITTERS: Final = frozenset({"sklearn.model_selection.train_test_split", "sklearn.utils.shuffle"})
"""Calls that return their arrays (split or shuffled) with the labels unchanged."""
RANDOM_CLASS_IDS: Final = frozenset({"numpy.random.randint"})
"""``np.random.randint(low, high, size)``: integers in ``[low, high)``."""
RANDOM_REALS: Final = frozenset({"numpy.random.rand", "numpy.random.random", "numpy.random.randn",
                                 "numpy.random.normal", "numpy.random.uniform", "numpy.random.random_sample"})
"""Real-valued random arrays: as targets they are continuous."""
LABEL_PASS_THROUGH_METHODS: Final = frozenset({"astype", "reshape", "squeeze", "ravel", "flatten", "copy",
                                              "to_numpy", "numpy", "values"})
FIT_METHODS: Final = frozenset({"fit", "fit_on_texts", "adapt"})
TRANSFORM_METHODS: Final = frozenset({"transform", "fit_transform", "texts_to_sequences", "call"})
STATEFUL_PREPROCESSORS: Final = frozenset({
    "keras.preprocessing.Tokenizer", "keras.layers.TextVectorization", "keras.layers.StringLookup",
    "keras.layers.IntegerLookup", "sklearn.preprocessing.LabelEncoder", "sklearn.preprocessing.LabelBinarizer",
    "sklearn.preprocessing.MultiLabelBinarizer", "keras.preprocessing.ImageDataGenerator",
})
"""Objects that are fitted on data (``fit_on_texts``, ``adapt``, ``fit``) and then turn labels into numbers."""
DIRECTORY_DATASETS: Final = frozenset({"keras.utils.image_dataset_from_directory",
                                       "keras.utils.text_dataset_from_directory",
                                       "keras.preprocessing.image_dataset_from_directory",
                                       "keras.preprocessing.text_dataset_from_directory"})

# --- optimizers -------------------------------------------------------------------------------------------

OPTIMIZER_DEFAULT_LEARNING_RATES: Final = {
    "Adam": 0.001, "AdamW": 0.001, "Adamax": 0.001, "Nadam": 0.001, "RMSprop": 0.001, "Adagrad": 0.001,
    "Adadelta": 0.001, "Ftrl": 0.001, "SGD": 0.01, "Lion": 0.001, "Adafactor": 0.001,
}

# --- losses applied outside compile ---------------------------------------------------------------------------


class LossSignature:
    """How a loss callable takes its arguments when applied directly: ``loss(y_true, y_pred)``.

    ``from_logits`` is fixed for the ``tf.nn.*_with_logits`` functions (they always apply the activation
    themselves); ``None`` means it is read from the call (the ``from_logits`` keyword, or position
    ``from_logits_position``), defaulting to ``False``.
    """

    __slots__ = ("loss", "target", "prediction", "from_logits", "from_logits_position")

    def __init__(self, loss: str | None, target: tuple[str, int], prediction: tuple[str, int],
                 from_logits: bool | None = None, from_logits_position: int | None = None):
        self.loss = loss
        self.target = target
        self.prediction = prediction
        self.from_logits = from_logits
        self.from_logits_position = from_logits_position


LOSS_OBJECT_CALL: Final = LossSignature(None, ("y_true", 0), ("y_pred", 1))
"""``keras.losses.Loss.__call__(y_true, y_pred, sample_weight=None)``; the loss and ``from_logits`` are the
object's."""

_FROM_LOGITS_THIRD: Final = frozenset({BCE, CCE, SCCE})
"""Loss functions whose third positional parameter is ``from_logits`` (the focal ones take others first)."""

APPLIED_LOSS_FUNCTIONS: Final = {
    # keras.losses.<function>(y_true, y_pred, from_logits=False, ...); keras-semantics.md §1.2 for the names.
    **{f"keras.losses.{name}": LossSignature(loss, ("y_true", 0), ("y_pred", 1),
                                             from_logits_position=2 if loss in _FROM_LOGITS_THIRD else None)
       for name, loss in LOSS_FUNCTIONS.items()},
    # keras.backend.<crossentropy>(target, output, from_logits=False) (tf.keras / Keras 2); keras.ops (Keras 3).
    **{f"keras.{module}.{loss}": LossSignature(loss, ("target", 0), ("output", 1), from_logits_position=2)
       for module in ("backend", "ops") for loss in (BCE, CCE, SCCE)},
    # tf.nn.*_with_logits(labels, logits): the activation is always applied by the loss itself, and TensorFlow
    # never swaps in cached logits for them (keras-semantics.md §1.5 is about Keras losses only).
    "tensorflow.nn.softmax_cross_entropy_with_logits": LossSignature(CCE, ("labels", 0), ("logits", 1), True),
    "tensorflow.nn.softmax_cross_entropy_with_logits_v2": LossSignature(CCE, ("labels", 0), ("logits", 1), True),
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": LossSignature(SCCE, ("labels", 0), ("logits", 1),
                                                                            True),
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": LossSignature(BCE, ("labels", 0), ("logits", 1), True),
}
WITH_LOGITS_FUNCTIONS: Final = frozenset(name for name in APPLIED_LOSS_FUNCTIONS if name.startswith("tensorflow.nn."))


def applied_loss_function(canonical: str) -> LossSignature | None:
    """The signature of a loss function called directly (``tf.compat.v1.nn.X`` is ``tf.nn.X``)."""
    if canonical.startswith("tensorflow.compat."):
        parts = canonical.split(".")
        canonical = ".".join(["tensorflow", *parts[3:]])
    if canonical.startswith("tensorflow.losses.") or canonical.startswith("tensorflow.keras.losses."):
        canonical = "keras.losses." + canonical.rsplit(".", 1)[-1]
    return APPLIED_LOSS_FUNCTIONS.get(canonical)


def keras_loss_class(canonical: str) -> str | None:
    """``keras.losses.X`` for a loss class, also when written ``tf.losses.X`` (TF 2's alias of tf.keras.losses)."""
    category, _, short = canonical.rpartition(".")
    if short in LOSS_CLASSES and category in ("keras.losses", "tensorflow.losses"):
        return f"keras.losses.{short}"
    return None
