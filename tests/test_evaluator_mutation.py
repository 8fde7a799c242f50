"""Exact or unknown, never wrong: a list, set or dict the code mutates is read as it is after the mutation.

A mutation the evaluator does not model makes the container unknown from that point, in every binding that
aliases it; the ones it models (appending known items outside loops or over known iterables, ``+=``, item
assignment with a known key, ``dict.update``) give the exact contents.
"""

from __future__ import annotations

import textwrap

import libcst as cst

from tests.conftest import codes
from trainlint.analysis.evaluator import Interpreter
from trainlint.analysis.values import Const, Seq, Sym


def module_values(code: str) -> dict:
    """The globals a snippet's top level leaves, as the evaluator sees them."""
    return Interpreter(cst.parse_module(textwrap.dedent(code)), "snippet.py").module_globals("snippet")


def length(code: str, name: str = "n"):
    """The constant ``name`` holds, or None when the evaluator does not know it."""
    value = module_values(code)[name]
    return value.value if isinstance(value, Const) else None


# --- unmodelled mutation: unknown, never the stale value -------------------------------------------------

def test_a_list_filled_in_a_loop_over_data_is_unknown_not_empty():
    assert length("""
        import csv
        names = []
        for row in csv.reader(open("labels.csv")):
            names.append(row[0])
        n = len(names)
    """) is None


def test_every_alias_of_a_mutated_list_sees_the_mutation():
    values = module_values("""
        import os
        a = []
        b = a
        holder = [a]
        for entry in os.listdir("data"):
            b.append(entry)
        n = len(a)
        m = len(holder[0])
    """)
    assert isinstance(values["n"], Sym) and isinstance(values["m"], Sym)


def test_a_helper_that_fills_its_argument_in_a_loop_leaves_it_unknown():
    assert length("""
        def add_rows(target, rows):
            for row in rows:
                target.append(row)

        names = ["background"]
        add_rows(names, open("labels.txt"))
        n = len(names)
    """) is None


def test_passing_a_list_to_code_we_cannot_see_makes_it_unknown():
    assert length("""
        from loaders import fill_names
        names = []
        fill_names(names)
        n = len(names)
    """) is None
    assert length("""
        import random
        names = ["a", "b"]
        random.shuffle(names)
        first = names[0]
        n = first
    """) is None


def test_a_bound_method_handed_to_a_callee_may_be_called_there():
    assert length("""
        import keras
        lines = []
        model = keras.Sequential([keras.layers.Dense(2)])
        model.summary(print_fn=lines.append)
        n = len(lines)
    """) is None
    assert length("""
        names = []
        list(map(lambda row: names.append(row), open("labels.txt")))
        n = len(names)
    """) is None


def test_unmodelled_methods_item_assignment_and_del_make_the_container_unknown():
    for mutation in ("names.pop()", "names.remove('a')", "names.clear()", "names[i] = 'c'", "del names[0]",
                     "names.sort(key=len)", "names += load()", "names[1:] = []"):
        assert length(f"""
            from somewhere import i, load
            names = ["a", "b"]
            {mutation}
            n = len(names)
        """) is None, mutation
    for mutation in ("table.setdefault(k, 0)", "table.pop('a')", "table[k] = 1", "table.update(load())",
                     "del table['a']", "table.popitem()"):
        assert length(f"""
            from somewhere import k, load
            table = {{"a": 1}}
            {mutation}
            n = len(table)
        """) is None, mutation


def test_code_not_evaluated_still_makes_what_it_mutates_unknown():
    # An except clause, a closure, a comprehension run for its side effect.
    assert length("""
        names = ["a"]
        try:
            names = ["a", "b"]
        except OSError:
            names.append("fallback")
        n = len(names)
    """) is None
    assert length("""
        def build():
            names = []
            def collect(row):
                names.append(row)
            for row in open("labels.txt"):
                collect(row)
            return len(names)
        n = build()
    """) is None
    assert length("""
        names = []
        [names.append(row) for row in open("labels.txt")]
        n = len(names)
    """) is None


def test_an_attribute_list_filled_in_a_loop_is_unknown():
    assert codes("""
        from tensorflow import keras

        class Data:
            def __init__(self, path):
                self.classes = []
                for line in open(path):
                    self.classes.append(line.strip())

        data = Data("classes.txt")
        model = keras.Sequential([keras.layers.Dense(len(data.classes), activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    """) == []


def test_a_function_nobody_calls_sees_the_module_list_as_filled():
    assert codes("""
        from tensorflow import keras
        names = []
        for line in open("classes.txt"):
            names.append(line)

        def build():
            model = keras.Sequential([keras.layers.Dense(len(names), activation="softmax")])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            return model
    """) == []


def test_a_mutable_default_is_shared_by_every_call():
    assert length("""
        def collect(item, seen=[]):
            seen.append(item)
            return len(seen)
        collect("a")
        n = collect("b")
    """) is None


def test_a_global_rebound_inside_a_function_is_unknown_after_the_call():
    assert length("""
        NUM_CLASSES = 1
        def configure():
            global NUM_CLASSES
            NUM_CLASSES = 10
        configure()
        n = NUM_CLASSES
    """) is None


def test_a_copy_is_a_new_list():
    values = module_values("""
        import numpy as np
        base = ["a", "b"]
        copy = list(base)
        array = np.array(base)
        for row in open("more.txt"):
            copy.append(row)
        n = len(base)
        m = len(array)
    """)
    assert values["n"] == Const(2) and values["m"] == Const(2)


# --- augmented assignment ---------------------------------------------------------------------------------

def test_augmented_assignment_on_numbers_and_strings():
    values = module_values("""
        n = 1
        n += 2
        m = 10
        m -= 4
        m *= 2
        m //= 3
        s = "categorical"
        s += "_crossentropy"
    """)
    assert values["n"] == Const(3) and values["m"] == Const(4) and values["s"] == Const("categorical_crossentropy")


def test_augmented_assignment_in_a_data_loop_is_unknown():
    assert length("""
        n = 0
        for line in open("classes.txt"):
            n += 1
    """) is None
