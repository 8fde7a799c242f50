"""Positions computed over one top-level statement equal libcst's positions over the whole module."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from tests.conftest import FIXTURES
from trainlint.analysis.evaluator import Interpreter
from trainlint.analysis.positions import StatementPositions

DECORATED_AND_SEMICOLONS = textwrap.dedent('''\
    # a comment above everything
    import keras; import numpy as np


    @decorate
    @decorate_again(1)
    def build(units):
        # a comment inside
        model = keras.Sequential([keras.layers.Dense(units, activation="softmax")])
        model.compile(loss="binary_crossentropy"); return model


    class Trainer:
        def fit(self):
            if self.ready:
                for batch in self.batches:
                    self.model.compile(loss=("mse" if batch else "mae"))
''')


def sources():
    for path in sorted([*FIXTURES.glob("core/*.py"), *FIXTURES.glob("labels/*.py"), *FIXTURES.glob("examples/*.py")]):
        if path.name != "syntax_error.py":
            yield pytest.param(path.read_text(), id=path.stem)
    yield pytest.param(DECORATED_AND_SEMICOLONS, id="decorators-semicolons-nesting")


@pytest.mark.parametrize("text", list(sources()))
def test_every_evaluated_node_gets_the_whole_module_position(text):
    module = cst.parse_module(text)
    interpreter = Interpreter(module, "x.py")
    interpreter.run()
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = StatementPositions(module, text, interpreter.statement_of)
    compared = 0
    for node in whole:
        if id(node) in interpreter.statement_of:
            found = fast.get(node)
            assert found == whole[node], cst.Module([]).code_for_node(node)
            compared += 1
    assert compared > 0
