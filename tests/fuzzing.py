"""The fuzzers the suite runs briefly and ``benchmarks/fuzz.py`` runs long: generated programs (hypothesmith) and
mutants of our own fixtures, each linted with every rule and every Keras version.

A program fails when the analysis raises, reports TL002 (trainlint failed on it), runs past a time limit, or
reports differently when linted again.
"""

from __future__ import annotations

import random
import re
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
KERAS_VERSIONS = ("3", "2", "legacy")

# Keras on both sides of a generated program: the analysis then runs whole (evaluator, extraction, every rule)
# over whatever the program did to the names in between.
PRELUDE = "import keras\nfrom keras import layers\n"
EPILOGUE = ("\nmodel = keras.Sequential([layers.Dense(1, activation='softmax')])\n"
            "model.compile(loss='categorical_crossentropy', metrics=['accuracy'])\n")


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    """SIGALRM on the main thread: an analysis that does not end is a failure, not a stuck run."""
    def expire(signum, frame):
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Failure:
    program: str
    reason: str


def check_program(text: str, filename: str = "fuzzed.py", seconds: int = 30) -> Failure | None:
    """Lint ``text`` under each Keras version, twice; the first way it fails, or None."""
    from trainlint.engine import lint_text
    from trainlint.settings import Settings

    for version in KERAS_VERSIONS:
        settings = Settings(keras_version=version, extend_select=("TL9",))
        try:
            with time_limit(seconds):
                first = lint_text(text, filename, settings).findings
                second = lint_text(text, filename, settings).findings
        except Hang as error:
            return Failure(text, f"keras {version}: {error}")
        except Exception as error:  # noqa: BLE001 - any exception is the finding
            return Failure(text, f"keras {version}: {type(error).__name__}: {error}")
        internal = [f for f in first if f.code == "TL002"]
        if internal:
            return Failure(text, f"keras {version}: TL002 {internal[0].message}")
        if [f.to_dict() for f in first] != [f.to_dict() for f in second]:
            return Failure(text, f"keras {version}: a second analysis reported differently")
    return None


def wrapped(generated: str) -> str:
    return PRELUDE + generated.rstrip("\n") + "\n" + EPILOGUE


# --- mutants of our fixtures ---------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
_STRING = re.compile(r"""(?P<q>['"])(?P<body>[A-Za-z_][\w.-]{0,40})(?P=q)""")
_NUMBERS = ("0", "1", "2", "-1", "10", "1000", "0.5", "1e9", "3")


def fixture_texts() -> list[tuple[str, str]]:
    """``(name, text)`` of every Python fixture, in a stable order."""
    return [(str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8"))
            for path in sorted(FIXTURES.rglob("*.py"))]


def mutate(text: str, rng: random.Random) -> tuple[str, str]:
    """One mutant of ``text`` and what was done: a line deleted, duplicated or moved, two lines swapped, a number
    replaced, or two string literals exchanged."""
    lines = text.split("\n")
    kind = rng.choice(("delete", "duplicate", "move", "swap", "number", "strings"))
    if kind in ("delete", "duplicate", "move", "swap") and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "move":
            lines.insert(j, lines.pop(i))
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines), f"{kind} line {i + 1}" + (f" / {j + 1}" if kind in ("move", "swap") else "")
    if kind == "number":
        numbers = list(_NUMBER.finditer(text))
        if numbers:
            chosen = rng.choice(numbers)
            replacement = rng.choice(_NUMBERS)
            return text[:chosen.start()] + replacement + text[chosen.end():], \
                f"number {chosen.group()} -> {replacement} at {chosen.start()}"
    strings = list(_STRING.finditer(text))
    if len(strings) >= 2:
        a, b = sorted(rng.sample(strings, 2), key=lambda m: m.start())
        if a.end() <= b.start():
            mutant = (text[:a.start()] + b.group() + text[a.end():b.start()] + a.group() + text[b.end():])
            return mutant, f"strings {a.group()} <-> {b.group()}"
    return text + "\n" + text, "whole file doubled"


def mutants(count: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """``count`` mutants as ``(fixture, what was done, text)``; each mutant mutates its fixture one to three times."""
    rng = random.Random(seed)
    sources = fixture_texts()
    found = []
    for _ in range(count):
        name, text = rng.choice(sources)
        steps = []
        for _ in range(rng.randint(1, 3)):
            text, step = mutate(text, rng)
            steps.append(step)
        found.append((name, "; ".join(steps), text))
    return found
