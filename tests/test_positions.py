"""Positions computed over one line of statements, or one top-level statement, equal libcst's positions over the
whole module."""

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


# Continuation lines indented less than their block, or with tabs, a backslash, a string over three lines, one-line
# suites, every kind of block: libcst writes each line alone without its block's indentation (or keeps the
# continuation's own whitespace), and the position must still be the file's.
INDENTATION_EDGES = textwrap.dedent('''\
    import torch.nn as nn
    import torch.nn.functional as F


    def train(model, loader, flag):
        for x, y in loader:
            try:
                with open("log") as log:
                    if flag: criterion = nn.CrossEntropyLoss()
                    else:
                        criterion = nn.NLLLoss(
            weight=None)
                    out = model(x); loss = criterion(out,
                    \t\t\ty)
                    total = loss + \\
                        F.cross_entropy(model(x), y)
                    note = """first
            second""" + str(F.softmax(model(x),
                dim=1))
            except ValueError:
                while flag:
                    loss = F.nll_loss(model(x), y)  # a comment
            else:
                pass
            finally:
                log = F.log_softmax(model(x), dim=1)


    class Net(nn.Module):
        def forward(self, x):
            return F.softmax(self.fc(x),
        dim=1)
''')


def sources():
    for path in sorted([*FIXTURES.glob("core/*.py"), *FIXTURES.glob("labels/*.py"), *FIXTURES.glob("examples/*.py"),
                        *FIXTURES.glob("torch/*.py")]):
        if path.name != "syntax_error.py":
            yield pytest.param(path.read_text(), id=path.stem)
    yield pytest.param(DECORATED_AND_SEMICOLONS, id="decorators-semicolons-nesting")
    yield pytest.param(INDENTATION_EDGES, id="indentation-edges")


@pytest.mark.parametrize("text", list(sources()))
def test_every_evaluated_node_gets_the_whole_module_position(text):
    module = cst.parse_module(text)
    interpreter = Interpreter(module, "x.py")
    interpreter.run()
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = StatementPositions(module, text, interpreter.statement_of)
    compared = found_here = 0
    for node in whole:
        if id(node) in interpreter.statement_of:
            found = fast.get(node)
            # None sends the caller to the whole module's positions (the small statements of a one-line suite,
            # ``if flag: x = 1``, are evaluated as a line of their own that the module does not hold).
            assert found is None or found == whole[node], cst.Module([]).code_for_node(node)
            compared += 1
            found_here += found is not None
    assert compared > 0 and found_here >= 0.9 * compared


def test_a_line_of_statements_is_positioned_alone_even_deep_in_blocks():
    module = cst.parse_module(INDENTATION_EDGES)
    interpreter = Interpreter(module, "x.py")
    interpreter.run()
    fast = StatementPositions(module, INDENTATION_EDGES, interpreter.statement_of)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    held = fast._starts()  # every statement the module holds, by id
    in_lines = [node for node in whole if type(interpreter.statement_of.get(id(node))) is cst.SimpleStatementLine
                and id(interpreter.statement_of[id(node)]) in held]
    # Each node of such a line is positioned over its line alone, right, however deep the line and however its
    # continuation lines are indented; none needed a top-level statement's positions.
    assert len(in_lines) > 40
    assert all(fast.get(node) == whole[node] for node in in_lines)
    assert fast._top_of is None
