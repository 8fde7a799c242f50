"""The pipeline for one source text: pre-filter, parse, evaluate, extract facts, run rules, resolve places."""

from __future__ import annotations

import ast
import re
import symtable
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from trainlint.analysis.evaluator import Interpreter, LossEvent, ModelEvent
from trainlint.analysis.extract import Extractor, describe_receiver, has_loss, optimizer_calls, resolved
from trainlint.analysis.facts import SourceRef, TrainingSetup, Unresolved
from trainlint.analysis.positions import StatementPositions
from trainlint.analysis.project import Project, display_path
from trainlint.analysis.scenario import Scenario, merge_scenarios
from trainlint.analysis.standalone import Outline
from trainlint.analysis.values import argument
from trainlint.audit.stats import COMPILE_CALL, LOSS_CALL, Stats, UnresolvedSite
from trainlint.findings import INTERNAL_ERROR, Finding, Related, file_diagnostic
from trainlint.lint_rules import ALL_RULES, RULES_BY_CODE, Report
from trainlint.lint_rules.version_judge import VersionJudge
from trainlint.settings import Settings
from trainlint.sources.source import syntax_hint
from trainlint.sources.versions import KerasTarget, keras_target


def names_keras(text: str) -> bool:
    return "keras" in text or "tensorflow" in text


def applies_torch_loss(text: str) -> bool:
    """A PyTorch loss may be applied here (``nn.CrossEntropyLoss(``, ``F.cross_entropy(``, ``F.nll_loss(``)."""
    return "torch" in text and ("Loss(" in text or "cross_entropy" in text or "nll_loss" in text)


def might_have_findings(text: str) -> bool:
    """A cheap test that skips files which cannot produce a finding: no compile call, optimizer or crossentropy
    and no Keras, and no PyTorch loss."""
    return (("compile" in text or "optimizers" in text or "rossentropy" in text or "_with_logits" in text)
            and names_keras(text)) or applies_torch_loss(text)


def might_have_findings_through_imports(text: str, path: Path, project: Project) -> bool:
    """A file the text test rules out may still train: a model compiled here from a module of the project
    that names Keras, or a PyTorch model built here and handed to a training loop in a module that applies a
    loss (``mp.Process(target=train, args=(model, ...))`` with ``train`` imported)."""
    return (compiles_something(text) and project.imports_module_where(text, path, names_keras)) or (
        "torch" in text and project.imports_module_where(text, path, applies_torch_loss))


_COMPILE_CALLS = re.compile(r"\.[ \t]*compile[ \t]*\(")
_RECEIVER = re.compile(r"(\w+)[ \t]*$")


def compiles_something(text: str) -> bool:
    """A ``x.compile(`` that is not ``re.compile(``: the files worth a look for imports of Keras modules."""
    for match in _COMPILE_CALLS.finditer(text):
        receiver = _RECEIVER.search(text, max(0, match.start() - 40), match.start())
        if receiver is None or receiver.group(1) not in ("re", "regex"):
            return True
    return False


class _Site:
    """One compile call (or loss call) in the code, over every run of it (a helper called twice is one site)."""

    __slots__ = ("node", "loss", "judged", "runtime_width", "why")

    def __init__(self, node):
        self.node = node
        self.loss = self.judged = self.runtime_width = False
        self.why: Unresolved | None = None

    def seen(self, loss: bool, judged: bool, runtime_width: bool, explain) -> None:
        self.loss |= loss
        self.runtime_width |= runtime_width
        if judged:
            self.judged, self.why = True, None
        elif loss and not self.judged and self.why is None:
            self.why = explain() or Unresolved("unknown")


def _count(stats: Stats, sites) -> None:
    for site in sites:
        stats.compile_calls += 1
        if not site.loss:
            continue
        stats.compile_calls_with_loss += 1
        if site.judged:
            stats.resolved_compile_calls += 1
            stats.runtime_width += site.runtime_width
        else:
            stats.unresolved[site.why.reason] = stats.unresolved.get(site.why.reason, 0) + 1


@dataclass(frozen=True)
class Origin:
    """What a finding rests on, kept only on request (``--dynamic`` rebuilds the model from it)."""

    setup: TrainingSetup
    event: ModelEvent | LossEvent
    keras: KerasTarget | None = None
    """The Keras the findings resting on it were judged under: ``--dynamic`` confirms with that Keras."""


@dataclass
class Analysis:
    findings: list[Finding]
    stats: Stats = field(default_factory=Stats)
    imported: frozenset[Path] = frozenset()
    """The project modules the analysis read besides the file itself (a cached result depends on them too)."""
    keras: KerasTarget | None = None
    """The Keras the file was judged under (None when it was not analysed)."""


def lint_text(text: str, filename: str, settings: Settings = Settings(),
              origins: dict[Finding, Origin] | None = None, project: Project | None = None,
              unresolved_sites: list[UnresolvedSite] | None = None, keras: KerasTarget | None = None) -> Analysis:
    """Lint one text; with a ``project``, imports of the project's modules are followed (``filename`` is a path);
    with ``origins``, what each finding rests on is kept (for ``--dynamic``); with ``unresolved_sites``, the
    compile calls no rule could judge are listed there with their reasons (``--explain-unresolved``). ``keras``:
    the Keras the text is judged under (by default, from the setting or inferred from the pins near ``filename``
    and the text)."""
    path = Path(filename) if project is not None and filename != "-" else None
    if not might_have_findings(text) and not (
            path is not None and might_have_findings_through_imports(text, path, project)):
        return Analysis([])
    rejected, table = _python_rejects(text, filename)
    if rejected is not None:
        return Analysis([rejected])
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return Analysis([_syntax_diagnostic(error, text, filename)])
    except RecursionError:
        return Analysis([_too_deep(filename)])
    stats = Stats(parsed=1)
    imported: set[Path] = set()
    resolve_import = project.resolver(path, imported) if path is not None else None
    places = _Places(module, filename, project, path, imported, text)
    if keras is None:
        keras = keras_target(settings.keras_version, text, filename)
    try:
        return Analysis(lint_module(module, filename, settings, stats, resolve_import, places, origins,
                                    unresolved_sites, keras, Outline(text, table)), stats, frozenset(imported), keras)
    except RecursionError:
        return Analysis([_too_deep(filename)], stats)
    except Exception as error:  # a bug of ours on one file must not end the run
        return Analysis([file_diagnostic(filename, f"internal error: {type(error).__name__}: {error}",
                                         code=INTERNAL_ERROR)], stats)


def _too_deep(filename: str) -> Finding:
    return file_diagnostic(filename, "expressions nest too deeply to parse; not analysed")


def _python_rejects(text: str, filename: str) -> tuple[Finding | None, symtable.SymbolTable | None]:
    """A diagnostic when CPython's own parser rejects the text, checked before libcst sees it; else the symbol
    table it built (the evaluator reads where each top-level definition starts from it: :mod:`.standalone`).

    libcst's native parser overflows its stack (the process dies, no exception) on expressions nested a few
    thousand levels deep; CPython's parser bounds nesting and fails cleanly. Its symbol table pass parses
    without building Python's syntax tree objects: two thirds of the cost of ``ast.parse``, a sixteenth of a
    libcst parse (it also rejects what only the compiler would, such as a ``nonlocal`` at module level).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
            table = symtable.symtable(text, filename, "exec")
    except (RecursionError, MemoryError):
        return _too_deep(filename), None
    except SyntaxError as error:
        summary = error.msg or "invalid syntax"
        if "too many nested" in summary:
            return _too_deep(filename), None
        return file_diagnostic(filename, f"syntax error: {summary}{syntax_hint(summary, text)}", error.lineno or 1,
                               error.offset or 1), None
    except ValueError as error:  # NUL bytes on Python < 3.12
        return file_diagnostic(filename, f"cannot parse the file: {error}"), None
    return None, table


def _syntax_diagnostic(error: cst.ParserSyntaxError, text: str, filename: str) -> Finding:
    """Python's own parser (parse only, nothing runs) says precisely where and what; libcst's position is off."""
    try:
        ast.parse(text)
    except SyntaxError as python_error:
        hint = syntax_hint(python_error.msg or "", text)
        return file_diagnostic(filename, f"syntax error: {python_error.msg}{hint}",
                               python_error.lineno or 1, python_error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    return file_diagnostic(filename, "cannot parse this file (syntax newer than the parser supports?)",
                           error.editor_line, error.editor_column)


@lru_cache(maxsize=64)
def _enabled_rules(settings: Settings) -> tuple:
    return tuple(rule() for rule in ALL_RULES if settings.enabled(rule.code))


def lint_module(module: cst.Module, filename: str, settings: Settings, stats: Stats | None = None,
                resolve_import=None, places: _Places | None = None,
                origins: dict[Finding, Origin] | None = None,
                unresolved_sites: list[UnresolvedSite] | None = None,
                keras: KerasTarget | None = None, outline: Outline | None = None) -> list[Finding]:
    """The findings of one module; with ``origins``, also what each finding rests on (its first setup); with
    ``unresolved_sites``, each compile call with a loss that no rule could judge, and why (positions cost)."""
    keras = keras or keras_target(settings.keras_version, None, None)
    interpreter = Interpreter(module, filename, resolve_import, outline)
    events = interpreter.run()
    if interpreter.stopped is not None and stats is not None:
        stats.stopped_early += 1
    extractor = Extractor(filename, keras.rule_version)
    judge = VersionJudge(keras)
    rules = _enabled_rules(settings)
    scenarios: dict[Report, list[Scenario]] = {}
    first_origin: dict[Report, Origin] = {}
    applications: dict[Report, list[tuple[SourceRef, str]]] = {}
    """Where each report's loss meets the model output, when it is applied outside compile."""
    errors: list[Finding] = []

    def check(fact, scenario: Scenario, origin: Origin | None, applied: tuple[SourceRef, str] | None = None) -> None:
        for rule in rules:
            if not isinstance(fact, rule.FACT):
                continue
            try:
                for report in judge.reports(rule, fact):
                    scenarios.setdefault(report, []).append(scenario)
                    if applied is not None and applied not in applications.setdefault(report, []):
                        applications[report].append(applied)
                    if origins is not None and origin is not None:
                        first_origin.setdefault(report, origin)
            except Exception as error:  # a bug in one rule must not end the run
                errors.append(file_diagnostic(
                    filename, f"internal error in rule {rule.code}: {type(error).__name__}: {error}",
                    code=INTERNAL_ERROR))

    fits = _fits_by_compile(events)
    sites: dict[int, _Site] = {}
    models: set[int] = set()
    compiled_with: dict[int, Origin] = {}
    for index, event in enumerate(events):
        if event.method != "compile":
            continue
        setups = extractor.setups(event, tuple(fits.get(index, ())))
        # Re-run statements meet the same call again: count syntax, not runs.
        models.add(id(event.model.node))
        site = sites.setdefault(id(event.node), _Site(event.node))
        site.seen(has_loss(event), any(resolved(s) for s in setups),
                  any(resolved(s) and s.head.units is None for s in setups), lambda: extractor.unresolved(event, setups))
        optimizer = event.argument("optimizer", 0)
        if setups and optimizer is not None:
            compiled_with.setdefault(id(getattr(optimizer, "node", None)), Origin(setups[0], event, keras))
        for setup in setups:
            check(setup, setup.scenario, Origin(setup, event, keras))
    loss_calls: dict[int, _Site] = {}
    for loss_event in interpreter.losses:
        setups = extractor.applied_setups(loss_event)
        loss_calls.setdefault(id(loss_event.node), _Site(loss_event.node)).seen(
            True, bool(setups), False, lambda: extractor.unbound(loss_event))
        for setup in setups:
            # --dynamic compiles the model with the Keras loss; tf.nn losses behave otherwise (no cached logits).
            # (A model chosen by a condition has no one model to rebuild: no origin either.)
            origin = Origin(setup, loss_event, keras) if setup.loss is not None and setup.loss.form != "tf.nn" \
                and loss_event.model is not None else None
            check(setup, setup.scenario, origin, (setup.applied_at, loss_event.place))
    for frontend in interpreter.frontends:
        facts = list(frontend.facts(interpreter, filename))
        for fact in facts:
            check(fact, fact.scenario, None)
        for node, why in frontend.loss_calls(interpreter, facts, filename):
            loss_calls.setdefault(id(node), _Site(node)).seen(True, why is None, False, lambda: why)
    for optimizer in optimizer_calls(extractor, interpreter.optimizers.values()):
        # An optimizer finding can be confirmed by building the model it was compiled into, if any.
        check(optimizer, Scenario(), compiled_with.get(id(optimizer.where.node)))
    for key, (node, receiver, args, kwargs) in interpreter.unseen_compiles.items():
        if key not in sites:
            sites[key] = site = _Site(node)
            site.seen(argument(args, kwargs, "loss", 1) is not None, False, False, lambda: describe_receiver(receiver))
    if stats is not None:
        stats.models += len(models)
        _count(stats, sites.values())
        stats.loss_calls += len(loss_calls)
        for call in loss_calls.values():
            if call.judged:
                stats.bound_loss_calls += 1
            else:
                stats.unbound[call.why.reason] = stats.unbound.get(call.why.reason, 0) + 1
    places = places or _Places(module, filename)
    if places.text is not None and (scenarios or unresolved_sites is not None):
        places.fast = StatementPositions(module, places.text, interpreter.statement_of)
    if unresolved_sites is not None:
        for kind, each in ((COMPILE_CALL, sites), (LOSS_CALL, loss_calls)):
            for site in each.values():
                if site.why is not None:
                    where, start, _ = places.span(SourceRef(filename, site.node))
                    unresolved_sites.append(UnresolvedSite(where, *start, site.why.reason, site.why.detail,
                                                           kind=kind))
    return _resolve(scenarios, places, first_origin, origins, applications, keras) + errors[:1]


def _fits_by_compile(events: list[ModelEvent]) -> dict[int, list[ModelEvent]]:
    """The ``fit`` calls of each ``compile`` (by its index in ``events``), in program order.

    A fit belongs to the latest compile before it on the same model that can hold when the fit runs (one compile per
    branch of an ``if`` may precede it): labels rebound between two compiles are trained with the second. A fit
    the evaluator met before any compile of its model stays with the first one.
    """
    compiles: dict[int, list[int]] = {}
    attached: dict[int, list[ModelEvent]] = {}
    early: dict[int, list[ModelEvent]] = {}
    for index, event in enumerate(events):
        model = id(event.model.identity)
        if event.method == "compile":
            compiles.setdefault(model, []).append(index)
            continue
        if model not in compiles:
            early.setdefault(model, []).append(event)
            continue
        for candidate in reversed(compiles[model]):
            both = events[candidate].scenario.combined(event.scenario)
            if both is None:
                continue
            attached.setdefault(candidate, []).append(event)
            if len(both.assumptions) == len(event.scenario.assumptions):  # this compile holds whenever the fit runs
                break
    for model, fits in early.items():
        if model in compiles:
            first = compiles[model][0]
            attached[first] = fits + attached.get(first, [])
    return attached


class _Places:
    """Where syntax nodes are: in the linted module, or in a project module it imported (nearest first).

    Positions are computed only for the modules that hold a reported node: the provider costs more than the
    parse.
    """

    def __init__(self, module: cst.Module, filename: str, project: Project | None = None,
                 path: Path | None = None, imported: set[Path] = frozenset(), text: str | None = None):
        self.module = module
        self.text = text
        self.filename = filename
        self.project = project
        self.path = path
        self.imported = imported
        self._positions = None
        self.fast: StatementPositions | None = None
        """Positions over the top-level statement that holds a node (set once the evaluator ran)."""

    def text_of(self, filename: str) -> str | None:
        if filename == self.filename:
            return self.text if self.text is not None else self.module.code
        return self.project.module_text(filename) if self.project is not None else None

    def span(self, ref: SourceRef) -> tuple[str, tuple[int, int], tuple[int, int]]:
        filename, code_range = self._find(ref.node)
        if code_range is None:
            return self.filename, (1, 1), (1, 1)
        return filename, (code_range.start.line, code_range.start.column + 1), (
            code_range.end.line, code_range.end.column + 1)

    def _find(self, node):
        if self.fast is not None:
            found = self.fast.get(node)
            if found is not None:
                return self.filename, found
        imported = list(self.project.modules_imported(self.imported)) if self.project is not None else []
        # A position pass costs more than a parse: search only the modules whose text holds the node's code.
        snippet = self.module.code_for_node(node).strip() if imported else ""
        for loaded in imported:  # first those whose positions this run already has
            code_range = self.project.position(loaded, node, compute=False)
            if code_range is not None:
                return display_path(loaded.path, self.filename, self.path), code_range
        if not snippet or self.text is None or snippet in self.text:
            if self._positions is None:
                self._positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
            if node in self._positions:
                return self.filename, self._positions[node]
        # Then the modules whose text holds the code, then (should generated code differ from the text) the rest.
        for loaded in sorted(imported, key=lambda candidate: bool(snippet) and snippet not in candidate.text):
            code_range = self.project.position(loaded, node)
            if code_range is not None:
                return display_path(loaded.path, self.filename, self.path), code_range
        if self._positions is None:
            self._positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self.filename, self._positions.get(node)


def _fix(report: Report, places: _Places, scenario: str | None):
    """The report's fix as text edits; none for a finding that holds only in some scenarios (the literal a fix
    rewrites serves the others too)."""
    if report.fix is None or scenario is not None:
        return None
    from trainlint.fixes import resolve

    return resolve(report.fix, places.span, places.text_of)


MAX_APPLICATIONS_SHOWN = 3


def _resolve(reports: dict[Report, list[Scenario]], places: _Places, first_origin: dict[Report, Origin],
             origins: dict[Finding, Origin] | None,
             applications: dict[Report, list[tuple[SourceRef, str]]] | None = None,
             keras: KerasTarget | None = None) -> list[Finding]:
    """One finding per place: reports of one code and message at one place, reached from several models or call
    paths (a helper that compiles each model it is given), become one finding that says how many."""
    groups: dict[tuple, _Place] = {}
    for report, seen in reports.items():
        filename, start, end = places.span(report.primary)
        place = groups.setdefault((report.code, filename, start, end, report.message),
                                  _Place(report, filename, start, end))
        place.scenarios.extend(seen)
        place.reports += 1
        applied = (applications or {}).get(report, [])[:MAX_APPLICATIONS_SHOWN]
        for _, described in applied:
            if described not in place.applied:
                place.applied.append(described)
        related_places = [*report.related, *((where, "the loss is applied to the model's output here")
                                             for where, _ in applied if where != report.primary
                                             and all(where != other for other, _ in report.related))]
        for where, note in related_places:
            related_file, related_start, _ = places.span(where)
            related = Related(related_file, *related_start, note)
            if related not in place.related:
                place.related.append(related)
    findings = []
    for place in groups.values():
        report = place.first
        merged = merge_scenarios(place.scenarios)
        scenario = None if any(not s for s in merged) else " or ".join(s.describe() for s in merged)
        rule = RULES_BY_CODE[report.code]
        # "when num_classes == 2: ...", but "with the default --loss: ..." (Scenario.describe)
        message = report.message if not scenario else f"{scenario}: {report.message}" if scenario.startswith(
            "with ") else f"when {scenario}: {report.message}"
        fix = _fix(report, places, scenario)
        if report.fix is not None and scenario is not None:
            message += "; not fixed automatically: a fix would change the other cases too"
        if place.applied:
            message += f" (the loss is applied by {', '.join(place.applied[:MAX_APPLICATIONS_SHOWN])})"
        if place.reports > 1:
            paths = "models" if rule.FACT is TrainingSetup else "call paths"
            message = f"{message} (one finding for {place.reports} {paths} that reach this line)"
        judged_under = f"{keras.version} ({keras.why})" if keras is not None and rule.VERSION_DEPENDENT else None
        finding = Finding(report.code, rule.kind, rule.severity, message, place.filename, *place.start, *place.end,
                          tuple(place.related), scenario, name=rule.name, fix=fix, keras=judged_under)
        findings.append(finding)
        if origins is not None and report in first_origin:
            origins[finding] = first_origin[report]
    return sorted(findings, key=lambda f: f.sort_key)


@dataclass
class _Place:
    first: Report
    filename: str
    start: tuple[int, int]
    end: tuple[int, int]
    scenarios: list[Scenario] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    reports: int = 0
