"""The evaluator behaviours whole-project analysis leans on, shown on single files.

A statement that forks is run again once per scenario: the unknowns it makes must be the same objects on the
re-run, the calls in it may reuse the outcome they reached, and checks that only raise on bad input must not
turn into conditions in the message. The test of an ``if`` itself runs once, as in Python: each side of the
split reads the values it reached.
"""

from __future__ import annotations

from tests.conftest import codes, lint

HELPER_WITH_INPUT_CHECKS = """
    from tensorflow import keras

    def count_classes(labels):
        count = max(labels) + 1
        missing = [c for c in range(count) if c not in labels]
        if missing:
            raise ValueError(missing)
        if count < 2:
            raise ValueError("one class")
        return count

    def head(num_classes):
        if num_classes == 2:
            return 1, {activation!r}
        return num_classes, "softmax"

    def train(x, labels):
        num_classes = count_classes(labels)
        units, activation = head(num_classes)
        model = keras.Sequential([keras.layers.Dense(units, activation=activation)])
        loss = "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"
        model.compile(optimizer="adam", loss=loss)
"""


def test_input_checks_that_raise_keep_the_scenario_consistent_and_unnamed():
    assert lint(HELPER_WITH_INPUT_CHECKS.format(activation="sigmoid")) == []
    [finding] = lint(HELPER_WITH_INPUT_CHECKS.format(activation="softmax"))
    # The unknown is named as the code names it, and the raising checks are not part of the scenario.
    assert finding.code == "TL101"
    assert finding.scenario == "num_classes == 2"
    assert finding.message.startswith("when num_classes == 2: ")


def test_a_loop_rebinding_a_global_between_two_calls_from_one_place_gets_each_value():
    found = codes("""
        from tensorflow import keras
        UNITS = 1
        def build():
            return keras.Sequential([keras.layers.Dense(UNITS, activation="sigmoid")])
        for units, loss in [(1, "binary_crossentropy"), (3, "binary_crossentropy")]:
            UNITS = units
            model = build()
            model.compile(optimizer="adam", loss=loss)
    """)
    assert found == []
    found = codes("""
        from tensorflow import keras
        UNITS = 3
        def build():
            return keras.Sequential([keras.layers.Dense(UNITS, activation="softmax")])
        for units, loss in [(3, "categorical_crossentropy"), (1, "categorical_crossentropy")]:
            UNITS = units
            model = build()
            model.compile(optimizer="adam", loss=loss)
    """)
    assert found == ["TL101", "TL102"]  # the second iteration only: softmax and categorical loss on one unit


def test_an_undecidable_conditional_expression_is_unknown_not_an_internal_error():
    found = lint("""
        from tensorflow import keras
        model = keras.Sequential()
        units = 3 if model.built else 2
        model.add(keras.layers.Dense(units, activation="softmax"))
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """)
    # The width stays unknown (no internal error); binary crossentropy on a softmax is wrong for any width.
    assert [finding.code for finding in found] == ["TL111"]
    assert "for any number of units" in found[0].message


def test_an_unknown_returned_in_a_tuple_takes_the_callers_name_and_an_argument_keeps_its_own():
    [finding] = lint("""
        from tensorflow import keras

        def load(path):
            labels = read(path)
            return features(path), labels, max(labels) + 1

        def head(num_classes):
            return num_classes, "softmax"

        def train(path):
            x, y, classes = load(path)
            units, activation = head(classes)
            model = keras.Sequential([keras.layers.Dense(units, activation=activation)])
            model.compile(optimizer="adam", loss="binary_crossentropy" if classes == 2 else "categorical_crossentropy")
    """)
    assert finding.scenario == "classes == 2"


def test_an_if_test_that_splits_runs_once():
    # Python evaluates the test once; each side of the split reads its value instead of calling check() again
    # (which would append twice more and make the head 2 units wide, exact and wrong).
    source = """
        import os
        from tensorflow import keras
        checked = []
        def check():
            checked.append(1)
            return os.environ.get("FAST")
        if check():
            pass
        model = keras.Sequential([keras.layers.Dense(len(checked), activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    """
    assert sorted(codes(source)) == ["TL101", "TL102"]  # softmax over 1 unit; categorical loss on it


CONSISTENT_ARITHMETIC = """
    import sys
    from tensorflow import keras
    n = int(sys.argv[1])
    if n * 2 > 4:
        units, activation = 3, "softmax"
    else:
        units, activation = 1, "sigmoid"
    model = keras.Sequential([keras.layers.Dense(units, activation=activation)])
    loss = {loss!r} if n * 2 > 4 else "binary_crossentropy"
    model.compile(optimizer="adam", loss=loss)
"""


def test_the_same_arithmetic_on_an_unknown_is_one_condition_wherever_it_is_written():
    assert lint(CONSISTENT_ARITHMETIC.format(loss="categorical_crossentropy")) == []
    [finding] = lint(CONSISTENT_ARITHMETIC.format(loss="binary_crossentropy"))
    assert finding.code == "TL111" and finding.scenario == "n * 2 > 4"
    assert finding.message.startswith("when n * 2 > 4: binary_crossentropy on a 3-unit softmax")
