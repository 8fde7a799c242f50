"""What PyTorch support costs: the pre-filter on non-ML files, and PyTorch scripts against Keras ones.

Uses ``bench_batch``'s generated corpus (Keras training scripts and plain modules, by seed) and this
repository's PyTorch fixtures (``fixtures/torch``), in one process:

* the pre-filter (``files.might_have_findings_in_bytes``) per non-ML file, against the Keras-only test it
  replaced (the expression is copied here);
* ``lint_text`` against ``libcst.parse_module`` alone, for the Keras scripts and for the PyTorch fixtures.

Usage::

    python3 benchmarks/torch_cost.py            # prints a Markdown table
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import libcst  # noqa: E402

from bench_analysis import best_of_each  # noqa: E402
from bench_batch import write_corpus  # noqa: E402
from trainlint.engine import lint_text  # noqa: E402
from trainlint.sources.files import might_have_findings_in_bytes  # noqa: E402


def keras_only_filter(data: bytes) -> bool:
    """The pre-filter's Keras clause alone: what it cost before PyTorch was recognised."""
    return (b"compile" in data or b"optimizers" in data or b"rossentropy" in data or b"_with_logits" in data) and (
        b"keras" in data or b"tensorflow" in data)


def best(repeats: int, work) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        scripts, others = write_corpus(Path(folder), seed=4, scripts=100, others=2000)
        keras = [path.read_text() for path in scripts]
        plain = [path.read_bytes() for path in others]
    torch_scripts = [path.read_text() for path in sorted((REPO / "fixtures" / "torch").glob("*.py"))]
    assert not any(might_have_findings_in_bytes(data) for data in plain)

    rows = []
    for name, check in (("pre-filter, Keras clause only", keras_only_filter),
                        ("pre-filter with PyTorch", might_have_findings_in_bytes)):
        seconds = best(5, lambda: [check(data) for data in plain])
        rows.append((name, f"{len(plain) / seconds:,.0f} non-ML files/s", f"{seconds / len(plain) * 1e6:.2f} µs/file"))
    for name, texts in (("Keras scripts", keras), ("PyTorch fixtures", torch_scripts)):
        # Per file, as bench_analysis.py measures: parsed and analysed one right after the other (timing all the
        # parses in one loop keeps every tree alive, and the garbage collector's passes over them inflate it).
        timings = [best_of_each(5, lambda: libcst.parse_module(text), lambda: lint_text(text, "bench.py"))
                   for text in texts]
        ratio = statistics.median(lint / parse for parse, lint in timings)
        lint_ms = statistics.median(lint for _, lint in timings) * 1e3
        rows.append((name, f"{len(texts)} files, lint_text {lint_ms:.1f} ms/file (median)",
                     f"{ratio:.2f}x libcst.parse_module (median per file)"))
    print("| measured | throughput | cost |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
