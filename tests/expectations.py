"""bugbear-style fixtures: a line marked ``# expect: TL102`` must be reported with that code, and only those."""

from __future__ import annotations

import re
from pathlib import Path

EXPECT = re.compile(r"expect:\s*((?:TL[0-9]+[,\s]*)+)")


def expected_reports(path: Path) -> set[tuple[int, str]]:
    """``(line, code)`` for every code a fixture's comments promise."""
    expected = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            expected |= {(number, code) for code in re.findall(r"TL[0-9]+", match.group(1))}
    return expected
