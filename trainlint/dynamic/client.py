"""The linter's side of the worker: start it once, send plans, wait with a deadline, shut it down cleanly.

Importing TensorFlow costs seconds and hundreds of MiB, so one worker serves a whole run. It runs in its own
session, so a Ctrl-C in the terminal reaches only the linter, which then ends the worker itself. A model
that overruns its timeout gets the worker killed (TensorFlow cannot be interrupted from outside); the next
model starts a fresh one.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0
INSTALL_HINT = "pip install 'trainlint[dynamic]'"


class WorkerUnavailable(Exception):
    """TensorFlow cannot be imported by the worker's interpreter, or the worker does not start."""


class WorkerTimeout(Exception):
    pass


class WorkerCrashed(Exception):
    pass


class Worker:
    def __init__(self, python: str | None = None, keras_module: str = "keras"):
        self.python = python or sys.executable
        self.keras_module = keras_module
        """``keras`` (whatever Keras that interpreter has) or ``tf_keras`` (tf.keras 2 semantics)."""
        self.process: subprocess.Popen | None = None
        self.hello: dict = {}
        self._buffer = b""
        self._stderr = None

    # --- life cycle -----------------------------------------------------------------------------------------

    def start(self, deadline: float) -> dict:
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
                       "TRAINLINT_KERAS_MODULE": self.keras_module,
                       "PYTHONPATH": os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH"))
                                                     if p)}
        # TensorFlow's own chatter goes to a file we read back only to explain a crash.
        self._stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [self.python, "-m", "trainlint.dynamic.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._stderr, env=environment, start_new_session=True)
        except OSError as error:
            raise WorkerUnavailable(f"cannot start {self.python}: {error.strerror or error}") from error
        try:
            hello = self._read(min(deadline, time.monotonic() + START_TIMEOUT))
        except WorkerTimeout:
            self.kill()
            raise
        except WorkerCrashed as error:
            self.close()
            raise WorkerUnavailable(f"the TensorFlow worker did not start: {error}") from error
        if not hello.get("ready"):
            self.close()
            raise WorkerUnavailable(f"TensorFlow is not importable by {self.python} ({hello.get('missing')})")
        self.hello = hello
        return hello

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """End the worker: closing its stdin lets it exit; one that does not is killed."""
        process, self.process = self.process, None
        self._buffer = b""
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        self.close()

    # --- requests -------------------------------------------------------------------------------------------

    def observe(self, plan_json: str, deadline: float) -> dict:
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(plan_json.encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise WorkerCrashed(self._last_words() or str(error)) from error
        return self._read(deadline)

    def _read(self, deadline: float) -> dict:
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerTimeout("no answer before the deadline")
                if not selector.select(timeout=remaining):
                    continue
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    self.process.wait()
                    raise WorkerCrashed(self._last_words() or f"exit status {self.process.returncode}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def _last_words(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        lines = [line.strip() for line in self._stderr.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""
