"""``--report report.html``: the audit summary as one self-contained page (inline CSS and SVG, nothing fetched)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from trainlint import __version__
from trainlint.findings import Finding
from trainlint.summary import AuditSummary

BAR_COLOUR = "#c2410c"
_MAX_LISTED_FINDINGS = 5000
_STYLE = """
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
"""


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
    """Why compile calls with a loss were not judged: what a reader needs to trust the silence."""
    if not summary.unresolved:
        return ""
    rows = _table(("reason", "compile calls"), [(escape(reason), count) for reason, count in summary.unresolved],
                  numeric={1})
    return (f"<h2>Compile calls not judged</h2><p>{summary.compile_calls_with_loss - summary.resolved_compile_calls} "
            f"of {summary.compile_calls_with_loss} compile calls with a loss: no rule could judge them, because the "
            f"analysis did not resolve their model's head or their loss. <code>trainlint check --explain-unresolved"
            f"</code> lists each.</p>"
            + bar_chart("Why compile calls were not judged", list(summary.unresolved[:20]), colour="#6b7280")
            + rows)


def render_report(summary: AuditSummary, findings: list[Finding], title: str = "trainlint audit") -> str:
    overview = _table(("", ""), [(escape(k), v) for k, v in summary.overview()], numeric={1})
    rules = _table(("code", "rule", "findings"), [(f"<code>{escape(r.code)}</code>", escape(r.name), r.findings)
                                                   for r in summary.by_rule], numeric={2})
    folders = _table(("folder", "files", "findings"), [(escape(f.folder), f.files, f.findings)
                                                       for f in summary.by_folder], numeric={1, 2})
    charts = (bar_chart("Findings per rule", [(f"{r.code} {r.name}", r.findings) for r in summary.by_rule])
              + bar_chart("Findings per repository (top-level folder)",
                          [(f.folder, f.findings) for f in summary.by_folder if f.findings]))
    listed = findings[:_MAX_LISTED_FINDINGS]
    listing = _table(("where", "code", "message"), [
        (f"<code>{escape(_location(f))}</code>", f"<code>{escape(f.code)}</code>", escape(f.message))
        for f in listed])
    more = (f"<p>{len(findings) - len(listed)} more findings are not listed; see the JSON output.</p>"
            if len(findings) > len(listed) else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_STYLE}</style></head>
<body><h1>{escape(title)}</h1><p class="meta">trainlint {escape(__version__)}</p>
<h2>Overview</h2>{overview}
<h2>Charts</h2><div class="charts">{charts}</div>
{unresolved_html(summary)}
<h2>Findings per rule</h2>{rules if summary.by_rule else "<p>No findings.</p>"}
<h2>Findings per top-level folder</h2>{folders}
<h2>Findings</h2>{listing if findings else "<p>No findings.</p>"}{more}
</body></html>
"""


def write_report(path: str | Path, summary: AuditSummary, findings: list[Finding]) -> None:
    Path(path).write_text(render_report(summary, findings), encoding="utf-8")
