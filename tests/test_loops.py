"""Issue #12 item 4: losses outside ``compile`` — applied to a model's output in training loops, user loss
functions that are a Keras loss — give the same setups as ``compile`` and the same rules judge them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json, codes, expected, findings_by_file, lint, reported
from trainlint.engine import lint_text
from trainlint.settings import Settings

LOOPS = FIXTURES / "loops"
PROJECTS = FIXTURES / "projects"


@pytest.fixture(scope="module")
def loop_findings() -> dict[str, list[dict]]:
    return findings_by_file(LOOPS)


@pytest.mark.parametrize("fixture", sorted(LOOPS.glob("*.py")), ids=lambda p: p.stem)
def test_fixture_reports_exactly_what_it_expects(fixture: Path, loop_findings):
    assert reported(loop_findings, fixture) == expected(fixture)


def test_every_bug_fixture_has_a_corrected_variant():
    bugs = [p for p in LOOPS.glob("*.py") if expected(p)]
    corrected = [p for p in LOOPS.glob("*.py") if not expected(p)]  # silent: checked above
    assert len(bugs) >= 8 and len(corrected) >= len(bugs)


def test_message_and_related_places_say_where_the_loss_is_applied(loop_findings):
    [finding] = loop_findings["guide_loop_softmax_head.py"]
    assert "(the loss is applied by loss_fn(...))" in finding["message"]
    notes = {r["line"]: r["message"] for r in finding["related"]}
    assert notes == {9: "the output is a 10-unit softmax head", 24: "the loss is applied to the model's output here"}


def test_one_finding_for_a_loss_applied_in_two_steps():
    source = """
        import tensorflow as tf
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        @tf.function
        def train_step(x, y):
            return loss_fn(y, model(x, training=True))

        @tf.function
        def test_step(x, y):
            return loss_fn(y, model(x, training=False))
        """
    [finding] = lint(source)
    assert finding.code == "TL121"
    assert "loss_fn(...) in train_step(), loss_fn(...) in test_step()" in finding.message
    assert sorted(r.line for r in finding.related if "applied" in r.message) == [9, 13]


def test_tf_nn_message_says_there_are_no_cached_logits(loop_findings):
    [finding] = loop_findings["tf_function_nn_softmax_on_probabilities.py"]
    assert "tf.nn loss applies softmax" in finding["message"] and "no cached logits" in finding["message"]


def test_sparse_from_logits_on_sigmoid_is_categorical_on_sigmoid(loop_findings):
    [finding] = loop_findings["sigmoid_head_sparse_from_logits.py"]
    assert finding["code"] == "TL112" and "from_logits=True takes a softmax of the sigmoids" in finding["message"]


def test_the_same_rule_through_compile_and_through_a_loop():
    compiled = """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """
    looped = """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)(y, model(x))
        """
    assert codes(compiled) == codes(looped) == ["TL121"]


# --- binding: only when the prediction argument is that model's output ----------------------------------------

HEAD = """
import tensorflow as tf
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
"""


@pytest.mark.parametrize("application, bound", [
    ("loss_fn(y, model(x))", True),
    ("loss_fn(y_pred=model(x), y_true=y)", True),
    ("loss_fn(model(x), y)", False),  # Keras losses are (y_true, y_pred): the model output is the target here
    ("loss_fn(y_true=model(x), y_pred=y)", False),
    ("loss_fn(y, model(x)[:, 1:])", False),  # a slice of the output is not the head's output
    ("loss_fn(y, model(x) * mask)", False),
    ("loss_fn(y, other(x))", False),  # an unknown callable
    ("keras.losses.categorical_crossentropy(y, model(x), from_logits=True)", True),
    ("keras.losses.categorical_crossentropy(y, model(x), True)", True),
    ("keras.losses.categorical_crossentropy(model(x), y, from_logits=True)", False),
    ("tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x))", True),
    ("tf.nn.softmax_cross_entropy_with_logits(y, model(x))", True),
    ("tf.nn.softmax_cross_entropy_with_logits(labels=model(x), logits=z)", False),
    ("tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=model(x))", True),
])
def test_binding_honours_argument_order(application, bound):
    assert codes(HEAD + f"loss = {application}\n") == (["TL121"] if bound else [])


def test_activations_between_the_model_and_the_loss_count():
    linear = HEAD.replace(', activation="softmax")])', ")])")
    # the softmax applied to the logits before a from_logits=True loss is one too many
    assert codes(linear + "loss = loss_fn(y, tf.nn.softmax(model(x)))\n") == ["TL121"]
    # ... and exactly right for a loss that reads probabilities
    probabilities = linear.replace("from_logits=True", "")
    assert codes(probabilities + "loss = loss_fn(y, tf.nn.softmax(model(x)))\n") == []
    assert codes(probabilities + "loss = loss_fn(y, keras.layers.Softmax()(model(x)))\n") == []
    assert codes(probabilities + "loss = loss_fn(y, model(x))\n") == ["TL122"]


def test_a_multi_output_model_is_not_bound():
    source = """
        from tensorflow import keras
        inputs = keras.Input(shape=(8,))
        a = keras.layers.Dense(3, activation="softmax")(inputs)
        b = keras.layers.Dense(1, activation="sigmoid")(inputs)
        model = keras.Model(inputs, [a, b])
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)(y, model(x))
        """
    assert codes(source) == []


def test_a_model_passed_to_an_unknown_helper_parameter_is_not_bound():
    source = """
        import tensorflow as tf
        from tensorflow import keras
        def train(model, loss_fn, x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
        """
    assert codes(source) == []


def test_tf_losses_is_tf_keras_losses():
    source = HEAD.replace("keras.losses.CategoricalCrossentropy", "tf.losses.CategoricalCrossentropy")
    assert codes(source + "loss = loss_fn(y, model(x))\n") == ["TL121"]


def test_labels_given_to_the_loss_are_read():
    source = """
        import tensorflow as tf
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        loss = keras.losses.sparse_categorical_crossentropy(tf.one_hot(y, 10), model(x))
        """
    assert codes(source) == ["TL301"]


# --- user loss functions ---------------------------------------------------------------------------------------

LINEAR_MODEL = """
from tensorflow import keras
from tensorflow.keras import backend as K
model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(5)])
"""


@pytest.mark.parametrize("body, found", [
    ("return K.sparse_categorical_crossentropy(y_true, y_pred)", ["TL122"]),
    ("loss = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)\n    return loss", ["TL122"]),
    ("return K.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)", []),
    ("return K.sparse_categorical_crossentropy(y_pred, y_true)", []),  # not the loss of (y_true, y_pred)
    ("return 2.0 * K.sparse_categorical_crossentropy(y_true, y_pred)", []),  # a modified loss is unknown
    ("return K.sparse_categorical_crossentropy(y_true, y_pred[:, :5])", []),
    ("return K.mean(K.sparse_categorical_crossentropy(y_true, y_pred))", []),
])
def test_a_user_loss_is_the_keras_loss_it_returns_exactly(body, found):
    source = LINEAR_MODEL + f"def loss(y_true, y_pred):\n    {body}\n" + \
        "model.compile(optimizer='adam', loss=loss)\n"
    assert codes(source) == found


def test_a_user_loss_called_in_a_loop_is_followed_into():
    source = LINEAR_MODEL + """
def my_loss(labels, predictions):
    return K.sparse_categorical_crossentropy(labels, predictions)

for x, y in dataset:
    value = my_loss(y, model(x, training=True))
"""
    [finding] = lint(source)
    assert finding.code == "TL122" and "in my_loss()" in finding.message


# --- where the model lives --------------------------------------------------------------------------------------

def test_a_model_in_another_module_of_the_project():
    findings = check_json(PROJECTS / "custom_loop")
    assert [(Path(f["filename"]).name, f["line"], f["code"]) for f in findings] == [("train.py", 31, "TL121")]
    head = [r for r in findings[0]["related"] if "head" in r["message"]]
    assert head and Path(head[0]["filename"]).name == "models.py"
    assert check_json(PROJECTS / "custom_loop_from_logits") == []


def test_a_train_step_in_another_module_applies_the_loss_the_script_attaches():
    findings = check_json(PROJECTS / "custom_train_step")
    assert [(Path(f["filename"]).name, f["line"], f["code"]) for f in findings] == [("train.py", 11, "TL121")]
    assert {(Path(r["filename"]).name, r["message"]) for r in findings[0]["related"]} == {
        ("models.py", "the output is a 4-unit softmax head"),
        ("models.py", "the loss is applied to the model's output here")}
    assert check_json(PROJECTS / "custom_train_step_logits") == []


def test_train_step_of_a_model_never_instantiated_here():
    """A model class whose train_step applies a loss to ``self(x)``: its parameters are unknown (no caller),
    yet the head is fixed and so is the verdict."""
    source = """
        import tensorflow as tf
        from tensorflow import keras

        class Classifier(keras.Model):
            def __init__(self, hidden=64):
                super().__init__()
                self.hidden = keras.layers.Dense(hidden, activation="relu")
                self.out = keras.layers.Dense(1, activation="sigmoid")
                self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

            def call(self, x):
                return self.out(self.hidden(x))

            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    loss = self.loss_fn(y, self(x, training=True))
                return {"loss": loss}
        """
    assert codes(source) == ["TL121"]


def test_unknown_constructor_arguments_are_not_guessed_from_defaults():
    """Run standalone, the model's ``__init__`` defaults are not assumed: a caller elsewhere may pass others."""
    source = """
        import tensorflow as tf
        from tensorflow import keras

        class Classifier(keras.Model):
            def __init__(self, classes=1):
                super().__init__()
                self.out = keras.layers.Dense(classes, activation="softmax")

            def call(self, x):
                return self.out(x)

            def train_step(self, data):
                x, y = data
                return keras.losses.categorical_crossentropy(y, self(x))
        """
    assert codes(source) == []  # Dense(1, softmax) would be TL101; the width is unknown here


def test_stats_count_loss_calls_and_those_bound_to_a_model_output():
    source = HEAD + "a = loss_fn(y, model(x))\nb = loss_fn(y, something(x))\nc = loss_fn(y, model(x)[0])\n"
    analysis = lint_text(source, "snippet.py", Settings())
    assert (analysis.stats.loss_calls, analysis.stats.bound_loss_calls) == (3, 1)


def test_a_file_without_compile_or_optimizer_is_analysed():
    source = """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax")])
        loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x))
        """
    assert codes(source) == ["TL121"]


def test_the_audit_summary_counts_losses_applied_in_loops():
    from tests.conftest import run_trainlint

    result = run_trainlint("check", "--no-cache", "--summary", str(LOOPS))
    rows = dict(line.rsplit("  ", 1) for line in result.stdout.splitlines() if line.startswith(
        ("files scanned", "files parsed", "losses applied outside compile", "model output resolved")))
    assert {key.strip(): value.strip() for key, value in rows.items()} == {
        "files scanned": "16", "files parsed": "16",  # a loop with no compile and no optimizer is read too
        "losses applied outside compile": "14", "model output resolved": "14 of 14 (100%)"}


def test_a_softmax_applied_only_at_inference_is_not_the_training_head():
    source = """
        import tensorflow as tf
        from tensorflow import keras

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.out = keras.layers.Dense(10)

            def call(self, x, training=False):
                logits = self.out(x)
                if not training:
                    return tf.nn.softmax(logits)
                return logits

        model = Classifier()
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        for x, y in dataset:
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
        """
    assert codes(source) == []  # the default training=False would have made it a softmax head (TL121)


def test_a_functional_model_subclassed_for_its_train_step():
    """keras.io's "customizing what happens in fit": ``CustomModel(inputs, outputs)`` adds only a train_step."""
    source = """
        import tensorflow as tf
        import keras

        class CustomModel(keras.Model):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.loss_fn = keras.losses.BinaryCrossentropy()

            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    y_pred = self(x, training=True)
                    loss = self.loss_fn(y, y_pred)
                return {"loss": loss}

        inputs = keras.Input(shape=(32,))
        outputs = keras.layers.Dense(1)(inputs)
        model = CustomModel(inputs, outputs)
        model.compile(optimizer="adam")
        model.fit(x, y, epochs=3)
        """
    assert codes(source) == ["TL122"]
    assert codes(source.replace("BinaryCrossentropy()", "BinaryCrossentropy(from_logits=True)")) == []
    # A constructor of its own: its arguments are not keras.Model's (inputs, outputs).
    own = source.replace("def __init__(self, *args, **kwargs):", "def __init__(self, encoder, head, **kwargs):")
    assert codes(own.replace("super().__init__(*args, **kwargs)", "super().__init__(**kwargs)")) == []


def test_a_softmax_applied_at_inference_before_a_last_layer():
    source = """
        import tensorflow as tf
        from tensorflow import keras

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.out = keras.layers.Dense(10)
                self.drop = keras.layers.Dropout(0.2)

            def call(self, x, training=None):
                x = self.out(x)
                if not training:
                    x = tf.nn.softmax(x)
                return self.drop(x)

        model = Classifier()
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x, training=True))
        """
    assert codes(source) == []


@pytest.mark.dynamic
def test_dynamic_confirms_what_a_training_loop_gets_wrong():
    """--dynamic rebuilds the model the loop calls and applies the loss as compile would: the same signals."""
    findings = check_json(LOOPS / "guide_loop_softmax_head.py", LOOPS / "sigmoid_head_sparse_from_logits.py",
                          LOOPS / "tf_function_nn_softmax_on_probabilities.py", extra=("--dynamic", "--no-cache"))
    status = {(Path(f["filename"]).name, f["code"]): f["confirmation"]["status"] for f in findings}
    assert status == {("guide_loop_softmax_head.py", "TL121"): "confirmed",
                      ("sigmoid_head_sparse_from_logits.py", "TL112"): "confirmed",
                      # tf.nn's own double softmax is not what a compiled Keras loss would do: not rebuilt
                      ("tf_function_nn_softmax_on_probabilities.py", "TL121"): "inconclusive"}


def test_keras_3_stateless_call_on_jax_gives_the_models_output():
    source = """
        import jax
        import keras

        inputs = keras.Input(shape=(784,))
        outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Dense(64, activation="relu")(inputs))
        model = keras.Model(inputs, outputs)
        loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)

        def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
            y_pred, non_trainable_variables = model.stateless_call(trainable_variables, non_trainable_variables, x)
            return loss_fn(y, y_pred), non_trainable_variables

        grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)
    """
    assert codes(source) == ["TL121"]
