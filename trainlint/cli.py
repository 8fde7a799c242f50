"""``trainlint check PATH...``, ``trainlint rule CODE``, ``trainlint rules``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from trainlint import __version__, config
from trainlint.files import lint_paths
from trainlint.knowledge import KERAS_VERSIONS
from trainlint.findings import DIAGNOSTICS_BY_CODE, FILE_DIAGNOSTICS
from trainlint.lint_rules import ALL_RULES, RULES_BY_CODE
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainlint", description="Find Keras training code that runs but trains the wrong thing.")
    parser.add_argument("--version", action="version", version=f"trainlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="lint files and directories")
    check.add_argument("paths", nargs="*", default=["."], help="files or directories; '-' reads stdin")
    check.add_argument("--output-format", choices=list(REPORTERS), default="text")
    check.add_argument("--keras-version", choices=KERAS_VERSIONS,
                       help="the Keras whose semantics apply: 3 (default), 2 (tf.keras >= 2.2), legacy (<= 2.3)")
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
        for rule in (*FILE_DIAGNOSTICS, *ALL_RULES):
            print(f"{rule.code}  {rule.name:<44} {rule.kind:<26} {rule.summary}")
        return EXIT_CLEAN
    if args.command == "rule":
        rule = RULES_BY_CODE.get(args.code.upper()) or DIAGNOSTICS_BY_CODE.get(args.code.upper())
        if rule is None:
            print(f"trainlint: unknown rule {args.code!r}; see 'trainlint rules'", file=sys.stderr)
            return EXIT_ERROR
        print(rule.documentation())
        return EXIT_CLEAN
    try:
        return _check(args)
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
    origins = {} if args.dynamic else None
    results = lint_paths(args.paths, settings, origins)
    # A finding met from two files (a helper's compile reached from two scripts) is reported once.
    findings = sorted(dict.fromkeys(f for r in results for f in r.findings if settings.enabled_in(f.code, f.filename)),
                      key=lambda f: f.sort_key)
    dynamic_failure = None
    if args.dynamic:
        findings, dynamic_failure = _confirm(findings, origins, args, settings)
    sources = {r.filename: r.text for r in results if r.text is not None}
    if args.stdin_filename:
        findings = [_renamed(f, args.stdin_filename) if f.filename == "-" else f for f in findings]
        if "-" in sources:
            sources[args.stdin_filename] = sources.pop("-")
    context = ReportContext(root=Path.cwd(), show_source=args.show_source, sources=sources)
    REPORTERS[args.output_format](findings, len(results), sys.stdout, context=context)
    if args.statistics:
        _print_statistics(findings, sys.stderr if args.output_format in MACHINE_FORMATS else sys.stdout)
    if dynamic_failure:
        print(f"trainlint: {dynamic_failure}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


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
    from dataclasses import replace

    return replace(finding, filename=name, related=tuple(replace(r, filename=name) if r.filename == "-" else r
                                                         for r in finding.related))


if __name__ == "__main__":
    sys.exit(main())
