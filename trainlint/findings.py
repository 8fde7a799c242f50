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


SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to (end_line, end_column) (1-based, end exclusive, columns in
    characters) of ``filename`` by ``content``. In a notebook, lines count its joined code cells, as a finding's."""

    filename: str
    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    cell: int | None = None
    cell_line: int | None = None


@dataclass(frozen=True)
class Fix:
    """What a finding's fix does (ruff's model): ``safe`` keeps what the code evidently meant and ``--fix``
    applies it; ``unsafe`` changes the model and needs ``--unsafe-fixes``."""

    applicability: str  # safe | unsafe
    message: str
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict:
        return {"applicability": self.applicability, "message": self.message,
                "edits": [_without_cell_if_none(asdict(edit)) for edit in self.edits]}

    @classmethod
    def from_dict(cls, data: dict) -> Fix:
        return cls(data["applicability"], data["message"], tuple(Edit(**edit) for edit in data["edits"]))


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
    fix: Fix | None = field(default=None, compare=False)
    """The edits that fix it, when the code settles what they must be (``fix`` in the JSON output)."""
    keras: str | None = None
    """For a version-dependent finding: the Keras it was judged under and the evidence for it."""

    def to_dict(self) -> dict:
        data = _without_cell_if_none(asdict(self))
        if data.get("keras") is None:
            data.pop("keras", None)
        data["related"] = [_without_cell_if_none(asdict(r)) for r in self.related]
        data["fix"] = self.fix.to_dict() if self.fix is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """The finding a ``to_dict()`` (or a cache entry) holds; keys it does not know are left out."""
        data = dict(data)
        related = tuple(Related(**item) for item in data.pop("related", ()))
        confirmation = data.pop("confirmation", None)
        fix = data.pop("fix", None)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known}, related=related,
                   confirmation=Confirmation(**confirmation) if confirmation else None,
                   fix=Fix.from_dict(fix) if fix else None)

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
UNUSED_NOQA = "TL901"
PARSE_ERROR_KIND = "parse-error"
INTERNAL_ERROR_KIND = "internal-error"
OPT_IN_PREFIXES = ("TL9",)
"""Families reported only when selected by a prefix at least this specific (``--extend-select TL9``): they
report on the comments around the code, not on training code."""


def file_diagnostic(filename: str, message: str, line: int = 1, column: int = 1,
                    code: str = PARSE_ERROR) -> Finding:
    """One diagnostic about a file rather than its training code: it could not be read, decoded or parsed
    (never fatal to the run), trainlint failed on it, or a ``# noqa`` in it silences nothing."""
    diagnostic = DIAGNOSTICS_BY_CODE[code]
    return Finding(code, diagnostic.kind, diagnostic.severity, message, filename, line, column, line, column,
                   name=diagnostic.name)


@dataclass(frozen=True)
class FileDiagnostic:
    """A code about a file rather than about training code (it cannot be read, or trainlint failed on it)."""

    code: str
    name: str
    kind: str
    summary: str
    what: str
    fix: str
    severity: str = "error"

    def documentation(self) -> str:
        return "\n".join([
            f"# {self.name} ({self.code})", "", f"Kind: `{self.kind}` · severity: `{self.severity}`", "",
            "## What it does", self.what, "", "## What to do", self.fix, "",
        ])


FILE_DIAGNOSTICS = (
    FileDiagnostic(
        PARSE_ERROR, "parse-error", PARSE_ERROR_KIND, "a file that cannot be read, decoded or parsed",
        "Reports a file that trainlint cannot read, decode (PEP 263), or parse as Python 3 — a syntax error, "
        "Python 2 code, NUL bytes, an oversized or broken file. The file is not analysed; the rest of the run "
        "goes on.",
        "Fix the syntax or encoding error the message names, or exclude the file."),
    FileDiagnostic(
        INTERNAL_ERROR, "internal-error", INTERNAL_ERROR_KIND, "trainlint itself failed on a file",
        "Reports a file on which trainlint (or one of its rules) failed. The rest of the run goes on.",
        "This is a bug in trainlint: please report it with the file that triggered it."),
    FileDiagnostic(
        UNUSED_NOQA, "unused-noqa", "unused-noqa", "a `# noqa` code that silences nothing (opt-in)",
        "Reports each `TL` code of a `# noqa: ...` comment (or a whole-file `# trainlint: noqa: ...`) that "
        "silences no finding, like ruff's RUF100, so that suppressions do not outlive the code they were written "
        "for. Only `TL` codes are judged (other tools' codes are theirs), a bare `# noqa` is never reported, and "
        "a code is not reported while one of the rules it names is turned off for the file. A `# noqa` that "
        "silences a finding reached from another file (a helper module) counts as used when that file is in the "
        "same run. Off by default: select it with `--extend-select TL901` (or `TL9`); `TL` alone does not.",
        "Remove the code from the comment (and the comment once it names nothing).", severity="warning"),
)
DIAGNOSTICS_BY_CODE = {diagnostic.code: diagnostic for diagnostic in FILE_DIAGNOSTICS}
