"""Imported modules parsed in part: top-level functions wait for their first call (analysis/deferred.py)."""

from __future__ import annotations

import textwrap

import libcst as cst

from trainlint.analysis.deferred import DeferredFunction, split_module
from trainlint.analysis.evaluator import Interpreter
from trainlint.analysis.values import Const, Function, Seq, Sym

MODULE = textwrap.dedent('''\
    """Heads."""
    import functools
    UNITS = 3; ACTIVATION = "softmax"


    @functools.lru_cache()
    def head(num_classes):
        if num_classes == 2:
            return 1, "sigmoid"
        return num_classes, ACTIVATION
    \f
    def never_called():
        return [value for value in range(10)]

    DEFAULT = head
''')


def globals_of(text: str) -> tuple[dict, list[DeferredFunction]]:
    split = split_module(text)
    assert split is not None
    return Interpreter(split.module, "heads.py").module_globals("heads", split.body), split.deferred


def test_top_level_functions_are_deferred_and_other_statements_keep_their_order():
    names, deferred = globals_of(MODULE)
    assert [function.name for function in deferred] == ["head", "never_called"]
    assert not any(function.parsed for function in deferred)
    assert isinstance(names["head"], Function) and names["DEFAULT"] is names["head"]
    assert (names["UNITS"].value, names["ACTIVATION"].value) == (3, "softmax")


def test_a_deferred_function_is_parsed_on_its_first_call_and_evaluated_as_any_other():
    names, deferred = globals_of(MODULE + "RESULT = head(5)\n")
    head, never_called = deferred
    assert head.parsed and not never_called.parsed
    result = names["RESULT"]
    assert isinstance(result, Seq) and [item.value for item in result.items] == [5, "softmax"]


def test_positions_in_a_deferred_function_are_those_of_the_file():
    _, deferred = globals_of(MODULE + "RESULT = head(2)\n")
    head = deferred[0]
    node = head.parse()
    assert node is not None
    sigmoid = node.body.body[0].body.body[0].body[0].value.elements[1].value
    assert isinstance(sigmoid, cst.SimpleString)
    expected_line = MODULE.splitlines().index('        return 1, "sigmoid"') + 1
    assert head.position(sigmoid).start.line == expected_line
    assert head.position(sigmoid).start.column == 18
    assert head.first_line == MODULE.splitlines().index("@functools.lru_cache()") + 1


def test_positions_follow_the_files_own_indentation():
    text = "import keras\n\n\ndef head(n):\n  if n:\n    return keras.layers.Dense(n)\n\nLAYER = head(3)\n"
    _, [head] = globals_of(text)
    node = head.parse()
    dense = node.body.body[0].body.body[0].body[0].value
    assert isinstance(dense, cst.Call)
    where = head.position(dense)
    assert (where.start.line, where.start.column) == (6, 11)


def test_a_function_libcst_cannot_parse_is_an_unknown_callee_not_a_crash():
    names, _ = globals_of("def helper(n):\n    return n\n")
    broken = Function(DeferredFunction("helper", "def helper(:\n", 1), names["helper"].globals)
    assert broken.node is None
    module = cst.parse_module("RESULT = helper(2)\n")
    interpreter = Interpreter(module, "train.py", lambda dotted: broken if dotted == "heads.helper" else None)
    result = interpreter.module_globals("train", [cst.parse_statement("from heads import helper\n"),
                                                  *module.body])["RESULT"]
    assert isinstance(result, Sym) and not isinstance(result, Const)


def test_text_either_parser_rejects_is_not_split():
    assert split_module("def broken(:\n    pass\n") is None
    assert split_module("print 'python 2'\n") is None
