"""The JSON Lines file of a repository audit: written as repositories finish, resumed after an interruption, and
read back into the summary tables and the HTML report.

Each line is one record: ``{"type": "finding", "repository": ..., <the finding as in the JSON output>}`` or
``{"type": "repository", "repository": ..., "status": "complete" | "failed", ...}``. A repository's records are
written together, its ``repository`` record last, so that record is what marks the repository done.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from trainlint.audit.repos import RECORD_FINDING, RECORD_REPOSITORY, STATUS_COMPLETE, STATUS_FAILED
from trainlint.audit.summary import AuditSummary, FolderCount, RuleCount, sorted_reasons
from trainlint.findings import Finding

_DONE = (STATUS_COMPLETE, STATUS_FAILED)


class ResultsWriter:
    """Appends each repository's records as one write, flushed at once: a kill loses at most the repository being
    written, and :func:`prepare_resume` drops what it left."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    @classmethod
    def open(cls, path: str | Path, append: bool) -> ResultsWriter:
        return cls(open(path, "a" if append else "w", encoding="utf-8"))

    def write(self, records: list[dict]) -> None:
        self._out.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
        self._out.flush()

    def close(self) -> None:
        self._out.close()


def read_records(path: str | Path) -> Iterator[dict]:
    """The records of a results file; a line that is not a complete JSON object (cut short by a kill) is skipped."""
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            record = _parse(line)
            if record is not None:
                yield record


def _parse(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) and "type" in record and "repository" in record else None


def prepare_resume(path: str | Path) -> set[str]:
    """The repositories a results file has finished (complete or failed). Records of repositories it has not
    finished, and damaged lines, are removed from the file first, so that redoing those repositories does not
    report their findings twice. Two streaming passes: a file of millions of records is never held in memory."""
    path = Path(path)
    if not path.exists():
        return set()
    done: set[str] = set()
    seen: set[str] = set()
    damaged = False
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            record = _parse(line)
            if record is None or not line.endswith("\n"):
                damaged = True
                continue
            seen.add(record["repository"])
            if record["type"] == RECORD_REPOSITORY and record.get("status") in _DONE:
                done.add(record["repository"])
    if damaged or seen - done:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out, \
                open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                record = _parse(line)
                if record is not None and line.endswith("\n") and record["repository"] in done:
                    out.write(line)
        os.replace(temporary, path)
    return done


@dataclass(frozen=True)
class RepositoryAudit:
    """What a results file says about its repositories, beside the file-level :class:`AuditSummary`."""

    repositories: int
    failed: tuple[tuple[str, str], ...]
    """(repository, reason) of each failed repository."""


def finding_from_record(record: dict) -> Finding:
    """The finding a ``finding`` record holds, its filename prefixed with its repository so that places from
    different repositories stay apart in a combined report."""
    data = {key: value for key, value in record.items() if key not in ("type", "repository", "source")}
    finding = Finding.from_dict(data)
    prefix = record["repository"].rstrip("/") + "/"
    return replace(finding, filename=prefix + finding.filename,
                   related=tuple(replace(r, filename=prefix + r.filename) for r in finding.related))


def summarize_records(records: Iterable[dict]) -> tuple[AuditSummary, list[Finding], RepositoryAudit]:
    """The audit summary of a results file (a repository is a "top-level folder"), its findings, and its failures."""
    repositories: dict[str, dict] = {}
    finding_records: list[dict] = []
    for record in records:
        if record["type"] == RECORD_REPOSITORY:
            repositories[record["repository"]] = record  # the last word on a repository counts
        elif record["type"] == RECORD_FINDING:
            finding_records.append(record)
    complete = {name: r for name, r in repositories.items() if r.get("status") == STATUS_COMPLETE}
    findings = sorted((finding_from_record(r) for r in finding_records if r["repository"] in complete),
                      key=lambda f: f.sort_key)
    per_repository = Counter(r["repository"] for r in finding_records if r["repository"] in complete)
    names = {f.code: f.name for f in findings}
    per_rule = Counter(f.code for f in findings)

    unresolved: Counter = Counter()
    unbound: Counter = Counter()
    for record in complete.values():
        unresolved.update({str(k): int(v) for k, v in (record.get("unresolved") or {}).items()})
        unbound.update({str(k): int(v) for k, v in (record.get("unbound_loss_calls") or {}).items()})

    def total(field: str) -> int:
        return sum(int(r.get(field) or 0) for r in complete.values())

    summary = AuditSummary(
        files=total("files"), notebooks=total("notebooks"), skipped_notebooks=total("skipped_notebooks"),
        parsed=total("parsed"), cached=total("cached"), models=total("models"),
        compile_calls=total("compile_calls"), resolved_compile_calls=total("resolved_compile_calls"),
        loss_calls=total("loss_calls"), bound_loss_calls=total("bound_loss_calls"),
        compile_calls_with_loss=total("compile_calls_with_loss"), runtime_width=total("runtime_width"),
        unresolved=sorted_reasons(unresolved), unbound=sorted_reasons(unbound), findings=len(findings),
        stopped_early=total("stopped_early"),
        by_rule=tuple(RuleCount(code, names[code], count)
                      for code, count in sorted(per_rule.items(), key=lambda item: (-item[1], item[0]))),
        by_folder=tuple(FolderCount(name, int(complete[name].get("files") or 0), per_repository[name])
                        for name in sorted(complete, key=lambda n: (-per_repository[n], n))),
    )
    failed = tuple((name, r.get("reason") or "") for name, r in repositories.items()
                   if r.get("status") == STATUS_FAILED)
    return summary, findings, RepositoryAudit(len(repositories), failed)


def format_repositories(audit: RepositoryAudit) -> str:
    lines = [f"Repositories: {audit.repositories} ({audit.repositories - len(audit.failed)} complete, "
             f"{len(audit.failed)} failed)"]
    lines += [f"  failed: {name}: {reason}" for name, reason in audit.failed]
    return "\n".join(lines) + "\n"


def repositories_html(audit: RepositoryAudit) -> str:
    """The repositories section of the HTML report: how many, and why each failed one failed."""
    rows = "".join(f"<tr><td><code>{escape(name)}</code></td><td>{escape(reason)}</td></tr>"
                   for name, reason in audit.failed)
    failures = (f"<table><thead><tr><th>failed repository</th><th>reason</th></tr></thead><tbody>{rows}"
                f"</tbody></table>") if audit.failed else ""
    return (f"<h2>Repositories</h2><p>{audit.repositories} repositories: "
            f"{audit.repositories - len(audit.failed)} complete, {len(audit.failed)} failed.</p>{failures}")


def write_records_report(path: str | Path, records: Iterable[dict],
                         audited: str = "repositories") -> tuple[AuditSummary, RepositoryAudit]:
    """The batch audit's HTML report, built from a results file's records, with the repositories section added:
    each repository with its coverage or why it failed, and links to its files at the audited commit."""
    from trainlint.plugin.html_report import ReportHeader, Section, render_report, repository_link

    records = list(records)
    summary, findings, audit = summarize_records(records)
    last = {r["repository"]: r for r in records if r["type"] == RECORD_REPOSITORY}
    per_repository = Counter(r["repository"] for r in records if r["type"] == RECORD_FINDING
                             and last.get(r["repository"], {}).get("status") == STATUS_COMPLETE)
    sections = tuple(
        Section(name, int(r.get("files") or 0), per_repository[name], int(r.get("compile_calls") or 0),
                int(r.get("resolved_compile_calls") or 0), status=r.get("status") or "", reason=r.get("reason") or "",
                url=r.get("url"), commit=r.get("commit"))
        for name, r in sorted(last.items(), key=lambda item: (item[1].get("status") != STATUS_FAILED,
                                                              -per_repository[item[0]], item[0])))

    def link(filename: str, line: int) -> str | None:
        for name, record in last.items():
            prefix = name.rstrip("/") + "/"
            if filename.startswith(prefix):
                return repository_link(record.get("url"), record.get("commit"), filename[len(prefix):], line)
        return None

    versions = tuple(sorted({str(r["keras_version"]) for r in last.values() if r.get("keras_version")}))
    sources: dict[str, list[str]] = {}
    for record in records:  # the lines around each finding, as the audit kept them
        excerpt = record.get("source") if record["type"] == RECORD_FINDING else None
        if isinstance(excerpt, dict) and isinstance(excerpt.get("lines"), list):
            name = record["repository"].rstrip("/") + "/" + record["filename"]
            lines = sources.setdefault(name, [])
            first = int(excerpt.get("first_line") or 1)
            needed = first - 1 + len(excerpt["lines"])
            lines.extend([""] * max(0, needed - len(lines)))
            lines[first - 1:needed] = [str(line) for line in excerpt["lines"]]
    header = ReportHeader(audited=f"{audited}: {audit.repositories} repositories", keras_versions=versions)
    page = render_report(summary, findings, title=f"trainlint audit of {audit.repositories} repositories",
                         header=header, sections=sections, links=link, sources=sources)
    page = page.replace("<h2>Charts</h2>", repositories_html(audit) + "<h2>Charts</h2>", 1)
    Path(path).write_text(page, encoding="utf-8")
    return summary, audit
