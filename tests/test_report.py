"""The audit summary table and the HTML report, opened and screenshotted by a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_trainlint
from trainlint.plugin.html_report import BAR_COLOUR, ERROR_COLOUR

EXPECTED_SUMMARY = """\
Audit summary

files scanned           6
notebooks               2 (1 skipped: not Python)
files parsed            4
results from cache      0
models found            8
compile calls           8 (8 with a loss)
head and loss resolved  5 of 8 (62%), 2 with a runtime width
findings                6

Why compile calls with a loss were not judged (--explain-unresolved lists them)

reason                    calls
------------------------  -----
activation: not resolved      2
loss: unknown value           1

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
        self.links: list[str] = []
        """Where the page's links go (followed only when clicked)."""
        self.ids: set[str] = set()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            if tag == "a" and name == "href":
                self.links.append(value)
            elif name in ("src", "href", "srcset", "data", "poster", "action") or (value and "url(" in value):
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
    # Every link is to a rule page bundled in the page or, relative to the report, to a file of the audit.
    for link in assets.links:
        if link.startswith("#"):
            assert link[1:] in assets.ids, link
        else:
            path, _, line = link.partition("#L")
            assert ":" not in path and (audited / path).is_file() and int(line) >= 1, link
    # three charts: 4 rules, 2 repositories, 2 reasons why compile calls were not judged
    assert assets.tags.count("svg") == 3 and assets.tags.count("rect") == 8
    assert "repo_one/binary_classifier.ipynb:cell 6:3:38" in page
    for row in ("files scanned", "head and loss resolved", "5 of 8 (62%)", "categorical-crossentropy-on-single-unit",
                "Compile calls not judged", "loss: unknown value"):
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


def test_the_report_is_a_page_to_work_from(audited):
    page = _report(audited)
    # The header: what, when, which trainlint, which Keras.
    from trainlint import __version__

    meta = page.split('<p class="meta" id="meta">', 1)[1].split("</p>", 1)[0]
    assert meta.startswith("Audited: . (6 files) · 20") and " UTC · " in meta
    assert f"trainlint {__version__}" in meta and meta.endswith("Keras semantics: auto, any Keras (4 files)")
    # A finding: severity, kind, rule link, file link, related place, source lines around it.
    row = next(r for r in page.split("<tr ") if 'data-code="TL102"' in r and "repo_one/train.py" in r)
    assert 'data-severity="error"' in row and '<span class="sev error">error</span>' in row
    assert 'data-kind="degenerate-head"' in row and 'data-repo="repo_one"' in row
    assert '<a href="#rule-TL102"><code>TL102</code></a>' in row
    assert '<a href="repo_one/train.py#L13"><code>repo_one/train.py:13:20</code></a>' in row
    assert '<a href="repo_one/train.py#L12"><code>repo_one/train.py:12:11</code></a> this layer has 1 unit' in row
    assert '<span class="hit"><span class="no">13</span>  model.compile(loss=&quot;categorical_crossentropy&quot;' \
        in row
    assert '<span class="no">11</span>  model.add(Dense(16))' in row
    # A notebook's lines are numbered within the cell.
    notebook = next(r for r in page.split("<tr ") if "binary_classifier.ipynb:cell 6:3:38" in r)
    assert '<span class="hit"><span class="no">3</span>  model.compile(' in notebook
    # The rule pages are bundled; one section per folder with its coverage.
    assert '<div class="rule-page" id="rule-TL102"><pre># categorical-crossentropy-on-single-unit (TL102)' in page
    assert '<section class="repo" id="repo-repo_two"><h3>repo_two</h3><p>3 files · 4 findings · coverage: ' in page


def _records(tmp_path) -> Path:
    """A results file of two repositories, one failed, as ``audit --repos`` writes it."""
    import json

    finding = {"type": "finding", "repository": "github.com/acme/vision", "code": "TL102", "kind": "degenerate-head",
               "severity": "error", "message": "categorical_crossentropy over 1 output unit is identically 0",
               "filename": "src/train.py", "line": 13, "column": 20, "end_line": 13, "end_column": 46,
               "related": [{"filename": "src/model.py", "line": 4, "column": 5, "message": "this layer has 1 unit"}],
               "scenario": None, "confirmation": None, "name": "categorical-crossentropy-on-single-unit",
               "source": {"first_line": 11, "lines": ["x = 1", "head = Dense(1)", "model.compile(loss='cce')",
                                                      "model.fit(x, y)", ""]}}
    records = [
        finding,
        {"type": "repository", "repository": "github.com/acme/vision", "url": "https://github.com/acme/vision.git",
         "ref": None, "commit": "0123456789abcdef0123456789abcdef01234567", "status": "complete", "files": 7,
         "compile_calls": 4, "resolved_compile_calls": 3, "keras_version": "2"},
        {"type": "repository", "repository": "github.com/acme/gone", "url": "https://github.com/acme/gone",
         "ref": None, "status": "failed", "reason": "clone failed: repository not found"},
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_repository_report_links_to_the_audited_commit(tmp_path):
    results = _records(tmp_path)
    run = run_trainlint("report", str(results), "--report", str(tmp_path / "report.html"))
    assert run.returncode == 1, run.stderr
    page = (tmp_path / "report.html").read_text()
    commit = "0123456789abcdef0123456789abcdef01234567"
    assert (f'<a href="https://github.com/acme/vision/blob/{commit}/src/train.py#L13"><code>'
            "github.com/acme/vision/src/train.py:13:20</code></a>") in page
    assert f'<a href="https://github.com/acme/vision/blob/{commit}/src/model.py#L4">' in page
    assert '<section class="repo failed" id="repo-github.com/acme/gone">' in page
    assert "clone failed: repository not found" in page
    assert "3 of 4 compile calls resolved (75%)" in page
    assert '<span class="hit"><span class="no">13</span>  model.compile(loss=&#x27;cce&#x27;)</span>' in page
    assert '<span class="no">11</span>  x = 1' in page
    assert "Keras semantics: 2" in page and f"Audited: {results.name}: 2 repositories" in page


def _run_chromium(*args: str, profile) -> subprocess.CompletedProcess:
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("TRAINLINT_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (.ci/run installs Debian's chromium) but was not found")
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True)


class _Rows(HTMLParser):
    """The findings table's rows in the DOM Chromium dumps: (code, hidden) in their order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, bool]] = []
        self.shown = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "data-code" in attributes:
            self.rows.append((attributes["data-code"], "hidden" in attributes))
        if tag == "body":
            self.shown = attributes.get("data-shown")


def _dom(audited, query: str, profile) -> _Rows:
    url = (audited / "report.html").as_uri() + query
    dumped = _run_chromium("--virtual-time-budget=5000", "--dump-dom", url, profile=profile)
    rows = _Rows()
    rows.feed(dumped.stdout)
    return rows


def test_the_findings_filter_and_sort_in_chromium(audited, tmp_path_factory):
    page = _report(audited)
    rows = [row.split("</tr>")[0] for row in page.split("<tr ")[1:] if row.startswith("data-code=")]
    with_text = [row.split('"')[1] for row in rows if "sigmoid head" in row]
    profile = tmp_path_factory.mktemp("chromium-profile")
    everything = _dom(audited, "", profile)
    assert len(everything.rows) == 6 and not any(hidden for _, hidden in everything.rows)
    assert everything.shown == "6"
    by_code = _dom(audited, "?code=TL102", profile)
    assert [code for code, hidden in by_code.rows if not hidden] == ["TL102"] * 3 and by_code.shown == "3"
    by_repository = _dom(audited, "?repo=repo_one", profile)
    assert sum(not hidden for _, hidden in by_repository.rows) == 2
    by_text = _dom(audited, "?text=sigmoid%20head", profile)
    visible = [code for code, hidden in by_text.rows if not hidden]
    assert visible == with_text and 0 < len(visible) < 6
    # Sorting by the rule column, descending, puts the highest code first.
    sorted_rows = _dom(audited, "?sort=1&order=descending", profile)
    codes = [code for code, _ in sorted_rows.rows]
    assert codes == sorted(codes, reverse=True) and codes != [code for code, _ in everything.rows]


def test_the_report_looks_right_in_chromium(audited, tmp_path_factory):
    """The severity badges and the highlighted source lines are drawn (pixels, not only markup)."""
    from PIL import Image

    _report(audited)
    profile = tmp_path_factory.mktemp("chromium-profile")
    screenshot = audited / "findings.png"
    _run_chromium("--window-size=1200,5000", f"--screenshot={screenshot}", (audited / "report.html").as_uri(),
                  profile=profile)
    with Image.open(screenshot) as image:
        colours = dict((colour, count) for count, colour in image.convert("RGB").getcolors(maxcolors=2_000_000))
    badge = tuple(int(ERROR_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    highlight = (0xfd, 0xe6, 0x8a)
    # Six error badges of about 40 x 18 px, six highlighted source lines of several hundred px by 17.
    assert colours.get(badge, 0) > 6 * 200, colours.get(badge, 0)
    assert colours.get(highlight, 0) > 6 * 3000, colours.get(highlight, 0)


def test_the_report_says_why_losses_outside_compile_were_not_bound(tmp_path):
    shutil.copy(FIXTURES / "torch" / "unresolved_outputs.py", tmp_path / "train.py")
    result = run_trainlint("audit", "--no-cache", "--report", "report.html", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Losses applied outside compile, not bound" in page and "2 of 2 losses applied" in page
    assert "units: runtime value" in page and "Compile calls not judged" not in page
