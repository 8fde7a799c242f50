"""``optimizer-api``: optimizer arguments that the user's Keras rejects or silently ignores."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.analysis.facts import OptimizerCall
from trainlint.lint_rules import fixes
from trainlint.lint_rules.base import Rule
from trainlint.sources.versions import TF2_OLD


class OptimizerLrArgument(Rule):
    """
    ## What it does
    Checks for an optimizer built with ``lr=`` instead of ``learning_rate=``.

    ## Why is this bad?
    Keras 3 rejects it when the optimizer is built (``ValueError: Argument(s) not recognized: {'lr': 0.01}``),
    compiled or not. tf.keras 2.11 to 2.15 (and tf-keras) only log a warning and **ignore the value**: the
    model trains at the default learning rate (0.001 for Adam) while the code says otherwise. Only Keras
    <= 2.3 and ``tf.keras.optimizers.legacy`` honour ``lr``.

    ## Options
    ``keras-version``: the message says what that Keras does (``3`` error, ``2`` ignored, ``legacy`` fine).
    """

    FACT = OptimizerCall
    FIX = ("safe", "Renames `lr=` to `learning_rate=` (the value is kept); not offered when both are given.")
    code = "TL401"
    VERSION_DEPENDENT = True
    name = "optimizer-lr-argument"
    kind = "optimizer-api"
    summary = "optimizer built with lr= (rejected by Keras 3, ignored by tf.keras >= 2.11)"
    NEEDS = frozenset({"optimizer"})
    INVALID = (
        """
        from tensorflow.keras.optimizers import Adam
        optimizer = Adam(lr=0.01)
        """,
    )
    VALID = (
        """
        from tensorflow.keras.optimizers import Adam
        from tensorflow.keras.callbacks import ReduceLROnPlateau
        optimizer = Adam(learning_rate=0.01)
        reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, min_lr=1e-5)
        lr = 0.01
        """,
    )

    def check(self, optimizer, context):
        if "lr" not in optimizer.keywords or optimizer.legacy or context.keras_version == "legacy" \
                or context.era == TF2_OLD:  # the optimizers of tf.keras <= 2.10 honour lr=
            return
        value = f"{optimizer.learning_rate:g}" if optimizer.learning_rate is not None else "..."
        if context.keras_version == "3":
            message = (f"{optimizer.name}(lr=...) raises ValueError (\"Argument(s) not recognized: "
                       f"{{'lr': {value}}}\") as soon as it is built; use learning_rate={value}")
        else:
            default = knowledge.OPTIMIZER_DEFAULT_LEARNING_RATES[optimizer.name]
            if optimizer.learning_rate is not None and optimizer.learning_rate == default:
                return
            message = (f"tf.keras >= 2.11 ignores lr= with only a log warning, so {optimizer.name} trains at its "
                       f"default learning rate {default:g}, not {value}; use learning_rate={value}")
        where = optimizer.keyword_at["lr"]
        fix = None if "learning_rate" in optimizer.keywords else fixes.rename_keyword(
            where, "lr", "learning_rate", fixes.SAFE, "Rename lr= to learning_rate=")
        yield self.report(where, message, fix=fix)


class OptimizerDecayArgument(Rule):
    """
    ## What it does
    Checks for an optimizer built with ``decay=``.

    ## Why is this bad?
    Keras 3 warns "Argument `decay` is no longer supported and will be ignored" and trains without decay;
    tf.keras 2.11+ raises ``ValueError: decay is deprecated in the new TF-Keras optimizer``. Learning-rate
    decay is now a ``LearningRateSchedule`` passed as ``learning_rate``.
    """

    FACT = OptimizerCall
    code = "TL402"
    VERSION_DEPENDENT = True
    name = "optimizer-decay-argument"
    kind = "optimizer-api"
    summary = "optimizer built with decay= (ignored by Keras 3, rejected by tf.keras >= 2.11)"
    NEEDS = frozenset({"optimizer"})
    INVALID = (
        """
        import keras
        optimizer = keras.optimizers.SGD(learning_rate=0.1, decay=1e-6, momentum=0.9)
        """,
    )
    VALID = (
        """
        import keras
        schedule = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1e-6)
        optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)
        """,
    )

    def check(self, optimizer, context):
        if "decay" not in optimizer.keywords or optimizer.legacy or context.keras_version == "legacy" \
                or context.era == TF2_OLD:  # the optimizers of tf.keras <= 2.10 honour decay=
            return
        if context.keras_version == "3":
            effect = "Keras 3 ignores it (with a warning) and trains without decay"
        else:
            effect = "tf.keras >= 2.11 raises ValueError when the optimizer is built"
        yield self.report(
            optimizer.keyword_at["decay"],
            f"{optimizer.name}(decay=...): {effect}; pass a keras.optimizers.schedules.LearningRateSchedule as "
            "learning_rate",
        )


class LegacyOptimizerUnderKeras3(Rule):
    """
    ## What it does
    Under Keras 3, checks for optimizers from ``keras.optimizers.legacy``.

    ## Why is this bad?
    Keras 3 has no legacy optimizers: importing them raises ``ImportError: `keras.optimizers.legacy` is not
    supported in Keras 3``. Code written for tf.keras 2.11-2.15 breaks on upgrade.
    """

    FACT = OptimizerCall
    FIX = ("safe", "Drops `.legacy` from `keras.optimizers.legacy.NAME(...)` written as an attribute chain; an "
                   "optimizer imported from the legacy module is left to the import line.")
    code = "TL403"
    VERSION_DEPENDENT = True
    name = "legacy-optimizer-under-keras-3"
    kind = "optimizer-api"
    summary = "keras.optimizers.legacy does not exist in Keras 3"
    NEEDS = frozenset({"optimizer"})
    INVALID = (
        """
        import tensorflow as tf
        optimizer = tf.keras.optimizers.legacy.Adam(learning_rate=0.001)
        """,
    )
    VALID = (
        """
        import tensorflow as tf
        optimizer = tf.keras.optimizers.Adam(learning_rate=0.001)
        """,
    )

    def check(self, optimizer, context):
        if optimizer.legacy and context.keras_version == "3":
            yield self.report(
                optimizer.where,
                f"keras.optimizers.legacy.{optimizer.name} raises ImportError in Keras 3; use "
                f"keras.optimizers.{optimizer.name}",
                fix=fixes.drop_legacy_module(optimizer.where, fixes.SAFE,
                                             f"Use keras.optimizers.{optimizer.name}"),
            )


RULES = (OptimizerLrArgument, OptimizerDecayArgument, LegacyOptimizerUnderKeras3)
