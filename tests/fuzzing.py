"""The fuzzers the suite runs briefly and ``benchmarks/fuzz.py`` runs long: generated programs (hypothesmith's, and
Keras-shaped ones of our own) and mutants of our own fixtures, each linted with every rule.

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


def check_program(text: str, filename: str = "fuzzed.py", seconds: int = 30,
                  versions: tuple[str, ...] = KERAS_VERSIONS) -> Failure | None:
    """Lint ``text`` under each of ``versions`` (every Keras version by default), twice; the first way it fails,
    or None."""
    from trainlint.engine import lint_text
    from trainlint.settings import Settings

    for version in versions:
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


# --- programs in the analyser's own domain --------------------------------------------------------------------
# hypothesmith's programs are valid Python but rarely build a model; these are valid by construction and do little
# else: models built every way Keras allows, under branches, loops and helpers, compiled and fitted with losses,
# activations, metrics and labels drawn from the real vocabulary and from nonsense.

_LOSSES = ("'categorical_crossentropy'", "'binary_crossentropy'", "'sparse_categorical_crossentropy'", "'mse'",
           "'hinge'", "'kld'", "'nonsense'", "keras.losses.CategoricalCrossentropy(from_logits=True)",
           "keras.losses.BinaryCrossentropy()", "keras.losses.SparseCategoricalCrossentropy(from_logits={flag})",
           "loss_name", "None", "{'out': 'mse'}", "['mse', 'mae']", "lambda y, p: p")
_ACTIVATIONS = ("'softmax'", "'sigmoid'", "'relu'", "'linear'", "None", "'tanh'", "activation", "'nonsense'",
                "keras.activations.softmax", "tf.nn.sigmoid")
_METRICS = ("['accuracy']", "['acc']", "['binary_accuracy']", "[]", "['accuracy', 'mse']", "metrics",
            "[keras.metrics.AUC()]", "'accuracy'", "None", "[keras.metrics.CategoricalAccuracy()]")
_UNITS = ("1", "2", "10", "0", "-1", "n_classes", "len(labels)", "n_classes + 1", "n_classes * 2", "units",
          "int(3.0)", "len(set(labels))", "max(labels) + 1", "True", "'4'", "None")
_LABELS = ("np.array([0, 1, 2])", "np.array([0, 1])", "keras.utils.to_categorical(labels)", "np.zeros((8, 3))",
           "labels", "np.random.randint(0, 5, size=(8,))", "[[0, 1], [1, 0]]", "np.array([-1, 1])",
           "np.ones(8) * 3", "y")


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return rng.choice(options).replace("{flag}", rng.choice(("True", "False", "flag")))


def _statements(rng: random.Random, depth: int) -> list[str]:
    """Statements that build, change, compile or fit models (indented by the caller)."""
    kind = rng.choice(("sequential", "add", "functional", "compile", "fit", "assign", "branch", "loop", "helper",
                       "try", "del", "reassign_layer", "optimizer"))
    units, activation = _pick(rng, _UNITS), _pick(rng, _ACTIVATIONS)
    if kind == "sequential":
        layers = ", ".join(f"layers.Dense({_pick(rng, _UNITS)}, activation={_pick(rng, _ACTIVATIONS)})"
                           for _ in range(rng.randint(0, 3)))
        return [f"model = keras.Sequential([{layers}])"]
    if kind == "add":
        return [f"model.add(layers.Dense({units}, activation={activation}))"]
    if kind == "functional":
        return ["inputs = keras.Input(shape=(4,))", f"x = layers.Dense({units})(inputs)",
                f"outputs = layers.Dense({_pick(rng, _UNITS)}, activation={activation})(x)",
                "model = keras.Model(inputs, outputs)"]
    if kind == "compile":
        keywords = [f"loss={_pick(rng, _LOSSES)}", f"metrics={_pick(rng, _METRICS)}",
                    "optimizer=" + rng.choice(('"adam"', "keras.optimizers.Adam(lr=0.1)", "opt"))]
        rng.shuffle(keywords)
        return [f"{rng.choice(('model', 'other', 'models[0]'))}.compile({', '.join(keywords[:rng.randint(0, 3)])})"]
    if kind == "fit":
        return [f"y = {_pick(rng, _LABELS)}",
                f"model.fit(np.zeros((8, 4)), {rng.choice(('y', _pick(rng, _LABELS)))}, epochs=1)"]
    if kind == "assign":
        target = rng.choice(("n_classes", "units", "activation", "loss_name", "metrics", "flag", "labels"))
        value = rng.choice((*_UNITS, *_ACTIVATIONS, *_LOSSES[:6], *_METRICS[:4], "True", "False", "[0, 1, 2]"))
        return [f"{target} = {value.replace('{flag}', 'True')}"]
    if kind == "reassign_layer":
        return [f"head = layers.Dense({units}, activation={activation})", "model = keras.Sequential([head])",
                "other = model"]
    if kind == "optimizer":
        return ["opt = " + rng.choice(("keras.optimizers.SGD(lr=0.01, decay=1e-6)", "keras.optimizers.Adam()", '"sgd"'))]
    if kind == "del":
        return [f"del {rng.choice(('model', 'n_classes', 'labels'))}"] if rng.random() < 0.3 else ["pass"]
    if depth >= 3:
        return ["pass"]
    body = [line for _ in range(rng.randint(1, 3)) for line in _statements(rng, depth + 1)]
    indented = ["    " + line for line in body]
    if kind == "branch":
        orelse = ["else:", *("    " + line for line in _statements(rng, depth + 1))] if rng.random() < 0.5 else []
        return [f"if {rng.choice(('flag', 'n_classes > 2', 'len(labels) == 2', 'True', 'units'))}:", *indented,
                *orelse]
    if kind == "loop":
        return [f"for {rng.choice(('i', 'n_classes', 'units'))} in {rng.choice(('range(3)', '[1, 2]', 'labels'))}:",
                *indented]
    if kind == "try":
        return ["try:", *indented, "except Exception:", "    pass"]
    name = f"build_{rng.randint(0, 3)}"
    return [f"def {name}(units=10, activation='softmax', *args, **kwargs):", *indented,
            "    return model" if rng.random() < 0.7 else "    pass",
            f"model = {name}(" + rng.choice(("", "1", "n_classes", "units=2", 'activation="sigmoid"')) + ")"]


def keras_program(rng: random.Random) -> str:
    lines = [rng.choice(("import keras\nfrom keras import layers", "from tensorflow import keras\n"
                         "from tensorflow.keras import layers", "import tensorflow as tf\nkeras = tf.keras\n"
                         "layers = keras.layers")),
             "import numpy as np", "import tensorflow as tf", "labels = [0, 1, 2]", "n_classes = 3",
             "models = []"]
    for _ in range(rng.randint(1, 12)):
        lines.extend(_statements(rng, 0))
    return "\n".join(lines) + "\n"


def keras_programs(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [keras_program(rng) for _ in range(count)]
