"""``trainlint check PATH...``, ``trainlint audit PATH...`` (or ``--repos LIST``), ``trainlint report RESULTS``,
``trainlint rule CODE``, ``trainlint rules``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from trainlint import __version__
from trainlint.batch import default_jobs, lint_sources
from trainlint.cache import DEFAULT_CACHE_DIR, Cache
from trainlint.files import discover_files
from trainlint.progress import Progress
from trainlint.knowledge import KERAS_VERSIONS
from trainlint.lint_rules import ALL_RULES, RULES_BY_CODE
from trainlint.plugin.reporters import REPORTERS
from trainlint.repo_audit import add_report_command, add_repository_options, run_report, run_repository_audit
from trainlint.settings import DEFAULT_MAX_FILE_BYTES, Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _patterns(text: str) -> tuple[str, ...]:
    return tuple(pattern.strip() for pattern in text.split(",") if pattern.strip())


def _add_lint_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("paths", nargs="*", default=["."], help="files or directories; '-' reads stdin")
    command.add_argument("--output-format", choices=sorted(REPORTERS), default="text")
    command.add_argument("--keras-version", choices=KERAS_VERSIONS, default="3",
                         help="the Keras whose semantics apply: 3 (default), 2 (tf.keras >= 2.2), legacy (<= 2.3)")
    command.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to report (default: TL)")
    command.add_argument("--ignore", type=_codes, default=(), help="comma-separated codes or prefixes to skip")
    command.add_argument("--stdin-filename", help="the name to report for '-'")
    batch = command.add_argument_group("batch runs")
    batch.add_argument("--jobs", "-j", type=_positive, default=None,
                       help=f"worker processes (default: all {default_jobs()} cores)")
    batch.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    batch.add_argument("--cache-dir", default=DEFAULT_CACHE_DIR, help=f"the cache folder (default: {DEFAULT_CACHE_DIR})")
    batch.add_argument("--exclude", type=_patterns, default=None,
                       help="comma-separated gitignore-style patterns to skip in directories, replacing the "
                            "defaults (.git, virtual environments, site-packages, node_modules, build, ...)")
    batch.add_argument("--extend-exclude", type=_patterns, default=(),
                       help="comma-separated patterns to skip in addition to the defaults")
    batch.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                       help="lint files that .gitignore files exclude")
    batch.add_argument("--max-file-size", type=_positive, default=DEFAULT_MAX_FILE_BYTES // 1_000_000,
                       metavar="MB", help="report and skip larger files (default: %(default)s MB)")
    batch.add_argument("--report", metavar="FILE.html", help="write the audit summary as a self-contained HTML page")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainlint", description="Find Keras training code that runs but trains the wrong thing.")
    parser.add_argument("--version", action="version", version=f"trainlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="lint files and directories")
    _add_lint_options(check)
    check.add_argument("--summary", action="store_true", help="end with the audit summary tables")
    audit = commands.add_parser("audit", help="lint many files or repositories and end with a summary")
    _add_lint_options(audit)
    add_repository_options(audit)
    add_report_command(commands)

    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code")
    commands.add_parser("rules", help="list every rule")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_ERROR if exit_.code else EXIT_CLEAN
    if args.command == "rules":
        for rule in ALL_RULES:
            print(f"{rule.code}  {rule.name:<44} {rule.kind:<26} {rule.summary}")
        return EXIT_CLEAN
    if args.command == "rule":
        rule = RULES_BY_CODE.get(args.code.upper())
        if rule is None:
            print(f"trainlint: unknown rule {args.code!r}; see 'trainlint rules'", file=sys.stderr)
            return EXIT_ERROR
        print(rule.documentation())
        return EXIT_CLEAN
    if args.command == "report":
        return run_report(args)
    return _check(args)  # check and audit


def _check(args) -> int:
    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        print(f"trainlint: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    settings = Settings(keras_version=args.keras_version, select=args.select or ("TL",), ignore=args.ignore,
                        max_file_bytes=args.max_file_size * 1_000_000)
    if getattr(args, "repos", None):
        return run_repository_audit(args, settings, args.jobs or default_jobs())
    sources = discover_files(args.paths, exclude=args.exclude, extend_exclude=args.extend_exclude,
                             respect_gitignore=args.respect_gitignore)
    cache = None if args.no_cache else Cache.open(args.cache_dir)
    results = lint_sources(sources, settings, args.jobs or default_jobs(), cache, Progress(len(sources), sys.stderr))
    for result in results:
        for note in result.notes:
            print(f"trainlint: note: {result.filename}: {note}", file=sys.stderr)
    findings = sorted((f for r in results for f in r.findings if settings.enabled(f.code)), key=lambda f: f.sort_key)
    if args.stdin_filename:
        findings = [_renamed(f, args.stdin_filename) if f.filename == "-" else f for f in findings]
        results = [replace(r, filename=args.stdin_filename) if r.filename == "-" else r for r in results]
    REPORTERS[args.output_format](findings, len(results), sys.stdout)
    if args.command == "audit" or getattr(args, "summary", False) or args.report:
        if not _summarise(args, results, findings):
            return EXIT_ERROR
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def _summarise(args, results, findings) -> bool:
    from trainlint.plugin.html_report import write_report
    from trainlint.summary import format_summary, summarize

    summary = summarize(results, findings)
    if args.command == "audit" or getattr(args, "summary", False):
        # Machine-readable output stays parseable: the table goes to stderr beside it.
        stream = sys.stdout if args.output_format == "text" else sys.stderr
        stream.write(format_summary(summary))
    if args.report:
        try:
            write_report(args.report, summary, findings)
        except OSError as error:
            print(f"trainlint: cannot write the report {args.report}: {error.strerror or error}", file=sys.stderr)
            return False
    return True


def _renamed(finding, name):
    return replace(finding, filename=name, related=tuple(replace(r, filename=name) if r.filename == "-" else r
                                                         for r in finding.related))


if __name__ == "__main__":
    sys.exit(main())
