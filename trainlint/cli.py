"""``trainlint check PATH...``, ``trainlint audit PATH...`` (or ``--repos LIST``), ``trainlint report RESULTS``,
``trainlint rule CODE``, ``trainlint rules``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from trainlint import __version__, api, config
from trainlint.batch import default_jobs
from trainlint.cache import DEFAULT_CACHE_DIR, Cache
from trainlint.findings import DIAGNOSTICS_BY_CODE, FILE_DIAGNOSTICS
from trainlint.knowledge import KERAS_SETTINGS
from trainlint.plugin.reporters import REPORTERS, ReportContext
from trainlint.progress import Progress
from trainlint.repo_audit import (add_report_command, add_repository_options, positive_int, run_report,
                                  run_repository_audit)

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
    batch.add_argument("--cache-dir", default=DEFAULT_CACHE_DIR, help=f"the cache folder (default: {DEFAULT_CACHE_DIR})")
    batch.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                       help="lint files that .gitignore files exclude")
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
    rule.add_argument("code")
    commands.add_parser("rules", help="list every rule")
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
        for rule in (*FILE_DIAGNOSTICS, *ALL_RULES):
            print(f"{rule.code}  {rule.name:<47} {rule.kind:<26} {rule.summary}")
        return EXIT_CLEAN
    if args.command == "rule":
        rule = RULES_BY_CODE.get(args.code.upper()) or DIAGNOSTICS_BY_CODE.get(args.code.upper())
        if rule is None:
            print(f"trainlint: unknown rule {args.code!r}; see 'trainlint rules'", file=sys.stderr)
            return EXIT_ERROR
        print(rule.documentation())
        return EXIT_CLEAN
    if args.command == "report":
        return run_report(args)
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
        keras_version=args.keras_version)
    settings = config.settings(configuration, command_line)
    if args.max_file_size is not None:
        settings = replace(settings, max_file_bytes=args.max_file_size * 1_000_000)
    if getattr(args, "repos", None):
        return run_repository_audit(args, settings, args.jobs or default_jobs())
    origins = {} if args.dynamic else None
    cache = None if args.no_cache or origins is not None else Cache.open(args.cache_dir)
    checked = api.run(args.paths, settings, jobs=args.jobs or default_jobs(), cache=cache, progress_stream=sys.stderr,
                      respect_gitignore=args.respect_gitignore, origins=origins)
    results, findings = checked.results, checked.findings
    for result in results:
        for note in result.notes:
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
    keras = {r.filename: r.keras for r in results if r.keras is not None}
    context = ReportContext(root=Path.cwd(), show_source=args.show_source, sources=texts, keras=keras)
    REPORTERS[args.output_format](findings, len(results), sys.stdout, context=context)
    if args.statistics:
        _print_statistics(findings, sys.stderr if args.output_format in MACHINE_FORMATS else sys.stdout)
    if dynamic_failure:
        print(f"trainlint: {dynamic_failure}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "audit" or getattr(args, "summary", False) or args.report:
        if not _summarise(args, results, findings):
            return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _add_noqa(findings) -> int:
    from trainlint.add_noqa import add_noqa

    outcome = add_noqa(findings)
    print(f"Added {outcome.added} noqa {'directive' if outcome.added == 1 else 'directives'} to "
          f"{outcome.files} {'file' if outcome.files == 1 else 'files'}.", file=sys.stderr)
    for finding in outcome.left:
        print(f"trainlint: not silenced (no room for a comment on its line): {finding.filename}:{finding.line}: "
              f"{finding.code}", file=sys.stderr)
    return EXIT_ERROR if outcome.left else EXIT_CLEAN


def _summarise(args, results, findings) -> bool:
    from trainlint.plugin.html_report import write_report
    from trainlint.summary import format_summary, summarize

    summary = summarize(results, findings)
    if args.command == "audit" or getattr(args, "summary", False):
        # Machine-readable output stays parseable: the table goes to stderr beside it.
        stream = sys.stderr if args.output_format in MACHINE_FORMATS else sys.stdout
        stream.write(format_summary(summary))
    if args.report:
        try:
            write_report(args.report, summary, findings)
        except OSError as error:
            print(f"trainlint: cannot write the report {args.report}: {error.strerror or error}", file=sys.stderr)
            return False
    return True


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
