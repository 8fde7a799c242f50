"""Never-called functions run on their own only when their text can lead to something the run records
(:mod:`trainlint.analysis.standalone`); what the run finds must be the same as running them all."""

from __future__ import annotations

import symtable
import textwrap

import libcst as cst
import pytest

from trainlint.analysis.evaluator import Interpreter
from trainlint.analysis.standalone import Outline, _definition_end


def interpreters(source: str) -> tuple[Interpreter, Interpreter, list[str]]:
    """The module run without the filter and with it, and the functions the filtered run ran on their own."""
    text = textwrap.dedent(source)
    module = cst.parse_module(text)
    every = Interpreter(module, "example.py")
    every.run()
    filtered = Interpreter(module, "example.py", outline=Outline(text, symtable.symtable(text, "example.py", "exec")))
    ran: list[str] = []
    original = filtered._run_standalone

    def recording(function, owner, globals_env, heap):
        ran.append(f"{owner.name.value}.{function.name.value}" if owner is not None else function.name.value)
        original(function, owner, globals_env, heap)

    filtered._run_standalone = recording
    filtered.run()
    return every, filtered, ran


def recorded(interpreter: Interpreter) -> list:
    return ([(event.method, id(event.node)) for event in interpreter.events]
            + [id(loss.node) for loss in interpreter.losses]
            + [id(event.node) for event in interpreter.framework_events] + sorted(interpreter.optimizers))


def test_a_helper_that_records_nothing_is_not_run_and_the_findings_stay():
    every, filtered, ran = interpreters("""
        import keras

        def scale(images):
            return images / 255.0

        class Block(keras.layers.Layer):
            def call(self, x):
                return x * 2

        def train(units):
            model = keras.Sequential([keras.layers.Dense(units, activation="softmax")])
            model.compile(loss="binary_crossentropy", optimizer="adam")
    """)
    assert ran == ["train"]
    assert recorded(filtered) == recorded(every) and filtered.events


def test_a_function_reaching_a_loss_object_through_a_global_still_runs():
    every, filtered, ran = interpreters("""
        import torch.nn as nn
        import torch.nn.functional as F

        criterion = nn.CrossEntropyLoss()

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)

        def step(model, x, y):
            return criterion(model(x), y)

        def run_epoch(x, y):
            return step(Net(), x, y)
    """)
    assert "run_epoch" in ran and "Net.forward" not in ran
    assert recorded(filtered) == recorded(every) and filtered.framework_events


def test_an_imported_loss_under_another_name_and_a_rebound_global_still_run():
    every, filtered, ran = interpreters("""
        from keras.losses import CategoricalCrossentropy as CC
        from keras.optimizers import Adam as A

        def make():
            return CC(), A(1e-3)

        def configure():
            global mode
            mode = "x"
    """)
    assert ran == ["make", "configure"]
    assert recorded(filtered) == recorded(every) and filtered.optimizers


def test_star_imports_run_every_function():
    _, _, ran = interpreters("""
        from keras.layers import *

        def scale(images):
            return images / 255.0
    """)
    assert ran == ["scale"]


@pytest.mark.parametrize("source, ends_before", [
    ("def f():\n    return 1\nmodel.fit(x)\n", "model.fit"),
    ("def f():\n    s = '''\nmodel.fit(x)\n'''\n    return s\nz = 1\n", "z = 1"),
    ("def f():\n    s = (1,\n2)\n    return s\nz = 1\n", "z = 1"),
    ("def f():\n    s = 1 + \\\n2\n    return s\nz = 1\n", "z = 1"),
    ("def f():\n    s = 'a\\'b(' \n# model.fit(x)\n    return s\nz = 1\n", "z = 1"),
    ("def f():\n    s = r'\\'' + \"\"\"x\\\"\"\"\n)\"\"\"\n    return s\nz = 1\n", "z = 1"),
    ("def f(): return 1\nz = 1\n", "z = 1"),
])
def test_a_definition_ends_at_the_first_statement_outside_it(source, ends_before):
    assert source[_definition_end(source):].startswith(ends_before)


@pytest.mark.parametrize("source", [
    "def f():\n    s = '''\nmodel.fit(x)\n",  # a string left open: the scan cannot tell
    "def f():\n    return g(1))\nz = 1\n",  # more closing brackets than opening ones
])
def test_a_scan_that_is_not_sure_keeps_the_whole_text(source):
    assert _definition_end(source) == len(source)
