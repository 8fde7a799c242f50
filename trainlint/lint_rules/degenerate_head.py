"""``degenerate-head``: heads that cannot learn, whatever the data."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules import fixes
from trainlint.lint_rules.base import Rule, head_note


class SoftmaxOnSingleUnit(Rule):
    """
    ## What it does
    Checks for a softmax activation on an output of one unit.

    ## Why is this bad?
    Softmax normalises across the units of the last axis; over a single unit it returns exactly 1.0 for every
    input. Predictions are constant, ``'accuracy'`` is stuck at the share of positive labels, and with
    ``binary_crossentropy`` the loss still falls (Keras on TensorFlow trains on the cached logit), which hides
    the bug. Keras >= 3.1 warns only at the first ``fit``, never at build time.
    """

    FIX = ("unsafe", "Writes `activation='sigmoid'` for `activation='softmax'` on the one-unit layer when the loss "
                     "is binary crossentropy (a binary classifier); with another loss the head needs one unit per "
                     "class, a number the code does not settle, and no fix is offered.")
    code = "TL101"
    name = "softmax-on-single-unit"
    kind = "degenerate-head"
    summary = "softmax over one output unit always outputs 1.0"
    NEEDS = frozenset({'head.activation', 'head.units'})
    INVALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """,
        """
        from keras import layers, Sequential
        model = Sequential()
        model.add(layers.Dense(1))
        model.add(layers.Softmax())
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """,
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if head.activation == knowledge.SOFTMAX and head.units == 1:
            binary = setup.loss is not None and setup.loss.name in knowledge.BINARY_LOSSES
            fix = fixes.replace_string(head.activation_at, "softmax", "sigmoid", fixes.UNSAFE,
                                       "Use a sigmoid for the one-unit head") if binary else None
            yield self.report(
                head.activation_at,
                "softmax over 1 unit always outputs 1.0, so every prediction is the same; use "
                "Dense(1, activation='sigmoid') with binary_crossentropy, or one unit per class with softmax",
                (head.layer, "this layer has 1 unit"), fix=fix,
            )


class CategoricalCrossentropyOnSingleUnit(Rule):
    """
    ## What it does
    Checks for ``categorical_crossentropy`` (or categorical focal crossentropy) on an output of one unit.

    ## Why is this bad?
    Categorical crossentropy normalises the output over the last axis: with one unit the normalised
    prediction is always 1 and the loss is identically 0, so nothing is learned. This is the classic
    "categorical_crossentropy with a single sigmoid unit" bug: accuracy sits at the majority class.
    """

    code = "TL102"
    name = "categorical-crossentropy-on-single-unit"
    kind = "degenerate-head"
    summary = "categorical crossentropy over one output unit is identically 0"
    NEEDS = frozenset({'loss', 'head.units'})
    INVALID = (
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Dense
        n_outputs = 1
        model = Sequential()
        model.add(LSTM(256, input_shape=(5, 10)))
        model.add(Dense(16))
        model.add(Dense(n_outputs, activation="sigmoid"))
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
    )
    VALID = (
        """
        from keras.models import Sequential
        from keras.layers import LSTM, Dense
        n_outputs = 1
        model = Sequential()
        model.add(LSTM(256, input_shape=(5, 10)))
        model.add(Dense(16))
        model.add(Dense(n_outputs, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name in knowledge.CATEGORICAL_LOSSES and head.units == 1:
            yield self.report(
                loss.where,
                f"{loss.name} over 1 output unit is identically 0, so the model learns nothing; use "
                "binary_crossentropy with a sigmoid unit, or one unit per class with one-hot labels",
                (head.layer, "this layer has 1 unit"),
            )


class SparseCategoricalCrossentropyOnSingleUnit(Rule):
    """
    ## What it does
    Checks for ``sparse_categorical_crossentropy`` on an output of one unit.

    ## Why is this bad?
    Sparse categorical crossentropy needs one output unit per class: labels are indices into the output.
    With one unit only label 0 is in range, so any label >= 1 raises ``InvalidArgumentError`` on the CPU and
    silently turns the loss into NaN on a GPU.
    """

    code = "TL103"
    name = "sparse-categorical-crossentropy-on-single-unit"
    kind = "degenerate-head"
    summary = "sparse categorical crossentropy with one unit: every label >= 1 is out of range"
    NEEDS = frozenset({'loss', 'head.units'})
    INVALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        """,
    )
    VALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name in knowledge.SPARSE_LOSSES and head.units == 1:
            yield self.report(
                loss.where,
                "sparse_categorical_crossentropy needs one unit per class; with 1 unit every label >= 1 is out "
                "of range (an error on CPU, NaN loss on GPU); use Dense(num_classes, activation='softmax'), or "
                "a sigmoid unit with binary_crossentropy",
                head_note(setup),
            )


RULES = (SoftmaxOnSingleUnit, CategoricalCrossentropyOnSingleUnit, SparseCategoricalCrossentropyOnSingleUnit)
