"""``trainlint audit --repos LIST`` and ``trainlint report RESULTS.jsonl``: the command-line side of repository
audits (the work itself is in :mod:`trainlint.audit.repos`, :mod:`trainlint.audit.executors` and
:mod:`trainlint.audit.results`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from trainlint.audit.repos import (DEFAULT_CLONE_TIMEOUT_S, DEFAULT_MAX_REPO_BYTES, DEFAULT_REPOSITORY_TIMEOUT_S,
                                   EXECUTORS, STATUS_FAILED, AuditOptions, read_repository_list)
from trainlint.settings import Settings

# The executors (multiprocessing, Ray) and the results module are imported by the commands that use them:
# every other trainlint run would pay for them at start-up.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_REDRAW_S = 0.1


def _positive_number(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_repository_options(audit: argparse.ArgumentParser) -> None:
    group = audit.add_argument_group("repository audits (--repos)")
    group.add_argument("--repos", metavar="LIST",
                       help="a file with one repository a line: a local folder or a git URL, optionally URL@ref; "
                            "writes JSON Lines records instead of the report of 'check'")
    group.add_argument("--executor", choices=EXECUTORS, default="local",
                       help="local: processes on this machine (default); ray: one Ray task per repository")
    group.add_argument("--ray-address", metavar="ADDRESS",
                       help="join this Ray cluster (default: start a local Ray instance)")
    group.add_argument("--output", "-o", metavar="FILE.jsonl", default="-",
                       help="where the records go (default: stdout)")
    group.add_argument("--resume", action="store_true",
                       help="skip repositories the output file has finished; append the others")
    group.add_argument("--limit", type=positive_int, metavar="N",
                       help="audit at most N repositories not done yet, then stop (work through a list in slices)")
    group.add_argument("--max-in-flight", type=positive_int, metavar="N",
                       help="repositories submitted and not yet done (default: 2 per Ray CPU; local: --jobs)")
    group.add_argument("--repo-timeout", type=_positive_number, default=DEFAULT_REPOSITORY_TIMEOUT_S, metavar="S",
                       help="seconds for one repository, clone included, before it is retried once, then recorded "
                            "as failed (default: %(default)s)")
    group.add_argument("--clone-timeout", type=_positive_number, default=DEFAULT_CLONE_TIMEOUT_S, metavar="S",
                       help="seconds for one clone (default: %(default)s)")
    group.add_argument("--max-repo-size", type=positive_int, default=DEFAULT_MAX_REPO_BYTES // 1_000_000,
                       metavar="MB", help="stop a clone that grows past this (default: %(default)s MB)")
    group.add_argument("--clone-dir", metavar="DIR",
                       help="where repositories are cloned (default: repos/ in the cache folder; with "
                            "--ray-address, each node's temporary folder)")
    group.add_argument("--keep-clones", action="store_true",
                       help="keep each clone, and reuse it on the next run, instead of deleting it once linted")


def run_repository_audit(args: argparse.Namespace, settings: Settings, workers: int) -> int:
    from trainlint.audit.executors import ExecutorUnavailable, run_repositories
    from trainlint.audit.results import ResultsWriter, prepare_resume, read_records

    if args.paths not in ([], ["."]):
        return _usage("give either --repos or paths, not both")
    if args.resume and args.output == "-":
        return _usage("--resume needs --output FILE")
    if args.output_format != "text" or args.stdin_filename:
        return _usage("--repos writes JSON Lines records; --output-format and --stdin-filename do not apply")
    try:
        specs = read_repository_list(args.repos)
    except (OSError, UnicodeDecodeError) as error:
        return _usage(f"cannot read the repository list {args.repos}: {getattr(error, 'strerror', None) or error}")
    try:
        finished = prepare_resume(args.output) if args.resume else set()
    except OSError as error:
        return _usage(f"cannot resume from {args.output}: {error.strerror or error}")
    todo = [spec for spec in specs if spec.source not in finished]
    if finished:
        print(f"trainlint: resuming: {len(specs) - len(todo)} of {len(specs)} repositories already done",
              file=sys.stderr)
    todo = todo[:args.limit] if args.limit else todo
    # On a cluster, this machine's folders mean nothing to the other nodes: clones go to each node's temporary
    # folder unless --clone-dir says otherwise, and per-file results are not cached.
    on_cluster = args.executor == "ray" and args.ray_address
    cache_dir = None if args.no_cache or on_cluster else str(Path(args.cache_dir).resolve())
    clone_dir = args.clone_dir or (None if on_cluster else Path(args.cache_dir) / "repos")
    options = AuditOptions(
        settings=settings, clone_dir=str(Path(clone_dir).resolve()) if clone_dir else None,
        keep_clones=args.keep_clones, clone_timeout_s=args.clone_timeout,
        max_repo_bytes=args.max_repo_size * 1_000_000, cache_dir=cache_dir, respect_gitignore=args.respect_gitignore)
    try:
        writer = ResultsWriter(sys.stdout) if args.output == "-" else ResultsWriter.open(args.output, args.resume)
    except OSError as error:
        return _usage(f"cannot write {args.output}: {error.strerror or error}")
    records_written: list[dict] = []
    progress = RepositoryProgress(len(todo), sys.stderr)
    try:
        for records in run_repositories(todo, options, args.executor, workers, args.max_in_flight,
                                        args.repo_timeout, args.ray_address):
            writer.write(records)
            summary_record = records[-1]
            if summary_record["status"] == STATUS_FAILED:
                progress.note(f"trainlint: failed: {summary_record['repository']}: {summary_record['reason']}")
            progress.advance(summary_record)
            if args.output == "-":
                records_written.extend(records)
    except ExecutorUnavailable as error:
        print(f"trainlint: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("trainlint: interrupted; run again with --resume to continue", file=sys.stderr)
        return 130
    finally:
        progress.close()
        if args.output != "-":
            writer.close()
    every_record = records_written if args.output == "-" else read_records(args.output)
    return _finish(args, every_record)


class RepositoryProgress:
    """One status line on a terminal (nothing in pipes, logs and tests): repositories done, findings, failures."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total, self._done, self._findings, self._failed = total, 0, 0, 0
        self._stream = stream
        self._drawn_at = 0.0
        try:
            self._enabled = stream.isatty()
        except (AttributeError, ValueError):
            self._enabled = False

    def advance(self, summary_record: dict) -> None:
        self._done += 1
        self._findings += summary_record.get("findings") or 0
        self._failed += summary_record["status"] == STATUS_FAILED
        if self._enabled and (self._done == self._total or time.monotonic() - self._drawn_at >= _REDRAW_S):
            self._draw()

    def note(self, line: str) -> None:
        """A line of its own above the status line."""
        self._stream.write(("\r\033[K" if self._enabled and self._drawn_at else "") + line + "\n")
        if self._enabled and self._drawn_at:
            self._draw()

    def _draw(self) -> None:
        self._drawn_at = time.monotonic()
        self._stream.write(f"\r\033[Ktrainlint: {self._done}/{self._total} repositories, "
                           f"{self._findings} findings, {self._failed} failed")
        self._stream.flush()

    def close(self) -> None:
        if self._enabled and self._drawn_at:
            self._stream.write("\r\033[K")
            self._stream.flush()


def _finish(args: argparse.Namespace, records) -> int:
    # The tables go to stderr: stdout may be carrying the records.
    return _summarise(list(records), sys.stderr, args.report)


def add_report_command(commands) -> None:
    report = commands.add_parser("report", help="summarise the JSON Lines records of 'audit --repos'")
    report.add_argument("results", metavar="RESULTS.jsonl")
    report.add_argument("--report", metavar="FILE.html", help="write the audit summary as a self-contained HTML page")


def run_report(args: argparse.Namespace) -> int:
    from trainlint.audit.results import read_records

    try:
        records = list(read_records(args.results))
    except OSError as error:
        return _usage(f"cannot read {args.results}: {error.strerror or error}")
    return _summarise(records, sys.stdout, args.report, Path(args.results).name)


def _summarise(records: list[dict], stream, report: str | None, audited: str = "repositories") -> int:
    from trainlint.audit.results import format_repositories, summarize_records, write_records_report
    from trainlint.audit.summary import format_summary

    summary, findings, audit = summarize_records(records)
    stream.write(format_summary(summary) + "\n" + format_repositories(audit))
    if report:
        try:
            write_records_report(report, records, audited)
        except OSError as error:
            print(f"trainlint: cannot write the report {report}: {error.strerror or error}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def _usage(message: str) -> int:
    print(f"trainlint: {message}", file=sys.stderr)
    return EXIT_ERROR
