"""What trainlint reports: findings with resolved positions, in the shape of the output contract (DESIGN.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Related:
    filename: str
    line: int
    column: int
    message: str
    cell: int | None = None
    cell_line: int | None = None


@dataclass(frozen=True)
class Confirmation:
    """The dynamic mode's verdict on a finding."""

    status: str  # confirmed | refuted | inconclusive
    evidence: str
    device: str


@dataclass(frozen=True)
class Finding:
    code: str
    kind: str
    severity: str
    message: str
    filename: str
    line: int
    column: int
    end_line: int
    end_column: int
    related: tuple[Related, ...] = ()
    scenario: str | None = None
    confirmation: Confirmation | None = None
    name: str = field(default="", compare=False)
    cell: int | None = None
    """For a notebook: the cell (1-based over all cells); ``line`` counts lines of the joined code cells."""
    cell_line: int | None = None
    """For a notebook: the line within ``cell``."""

    def to_dict(self) -> dict:
        data = _without_cell_if_none(asdict(self))
        data["related"] = [_without_cell_if_none(asdict(r)) for r in self.related]
        return data

    @property
    def sort_key(self):
        return (self.filename, self.line, self.column, self.code, self.message)


def _without_cell_if_none(data: dict) -> dict:
    if data.get("cell") is None:
        data.pop("cell", None)
        data.pop("cell_line", None)
    return data


PARSE_ERROR = "TL001"
INTERNAL_ERROR = "TL002"
PARSE_ERROR_KIND = "parse-error"
INTERNAL_ERROR_KIND = "internal-error"


def file_diagnostic(filename: str, message: str, line: int = 1, column: int = 1,
                    code: str = PARSE_ERROR) -> Finding:
    """One diagnostic for a file that could not be read, decoded or parsed (never fatal to the run)."""
    kind = PARSE_ERROR_KIND if code == PARSE_ERROR else INTERNAL_ERROR_KIND
    name = "parse-error" if code == PARSE_ERROR else "internal-error"
    return Finding(code, kind, "error", message, filename, line, column, line, column, name=name)
