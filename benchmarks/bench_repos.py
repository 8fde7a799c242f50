"""Repositories per second of ``trainlint audit --repos`` with the local and the Ray executor.

Generates N small git repositories (our own Keras scripts: a training script, a helper module, a clean script),
lists them as file:// URLs, and runs the real CLI over the list: clone, lint, records, for every repository.
Ray is measured twice: starting its own local instance (what a first-time user sees), and joining a running
instance (what ``--ray-address`` on an existing cluster costs). Results go to benchmarks/results_repos.md.

    python3 benchmarks/bench_repos.py [--repositories 200] [--workers 2] [--repeat 3]
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
sys.path.insert(0, str(REPO))

from tests.git_repos import (CONSISTENT_BINARY, HELPER, LOGITS_AFTER_SOFTMAX, SOFTMAX_ONE_UNIT,  # noqa: E402
                             make_repository)

RESULTS = REPO / "benchmarks" / "results_repos.md"


def generate(root: Path, count: int) -> Path:
    buggy = (SOFTMAX_ONE_UNIT, LOGITS_AFTER_SOFTMAX)
    for index in range(count):
        make_repository(root / f"project-{index:04d}", {
            "train.py": buggy[index % 2].replace("16", str(16 + index)),
            "data/batching.py": HELPER,
            "experiments/baseline.py": CONSISTENT_BINARY,
        })
    listing = root / "repos.txt"
    listing.write_text("".join(f"{(root / f'project-{i:04d}').as_uri()}\n" for i in range(count)))
    return listing


def audit(listing: Path, work: Path, *options: str) -> tuple[float, int]:
    output = work / "results.jsonl"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "trainlint", "audit", "--repos", str(listing), "--output", str(output),
         "--no-cache", "--clone-dir", str(work / "clones"), *options],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({result.returncode}):\n{result.stderr}")
    records = [json.loads(line) for line in output.read_text().splitlines()]
    complete = sum(r["type"] == "repository" and r["status"] == "complete" for r in records)
    return seconds, complete


def measure(listing: Path, root: Path, repeat: int, *options: str) -> tuple[list[float], int]:
    """The seconds of each of ``repeat`` audits (the machine is shared: one run alone says little)."""
    times, complete = [], 0
    for _ in range(repeat):
        work = Path(tempfile.mkdtemp(dir=root))
        seconds, complete = audit(listing, work, *options)
        times.append(seconds)
    return times, complete


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repositories", type=int, default=200)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import ray

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        listing = generate(root / "repositories", args.repositories)
        runs = [
            ("local", *measure(listing, root, args.repeat, "--executor", "local", "--jobs", str(args.workers))),
            ("ray, local instance started by the audit",
             *measure(listing, root, args.repeat, "--executor", "ray", "--jobs", str(args.workers))),
        ]
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
        try:
            address = ray.get_runtime_context().gcs_address
            runs.append(("ray, joining a running instance (--ray-address)",
                         *measure(listing, root, args.repeat, "--executor", "ray", "--ray-address", address)))
        finally:
            ray.shutdown()

    lines = [
        "# Repository audit throughput",
        "",
        f"`python3 benchmarks/bench_repos.py --repositories {args.repositories} --workers {args.workers} "
        f"--repeat {args.repeat}`: {args.repositories} generated git repositories (3 Python files each, one finding "
        "each), listed as file:// URLs; each is shallow-cloned, linted and recorded. No result cache. Each "
        "executor runs the whole audit the given number of times; the median run is reported.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, Ray {ray.__version__}, "
        f"{args.workers} workers. Load average (1 min) before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f} "
        "(the machine is shared: other work running at the same time slows every executor).",
        "",
        "| executor | median seconds | runs (seconds) | repositories complete | repositories / s (median) |",
        "|---|---:|---:|---:|---:|",
        *(f"| {label} | {statistics.median(times):.1f} | {', '.join(f'{t:.1f}' for t in times)} | {complete} | "
          f"{complete / statistics.median(times):.1f} |" for label, times, complete in runs),
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
