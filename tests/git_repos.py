"""Small git repositories of our own Keras scripts with known findings, for repository-audit tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Each script's findings are known: the codes a test expects are in TRAINING_SCRIPTS_CODES.
SOFTMAX_ONE_UNIT = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""

LOGITS_AFTER_SOFTMAX = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
"""

CONSISTENT_BINARY = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""

HELPER = """\
def batches(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]
"""

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "trainlint tests", "GIT_AUTHOR_EMAIL": "tests@trainlint.invalid",
                "GIT_COMMITTER_NAME": "trainlint tests", "GIT_COMMITTER_EMAIL": "tests@trainlint.invalid",
                "GIT_CONFIG_NOSYSTEM": "1"}


def git(*arguments: str, cwd: Path) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_IDENTITY}).stdout.strip()


def make_repository(folder: Path, files: dict[str, str | bytes]) -> Path:
    """A git repository at ``folder`` whose one commit holds ``files`` (relative path -> content)."""
    folder.mkdir(parents=True)
    git("init", "--quiet", "--initial-branch=main", cwd=folder)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    git("add", "--all", cwd=folder)
    git("commit", "--quiet", "--message", "training scripts", cwd=folder)
    return folder
