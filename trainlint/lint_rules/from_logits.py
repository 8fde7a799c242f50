"""``from-logits-mismatch``: ``from_logits`` that disagrees with what the last layer outputs."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules import fixes
from trainlint.lint_rules.base import Rule, head_note


_MATCHING_ACTIVATION = {True: knowledge.SIGMOID, False: knowledge.SOFTMAX}
"""The activation a crossentropy family expects (binary: sigmoid; categorical and sparse: softmax)."""


class FromLogitsOnProbabilities(Rule):
    """
    ## What it does
    Checks for a crossentropy loss with ``from_logits=True`` on an output that already went through the
    activation the loss applies itself: sigmoid under binary crossentropy, softmax under categorical or
    sparse categorical crossentropy. (The crossed pairs are wrong with or without ``from_logits`` and are
    reported as ``binary-crossentropy-on-softmax`` / ``categorical-crossentropy-on-sigmoid``.)

    ## Why is this bad?
    ``from_logits=True`` tells the loss to apply the softmax / sigmoid itself. On JAX, or with
    ``tf.nn.softmax`` in eager mode, the activation is applied twice and the model is trained on squashed
    probabilities; on TensorFlow with Keras activations, Keras warns and quietly substitutes the cached
    logits, so the code only works by accident of the backend. ``tf.nn.softmax_cross_entropy_with_logits``,
    ``tf.nn.sparse_softmax_cross_entropy_with_logits`` and ``tf.nn.sigmoid_cross_entropy_with_logits``
    always take logits and never substitute anything: on a softmax or sigmoid output they train on a
    double activation, eager or in a ``tf.function``. The same holds wherever the loss meets the output:
    in ``compile`` or applied to ``model(x)`` in a custom training loop.
    """

    FIX = ("unsafe", "Drops `from_logits=True` from the loss, so that it reads the probabilities the model "
                     "outputs (the model's outputs and `predict()` stay probabilities).")
    code = "TL121"
    name = "from-logits-on-probabilities"
    kind = "from-logits-mismatch"
    summary = "from_logits=True after a softmax or sigmoid"
    NEEDS = frozenset({'loss', 'loss.from_logits', 'head.activation'})
    INVALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam",
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        """,
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])

        @tf.function
        def train_step(images, labels):
            with tf.GradientTape() as tape:
                probabilities = model(images, training=True)
                loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=probabilities)
            return tape.gradient(loss, model.trainable_variables)
        """,
    )
    VALID = (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam",
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        """,
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(10)])

        @tf.function
        def train_step(images, labels):
            with tf.GradientTape() as tape:
                logits = model(images, training=True)
                loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            return tape.gradient(loss, model.trainable_variables)
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name in knowledge.PROBABILITY_LOSSES and loss.from_logits is True \
                and head.activation == _MATCHING_ACTIVATION[loss.name in knowledge.BINARY_LOSSES]:
            # A softmax under a binary loss, or a sigmoid under a categorical one, is wrong with or without
            # from_logits: binary-crossentropy-on-softmax / categorical-crossentropy-on-sigmoid say so.
            if loss.form == "tf.nn":
                yield self.report(
                    loss.where,
                    f"this tf.nn loss applies {head.activation} to what it is given, but the output already went "
                    f"through {head.activation}: it trains on {head.activation} of probabilities (TensorFlow uses "
                    "no cached logits here); pass the logits of a linear last layer, or use the Keras loss "
                    "without from_logits",
                    head_note(setup),
                )
                return
            yield self.report(
                loss.where,
                f"from_logits=True, but the output already went through {head.activation}: the loss applies it "
                "a second time (JAX, tf.nn activations) or Keras swaps in the logits with a warning; drop "
                "from_logits=True, or make the last layer linear",
                head_note(setup),
                fix=fixes.drop_argument(loss.where, fixes.UNSAFE, "Drop from_logits=True"),
            )


class ProbabilityLossOnLogits(Rule):
    """
    ## What it does
    Checks for a crossentropy loss that reads probabilities (``from_logits=False``, the default and the only
    behaviour of the string form) on a linear output.

    ## Why is this bad?
    A layer without activation outputs logits: any real number. Binary crossentropy clips them into
    [0, 1] and categorical crossentropy renormalises them, so gradients vanish at the clip bounds and the
    loss can rise while the model "trains".
    """

    code = "TL122"
    name = "probability-loss-on-logits"
    kind = "from-logits-mismatch"
    summary = "crossentropy expecting probabilities on a linear (logits) output"
    NEEDS = frozenset({'loss', 'loss.from_logits', 'head.activation'})
    INVALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name in knowledge.PROBABILITY_LOSSES and loss.from_logits is False \
                and head.activation == knowledge.LINEAR:
            activation = "sigmoid" if loss.name in knowledge.BINARY_LOSSES else "softmax"
            class_name = {knowledge.BCE: "BinaryCrossentropy", knowledge.CCE: "CategoricalCrossentropy",
                          knowledge.SCCE: "SparseCategoricalCrossentropy"}.get(loss.name)
            fix = f"{class_name}(from_logits=True)" if class_name else "from_logits=True"
            yield self.report(
                loss.where,
                f"{loss.name} reads the output as probabilities, but the last layer is linear (logits): Keras "
                f"clips them and gradients vanish; use {fix}, or add activation='{activation}'",
                head_note(setup),
            )


class FromLogitsOnBoundedActivation(Rule):
    """
    ## What it does
    Checks for ``from_logits=True`` on a ``relu`` or ``tanh`` output.

    ## Why is this bad?
    Logits should range over all real numbers. ``relu`` logits are never negative (a binary probability
    never below 0.5); ``tanh`` logits stay in (-1, 1), which caps every probability well short of
    confident. The model cannot express what the loss asks for.
    """

    code = "TL123"
    name = "from-logits-on-bounded-activation"
    kind = "from-logits-mismatch"
    severity = "warning"
    summary = "from_logits=True on a relu or tanh output"
    NEEDS = frozenset({'loss', 'loss.from_logits', 'head.activation'})
    INVALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="relu")])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """,
    )
    VALID = (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """,
    )

    def check(self, setup, context):
        loss, head = setup.loss, setup.head
        if loss and loss.name in knowledge.PROBABILITY_LOSSES and loss.from_logits is True \
                and head.activation in (knowledge.RELU, knowledge.TANH):
            limit = "never negative" if head.activation == knowledge.RELU else "confined to (-1, 1)"
            yield self.report(
                head.activation_at,
                f"from_logits=True, but {head.activation} logits are {limit}, so the predicted probabilities "
                "cannot span (0, 1); use a linear last layer",
                (loss.where, "from_logits=True here"),
            )


RULES = (FromLogitsOnProbabilities, ProbabilityLossOnLogits, FromLogitsOnBoundedActivation)
