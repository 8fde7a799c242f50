"""``loss-activation-mismatch``: a loss that reads the output as something the final activation does not make."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules import fixes
from trainlint.lint_rules.base import Rule, head_note, loss_note, units_phrase

# The categorical loss that a label encoding calls for (a softmax head's single-label classes).
_CATEGORICAL_LOSS_FOR_LABELS = {knowledge.ONE_HOT: "categorical_crossentropy", knowledge.IDS: "sparse_categorical_crossentropy"}


class BinaryCrossentropyOnSoftmax(Rule):
    """
    ## What it does
    Checks for ``binary_crossentropy`` on a softmax output, whatever its width (one unit is reported as
    ``softmax-on-single-unit`` instead), and whatever ``from_logits`` says.

    ## Why is this bad?
    Binary crossentropy scores each unit as an independent yes/no probability; softmax makes the units
    compete. On TensorFlow, Keras silently computes the loss as a per-unit sigmoid loss on the pre-softmax
    logits, so the objective is not the one the model's probabilities express (and under Keras <= 2.3 the
    ``'accuracy'`` it reports is inflated ``binary_accuracy``). Over one unit the softmax is constant 1.0.
    The verdict therefore holds for any width: ``Dense(y.shape[1], activation='softmax')`` is judged too.
    """

    FIX = ("unsafe", "Writes the categorical loss the labels passed to `fit` call for (`categorical_crossentropy` "
                     "for one-hot labels, `sparse_categorical_crossentropy` for class ids) for a loss string in "
                     "the `compile` call; when the labels are not visible (or multi-hot) no fix is offered.")
    code = "TL111"
    name = "binary-crossentropy-on-softmax"
    kind = "loss-activation-mismatch"
    summary = "binary crossentropy on a softmax head"
    NEEDS = frozenset({"loss", "head.activation"})
    INVALID = (
        """
        from tensorflow.keras import layers, models
        model = models.Sequential([layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """,
    )
    VALID = (
        """
        from tensorflow.keras import layers, models
        model = models.Sequential([layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        # One unit is the degenerate head (TL101); any other width, known or not, is this mismatch.
        if (loss and loss.name in knowledge.BINARY_LOSSES and head.activation == knowledge.SOFTMAX
                and head.units != 1):
            labels = setup.labels
            wanted = _CATEGORICAL_LOSS_FOR_LABELS.get(labels.encoding) if labels is not None else None
            if wanted is not None and labels.encoding == knowledge.IDS and labels.first_id not in (None, 0):
                wanted = None  # ids from 1 need re-indexing first (label-range), not only a loss
            fix = None
            if wanted is not None and loss.form == "string" and fixes.written_in(loss.where, setup.compile_at):
                fix = fixes.replace_string(loss.where, ("binary_crossentropy", "bce"), wanted, fixes.UNSAFE,
                                           f"Use {wanted} ({labels.origin})")
            why_not = "" if wanted is not None or labels is not None else (
                " (not fixed automatically: the labels passed to fit do not show which)")
            yield self.report(
                loss.where,
                f"{loss.name} on {units_phrase(head.units, 'softmax')} trains a per-unit sigmoid loss on the "
                "pre-softmax logits, not the probabilities the model outputs; use categorical_crossentropy "
                "(one-hot labels) or sparse_categorical_crossentropy (class ids), or a sigmoid head for "
                f"multi-label targets{why_not}",
                head_note(setup), fix=fix,
            )


class CategoricalCrossentropyOnSigmoid(Rule):
    """
    ## What it does
    Checks for categorical or sparse categorical crossentropy on a sigmoid output, whatever its width (one
    unit is reported as a degenerate head instead) and whatever ``from_logits`` says.

    ## Why is this bad?
    Categorical crossentropy expects a probability distribution over classes. Independent sigmoid outputs do
    not sum to 1: Keras renormalises them (or, on TensorFlow, trains a softmax loss on the hidden logits
    while ``predict`` still returns sigmoid scores). For multi-label targets the objective is simply wrong:
    this is the 416-category multi-label model whose loss "gets stuck". ``from_logits=True`` does not help:
    it takes a softmax of the sigmoid outputs. Over one unit the loss is 0 (or every label >= 1 is out of
    range), so the verdict holds for any width: ``Dense(len(class_index), activation='sigmoid')`` is judged.
    """

    code = "TL112"
    name = "categorical-crossentropy-on-sigmoid"
    kind = "loss-activation-mismatch"
    summary = "categorical crossentropy on a sigmoid head"
    NEEDS = frozenset({"loss", "head.activation"})
    INVALID = (
        """
        import keras
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(2048, activation="relu", input_dim=4096))
        model.add(Dense(512, activation="relu"))
        model.add(Dense(416, activation="sigmoid"))
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(), metrics=["accuracy"])
        """,
    )
    VALID = (
        """
        import keras
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(2048, activation="relu", input_dim=4096))
        model.add(Dense(512, activation="relu"))
        model.add(Dense(416, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(), metrics=["binary_accuracy"])
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        # One unit is the degenerate head (TL102 / TL103); any other width, known or not, is this mismatch.
        if (loss and loss.name in knowledge.CATEGORICAL_LOSSES | knowledge.SPARSE_LOSSES
                and head.activation == knowledge.SIGMOID and head.units != 1):
            outputs = "sigmoid outputs" if head.units is None else f"{head.units} sigmoid outputs"
            any_width = " (for any number of units)" if head.units is None else ""
            logits = (", and from_logits=True takes a softmax of the sigmoids" if loss.from_logits is True
                      else "")
            yield self.report(
                loss.where,
                f"{loss.name} expects a softmax distribution, but {outputs} do not sum to 1{any_width}{logits}; "
                "use softmax for single-label classes, or binary_crossentropy for multi-label targets",
                head_note(setup),
            )


class ProbabilityLossOnUnboundedActivation(Rule):
    """
    ## What it does
    Checks for a crossentropy loss (reading probabilities) after a final activation that does not produce
    probabilities, such as ``relu`` or ``tanh``.

    ## Why is this bad?
    Binary crossentropy clips the output into [0, 1] and categorical crossentropy renormalises it: with
    ``relu`` a row of zeros turns the loss into NaN, values clipped at the bounds get no gradient, and
    ``tanh`` outputs below 0 are not probabilities at all. The model trains badly or not at all.
    """

    code = "TL113"
    name = "probability-loss-on-unbounded-activation"
    kind = "loss-activation-mismatch"
    summary = "crossentropy on a relu / tanh / other non-probability output"
    NEEDS = frozenset({"loss", "loss.from_logits", "head.activation"})
    INVALID = (
        """
        from keras import layers, models
        model = models.Sequential([layers.Dense(32, activation="relu"), layers.Dense(4, activation="relu")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    )
    VALID = (
        """
        from keras import layers, models
        model = models.Sequential([layers.Dense(32, activation="relu"), layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if (loss and loss.name in knowledge.PROBABILITY_LOSSES and loss.from_logits is False
                and head.activation in knowledge.NON_PROBABILITY_ACTIVATIONS
                and head.activation != knowledge.LINEAR):
            final = "sigmoid" if loss.name in knowledge.BINARY_LOSSES else "softmax"
            yield self.report(
                head.activation_at,
                f"{loss.name} reads the output as probabilities, but the final activation is {head.activation}: "
                "Keras clips or renormalises it, so gradients vanish or turn NaN; end with "
                f"activation='{final}', or a linear output with from_logits=True",
                loss_note(setup),
            )


class HingeOnProbabilities(Rule):
    """
    ## What it does
    Checks for a hinge loss (``hinge``, ``squared_hinge``, ``categorical_hinge``) on a sigmoid, softmax or
    relu output.

    ## Why is this bad?
    Hinge losses push unbounded scores past a margin of 1 around 0 (labels -1/+1; Keras converts 0/1).
    Outputs confined to [0, 1] or to non-negative values can never reach the margin on the negative side, so
    the loss cannot be minimised as intended.
    """

    code = "TL114"
    name = "hinge-on-probabilities"
    kind = "loss-activation-mismatch"
    severity = "warning"
    summary = "hinge loss on a bounded (sigmoid / softmax / relu) output"
    NEEDS = frozenset({"loss", "head.activation"})
    INVALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="hinge")
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="tanh")])
        model.compile(optimizer="sgd", loss="hinge")
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name in knowledge.HINGE_LOSSES and head.activation in (
                knowledge.SIGMOID, knowledge.SOFTMAX, knowledge.RELU):
            yield self.report(
                loss.where,
                f"{loss.name} expects unbounded scores around 0 (labels -1/+1), but a {head.activation} output "
                "cannot reach the margin; use a linear or tanh output for hinge losses, or a crossentropy loss",
                head_note(setup),
            )


class MeanSquaredErrorOnSoftmax(Rule):
    """
    ## What it does
    Checks for a squared-error loss on a softmax classifier, whatever its width (one unit is reported as
    ``softmax-on-single-unit``).

    ## Why is this bad?
    Mean squared error on class probabilities has tiny gradients when the model is confidently wrong, so a
    classifier learns slowly or stalls. Crossentropy is the loss that matches a softmax output.
    """

    code = "TL115"
    name = "mean-squared-error-on-softmax"
    kind = "loss-activation-mismatch"
    severity = "warning"
    summary = "mean squared error on a softmax classifier"
    NEEDS = frozenset({"loss", "head.activation"})
    INVALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="mse")
        """,
    )
    VALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name == knowledge.MSE and head.activation == knowledge.SOFTMAX and head.units != 1:
            any_width = " (for any number of units)" if head.units is None else ""
            yield self.report(
                loss.where,
                f"mean squared error on softmax probabilities learns slowly when the model is confidently wrong"
                f"{any_width}; "
                "use categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy (class ids)",
                head_note(setup),
            )


class DoubleSoftmax(Rule):
    """
    ## What it does
    Checks for a softmax applied to an output that already went through a softmax.

    ## Why is this bad?
    The second softmax squeezes probabilities in [0, 1] towards a uniform distribution (its largest output
    is at most e / (e + K - 1)), so the model can never be confident and gradients shrink.
    """

    code = "TL116"
    name = "double-softmax"
    kind = "loss-activation-mismatch"
    summary = "softmax applied twice"
    NEEDS = frozenset({"head.activation"})
    INVALID = (
        """
        from tensorflow.keras import layers, Model, Input
        inputs = Input(shape=(20,))
        x = layers.Dense(5, activation="softmax")(inputs)
        outputs = layers.Activation("softmax")(x)
        model = Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    )
    VALID = (
        """
        from tensorflow.keras import layers, Model, Input
        inputs = Input(shape=(20,))
        x = layers.Dense(5)(inputs)
        outputs = layers.Activation("softmax")(x)
        model = Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if any(a == b == knowledge.SOFTMAX for a, b in zip(head.activations, head.activations[1:])):
            yield self.report(
                head.activation_at,
                "softmax is applied to an output that is already a softmax, which flattens it towards uniform; "
                "drop one of the two",
                (head.layer, "the first softmax is on this layer"),
            )


RULES = (BinaryCrossentropyOnSoftmax, CategoricalCrossentropyOnSigmoid, ProbabilityLossOnUnboundedActivation,
         HingeOnProbabilities, MeanSquaredErrorOnSoftmax, DoubleSoftmax)
