"""``metric-logits-mismatch``: threshold metrics that read a logits output as probabilities."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note, loss_note

_FIX = {
    knowledge.BINARY_ACCURACY: "keras.metrics.BinaryAccuracy(threshold=0.0)",
    knowledge.PRECISION: "keras.metrics.Precision(thresholds=0.0)",
    knowledge.RECALL: "keras.metrics.Recall(thresholds=0.0)",
    knowledge.AUC: "keras.metrics.AUC(from_logits=True)",
}


class ThresholdMetricOnLogits(Rule):
    """
    ## What it does
    Checks for ``binary_accuracy``, ``Precision``, ``Recall`` or ``AUC`` on a linear output trained with
    ``from_logits=True``, without ``threshold=0`` / ``from_logits=True`` on the metric.

    ## Why is this bad?
    These metrics threshold (or bucket) the output as a probability in [0, 1], at 0.5 by default. A logit's
    decision boundary is 0: every score between 0 and 0.5 is counted on the wrong side, and AUC puts all
    negative logits in its lowest bucket.
    """

    code = "TL221"
    name = "threshold-metric-on-logits"
    kind = "metric-logits-mismatch"
    summary = "threshold metric at 0.5 on a logits output"
    NEEDS = frozenset({'loss', 'loss.from_logits', 'head.activation', 'metrics'})
    INVALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tf.keras.metrics.Precision(), tf.keras.metrics.AUC()])
        """,
    )
    VALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tf.keras.metrics.Precision(thresholds=0.0), tf.keras.metrics.AUC(from_logits=True)])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if not loss or head.activation != knowledge.LINEAR:
            return
        if not (loss.name in knowledge.PROBABILITY_LOSSES and loss.from_logits is True):
            return
        for metric in setup.metrics:
            if metric.name == knowledge.AUC:
                wrong = metric.from_logits is False
            elif metric.name in knowledge.THRESHOLD_METRICS:
                wrong = metric.threshold == 0.5
            else:
                continue
            if wrong:
                yield self.report(
                    metric.where,
                    f"{metric.name} reads the output as a probability (threshold 0.5), but the model outputs "
                    f"logits whose threshold is 0; use {_FIX[metric.name]}",
                    head_note(setup), loss_note(setup),
                )


RULES = (ThresholdMetricOnLogits,)
