"""Batch-audit benchmark: throughput and peak memory over a generated corpus, reproducible by seed.

The corpus is written by this script: realistic Keras training scripts (imports, argparse, data loading, helper
functions, a model built with the Sequential or functional API, compile, fit, evaluate, plots), some of them with
the mistakes trainlint reports, and plain Python modules that never touch Keras (some use ``re.compile``).

Measured, on this machine, side by side:

* ``trainlint check`` end to end (a fresh process each run), ``--jobs 1`` and all cores, cold (empty cache) and
  cached (the same command again), with the peak resident memory of the largest process;
* in one process: the pre-filter on the non-Keras files, and the Keras scripts through ``lint_text`` against
  ``libcst.parse_module`` alone;
* ``flake8`` (with whatever plugins are installed) on the same files, one job and all cores.

Usage::

    python3 benchmarks/bench_batch.py                      # writes benchmarks/RESULTS.md
    python3 benchmarks/bench_batch.py --scripts 100 --others 1000 --out /tmp/results.md

Goals (issue #4; not timed tests): cached re-run >= 20x faster than cold; pre-filtered non-Keras files
>= 2,000 files/s per core; Keras scripts within 1.5x of ``libcst.parse_module``.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import libcst  # noqa: E402

from trainlint import __version__  # noqa: E402
from trainlint.audit.batch import default_jobs, lint_sources  # noqa: E402
from trainlint.engine import lint_text  # noqa: E402
from trainlint.settings import Settings  # noqa: E402
from trainlint.sources.files import discover_files  # noqa: E402

# (units, activation, loss, metric) heads; the first ones are right, the last ones are what trainlint reports.
HEADS = [
    ("num_classes", "softmax", "categorical_crossentropy", "accuracy"),
    ("num_classes", "softmax", "sparse_categorical_crossentropy", "sparse_categorical_accuracy"),
    ("1", "sigmoid", "binary_crossentropy", "accuracy"),
    ("num_classes", "sigmoid", "binary_crossentropy", "binary_accuracy"),
    ("1", "linear", "mse", "mae"),
    ("1", "sigmoid", "categorical_crossentropy", "accuracy"),
    ("1", "softmax", "binary_crossentropy", "accuracy"),
    ("num_classes", "softmax", "binary_crossentropy", "accuracy"),
]
IMPORTS = [
    ("from tensorflow import keras\nfrom tensorflow.keras import layers\n", "keras.", "layers."),
    ("import tensorflow as tf\n", "tf.keras.", "tf.keras.layers."),
    ("import keras\nfrom keras import layers\n", "keras.", "layers."),
]
HIDDEN = [
    "{L}Dense({units}, activation='relu')",
    "{L}Dropout({rate})",
    "{L}BatchNormalization()",
    "{L}Dense({units}, activation='tanh')",
]


def _helpers(rng: random.Random, count: int) -> str:
    parts = []
    for index in range(count):
        name = rng.choice(["plot", "log", "describe", "summarise", "report", "save"]) + f"_{rng.choice(['history', 'metrics', 'run', 'split'])}_{index}"
        parts.append(textwrap.dedent(f'''
            def {name}(history, path="{name}.png"):
                """{name.replace("_", " ").capitalize()} of one training run."""
                values = history.history.get("loss", [])
                best = min(values) if values else float("nan")
                lines = []
                for epoch, value in enumerate(values, start=1):
                    marker = "*" if value == best else " "
                    lines.append(f"{{epoch:4d}} {{value:10.4f}} {{marker}}")
                if path.endswith(".png"):
                    import matplotlib.pyplot as plt
                    plt.figure(figsize=(6, 4))
                    plt.plot(values, label="loss")
                    plt.legend()
                    plt.savefig(path)
                    plt.close()
                return "\\n".join(lines)
        '''))
    return "".join(parts)


def training_script(rng: random.Random) -> str:
    imports, keras, layers = rng.choice(IMPORTS)
    units, activation, loss, metric = rng.choice(HEADS)
    hidden = ",\n        ".join(
        rng.choice(HIDDEN).format(L=layers, units=rng.choice([32, 64, 128, 256]), rate=rng.choice([0.1, 0.2, 0.5]))
        for _ in range(rng.randint(1, 5)))
    functional = rng.random() < 0.4
    if functional:
        body = textwrap.indent(textwrap.dedent(f"""\
            inputs = {keras}Input(shape=(features,))
            x = {layers}Dense({rng.choice([64, 128])}, activation="relu")(inputs)
            x = {layers}Dropout(0.2)(x)
            outputs = {layers}Dense({units}, activation="{activation}")(x)
            model = {keras}Model(inputs, outputs)"""), "    ")
    else:
        body = (f"    model = {keras}Sequential([\n        {layers}Input(shape=(features,)),\n        {hidden},\n"
                f"        {layers}Dense({units}, activation=\"{activation}\"),\n    ])")
    return (f'"""Train a classifier on {rng.choice(["reviews", "sensor", "images", "tabular"])} data."""\n\n'
            f"import argparse\nimport os\n\nimport numpy as np\n{imports}"
            + _helpers(rng, rng.randint(2, 6)) + textwrap.dedent("""

            def load_data(path, features, num_classes):
                rng = np.random.default_rng(0)
                x = rng.normal(size=(1000, features)).astype("float32")
                y = rng.integers(0, num_classes, size=(1000,))
                if os.path.exists(path):
                    data = np.load(path)
                    x, y = data["x"], data["y"]
                return x, y


            def build_model(features, num_classes):
            """) + body + textwrap.dedent(f"""
                model.compile(optimizer="adam", loss="{loss}", metrics=["{metric}"])
                return model


            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--data", default="data.npz")
                parser.add_argument("--epochs", type=int, default={rng.randint(5, 50)})
                parser.add_argument("--batch-size", type=int, default={rng.choice([16, 32, 64, 128])})
                args = parser.parse_args()
                features, num_classes = {rng.randint(8, 512)}, {rng.randint(3, 20)}
                x, y = load_data(args.data, features, num_classes)
                model = build_model(features, num_classes)
                history = model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, validation_split=0.2)
                print(model.evaluate(x, y, verbose=0))
                model.save("model.keras")
                return history


            if __name__ == "__main__":
                main()
            """))


def plain_module(rng: random.Random) -> str:
    parts = ['"""Utilities for ' + rng.choice(["parsing logs", "caching", "paths", "reports", "text"]) + '."""\n\n'
             "import json\nimport re\nfrom dataclasses import dataclass\n"]
    for index in range(rng.randint(4, 12)):
        name = f"{rng.choice(['Record', 'Entry', 'Item', 'Row'])}{index}"
        pattern = r"re.compile(r'(\w+)=(\d+)')" if rng.random() < 0.3 else "None"
        parts.append(textwrap.dedent(f'''

            @dataclass(frozen=True)
            class {name}:
                key: str
                value: float = 0.0

                def to_json(self) -> str:
                    return json.dumps({{"key": self.key, "value": self.value}})


            def parse_{index}(text: str) -> list[{name}]:
                pattern = {pattern}
                records = []
                for line in text.splitlines():
                    line = line.strip()
                    if not line or line.startswith("#"):
                        continue
                    if pattern is not None:
                        match = pattern.match(line)
                        if match:
                            records.append({name}(match.group(1), float(match.group(2))))
                    else:
                        key, _, value = line.partition("=")
                        records.append({name}(key, float(value or 0)))
                return records
        '''))
    return "".join(parts)


def write_corpus(root: Path, seed: int, scripts: int, others: int) -> tuple[list[Path], list[Path]]:
    rng = random.Random(seed)
    keras_files, plain_files = [], []
    for index in range(scripts):
        path = root / f"repo_{index % 10:02}" / "train" / f"train_{index:04}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(training_script(rng))
        keras_files.append(path)
    for index in range(others):
        path = root / f"repo_{index % 10:02}" / "lib" / f"util_{index:05}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plain_module(rng))
        plain_files.append(path)
    return keras_files, plain_files


def run_measured(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and the peak RSS (MiB) of the largest process of ``command`` (workers included)."""
    probe = ("import resource, subprocess, sys, time\n"
             "start = time.perf_counter()\n"
             "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)")
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True,
                            env=environment, check=True)
    seconds, peak_kib, returncode = result.stdout.split()
    return float(seconds), int(peak_kib) / 1024, int(returncode)


def best_of(repeats: int, measure):
    runs = [measure() for _ in range(repeats)]
    return min(runs, key=lambda run: run[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--scripts", type=int, default=200, help="Keras training scripts in the corpus")
    parser.add_argument("--others", type=int, default=2000, help="non-Keras modules in the corpus")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    cores = default_jobs()
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, int, float, str]] = []  # what, files, seconds, peak memory

    with tempfile.TemporaryDirectory(prefix="trainlint-bench-") as folder:
        root = Path(folder) / "corpus"
        keras_files, plain_files = write_corpus(root, args.seed, args.scripts, args.others)
        total = len(keras_files) + len(plain_files)
        corpus_mb = sum(p.stat().st_size for p in (*keras_files, *plain_files)) / 1e6

        # In one process: the pre-filter on non-Keras files (read + byte test; files already in the page cache).
        sources = [s for s in discover_files([str(root)]) if "/lib/" in s.display]
        roots = (root,)  # as the CLI does: files that compile something are checked for imports of Keras modules
        lint_sources(sources, Settings(), jobs=1, roots=roots)
        prefilter = min(_timed(lambda: lint_sources(sources, Settings(), jobs=1, roots=roots))
                        for _ in range(args.repeats))
        prefilter_rate = len(sources) / prefilter

        # In one process: Keras scripts through the whole pipeline against libcst.parse_module alone.
        texts = [p.read_text() for p in keras_files]
        parse = min(_timed(lambda: [libcst.parse_module(t) for t in texts]) for _ in range(args.repeats))
        guard = min(_timed(lambda: [ast.parse(t) for t in texts]) for _ in range(args.repeats))
        lint = min(_timed(lambda: [lint_text(t, "f.py") for t in texts]) for _ in range(args.repeats))
        findings = sum(len(lint_text(t, "f.py").findings) for t in texts)

        trainlint = [sys.executable, "-m", "trainlint", "check", "--output-format", "json"]
        for jobs in sorted({1, cores}):
            cache = Path(folder) / f"cache-{jobs}"

            def cold():
                shutil.rmtree(cache, ignore_errors=True)
                return run_measured([*trainlint, "--jobs", str(jobs), "--cache-dir", str(cache), str(root)], REPO)

            seconds, peak, _ = best_of(args.repeats, cold)
            rows.append((f"trainlint check, --jobs {jobs}, cold", total, seconds, f"{peak:.0f}"))
            cold_seconds = seconds
            seconds, peak, _ = best_of(args.repeats, lambda: run_measured(
                [*trainlint, "--jobs", str(jobs), "--cache-dir", str(cache), str(root)], REPO))
            rows.append((f"trainlint check, --jobs {jobs}, cached (x{cold_seconds / seconds:.0f} faster)", total,
                         seconds, f"{peak:.0f}"))
        for jobs in sorted({1, cores}):
            seconds, peak, _ = best_of(1, lambda: run_measured(
                [sys.executable, "-m", "flake8", "--jobs", str(jobs), str(root)], REPO))
            rows.append((f"flake8 --jobs {jobs} (installed plugins)", total, seconds, f"{peak:.0f}"))

    load_after = os.getloadavg()[0]
    flake8_version = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True,
                                    text=True).stdout.strip().replace("\n", " ")
    lines = [
        "# Batch-audit benchmark",
        "",
        f"Produced by `python3 benchmarks/bench_batch.py --seed {args.seed} --scripts {args.scripts} "
        f"--others {args.others}` (best of {args.repeats}; flake8 once) on {platform.processor() or platform.machine()}, "
        f"{cores} cores, Python {platform.python_version()}, trainlint {__version__}, libcst {libcst_version()}. "
        f"Load average (1 min) {load_before:.1f} before, {load_after:.1f} after: other work shared the machine, so "
        "multi-core rows understate what free cores give.",
        "",
        f"Corpus (generated, seed {args.seed}): {len(keras_files)} Keras training scripts and {len(plain_files)} "
        f"non-Keras modules in 10 folders, {corpus_mb:.1f} MB; {findings} findings in the scripts.",
        "",
        "## End to end (a fresh process per run; peak memory of the largest process)",
        "",
        "| run | files | seconds | files/s | peak MiB |",
        "|---|---:|---:|---:|---:|",
        *(f"| {what} | {files} | {seconds:.2f} | {files / seconds:,.0f} | {peak} |"
          for what, files, seconds, peak in rows),
        "",
        "## In one process (one core)",
        "",
        "| measure | files | seconds | files/s | goal |",
        "|---|---:|---:|---:|---|",
        f"| pre-filter on non-Keras files (read + byte tests) | {len(sources)} | {prefilter:.3f} | "
        f"{prefilter_rate:,.0f} | >= 2,000 files/s per core: {'met' if prefilter_rate >= 2000 else 'NOT met'} |",
        f"| `libcst.parse_module` on the Keras scripts | {len(texts)} | {parse:.2f} | {len(texts) / parse:,.0f} | |",
        f"| `lint_text` (pre-filter, parse guard, parse, evaluate, rules) on the same | {len(texts)} | {lint:.2f} | "
        f"{len(texts) / lint:,.0f} | within 1.5x of the parse: x{lint / parse:.2f}, "
        f"{'met' if lint / parse <= 1.5 else 'NOT met'} |",
        f"| of which the CPython parse guard (`ast.parse`, before libcst) | {len(texts)} | {guard:.2f} | "
        f"{len(texts) / guard:,.0f} | |",
        f"| of which evaluation, facts, rules and positions (the rest) | {len(texts)} | "
        f"{max(lint - parse - guard, 0):.2f} | | |",
        "",
        f"flake8: {flake8_version}",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


def libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
