"""``units-classes-mismatch``: an output width different from the number of classes the targets are encoded over."""

from __future__ import annotations

from trainlint.lint_rules.base import Rule, width


class UnitsDifferFromOneHotClasses(Rule):
    """
    ## What it does
    Checks for a multi-unit output whose width differs from the number of classes that the targets passed to
    ``fit`` are one-hot encoded over (``to_categorical(y, num_classes=N)``), across the modules of a project:
    the head is often built in one file from a constant of another, and the labels are made in a third.

    ## Why is this bad?
    One-hot targets of width N against an output of width M != N fail only when ``fit`` runs (Keras raises an
    incompatible-shapes error after the data has been loaded and the model built); with fewer units than
    classes the model cannot represent some classes at all, so the fix is in the head, not in the labels.
    """

    code = "TL301"
    name = "units-differ-from-one-hot-classes"
    kind = "units-classes-mismatch"
    summary = "output units differ from the number of classes the targets are one-hot encoded over"
    INVALID = (
        """
        from tensorflow import keras
        NUM_CLASSES = 10
        model = keras.Sequential([keras.layers.Dense(NUM_CLASSES - 2, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, keras.utils.to_categorical(y_train, num_classes=NUM_CLASSES))
        """,
    )
    VALID = (
        """
        from tensorflow import keras
        NUM_CLASSES = 10
        model = keras.Sequential([keras.layers.Dense(NUM_CLASSES, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, keras.utils.to_categorical(y_train, num_classes=NUM_CLASSES))
        """,
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(8, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, keras.utils.to_categorical(y_train))
        """,
    )

    def check(self, setup, context):
        units = setup.head.units
        if units is None or units < 2:
            return
        for count in context.class_counts:
            if count.classes != units:
                yield self.report(
                    setup.head.layer,
                    f"the output has {width(units)} but the targets are one-hot over {count.classes} classes; "
                    f"Keras fails at fit with incompatible shapes; make the last layer {count.classes} units wide",
                    (count.where, f"targets one-hot encoded over {count.classes} classes"),
                    (setup.compile_at, "compiled here"),
                )
                return


RULES = (UnitsDifferFromOneHotClasses,)
