"""Latency of ``trainlint server`` after an edit: from ``didChange`` to its ``publishDiagnostics``.

A 300-line training script (data loading, preprocessing helpers, a model built in a helper, compile, fit,
evaluation, plots) is opened in the server, then edited N times (a constant changes, as a user types); each
edit's latency is the time until the server publishes that file's diagnostics again. The server runs as an editor
starts it (a subprocess on stdio), driven by a small JSON-RPC client (no editor).

    python3 benchmarks/server_latency.py [--edits 30] [--out benchmarks/results/server_latency.md]
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

REPO = Path(__file__).resolve().parent.parent

HEADER = '''"""Train an image classifier on a folder of labelled photos (generated benchmark script)."""
import argparse
import os

import numpy as np
import pandas as pd
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

parser = argparse.ArgumentParser()
parser.add_argument("--data", default="data/labels.csv")
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--batch-size", type=int, default=32)
args = parser.parse_args()

LEARNING_RATE = 0.001
IMAGE_SIZE = (128, 128)
'''

HELPER = '''

def augment_{index}(image, label):
    """Augmentation step {index}: flips, a small rotation and a brightness change."""
    image = tf.image.random_flip_left_right(image)
    image = tf.image.random_brightness(image, max_delta=0.{index:02d})
    image = tf.image.rot90(image, k={index} % 4)
    if {index} % 2:
        image = tf.image.random_contrast(image, 0.8, 1.2)
    return image, label
'''

FOOTER = '''

def load_table(path):
    table = pd.read_csv(path)
    table = table.dropna(subset=["filename", "label"])
    return table


def build_model(num_classes):
    inputs = keras.Input(shape=IMAGE_SIZE + (3,))
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


table = load_table(args.data)
class_names = sorted(table["label"].unique())
labels = keras.utils.to_categorical(table["label"].map(class_names.index), num_classes=len(class_names))
images = np.stack([np.load(os.path.join("data", name)) for name in table["filename"]])

model = build_model(len(class_names))
model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
              loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(images, labels, epochs=args.epochs, batch_size=args.batch_size, validation_split=0.2)
model.evaluate(images, labels)
pd.DataFrame(history.history).plot()
'''


def script(lines: int = 300) -> str:
    text = HEADER
    index = 1
    while (text + FOOTER).count("\n") + HELPER.count("\n") <= lines:
        text += HELPER.format(index=index)
        index += 1
    return text + FOOTER


class Client:
    def __init__(self, command: list[str], env: dict) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0

    def send(self, method: str, params, request: bool = False) -> int | None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return message.get("id")

    def receive(self) -> dict:
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise EOFError("the server exited")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def wait(self, test) -> dict:
        while True:
            message = self.receive()
            if test(message):
                return message


def measure(edits: int) -> tuple[list[float], float, int]:
    text = script()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "train.py")
        path.write_text(text)
        uri = path.resolve().as_uri()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        client = Client([sys.executable, "-m", "trainlint", "server"], env)
        started = time.perf_counter()
        request = client.send("initialize", {"processId": os.getpid(), "rootUri": Path(folder).as_uri(),
                                             "capabilities": {}}, request=True)
        client.wait(lambda m: m.get("id") == request)
        client.send("initialized", {})
        client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                              "text": text}})
        published = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri)
        first = time.perf_counter() - started
        assert [d["code"] for d in published["params"]["diagnostics"]] == ["TL111"], published
        latencies = []
        for version in range(2, edits + 2):
            changed = text.replace("LEARNING_RATE = 0.001", f"LEARNING_RATE = 0.00{version}")
            start = time.perf_counter()
            client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                   "contentChanges": [{"text": changed}]})
            client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
            latencies.append(time.perf_counter() - start)
        shutdown = client.send("shutdown", None, request=True)
        client.wait(lambda m: m.get("id") == shutdown)
        client.send("exit", None)
        client.process.wait(timeout=30)
    return latencies, first, text.count("\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--out", type=Path)
    options = parser.parse_args()
    latencies, first, lines = measure(options.edits)
    ms = sorted(1000 * value for value in latencies)
    report = (
        f"# trainlint server: latency after an edit\n\n"
        f"`python3 benchmarks/server_latency.py --edits {options.edits}` on {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs ({platform.machine()}), a {lines}-line training "
        f"script, one finding.\n\n"
        f"| measure | ms |\n|---|---|\n"
        f"| first diagnostics after didOpen (server start and imports included) | {1000 * first:.0f} |\n"
        f"| median didChange → publishDiagnostics ({len(ms)} edits) | {statistics.median(ms):.1f} |\n"
        f"| fastest / slowest edit | {ms[0]:.1f} / {ms[-1]:.1f} |\n"
        f"| 90th percentile | {ms[int(0.9 * (len(ms) - 1))]:.1f} |\n"
    )
    print(report)
    if options.out:
        options.out.write_text(report)


if __name__ == "__main__":
    main()
