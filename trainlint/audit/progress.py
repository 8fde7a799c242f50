"""A one-line progress bar on stderr, drawn only for long runs in a terminal (silent in pipes, CI logs, tests)."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

PROGRESS_MIN_FILES = 50
_REDRAW_SECONDS = 0.1


class Progress:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._drawn_at = 0.0
        self.enabled = total >= PROGRESS_MIN_FILES and _is_terminal(stream)

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.enabled and (self.done == self.total or time.monotonic() - self._drawn_at >= _REDRAW_SECONDS):
            self._draw()

    def _draw(self) -> None:
        self._drawn_at = time.monotonic()
        counter = f" {self.done}/{self.total} files"
        width = max(10, min(40, shutil.get_terminal_size((80, 24)).columns - len(counter) - 12))
        filled = width * self.done // max(self.total, 1)
        self._stream.write(f"\rtrainlint [{'#' * filled}{'.' * (width - filled)}]{counter}")
        self._stream.flush()

    def close(self) -> None:
        """Erase the bar, so that what follows on the terminal starts on a clean line."""
        if self.enabled and self._drawn_at:
            self._stream.write("\r\033[K")
            self._stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
