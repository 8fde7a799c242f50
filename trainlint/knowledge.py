"""What Keras really does, in one table module.

Every fact here is taken from ``shared/keras-semantics.md`` (verified by running Keras 3.15 and tf-keras
2.21). Rules never spell a Keras name themselves: they ask this module, so a new alias or a new Keras
version is one edit here.
"""

from __future__ import annotations

from typing import Final

KERAS_VERSIONS: Final = ("3", "2", "legacy")
"""``3``: Keras 3. ``2``: tf.keras in TF 2.2-2.15 / tf-keras. ``legacy``: standalone Keras <= 2.3, TF 1.x."""
KERAS_SETTINGS: Final = ("auto", *KERAS_VERSIONS)
"""The ``keras-version`` setting: ``auto`` (default) infers it per project and notebook (``trainlint.versions``)."""

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


# --- layers and models ------------------------------------------------------------------------------------

DENSE_LAYERS: Final = frozenset({"keras.layers.Dense"})
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
     "keras.layers.AlphaDropout", "keras.layers.ActivityRegularization"}
)
"""Layers that change neither the width nor the range of what they pass on (at inference)."""

SEQUENTIAL: Final = "keras.Sequential"
MODEL: Final = "keras.Model"
INPUT: Final = "keras.Input"

_TOP_LEVEL_CLASSES: Final = {"Sequential": SEQUENTIAL, "Model": MODEL, "Input": INPUT, "InputLayer": INPUT}
_CATEGORIES: Final = ("layers", "losses", "metrics", "activations", "optimizers", "utils", "callbacks",
                      "ops", "backend", "preprocessing", "applications", "datasets")


def canonical_name(dotted: str) -> str:
    """One name for each Keras object, whatever path the user imported it by.

    ``tensorflow.keras.layers.Dense``, ``tf_keras.layers.Dense``, ``keras.src.layers.core.dense.Dense``,
    ``tensorflow.python.keras.layers.core.Dense`` and ``keras.layers.Dense`` are all ``keras.layers.Dense``.
    """
    parts = dotted.split(".")
    if parts[0] == "tf_keras":
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
ONE_HOT_FUNCTIONS: Final = frozenset({"keras.utils.to_categorical", "tensorflow.one_hot"})
LABEL_PASS_THROUGH: Final = frozenset({
    # Calls that keep the labels as they are (values, encoding, range).
    "numpy.array", "numpy.asarray", "numpy.squeeze", "numpy.ravel", "tensorflow.convert_to_tensor",
    "tensorflow.constant", "tensorflow.cast", "tensorflow.squeeze", "pandas.Series", "numpy.concatenate",
})
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
