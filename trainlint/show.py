"""``--show-settings`` (every resolved setting and where it came from) and ``--show-files`` (what would be linted)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from trainlint.config import Configuration, Resolved


def _value(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, tuple) and value and all(isinstance(item, tuple) and len(item) == 2 for item in value):
        return "{ " + ", ".join(f"{json.dumps(glob)} = {json.dumps(list(codes))}" for glob, codes in value) + " }"
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return json.dumps(value)


def show_settings(configuration: Configuration, resolved: dict[str, Resolved], extra: list[Resolved],
                  out: TextIO) -> None:
    """One ``key = value  # origin`` line per setting, TOML-like, after the configuration file used."""
    out.write(f"# configuration file: {configuration.path if configuration.path is not None else '(none found)'}\n")
    out.write(f"# root (globs are relative to it): {configuration.root}\n")
    items = [*resolved.values(), *extra]
    width = max(len(f"{item.key} = {_value(item.value)}") for item in items)
    for item in items:
        line = f"{item.key} = {_value(item.value)}"
        out.write(f"{line.ljust(width)}  # {item.origin}\n")


def show_files(displays: list[str], out: TextIO) -> None:
    for display in displays:
        out.write(display + "\n")
