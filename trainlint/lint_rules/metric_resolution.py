"""``metric-resolution``: ``metrics=['accuracy']`` that Keras resolves to a metric that does not measure the task.

Keras picks the accuracy behind ``'accuracy'`` / ``'acc'`` itself: from the shapes of labels and outputs in
Keras 3 and tf.keras >= 2.2, from the loss in Keras <= 2.3 (keras-semantics.md §1.1).
"""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules import fixes
from trainlint.lint_rules.base import Rule, head_note, loss_note


def _accuracy_metrics(setup):
    return [m for m in setup.metrics if m.name == knowledge.ACCURACY_AUTO]


def _explicit_accuracy(metric, setup, name: str):
    """'accuracy' written in the compile call replaced by the metric the task needs (safe: it is what the
    author meant by 'accuracy')."""
    if metric.form != "string" or not fixes.written_in(metric.where, setup.compile_at):
        return None
    return fixes.replace_string(metric.where, ("accuracy", "acc"), name, fixes.SAFE, f"Use '{name}'")


class AccuracyOnMultiLabel(Rule):
    """
    ## What it does
    Checks for ``metrics=['accuracy']`` on a multi-label model: a sigmoid head trained with binary
    crossentropy whose labels are multi-hot (``MultiLabelBinarizer``, ``output_mode='multi_hot'``), or, where
    the labels are not visible, whose head has several units. Visibly single-label labels (one-hot, class
    ids) silence it: ``CategoricalAccuracy`` is then the right metric, and the loss is what is wrong.

    ## Why is this bad?
    Keras 3 and tf.keras >= 2.2 resolve ``'accuracy'`` from shapes only: for an output of several units it
    becomes ``CategoricalAccuracy``, which checks whether the single highest score is one of the labels.
    For multi-label targets that number means nothing. (Keras <= 2.3 picked ``binary_accuracy`` from the
    loss instead, so code that was right there is wrong after an upgrade.)
    """

    FIX = ("safe", "Writes `'binary_accuracy'` for an `'accuracy'` string in the `compile` call.")
    code = "TL201"
    VERSION_DEPENDENT = True
    name = "accuracy-on-multi-label"
    kind = "metric-resolution"
    summary = "'accuracy' on a multi-label sigmoid head resolves to categorical accuracy"
    NEEDS = frozenset({'loss', 'head.activation', 'metrics'})
    INVALID = (
        """
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(512, activation="relu", input_dim=4096))
        model.add(Dense(416, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
        """
        from sklearn.preprocessing import MultiLabelBinarizer
        from tensorflow import keras
        y = MultiLabelBinarizer().fit_transform(tags)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(20, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(x, y)
        """,
    )
    VALID = (
        """
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(512, activation="relu", input_dim=4096))
        model.add(Dense(416, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["binary_accuracy"])
        """,
    )

    def check(self, setup, context):
        loss, head, labels = setup.loss, setup.head, setup.labels
        if context.keras_version == "legacy" or not loss or loss.name not in knowledge.BINARY_LOSSES:
            return
        if head.activation != knowledge.SIGMOID or head.units == 1:
            return
        # The task must show it is multi-label: multi-hot labels, or (labels unseen) a sigmoid head of several
        # units under binary crossentropy. Visibly single-label labels make CategoricalAccuracy the right metric.
        if labels is not None and labels.multi_label is not True:
            return
        if labels is None and head.units is None:
            return  # one sigmoid unit would make 'accuracy' BinaryAccuracy, which is right: the verdict needs it
        resolved = knowledge.RESOLVED_ACCURACY_NAME[context.keras_version][knowledge.CATEGORICAL_ACCURACY]
        described = (f"a {head.units}-unit sigmoid head" if head.units is not None
                     else "a sigmoid head (for any number of units)")
        for metric in _accuracy_metrics(setup):
            yield self.report(
                metric.where,
                f"'accuracy' on {described} becomes {resolved} (is the top score a label?), "
                "which is meaningless for multi-label targets; use metrics=['binary_accuracy']",
                head_note(setup), loss_note(setup), fix=_explicit_accuracy(metric, setup, "binary_accuracy"),
            )


class AccuracyInflatedByBinaryCrossentropy(Rule):
    """
    ## What it does
    Under ``keras-version = "legacy"`` (standalone Keras <= 2.3, tf.keras <= 2.1, TF1 graph mode), checks for
    ``metrics=['accuracy']`` with binary crossentropy on a softmax head, whatever its width (one unit is
    reported as ``softmax-on-single-unit``).

    ## Why is this bad?
    Old Keras chose the accuracy from the loss: with binary crossentropy it reports ``binary_accuracy``,
    which scores every unit separately. On a 10-class one-hot problem a model that predicts nothing reads
    about 90% "accuracy".
    """

    FIX = ("safe", "Writes `'categorical_accuracy'` for an `'accuracy'` string in the `compile` call (the loss "
                   "is left to its own finding).")
    code = "TL202"
    VERSION_DEPENDENT = True
    name = "accuracy-inflated-by-binary-crossentropy"
    kind = "metric-resolution"
    summary = "legacy Keras: 'accuracy' with binary crossentropy is binary_accuracy"
    NEEDS = frozenset({'loss', 'head.activation', 'metrics'})
    EXAMPLE_KERAS_VERSION = "legacy"
    INVALID = (
        """
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential([Dense(10, activation="softmax", input_dim=100)])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
    )
    VALID = (
        """
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential([Dense(10, activation="softmax", input_dim=100)])
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if context.keras_version != "legacy" or not loss or loss.name not in knowledge.BINARY_LOSSES:
            return
        if head.activation != knowledge.SOFTMAX or head.units == 1:
            return  # one softmax unit is the degenerate head; any other width, known or not, is this
        units = "softmax units" if head.units is None else f"{head.units} softmax units"
        any_width = " (for any number of units)" if head.units is None else ""
        for metric in _accuracy_metrics(setup):
            yield self.report(
                metric.where,
                f"with {loss.name}, this Keras resolves 'accuracy' to binary_accuracy whatever the width, which "
                f"scores each of the {units} separately and looks high on a useless model{any_width}; use "
                "categorical_crossentropy, or metrics=['categorical_accuracy']",
                loss_note(setup), head_note(setup), fix=_explicit_accuracy(metric, setup, "categorical_accuracy"),
            )


class AccuracyOnLogits(Rule):
    """
    ## What it does
    Checks for ``metrics=['accuracy']`` on a one-unit output that is a score, not a probability: a
    linear / tanh / relu unit trained with ``from_logits=True`` or with a hinge loss.

    ## Why is this bad?
    For one output unit ``'accuracy'`` becomes ``BinaryAccuracy`` with a threshold of 0.5. The decision
    boundary of a logit or a hinge score is 0, so every score in (0, 0.5] is counted as the wrong class, and
    with -1/+1 hinge labels a negative can never be counted as correct.
    """

    code = "TL203"
    VERSION_DEPENDENT = True
    name = "accuracy-on-logits"
    kind = "metric-resolution"
    summary = "'accuracy' thresholds a logit / hinge score at 0.5"
    NEEDS = frozenset({'loss', 'loss.from_logits', 'head.activation', 'head.units', 'metrics'})
    INVALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        """,
    )
    VALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.0)])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if not loss or head.units != 1 or head.activation in knowledge.PROBABILITY_ACTIVATIONS:
            return
        if head.activation is None or head.activation not in knowledge.KNOWN_ACTIVATIONS:
            return
        scores = (loss.name in knowledge.BINARY_LOSSES and loss.from_logits is True) or (
            loss.name in knowledge.HINGE_LOSSES)
        if not scores:
            return
        resolved = knowledge.RESOLVED_ACCURACY_NAME[context.keras_version][knowledge.BINARY_ACCURACY]
        for metric in _accuracy_metrics(setup):
            yield self.report(
                metric.where,
                f"'accuracy' becomes {resolved} with threshold 0.5, but this {head.activation} unit outputs "
                "scores whose decision threshold is 0; use keras.metrics.BinaryAccuracy(threshold=0.0)",
                head_note(setup), loss_note(setup),
            )


class MetricsNotAList(Rule):
    """
    ## What it does
    Checks for ``metrics='accuracy'`` (a bare string) under Keras 3.

    ## Why is this bad?
    Keras 3 requires a list, tuple or dict and raises ``ValueError: Expected `metrics` argument to be a
    list, tuple, or dict`` at ``compile``; tf.keras accepted the string, so the line breaks on upgrade.
    """

    FIX = ("safe", "Wraps the bare string in a list (`metrics=['accuracy']`).")
    code = "TL204"
    VERSION_DEPENDENT = True
    name = "metrics-not-a-list"
    kind = "metric-resolution"
    summary = "metrics given as a bare string (Keras 3 raises)"
    NEEDS = frozenset({'metrics'})
    INVALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics="accuracy")
        """,
    )
    VALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        """,
    )

    def check(self, setup, context):
        if context.keras_version == "3" and setup.metrics_written_as_string is not None:
            yield self.report(
                setup.metrics_written_as_string,
                "metrics is a bare string, and Keras 3 raises 'Expected `metrics` argument to be a list, "
                "tuple, or dict' at compile; write metrics=['accuracy']",
                fix=fixes.wrap_in_list(setup.metrics_written_as_string, fixes.SAFE, "Wrap the metric in a list")
                if fixes.written_in(setup.metrics_written_as_string, setup.compile_at) else None,
            )


RULES = (AccuracyOnMultiLabel, AccuracyInflatedByBinaryCrossentropy, AccuracyOnLogits, MetricsNotAList)
