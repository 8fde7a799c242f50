"""Events in program order: a ``fit`` trains with the latest ``compile`` before it on that model."""

from __future__ import annotations

from tests.conftest import FIXTURES, check_json, lint
from tests.expectations import expected_reports

ORDER = FIXTURES / "program_order"


def test_labels_rebound_between_two_compiles_are_the_labels_of_the_second():
    assert check_json(ORDER / "recompile_with_class_ids.py", extra=("--no-cache",)) == []


def test_the_second_compile_still_meets_its_own_wrong_labels():
    path = ORDER / "recompile_keeps_one_hot.py"
    findings = check_json(path, extra=("--no-cache",))
    assert {(f["line"], f["code"]) for f in findings} == expected_reports(path)
    [finding] = findings
    assert [r["line"] for r in finding["related"]] == [20]  # the labels of the second fit, not the first


def test_a_fit_after_one_compile_per_branch_belongs_to_both_branches():
    findings = lint("""
        import keras
        from keras.utils import to_categorical
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        if use_sparse:
            model.compile(loss="sparse_categorical_crossentropy")
        else:
            model.compile(loss="categorical_crossentropy")
        model.fit(x, to_categorical(y, 3))
    """)
    assert [(f.code, f.line, f.scenario) for f in findings] == [("TL301", 6, "use_sparse")]


def test_a_fit_before_a_recompile_is_not_credited_to_it():
    findings = lint("""
        import keras
        from keras.utils import to_categorical
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy")
        model.fit(x, ids)
        model.compile(loss="categorical_crossentropy")
        model.fit(x, to_categorical(ids, 3))
    """)
    assert findings == []
