"""What ``--dynamic`` costs: seconds and peak memory for one flagged model, and for twenty in one run.

    python3 benchmarks/dynamic_cost.py [--repeat 3] [--output benchmarks/dynamic_results.md]

Each measurement is a fresh ``trainlint check --dynamic`` process (so TensorFlow's import is paid each time,
as a user pays it) over generated files, every one with one finding. Peak memory is the largest resident set
of the linter and of its TensorFlow worker, read from ``getrusage`` in a fresh wrapper process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Flagged training setups of several kinds; the width varies so that no two models are the same.
TEMPLATES = (
    ('keras.layers.Dense({width}, activation="relu")', 'keras.layers.Dense(1, activation="softmax")',
     'loss="binary_crossentropy", metrics=["accuracy"]'),
    ('keras.layers.Dense({width}, activation="relu")', 'keras.layers.Dense(1, activation="sigmoid")',
     'loss="categorical_crossentropy"'),
    ('keras.layers.Dense({width}, activation="tanh")', 'keras.layers.Dense(4, activation="softmax")',
     'loss="binary_crossentropy"'),
    ('keras.layers.Dense({width}, activation="relu")', 'keras.layers.Dense(6, activation="sigmoid")',
     'loss="binary_crossentropy", metrics=["accuracy"]'),
    ('keras.layers.Dense({width}, activation="relu")', 'keras.layers.Dense(1)',
     'loss="binary_crossentropy"'),
)


def write_models(directory: Path, count: int) -> None:
    for index in range(count):
        hidden, head, compile_args = TEMPLATES[index % len(TEMPLATES)]
        width = 16 + 8 * index
        (directory / f"model_{index:02d}.py").write_text(
            "import keras\n\n"
            f"model = keras.Sequential([keras.Input(shape=(20,)), {hidden.format(width=width)}, {head}])\n"
            f"model.compile(optimizer=\"adam\", {compile_args})\n")


def measure_once(directory: Path, dynamic: bool) -> dict:
    """Runs in a fresh wrapper process, so that RUSAGE_CHILDREN covers only this run's processes."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "result = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': seconds, 'peak_mib': peak, 'rc': result.returncode,"
        " 'stdout': result.stdout, 'stderr': result.stderr[-2000:]}))\n"
    )
    command = [sys.executable, "-m", "trainlint", "check", "--output-format", "json", str(directory)]
    if dynamic:
        command.insert(4, "--dynamic")
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    wrapper = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, env=environment,
                             check=True)
    measured = json.loads(wrapper.stdout)
    if measured["rc"] != 1:
        raise SystemExit(f"unexpected exit {measured['rc']}: {measured['stderr']}")
    findings = json.loads(measured["stdout"])
    statuses = [f["confirmation"]["status"] for f in findings if f["confirmation"]] if dynamic else []
    devices = sorted({f["confirmation"]["device"] for f in findings if f["confirmation"]}) if dynamic else []
    return {"seconds": measured["seconds"], "peak_mib": measured["peak_mib"], "findings": len(findings),
            "statuses": statuses, "devices": devices}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "dynamic_results.md")
    args = parser.parse_args()
    rows = []
    device = "?"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        for count in (1, 20):
            directory = Path(scratch) / f"models_{count}"
            directory.mkdir()
            write_models(directory, count)
            for dynamic in (False, True):
                runs = [measure_once(directory, dynamic) for _ in range(args.repeat)]
                if dynamic:
                    device = ", ".join(runs[0]["devices"])
                    confirmed = sum(s == "confirmed" for s in runs[0]["statuses"])
                    verdicts = f"{confirmed}/{runs[0]['findings']} confirmed"
                else:
                    verdicts = "-"
                rows.append((count, "dynamic" if dynamic else "static only",
                             statistics.median(r["seconds"] for r in runs),
                             max(r["seconds"] for r in runs),
                             statistics.median(r["peak_mib"] for r in runs), verdicts))
                print(rows[-1], file=sys.stderr)
    tensorflow = subprocess.run([sys.executable, "-c", "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3';"
                                 "import tensorflow as tf, keras; print(tf.__version__, keras.__version__)"],
                                capture_output=True, text=True).stdout.split()
    lines = [
        "# Cost of `trainlint check --dynamic`",
        "",
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} by `benchmarks/dynamic_cost.py` "
        f"(median and worst of {args.repeat} fresh runs; each run pays TensorFlow's import).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"TensorFlow {tensorflow[0] if tensorflow else '?'}, Keras {tensorflow[1] if len(tensorflow) > 1 else '?'}; "
        f"device used: {device}. Load average (1 min) {load_before:.1f} before and {os.getloadavg()[0]:.1f} after "
        "the runs: on a shared machine, a load above the CPU count inflates every number below.",
        "",
        "| models | mode | seconds (median) | seconds (worst) | peak memory, MiB (largest process) | verdicts |",
        "|---|---|---|---|---|---|",
        *(f"| {n} | {mode} | {median:.2f} | {worst:.2f} | {peak:.0f} | {verdicts} |"
          for n, mode, median, worst, peak, verdicts in rows),
        "",
        "The peak is the larger of the linter and its TensorFlow worker (the worker holds TensorFlow and "
        "dominates). Each further model costs the difference between the two dynamic rows divided by 19.",
        "",
    ]
    args.output.write_text("\n".join(lines))
    print(args.output.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
