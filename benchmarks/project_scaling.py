"""Whole-project analysis against the sum of its files analysed alone, on generated 200-module projects.

Usage: ``python benchmarks/project_scaling.py [--repeat N] [--output benchmarks/results/project_scaling.md]``

Two layouts, generated from a seed into a temporary folder (our own code, reproducible):

- ``experiments``: a research repository, 150 experiment scripts (each builds or imports a model, compiles and
  fits it) sharing 50 modules of models, data pipelines, heads and configuration.
- ``library``: an application package, 60 training scripts over 140 modules (models, data, utilities) that
  contain no training code of their own, the least favourable case: alone, those 140 files are skipped by the
  pre-filter without being parsed, while the project run must parse every one of them that is imported.

Four measures, each the CPU time of this process (other processes on the machine do not count), all reading
the files from disk:

- "alone": each file linted with the single-file pipeline (no import followed), times summed; the files the
  pre-filter rules out (no compile or fit call) cost almost nothing;
- "alone, in full": each file parsed and evaluated alone, as if the pre-filter let every file through, times
  summed (the cost of reading each file once, the least a project run that needs every module can spend);
- "alone, imports followed": each file linted on its own with a fresh project, as one flake8 or pre-commit
  call on that file would (its imports parsed and evaluated again for every file), times summed;
- "project": one ``trainlint check`` run over the folder (one shared project: each module parsed and
  evaluated at most once).

The goal of issue #6 is project <= 1.5 x alone. The "parse floor" is what libcst alone costs to parse the
code a project run must evaluate (the scripts and every imported module the run parsed, in part or whole):
no evaluator, however fast, goes under it while imported code is read with libcst.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import libcst as cst  # noqa: E402

from trainlint.analysis.project import Project  # noqa: E402
from trainlint.engine import lint_module, lint_text  # noqa: E402
from trainlint.settings import Settings  # noqa: E402
from trainlint.sources.files import discover, lint_paths  # noqa: E402
from trainlint.sources.source import decode  # noqa: E402

ACTIVATIONS = ("relu", "tanh", "gelu")

CONFIG = '''"""Shared settings."""
NUM_CLASSES = {classes}
VOCABULARY_SIZE = 20000
SEQUENCE_LENGTH = {length}
EMBEDDING_DIM = {dim}
DROPOUT = 0.{dropout}
LEARNING_RATE = 1e-3
'''

HEADS = '''"""Output layer choices."""


def last_layer(num_classes):
    if num_classes == 2:
        return 1, "sigmoid", "binary_crossentropy"
    return num_classes, "softmax", "sparse_categorical_crossentropy"


def describe(units, activation):
    return f"{units} x {activation}"
'''

MODEL = '''"""Model family {index}."""

from tensorflow import keras

from {package}.config import DROPOUT, EMBEDDING_DIM, SEQUENCE_LENGTH, VOCABULARY_SIZE
from {package}.heads import last_layer


def _block(x, width):
    x = keras.layers.Dense(width, activation="{activation}")(x)
    return keras.layers.Dropout(DROPOUT)(x)


def build_model_{index}(num_classes, widths=({w1}, {w2})):
    units, activation, _ = last_layer(num_classes)
    inputs = keras.Input(shape=(SEQUENCE_LENGTH,))
    x = keras.layers.Embedding(VOCABULARY_SIZE, EMBEDDING_DIM)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    for width in widths:
        x = _block(x, width)
    outputs = keras.layers.Dense(units, activation={head_activation})(x)
    return keras.Model(inputs, outputs, name="family_{index}")


def count_parameters(model):
    return sum(weight.shape.num_elements() for weight in model.trainable_weights)
'''

DATA = '''"""Data pipeline {index}."""

import numpy as np

from {package}.config import NUM_CLASSES, SEQUENCE_LENGTH


def pad(sequences, length=SEQUENCE_LENGTH):
    out = np.zeros((len(sequences), length), dtype="int32")
    for row, sequence in enumerate(sequences):
        trimmed = sequence[:length]
        out[row, : len(trimmed)] = trimmed
    return out


def class_count(labels):
    count = max(labels) + 1
    if count < 2:
        raise ValueError("need two classes at least")
    return count


def load_split_{index}(path):
    rows = [line.split("\\t") for line in open(path, encoding="utf-8")]
    labels = [int(label) for label, _ in rows]
    tokens = [[int(t) for t in text.split()] for _, text in rows]
    return pad(tokens), np.asarray(labels), class_count(labels)
'''

UTIL = '''"""Utilities {index}."""

import logging
import os
import re

_WORD = re.compile(r"\\w+")


def get_logger(name="run_{index}"):
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    return logger


def output_dir(base, run_name):
    path = os.path.join(base, run_name)
    os.makedirs(path, exist_ok=True)
    return path


def words(text):
    return _WORD.findall(text.lower())


def batches(items, size={size}):
    for start in range(0, len(items), size):
        yield items[start:start + size]
'''

SCRIPT = '''"""Experiment {index}."""

import argparse

import tensorflow as tf

from {package}.data.{data} import load_split_{data_index}
from {package}.heads import last_layer
from {package}.models.{model} import build_model_{model_index}
from {package}.utils.{util} import get_logger, output_dir


def run(train_path, val_path, epochs={epochs}, batch_size={batch}):
    logger = get_logger()
    x_train, y_train, num_classes = load_split_{data_index}(train_path)
    x_val, y_val, _ = load_split_{data_index}(val_path)
    model = build_model_{model_index}(num_classes)
    _, _, loss = last_layer(num_classes)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate={lr}), loss=loss, metrics=["accuracy"])
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch_size)
    logger.info("best val accuracy %s", max(history.history["val_accuracy"]))
    model.save(output_dir("runs", "experiment_{index}"))
    return history


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("val")
    arguments = parser.parse_args()
    run(arguments.train, arguments.val)
'''

LAYOUTS = {"experiments": dict(models=20, data=15, utils=13, scripts=150),
           "library": dict(models=50, data=30, utils=58, scripts=60)}


def generate(root: Path, layout: str, seed: int = 6) -> int:
    rng = random.Random(seed)
    counts = LAYOUTS[layout]
    package = "research"
    src = root / "src" / package
    for folder in ("", "models", "data", "utils"):
        (src / folder).mkdir(parents=True, exist_ok=True)
        (src / folder / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "research"\nversion = "0"\n')
    (src / "config.py").write_text(CONFIG.format(classes=rng.choice((2, 5, 10)), length=rng.choice((128, 256)),
                                                 dim=rng.choice((32, 64)), dropout=rng.randint(1, 5)))
    (src / "heads.py").write_text(HEADS)
    for i in range(counts["models"]):
        (src / "models" / f"family_{i:02d}.py").write_text(MODEL.format(
            index=i, package=package, activation=rng.choice(ACTIVATIONS), w1=rng.choice((64, 128)),
            w2=rng.choice((16, 32)),
            # One family in ten forgets the helper's activation: softmax over one unit for two classes.
            head_activation='"softmax"' if i % 10 == 3 else "activation"))
    for i in range(counts["data"]):
        (src / "data" / f"pipeline_{i:02d}.py").write_text(DATA.format(index=i, package=package))
    for i in range(counts["utils"]):
        (src / "utils" / f"helpers_{i:02d}.py").write_text(UTIL.format(index=i, size=rng.choice((16, 32))))
    (root / "scripts").mkdir()
    for i in range(counts["scripts"]):
        model_index, data_index = rng.randrange(counts["models"]), rng.randrange(counts["data"])
        (root / "scripts" / f"experiment_{i:03d}.py").write_text(SCRIPT.format(
            index=i, package=package, model=f"family_{model_index:02d}", model_index=model_index,
            data=f"pipeline_{data_index:02d}", data_index=data_index,
            util=f"helpers_{rng.randrange(counts['utils']):02d}", epochs=rng.choice((5, 10, 20)),
            batch=rng.choice((32, 64)), lr=rng.choice(("1e-3", "3e-4"))))
    modules = sum(1 for _ in root.rglob("*.py") if _.name != "__init__.py")
    return modules


def alone(root: Path, settings: Settings, follow_imports: bool = False) -> tuple[float, int]:
    start = time.process_time()
    findings = set()
    for display, path in discover([str(root)]):
        source = decode(path.read_bytes(), display, settings.max_file_bytes)
        findings.update(lint_text(source.text, display, settings,
                                  project=Project() if follow_imports else None).findings)
    return time.process_time() - start, len(findings)


def alone_in_full(root: Path, settings: Settings) -> float:
    start = time.process_time()
    for display, path in discover([str(root)]):
        source = decode(path.read_bytes(), display, settings.max_file_bytes)
        lint_module(cst.parse_module(source.text), display, settings)
    return time.process_time() - start


def parse_floor(root: Path, settings: Settings) -> float:
    """CPU seconds libcst spends parsing in a project run: the texts it parses, timed again on their own."""
    texts: list[str] = []
    original = cst.parse_module

    def recording(text, *args, **kwargs):
        texts.append(text)
        return original(text, *args, **kwargs)

    cst.parse_module = recording  # the one libcst module object, which every caller looks the function up on
    try:
        lint_paths([str(root)], settings)
    finally:
        cst.parse_module = original
    start = time.process_time()
    for text in texts:
        original(text)
    return time.process_time() - start


def project(root: Path, settings: Settings) -> tuple[float, int]:
    start = time.process_time()
    results = lint_paths([str(root)], settings)
    return time.process_time() - start, len({f for r in results for f in r.findings})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "project_scaling.md")
    options = parser.parse_args()
    settings = Settings()
    rows = []
    for layout in LAYOUTS:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            modules = generate(root, layout)
            alone_times, full_times, followed_times, project_times, floor_times = [], [], [], [], []
            for _ in range(options.repeat):
                elapsed, alone_findings = alone(root, settings)
                alone_times.append(elapsed)
                full_times.append(alone_in_full(root, settings))
                followed_times.append(alone(root, settings, follow_imports=True)[0])
                elapsed, findings = project(root, settings)
                project_times.append(elapsed)
                floor_times.append(parse_floor(root, settings))
            a, full, f, p, floor = (statistics.median(t) for t in (
                alone_times, full_times, followed_times, project_times, floor_times))
            rows.append((layout, modules, LAYOUTS[layout]["scripts"], a, full, f, p, floor, alone_findings, findings))
            print(f"{layout}: {modules} modules, alone {a:.2f} s, alone in full {full:.2f} s, alone with imports "
                  f"{f:.2f} s, project {p:.2f} s, parse floor {floor:.2f} s, project / alone {p / a:.2f}, "
                  f"findings alone {alone_findings}, project {findings}", flush=True)
    lines = [
        "# Whole-project analysis: cost against the files analysed alone",
        "",
        f"`python benchmarks/project_scaling.py --repeat {options.repeat}`: median CPU seconds of the runs, Python "
        f"{platform.python_version()}, {platform.machine()}, one process. Goal (issue #6): project <= 1.5 x alone.",
        "",
        "| layout | modules | training scripts | alone (s) | alone, in full (s) | alone, imports followed (s) "
        "| project (s) | libcst parse floor of the project run (s) | project / alone | parse floor / alone "
        "| project / alone in full | project / alone with imports | findings alone | findings project |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {layout} | {modules} | {scripts} | {a:.2f} | {full:.2f} | {f:.2f} | {p:.2f} | {floor:.2f} "
          f"| {p / a:.2f} | {floor / a:.2f} | {p / full:.2f} | {p / f:.2f} | {alone_findings} | {findings} |"
          for layout, modules, scripts, a, full, f, p, floor, alone_findings, findings in rows),
        "",
    ]
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text("\n".join(lines))
    print(f"written to {options.output}")


if __name__ == "__main__":
    main()
