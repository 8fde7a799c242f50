"""Reading a source file into text, or into one clear diagnostic when that cannot be done."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from trainlint.findings import Finding, file_diagnostic

_PYTHON2_HINTS = (
    re.compile(rb"^\s*print\s+[\"'\w]", re.M),
    re.compile(rb"^\s*exec\s+[\"'\w]", re.M),
    re.compile(rb"except\s+\w+\s*,\s*\w+\s*:"),
    re.compile(rb"\bur[\"']"),
)


@dataclass(frozen=True)
class SourceText:
    text: str | None
    diagnostic: Finding | None = None


def decode(data: bytes, filename: str, max_bytes: int) -> SourceText:
    """Bytes to text following PEP 263 (coding cookie, BOM); a diagnostic for what is not Python text."""
    if len(data) > max_bytes:
        return SourceText(None, file_diagnostic(
            filename, f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; not analysed"))
    if b"\x00" in data:
        return SourceText(None, file_diagnostic(filename, "file contains NUL bytes (binary?); not analysed"))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError) as error:
        return SourceText(None, file_diagnostic(filename, f"cannot decode the file: {error}"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return SourceText(None, file_diagnostic(
            filename, f"cannot decode the file as {error.encoding}: byte {data[error.start]:#04x} at offset "
            f"{error.start}; declare its encoding (PEP 263) or save it as UTF-8", line))
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text)


def looks_like_python2(data: bytes) -> bool:
    return any(pattern.search(data) for pattern in _PYTHON2_HINTS)


def syntax_hint(message: str, text: str) -> str:
    """What a syntax error most likely is, when the text says more than Python's message."""
    if "U+00A0" in message:
        return (" (a non-breaking space, as text copied from a web page or a PDF carries: replace it with a plain "
                "space)")
    if "print" in message or looks_like_python2(text.encode("utf-8", "replace")):
        return " (this looks like Python 2 code, which trainlint does not analyse)"
    return ""
