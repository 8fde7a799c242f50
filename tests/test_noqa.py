"""The CLI's ``# noqa`` means what flake8's does."""

from __future__ import annotations

import pytest

from trainlint.findings import Finding
from trainlint.noqa import NOQA, without_suppressed


def test_the_grammar_is_flake8s():
    from flake8.defaults import NOQA_INLINE_REGEXP

    assert NOQA.pattern == NOQA_INLINE_REGEXP.pattern and NOQA.flags == NOQA_INLINE_REGEXP.flags


def finding(code: str, line: int = 2) -> Finding:
    return Finding(code, "degenerate-head", "error", "m", "f.py", line, 1, line, 5)


@pytest.mark.parametrize(("comment", "silenced"), [
    ("# noqa", True),
    ("# NOQA", True),
    ("# noqa: TL102", True),
    ("# noqa:TL102", True),
    ("# noqa: TL101,TL102", True),
    ("# noqa: TL101 TL102", True),
    ("# noqa: TL1", True),
    ("# noqa: TL", True),  # no digit, so no code list: flake8 reads a blanket noqa
    ("# noqa: tl102", False),  # codes are case-sensitive in flake8
    ("# noqa: TL2", False),
    ("# noqa: TL1021", False),
    ("#noqa", False),
    ("", False),
])
def test_noqa_on_the_reported_line_agrees_with_flake8(comment, silenced):
    from flake8.violation import Violation

    physical = f"model.compile(loss='x')  {comment}\n"
    kept = without_suppressed([finding("TL102")], "import keras\n" + physical)
    assert (kept == []) == silenced
    flake8_verdict = Violation("TL102", "f.py", 2, 1, "m", physical).is_inline_ignored(disable_noqa=False)
    assert flake8_verdict == silenced


def test_noqa_elsewhere_does_not_count():
    text = "import keras  # noqa\nmodel.compile(loss='x')\nprint()  # noqa: TL102\n"
    assert without_suppressed([finding("TL102")], text) == [finding("TL102")]


def test_lines_are_python_lines():
    # A form feed is not a line break for the parser, so it must not shift the line a comment sits on.
    text = "import keras\x0c\nmodel.compile(loss='x')  # noqa\n"
    assert without_suppressed([finding("TL102")], text) == []
