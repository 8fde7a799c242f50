"""Coverage you can see: every compile call with a loss is judged or has a reason why not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_trainlint
from tests.expectations import expected_reports
from trainlint.engine import lint_text

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _expected_reasons(text: str) -> dict[int, str]:
    return {number: match.group(1).strip() for number, line in enumerate(text.splitlines(), 1)
            if (match := re.search(r"# unresolved: (.+)$", line))}


def _unresolved(text: str, filename: str = "train.py") -> tuple[dict[int, str], object]:
    sites: list = []
    analysis = lint_text(text, filename, unresolved_sites=sites)
    return {site.line: site.reason for site in sites}, analysis.stats


def test_each_unresolved_compile_call_has_its_reason():
    text = (FIXTURES / "coverage" / "unresolved_reasons.py").read_text()
    reasons, stats = _unresolved(text)
    assert reasons == _expected_reasons(text)
    assert (stats.compile_calls, stats.compile_calls_with_loss, stats.resolved_compile_calls) == (13, 13, 1)
    assert stats.runtime_width == 1
    assert sum(stats.unresolved.values()) == 12 and stats.unresolved["loss: user function"] == 1


def test_re_compile_and_torch_compile_are_not_compile_calls():
    text = "import re, torch\nfrom tensorflow import keras\npattern = re.compile('x')\nfast = torch.compile(f)\n"
    _, stats = _unresolved(text)
    assert stats.compile_calls == 0


def test_explain_unresolved_lists_each_site_with_its_reason(tmp_path):
    source = FIXTURES / "coverage" / "unresolved_reasons.py"
    (tmp_path / "train.py").write_text(source.read_text())
    result = run_trainlint("check", "--explain-unresolved", "train.py", cwd=tmp_path)
    assert "12 compile calls with a loss not judged" in result.stdout
    assert "train.py:17:1: model: load_model" in result.stdout
    assert "train.py:23:1: loss: user function (focal_loss)" in result.stdout
    as_json = run_trainlint("check", "--explain-unresolved", "--output-format", "json", "train.py", cwd=tmp_path)
    assert as_json.stdout.strip() == "[]" and "model: load_model" in as_json.stderr


HEAD_FIXTURES = sorted(p for p in (FIXTURES / "coverage").glob("*.py") if p.name != "unresolved_reasons.py")


@pytest.mark.parametrize("path", HEAD_FIXTURES, ids=lambda p: p.name)
def test_heads_models_and_aliases_resolve_and_are_judged(path):
    """Each bug line is reported with its code; each corrected variant is silent *and* resolved (judged)."""
    sites: list = []
    analysis = lint_text(path.read_text(), str(path), unresolved_sites=sites)
    assert {(f.line, f.code) for f in analysis.findings} == expected_reports(path)
    assert sites == []
    assert analysis.stats.compile_calls_with_loss == analysis.stats.resolved_compile_calls > 0


def test_a_class_with_its_own_compile_takes_no_keras_loss_by_position():
    text = '''
from tensorflow import keras

class GAN(keras.Model):
    def __init__(self, generator, discriminator):
        super().__init__()
        self.generator = generator

    def compile(self, g_optimizer, d_optimizer, loss_fn):
        super().compile()
        self.loss_fn = loss_fn

gan = GAN(None, None)
gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), keras.losses.BinaryCrossentropy())
'''
    _, stats = _unresolved(text)
    assert stats.compile_calls_with_loss == 0 and stats.unresolved == {}


def test_a_recurrent_softmax_is_no_softmax_head():
    text = '''
from tensorflow import keras
model = keras.Sequential([keras.layers.LSTM(1, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
'''
    reasons, stats = _unresolved(text)
    assert lint_text(text, "train.py").findings == [] and reasons == {4: "activation: not resolved"}


def test_applications_read_by_position_or_without_their_top_are_not_guessed():
    text = '''
from tensorflow import keras
a = keras.applications.ResNet50(False)
a.compile(optimizer="adam", loss="binary_crossentropy")
b = keras.applications.ResNet50(include_top=False)
b.compile(optimizer="adam", loss="binary_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert reasons == {4: "head: keras.applications model with positional arguments",
                       6: "head: keras.applications model without its top"}


def test_starred_arguments_are_read_only_when_their_items_are_known():
    text = '''
import json
from tensorflow import keras

def build(units, activation="softmax"):
    return keras.Sequential([keras.layers.Dense(units, activation=activation)])

known = build(*[1], **{"activation": "softmax"})
known.compile(optimizer="adam", loss="binary_crossentropy")
loaded = build(**json.load(open("config.json")))
loaded.compile(optimizer="adam", loss="binary_crossentropy")
twice = build(1, **{"units": 1})
twice.compile(optimizer="adam", loss="binary_crossentropy")
'''
    reasons, _ = _unresolved(text)
    findings = lint_text(text, "train.py").findings
    assert {(f.line, f.code) for f in findings} == {(6, "TL101")}
    assert reasons == {11: "model: not visible", 13: "model: not visible"}


def test_a_train_step_that_hands_the_model_to_unfollowed_code_keeps_the_models_outputs():
    """The JAX guide's step passes a method of the model to jax.value_and_grad: the compiled loss may be applied
    there, so the compile call pairs it with the model's outputs as Keras's own step would (not "never applied")."""
    text = '''
import jax
import keras

class CustomModel(keras.Model):
    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = self.stateless_call(trainable_variables, non_trainable_variables, x)
        return self.compute_loss(x, y, y_pred), non_trainable_variables

    def train_step(self, state, data):
        x, y = data
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        return grad_fn(state[0], state[1], x, y)

inputs = keras.Input(shape=(32,))
model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
model.compile(optimizer="adam", loss="binary_crossentropy")
'''
    reasons, stats = _unresolved(text)
    assert reasons == {} and stats.resolved_compile_calls == 1
    assert [f.code for f in lint_text(text, "train.py").findings] == ["TL122"]


def test_a_compile_override_handing_keras_its_loss_is_one_site_with_that_loss():
    text = '''
from tensorflow import keras

class WithCustomCompile(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4, activation="softmax")

    def call(self, inputs):
        return self.dense(inputs)

    def compile(self, optimizer, loss_fn, metrics):
        super().compile(optimizer=optimizer, loss=loss_fn, metrics=metrics)
        self.loss_fn = loss_fn

model = WithCustomCompile()
model.compile(optimizer="sgd", loss_fn="binary_crossentropy", metrics=["accuracy"])
'''
    reasons, stats = _unresolved(text)
    assert (stats.compile_calls, stats.compile_calls_with_loss, stats.resolved_compile_calls) == (1, 1, 1)
    assert [(f.line, f.code) for f in lint_text(text, "train.py").findings] == [(17, "TL111")]


def test_the_loss_another_model_applies_is_not_this_compile_calls():
    text = '''
import tensorflow as tf
from tensorflow import keras

class Trainer(keras.Model):
    def __init__(self, network, teacher):
        super().__init__()
        self.network = network
        self.teacher = teacher

    def train_step(self, data):
        x, y = data
        loss = self.teacher.compute_loss(x, y, self.network(x))
        return {"loss": loss}

teacher = Trainer(keras.Sequential([keras.layers.Dense(3)]), None)
student = Trainer(keras.Sequential([keras.layers.Dense(3, activation="softmax")]), teacher)
student.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert reasons == {18: "loss: not applied by the class's train_step"}


def test_a_custom_layer_mixing_tensors_or_frozen_weights_is_no_linear_head():
    """Exact or unknown: ``softmax(scores) @ values`` averages its inputs (probabilities stay probabilities), and a
    frozen variable may be a permutation; only a product with a trained weight is logits."""
    text = '''
import tensorflow as tf
from tensorflow import keras

class Pool(keras.layers.Layer):
    def call(self, x):
        return tf.matmul(tf.nn.softmax(x), x)

class Frozen(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(4, 4), trainable=False)

    def call(self, x):
        return tf.matmul(x, self.w)

pooled = keras.Sequential([keras.layers.Dense(4, activation="softmax"), Pool()])
pooled.compile(optimizer="adam", loss="categorical_crossentropy")
frozen = keras.Sequential([keras.layers.Dense(4, activation="softmax"), Frozen()])
frozen.compile(optimizer="adam", loss="categorical_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert lint_text(text, "train.py").findings == []
    assert set(reasons.values()) == {"head: custom layer call() returns an unknown value"} and len(reasons) == 2


def test_activations_get_none_is_linear_and_a_named_one_is_that_activation():
    text = '''
from tensorflow import keras

class Head(keras.layers.Layer):
    def __init__(self, activation=None):
        super().__init__()
        self.activation = keras.activations.get(activation)
        self.dense = keras.layers.Dense(3)

    def call(self, x):
        return self.activation(self.dense(x))

logits = keras.Sequential([Head()])
logits.compile(optimizer="adam", loss="categorical_crossentropy")
probabilities = keras.Sequential([Head("softmax")])
probabilities.compile(optimizer="adam", loss="categorical_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert reasons == {}
    assert [(f.line, f.code) for f in lint_text(text, "train.py").findings] == [(14, "TL122")]


def test_losses_applied_outside_compile_to_no_resolved_output_have_their_reason():
    text = '''
import tensorflow as tf
from tensorflow import keras

loaded = keras.models.load_model("classifier.keras")
inputs = keras.Input((8,))
scaled = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Dense(3)(inputs)))
known = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
for x, y in dataset:
    with tf.GradientTape() as tape:
        first = loss_fn(y, loaded(x, training=True))
        second = loss_fn(y, scaled(x, training=True))
        third = loss_fn(y, known(x, training=True))
'''
    sites: list = []
    analysis = lint_text(text, "train.py", unresolved_sites=sites)
    assert {(site.line, site.kind, site.reason) for site in sites} == {
        (12, "loss call", "output: load_model"), (13, "loss call", "head: layer Lambda")}
    assert (analysis.stats.loss_calls, analysis.stats.bound_loss_calls) == (3, 1)
    assert analysis.stats.unbound == {"output: load_model": 1, "head: layer Lambda": 1}


def test_rescaling_keeps_only_a_linear_head_and_reshaping_loses_a_softmax():
    """``Rescaling`` after a sigmoid leaves a range no activation names; a reshape keeps a sigmoid element by
    element, but a softmax no longer sums to 1 over the last axis."""
    text = '''
from tensorflow import keras
from tensorflow.keras import layers
rated = keras.Sequential([layers.Dense(1, activation="sigmoid"), layers.Rescaling(5.0)])
rated.compile(optimizer="adam", loss="binary_crossentropy")
grid = keras.Sequential([layers.Dense(9, activation="softmax"), layers.Reshape((3, 3))])
grid.compile(optimizer="adam", loss="binary_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert lint_text(text, "train.py").findings == []
    assert reasons == {5: "activation: not resolved", 7: "activation: not resolved"}


def test_a_cosine_or_a_dot_of_bounded_sides_is_no_logit():
    text = '''
from tensorflow import keras
from tensorflow.keras import layers
a, b = keras.Input((8,)), keras.Input((8,))
left, right = layers.Dense(4, activation="softmax")(a), layers.Dense(4, activation="softmax")(b)
overlap = keras.Model([a, b], layers.Dot(axes=1)([left, right]))
overlap.compile(optimizer="adam", loss="binary_crossentropy")
cosine = keras.Model([a, b], layers.Dot(axes=1, normalize=True)([layers.Dense(4)(a), layers.Dense(4)(b)]))
cosine.compile(optimizer="adam", loss="binary_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert lint_text(text, "train.py").findings == []
    assert reasons == {7: "head: layer Dot", 9: "head: layer Dot"}


def test_activations_get_as_a_dense_activation_is_that_activation():
    text = '''
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(3, activation=keras.activations.get("softmax"))])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
'''
    reasons, _ = _unresolved(text)
    assert reasons == {}
    assert [(f.line, f.code) for f in lint_text(text, "train.py").findings] == [(4, "TL121")]


def test_a_model_with_dict_outputs_is_not_unpacked_by_position():
    """Calling a model built with outputs={...} returns a dict: unpacking it yields its keys, indexing by position
    raises. Neither names an output."""
    text = '''
from tensorflow import keras
inputs = keras.Input((16,))
h = keras.layers.Dense(8, activation="relu")(inputs)
keyed = keras.Model(inputs, {"valid": keras.layers.Dense(1, activation="sigmoid")(h), "label": keras.layers.Dense(10)(h)})
z = keras.Input((16,))
valid, label = keyed(z)
unpacked = keras.Model(z, label)
unpacked.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
indexed = keras.Model(z, keyed(z)[1])
indexed.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
'''
    reasons, _ = _unresolved(text)
    assert lint_text(text, "train.py").findings == []
    assert reasons == {9: "head: unknown value", 11: "head: unknown value"}
