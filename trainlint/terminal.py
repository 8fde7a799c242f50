"""Colour on a terminal: ``--color auto|always|never``, ``NO_COLOR`` and ``FORCE_COLOR``.

``auto`` (the default) colours only a stream that is a terminal (not ``TERM=dumb``). The environment is read
the way https://no-color.org and https://force-color.org ask: a non-empty ``NO_COLOR`` turns colour off, a
non-empty ``FORCE_COLOR`` turns it on even into a pipe, and ``NO_COLOR`` wins when both are set. ``--color``
given as ``always`` or ``never`` wins over both.
"""

from __future__ import annotations

import os
from typing import Mapping, TextIO

COLOR_CHOICES = ("auto", "always", "never")

_RESET = "\x1b[0m"
STYLES = {
    "location": "\x1b[1m",          # bold
    "error": "\x1b[1;31m",          # bold red: the code of an error
    "warning": "\x1b[1;33m",        # bold yellow
    "related": "\x1b[36m",          # cyan: the related places
    "gutter": "\x1b[34m",           # blue: the source excerpt's gutter
    "caret": "\x1b[1;31m",
    "summary": "\x1b[1m",
}


def wants_colour(choice: str, stream: TextIO, environment: Mapping[str, str] | None = None) -> bool:
    environment = os.environ if environment is None else environment
    if choice == "always":
        return True
    if choice == "never":
        return False
    if environment.get("NO_COLOR"):
        return False
    if environment.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and environment.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def paint(text: str, style: str, colour: bool) -> str:
    return f"{STYLES[style]}{text}{_RESET}" if colour and text else text
