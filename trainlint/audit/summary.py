"""What a batch audit saw, as tables a person reads at a glance (text) and the HTML report builds on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from trainlint.audit.stats import Stats
from trainlint.findings import Finding
from trainlint.sources.files import FileResult


@dataclass(frozen=True)
class RuleCount:
    code: str
    name: str
    findings: int


@dataclass(frozen=True)
class FolderCount:
    folder: str
    files: int
    findings: int
    keras: str = ""
    """The Keras most of the folder's analysed files were judged under (inferred or set), and why."""


@dataclass(frozen=True)
class AuditSummary:
    files: int
    notebooks: int
    skipped_notebooks: int
    parsed: int
    cached: int
    models: int
    compile_calls: int
    resolved_compile_calls: int
    """Compile calls with a loss whose model head (its activation) and loss were both resolved."""
    findings: int
    by_rule: tuple[RuleCount, ...]
    by_folder: tuple[FolderCount, ...]
    loss_calls: int = 0
    """Losses applied outside ``compile``: a Keras custom loop's ``loss_fn(y, logits)``, PyTorch's
    ``criterion(output, target)``."""
    bound_loss_calls: int = 0
    """Of those, the ones whose prediction is a model output with a resolved head."""
    compile_calls_with_loss: int = 0
    runtime_width: int = 0
    unresolved: tuple[tuple[str, int], ...] = ()
    """Why the other compile calls with a loss were not judged: (reason, count), the most frequent first."""
    unbound: tuple[tuple[str, int], ...] = ()
    """Why the other losses applied outside ``compile`` met no resolved model output, the same way."""
    stopped_early: int = 0
    """Files whose analysis stopped before their end: the rest of each was not checked."""

    @property
    def coverage(self) -> float | None:
        sites = self.compile_calls_with_loss
        return self.resolved_compile_calls / sites if sites else None

    def overview(self) -> list[tuple[str, str]]:
        coverage = "n/a" if self.coverage is None else f"{self.coverage:.0%}"
        notebooks = f"{self.notebooks}" + (f" ({self.skipped_notebooks} skipped: not Python)"
                                           if self.skipped_notebooks else "")
        return [
            ("files scanned", str(self.files)),
            ("notebooks", notebooks),
            ("files parsed", str(self.parsed)),
            ("results from cache", str(self.cached)),
            ("models found", str(self.models)),
            ("compile calls", f"{self.compile_calls} ({self.compile_calls_with_loss} with a loss)"),
            ("head and loss resolved", f"{self.resolved_compile_calls} of {self.compile_calls_with_loss} ({coverage})"
             + (f", {self.runtime_width} with a runtime width" if self.runtime_width else "")),
            *self._loss_call_rows(),
            *([("analyses stopped early", f"{self.stopped_early} (the rest of those files was not checked)")]
              if self.stopped_early else []),
            ("findings", str(self.findings)),
        ]

    def _loss_call_rows(self) -> list[tuple[str, str]]:
        if not self.loss_calls:
            return []
        share = f"{self.bound_loss_calls / self.loss_calls:.0%}"
        return [("losses applied outside compile", str(self.loss_calls)),
                ("model output resolved", f"{self.bound_loss_calls} of {self.loss_calls} ({share})")]


def summarize(results: list[FileResult], findings: list[Finding]) -> AuditSummary:
    """``findings`` are the reported ones (after --select / --ignore), ``results`` every file scanned."""
    stats = Stats()
    for result in results:
        stats.add(result.stats)
    names = {f.code: f.name for f in findings}
    per_rule = Counter(f.code for f in findings)
    group_of = {r.filename: r.group for r in results}
    files_per_folder = Counter(r.group for r in results)
    findings_per_folder = Counter(group_of.get(f.filename, ".") for f in findings)
    return AuditSummary(
        files=len(results),
        notebooks=sum(r.notebook for r in results),
        skipped_notebooks=sum(bool(r.notebook and r.notes) for r in results),
        parsed=stats.parsed,
        cached=sum(r.cached for r in results),
        models=stats.models,
        compile_calls=stats.compile_calls,
        resolved_compile_calls=stats.resolved_compile_calls,
        loss_calls=stats.loss_calls, bound_loss_calls=stats.bound_loss_calls,
        compile_calls_with_loss=stats.compile_calls_with_loss,
        runtime_width=stats.runtime_width,
        unresolved=sorted_reasons(stats.unresolved),
        unbound=sorted_reasons(stats.unbound),
        stopped_early=stats.stopped_early,
        findings=len(findings),
        by_rule=tuple(RuleCount(code, names[code], count)
                      for code, count in sorted(per_rule.items(), key=lambda item: (-item[1], item[0]))),
        by_folder=tuple(FolderCount(folder, files_per_folder[folder], findings_per_folder[folder],
                                    _keras_of(r for r in results if r.group == folder))
                        for folder in sorted(files_per_folder, key=lambda f: (-findings_per_folder[f], f))),
    )


def _keras_of(results) -> str:
    """The most common Keras among the analysed files, and how many were judged under another."""
    seen = Counter(f"{r.keras['version']} ({r.keras['why']})" for r in results if r.keras is not None)
    if not seen:
        return "-"
    common, count = seen.most_common(1)[0]
    others = sum(seen.values()) - count
    return common + (f"; {others} other file{'s' if others > 1 else ''} differ" if others else "")


def sorted_reasons(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _table(headers: tuple[str, ...], rows: list[tuple], right: set[int]) -> list[str]:
    cells = [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(row):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in cells)]


def format_summary(summary: AuditSummary) -> str:
    lines = ["", "Audit summary", ""]
    lines += _table(("", ""), summary.overview(), right=set())[2:]
    if summary.unresolved:
        lines += ["", "Why compile calls with a loss were not judged (--explain-unresolved lists them)", ""]
        lines += _table(("reason", "calls"), list(summary.unresolved), {1})
    if summary.unbound:
        lines += ["", "Why losses applied outside compile were not bound to a model output", ""]
        lines += _table(("reason", "calls"), list(summary.unbound), {1})
    if summary.by_rule:
        lines += ["", "Findings per rule", ""]
        lines += _table(("code", "rule", "findings"), [(r.code, r.name, r.findings) for r in summary.by_rule], {2})
    lines += ["", "Findings per top-level folder", ""]
    lines += _table(("folder", "files", "findings", "keras (judged under, why)"),
                    [(f.folder, f.files, f.findings, f.keras) for f in summary.by_folder], {1, 2})
    return "\n".join(lines) + "\n"
