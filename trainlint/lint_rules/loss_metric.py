"""``loss-metric-mismatch``: a metric that expects another label format, or another task, than the loss."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note, loss_note


class SparseMetricWithCategoricalLoss(Rule):
    """
    ## What it does
    Checks for a sparse accuracy metric (``sparse_categorical_accuracy``, ``sparse_top_k_...``) beside a
    categorical crossentropy loss.

    ## Why is this bad?
    Categorical crossentropy trains on one-hot labels; a sparse metric expects class ids. The metric then
    compares one-hot rows with predicted ids and reports a meaningless number (one of the ways users end up
    with "accuracy decreasing every epoch" beside a NaN loss).
    """

    code = "TL211"
    name = "sparse-metric-with-categorical-loss"
    kind = "loss-metric-mismatch"
    summary = "sparse accuracy metric beside a categorical (one-hot) loss"
    NEEDS = frozenset({'loss', 'metrics'})
    INVALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(),
                      metrics=["sparse_categorical_accuracy"])
        """,
    )
    VALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(),
                      metrics=["sparse_categorical_accuracy"])
        """,
    )

    def check(self, setup, context):
        loss = setup.loss
        if not loss or loss.name not in knowledge.CATEGORICAL_LOSSES:
            return
        for metric in setup.metrics:
            if metric.name in knowledge.SPARSE_METRICS:
                dense = metric.name.replace("sparse_", "")
                yield self.report(
                    metric.where,
                    f"{metric.name} expects class ids, but {loss.name} trains on one-hot labels, so the metric "
                    f"compares one-hot rows with predicted ids and is meaningless; use '{dense}' (or 'accuracy')",
                    loss_note(setup),
                )


class CategoricalMetricWithSparseLoss(Rule):
    """
    ## What it does
    Checks for a one-hot accuracy metric (``categorical_accuracy``, ``top_k_categorical_accuracy``) beside
    ``sparse_categorical_crossentropy``.

    ## Why is this bad?
    Sparse categorical crossentropy trains on class ids; ``categorical_accuracy`` takes the argmax of the
    labels, which for a column of ids is always 0, so the metric does not measure the model.
    """

    code = "TL212"
    name = "categorical-metric-with-sparse-loss"
    kind = "loss-metric-mismatch"
    summary = "one-hot accuracy metric beside a sparse (class id) loss"
    NEEDS = frozenset({'loss', 'metrics'})
    INVALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"])
        """,
    )
    VALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        """,
    )

    def check(self, setup, context):
        loss = setup.loss
        if not loss or loss.name not in knowledge.SPARSE_LOSSES:
            return
        for metric in setup.metrics:
            if metric.name in knowledge.ONE_HOT_METRICS:
                yield self.report(
                    metric.where,
                    f"{metric.name} expects one-hot labels, but {loss.name} trains on class ids, so the metric "
                    f"does not measure the model; use 'sparse_{metric.name}' (or 'accuracy')",
                    loss_note(setup),
                )


class CategoricalAccuracyOnMultiLabel(Rule):
    """
    ## What it does
    Checks for ``categorical_accuracy`` / ``top_k_categorical_accuracy`` on a multi-label model: a sigmoid
    head trained with binary crossentropy, of several units or of a width not visible (over one unit the
    metric is always 1.0), unless the labels passed to ``fit`` are visibly single-label.

    ## Why is this bad?
    Categorical accuracy only asks whether the highest score is a positive label. With several positive
    labels per sample it ignores all the others and does not measure the model.
    """

    code = "TL213"
    name = "categorical-accuracy-on-multi-label"
    kind = "loss-metric-mismatch"
    summary = "categorical accuracy on a multi-label sigmoid head"
    NEEDS = frozenset({'loss', 'head.activation', 'metrics'})
    INVALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(20, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["categorical_accuracy"])
        """,
    )
    VALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(20, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if not loss or loss.name not in knowledge.BINARY_LOSSES or head.activation != knowledge.SIGMOID:
            return
        if head.units == 1 or (setup.labels is not None and setup.labels.multi_label is not True):
            return
        # Unseen width: one unit makes categorical accuracy always 1.0 (the argmax of one column is 0), several
        # make it check only the top score; either way it does not measure the model.
        outputs = (f"the {head.units} sigmoid outputs" if head.units is not None
                   else "the sigmoid outputs (for any number of units; over one it is always 1.0)")
        for metric in setup.metrics:
            if metric.name in knowledge.ONE_HOT_METRICS:
                yield self.report(
                    metric.where,
                    f"{metric.name} only checks the top score of {outputs}, which is "
                    "meaningless for multi-label targets; use 'binary_accuracy'",
                    head_note(setup), loss_note(setup),
                )


class AccuracyWithRegressionLoss(Rule):
    """
    ## What it does
    Checks for ``metrics=['accuracy']`` on a regression model: a regression loss (``mse``, ``mae``,
    ``huber`` ...) with visibly continuous targets (a regression dataset, ``np.random.rand``), or on a
    linear or relu output when the targets are not visible. Targets that are visibly 0/1 or class ids
    silence it: there ``'accuracy'`` is binary or class accuracy and measures the task.

    ## Why is this bad?
    Keras resolves ``'accuracy'`` from shapes to a classification accuracy; on continuous targets it
    counts exact matches (or thresholds at 0.5) and reports a number that has nothing to do with the fit.
    """

    code = "TL214"
    name = "accuracy-with-regression-loss"
    kind = "loss-metric-mismatch"
    severity = "warning"
    summary = "'accuracy' on a regression model"
    NEEDS = frozenset({'loss', 'metrics'})
    """With the targets unseen it reads the head (linear or relu); visibly continuous targets need no head."""
    INVALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
        """,
        """
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.boston_housing.load_data()
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=20)
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        """,
        """
        import numpy as np
        from tensorflow import keras
        y = np.random.randint(0, 2, size=1000)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
        model.fit(x, y)
        """,
    )

    def check(self, setup, context):
        loss, head, labels = setup.loss, setup.head, setup.labels
        if not loss or loss.name not in knowledge.REGRESSION_LOSSES:
            return
        continuous = labels is not None and labels.encoding == knowledge.CONTINUOUS
        if not continuous and (head.activation not in (knowledge.LINEAR, knowledge.RELU) or labels is not None):
            # Visible 0/1 labels or class ids make this a classifier trained with a regression loss, where
            # 'accuracy' does measure the task; only unseen or visibly continuous targets make it a regression.
            return
        related = [loss_note(setup)]
        if continuous:
            related.append((labels.where, f"the targets are continuous here ({labels.origin})"))
        for metric in setup.metrics:
            if metric.name == knowledge.ACCURACY_AUTO:
                yield self.report(
                    metric.where,
                    f"'accuracy' is a classification metric and means nothing for a regression trained with "
                    f"{loss.name}; use 'mae' or keras.metrics.RootMeanSquaredError()",
                    *related,
                )


class ExactAccuracyOnProbabilities(Rule):
    """
    ## What it does
    Checks for a ``keras.metrics.Accuracy()`` object on a softmax or sigmoid output.

    ## Why is this bad?
    Unlike the string ``'accuracy'``, the ``Accuracy`` class checks exact equality between labels and
    outputs. Probabilities are almost never exactly 0 or 1, so it reports 0.0 (or a shape error with
    integer labels).
    """

    code = "TL215"
    name = "exact-accuracy-on-probabilities"
    kind = "loss-metric-mismatch"
    summary = "keras.metrics.Accuracy() compares probabilities for exact equality"
    NEEDS = frozenset({'head.activation', 'metrics'})
    INVALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[keras.metrics.Accuracy()])
        """,
    )
    VALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy",
                      metrics=[keras.metrics.CategoricalAccuracy()])
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if head.activation not in knowledge.PROBABILITY_ACTIVATIONS:
            return
        for metric in setup.metrics:
            if metric.name == knowledge.EXACT_ACCURACY:
                yield self.report(
                    metric.where,
                    "keras.metrics.Accuracy() checks exact equality of labels and outputs, so on "
                    f"{head.activation} probabilities it reports 0.0; use 'accuracy' or the matching "
                    "BinaryAccuracy / CategoricalAccuracy / SparseCategoricalAccuracy",
                    head_note(setup),
                )


RULES = (SparseMetricWithCategoricalLoss, CategoricalMetricWithSparseLoss, CategoricalAccuracyOnMultiLabel,
         AccuracyWithRegressionLoss, ExactAccuracyOnProbabilities)
