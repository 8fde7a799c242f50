"""A bounded fuzz run (seconds): generated programs (hypothesmith) and mutants of our fixtures never crash the
analysis, never report TL002, never hang, and report the same thing every time and whatever ``--jobs`` is.
``benchmarks/fuzz.py`` runs the same checks long (its figures are in the README)."""

from __future__ import annotations

import json

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import run_trainlint
from tests.fuzzing import check_program, keras_programs, mutants, wrapped

BOUNDED = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))


@BOUNDED
@given(hypothesmith.from_grammar())
def test_generated_programs(program):
    failure = check_program(wrapped(program))
    assert failure is None, failure.reason


@BOUNDED
@given(hypothesmith.from_node())
def test_generated_syntax_trees(program):
    failure = check_program(wrapped(program))
    assert failure is None, failure.reason


@pytest.mark.parametrize("program", keras_programs(30, seed=11), ids=[f"{index}" for index in range(30)])
def test_keras_shaped_programs(program):
    failure = check_program(program)
    assert failure is None, failure.reason


@pytest.mark.parametrize(("fixture", "mutation", "text"), mutants(60, seed=17),
                         ids=[f"{index}" for index in range(60)])
def test_mutants_of_our_fixtures(fixture, mutation, text):
    failure = check_program(text, fixture.rsplit("/", 1)[-1])
    assert failure is None, f"{fixture} ({mutation}): {failure.reason}"


def test_mutants_report_the_same_whatever_the_job_count(tmp_path):
    for index, (fixture, _, text) in enumerate(mutants(24, seed=5)):
        (tmp_path / f"mutant_{index:02}_{fixture.replace('/', '_')}").write_text(text, encoding="utf-8")
    runs = {}
    for jobs in ("1", "2"):
        result = run_trainlint("check", "--no-cache", "--jobs", jobs, "--output-format", "json", "--extend-select",
                               "TL9", str(tmp_path))
        assert result.returncode in (0, 1), result.stderr
        runs[jobs] = json.loads(result.stdout)
    assert runs["1"] == runs["2"]
    assert not [f for f in runs["1"] if f["code"] == "TL002"]
