"""Analysis cost per training script (Keras or PyTorch), side by side with ``libcst.parse_module`` alone.

Goal (issue #2): the median analysis time per Keras training script is within 1.5x of parsing it.

    python3 benchmarks/bench_analysis.py [CORPUS_DIR ...] [--repeat 5] [--output benchmarks/results/analysis.md]

Each file that passes trainlint's pre-filter is parsed and analysed ``--repeat`` times; per file the best time
of each is kept (the least disturbed by the machine), then the ratio analysis / parse is taken per file. Each
repeat parses and then analyses, one right after the other: timed in two separate loops, the parses of one
process came out up to 15% slower or faster than another's (they meet the allocator and the garbage collector
in another state), which moved the median ratio by as much.
"""

from __future__ import annotations

import argparse
import platform
from importlib import metadata
import statistics
import sys
import time
from pathlib import Path

import libcst

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainlint.engine import lint_text, might_have_findings  # noqa: E402
from trainlint.settings import Settings  # noqa: E402


def best_of_each(repeat: int, first, second) -> tuple[float, float]:
    """The best time of ``first`` and of ``second``, run one after the other ``repeat`` times."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for index, action in enumerate((first, second)):
            start = time.perf_counter()
            action()
            best[index] = min(best[index], time.perf_counter() - start)
    return best[0], best[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", default=["fixtures"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--corpus-name", help="how to name the corpus in the report (default: the paths)")
    args = parser.parse_args()

    settings = Settings()
    rows = []
    for root in args.corpus:
        for path in sorted(Path(root).rglob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            if not might_have_findings(text):
                continue
            try:
                libcst.parse_module(text)
            except Exception:
                continue
            parse, analyse = best_of_each(args.repeat, lambda: libcst.parse_module(text),
                                          lambda: lint_text(text, str(path), settings))
            findings = len(lint_text(text, str(path), settings).findings)
            rows.append((path, parse, analyse, findings))
    if not rows:
        print("no training scripts found", file=sys.stderr)
        return 1
    ratios = [analyse / parse for _, parse, analyse, _ in rows]
    with_findings = [r for r, row in zip(ratios, rows) if row[3]]
    lines = [
        f"# Analysis vs parse ({len(rows)} training scripts)",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, libcst {metadata.version('libcst')}",
        f"Corpus: {args.corpus_name or ', '.join(args.corpus)}; best of {args.repeat} runs per file.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| median parse time per file | {statistics.median(r[1] for r in rows) * 1000:.1f} ms |",
        f"| median analysis time per file (parse included) | {statistics.median(r[2] for r in rows) * 1000:.1f} ms |",
        f"| median ratio analysis / parse | {statistics.median(ratios):.2f}x (goal <= 1.5x) |",
        f"| 90th percentile ratio | {sorted(ratios)[int(0.9 * (len(ratios) - 1))]:.2f}x |",
        f"| files with findings | {len(with_findings)} (median ratio {statistics.median(with_findings) if with_findings else 0:.2f}x: positions are computed only for them) |",
        f"| total parse / analysis | {sum(r[1] for r in rows):.2f} s / {sum(r[2] for r in rows):.2f} s |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
