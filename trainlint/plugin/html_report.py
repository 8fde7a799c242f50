"""``--report report.html``: the audit as one self-contained page to work from (inline CSS, SVG and script; nothing
fetched, so it opens from disk and offline).

A header says what was audited, when, with which trainlint and under which Keras semantics; then the overview and
charts; one section per repository (top-level folder) with its coverage and failures; and the findings, each with
its severity and kind, a link to its rule's page (bundled at the end of the page), a link to the file and line
(relative ``file:`` links for a local audit, the repository's web page at the audited commit for ``--repos``), its
related places and the source lines around it. The findings table sorts by any column and filters by text, code,
severity, kind and repository; the same filters can be given in the address (``report.html?code=TL102&repo=x``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import quote

from trainlint import __version__
from trainlint.audit.summary import AuditSummary
from trainlint.findings import Finding

BAR_COLOUR = "#c2410c"
ERROR_COLOUR = "#b91c1c"
WARNING_COLOUR = "#a16207"
_MAX_LISTED_FINDINGS = 5000
CONTEXT_LINES = 2
_STYLE = ("""
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2937; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #6b7280; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { padding: .25rem .75rem; text-align: left;
       border-bottom: 1px solid #e5e7eb; vertical-align: top; } th { background: #f3f4f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; } figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2937; }
.sev { display: inline-block; padding: 0 .45rem; border-radius: .6rem; color: #fff; font-size: 12px; }
.sev.error { background: #b91c1c; } .sev.warning { background: #a16207; }
.kind { color: #4b5563; font-size: 12px; }
table.findings { width: 100%; table-layout: fixed; } table.findings td { font-size: 13px; overflow-wrap: anywhere; }
table.findings th:nth-child(1) { width: 5rem; } table.findings th:nth-child(2) { width: 12rem; }
table.findings th:nth-child(3) { width: 16rem; }
table.findings th { cursor: pointer; user-select: none; white-space: nowrap; }
table.findings th[aria-sort=ascending]::after { content: " \\25B2"; }
table.findings th[aria-sort=descending]::after { content: " \\25BC"; }
.related { margin: .2rem 0 0 0; padding-left: 1rem; color: #374151; }
pre.source { margin: .3rem 0 0; padding: .3rem .5rem; background: #f9fafb; border: 1px solid #e5e7eb;
       font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; overflow-x: auto; }
pre.source .hit { background: #fde68a; display: inline-block; min-width: 100%; }
pre.source .no { color: #9ca3af; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: .5rem 0; }
.filters input, .filters select { font: inherit; padding: .15rem .3rem; }
section.repo { border: 1px solid #e5e7eb; border-radius: .4rem; padding: .2rem .8rem; margin: .6rem 0; }
section.repo.failed { border-color: #b91c1c; }
.rule-page { border-top: 1px solid #e5e7eb; } .rule-page pre { white-space: pre-wrap; }
""")


def bar_chart(title: str, bars: list[tuple[str, int]], colour: str = BAR_COLOUR) -> str:
    """A horizontal bar chart in inline SVG: one labelled bar per item, the count at its end."""
    if not bars:
        return f"<figure><figcaption>{escape(title)}</figcaption><p>No findings.</p></figure>"
    label_width, bar_width, row = 320, 320, 24
    top = max(count for _, count in bars) or 1
    height = row * len(bars) + 8
    rows = []
    for index, (label, count) in enumerate(bars):
        y = 4 + index * row
        width = max(2, round(bar_width * count / top))
        shown = label if len(label) <= 48 else label[:47] + "…"
        rows.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end"><title>{escape(label)}</title>'
            f"{escape(shown)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{label_width + width + 6}" y="{y + 15}">{count}</text>')
    return (f'<figure><figcaption>{escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{escape(title)}" '
            f'width="{label_width + bar_width + 60}" height="{height}">{"".join(rows)}</svg></figure>')


def _table(headers: tuple[str, ...], rows: list[tuple], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers) if any(headers) else ""
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{escape(str(c))}</td>' if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _location(finding: Finding) -> str:
    if finding.cell is not None:
        return f"{finding.filename}:cell {finding.cell}:{finding.cell_line}:{finding.column}"
    return f"{finding.filename}:{finding.line}:{finding.column}"


def unresolved_html(summary: AuditSummary) -> str:
    """Why compile calls with a loss were not judged, and losses applied outside compile not bound to a model
    output: what a reader needs to trust the silence."""
    compile_calls = _reasons_html(
        "Compile calls not judged", "compile calls", summary.unresolved,
        f"{summary.compile_calls_with_loss - summary.resolved_compile_calls} of {summary.compile_calls_with_loss} "
        f"compile calls with a loss: no rule could judge them, because the analysis did not resolve their model's "
        f"head or their loss.", "Why compile calls were not judged")
    loss_calls = _reasons_html(
        "Losses applied outside compile, not bound", "loss calls", summary.unbound,
        f"{summary.loss_calls - summary.bound_loss_calls} of {summary.loss_calls} losses applied in training "
        f"loops: no rule could judge them, because the analysis did not resolve the model output they are "
        f"applied to.", "Why losses were not bound to a model output")
    return compile_calls + loss_calls


def _reasons_html(title: str, unit: str, reasons: tuple[tuple[str, int], ...], text: str, chart: str) -> str:
    if not reasons:
        return ""
    rows = _table(("reason", unit), [(escape(reason), count) for reason, count in reasons], numeric={1})
    return (f"<h2>{title}</h2><p>{text} <code>trainlint check --explain-unresolved</code> lists each.</p>"
            + bar_chart(chart, list(reasons[:20]), colour="#6b7280") + rows)


_SCRIPT = """
(function () {
  var table = document.getElementById('findings');
  if (!table) return;
  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
  var controls = {text: document.getElementById('f-text'), code: document.getElementById('f-code'),
                  severity: document.getElementById('f-severity'), kind: document.getElementById('f-kind'),
                  repo: document.getElementById('f-repo')};
  var shown = document.getElementById('f-shown');
  function apply() {
    var text = controls.text.value.toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var keep = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
        ['code', 'severity', 'kind', 'repo'].every(function (key) {
          return !controls[key].value || row.dataset[key] === controls[key].value; });
      row.hidden = !keep; if (keep) count++;
    });
    shown.textContent = count + ' of ' + rows.length + ' findings shown';
    document.body.dataset.shown = String(count);
  }
  Object.keys(controls).forEach(function (key) {
    controls[key].addEventListener(key === 'text' ? 'input' : 'change', apply); });
  var query = new URLSearchParams(window.location.search);
  Object.keys(controls).forEach(function (key) { if (query.has(key)) controls[key].value = query.get(key); });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
    header.addEventListener('click', function () { sortBy(column, header); }); });
  function sortBy(column, header) {
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute('aria-sort'); });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.key || a.cells[column].textContent;
      var y = b.cells[column].dataset.key || b.cells[column].textContent;
      var order = x.localeCompare(y, undefined, {numeric: true});
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  if (query.has('sort')) {
    var header = table.tHead.rows[0].cells[Number(query.get('sort'))];
    if (header) { sortBy(Number(query.get('sort')), header);
      if (query.get('order') === 'descending') sortBy(Number(query.get('sort')), header); }
  }
  apply();
})();
"""


@dataclass(frozen=True)
class Section:
    """One repository (``--repos``) or top-level folder: its coverage and, for a repository, why it failed."""

    name: str
    files: int
    findings: int
    compile_calls: int | None = None
    resolved: int | None = None
    failures: int = 0
    """Files not analysed (TL001 / TL002)."""
    status: str = "complete"
    reason: str = ""
    url: str | None = None
    commit: str | None = None


@dataclass(frozen=True)
class ReportHeader:
    audited: str
    """What was audited, in words: the paths, or the repositories of a results file."""
    keras_versions: tuple[str, ...] = ()
    when: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


Links = Callable[[str, int], "str | None"]
"""(filename as reported, line) -> the href of that place, or None."""


def local_links(report_path: str | Path) -> Links:
    """Relative links from the report's folder to the files, so that the page and the tree can move together."""
    folder = Path(report_path).absolute().parent

    def link(filename: str, line: int) -> str | None:
        if filename == "-":
            return None
        relative = os.path.relpath(Path(filename).absolute(), folder).replace(os.sep, "/")
        return quote(relative) + f"#L{line}"

    return link


_HOSTED = re.compile(r"^(?:https://|git@)(?P<host>github\.com|gitlab\.com|codeberg\.org)[/:](?P<path>.+?)(?:\.git)?/?$")


def repository_link(url: str | None, commit: str | None, path: str, line: int) -> str | None:
    """The web page of ``path`` at ``commit`` on GitHub, GitLab or Codeberg; None elsewhere."""
    if not url or not commit:
        return None
    match = _HOSTED.match(url)
    if match is None:
        return None
    blob = {"github.com": "blob", "gitlab.com": "-/blob", "codeberg.org": "src/commit"}[match.group("host")]
    return f"https://{match.group('host')}/{match.group('path')}/{blob}/{commit}/{quote(path)}#L{line}"


def _related_location(related) -> str:
    if related.cell is not None:
        return f"{related.filename}:cell {related.cell}:{related.cell_line}:{related.column}"
    return f"{related.filename}:{related.line}:{related.column}"


def _place(text: str, href: str | None) -> str:
    return f'<a href="{escape(href)}"><code>{escape(text)}</code></a>' if href else f"<code>{escape(text)}</code>"


def cell_key(filename: str, cell: int) -> str:
    """The key of a notebook cell's own lines in the ``sources`` of :func:`render_report`."""
    return f"{filename}\x00cell {cell}"


def source_lines(finding: Finding, sources: Mapping[str, list[str]]) -> str:
    """The reported line and :data:`CONTEXT_LINES` around it. In a notebook, the lines of the finding's cell as
    written (magics included), numbered within the cell, when the cell is known; else those of the text linted."""
    line, lines = finding.line, sources.get(finding.filename)
    if finding.cell is not None and finding.cell_line is not None and cell_key(finding.filename, finding.cell) in sources:
        line, lines = finding.cell_line, sources[cell_key(finding.filename, finding.cell)]
    if not lines or not 1 <= line <= len(lines):
        return ""
    first, last = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    width = len(str(last))
    shown = []
    for number in range(first, last + 1):
        text = f'<span class="no">{number:>{width}}</span>  {escape(lines[number - 1].rstrip())}'
        shown.append(f'<span class="hit">{text}</span>' if number == line else text)
    return '<pre class="source">' + "\n".join(shown) + "</pre>"


def _repository_of(finding: Finding, sections: tuple[Section, ...]) -> str:
    for section in sections:
        if finding.filename.startswith(section.name.rstrip("/") + "/"):
            return section.name
    return "."


def _finding_row(finding: Finding, sections: tuple[Section, ...], links: Links | None,
                 sources: Mapping[str, list[str]]) -> str:
    def href(filename: str, line: int) -> str | None:
        return links(filename, line) if links is not None else None

    related = "".join(f"<li>{_place(_related_location(r), href(r.filename, r.line))} {escape(r.message)}</li>"
                      for r in finding.related)
    link = href(finding.filename, finding.line)
    repository = _repository_of(finding, sections)
    sort_where = f"{finding.filename}\x00{finding.line:08}"
    return (
        f'<tr data-code="{escape(finding.code)}" data-severity="{escape(finding.severity)}" '
        f'data-kind="{escape(finding.kind)}" data-repo="{escape(repository)}">'
        f'<td data-key="{0 if finding.severity == "error" else 1}"><span class="sev {escape(finding.severity)}">'
        f'{escape(finding.severity)}</span></td>'
        f'<td><a href="#rule-{escape(finding.code)}"><code>{escape(finding.code)}</code></a><br>'
        f'<span class="kind">{escape(finding.name)}</span><br><span class="kind">{escape(finding.kind)}</span></td>'
        f'<td data-key="{escape(sort_where)}">{_place(_location(finding), link)}</td>'
        f"<td>{escape(finding.message)}"
        + (f'<ul class="related">{related}</ul>' if related else "")
        + source_lines(finding, sources)
        + "</td></tr>")


def _options(label: str, name: str, values: list[str]) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return f'<label>{label} <select id="f-{name}"><option value="">all</option>{options}</select></label>'


def _findings_table(findings: list[Finding], sections: tuple[Section, ...], links: Links | None,
                    sources: Mapping[str, list[str]]) -> str:
    listed = findings[:_MAX_LISTED_FINDINGS]
    rows = "".join(_finding_row(f, sections, links, sources) for f in listed)
    filters = ('<div class="filters"><label>Filter <input id="f-text" type="search" placeholder="text"></label>'
               + _options("code", "code", sorted({f.code for f in listed}))
               + _options("severity", "severity", sorted({f.severity for f in listed}))
               + _options("kind", "kind", sorted({f.kind for f in listed}))
               + _options("repository", "repo", sorted({_repository_of(f, sections) for f in listed}))
               + f'<span id="f-shown">{len(listed)} of {len(listed)} findings shown</span></div>')
    more = (f"<p>{len(findings) - len(listed)} more findings are not listed; see the JSON output.</p>"
            if len(findings) > len(listed) else "")
    return (filters + '<table class="findings" id="findings"><thead><tr><th>severity</th><th>rule</th>'
            f"<th>where</th><th>finding</th></tr></thead><tbody>{rows}</tbody></table>{more}")


def _sections_html(sections: tuple[Section, ...]) -> str:
    if not sections:
        return ""
    parts = ["<h2>Repositories and folders</h2>"]
    for section in sections:
        coverage = ("n/a" if not section.compile_calls else
                    f"{section.resolved} of {section.compile_calls} compile calls resolved "
                    f"({section.resolved / section.compile_calls:.0%})")
        where = ""
        if section.url:
            where = f" · <code>{escape(section.url)}</code>" + (
                f" at <code>{escape(section.commit[:12])}</code>" if section.commit else "")
        failed = section.status != "complete"
        body = (f"<p><strong>failed</strong>: {escape(section.reason)}</p>" if failed else
                f"<p>{section.files} files · {section.findings} findings · coverage: {coverage}"
                f" · files not analysed: {section.failures}</p>")
        parts.append(f'<section class="repo{" failed" if failed else ""}" id="repo-{escape(section.name)}">'
                     f"<h3>{escape(section.name)}{where}</h3>{body}</section>")
    return "".join(parts)


def _rule_pages(codes: list[str]) -> str:
    from trainlint.findings import DIAGNOSTICS_BY_CODE
    from trainlint.lint_rules import RULES_BY_CODE

    pages = []
    for code in codes:
        rule = RULES_BY_CODE.get(code) or DIAGNOSTICS_BY_CODE.get(code)
        if rule is not None:
            pages.append(f'<div class="rule-page" id="rule-{escape(code)}"><pre>{escape(rule.documentation())}</pre>'
                         "</div>")
    return "<h2>Rules</h2>" + "".join(pages) if pages else ""


def render_report(summary: AuditSummary, findings: list[Finding], title: str = "trainlint audit",
                  header: ReportHeader | None = None, sections: tuple[Section, ...] = (),
                  links: Links | None = None, sources: Mapping[str, list[str]] | None = None) -> str:
    overview = _table(("", ""), [(escape(k), v) for k, v in summary.overview()], numeric={1})
    rules = _table(("code", "rule", "findings"),
                   [(f'<a href="#rule-{escape(r.code)}"><code>{escape(r.code)}</code></a>', escape(r.name), r.findings)
                    for r in summary.by_rule], numeric={2})
    folders = _table(("folder", "files", "findings"), [(escape(f.folder), f.files, f.findings)
                                                       for f in summary.by_folder], numeric={1, 2})
    charts = (bar_chart("Findings per rule", [(f"{r.code} {r.name}", r.findings) for r in summary.by_rule])
              + bar_chart("Findings per repository (top-level folder)",
                          [(f.folder, f.findings) for f in summary.by_folder if f.findings]))
    header = header or ReportHeader(audited="(not recorded)")
    keras = ", ".join(header.keras_versions) if header.keras_versions else "not recorded"
    meta = (f'<p class="meta" id="meta">Audited: {escape(header.audited)} · {escape(header.when)} · '
            f"trainlint {escape(__version__)} · Keras semantics: {escape(keras)}</p>")
    listing = _findings_table(findings, sections, links, sources or {}) if findings else "<p>No findings.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_STYLE}</style></head>
<body><h1>{escape(title)}</h1>{meta}
<h2>Overview</h2>{overview}
<h2>Charts</h2><div class="charts">{charts}</div>
{unresolved_html(summary)}
{_sections_html(sections)}
<h2>Findings per rule</h2>{rules if summary.by_rule else "<p>No findings.</p>"}
<h2>Findings per top-level folder</h2>{folders}
<h2>Findings</h2>{listing}
{_rule_pages(sorted({f.code for f in findings}))}
<script>{_SCRIPT}</script>
</body></html>
"""


def local_sections(results, findings: list[Finding]) -> tuple[Section, ...]:
    """One section per top-level folder of a local audit, from its files' results."""
    from trainlint.findings import INTERNAL_ERROR, PARSE_ERROR

    groups: dict[str, dict[str, int]] = {}
    group_of = {}
    for result in results:
        group = groups.setdefault(result.group, {"files": 0, "compile": 0, "resolved": 0, "failures": 0})
        group["files"] += 1
        group["compile"] += result.stats.compile_calls
        group["resolved"] += result.stats.resolved_compile_calls
        group["failures"] += any(f.code in (PARSE_ERROR, INTERNAL_ERROR) for f in result.findings)
        group_of[result.filename] = result.group
    counts = Counter(group_of.get(finding.filename, ".") for finding in findings)
    return tuple(Section(name, g["files"], counts[name], g["compile"], g["resolved"], g["failures"])
                 for name, g in sorted(groups.items(), key=lambda item: (-counts[item[0]], item[0])))


def source_texts(results, findings: list[Finding]) -> dict[str, list[str]]:
    """The lines of each file a finding is in: the linted text where the run kept it, else the file on disk; and
    for a notebook with findings in cells, each such cell's lines as written (see :func:`cell_key`)."""
    import json

    texts = {r.filename: r.text.split("\n") for r in results if r.text is not None}
    for name in {f.filename for f in findings} - set(texts):
        try:
            texts[name] = Path(name).read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            continue
    for name in {f.filename for f in findings if f.cell is not None}:
        try:
            cells = json.loads(Path(name).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for finding in findings:
            if finding.filename == name and finding.cell is not None and 0 < finding.cell <= len(cells):
                source = cells[finding.cell - 1].get("source", "") if isinstance(cells[finding.cell - 1], dict) else ""
                texts[cell_key(name, finding.cell)] = ("".join(source) if isinstance(source, list)
                                                       else str(source)).splitlines()
    return texts


def write_report(path: str | Path, summary: AuditSummary, findings: list[Finding], results=(),
                 header: ReportHeader | None = None) -> None:
    sections = local_sections(results, findings) if results else ()
    page = render_report(summary, findings, header=header, sections=sections, links=local_links(path),
                         sources=source_texts(results, findings) if results else {})
    Path(path).write_text(page, encoding="utf-8")
