"""What the flake8 plugin costs per file: at once on files with nothing Keras-like, a full analysis on the rest.

Goal (issue #3): flake8 runs every plugin on every file, so on a file without Keras the plugin must cost
nothing measurable next to flake8 itself (well under 0.1 ms; flake8 with its default plugins spends ~45 ms).

    python3 benchmarks/bench_flake8_plugin.py [--corpus DIR] [--repeat 5] [--output benchmarks/results/flake8_plugin.md]

The corpus without Keras is the Python standard library of the running interpreter (real code of every
shape); the Keras corpus is the repository's fixtures and the rules' documented examples.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trainlint.engine import might_have_findings  # noqa: E402
from trainlint.lint_rules import ALL_RULES  # noqa: E402
from trainlint.plugin.flake8_plugin import TrainlintChecker  # noqa: E402


def best_of(repeat: int, lines: list[str], name: str) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        list(TrainlintChecker(None, name, lines).run())
        times.append(time.perf_counter() - start)
    return min(times)


def corpus_files(directory: Path) -> dict[str, list[str]]:
    files = {}
    for path in sorted(directory.rglob("*.py")):
        if "site-packages" in path.parts:  # the interpreter's own library only, not what was installed
            continue
        try:
            files[str(path)] = path.read_text(encoding="utf-8").splitlines(keepends=True)
        except (OSError, UnicodeDecodeError):
            continue
    return files


def keras_files() -> dict[str, list[str]]:
    files = {str(p): p.read_text(encoding="utf-8").splitlines(keepends=True)
             for p in sorted((REPO / "fixtures").rglob("*.py"))}
    for rule in ALL_RULES:
        for index, example in enumerate((*rule.INVALID, *rule.VALID)):
            files[f"{rule.code}-{index}"] = textwrap.dedent(example).splitlines(keepends=True)
    return {name: lines for name, lines in files.items() if might_have_findings("".join(lines))}


def describe(label: str, timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return (f"| {label} | {len(timings)} | {statistics.median(timings) * 1e3:.3f} | {p95 * 1e3:.3f} | "
            f"{sum(timings):.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    everything = corpus_files(args.corpus)
    plain = {name: lines for name, lines in everything.items() if not might_have_findings("".join(lines))}
    keras = keras_files()
    rows = [
        describe("files without Keras (returns at once)", [best_of(args.repeat, l, n) for n, l in plain.items()]),
        describe("Keras training code (full analysis)", [best_of(args.repeat, l, n) for n, l in keras.items()]),
    ]
    report = "\n".join([
        "# flake8 plugin cost per file",
        "",
        f"`python3 benchmarks/bench_flake8_plugin.py` on {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}; best of {args.repeat} runs per file.",
        f"Corpus without Keras: {args.corpus} ({len(everything)} files, {len(plain)} rejected by the pre-filter).",
        "",
        "| files | count | median ms | p95 ms | total s |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
