"""``trainlint check PATH...``, ``trainlint audit PATH...`` (or ``--repos LIST``), ``trainlint report RESULTS``,
``trainlint rule CODE``, ``trainlint rules``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from trainlint import __version__, api, config
from trainlint.audit.batch import default_jobs
from trainlint.audit.cache import DEFAULT_CACHE_DIR, Cache
from trainlint.audit.repo_audit import (add_report_command, add_repository_options, positive_int, run_report,
                                        run_repository_audit)
from trainlint.audit.stats import COMPILE_CALL, LOSS_CALL
from trainlint.findings import DIAGNOSTICS_BY_CODE, FILE_DIAGNOSTICS
from trainlint.knowledge import KERAS_SETTINGS
from trainlint.plugin.reporters import REPORTERS, ReportContext

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Formats that a program parses: --statistics goes to stderr beside them.
MACHINE_FORMATS = frozenset({"json", "json-lines", "sarif"})


def _codes(text: str) -> tuple[str, ...]:
    try:
        return tuple(config.check_selector(code) for code in text.split(",") if code.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _globs(text: str) -> tuple[str, ...]:
    return tuple(glob.strip() for glob in text.split(",") if glob.strip())


def _per_file_ignores(text: str):
    try:
        return config.parse_per_file_ignores(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_batch_options(command: argparse.ArgumentParser) -> None:
    batch = command.add_argument_group("batch runs")
    batch.add_argument("--jobs", "-j", type=positive_int, default=None,
                       help=f"worker processes (default: all {default_jobs()} cores)")
    batch.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    batch.add_argument("--cache-dir", default=None,
                       help=f"the cache folder (default: cache-dir from the configuration, else {DEFAULT_CACHE_DIR})")
    batch.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", default=None,
                       help="lint files that .gitignore files exclude")
    batch.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                       help="skip what .gitignore files exclude (the default; overrides the configuration)")
    batch.add_argument("--max-file-size", type=positive_int, default=None, metavar="MB",
                       help="report and skip larger files (default: 10 MB)")
    batch.add_argument("--report", metavar="FILE.html", help="write the audit summary as a self-contained HTML page")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainlint", description="Find Keras training code that runs but trains the wrong thing.")
    parser.add_argument("--version", action="version", version=f"trainlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="lint files and directories")
    _add_check_options(check)
    check.add_argument("--summary", action="store_true", help="end with the audit summary tables")
    audit = commands.add_parser("audit", help="lint many files or repositories and end with a summary")
    _add_check_options(audit)
    add_repository_options(audit)
    add_report_command(commands)

    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", metavar="CODE_OR_NAME", help="a code (TL101) or a name (softmax-single-unit)")
    commands.add_parser("rules", help="list every rule")
    commands.add_parser("server", help="run the language server (LSP over stdio; needs 'trainlint[server]')")
    return parser


def _add_check_options(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", default=["."], help="files or directories; '-' reads stdin")
    check.add_argument("--output-format", choices=list(REPORTERS), default="text")
    check.add_argument("--keras-version", choices=KERAS_SETTINGS,
                       help="the Keras whose semantics apply: auto (default: inferred per project and notebook from "
                            "pins, install cells and APIs), 3, 2 (tf.keras >= 2.2), legacy (<= 2.3)")
    check.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to report (default: TL)")
    check.add_argument("--extend-select", type=_codes, help="codes or prefixes to report in addition to --select")
    check.add_argument("--ignore", type=_codes, help="comma-separated codes or prefixes to skip")
    check.add_argument("--extend-ignore", type=_codes, help="codes or prefixes to skip in addition to --ignore")
    check.add_argument("--per-file-ignores", type=_per_file_ignores, metavar="'GLOB:CODES ...'",
                       help="codes to skip in the files a glob matches, e.g. 'tests/*:TL2 legacy.py:TL101,TL102'")
    check.add_argument("--exclude", type=_globs,
                       help="comma-separated globs of files and folders to skip, replacing the built-in folder "
                            "excludes (.git, virtual environments, build, ...)")
    check.add_argument("--extend-exclude", type=_globs, help="globs to skip in addition to the built-in excludes")
    check.add_argument("--config", type=Path, metavar="PYPROJECT",
                       help="read [tool.trainlint] from this file instead of the nearest pyproject.toml")
    check.add_argument("--show-source", action="store_true", help="show the source line under each finding")
    check.add_argument("--statistics", action="store_true", help="count the findings of each code")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--stdin-filename", help="the name to report for '-'")
    check.add_argument("--explain-unresolved", action="store_true",
                       help="list each compile call with a loss whose head or loss the analysis could not resolve, "
                            "and each loss applied outside compile to no resolved model output, with the reason "
                            "(no rule judged it); runs in one process without the cache")
    check.add_argument("--add-noqa", action="store_true",
                       help="write '# noqa: CODE' on the line of every current finding (adopting trainlint on an "
                            "existing codebase), then exit")
    dynamic = check.add_argument_group("dynamic mode (needs TensorFlow: pip install 'trainlint[dynamic]')")
    dynamic.add_argument("--dynamic", action="store_true",
                         help="confirm or refute each finding by rebuilding its model with TensorFlow and running it "
                              "once (never runs the audited code)")
    dynamic.add_argument("--dynamic-timeout", type=float, default=60.0, metavar="SECONDS",
                         help="time allowed per model (default 60)")
    dynamic.add_argument("--dynamic-run-timeout", type=float, default=600.0, metavar="SECONDS",
                         help="time allowed for all models of the run (default 600)")
    dynamic.add_argument("--dynamic-python", metavar="PATH",
                         help="the Python interpreter that has TensorFlow (default: this one)")
    _add_batch_options(check)
    _add_fix_options(check)
    _add_output_options(check)


def _add_fix_options(check: argparse.ArgumentParser) -> None:
    fixes = check.add_argument_group("fixes (as ruff: safe fixes keep what the code meant, unsafe ones change the model)")
    fixes.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what is left")
    fixes.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: the unsafe fixes too")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff and change nothing (exit 1 when there is one)")


def _add_output_options(check: argparse.ArgumentParser) -> None:
    from trainlint.terminal import COLOR_CHOICES

    output = check.add_argument_group("output")
    output.add_argument("--output-file", metavar="FILE", help="write the findings to FILE instead of stdout")
    output.add_argument("--quiet", "-q", action="store_true",
                        help="print the findings only: no closing summary line, no progress, no notes")
    output.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                        help="colour the text output: auto (on a terminal, unless NO_COLOR is set or FORCE_COLOR "
                             "forces it), always, never")
    output.add_argument("--show-settings", action="store_true",
                        help="print every resolved setting and where it came from, then exit")
    output.add_argument("--show-files", action="store_true", help="print the files that would be linted, then exit")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_ERROR if exit_.code else EXIT_CLEAN
    if args.command in ("rules", "rule"):
        # Imported here: the rules pull in libcst, which a cached check never needs.
        from trainlint.lint_rules import ALL_RULES, RULES_BY_CODE
    if args.command == "rules":
        for rule in sorted((*FILE_DIAGNOSTICS, *ALL_RULES), key=lambda item: item.code):
            print(f"{rule.code}  {rule.name:<47} {rule.kind:<26} {rule.summary}")
        return EXIT_CLEAN
    if args.command == "rule":
        rule = (RULES_BY_CODE.get(args.code.upper()) or DIAGNOSTICS_BY_CODE.get(args.code.upper())
                or next((r for r in (*FILE_DIAGNOSTICS, *ALL_RULES) if r.name == args.code.strip().lower()), None))
        if rule is None:
            print(f"trainlint: unknown rule {args.code!r}; see 'trainlint rules'", file=sys.stderr)
            return EXIT_ERROR
        print(rule.documentation())
        return EXIT_CLEAN
    if args.command == "report":
        return run_report(args)
    if args.command == "server":
        return _serve()
    try:
        return _check(args)  # check and audit
    except KeyboardInterrupt:  # the dynamic worker is ended by the runner on the way out
        print("trainlint: interrupted", file=sys.stderr)
        return 130


def _check(args) -> int:
    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        print(f"trainlint: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    try:
        configuration = config.load(args.config) if args.config else config.discover(args.paths)
    except config.ConfigError as error:
        print(f"trainlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    command_line = config.Options(
        select=args.select, ignore=args.ignore, extend_select=args.extend_select,
        per_file_ignores=args.per_file_ignores, exclude=args.exclude, extend_exclude=args.extend_exclude,
        keras_version=args.keras_version, extend_ignore=args.extend_ignore, jobs=args.jobs,
        cache_dir=args.cache_dir, respect_gitignore=args.respect_gitignore)
    settings = config.settings(configuration, command_line)
    if args.max_file_size is not None:
        settings = replace(settings, max_file_bytes=args.max_file_size * 1_000_000)
    resolved = _resolve_run_options(args, configuration, command_line)
    if args.show_settings or args.show_files:
        return _show(args, configuration, resolved, settings)
    if getattr(args, "repos", None):
        return run_repository_audit(args, settings, args.jobs or default_jobs())
    origins = {} if args.dynamic else None
    unresolved_sites = [] if args.explain_unresolved else None
    cache = None if args.no_cache or origins is not None or unresolved_sites is not None else Cache.open(args.cache_dir)
    checked = api.run(args.paths, settings, jobs=args.jobs or default_jobs(), cache=cache,
                      progress_stream=None if args.quiet else sys.stderr, respect_gitignore=args.respect_gitignore,
                      origins=origins, unresolved_sites=unresolved_sites, stdin_filename=args.stdin_filename)
    if getattr(args, "fix", False) or getattr(args, "diff", False):
        outcome = _apply_fixes(args, checked)
        if args.diff or outcome is not None:
            return outcome if outcome is not None else EXIT_CLEAN
        checked = api.run(args.paths, settings, jobs=args.jobs or default_jobs(), cache=cache,
                          progress_stream=None if args.quiet else sys.stderr, respect_gitignore=args.respect_gitignore,
                          stdin_filename=args.stdin_filename)
    results, findings = checked.results, checked.findings
    for result in results:
        for note in result.notes if not args.quiet else ():
            print(f"trainlint: note: {result.filename}: {note}", file=sys.stderr)
    if args.add_noqa:
        return _add_noqa(findings)
    dynamic_failure = None
    if args.dynamic:
        findings, dynamic_failure = _confirm(findings, origins, args, settings)
    texts = {r.filename: r.text for r in results if r.text is not None}
    if args.stdin_filename:
        findings = [_renamed(f, args.stdin_filename) if f.filename == "-" else f for f in findings]
        if "-" in texts:
            texts[args.stdin_filename] = texts.pop("-")
        results = [replace(r, filename=args.stdin_filename) if r.filename == "-" else r for r in results]
    try:
        out = open(args.output_file, "w", encoding="utf-8") if args.output_file else sys.stdout
    except OSError as error:
        print(f"trainlint: cannot write {args.output_file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        keras = {r.filename: r.keras for r in results if r.keras is not None}
        context = ReportContext(root=Path.cwd(), show_source=args.show_source, sources=texts,
                                colour=_colour(args, out), quiet=args.quiet, keras=keras)
        REPORTERS[args.output_format](findings, len(results), out, context=context)
        if args.output_format in ("text", "concise") and args.command == "check" and not args.quiet:
            _print_fixable(findings, getattr(args, "unsafe_fixes", False), out)
        if args.statistics:
            _print_statistics(findings, sys.stderr if args.output_format in MACHINE_FORMATS else out)
        if unresolved_sites is not None:
            _print_unresolved(unresolved_sites, sys.stderr if args.output_format in MACHINE_FORMATS else out)
    finally:
        if out is not sys.stdout:
            out.close()
    if dynamic_failure:
        print(f"trainlint: {dynamic_failure}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "audit" or getattr(args, "summary", False) or args.report:
        if not _summarise(args, results, findings, settings.keras_version):
            return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _apply_fixes(args, checked) -> int | None:
    """``--diff``: print the fixes, exit 1 when there is one. ``--fix``: write them (None: go on and report what
    is left)."""
    from trainlint.fixes import unified_diff

    if "-" in args.paths:
        print("trainlint: --fix and --diff need files, not stdin", file=sys.stderr)
        return EXIT_ERROR
    try:
        run = api.fix_paths(args.paths, unsafe=args.unsafe_fixes, write=not args.diff, checked=checked,
                            respect_gitignore=args.respect_gitignore)
    except OSError as error:
        print(f"trainlint: cannot write a fix: {error}", file=sys.stderr)
        return EXIT_ERROR
    for note in run.rejected:
        print(f"trainlint: note: {note}", file=sys.stderr)
    if args.diff:
        for filename, (before, after) in sorted(run.changed.items()):
            sys.stdout.write(unified_diff(filename, before, after))
        count = len(run.fixed)
        print(f"Would fix {count} finding{'' if count == 1 else 's'}." if count else "No fixes available.",
              file=sys.stderr)
        return EXIT_FINDINGS if run.changed else EXIT_CLEAN
    if run.fixed:
        print(f"trainlint: fixed {len(run.fixed)} finding{'' if len(run.fixed) == 1 else 's'} in "
              f"{len(run.changed)} file{'' if len(run.changed) == 1 else 's'}", file=sys.stderr)
    return None


def _print_fixable(findings, unsafe: bool, out=None) -> None:
    """ruff's hint under the findings: how many ``--fix`` would fix, and how many more are unsafe."""
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    hidden = sum(1 for f in findings if f.fix is not None and f.fix.applicability != "safe")
    if unsafe and safe + hidden:
        print(f"{safe + hidden} fixable with `trainlint check --fix --unsafe-fixes`.", file=out)
    elif safe:
        more = f" ({hidden} more with --unsafe-fixes)" if hidden else ""
        print(f"{safe} fixable with `trainlint check --fix`{more}.", file=out)
    elif hidden:
        print(f"{hidden} fixable with `trainlint check --fix --unsafe-fixes`.", file=out)


def _resolve_run_options(args, configuration, command_line) -> list:
    """jobs, cache-dir and respect-gitignore from the command line, else the configuration, else the defaults
    (written back into ``args``, where the runs read them); the resolved settings with their origins."""
    resolved = config.resolve(configuration, command_line)
    args.jobs = resolved["jobs"].value
    args.cache_dir = resolved["cache_dir"].value or DEFAULT_CACHE_DIR
    args.respect_gitignore = resolved["respect_gitignore"].value
    return resolved


def _show(args, configuration, resolved, settings) -> int:
    from trainlint.show import show_files, show_settings

    if args.show_settings:
        extra = [
            config.Resolved("jobs (in effect)", args.jobs or default_jobs(), resolved["jobs"].origin
                            if args.jobs else "default: every core"),
            config.Resolved("cache-dir (in effect)", None if args.no_cache else str(Path(args.cache_dir).absolute()),
                            "command line" if args.no_cache else resolved["cache_dir"].origin),
            config.Resolved("max-file-size", settings.max_file_bytes,
                            "command line" if args.max_file_size is not None else "default"),
        ]
        show_settings(configuration, resolved, extra, sys.stdout)
    if args.show_files:
        from trainlint.sources.files import discover_files

        sources = discover_files(args.paths, settings, respect_gitignore=args.respect_gitignore)
        show_files([args.stdin_filename or "-" if s.display == "-" else s.display for s in sources], sys.stdout)
    return EXIT_CLEAN


def _colour(args, out) -> bool:
    from trainlint.terminal import wants_colour

    return args.output_format in ("text", "concise") and wants_colour(args.color, out)


def _add_noqa(findings) -> int:
    from trainlint.add_noqa import add_noqa

    outcome = add_noqa(findings)
    print(f"Added {outcome.added} noqa {'directive' if outcome.added == 1 else 'directives'} to "
          f"{outcome.files} {'file' if outcome.files == 1 else 'files'}.", file=sys.stderr)
    for finding in outcome.left:
        print(f"trainlint: not silenced (no room for a comment on its line): {finding.filename}:{finding.line}: "
              f"{finding.code}", file=sys.stderr)
    return EXIT_ERROR if outcome.left else EXIT_CLEAN


def _serve() -> int:
    try:
        from trainlint.plugin.server import main as serve
    except ImportError as error:
        print(f"trainlint: the language server needs pygls ({error}); install it with: pip install 'trainlint[server]'",
              file=sys.stderr)
        return EXIT_ERROR
    return serve()


def _keras_semantics(keras_version: str | None, results) -> tuple[str, ...]:
    """The report header's Keras: the setting, or with ``auto`` each version inferred and how many files."""
    if keras_version != "auto":
        return (keras_version,) if keras_version else ()
    from collections import Counter

    inferred = Counter(r.keras["version"] for r in results if r.keras is not None)
    return ("auto",) + tuple(f"{version} ({count} file{'s' if count > 1 else ''})"
                             for version, count in inferred.most_common())


def _summarise(args, results, findings, keras_version: str | None = None) -> bool:
    from trainlint.plugin.html_report import ReportHeader, write_report
    from trainlint.audit.summary import format_summary, summarize

    summary = summarize(results, findings)
    if args.command == "audit" or getattr(args, "summary", False):
        # Machine-readable output stays parseable: the table goes to stderr beside it.
        if args.output_format in MACHINE_FORMATS:
            sys.stderr.write(format_summary(summary))
        elif args.output_file:  # the tables follow the findings into the file
            try:
                with open(args.output_file, "a", encoding="utf-8") as out:
                    out.write(format_summary(summary))
            except OSError as error:
                print(f"trainlint: cannot write {args.output_file}: {error.strerror or error}", file=sys.stderr)
                return False
        else:
            sys.stdout.write(format_summary(summary))
    if args.report:
        try:
            paths = ", ".join(args.stdin_filename or "stdin" if p == "-" else p for p in args.paths)
            header = ReportHeader(audited=f"{paths} ({len(results)} files)",
                                  keras_versions=_keras_semantics(keras_version, results))
            write_report(args.report, summary, findings, results, header)
        except OSError as error:
            print(f"trainlint: cannot write the report {args.report}: {error.strerror or error}", file=sys.stderr)
            return False
    return True


def _print_unresolved(sites, out) -> None:
    """Each compile call with a loss that no rule judged, and each loss applied outside compile to no model
    output the analysis resolved, with why: what a user reads to trust the silence."""
    unique = sorted(dict.fromkeys(sites), key=lambda s: (s.filename, s.line, s.column))
    compile_calls = [s for s in unique if s.kind == COMPILE_CALL]
    loss_calls = [s for s in unique if s.kind == LOSS_CALL]
    if compile_calls or not loss_calls:
        out.write(f"{len(compile_calls)} compile call{'s' if len(compile_calls) != 1 else ''} with a loss not "
                  f"judged (head or loss unresolved):\n")
    for site in compile_calls:
        out.write(f"  {site}\n")
    if loss_calls:
        out.write(f"{len(loss_calls)} loss{'es' if len(loss_calls) != 1 else ''} applied outside compile not bound "
                  f"to a model output (output or head unresolved):\n")
        for site in loss_calls:
            out.write(f"  {site}\n")


def _print_statistics(findings, out) -> None:
    """flake8's --statistics: a count per code, the most frequent first."""
    counts = Counter(finding.code for finding in findings)
    names = {finding.code: finding.name for finding in findings}
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        out.write(f"{count:<5} {code} {names[code]}\n")


def _confirm(findings, origins, args, settings):
    """The findings with their confirmations, or unchanged with the reason the dynamic mode could not run."""
    from trainlint.dynamic.runner import DynamicOptions, WorkerUnavailable, confirm, print_progress, tensorflow_missing

    options = DynamicOptions(model_timeout=args.dynamic_timeout, run_timeout=args.dynamic_run_timeout,
                             python=args.dynamic_python, keras_version=settings.keras_version)
    missing = tensorflow_missing(options)
    if missing:
        return findings, missing
    if not findings:
        return findings, None
    try:
        return confirm(findings, origins, options, progress=print_progress), None
    except WorkerUnavailable as error:
        return findings, f"--dynamic cannot run: {error}; install TensorFlow with: pip install 'trainlint[dynamic]'"


def _renamed(finding, name):
    return replace(finding, filename=name, related=tuple(replace(r, filename=name) if r.filename == "-" else r
                                                         for r in finding.related))


if __name__ == "__main__":
    sys.exit(main())
