"""The TensorFlow side of ``--dynamic``: one process that rebuilds models from plans and reports what it sees.

Run as ``python -m trainlint.dynamic.worker``. It reads one JSON plan per line on stdin and answers one JSON
observation per line on stdout. It imports only the standard library, NumPy and TensorFlow/Keras, so it can
run in another environment than the linter (``--dynamic-python``), and it never sees the audited code: only
the layer classes, plain argument values, loss, metrics and optimizer that the analyzer resolved.

It reports observations, not verdicts; :mod:`trainlint.dynamic.verdicts` judges them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import sys
import time
import warnings

PROTOCOL_VERSION = 1
EPSILON = 1e-7
SEED = 1234
FULL_CLEAR_EVERY = 16

# Phrases that say why a step failed, from keras-semantics.md §1.3; the first line carrying one is quoted.
_REASON_PHRASES = (
    "Received a label value", "must have the same", "Incompatible shapes", "incompatible", "Could not interpret",
    "Argument(s) not recognized", "Expected `metrics`", "must have rank", "must equal", "Dimensions must be",
    "Unrecognized keyword", "not supported", "Unknown",
)


def _silence_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not end the run
            message = str(record.msg)
        if "retracing" not in message:
            self.messages.append(message)


@contextlib.contextmanager
def _capture(observation: dict):
    """Keras's warnings fire once per code location and only while tracing: record every one, and the logs
    of absl/tensorflow (tf-keras reports a dropped ``lr=`` there, not as a Python warning)."""
    handler = _Records()
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "keras")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.WARNING:
            logger.setLevel(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.removeHandler(handler)
                logger.setLevel(level)
            seen = []
            for warning in caught:
                text = f"{warning.category.__name__}: {warning.message}"
                if text not in seen:
                    seen.append(text)
            observation["warnings"] = seen
            observation["logs"] = list(dict.fromkeys(handler.messages))


def short_error(error: BaseException) -> str:
    """``Type: the line that says why`` (TensorFlow prefixes the reason with pages of graph context)."""
    raw = str(error)
    lines = [" ".join(line.split()) for line in raw.splitlines() if line.strip()]
    reason = next((line for line in lines if any(p in line for p in _REASON_PHRASES)), lines[0] if lines else "")
    reason = re.sub(r"\s*Label values:.*", "", reason)
    # TensorFlow's graph node and kernel names say where, not why.
    reason = re.sub(r" for '\{\{node .*?\}\}[^']*'", "", reason)
    reason = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", reason)
    reason = re.sub(r"\s*\[Op:\w+\].*$", "", reason)
    return f"{type(error).__name__}: {reason[:300]}"


class Observer:
    def __init__(self) -> None:
        import importlib

        import numpy
        import tensorflow

        # tf_keras when the finding was judged under tf.keras 2 (runner.py chooses), else the installed Keras.
        keras = importlib.import_module(os.environ.get("TRAINLINT_KERAS_MODULE") or "keras")

        self.np, self.tf, self.keras = numpy, tensorflow, keras
        for gpu in tensorflow.config.list_physical_devices("GPU"):
            try:  # small models: take GPU memory as needed, not all of it at once
                tensorflow.config.experimental.set_memory_growth(gpu, True)
            except (RuntimeError, ValueError):
                pass
        self.device = self._device()
        self.models = 0

    def _device(self) -> str:
        gpus = self.tf.config.list_logical_devices("GPU")
        if not gpus:
            return "/CPU:0"
        try:
            physical = self.tf.config.list_physical_devices("GPU")[0]
            name = self.tf.config.experimental.get_device_details(physical).get("device_name")
        except Exception:  # details are a nicety
            name = None
        return f"/GPU:0 ({name})" if name else "/GPU:0"

    def hello(self) -> dict:
        return {"ready": True, "protocol": PROTOCOL_VERSION, "device": self.device,
                "tensorflow": self.tf.__version__, "keras": self.keras.__version__}

    # --- one plan -----------------------------------------------------------------------------------------

    def observe(self, plan: dict) -> dict:
        keras, np = self.keras, self.np
        # Without the full garbage collection (a quarter of a second each time); do it every few models.
        self.models += 1
        try:
            keras.backend.clear_session(free_memory=self.models % FULL_CLEAR_EVERY == 0)
        except TypeError:  # tf_keras's clear_session takes no argument
            keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        observation: dict = {"id": plan.get("id"), "device": self.device, "keras": keras.__version__,
                             "keras_module": keras.__name__}
        started = time.perf_counter()
        stage = "build"
        with _capture(observation):
            try:
                model, x = self._model_and_inputs(plan)
                y = self._labels(plan)
                observation["labels"] = {"shape": list(y.shape), "min": float(y.min()), "max": float(y.max())}
                observation["plan_labels"] = plan["labels"]
                stage = "predict"
                model.run_eagerly = True
                initial = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
                observation["initial_output"] = _output_summary(np, initial)
                stage = "optimizer"
                optimizer = self._optimizer(plan, observation)
                stage = "compile"
                # Eagerly: the rebuilt model holds only Keras layers and activations, whose cached-logits swap,
                # warnings and metric resolution are the same in graph mode (keras-semantics.md §1.5), and
                # tracing three functions per model would cost ~1.5 s of a ~2 s check.
                model.compile(loss=self._loss(plan), optimizer=optimizer, metrics=self._metrics(plan),
                              run_eagerly=True)
                stage = "train"
                logs = model.train_on_batch(x, y, return_dict=True)
                observation["first_loss"] = _number(logs.get("loss"))
                observation["metric_classes"] = self._metric_classes(model)
                stage = "predict"
                output = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
                observation["output"] = _output_summary(np, output)
                stage = "evaluate"
                evaluated = model.evaluate(x, y, verbose=0, return_dict=True)
                observation["evaluate"] = {k: _number(v) for k, v in evaluated.items()}
                observation["regularised"] = bool(model.losses)
                observation["nominal_loss"] = nominal_loss(np, plan["loss"], y, output)
                observation["accuracies"] = _accuracies(np, y, output)
                stage = "done"
            except Exception as error:  # the error text is itself a signal
                observation["error"] = short_error(error)
                observation["error_stage"] = stage
        observation["seconds"] = round(time.perf_counter() - started, 3)
        return observation

    def _model_and_inputs(self, plan: dict):
        keras, np = self.keras, self.np
        rng = np.random.default_rng(SEED)
        spec = plan["input"]
        shape = tuple(spec["shape"])
        batch = plan["batch"]
        if spec.get("dtype") == "int32":
            x = rng.integers(0, spec.get("high", 10), size=(batch, *shape)).astype("int32")
        else:
            # Spread wide enough that a single softmax saturates and logits leave [0, 1].
            x = (rng.standard_normal((batch, *shape)) * spec.get("scale", 1.0)).astype("float32")
        inputs = keras.Input(shape=shape, dtype=spec.get("dtype", "float32"))
        tensor = inputs
        for layer in plan["layers"]:
            cls = getattr(keras.layers, layer["class"])
            tensor = cls(*layer.get("args", []), **layer.get("kwargs", {}))(tensor)
        return keras.Model(inputs, tensor), x

    def _labels(self, plan: dict):
        np = self.np
        rng = np.random.default_rng(SEED + 1)
        labels = plan["labels"]
        batch, classes, form = plan["batch"], labels["classes"], labels["format"]
        if form == "ids":
            # Every id from the encoder's first one appears (Tokenizer: 1.., TextVectorization: 2..).
            return np.arange(batch, dtype="int32") % classes + labels.get("first", 0)
        if form == "binary":
            return (np.arange(batch) % 2).astype("float32").reshape(batch, 1)
        if form == "onehot":
            return np.eye(classes, dtype="float32")[np.arange(batch) % classes]
        if form == "multihot":
            hot = (rng.random((batch, classes)) < 0.3).astype("float32")
            hot[np.arange(batch), np.arange(batch) % classes] = 1.0
            return hot
        return rng.standard_normal((batch, classes)).astype("float32")  # regression targets

    def _optimizer(self, plan: dict, observation: dict):
        keras = self.keras
        written = plan.get("optimizer")
        optimizer = None
        if written:
            observation["optimizer_written"] = written
            try:
                if "string" in written:
                    optimizer = keras.optimizers.get(written["string"])
                else:
                    optimizer = getattr(keras.optimizers, written["class"])(**written.get("kwargs", {}))
            except Exception as error:  # reported; the rest of the check goes on with a default optimizer
                observation["optimizer_error"] = short_error(error)
        if optimizer is None:
            optimizer = keras.optimizers.SGD(learning_rate=0.01)
        try:
            observation["learning_rate"] = float(self.np.asarray(optimizer.learning_rate))
        except Exception:
            pass
        return optimizer

    def _loss(self, plan: dict):
        loss = plan["loss"]
        if loss["form"] == "object":
            return getattr(self.keras.losses, loss["class"])(from_logits=bool(loss["from_logits"]))
        return loss["string"]

    def _metrics(self, plan: dict):
        if plan.get("metrics_bare_string"):
            return plan["metrics_bare_string"]
        metrics = []
        for metric in plan["metrics"]:
            if metric["form"] == "object":
                metrics.append(getattr(self.keras.metrics, metric["class"])(**metric.get("kwargs", {})))
            else:
                metrics.append(metric["string"])
        return metrics

    @staticmethod
    def _metric_classes(model) -> list[str]:
        compiled = getattr(model, "_compile_metrics", None)  # Keras 3: resolved lazily, at the first step
        if compiled is not None and hasattr(compiled, "metrics"):
            return [type(m).__name__ for m in compiled.metrics]
        compiled = getattr(model, "compiled_metrics", None)  # tf-keras wraps functions
        names = []
        for metric in getattr(compiled, "metrics", []) or []:
            function = getattr(metric, "_fn", None)
            names.append(getattr(function, "__name__", type(metric).__name__))
        return names


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else "nan"


def _output_summary(np, output) -> dict:
    finite = bool(np.isfinite(output).all())
    flat = output.reshape(output.shape[0], -1)
    sums = output.sum(axis=-1) if output.ndim > 1 else output
    return {
        "shape": list(output.shape), "finite": finite,
        "min": float(np.nanmin(output)), "max": float(np.nanmax(output)),
        "spread": float(np.nanmax(np.nanstd(flat, axis=0))),
        "row_sum_min": float(np.nanmin(sums)), "row_sum_max": float(np.nanmax(sums)),
    }


def _accuracies(np, y, output) -> dict:
    """Accuracies computed from ``predict()``, to hold the metric Keras reported against."""
    result = {}
    if output.ndim != 2:
        return result
    if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and output.shape[1] > 1):
        ids = y.reshape(-1).astype(int)
        result["argmax"] = float((output.argmax(axis=1) == ids).mean())
        return result
    if y.shape == output.shape:
        if output.shape[1] > 1:
            result["argmax"] = float((output.argmax(axis=1) == y.argmax(axis=1)).mean())
        result["elementwise"] = float(((output > 0.5) == (y > 0.5)).mean())
        result["exact"] = float((output == y).mean())
    return result


def _softmax(np, z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nominal_loss(np, loss: dict, y, output):
    """The loss as documented, on ``predict()``'s output. ``evaluate()`` may differ: Keras on TensorFlow swaps
    in the cached pre-activation logits of a Keras softmax/sigmoid (keras-semantics.md §1.5)."""
    name, from_logits = loss["name"], bool(loss.get("from_logits"))
    y = np.asarray(y, dtype=np.float64)
    if output.ndim != 2:
        return None
    with np.errstate(all="ignore"):
        if name == "binary_crossentropy" and y.shape == output.shape:
            p = 1 / (1 + np.exp(-output)) if from_logits else output
            p = np.clip(p, EPSILON, 1 - EPSILON)
            return float((-(y * np.log(p) + (1 - y) * np.log(1 - p))).mean(axis=-1).mean())
        if name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
            if name == "sparse_categorical_crossentropy":
                ids = y.reshape(-1).astype(int)
                if ids.shape[0] != output.shape[0] or ids.min() < 0 or ids.max() >= output.shape[1]:
                    return None
                y = np.eye(output.shape[1])[ids]
            if y.shape != output.shape:
                return None
            p = _softmax(np, output) if from_logits else output / output.sum(axis=-1, keepdims=True)
            p = np.clip(p, EPSILON, 1 - EPSILON)
            return float((-(y * np.log(p)).sum(axis=-1)).mean())
        if y.shape != output.shape:
            return None
        if name == "mean_squared_error":
            return float(((y - output) ** 2).mean())
        if name == "mean_absolute_error":
            return float(np.abs(y - output).mean())
        if name in ("hinge", "squared_hinge"):
            signed = 2 * y - 1 if set(np.unique(y)) <= {0.0, 1.0} else y
            margin = np.maximum(1 - signed * output, 0)
            return float((margin if name == "hinge" else margin ** 2).mean(axis=-1).mean())
    return None


def _serve() -> int:
    # Ctrl-C reaches the whole terminal process group: the linter shuts this worker down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # TensorFlow and Keras print; keep the protocol on a private copy of stdout.
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _silence_tensorflow()

    def send(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        observer = Observer()
    except ImportError as error:
        send({"ready": False, "missing": f"{type(error).__name__}: {error}"})
        return 3
    send(observer.hello())
    for line in sys.stdin:
        if not line.strip():
            continue
        plan = json.loads(line)
        try:
            send(observer.observe(plan))
        except Exception as error:  # a bug of ours on one plan must not end the worker
            send({"id": plan.get("id"), "error": short_error(error), "error_stage": "worker"})
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
