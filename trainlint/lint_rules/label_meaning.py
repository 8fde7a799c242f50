"""What the labels mean (one class per sample, or several) against the head and loss that read them.

Labels say single-label or multi-label: ``to_categorical`` and class ids are one class per sample;
``MultiLabelBinarizer`` and multi-hot rows are several. A head and loss built for the other kind train, but on
the wrong objective (keras-semantics.md §0.2: Keras on TensorFlow swaps in the cached logits, so the loss
falls while the outputs mean something else).
"""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note, loss_note
from trainlint.lint_rules.label_format import labels_note


def _outputs(units: int | None, activation: str) -> str:
    return f"a {units}-unit {activation}" if units is not None else f"a {activation} head (for any number of units)"


class SingleLabelTargetsOnSigmoidHead(Rule):
    """
    ## What it does
    Checks for one-hot labels (``to_categorical``, ``tf.one_hot``, ``class_mode='categorical'``: one class
    per sample) fed to a sigmoid head of several units trained with binary crossentropy.

    ## Why is this bad?
    Sigmoid + binary crossentropy treats every class as an independent yes/no question, so nothing makes the
    scores of one sample compete and sum to 1: ``predict`` returns scores that do not rank the classes as
    one choice, and the loss rewards predicting "no" everywhere. With one class per sample the head is a
    softmax trained with categorical crossentropy. Under Keras <= 2.3 ``'accuracy'`` beside binary
    crossentropy is ``binary_accuracy``, inflated by the many correct zeros of every row.
    """

    code = "TL117"
    name = "single-label-targets-on-sigmoid-head"
    kind = "loss-activation-mismatch"
    summary = "one-hot (one class per sample) labels on a sigmoid + binary crossentropy head"
    NEEDS = frozenset({"loss", "head.activation", "labels"})
    INVALID = (
        """
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
        y_train = keras.utils.to_categorical(y_train, 10)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train)
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
        y_train = keras.utils.to_categorical(y_train, 10)
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train)
        """,
    )

    def check(self, setup, context):
        loss, head, labels = setup.loss, setup.head, setup.labels
        if not (labels and loss and loss.name in knowledge.BINARY_LOSSES and head.activation == knowledge.SIGMOID):
            return
        if labels.encoding != knowledge.ONE_HOT or head.units == 1:
            return  # one unit against one-hot rows is a label-format problem (TL304)
        inflated = ""
        if context.keras_version == "legacy" and any(m.name == knowledge.ACCURACY_AUTO for m in setup.metrics):
            inflated = "; and this Keras reports 'accuracy' as binary_accuracy, inflated by the correct zeros"
        yield self.report(
            loss.where,
            f"the labels are one class per sample ({labels.origin}), but {_outputs(head.units, 'sigmoid')} with "
            f"{loss.name} scores each class as an independent yes/no, so the scores do not compete{inflated}; "
            "use activation='softmax' with categorical_crossentropy",
            labels_note(setup), head_note(setup),
        )


class MultiLabelTargetsOnSoftmaxHead(Rule):
    """
    ## What it does
    Checks for multi-hot labels (``MultiLabelBinarizer``, ``output_mode='multi_hot'``: several classes per
    sample) fed to a softmax head trained with categorical crossentropy.

    ## Why is this bad?
    A softmax makes the classes compete for one unit of probability: with two true labels the best it can do
    is 0.5 each, and categorical crossentropy on a multi-hot row rewards exactly that. The model cannot say
    "both", and thresholding its scores at 0.5 finds almost nothing. Multi-label targets need one sigmoid per
    class and binary crossentropy.
    """

    code = "TL118"
    name = "multi-label-targets-on-softmax-head"
    kind = "loss-activation-mismatch"
    summary = "multi-hot (several classes per sample) labels on a softmax + categorical crossentropy head"
    NEEDS = frozenset({"loss", "head.activation", "labels"})
    INVALID = (
        """
        from sklearn.preprocessing import MultiLabelBinarizer
        from tensorflow import keras
        y = MultiLabelBinarizer().fit_transform(genres)
        model = keras.Sequential([keras.layers.Dense(128, activation="relu"), keras.layers.Dense(20, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x, y)
        """,
    )
    VALID = (
        """
        from sklearn.preprocessing import MultiLabelBinarizer
        from tensorflow import keras
        y = MultiLabelBinarizer().fit_transform(genres)
        model = keras.Sequential([keras.layers.Dense(128, activation="relu"), keras.layers.Dense(20, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
        model.fit(x, y)
        """,
    )

    def check(self, setup, context):
        loss, head, labels = setup.loss, setup.head, setup.labels
        if not (labels and loss and loss.name in knowledge.CATEGORICAL_LOSSES and labels.multi_label is True):
            return
        if head.activation != knowledge.SOFTMAX or head.units == 1:
            return
        yield self.report(
            loss.where,
            f"the labels are multi-hot, several classes per sample ({labels.origin}), but "
            f"{_outputs(head.units, 'softmax')} with {loss.name} makes the classes share one probability, so two "
            "true labels can score at most 0.5 each; use activation='sigmoid' with binary_crossentropy",
            labels_note(setup), head_note(setup),
        )


class OneHotLabelsOnSingleUnit(Rule):
    """
    ## What it does
    Checks for one-hot labels of two columns (``to_categorical`` of 0/1 labels, ``pd.get_dummies``) fed to a
    one-unit head trained with binary crossentropy.

    ## Why is this bad?
    A one-unit sigmoid already encodes both classes; its target is one 0/1 column. Two one-hot columns
    against one output fail at the first step (verified: Keras 3.15 "Arguments `target` and `output` must
    have the same shape"; tf-keras 2.21 "`logits` and `labels` must have the same shape"). The head is not
    missing a unit: the labels are in the wrong format.
    """

    code = "TL304"
    name = "one-hot-labels-on-single-unit"
    kind = "label-format-mismatch"
    summary = "two-column one-hot labels on a one-unit binary head"
    NEEDS = frozenset({"loss", "labels", "head.units"})
    INVALID = (
        """
        import numpy as np
        from tensorflow import keras
        y = keras.utils.to_categorical(np.load("is_spam.npy"), 2)
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y)
        """,
    )
    VALID = (
        """
        import numpy as np
        from tensorflow import keras
        y = np.load("is_spam.npy")
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y)
        """,
    )

    def check(self, setup, context):
        loss, head, labels = setup.loss, setup.head, setup.labels
        if not (labels and loss and loss.name in knowledge.BINARY_LOSSES and head.units == 1):
            return
        if labels.encoding != knowledge.ONE_HOT or labels.num_classes not in (None, 2):
            return  # more than two classes on one unit is a missing-units problem (TL321)
        yield self.report(
            labels.where,
            f"the labels are two one-hot columns ({labels.origin}), but the head is one unit, whose target is a "
            f"single 0/1 column: {loss.name} fails at the first step with a shape error; pass the 0/1 labels "
            "without to_categorical (or y[:, 1]), or use Dense(2, activation='softmax') with "
            "categorical_crossentropy",
            head_note(setup), loss_note(setup),
        )


class ClassIdsPastBinaryHead(Rule):
    """
    ## What it does
    Checks for class ids beyond 0 and 1 (``np.random.randint(0, 3)``, ``flow_from_directory(class_mode=
    'binary')`` over three class folders) fed to a one-unit head trained with binary crossentropy.

    ## Why is this bad?
    Binary crossentropy reads the target as the probability of the positive class. A label of 2 is no
    probability: nothing raises, the loss stays finite, and the model learns to push the second and third
    classes towards the same output. ``flow_from_directory`` with ``class_mode='binary'`` does not check
    the number of folders: over three it yields 0.0, 1.0 and 2.0 (verified with Keras 3.15; Keras 3.15 and
    tf-keras 2.21 both train on such labels without an error or a NaN).
    """

    code = "TL312"
    name = "class-ids-past-binary-head"
    kind = "label-range"
    summary = "class ids beyond 0/1 on a one-unit binary crossentropy head"
    NEEDS = frozenset({"loss", "labels", "labels.num_classes", "head.units"})
    INVALID = (
        """
        from tensorflow import keras
        from tensorflow.keras.preprocessing.image import ImageDataGenerator
        train = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
            "data/train", class_mode="binary", classes=["cats", "dogs", "birds"])
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(train, epochs=10)
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        from tensorflow.keras.preprocessing.image import ImageDataGenerator
        train = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
            "data/train", class_mode="sparse", classes=["cats", "dogs", "birds"])
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(train, epochs=10)
        """,
    )

    def check(self, setup, context):
        loss, head, labels = setup.loss, setup.head, setup.labels
        if not (labels and loss and loss.name in knowledge.BINARY_LOSSES and head.units == 1):
            return
        last = labels.last_id
        if labels.encoding != knowledge.IDS or last is None or last < 2:
            return
        yield self.report(
            labels.where,
            f"the labels are class ids {labels.first_id} to {last} ({labels.origin}), but {loss.name} on one unit "
            f"reads a target as a probability of 0 to 1: labels above 1 train nonsense without an error; use "
            f"Dense({labels.num_classes}, activation='softmax') with sparse_categorical_crossentropy",
            head_note(setup), loss_note(setup),
        )


RULES = (SingleLabelTargetsOnSigmoidHead, MultiLabelTargetsOnSoftmaxHead, OneHotLabelsOnSingleUnit,
         ClassIdsPastBinaryHead)
