"""Run settings: which codes are reported and which Keras the code targets."""

from __future__ import annotations

from dataclasses import dataclass

from trainlint.knowledge import KERAS_VERSIONS

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    keras_version: str = "3"
    select: tuple[str, ...] = ("TL",)
    ignore: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def __post_init__(self) -> None:
        if self.keras_version not in KERAS_VERSIONS:
            raise ValueError(f"keras-version must be one of {', '.join(KERAS_VERSIONS)}, not {self.keras_version!r}")

    def enabled(self, code: str) -> bool:
        """Prefix matching as in ruff and flake8: the most specific matching prefix decides."""
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected > ignored
