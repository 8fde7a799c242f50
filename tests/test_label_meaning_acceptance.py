"""Issue 12 (label meaning, label sources, encoder-head relations) and issue 13 item 4, end to end.

Every bug fixture in ``fixtures/label_meaning`` and ``fixtures/label_sources`` has a corrected twin that must
stay silent; the CLI runs over both folders once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json, codes, expected, lint

FOLDERS = (FIXTURES / "label_meaning", FIXTURES / "label_sources")
ALL = sorted(path for folder in FOLDERS for path in folder.glob("*.py"))


@pytest.fixture(scope="module")
def findings() -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for finding in check_json(*FOLDERS, extra=("--no-cache", "--keras-version", "3")):
        grouped.setdefault(Path(finding["filename"]).name, []).append(finding)
    return grouped


@pytest.mark.parametrize("fixture", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_reports_exactly_what_it_expects(fixture, findings):
    assert {(f["line"], f["code"]) for f in findings.get(fixture.name, [])} == expected(fixture)


def test_each_bug_has_a_silent_twin():
    for folder in FOLDERS:
        files = list(folder.glob("*.py"))
        assert 2 * sum(1 for path in files if expected(path)) <= len(files)


def test_two_one_hot_columns_on_one_unit_is_a_label_format_problem_not_a_missing_unit(findings):
    [finding] = findings["two_one_hot_columns_on_one_unit.py"]
    assert finding["kind"] == "label-format-mismatch" and "y[:, 1]" in finding["message"]


def test_width_free_verdicts_say_so(findings):
    [multi_hot] = findings["multi_hot_on_softmax_head.py"]
    assert "for any number of units" in multi_hot["message"]
    for name in ("word_index_head.py", "distinct_labels_head.py"):
        [finding] = findings[name]
        assert "for any number of classes" in finding["message"], finding["message"]


def test_legacy_accuracy_beside_one_hot_on_sigmoid_is_named_as_inflated():
    source = (FIXTURES / "label_meaning" / "one_hot_on_sigmoid_head.py").read_text()
    [legacy] = lint(source, "legacy")
    assert legacy.code == "TL117" and "binary_accuracy, inflated" in legacy.message
    [keras3] = lint(source, "3")
    assert "inflated" not in keras3.message


def test_accuracy_on_multi_label_needs_multi_label_evidence():
    head = """
        import numpy as np
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, {labels})
    """
    assert codes(head.format(labels="np.random.randint(0, 2, size=(100, 5))")) == ["TL201"]  # multi-hot rows
    assert codes(head.format(labels="keras.utils.to_categorical(y, 5)")) == ["TL117"]  # single-label: not TL201
    assert codes(head.format(labels="np.load('y.npy')")) == ["TL201"]  # unseen: head and loss together say so


def test_a_tokenizer_with_num_words_drops_the_ids_the_word_index_would_overflow_with():
    assert codes("""
        import numpy as np
        from tensorflow import keras
        tokenizer = keras.preprocessing.text.Tokenizer(num_words=20)
        tokenizer.fit_on_texts(labels)
        y = np.array(tokenizer.texts_to_sequences(labels))
        model = keras.Sequential([keras.layers.Dense(len(tokenizer.word_index), activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y)
    """) == []


def test_a_head_sized_from_other_strings_than_the_encoder_saw_is_not_related():
    assert codes("""
        import numpy as np
        from tensorflow import keras
        tokenizer = keras.preprocessing.text.Tokenizer()
        tokenizer.fit_on_texts(train_labels)
        y = np.array(tokenizer.texts_to_sequences(train_labels))
        model = keras.Sequential([keras.layers.Dense(len(set(other_labels)), activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y)
    """) == []


def test_unique_with_counts_is_a_pair_not_the_classes():
    assert codes("""
        import numpy as np
        from tensorflow import keras
        tokenizer = keras.preprocessing.text.Tokenizer()
        tokenizer.fit_on_texts(labels)
        y = np.array(tokenizer.texts_to_sequences(labels))
        model = keras.Sequential([keras.layers.Dense(len(np.unique(labels, return_counts=True)), activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y)
    """) == []
    assert codes("""
        import numpy as np
        from tensorflow import keras
        tokenizer = keras.preprocessing.text.Tokenizer()
        tokenizer.fit_on_texts(labels)
        y = np.array(tokenizer.texts_to_sequences(labels))
        model = keras.Sequential([keras.layers.Dense(len(np.unique(labels)), activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y)
    """) == ["TL311"]
