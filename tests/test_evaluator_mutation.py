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

def test_a_while_test_that_fills_a_list_runs_and_leaves_it_unknown():
    # The test runs before the first pass and after each: the list holds at least the first append, and how many
    # more is not known. (It used to be left unevaluated: ["cat"], exact and wrong.)
    assert length("""
        classes = ["cat"]
        def more():
            classes.append("dog")
            return len(classes) < 3
        while more():
            pass
        n = len(classes)
    """) is None
    assert length("""
        classes = ["cat"]
        while False:
            pass
        else:
            classes.append("dog")
        n = len(classes)
    """) is None


def test_the_right_side_of_an_undecided_and_may_run():
    assert length("""
        import os
        classes = ["cat"]
        os.environ.get("MORE") and classes.append("dog")
        n = len(classes)
    """) is None
    assert length("""
        classes = ["cat"]
        True and classes.append("dog")
        n = len(classes)
    """) == 2


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


# --- the common mutations, modelled exactly ----------------------------------------------------------------

def items(value) -> list:
    assert isinstance(value, Seq), value
    return [item.value for item in value.items]


def test_append_extend_insert_outside_loops_and_over_known_iterables():
    values = module_values("""
        names = ["cat"]
        names.append("dog")
        names.extend(["bird", "fish"])
        names.insert(0, "background")
        seen = []
        alias = seen
        for name in ["a", "b"]:
            alias.append(name)
        for index in range(3):
            seen.append(index)
    """)
    assert items(values["names"]) == ["background", "cat", "dog", "bird", "fish"]
    assert items(values["seen"]) == ["a", "b", 0, 1, 2]


def test_a_helper_that_mutates_its_argument_is_followed():
    values = module_values("""
        def with_background(classes):
            classes.insert(0, "background")

        CLASSES = ["person", "car"]
        with_background(CLASSES)
        n = len(CLASSES)
    """)
    assert values["n"] == Const(3)


def test_a_mutation_in_one_branch_gives_each_branch_its_length():
    from trainlint.analysis.scenario import Scenario
    from trainlint.analysis.values import Choice, pick

    value = module_values("""
        import sys
        names = ["cat", "dog"]
        if sys.argv[1] == "--with-other":
            names.append("other")
        n = len(names)
    """)["n"]
    assert isinstance(value, Choice)
    condition = value.condition
    assert pick(value, Scenario().assume(condition, True)) == Const(3)
    assert pick(value, Scenario().assume(condition, False)) == Const(2)


def test_augmented_assignment_on_lists_strings_and_tuples():
    values = module_values("""
        layers = ["conv"]
        alias = layers
        layers += ["pool", "dense"]
        shape = (28,)
        shape += (28, 1)
        stack = ["dense"] * 3
        stack *= 2
    """)
    assert items(values["alias"]) == ["conv", "pool", "dense"]  # += on a list extends it in place
    assert items(values["shape"]) == [28, 28, 1]
    assert len(values["stack"].items) == 6


def test_concatenation_repetition_sets_ranges_sorted_and_list():
    values = module_values("""
        labels = ["cat", "dog", "cat", "bird"]
        a = len(set(labels))
        b = len(range(1000))
        c = len(range(2, 10, 3))
        d = sorted(set(labels))
        e = len(list(set(labels)))
        f = [0] * 4 + [1]
        g = len(sorted(labels, reverse=True))
    """)
    assert values["a"] == Const(3) and values["b"] == Const(1000) and values["c"] == Const(3)
    assert items(values["d"]) == ["bird", "cat", "dog"]
    assert values["e"] == Const(3) and values["g"] == Const(4)
    assert items(values["f"]) == [0, 0, 0, 0, 1]


def test_the_order_of_a_set_is_not_known():
    values = module_values("""
        classes = list(set(["cat", "dog"]))
        first = classes[0]
    """)
    assert isinstance(values["first"], Sym)


def test_len_range_of_an_unknown_is_one_derived_unknown():
    values = module_values("""
        import sys
        n = int(sys.argv[1])
        a = len(range(n))
        b = len(range(n))
        c = len(range(1, n))
    """)
    assert isinstance(values["a"], Sym) and values["a"] is values["b"]
    assert isinstance(values["c"], Sym) and values["c"] is not values["a"]


def test_comprehensions_over_known_iterables():
    values = module_values("""
        CLASSES = ["cat", "dog", "bird"]
        index = {name: i for i, name in enumerate(CLASSES)}
        upper = [name.upper() for name in CLASSES if name != "dog"]
        pairs = [(a, b) for a in CLASSES for b in range(2)]
        letters = {c for c in "hello"}
        total = sum(len(name) for name in CLASSES)
        n = len(index)
    """)
    assert values["n"] == Const(3)
    assert len(values["upper"].items) == 2 and len(values["pairs"].items) == 6
    assert len(values["letters"].items) == 4
    assert values["total"] == Const(10)


def test_a_comprehension_over_data_is_unknown():
    assert length("""
        import os
        names = [entry for entry in os.listdir("data") if not entry.startswith(".")]
        n = len(names)
    """) is None


def test_dict_update_setdefault_and_item_assignment_with_known_keys():
    values = module_values("""
        config = {"units": 10, "activation": "relu"}
        config.update({"units": 1})
        config.update(activation="sigmoid")
        config["loss"] = "binary_crossentropy"
        config.setdefault("units", 99)
        n = len(config)
        units = config["units"]
        activation = config.get("activation")
        loss = config.get("missing", "mse")
    """)
    assert values["n"] == Const(3) and values["units"] == Const(1)
    assert values["activation"] == Const("sigmoid") and values["loss"] == Const("mse")


def test_standard_library_constants():
    values = module_values("""
        import string
        from string import digits
        characters = string.ascii_lowercase + digits
        n = len(characters) + 1
    """)
    assert values["n"] == Const(37)


def test_a_loop_that_stops_early_is_not_unrolled():
    assert length("""
        names = []
        for name in ["cat", "dog", "bird"]:
            if name == "dog":
                break
            names.append(name)
        n = len(names)
    """) is None


EPOCH_LOOP = """
    import torch
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=1))
    criterion = nn.CrossEntropyLoss()
    units = 1
    for epoch in range(5):
        for x, y in loader:
            loss = criterion(model(x), y)
        if epoch == 3:
            units = 10
        n = epoch
"""


def test_an_epoch_loop_runs_its_first_epoch_and_forgets_what_the_later_ones_change():
    # Unrolled, each epoch would rerun the whole data loop: the first runs with its own item, the others once
    # as a loop of unknown length, so a value that only a later epoch sets is unknown after the loop, never
    # the value the first epoch left (units stays 1 there; the fourth epoch makes it 10).
    values = module_values(EPOCH_LOOP)
    assert isinstance(values["units"], Sym) and isinstance(values["n"], Sym)
    assert codes(EPOCH_LOOP) == ["TL131"]  # the double softmax in the data loop is still seen


def test_a_loop_of_known_length_that_trains_nothing_is_unrolled():
    assert length("""
        import torch.nn as nn
        layers = []
        for width in [64, 32, 16]:
            for name in names:
                pass
            layers.append(nn.Linear(width, width))
        n = len(layers)
    """) == 3


# --- argparse defaults: the value, and the condition it rests on -------------------------------------------

def test_an_argparse_default_is_the_value_when_the_command_line_leaves_the_option_out():
    from trainlint.analysis.scenario import Scenario
    from trainlint.analysis.values import Choice, pick

    values = module_values("""
        import argparse
        parser = argparse.ArgumentParser()
        group = parser.add_argument_group("model")
        group.add_argument("--loss", default="categorical_crossentropy")
        parser.add_argument("--units", type=int, default="1")
        parser.add_argument("--batch-size", dest="batch", type=float, default=32)
        parser.add_argument("--augment", action="store_true")
        parser.add_argument("--data", required=True)
        parser.add_argument("classes", nargs="+")
        parser.set_defaults(epochs=5)
        args = parser.parse_args()
        loss, units, batch, augment, data, classes, epochs = (args.loss, args.units, args.batch, args.augment,
                                                              args.data, args.classes, args.epochs)
    """)
    for name, default, flag in (("loss", "categorical_crossentropy", "--loss"), ("units", 1, "--units"),
                                ("batch", 32, "--batch-size"), ("augment", False, "--augment"),
                                ("epochs", 5, "--epochs")):
        value = values[name]
        assert isinstance(value, Choice), name
        assert value.condition.default_of == flag
        assert pick(value, Scenario().assume(value.condition, True)) == Const(default)
        assert isinstance(pick(value, Scenario().assume(value.condition, False)), Sym)
        assert Scenario().assume(value.condition, True).describe() == f"with the default {flag}"
    assert isinstance(values["data"], Sym) and isinstance(values["classes"], Sym)


def test_argparse_options_are_unknown_when_parsed_from_a_given_list_or_added_where_we_cannot_see():
    values = module_values("""
        import argparse
        from options import add_model_options
        parser = argparse.ArgumentParser()
        parser.add_argument("--loss", default="mse")
        explicit = parser.parse_args(["--loss", "mae"])
        other = argparse.ArgumentParser()
        other.add_argument("--loss", default="mse")
        add_model_options(other)
        args = other.parse_args()
        a = explicit.loss
        b = args.loss
    """)
    assert isinstance(values["a"], Sym) and isinstance(values["b"], Sym)


def test_a_finding_that_rests_on_defaults_says_so():
    from tests.conftest import lint

    [finding] = lint("""
        import argparse
        from tensorflow import keras
        parser = argparse.ArgumentParser()
        parser.add_argument("--loss", default="categorical_crossentropy")
        parser.add_argument("--epochs", type=int, default=10)
        args = parser.parse_args()
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss=args.loss)
        model.fit(epochs=args.epochs)
    """)
    assert finding.code == "TL102"
    assert finding.scenario == "with the default --loss"
    assert finding.message.startswith("with the default --loss: categorical_crossentropy")
    # Given on the command line, the option is not the default, and nothing is known.
    assert codes("""
        import argparse
        from tensorflow import keras
        parser = argparse.ArgumentParser()
        parser.add_argument("--loss", required=True)
        args = parser.parse_args()
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss=args.loss)
    """) == []


# --- condition identity --------------------------------------------------------------------------------

IMAGE_FORMAT_TWICE = """
    from keras import backend as K
    from keras.layers import Conv2D, Dense, Flatten
    from keras.models import Sequential

    def input_shape(rows, cols):
        if K.image_data_format() == "channels_first":
            return (1, rows, cols)
        return (rows, cols, 1)

    def build(num_classes):
        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=input_shape(28, 28)))
        model.add(Flatten())
        model.add(Dense(num_classes, activation="softmax"))
        return model

    shape = input_shape(28, 28)
    model = build({units})
    model.compile(loss="categorical_crossentropy", optimizer="adadelta")
    axis = 1 if K.image_data_format() == "channels_first" else -1
    units = {units} if axis == 1 else 10
    other = Sequential([Dense(units, activation="softmax")])
    other.compile(loss="categorical_crossentropy", optimizer="adam")
"""


def test_a_condition_on_a_call_with_no_value_is_one_condition_wherever_it_is_evaluated():
    values = module_values("""
        import sys
        from keras import backend as K
        def first():
            return K.image_data_format() == "channels_first"
        a = first()
        b = first()
        c = K.image_data_format() != "channels_first"
        d = sys.argv[1] == "--debug"
        e = sys.argv[1] == "--debug"
    """)
    assert values["a"].condition == values["b"].condition == values["c"].condition
    assert values["a"].condition.subject.label == "K.image_data_format()"
    assert values["d"].condition == values["e"].condition
    assert values["d"].condition.subject.label == "sys.argv[1]"


def test_a_finding_independent_of_a_repeated_condition_names_none_and_a_dependent_one_names_it():
    findings = lint_findings(IMAGE_FORMAT_TWICE.format(units=1))
    by_line = {(f.code, f.line): f for f in findings}
    compile_line = next(i for i, line in enumerate(textwrap.dedent(IMAGE_FORMAT_TWICE).splitlines(), 1)
                        if line.startswith("model.compile"))
    assert by_line[("TL102", compile_line)].scenario is None
    dependent = [f for f in findings if f.scenario is not None]
    assert dependent and all(f.scenario == "K.image_data_format() == 'channels_first'" for f in dependent)
    assert all("comparison" not in f.message for f in findings)
    assert lint_findings(IMAGE_FORMAT_TWICE.format(units=10)) == []


def lint_findings(code: str):
    from tests.conftest import lint

    return lint(code)


def test_an_unknown_object_the_code_mutates_is_a_new_unknown_afterwards():
    values = module_values("""
        from loaders import load_labels
        labels = load_labels()
        alias = labels
        before = len(labels)
        alias.append("other")
        after = len(labels)
        table = load_labels()
        first = table["a"]
        table["a"] = 1
        second = table["a"]
    """)
    # The same computation on the same unknown is one unknown; after a mutation it is another.
    assert isinstance(values["before"], Sym) and isinstance(values["after"], Sym)
    assert values["before"] is not values["after"]
    assert values["first"] is not values["second"]


# --- calls with *args / **kwargs ------------------------------------------------------------------------

def test_a_call_spreading_unknown_arguments_may_fill_any_list():
    # register() runs on arguments nobody can see: what it appends to `classes` is unknown, not nothing.
    assert length("""
        import sys
        classes = []
        def register(*names):
            classes.extend(names)
        register(*sys.argv[1:])
        n = len(classes)
    """) is None


def test_spreading_a_list_to_outside_code_makes_it_unknown():
    assert length("""
        import sys
        names = ["cat", "dog"]
        options = dict(extra=names)
        unknown_tool(*sys.argv, **options)
        n = len(names)
    """) is None


def test_known_arguments_are_spread_as_python_spreads_them():
    assert length("""
        def width(base, extra=0, *, scale=1):
            return (base + extra) * scale
        args = (3, 1)
        options = {"scale": 2}
        n = width(*args, **options)
    """) == 8


def test_compile_options_spread_from_a_dict_are_judged():
    source = """
        from tensorflow import keras
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
        settings = {"optimizer": "adam", "loss": "categorical_crossentropy"}
        model.compile(**settings, metrics=["accuracy"])
    """
    assert codes(source) == ["TL102"]
