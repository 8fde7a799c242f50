"""Issue #8 acceptance: label format, label range, units vs classes and optimizer arguments, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, codes, expected, findings_by_file, lint, reported

LABELS = FIXTURES / "labels"


@pytest.fixture(scope="module")
def label_findings() -> dict[str, list[dict]]:
    return findings_by_file(LABELS)


@pytest.mark.parametrize("fixture", sorted(LABELS.glob("*.py")), ids=lambda p: p.stem)
def test_fixture_reports_exactly_what_it_expects(fixture: Path, label_findings):
    assert reported(label_findings, fixture) == expected(fixture)


def test_label_range_names_both_places_and_what_happens(label_findings):
    [finding] = label_findings["textvectorization_labels.py"]
    assert finding["kind"] == "label-range"
    assert "run from 2 to 6" in finding["message"] and "reserves 0 for padding and 1" in finding["message"]
    assert "fails on CPU and gives a NaN loss on GPU" in finding["message"]
    assert {r["line"] for r in finding["related"]} == {18, 20}  # the head, the loss


def test_kinds(label_findings):
    kinds = {f["code"]: f["kind"] for findings in label_findings.values() for f in findings}
    assert kinds == {"TL301": "label-format-mismatch", "TL302": "label-format-mismatch", "TL311": "label-range",
                     "TL321": "units-classes-mismatch", "TL401": "optimizer-api"}


def test_lr_message_depends_on_the_keras_version():
    source = (LABELS / "adam_lr.py").read_text()
    [keras3] = lint(source, "3")
    [keras2] = lint(source, "2")
    assert "raises ValueError (\"Argument(s) not recognized" in keras3.message and "under Keras 3" in keras3.message
    assert "ignores lr=" in keras2.message and "default learning rate 0.001, not 0.01" in keras2.message
    assert keras3.message != keras2.message
    assert lint(source, "legacy") == []  # lr= was the argument's name in Keras <= 2.3


def test_optimizer_built_but_never_compiled_is_still_reported():
    assert codes("from tensorflow import keras\nopt = keras.optimizers.SGD(lr=0.1, momentum=0.9)\n") == ["TL401"]


def test_legacy_optimizers():
    source = "import tensorflow as tf\nopt = tf.keras.optimizers.legacy.Adam(lr=0.01)\n"
    assert codes(source, "3") == ["TL403"]
    assert codes(source, "2") == []  # honoured by tf.keras's legacy optimizers


def test_lr_equal_to_the_default_changes_nothing_under_tf_keras():
    assert codes("from tensorflow import keras\nopt = keras.optimizers.Adam(lr=0.001)\n", "2") == []


@pytest.mark.parametrize("dataset,classes", [("mnist", 10), ("cifar100", 100)])
def test_keras_datasets_give_class_ids_and_their_count(dataset, classes):
    source = f"""
        from tensorflow import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.{dataset}.load_data()
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(8, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train)
    """
    [finding] = lint(source)
    assert finding.code == "TL321" and f"{classes} classes" in finding.message


@pytest.mark.parametrize("producer", [
    "tf.one_hot(ids, 4)",
    "np.eye(4)[ids]",
    "keras.utils.to_categorical(ids, 4)",
    "pd.get_dummies(frame['label']).values",
])
def test_one_hot_producers(producer):
    source = f"""
        import numpy as np
        import pandas as pd
        import tensorflow as tf
        from tensorflow import keras
        y = {producer}
        model = keras.Sequential([keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y)
    """
    assert codes(source) == ["TL301"]


def test_string_lookup_reserves_an_oov_index():
    source = """
        import keras
        lookup = keras.layers.StringLookup(vocabulary=["cat", "dog", "bird"])
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, lookup(names))
    """
    [finding] = lint(source)
    assert finding.code == "TL311" and "run from 1 to 3" in finding.message
    assert codes(source.replace('vocabulary=["cat", "dog", "bird"]',
                                'vocabulary=["cat", "dog", "bird"], num_oov_indices=0')) == []


def test_tf_data_pipeline_labels():
    source = """
        import tensorflow as tf
        y = tf.keras.utils.to_categorical(ids, num_classes=6)
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
        model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(dataset, epochs=3)
    """
    assert codes(source) == ["TL321"]


def test_shifted_labels_are_not_guessed():
    # y - 1 fixes the range; arithmetic on labels makes them unknown rather than wrongly shifted.
    source = (LABELS / "tokenizer_labels_5_units.py").read_text().replace(
        "texts_to_sequences(train_labels))", "texts_to_sequences(train_labels)) - 1")
    assert codes(source) == []


def test_labels_meet_the_compile_in_the_same_scenario():
    source = """
        from tensorflow import keras
        def train(x, ids, one_hot):
            y = keras.utils.to_categorical(ids, 3) if one_hot else ids
            loss = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
            model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss=loss)
            model.fit(x, y)
    """
    assert codes(source) == []
    [swapped] = lint(source.replace('if one_hot else "sparse', 'if not one_hot else "sparse'))
    assert swapped.code == "TL301" and swapped.scenario == "one_hot"


def test_visible_single_label_targets_silence_the_multi_label_assumption():
    source = """
        from tensorflow import keras
        y = keras.utils.to_categorical(ids, 2)
        model = keras.Sequential([keras.layers.Dense(2, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y)
    """
    # One-hot rows are one class per sample: not TL201's multi-label verdict, but a sigmoid + binary
    # crossentropy head for single-label targets (TL117, issue 12).
    assert codes(source) == ["TL117"]
    assert codes(source.replace("model.fit(x, y)", "model.fit(x, multi_hot)")) == ["TL201"]
