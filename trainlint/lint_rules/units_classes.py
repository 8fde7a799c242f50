"""``units-classes-mismatch``: an output width that differs from the number of classes the code shows."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note


class UnitsDifferFromClasses(Rule):
    """
    ## What it does
    Checks for a head whose number of units differs from the number of classes the code makes visible:
    ``to_categorical(y, num_classes=10)``, ``tf.one_hot(y, depth)``, ``np.eye(k)[y]``, a vocabulary fitted on
    a literal list, or a ``keras.datasets`` loader.

    ## Why is this bad?
    One-hot labels must be exactly as wide as the output: otherwise the first step fails with "Shapes
    (None, 10) and (None, 8) are incompatible". Class ids beyond the last unit make sparse crossentropy fail
    on the CPU and return NaN on a GPU.
    """

    code = "TL321"
    name = "units-differ-from-classes"
    kind = "units-classes-mismatch"
    summary = "head units differ from the visible number of classes"
    NEEDS = frozenset({'labels', 'labels.num_classes', 'head.units'})
    INVALID = (
        """
        from tensorflow import keras
        y_train = keras.utils.to_categorical(labels, num_classes=10)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(8, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, y_train)
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        y_train = keras.utils.to_categorical(labels, num_classes=10)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, y_train)
        """,
    )

    def check(self, setup, context):
        labels, head, loss = setup.labels, setup.head, setup.loss
        if not labels or labels.num_classes is None or head.units is None:
            return
        classes, units = labels.num_classes, head.units
        if (units == 1 and classes == 2 and labels.encoding == knowledge.ONE_HOT and loss
                and loss.name in knowledge.BINARY_LOSSES):
            return  # a binary head fed two one-hot columns: the labels' format is wrong (TL304), not the width
        if labels.encoding in (knowledge.ONE_HOT, knowledge.MULTI_HOT) and classes != units:
            effect = f"the first step fails with a shape error ({classes} label columns, {units} outputs)"
        elif (labels.encoding == knowledge.IDS and labels.first_id == 0 and loss
              and loss.name in knowledge.SPARSE_LOSSES and classes > units):
            effect = (f"ids {units} to {classes - 1} are out of range: {loss.name} fails on CPU and gives a NaN "
                      "loss on GPU")
        else:
            return
        yield self.report(
            head.layer,
            f"the head has {units} units but the labels have {classes} classes ({labels.origin}): {effect}; "
            f"give the last layer {classes} units",
            (labels.where, f"{classes} classes here"), head_note(setup),
            (setup.compile_at, "compiled here" if setup.applied_at is None else "the loss is applied here"),
        )


RULES = (UnitsDifferFromClasses,)
