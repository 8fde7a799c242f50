"""Coverage you can see: every compile call with a loss is judged or has a reason why not."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_trainlint
from trainlint.engine import lint_text

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _expected_reasons(text: str) -> dict[int, str]:
    return {number: match.group(1).strip() for number, line in enumerate(text.splitlines(), 1)
            if (match := re.search(r"# unresolved: (.+)$", line))}


def _unresolved(text: str, filename: str = "train.py") -> tuple[dict[int, str], object]:
    sites: list = []
    analysis = lint_text(text, filename, unresolved_sites=sites)
    return {site.line: site.reason for site in sites}, analysis.stats


def test_each_unresolved_compile_call_has_its_reason():
    text = (FIXTURES / "coverage" / "unresolved_reasons.py").read_text()
    reasons, stats = _unresolved(text)
    assert reasons == _expected_reasons(text)
    assert (stats.compile_calls, stats.compile_calls_with_loss, stats.resolved_compile_calls) == (6, 5, 1)
    assert stats.runtime_width == 1
    assert sum(stats.unresolved.values()) == 4 and stats.unresolved["loss: user function"] == 1


def test_re_compile_and_torch_compile_are_not_compile_calls():
    text = "import re, torch\nfrom tensorflow import keras\npattern = re.compile('x')\nfast = torch.compile(f)\n"
    _, stats = _unresolved(text)
    assert stats.compile_calls == 0


def test_explain_unresolved_lists_each_site_with_its_reason(tmp_path):
    source = FIXTURES / "coverage" / "unresolved_reasons.py"
    (tmp_path / "train.py").write_text(source.read_text())
    result = run_trainlint("check", "--explain-unresolved", "train.py", cwd=tmp_path)
    assert "4 compile calls with a loss not judged" in result.stdout
    assert "train.py:17:1: model: load_model" in result.stdout
    assert "train.py:23:1: loss: user function (focal_loss)" in result.stdout
    as_json = run_trainlint("check", "--explain-unresolved", "--output-format", "json", "train.py", cwd=tmp_path)
    assert as_json.stdout.strip() == "[]" and "model: load_model" in as_json.stderr
