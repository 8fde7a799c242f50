"""What the worker observed, judged per finding: confirmed, refuted or inconclusive, with one readable line.

Each check reads the signals keras-semantics.md §4 lists for its rule: Keras's warnings, the exception text,
the metric class ``'accuracy'`` resolved to, constant outputs, the output's range and row sums, a zero or NaN
first-step loss, and ``evaluate()`` against the same loss recomputed from ``predict()``. ("Does the loss
fall?" proves nothing on TensorFlow: Keras silently trains on cached logits, §1.5.) A check refutes only on
a positive observation that contradicts the claim, and says "inconclusive" when the signal is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from trainlint import knowledge
from trainlint.analysis.facts import TrainingSetup

CONFIRMED, REFUTED, INCONCLUSIVE = "confirmed", "refuted", "inconclusive"
ZERO_LOSS = 1e-6
SUM_TOLERANCE = 1e-4
FORMULA_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Verdict:
    status: str
    evidence: str


@dataclass(frozen=True)
class Observation:
    """The worker's report on one rebuilt model (see ``worker.Observer.observe``)."""

    raw: dict

    @property
    def error(self) -> str | None:
        return self.raw.get("error")

    @property
    def error_stage(self) -> str | None:
        return self.raw.get("error_stage")

    @property
    def initial(self) -> dict | None:
        """``predict()`` before any training: available even when the training step raises."""
        return self.raw.get("initial_output")

    @property
    def trained(self) -> dict | None:
        return self.raw.get("output")

    @property
    def first_loss(self):
        return self.raw.get("first_loss")

    @property
    def metric_classes(self) -> list[str]:
        return self.raw.get("metric_classes") or []

    @property
    def evaluate(self) -> dict:
        return self.raw.get("evaluate") or {}

    def warning(self, phrase: str) -> str | None:
        return next((w for w in self.raw.get("warnings", ()) + self.raw.get("logs", ()) if phrase in w), None)


def _n(value) -> str:
    return value if isinstance(value, str) else f"{value:.4g}"


def _range(output: dict) -> str:
    return f"{_n(output['min'])} to {_n(output['max'])}"


def _sums_to_one(output: dict) -> bool:
    return abs(output["row_sum_min"] - 1) < SUM_TOLERANCE and abs(output["row_sum_max"] - 1) < SUM_TOLERANCE


def _within_unit_interval(output: dict) -> bool:
    return output["min"] >= 0 and output["max"] <= 1


def _quote(warning: str, limit: int = 110) -> str:
    text = warning.split(": ", 1)[-1].strip('"')
    return f"'{text[:limit].rstrip()}…'" if len(text) > limit else f"'{text}'"


def _is_nan(value) -> bool:
    return value == "nan" or (isinstance(value, float) and math.isnan(value))


def _formula_gap(observation: Observation) -> str:
    """``; evaluate() reports A where <loss> of predict() is B`` when the two differ (the cached-logits swap)."""
    reported, nominal = observation.evaluate.get("loss"), observation.raw.get("nominal_loss")
    if not isinstance(reported, float) or not isinstance(nominal, float) or observation.raw.get("regularised"):
        return ""
    if abs(reported - nominal) <= FORMULA_TOLERANCE * max(1.0, abs(nominal)):
        return ""
    return (f"; evaluate() reports loss {_n(reported)} where the documented formula on predict() gives "
            f"{_n(nominal)} (Keras trains on the pre-activation logits instead)")


def _metric_value(observation: Observation, names: tuple[str, ...]):
    for name in names:
        value = observation.evaluate.get(name)
        if value is not None:
            return value
    return None


# --- degenerate heads ---------------------------------------------------------------------------------------


def softmax_on_single_unit(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    if output["spread"] == 0 and abs(output["min"] - 1) < 1e-6:
        warned = observation.warning("You are using a softmax over axis")
        tail = f"; Keras warned {_quote(warned)}" if warned else ""
        return Verdict(CONFIRMED, f"predict() returned exactly 1.0 for every sample{tail}")
    return Verdict(REFUTED, f"predict() varies ({_range(output)}): the output is not a softmax over one unit")


def categorical_crossentropy_on_single_unit(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    loss = observation.first_loss
    warned = observation.warning("with num_classes > 1")
    tail = f"; Keras warned {_quote(warned)}" if warned else ""
    if _is_nan(loss):
        return Verdict(CONFIRMED, f"the first training step's loss is NaN{tail}")
    if isinstance(loss, float):
        if loss <= ZERO_LOSS:
            return Verdict(CONFIRMED, f"the first training step's loss is {_n(loss)}: nothing to learn from{tail}")
        return Verdict(REFUTED, f"the first training step's loss is {_n(loss)}, not 0")
    return None


def sparse_categorical_crossentropy_on_single_unit(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    error = observation.error
    if error and "Received a label value" in error:
        return Verdict(CONFIRMED, f"training on class ids 0 and 1 raised {error}")
    if _is_nan(observation.first_loss):
        return Verdict(CONFIRMED, "training on class ids 0 and 1 gave a NaN loss (the out-of-range label 1; "
                                  "a CPU raises here, a GPU returns NaN)")
    if isinstance(observation.first_loss, float):
        return Verdict(REFUTED, f"class ids 0 and 1 trained with a finite loss {_n(observation.first_loss)}")
    return None


# --- loss / activation ----------------------------------------------------------------------------------------


def binary_crossentropy_on_softmax(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.trained or observation.initial
    if output is None:
        return None
    if output["shape"][-1] >= 2 and _sums_to_one(output):
        return Verdict(CONFIRMED, f"predict() rows sum to 1 (a softmax over {output['shape'][-1]} units), which "
                                  f"binary crossentropy scores as independent probabilities"
                       + _formula_gap(observation))
    return Verdict(REFUTED, f"predict() rows sum to {_n(output['row_sum_min'])}–{_n(output['row_sum_max'])}: "
                            "not a softmax")


def categorical_crossentropy_on_sigmoid(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.trained or observation.initial
    if output is None:
        return None
    if _sums_to_one(output):
        return Verdict(REFUTED, "predict() rows sum to 1: the output is a distribution, not sigmoid scores")
    if _within_unit_interval(output):
        return Verdict(CONFIRMED, f"predict() rows sum to {_n(output['row_sum_min'])}–{_n(output['row_sum_max'])}"
                                  ", not 1: independent sigmoid scores that categorical crossentropy reads as "
                                  "one distribution" + _formula_gap(observation))
    return None


def probability_loss_on_unbounded_activation(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if _is_nan(observation.first_loss):
        return Verdict(CONFIRMED, "the first training step's loss is NaN: the loss took a non-probability "
                                  "output for probabilities")
    if output is None:
        return None
    if not _within_unit_interval(output):
        return Verdict(CONFIRMED, f"predict() ranges {_range(output)}, outside [0, 1], yet the loss reads it "
                                  "as probabilities")
    # One batch inside [0, 1] does not show a bound (a dead relu outputs zeros); a distribution does.
    categorical = setup.loss is not None and setup.loss.name not in knowledge.BINARY_LOSSES
    if categorical and output["shape"][-1] >= 2 and _sums_to_one(output):
        return Verdict(REFUTED, "predict() rows sum to 1: the output is a probability distribution")
    return None


def hinge_on_probabilities(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    if output["min"] >= 0:
        return Verdict(CONFIRMED, f"predict() is never negative (min {_n(output['min'])}), so the hinge margin "
                                  "for the negative class (label −1) can never be met")
    return Verdict(REFUTED, f"predict() reaches {_n(output['min'])}: the output can score the negative class")


def mean_squared_error_on_softmax(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    if output["shape"][-1] >= 2 and _sums_to_one(output):
        return Verdict(CONFIRMED, "predict() rows sum to 1 (softmax probabilities) and the loss is a squared "
                                  f"distance to them (first-step loss {_n(observation.first_loss or 0.0)})")
    return Verdict(REFUTED, "predict() rows do not sum to 1: the output is not a softmax")


def double_softmax(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    units = output["shape"][-1]
    ceiling = math.e / (math.e + units - 1)
    if _sums_to_one(output) and output["max"] <= ceiling + 1e-6:
        return Verdict(CONFIRMED, f"predict() never exceeds {_n(output['max'])}, under the ceiling "
                                  f"e/(e+{units - 1}) = {_n(ceiling)} of a softmax taken of probabilities")
    return Verdict(REFUTED, f"predict() reaches {_n(output['max'])}, above the {_n(ceiling)} a double softmax "
                            "allows")


# --- from_logits ------------------------------------------------------------------------------------------------


def from_logits_on_probabilities(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    warned = observation.warning("received `from_logits=True`")
    if warned:
        return Verdict(CONFIRMED, f"Keras warned {_quote(warned, 140)}")
    output = observation.initial
    if output is None:
        return None
    if _within_unit_interval(output):
        return Verdict(CONFIRMED, f"predict() lies in [0, 1] ({_range(output)}): probabilities, which the loss "
                                  "reads as logits")
    return Verdict(REFUTED, f"predict() ranges {_range(output)}: logits, as from_logits=True expects")


def probability_loss_on_logits(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    if not _within_unit_interval(output):
        return Verdict(CONFIRMED, f"predict() ranges {_range(output)}: logits, which the loss clips into "
                                  "[1e-7, 1 − 1e-7] as if they were probabilities")
    return Verdict(REFUTED, f"predict() stays within [0, 1] ({_range(output)})")


def from_logits_on_bounded_activation(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    if setup.head.activation == knowledge.RELU:
        if output["min"] >= 0:
            return Verdict(CONFIRMED, f"predict() is never negative (min {_n(output['min'])}): a logit that "
                                      "cannot go below 0 cannot say 'no'")
        return Verdict(REFUTED, f"predict() reaches {_n(output['min'])}: the logits are not bounded below")
    # float32 tanh rounds to exactly ±1 when it saturates: only a value beyond 1 contradicts the claim.
    if output["min"] >= -1 and output["max"] <= 1:
        return Verdict(CONFIRMED, f"predict() stays within [−1, 1] ({_range(output)}): logits that never reach "
                                  "a confident probability (sigmoid(1) ≈ 0.73)")
    return Verdict(REFUTED, f"predict() ranges {_range(output)}: the logits are not confined to [−1, 1]")


# --- metrics --------------------------------------------------------------------------------------------------


def accuracy_on_multi_label(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    classes = observation.metric_classes
    if "CategoricalAccuracy" in classes or "categorical_accuracy" in classes:
        reported = _metric_value(observation, ("accuracy", "acc"))
        elementwise = (observation.raw.get("accuracies") or {}).get("elementwise")
        numbers = ""
        if isinstance(reported, float) and isinstance(elementwise, float):
            numbers = f" (it reports {_n(reported)}; the per-label accuracy of predict() is {_n(elementwise)})"
        return Verdict(CONFIRMED, f"after one step on multi-hot labels 'accuracy' resolved to "
                                  f"CategoricalAccuracy{numbers}")
    if classes:
        return Verdict(REFUTED, f"'accuracy' resolved to {', '.join(classes)}")
    return None


def accuracy_inflated_by_binary_crossentropy(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    keras = observation.raw.get("keras", "?")
    return Verdict(INCONCLUSIVE, f"this resolution happens only in Keras <= 2.3 / TF 1.x; the worker runs "
                                 f"Keras {keras}")


def accuracy_on_logits(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    classes = observation.metric_classes
    if output is None or not classes:
        return None
    if "BinaryAccuracy" not in classes and "binary_accuracy" not in classes:
        return Verdict(REFUTED, f"'accuracy' resolved to {', '.join(classes)}, not a 0.5 threshold")
    if _within_unit_interval(output):
        return Verdict(REFUTED, f"predict() stays within [0, 1] ({_range(output)})")
    return Verdict(CONFIRMED, f"'accuracy' resolved to BinaryAccuracy (threshold 0.5) while predict() ranges "
                              f"{_range(output)}: scores whose decision boundary is 0")


def metrics_not_a_list(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    error = observation.error
    if error and "Expected `metrics`" in error:
        return Verdict(CONFIRMED, f"compile raised {error}")
    if "first_loss" in observation.raw:
        return Verdict(REFUTED, "compile accepted the bare metrics string and the model trained")
    return None


def _metric_against_predict(observation: Observation, names: tuple[str, ...], what: str,
                            truth_key: str = "argmax") -> Verdict | None:
    error = observation.error
    if error and observation.error_stage == "train":
        return Verdict(CONFIRMED, f"the metric cannot read these labels: training raised {error}")
    reported = _metric_value(observation, names)
    truth = (observation.raw.get("accuracies") or {}).get(truth_key)
    if not isinstance(reported, float) or not isinstance(truth, float):
        return None
    if abs(reported - truth) > 1e-6:
        return Verdict(CONFIRMED, f"{names[0]} reports {_n(reported)} where the {what} of predict() is {_n(truth)}")
    return Verdict(REFUTED, f"{names[0]} reports {_n(reported)}, the {what} of predict()")


def sparse_metric_with_categorical_loss(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    names = tuple(m.name for m in setup.metrics if m.name in knowledge.SPARSE_METRICS)
    return _metric_against_predict(observation, names or ("sparse_categorical_accuracy",), "accuracy")


def categorical_metric_with_sparse_loss(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    names = tuple(m.name for m in setup.metrics if m.name in knowledge.ONE_HOT_METRICS)
    return _metric_against_predict(observation, names or ("categorical_accuracy",), "accuracy")


def categorical_accuracy_on_multi_label(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    accuracies = observation.raw.get("accuracies") or {}
    reported = _metric_value(observation, ("categorical_accuracy",))
    argmax, elementwise = accuracies.get("argmax"), accuracies.get("elementwise")
    if not all(isinstance(v, float) for v in (reported, argmax, elementwise)):
        return None
    if abs(reported - argmax) < 1e-6 and abs(argmax - elementwise) > 1e-6:
        return Verdict(CONFIRMED, f"on multi-hot labels categorical_accuracy reports {_n(reported)} (is the top "
                                  f"score one of the labels) where the per-label accuracy is {_n(elementwise)}")
    if abs(reported - elementwise) < 1e-6 and abs(argmax - elementwise) > 1e-6:
        return Verdict(REFUTED, f"categorical_accuracy reports the per-label accuracy {_n(elementwise)}")
    return None


def accuracy_with_regression_loss(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    classes = [c for c in observation.metric_classes if "ccuracy" in c]
    if classes:
        reported = _metric_value(observation, ("accuracy", "acc"))
        value = f" and reports {_n(reported)}" if isinstance(reported, float) else ""
        return Verdict(CONFIRMED, f"on continuous targets 'accuracy' resolved to {classes[0]}{value}")
    if observation.metric_classes:
        return Verdict(REFUTED, f"no accuracy is computed: the compiled metrics are "
                                f"{', '.join(observation.metric_classes)}")
    return None


def exact_accuracy_on_probabilities(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    error = observation.error
    if error and observation.error_stage == "train":
        return Verdict(CONFIRMED, f"keras.metrics.Accuracy() cannot compare these labels: training raised {error}")
    reported = _metric_value(observation, ("accuracy",))
    thresholded = (observation.raw.get("accuracies") or {}).get("elementwise")
    if not isinstance(reported, float) or not isinstance(thresholded, float):
        return None
    # A saturated float32 sigmoid can equal 1.0 exactly, so a few exact hits do not refute the claim.
    if reported < thresholded - 1e-6:
        return Verdict(CONFIRMED, f"keras.metrics.Accuracy() reports {_n(reported)} where thresholding the same "
                                  f"predict() output at 0.5 gives {_n(thresholded)}: it counts exact equality")
    return Verdict(REFUTED, f"keras.metrics.Accuracy() reports {_n(reported)}, the thresholded accuracy")


def threshold_metric_on_logits(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    output = observation.initial
    if output is None:
        return None
    if not _within_unit_interval(output):
        return Verdict(CONFIRMED, f"predict() ranges {_range(output)}: logits, which the metric thresholds at 0.5")
    return Verdict(REFUTED, f"predict() stays within [0, 1] ({_range(output)}): probabilities")


# --- optimizers -----------------------------------------------------------------------------------------------


def optimizer_api(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    error = observation.raw.get("optimizer_error")
    if error:
        return Verdict(CONFIRMED, f"building the optimizer raised {error}")
    written = (observation.raw.get("optimizer_written") or {}).get("kwargs") or {}
    rate = observation.raw.get("learning_rate")
    if isinstance(written.get("lr"), (int, float)) and isinstance(rate, float):
        if abs(rate - written["lr"]) > 1e-9 * max(1.0, abs(written["lr"])):
            return Verdict(CONFIRMED, f"lr={written['lr']} was dropped: the optimizer's learning rate is {_n(rate)}")
        return Verdict(REFUTED, f"the optimizer's learning rate is {_n(rate)}, the lr= given")
    warned = observation.warning("`lr` is deprecated") or observation.warning("`decay`")
    if warned:
        rate = observation.raw.get("learning_rate")
        tail = f"; its learning rate is {_n(rate)}" if isinstance(rate, float) else ""
        return Verdict(CONFIRMED, f"Keras warned {_quote(warned)}{tail}")
    return None


# --- labels (kind-level: the rules of these families read label facts; the batch has the format they name) ---


def _id_range(observation: Observation) -> str:
    labels = observation.raw.get("plan_labels") or {}
    first, classes = labels.get("first", 0), labels.get("classes")
    return f"class ids {first}..{first + classes - 1}" if isinstance(classes, int) else "these class ids"


def label_range(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    error = observation.error
    ids = _id_range(observation)
    if error and "Received a label value" in error:
        return Verdict(CONFIRMED, f"training on {ids} raised {error}")
    if _is_nan(observation.first_loss):
        return Verdict(CONFIRMED, f"training on {ids} gave a NaN loss (the top id is out of range; a CPU raises "
                                  "here, a GPU returns NaN)")
    if isinstance(observation.first_loss, float):
        return Verdict(REFUTED, f"training on {ids} gave a finite loss ({_n(observation.first_loss)})")
    return None


def class_ids_past_binary_head(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    # Binary crossentropy takes a target of 2 without an error or a NaN: a finite loss refutes nothing.
    return Verdict(INCONCLUSIVE, "binary crossentropy accepts targets above 1 silently; one run cannot show it")


def units_classes_mismatch(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    labels = observation.raw.get("plan_labels") or {}
    if labels.get("format") == "ids":
        return label_range(observation, setup)
    return label_format_mismatch(observation, setup)


def label_format_mismatch(observation: Observation, setup: TrainingSetup) -> Verdict | None:
    labels = observation.raw.get("labels") or {}
    shape = "×".join(str(d) for d in labels.get("shape", ())) or "these"
    error = observation.error
    if error and observation.error_stage == "train":
        return Verdict(CONFIRMED, f"training on {shape} labels raised {error}")
    if isinstance(observation.first_loss, float):
        return Verdict(REFUTED, f"the loss accepted {shape} labels (first-step loss {_n(observation.first_loss)})")
    return None


CHECKS: dict[str, Callable[[Observation, TrainingSetup], Verdict | None]] = {
    "TL101": softmax_on_single_unit,
    "TL102": categorical_crossentropy_on_single_unit,
    "TL103": sparse_categorical_crossentropy_on_single_unit,
    "TL111": binary_crossentropy_on_softmax,
    "TL112": categorical_crossentropy_on_sigmoid,
    "TL113": probability_loss_on_unbounded_activation,
    "TL114": hinge_on_probabilities,
    "TL115": mean_squared_error_on_softmax,
    "TL116": double_softmax,
    "TL121": from_logits_on_probabilities,
    "TL122": probability_loss_on_logits,
    "TL123": from_logits_on_bounded_activation,
    "TL201": accuracy_on_multi_label,
    "TL202": accuracy_inflated_by_binary_crossentropy,
    "TL203": accuracy_on_logits,
    "TL204": metrics_not_a_list,
    "TL211": sparse_metric_with_categorical_loss,
    "TL212": categorical_metric_with_sparse_loss,
    "TL213": categorical_accuracy_on_multi_label,
    "TL214": accuracy_with_regression_loss,
    "TL215": exact_accuracy_on_probabilities,
    "TL221": threshold_metric_on_logits,
    "TL312": class_ids_past_binary_head,
}
CHECKS_BY_KIND: dict[str, Callable[[Observation, TrainingSetup], Verdict | None]] = {
    "optimizer-api": optimizer_api,
    "label-range": label_range,
    "label-format-mismatch": label_format_mismatch,
    "units-classes-mismatch": units_classes_mismatch,
}
# Checks that read the exception itself; for the others an exception means the signal is missing.
READS_ERRORS = frozenset({"TL103", "TL204", "TL211", "TL212", "TL215"})
READS_ERRORS_BY_KIND = frozenset({"label-range", "label-format-mismatch", "optimizer-api", "units-classes-mismatch"})


def judge(code: str, kind: str, observation: Observation, setup: TrainingSetup) -> Verdict:
    check = CHECKS.get(code) or CHECKS_BY_KIND.get(kind)
    if check is None:
        return Verdict(INCONCLUSIVE, f"the dynamic mode has no check for {code} yet")
    if observation.error_stage in ("build", "worker"):
        return Verdict(INCONCLUSIVE, f"TensorFlow could not build the model: {observation.error}")
    verdict = check(observation, setup)
    if verdict is not None:
        return verdict
    if observation.error and code not in READS_ERRORS and kind not in READS_ERRORS_BY_KIND:
        return Verdict(INCONCLUSIVE, f"the {observation.error_stage} step raised {observation.error}")
    return Verdict(INCONCLUSIVE, "the run showed no signal either way")
