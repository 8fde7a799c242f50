"""The long fuzz run: ``nice python benchmarks/fuzz.py`` (defaults: 10,000 Keras-shaped programs, 10,000 mutants,
200 hypothesmith programs).

Throws generated programs at the analyser: Keras-shaped programs valid by construction (models built, branched,
looped, wrapped in helpers, compiled and fitted with real and nonsense arguments), mutants of our own fixtures
(lines deleted, duplicated, moved or swapped; numbers replaced; string literals exchanged) and hypothesmith's
programs (from the grammar and from syntax trees, wrapped in Keras code so that the whole analysis runs). Each is
linted twice under one Keras version (3, 2 and legacy in turn; the suite's bounded run uses all three); a
program fails when the analysis raises, reports TL002, runs past the time limit or reports differently the second
time (``tests/fuzzing.py``). Prints programs tried, seconds and failures, and writes each failing program to
``--failures`` for a regression test. The suite runs the same checks briefly (``tests/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzing import KERAS_VERSIONS, check_program, keras_programs, mutants, wrapped  # noqa: E402


def hypothesmith_programs(count: int, seed: int):
    """``count`` hypothesmith programs, half from the grammar and half from libcst syntax trees."""
    import hypothesmith
    from hypothesis import HealthCheck, given, seed as hypothesis_seed, settings

    found: list[str] = []
    for strategy, share in ((hypothesmith.from_grammar(), count - count // 2), (hypothesmith.from_node(), count // 2)):
        @hypothesis_seed(seed)
        @settings(max_examples=share, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(program):
            found.append(program)

        collect()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=10_000, help="Keras-shaped programs (default 10000)")
    parser.add_argument("--mutants", type=int, default=10_000, help="mutants of the fixtures (default 10000)")
    parser.add_argument("--hypothesmith", type=int, default=200, help="hypothesmith programs (default 200)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--seconds", type=int, default=30, help="time limit per analysis")
    parser.add_argument("--failures", type=Path, default=Path("fuzz-failures.jsonl"))
    args = parser.parse_args()
    failures: list[dict] = []
    figures: dict[str, dict] = {}

    def run(name: str, programs: list[tuple[str, str, str]]) -> None:
        began = time.perf_counter()
        for index, (source, filename, text) in enumerate(programs):
            version = KERAS_VERSIONS[index % len(KERAS_VERSIONS)]
            failure = check_program(text, filename, seconds=args.seconds, versions=(version,))
            if failure is not None:
                failures.append({"source": source, "reason": failure.reason, "program": failure.program})
        figures[name] = {"programs": len(programs), "seconds": round(time.perf_counter() - began, 1),
                         "failures": sum(f["source"].startswith(name) for f in failures)}
        print(name, figures[name], file=sys.stderr, flush=True)

    start = time.perf_counter()
    run("keras-shaped", [("keras-shaped", "fuzzed.py", text) for text in keras_programs(args.programs, args.seed)])
    run("mutants", [(f"mutants: {fixture} ({mutation})", fixture.rsplit("/", 1)[-1], text)
                    for fixture, mutation, text in mutants(args.mutants, seed=args.seed)])
    generating = time.perf_counter()
    generated = hypothesmith_programs(args.hypothesmith, args.seed) if args.hypothesmith else []
    run("hypothesmith", [("hypothesmith", "fuzzed.py", wrapped(program)) for program in generated])
    figures["hypothesmith"]["generation_seconds"] = round(time.perf_counter() - generating
                                                          - figures["hypothesmith"]["seconds"], 1)
    figures["total"] = {"programs": sum(f["programs"] for f in figures.values()),
                        "seconds": round(time.perf_counter() - start, 1), "failures": len(failures)}
    if failures:
        with args.failures.open("w", encoding="utf-8") as out:
            for failure in failures:
                out.write(json.dumps(failure) + "\n")
    print(json.dumps(figures, indent=2))
    for failure in failures[:20]:
        print(f"FAILED {failure['source']}: {failure['reason']}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
