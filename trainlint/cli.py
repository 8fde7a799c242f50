"""``trainlint check PATH...``, ``trainlint rule CODE``, ``trainlint rules``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trainlint import __version__
from trainlint.files import lint_paths
from trainlint.knowledge import KERAS_VERSIONS
from trainlint.lint_rules import ALL_RULES, RULES_BY_CODE
from trainlint.plugin.reporters import REPORTERS
from trainlint.settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainlint", description="Find Keras training code that runs but trains the wrong thing.")
    parser.add_argument("--version", action="version", version=f"trainlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="lint files and directories")
    check.add_argument("paths", nargs="*", default=["."], help="files or directories; '-' reads stdin")
    check.add_argument("--output-format", choices=sorted(REPORTERS), default="text")
    check.add_argument("--keras-version", choices=KERAS_VERSIONS, default="3",
                       help="the Keras whose semantics apply: 3 (default), 2 (tf.keras >= 2.2), legacy (<= 2.3)")
    check.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to report (default: TL)")
    check.add_argument("--ignore", type=_codes, default=(), help="comma-separated codes or prefixes to skip")
    check.add_argument("--stdin-filename", help="the name to report for '-'")

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
    return _check(args)


def _check(args) -> int:
    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        print(f"trainlint: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    settings = Settings(keras_version=args.keras_version, select=args.select or ("TL",), ignore=args.ignore)
    results = lint_paths(args.paths, settings)
    # A finding met from two files (a helper's compile reached from two scripts) is reported once.
    findings = sorted(dict.fromkeys(f for r in results for f in r.findings if settings.enabled(f.code)),
                      key=lambda f: f.sort_key)
    if args.stdin_filename:
        findings = [_renamed(f, args.stdin_filename) if f.filename == "-" else f for f in findings]
    REPORTERS[args.output_format](findings, len(results), sys.stdout)
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def _renamed(finding, name):
    from dataclasses import replace

    return replace(finding, filename=name, related=tuple(replace(r, filename=name) if r.filename == "-" else r
                                                         for r in finding.related))


if __name__ == "__main__":
    sys.exit(main())
