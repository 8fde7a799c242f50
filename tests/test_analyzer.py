"""The analyzer follows every common way of writing a model, importing Keras and passing losses and metrics."""

from __future__ import annotations

import pytest

from tests.conftest import codes, lint

# --- how the model is written ---------------------------------------------------------------------------------

MODEL_STYLES = {
    "sequential-list": """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """,
    "sequential-add": """
        from tensorflow import keras
        model = keras.Sequential()
        model.add(keras.layers.Dense(8, activation="relu"))
        model.add(keras.layers.Dense(1, activation="softmax"))
        model.compile(loss="binary_crossentropy")
    """,
    "sequential-layers-keyword": """
        import keras
        model = keras.Sequential(layers=[keras.layers.Dense(1, activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """,
    "functional": """
        from tensorflow import keras
        inputs = keras.Input(shape=(4,))
        x = keras.layers.Dense(8, activation="relu")(inputs)
        outputs = keras.layers.Dense(1, activation="softmax")(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(loss="binary_crossentropy")
    """,
    "functional-positional": """
        from tensorflow.keras import Input, Model, layers
        inputs = Input((4,))
        outputs = layers.Dense(1, activation="softmax")(layers.Dense(8)(inputs))
        model = Model(inputs, outputs)
        model.compile("adam", "binary_crossentropy")
    """,
    "subclassed": """
        import tensorflow as tf
        class Net(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = tf.keras.layers.Dense(8, activation="relu")
                self.out = tf.keras.layers.Dense(1, activation="softmax")
            def call(self, inputs):
                return self.out(self.hidden(inputs))
        model = Net()
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """,
    "separate-activation-layer": """
        from keras import layers, Sequential
        model = Sequential([layers.Dense(1), layers.Activation("softmax")])
        model.compile(loss="binary_crossentropy")
    """,
    "softmax-layer": """
        from keras import layers, Sequential
        model = Sequential([layers.Dense(1), layers.Softmax()])
        model.compile(loss="binary_crossentropy")
    """,
    "activation-function-object": """
        import keras
        model = keras.Sequential([keras.layers.Dense(1, activation=keras.activations.softmax)])
        model.compile(loss="binary_crossentropy")
    """,
    "tf-nn-activation-on-tensor": """
        import tensorflow as tf
        inputs = tf.keras.Input((4,))
        logits = tf.keras.layers.Dense(1)(inputs)
        model = tf.keras.Model(inputs, tf.nn.softmax(logits))
        model.compile(loss="binary_crossentropy")
    """,
    "time-distributed": """
        from keras import layers, models
        model = models.Sequential([layers.LSTM(8, return_sequences=True),
                                   layers.TimeDistributed(layers.Dense(1, activation="softmax"))])
        model.compile(loss="binary_crossentropy")
    """,
    "dropout-after-head": """
        import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="softmax"), keras.layers.Dropout(0.5)])
        model.compile(loss="binary_crossentropy")
    """,
    "built-in-a-helper": """
        from tensorflow import keras
        def build(units):
            return keras.Sequential([keras.layers.Dense(units, activation="softmax")])
        def main():
            model = build(1)
            model.compile(optimizer="adam", loss="binary_crossentropy")
    """,
    "units-through-constants": """
        from tensorflow import keras
        CLASSES = ["cat"]
        N = len(CLASSES)
        model = keras.Sequential([keras.layers.Dense(N * 1, activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """,
    "method-of-a-trainer-class": """
        from tensorflow import keras
        class Trainer:
            def build(self):
                self.model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
            def train(self):
                self.build()
                self.model.compile(loss="binary_crossentropy")
    """,
}


@pytest.mark.parametrize("source", MODEL_STYLES.values(), ids=MODEL_STYLES.keys())
def test_every_model_style_finds_the_softmax_on_one_unit(source):
    assert "TL101" in codes(source)


def test_double_softmax_through_a_separate_layer():
    assert "TL116" in codes("""
        from keras import layers, Sequential
        model = Sequential([layers.Dense(3, activation="softmax"), layers.Activation("softmax")])
        model.compile(loss="categorical_crossentropy")
    """)


def test_missing_activation_is_linear():
    assert codes("""
        import keras
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(loss="binary_crossentropy")
    """) == ["TL122"]


# --- how Keras is imported ------------------------------------------------------------------------------------

IMPORTS = {
    "keras": "import keras\nDense = keras.layers.Dense\nSequential = keras.Sequential",
    "tensorflow.keras": "from tensorflow.keras.layers import Dense\nfrom tensorflow.keras.models import Sequential",
    "tf.keras": "import tensorflow as tf\nDense = tf.keras.layers.Dense\nSequential = tf.keras.models.Sequential",
    "alias": "from keras.layers import Dense as D\nfrom keras.models import Sequential\nDense = D",
    "layers-module": "from tensorflow.keras import layers, models\nDense = layers.Dense\nSequential = models.Sequential",
    "keras.src": "from keras.src.layers.core.dense import Dense\nfrom keras.src.models.sequential import Sequential",
    "tensorflow.python.keras": ("from tensorflow.python.keras.layers import Dense\n"
                                "from tensorflow.python.keras.models import Sequential"),
    "tf_keras": "import tf_keras\nDense = tf_keras.layers.Dense\nSequential = tf_keras.Sequential",
    "old-keras-layers-core": "from keras.layers.core import Dense\nfrom keras.models import Sequential",
}


@pytest.mark.parametrize("imports", IMPORTS.values(), ids=IMPORTS.keys())
def test_every_import_style_resolves(imports):
    source = imports + "\nmodel = Sequential([Dense(1, activation='sigmoid')])\nmodel.compile(loss='categorical_crossentropy')\n"
    assert codes(source) == ["TL102"]


def test_a_local_class_named_dense_is_not_keras():
    assert codes("""
        from tensorflow import keras
        class Dense:
            def __init__(self, units, activation=None):
                pass
        model = keras.Sequential([Dense(1, activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """) == []


def test_rebinding_a_name_shadows_the_import():
    assert codes("""
        from tensorflow.keras.layers import Dense
        Dense = make_layer
        model = keras.Sequential([Dense(1, activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """) == []


# --- losses and metrics ----------------------------------------------------------------------------------------

HEAD = """
import tensorflow as tf
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
"""

LOSS_FORMS = {
    "string": 'model.compile(loss="categorical_crossentropy")',
    "class-name-string": 'model.compile(loss="CategoricalCrossentropy")',
    "function": "model.compile(loss=keras.losses.categorical_crossentropy)",
    "tf-function": "model.compile(loss=tf.keras.losses.categorical_crossentropy)",
    "object": "model.compile(loss=keras.losses.CategoricalCrossentropy())",
    "object-with-arguments": "model.compile(loss=tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1))",
    "list": 'model.compile(loss=["categorical_crossentropy"])',
    "positional": 'model.compile("adam", "categorical_crossentropy")',
    "through-a-variable": 'LOSS = "categorical_crossentropy"\nmodel.compile(loss=LOSS)',
    "focal": 'model.compile(loss="categorical_focal_crossentropy")',
}


@pytest.mark.parametrize("call", LOSS_FORMS.values(), ids=LOSS_FORMS.keys())
def test_every_loss_form_resolves(call):
    assert codes(HEAD + call) == ["TL102"]


def test_loss_dict_by_output_name():
    assert codes("""
        from tensorflow import keras
        inputs = keras.Input((8,))
        kind = keras.layers.Dense(1, activation="sigmoid", name="kind")(inputs)
        size = keras.layers.Dense(1, name="size")(inputs)
        model = keras.Model(inputs, [kind, size])
        model.compile(loss={"kind": "categorical_crossentropy", "size": "mse"})
    """) == ["TL102"]


def test_loss_list_per_output():
    assert codes("""
        from tensorflow import keras
        inputs = keras.Input((8,))
        a = keras.layers.Dense(1, activation="sigmoid")(inputs)
        b = keras.layers.Dense(4, activation="softmax")(inputs)
        model = keras.Model(inputs, [a, b])
        model.compile(loss=["binary_crossentropy", "binary_crossentropy"])
    """) == ["TL111"]


def test_unknown_loss_strings_are_silent():
    # Case matters for losses (keras-semantics.md §1.2): 'Binary_Crossentropy' is not a Keras loss.
    assert codes(HEAD + 'model.compile(loss="Categorical_Crossentropy")') == []
    assert codes(HEAD + 'model.compile(loss=my_loss)') == []
    assert codes(HEAD + 'model.compile(loss=lambda y, p: keras.losses.categorical_crossentropy(y, p))') == []


def test_crossentropy_alias_resolves_on_one_unit_under_keras_3_only():
    source = """
        import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
        model.compile(loss="crossentropy", metrics=["accuracy"])
    """
    assert codes(source, "3") == ["TL101"]
    assert codes(source.replace('"crossentropy"', '"CE"'), "3") == ["TL101"]


@pytest.mark.parametrize("accuracy", ["accuracy", "acc", "Accuracy", "ACC"])
def test_accuracy_string_is_case_insensitive(accuracy):
    source = f"""
        import keras
        model = keras.Sequential([keras.layers.Dense(12, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", metrics=["{accuracy}"])
    """
    assert codes(source) == ["TL201"]


def test_metric_resolution_depends_on_the_keras_version():
    source = """
        import keras
        model = keras.Sequential([keras.layers.Dense(12, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    """
    [keras3] = lint(source, "3")
    [keras2] = lint(source, "2")
    assert "CategoricalAccuracy" in keras3.message
    assert "categorical_accuracy" in keras2.message
    assert lint(source, "legacy") == []  # Keras <= 2.3 picked binary_accuracy from the loss: correct there


def test_bare_metric_string_raises_only_in_keras_3():
    source = """
        import keras
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(loss="categorical_crossentropy", metrics="accuracy")
    """
    assert codes(source, "3") == ["TL204"]
    assert codes(source, "2") == []


# --- scenarios ----------------------------------------------------------------------------------------------------

def test_conditional_expression_in_the_caller_agrees_with_the_helper():
    assert codes("""
        from tensorflow import keras
        def head(num_classes):
            return (1, "sigmoid") if num_classes == 2 else (num_classes, "softmax")
        def build(num_classes):
            units, activation = head(num_classes)
            model = keras.Sequential([keras.layers.Dense(units, activation=activation)])
            model.compile(loss="binary_crossentropy" if num_classes <= 2 else "categorical_crossentropy")
    """) == []


def test_a_finding_in_one_scenario_names_it():
    findings = lint("""
        from tensorflow import keras
        def build(binary):
            units = 1 if binary else 10
            model = keras.Sequential([keras.layers.Dense(units, activation="softmax")])
            model.compile(loss="categorical_crossentropy")
    """)
    assert sorted(f.code for f in findings) == ["TL101", "TL102"]
    for finding in findings:
        assert finding.scenario == "binary"
        assert finding.message.startswith("when binary: ")


def test_a_finding_in_every_scenario_is_unconditional():
    [finding] = lint("""
        from tensorflow import keras
        def build(num_classes, wide):
            hidden = 128 if wide else 16
            model = keras.Sequential([keras.layers.Dense(hidden, activation="relu"),
                                      keras.layers.Dense(1, activation="softmax")])
            model.compile(loss="binary_crossentropy")
    """)
    assert finding.code == "TL101" and finding.scenario is None


def test_equality_assumption_gives_the_unknown_its_value():
    [finding] = lint("""
        from tensorflow import keras
        def build(num_classes):
            model = keras.Sequential([keras.layers.Dense(num_classes, activation="softmax")])
            if num_classes == 2:
                model.compile(loss="binary_crossentropy")
            else:
                model.compile(loss="categorical_crossentropy")
    """)
    assert finding.code == "TL111" and finding.scenario == "num_classes == 2"


def test_module_constants_decide_branches():
    assert codes("""
        from tensorflow import keras
        NUM_CLASSES = 5
        def build():
            if NUM_CLASSES == 2:
                return keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
            return keras.Sequential([keras.layers.Dense(NUM_CLASSES, activation="softmax")])
        model = build()
        model.compile(loss="binary_crossentropy")
    """) == ["TL111"]


# --- precision: nothing rests on an unresolved value -------------------------------------------------------------

SILENT = {
    # The verdict needs the width: sparse crossentropy on a softmax is right for n >= 2 (TL103 needs n == 1).
    "units-from-data-where-the-verdict-needs-them": """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(y_train.shape[1], activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy")
    """,
    # The verdict needs the width: binary crossentropy on a sigmoid is right for any n; only the labels could say.
    "units-from-an-unbound-argument-where-the-verdict-needs-them": """
        from tensorflow import keras
        def build(n):
            model = keras.Sequential([keras.layers.Dense(n, activation="sigmoid")])
            model.compile(loss="binary_crossentropy", metrics=["accuracy"])
            return model
    """,
    "model-from-an-unknown-function": """
        from tensorflow import keras
        model = make_model()
        model.compile(loss="categorical_crossentropy")
    """,
    "head-added-in-a-loop": """
        from tensorflow import keras
        model = keras.Sequential()
        for size in sizes:
            model.add(keras.layers.Dense(size, activation="softmax"))
        model.compile(loss="binary_crossentropy")
    """,
    "layer-stack-from-a-variable": """
        from tensorflow import keras
        model = keras.Sequential(build_layers())
        model.compile(loss="binary_crossentropy")
    """,
    "last-layer-not-dense": """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1), keras.layers.BatchNormalization()])
        model.compile(loss="binary_crossentropy")
    """,
    "pretrained-model-without-its-top": """
        from tensorflow import keras
        model = keras.applications.ResNet50(weights=None, include_top=False)
        model.compile(loss="binary_crossentropy")
    """,
    "not-keras-at-all": """
        import keras
        class Model:
            def compile(self, loss):
                pass
        m = Model()
        m.compile(loss="categorical_crossentropy")
    """,
    "shape-dependent-crossentropy": """
        import keras
        model = keras.Sequential([keras.layers.Dense(4, activation="sigmoid")])
        model.compile(loss="crossentropy")
    """,
}


@pytest.mark.parametrize("source", SILENT.values(), ids=SILENT.keys())
def test_unresolved_values_mean_silence(source):
    assert codes(source) == []


# These asserted silence once because the width was unknown; the verdict does not need the width.
ANY_WIDTH = {
    # binary crossentropy on a softmax: degenerate over 1 unit, a sigmoid loss on softmax logits over more.
    "units-from-data": ("""
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(y_train.shape[1], activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """, "TL111"),
    # categorical crossentropy on a sigmoid: identically 0 over 1 unit, sigmoids that do not sum to 1 over more.
    "units-from-an-unbound-argument": ("""
        from tensorflow import keras
        def build(n):
            model = keras.Sequential([keras.layers.Dense(n, activation="sigmoid")])
            model.compile(loss="categorical_crossentropy")
            return model
    """, "TL112"),
}


@pytest.mark.parametrize("source, code", ANY_WIDTH.values(), ids=ANY_WIDTH.keys())
def test_a_verdict_that_holds_for_any_width_is_not_silenced_by_an_unknown_width(source, code):
    [finding] = lint(source)
    assert finding.code == code and "for any number of units" in finding.message


def test_a_known_head_added_after_an_unknown_loop_is_resolved():
    assert codes("""
        from tensorflow import keras
        model = keras.Sequential()
        for size in sizes:
            model.add(keras.layers.Dense(size, activation="relu"))
        model.add(keras.layers.Dense(1, activation="softmax"))
        model.compile(loss="binary_crossentropy")
    """) == ["TL101"]


def test_recursion_and_deep_call_chains_do_not_crash():
    assert codes("""
        from tensorflow import keras
        def f(n):
            return f(n - 1)
        model = keras.Sequential([keras.layers.Dense(f(3), activation="softmax")])
        model.compile(loss="binary_crossentropy")
    """) == ["TL111"]  # the width stays unknown; binary crossentropy on a softmax is wrong for any width


def test_functions_see_globals_bound_after_a_module_level_branch():
    assert codes("""
        import sys
        from tensorflow import keras
        def build():
            return keras.Sequential([keras.layers.Dense(UNITS, activation="softmax")])
        if sys.argv[1] == "small":
            HIDDEN = 16
        else:
            HIDDEN = 64
        UNITS = 1
        model = build()
        model.compile(loss="binary_crossentropy")
    """) == ["TL101"]
