"""One finding per place: a line reached from several models or call paths is reported once, saying how many."""

from __future__ import annotations

from tests.conftest import FIXTURES, check_json

PLACES = FIXTURES / "places"


def test_a_helper_that_compiles_three_models_gives_one_finding_with_the_three_heads():
    [finding] = check_json(PLACES / "helper_compiles_each_model.py", extra=("--no-cache",))
    assert (finding["code"], finding["line"]) == ("TL102", 7)
    assert finding["message"].endswith("(one finding for 3 models that reach this line)")
    assert [(r["line"], r["message"]) for r in finding["related"]] == [
        (11, "this layer has 1 unit"), (12, "this layer has 1 unit"), (13, "this layer has 1 unit")]


def test_the_corrected_helper_is_silent():
    assert check_json(PLACES / "helper_compiles_each_model_ok.py", extra=("--no-cache",)) == []
