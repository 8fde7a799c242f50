"""What ``--dynamic`` would build for a finding: the model as written or a surrogate, and the label batch.

No TensorFlow here: these tests read the plans that the worker would receive.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from trainlint.dynamic.plan import ASSUMED_UNITS, ModelPlan, plan_for
from trainlint.engine import lint_text


def plans(code: str) -> dict[str, ModelPlan]:
    origins = {}
    findings = lint_text(textwrap.dedent(code), "snippet.py", origins=origins).findings
    assert findings, "the snippet should have a finding"
    return {finding.code: plan_for(finding.code, origins[finding]) for finding in findings}


def test_a_resolved_sequential_stack_is_rebuilt_as_written():
    plan = plans("""
        from tensorflow import keras
        model = keras.Sequential()
        model.add(keras.layers.Dense(16, activation="relu", input_shape=(30,), name="hidden"))
        model.add(keras.layers.Dropout(0.5))
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
    """)["TL103"]
    assert plan.model.faithful and plan.model.input_shape == (30,)
    assert [(layer.cls, layer.args, dict(layer.kwargs)) for layer in plan.model.layers] == [
        ("Dense", (16,), {"activation": "relu"}), ("Dropout", (0.5,), {}), ("Dense", (1,), {"activation": "sigmoid"})]
    assert plan.optimizer == {"class": "Adam", "kwargs": {"learning_rate": 1e-3}}
    assert plan.labels == {"format": "ids", "classes": 2}  # ids 0 and 1: 1 is out of range for one unit


def test_a_functional_chain_from_one_input_is_rebuilt_as_written():
    plan = plans("""
        import keras
        inputs = keras.Input(shape=(20,))
        hidden = keras.layers.Dense(64, activation="relu")(inputs)
        outputs = keras.layers.Dense(4, activation="softmax")(hidden)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    """)["TL111"]
    assert plan.model.faithful and plan.model.input_shape == (20,)
    assert [layer.cls for layer in plan.model.layers] == ["Dense", "Dense"]
    assert plan.optimizer == {"string": "rmsprop"}


def test_an_embedding_stack_gets_integer_inputs_below_its_vocabulary():
    plan = plans("""
        import keras
        model = keras.Sequential([keras.layers.Embedding(500, 8, input_length=40),
                                  keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """)["TL101"]
    assert plan.model.faithful
    assert (plan.model.input_dtype, plan.model.input_high, plan.model.input_shape) == ("int32", 500, (40,))
    assert dict(plan.model.layers[0].kwargs) == {}  # input_length is not passed on: Keras 3 rejects it


@pytest.mark.parametrize(("code", "reason"), [
    ("""
        import keras
        from keras import layers

        class Attention(layers.Layer):
            def call(self, inputs):
                return inputs

        model = keras.Sequential([keras.Input(shape=(12,)), Attention(), layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """, "Attention is a layer class of the audited code"),
    ("""
        import keras
        def build(depth):
            model = keras.Sequential([keras.Input(shape=(8,))])
            for _ in range(depth):
                model.add(keras.layers.Dense(32, activation="relu"))
            model.add(keras.layers.Dense(1, activation="softmax"))
            model.compile(optimizer="adam", loss="binary_crossentropy")
    """, "did not resolve"),
    ("""
        import keras
        def build(input_shape):
            model = keras.Sequential([keras.layers.Conv1D(8, 3, input_shape=input_shape),
                                      keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1, activation="softmax")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
    """, "an argument of Conv1D(...) did not resolve"),
    ("""
        import keras
        model = keras.Sequential([keras.layers.Embedding(3_000_000, 300), keras.layers.GlobalAveragePooling1D(),
                                  keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """, "Embedding(...) as written is too large to build in a quick check"),
])
def test_what_cannot_be_rebuilt_as_written_becomes_a_surrogate_with_the_same_head(code, reason):
    plan = plans(code)["TL101"]
    assert not plan.model.faithful
    assert reason in plan.model.note and "same 1-unit softmax head" in plan.model.note
    assert [(layer.cls, layer.args) for layer in plan.model.layers][-1] == ("Dense", (1,))
    assert dict(plan.model.layers[-1].kwargs) == {"activation": "softmax"}


def test_a_width_the_finding_does_not_need_is_assumed_and_said_so():
    plan = plans("""
        import keras
        def build(num_classes):
            model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(num_classes, activation="softmax")])
            model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    """)["TL121"]
    assert plan.model.layers[-1].args == (ASSUMED_UNITS,)
    assert f"assumed {ASSUMED_UNITS}-unit" in plan.model.note
    assert plan.loss == {"name": "categorical_crossentropy", "form": "object", "class": "CategoricalCrossentropy",
                         "from_logits": True}


@pytest.mark.parametrize(("code", "rule", "labels"), [
    ('Dense(12, activation="sigmoid")', 'loss="binary_crossentropy", metrics=["accuracy"]',
     {"format": "multihot", "classes": 12}),
    ('Dense(1, activation="sigmoid")', 'loss="categorical_crossentropy"', {"format": "binary", "classes": 2}),
    ('Dense(4, activation="softmax")', 'loss="categorical_crossentropy", metrics=["sparse_categorical_accuracy"]',
     {"format": "onehot", "classes": 4}),
    ('Dense(6, activation="softmax")', 'loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"]',
     {"format": "ids", "classes": 6}),
    ('Dense(1)', 'loss="mse", metrics=["accuracy"]', {"format": "regression", "classes": 1}),
])
def test_the_label_batch_has_the_format_the_code_implies(code, rule, labels):
    (plan,) = plans(f"""
        import keras
        model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.{code}])
        model.compile(optimizer="adam", {rule})
    """).values()
    assert plan.labels == labels


def test_a_plan_is_plain_json_without_the_audited_source():
    code = """
        import keras
        SECRET_TOKEN = "do-not-ship"
        model = keras.Sequential([keras.Input(shape=(5,)),
                                  keras.layers.Dense(1, activation="softmax", name=SECRET_TOKEN)])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """
    sent = plans(code)["TL101"].to_json(7)
    assert json.loads(sent)["id"] == 7
    assert "do-not-ship" not in sent and "SECRET_TOKEN" not in sent
