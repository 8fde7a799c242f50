"""``label-format-mismatch``: labels encoded one way, a loss that expects the other."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note

_ENCODED = {knowledge.ONE_HOT: "one-hot", knowledge.MULTI_HOT: "multi-hot", knowledge.IDS: "class ids",
            knowledge.BINARY: "a single 0/1 column"}


def labels_note(setup):
    labels = setup.labels
    return labels.where, f"the labels are {_ENCODED[labels.encoding]} here ({labels.origin})"


class OneHotLabelsWithSparseLoss(Rule):
    """
    ## What it does
    Checks for one-hot (or multi-hot) labels passed to ``fit`` when the loss is
    ``sparse_categorical_crossentropy``.

    ## Why is this bad?
    Sparse categorical crossentropy expects one class id per sample. Given one-hot rows, Keras fails at the
    first step with a shape error (Keras 3: "Argument `output` must have rank (ndim) `target.ndim - 1`";
    tf.keras: "`labels.shape` must equal `logits.shape` except for the last dimension").
    """

    code = "TL301"
    name = "one-hot-labels-with-sparse-loss"
    kind = "label-format-mismatch"
    summary = "one-hot labels with a sparse (class id) loss"
    NEEDS = frozenset({'loss', 'labels'})
    INVALID = (
        """
        from tensorflow import keras
        from tensorflow.keras.utils import to_categorical
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        y_train = to_categorical(y_train)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=5)
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=5)
        """,
    )

    def check(self, setup, context):
        loss, labels = setup.loss, setup.labels
        if labels and loss and loss.name in knowledge.SPARSE_LOSSES and labels.encoding in (
                knowledge.ONE_HOT, knowledge.MULTI_HOT):
            yield self.report(
                loss.where,
                f"{loss.name} expects one class id per sample, but the labels are {_ENCODED[labels.encoding]} "
                f"({labels.origin}): the first step fails with a shape error; use categorical_crossentropy, "
                "or pass the class ids",
                labels_note(setup),
            )


class ClassIdsWithCategoricalLoss(Rule):
    """
    ## What it does
    Checks for class-id labels (a ``LabelEncoder``, a ``keras.datasets`` loader, ``label_mode='int'``,
    ``class_mode='binary'`` ...) passed to ``fit`` when the loss is ``categorical_crossentropy``, whatever the
    head's width (one unit is reported as a degenerate head).

    ## Why is this bad?
    Categorical crossentropy expects one-hot rows as wide as the output. With class ids Keras fails at the
    first step (Keras 3: "Arguments `target` and `output` must have the same rank"; tf.keras: "Shapes (32, 1)
    and (32, 10) are incompatible").
    """

    code = "TL302"
    name = "class-ids-with-categorical-loss"
    kind = "label-format-mismatch"
    summary = "class-id labels with a categorical (one-hot) loss"
    NEEDS = frozenset({'loss', 'labels'})
    INVALID = (
        """
        from tensorflow import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=5)
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        y_train = keras.utils.to_categorical(y_train, 10)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=5)
        """,
    )

    def check(self, setup, context):
        loss, labels, head = setup.loss, setup.labels, setup.head
        # One unit is the degenerate head (TL102); any other width, known or not, fails on class ids.
        if labels and loss and loss.name in knowledge.CATEGORICAL_LOSSES and labels.encoding in (
                knowledge.IDS, knowledge.BINARY) and head.units != 1:
            wide = f"{head.units} wide" if head.units is not None else "as wide as the output"
            yield self.report(
                loss.where,
                f"{loss.name} expects one-hot labels {wide}, but the labels are "
                f"{_ENCODED[labels.encoding]} ({labels.origin}): the first step fails with a shape error; use "
                "sparse_categorical_crossentropy, or one-hot encode the labels with to_categorical",
                labels_note(setup), head_note(setup),
            )


class ClassIdsWithBinaryCrossentropy(Rule):
    """
    ## What it does
    Checks for class-id labels passed to ``fit`` when the loss is binary crossentropy on a head of several
    units.

    ## Why is this bad?
    Binary crossentropy compares each output unit with a 0/1 target of the same shape. Keras 3 fails with a
    shape error; tf.keras fails for sigmoid / softmax outputs and, for a linear output, silently broadcasts
    the id column against every unit and trains on nonsense.
    """

    code = "TL303"
    VERSION_DEPENDENT = True
    name = "class-ids-with-binary-crossentropy"
    kind = "label-format-mismatch"
    summary = "class-id labels with binary crossentropy on several units"
    NEEDS = frozenset({'loss', 'labels', 'head.units'})
    INVALID = (
        """
        import keras
        from sklearn.preprocessing import LabelEncoder
        y = LabelEncoder().fit_transform(raw_labels)
        model = keras.Sequential([keras.layers.Dense(4, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y)
        """,
    )
    VALID = (
        """
        import keras
        from sklearn.preprocessing import LabelEncoder
        y = LabelEncoder().fit_transform(raw_labels)
        model = keras.Sequential([keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y)
        """,
    )

    def check(self, setup, context):
        loss, labels, head = setup.loss, setup.labels, setup.head
        if not (labels and loss and loss.name in knowledge.BINARY_LOSSES and labels.encoding == knowledge.IDS):
            return
        if head.units is None or head.units < 2:
            return
        if context.keras_version == "3" or head.activation in knowledge.PROBABILITY_ACTIVATIONS:
            effect = "the first step fails with a shape error"
        else:
            effect = "tf.keras silently broadcasts the id column against every unit and trains on nonsense"
        yield self.report(
            loss.where,
            f"{loss.name} compares each of the {head.units} units with a 0/1 target, but the labels are class ids "
            f"({labels.origin}): {effect}; use sparse_categorical_crossentropy with softmax, or multi-hot labels",
            labels_note(setup), head_note(setup),
        )


RULES = (OneHotLabelsWithSparseLoss, ClassIdsWithCategoricalLoss, ClassIdsWithBinaryCrossentropy)
