"""The audit summary table and the HTML report, opened and screenshotted by a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from tests.conftest import FIXTURES, run_trainlint
from trainlint.plugin.html_report import BAR_COLOUR

EXPECTED_SUMMARY = """\
Audit summary

files scanned           6
notebooks               2 (1 skipped: not Python)
files parsed            4
results from cache      0
models found            8
compile calls           8
head and loss resolved  3 of 8 (38%)
findings                6

Findings per rule

code   rule                                     findings
-----  ---------------------------------------  --------
TL102  categorical-crossentropy-on-single-unit         3
TL111  binary-crossentropy-on-softmax                  1
TL112  categorical-crossentropy-on-sigmoid             1
TL201  accuracy-on-multi-label                         1

Findings per top-level folder

folder    files  findings  keras (judged under, why)
--------  -----  --------  ---------------------------------------------------------------
repo_two      3         4  any Keras (as nothing in the project pins or shows the version)
repo_one      2         2  any Keras (as nothing in the project pins or shows the version)
.             1         0  -
"""


@pytest.fixture
def audited(tmp_path):
    """Two small "repositories" and a loose file, audited from their parent folder."""
    (tmp_path / "repo_one").mkdir()
    (tmp_path / "repo_two").mkdir()
    shutil.copy(FIXTURES / "examples" / "binary_head_with_categorical_loss.py", tmp_path / "repo_one" / "train.py")
    shutil.copy(FIXTURES / "notebooks" / "binary_classifier.ipynb", tmp_path / "repo_one")
    shutil.copy(FIXTURES / "notebooks" / "r_kernel.ipynb", tmp_path / "repo_two")
    shutil.copy(FIXTURES / "core" / "multilabel_accuracy.py", tmp_path / "repo_two")
    shutil.copy(FIXTURES / "core" / "unresolved_values.py", tmp_path / "repo_two")
    (tmp_path / "setup.py").write_text("print('hello')\n")
    return tmp_path


def test_audit_ends_with_the_summary_tables(audited):
    result = run_trainlint("audit", "--no-cache", ".", cwd=audited)
    assert result.returncode == 1, result.stderr
    assert result.stdout.endswith("Found 6 findings in 6 files checked.\n\n" + EXPECTED_SUMMARY)


def test_check_summary_is_the_same_table_and_json_output_stays_parseable(audited):
    text = run_trainlint("check", "--summary", "--no-cache", ".", cwd=audited)
    assert text.stdout.endswith(EXPECTED_SUMMARY)
    as_json = run_trainlint("audit", "--no-cache", "--output-format", "json", ".", cwd=audited)
    assert as_json.stdout.startswith("[") and as_json.stdout.rstrip().endswith("]")
    assert as_json.stderr.endswith(EXPECTED_SUMMARY)


class _Assets(HTMLParser):
    """Everything in a page that would make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") or (value and "url(" in value):
                self.fetched.append(f"<{tag} {name}={value}>")


def _report(audited) -> str:
    result = run_trainlint("audit", "--no-cache", "--report", "report.html", ".", cwd=audited)
    assert result.returncode == 1, result.stderr
    return (audited / "report.html").read_text(encoding="utf-8")


def test_the_report_is_one_self_contained_page(audited):
    page = _report(audited)
    assets = _Assets()
    assets.feed(page)
    assert assets.fetched == []
    assert "url(" not in page and "@import" not in page and "http" not in page
    assert assets.tags.count("svg") == 2 and assets.tags.count("rect") == 6  # two charts: 4 rules, 2 repositories
    assert "repo_one/binary_classifier.ipynb:cell 6:3:38" in page
    for row in ("files scanned", "head and loss resolved", "3 of 8 (38%)", "categorical-crossentropy-on-single-unit"):
        assert row in page


def test_a_report_that_cannot_be_written_is_an_error(audited):
    result = run_trainlint("audit", "--no-cache", "--report", str(audited / "missing" / "report.html"), ".",
                           cwd=audited)
    assert result.returncode == 2 and "cannot write the report" in result.stderr


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_the_report_renders_in_headless_chromium(audited, tmp_path_factory):
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("TRAINLINT_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (.ci/run installs Debian's chromium) but was not found")
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    from PIL import Image

    _report(audited)
    profile = tmp_path_factory.mktemp("chromium-profile")
    screenshot = audited / "report.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
         "--window-size=1200,1400", f"--screenshot={screenshot}", (audited / "report.html").as_uri()],
        capture_output=True, timeout=120, check=True)
    with Image.open(screenshot) as image:
        assert image.size == (1200, 1400)
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1_000_000)
    bar = tuple(int(BAR_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    bar_pixels = sum(count for count, colour in colours if colour == bar)
    # Four bars of 16 px height and about 110 to 320 px length: thousands of pixels of the bar colour.
    assert bar_pixels > 4000, bar_pixels
    # Text was drawn too: many shades (anti-aliased glyphs), and far from all white.
    assert len(colours) > 50
    white = sum(count for count, colour in colours if colour == (255, 255, 255))
    assert white < 0.97 * 1200 * 1400
