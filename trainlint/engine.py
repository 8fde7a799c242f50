"""The pipeline for one source text: pre-filter, parse, evaluate, extract facts, run rules, resolve places."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from trainlint.analysis.evaluator import Interpreter, ModelEvent
from trainlint.analysis.extract import Extractor, optimizer_calls
from trainlint.analysis.facts import OptimizerCall, SourceRef, TrainingSetup
from trainlint.analysis.scenario import Scenario, merge_scenarios
from trainlint.findings import INTERNAL_ERROR, Finding, Related, file_diagnostic
from trainlint.lint_rules import ALL_RULES, RULES_BY_CODE, Report, RuleContext
from trainlint.settings import Settings
from trainlint.source import looks_like_python2
from trainlint.stats import Stats


def might_have_findings(text: str) -> bool:
    """A cheap test that skips files which cannot produce a finding (no compile call or optimizer, no Keras)."""
    return ("compile" in text or "optimizers" in text) and ("keras" in text or "tensorflow" in text)


@dataclass(frozen=True)
class Origin:
    """What a finding rests on, kept only on request (``--dynamic`` rebuilds the model from it)."""

    setup: TrainingSetup
    event: ModelEvent


@dataclass
class Analysis:
    findings: list[Finding]
    stats: Stats = field(default_factory=Stats)


def lint_text(text: str, filename: str, settings: Settings = Settings(),
              origins: dict[Finding, Origin] | None = None) -> Analysis:
    if not might_have_findings(text):
        return Analysis([])
    rejected = _python_rejects(text, filename)
    if rejected is not None:
        return Analysis([rejected])
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return Analysis([_syntax_diagnostic(error, text, filename)])
    except RecursionError:
        return Analysis([_too_deep(filename)])
    stats = Stats(parsed=1)
    try:
        return Analysis(lint_module(module, filename, settings, stats, origins=origins), stats)
    except RecursionError:
        return Analysis([_too_deep(filename)], stats)
    except Exception as error:  # a bug of ours on one file must not end the run
        return Analysis([file_diagnostic(filename, f"internal error: {type(error).__name__}: {error}",
                                         code=INTERNAL_ERROR)], stats)


def _too_deep(filename: str) -> Finding:
    return file_diagnostic(filename, "expressions nest too deeply to parse; not analysed")


def _python_rejects(text: str, filename: str) -> Finding | None:
    """A diagnostic when CPython's own parser rejects the text, checked before libcst sees it.

    libcst's native parser overflows its stack (the process dies, no exception) on expressions nested a few
    thousand levels deep; CPython's parser bounds nesting and fails cleanly, and costs a tenth of a libcst parse.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
            ast.parse(text, filename)
    except (RecursionError, MemoryError):
        return _too_deep(filename)
    except SyntaxError as error:
        summary = error.msg or "invalid syntax"
        if "too many nested" in summary:
            return _too_deep(filename)
        hint = ""
        if "print" in summary or looks_like_python2(text.encode("utf-8", "replace")):
            hint = " (this looks like Python 2 code, which trainlint does not analyse)"
        return file_diagnostic(filename, f"syntax error: {summary}{hint}", error.lineno or 1, error.offset or 1)
    except ValueError as error:  # NUL bytes on Python < 3.12
        return file_diagnostic(filename, f"cannot parse the file: {error}")
    return None


def _syntax_diagnostic(error: cst.ParserSyntaxError, text: str, filename: str) -> Finding:
    """Python's own parser (parse only, nothing runs) says precisely where and what; libcst's position is off."""
    try:
        ast.parse(text)
    except SyntaxError as python_error:
        hint = ""
        if "print" in (python_error.msg or "") or looks_like_python2(text.encode("utf-8", "replace")):
            hint = " (this looks like Python 2 code, which trainlint does not analyse)"
        return file_diagnostic(filename, f"syntax error: {python_error.msg}{hint}",
                               python_error.lineno or 1, python_error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    return file_diagnostic(filename, "cannot parse this file (syntax newer than the parser supports?)",
                           error.editor_line, error.editor_column)


def lint_module(module: cst.Module, filename: str, settings: Settings, stats: Stats | None = None,
                resolve_import=None, origins: dict[Finding, Origin] | None = None) -> list[Finding]:
    """The findings of one module; with ``origins``, also what each finding rests on (its first setup)."""
    interpreter = Interpreter(module, filename, resolve_import)
    events = interpreter.run()
    extractor = Extractor(filename, settings.keras_version)
    context = RuleContext(settings.keras_version)
    rules = [rule() for rule in ALL_RULES if settings.enabled(rule.code)]
    scenarios: dict[Report, list[Scenario]] = {}
    first_origin: dict[Report, Origin] = {}
    errors: list[Finding] = []

    def check(fact, scenario: Scenario, origin: Origin | None) -> None:
        for rule in rules:
            if not isinstance(fact, rule.FACT):
                continue
            try:
                for report in rule.check(fact, context):
                    scenarios.setdefault(report, []).append(scenario)
                    if origins is not None and origin is not None:
                        first_origin.setdefault(report, origin)
            except Exception as error:  # a bug in one rule must not end the run
                errors.append(file_diagnostic(
                    filename, f"internal error in rule {rule.code}: {type(error).__name__}: {error}",
                    code=INTERNAL_ERROR))

    fits: dict[int, list[ModelEvent]] = {}
    for event in events:
        if event.method != "compile":
            fits.setdefault(id(event.model.identity), []).append(event)
    compile_calls: dict[int, bool] = {}
    models: set[int] = set()
    compiled_with: dict[int, Origin] = {}
    for event in events:
        if event.method != "compile":
            continue
        setups = extractor.setups(event, tuple(fits.get(id(event.model.identity), ())))
        # Re-run statements meet the same call again: count syntax, not runs.
        models.add(id(event.model.node))
        compile_calls[id(event.node)] = compile_calls.get(id(event.node), False) or any(
            s.loss is not None and s.head.units is not None and s.head.activation is not None for s in setups)
        optimizer = event.argument("optimizer", 0)
        if setups and optimizer is not None:
            compiled_with.setdefault(id(getattr(optimizer, "node", None)), Origin(setups[0], event))
        for setup in setups:
            check(setup, setup.scenario, Origin(setup, event))
    for optimizer in optimizer_calls(extractor, interpreter.optimizers.values()):
        # An optimizer finding can be confirmed by building the model it was compiled into, if any.
        check(optimizer, Scenario(), compiled_with.get(id(optimizer.where.node)))
    if stats is not None:
        stats.models += len(models)
        stats.compile_calls += len(compile_calls)
        stats.resolved_compile_calls += sum(compile_calls.values())
    return _resolve(scenarios, module, filename, first_origin, origins) + errors[:1]


def _resolve(reports: dict[Report, list[Scenario]], module: cst.Module, filename: str,
             first_origin: dict[Report, Origin], origins: dict[Finding, Origin] | None) -> list[Finding]:
    if not reports:
        return []
    # Positions only for the files that report something: the provider costs more than the parse.
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    findings = []
    for report, seen in reports.items():
        merged = merge_scenarios(seen)
        scenario = None if any(not s for s in merged) else " or ".join(s.describe() for s in merged)
        rule = RULES_BY_CODE[report.code]
        start, end = _span(positions, report.primary)
        message = f"when {scenario}: {report.message}" if scenario else report.message
        related = tuple(
            Related(filename, *_span(positions, where)[0], note) for where, note in report.related
        )
        finding = Finding(report.code, rule.kind, rule.severity, message, filename, *start, *end,
                          related, scenario, name=rule.name)
        findings.append(finding)
        if origins is not None and report in first_origin:
            origins[finding] = first_origin[report]
    return sorted(findings, key=lambda f: f.sort_key)


def _span(positions, ref: SourceRef) -> tuple[tuple[int, int], tuple[int, int]]:
    code_range = positions.get(ref.node)
    if code_range is None:
        return (1, 1), (1, 1)
    return (code_range.start.line, code_range.start.column + 1), (code_range.end.line, code_range.end.column + 1)
