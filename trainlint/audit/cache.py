"""Per-file results cached on disk, keyed by the file's content, its name, trainlint's code and the settings.

A second run over an unchanged tree reads each file and hashes it, but parses nothing. Entries are small JSON
files written atomically, so concurrent workers and concurrent runs never see half an entry; a damaged or
unreadable entry is a miss, never an error.

Each trainlint build (its version and the state of its modules) keeps its entries in its own folder, as ruff keeps
one per version. Unlike ruff, the folders of other builds are removed once they have gone unused for
:data:`STALE_AFTER_SECONDS` (an edited checkout is a new build at every edit): two builds used in turn (a
pre-commit environment and a development checkout) keep their entries, and a run of another build in progress
loses at most cache hits, never its results.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import trainlint
from trainlint.audit.stats import Stats
from trainlint.findings import Finding
from trainlint.sources.files import FileResult

DEFAULT_CACHE_DIR = ".trainlint_cache"
STALE_AFTER_SECONDS = 24 * 3600
_BUILD_FOLDER = re.compile(r"[0-9a-f]{16}")
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This folder is trainlint's cache; see https://bford.info/cachedir/\n"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """trainlint's version and the size and time of each of its modules: an edited checkout never reads stale entries."""
    digest = hashlib.sha256(trainlint.__version__.encode())
    package = Path(trainlint.__file__).parent
    for module in sorted(package.rglob("*.py")):
        stat = module.stat()
        digest.update(f"{module.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Cache:
    folder: Path
    """The folder of this trainlint build; other builds' entries live beside it."""

    @classmethod
    def open(cls, root: str | os.PathLike) -> Cache | None:
        """The cache under ``root``, created on first use; None (no caching) when it cannot be created."""
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "*\n")):
                if not (root / name).exists():
                    (root / name).write_text(text)
            folder = root / code_fingerprint()
            folder.mkdir(exist_ok=True)
            os.utime(folder)  # the folder's time says when this build last used it
        except OSError:
            return None
        remove_stale_builds(root, keep=folder.name)
        return cls(folder)

    @staticmethod
    def key(display: str, data: bytes, settings: object) -> str:
        digest = hashlib.sha256(repr((display, settings)).encode())
        digest.update(data)
        return digest.hexdigest()

    # --- files the pre-filter rules out, known by their stat (as ruff does): not even read again ----------

    @property
    def _plain_index(self) -> Path:
        return self.folder / "plain-files.json"

    def plain_files(self) -> dict[str, list[int]]:
        """``{path: [mtime_ns, size]}`` of the files that, when last read, could hold no finding."""
        try:
            index = json.loads(self._plain_index.read_text(encoding="utf-8"))
            return index if isinstance(index, dict) else {}
        except (OSError, ValueError):
            return {}

    def remember_plain_files(self, index: dict[str, list[int]]) -> None:
        try:
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(index, out)
            os.replace(temporary, self._plain_index)
        except OSError:
            pass

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def load(self, key: str) -> FileResult | None:
        """The stored result, unless it is damaged or a project module it read has changed since."""
        try:
            data = json.loads(self._entry(key).read_text(encoding="utf-8"))
            if any(_digest(path) != digest for path, digest in data["imported"].items()):
                return None
            return _result_from_dict(data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def store(self, key: str, result: FileResult) -> None:
        entry = self._entry(key)
        try:
            entry.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({**_result_to_dict(result),
                           "imported": {path: _digest(path) for path in result.imported}}, out)
            os.replace(temporary, entry)
        except OSError:
            pass  # a cache that cannot be written only costs time


def remove_stale_builds(root: Path, keep: str, now: float | None = None) -> list[str]:
    """Remove the folders of other trainlint builds unused for :data:`STALE_AFTER_SECONDS`; their names."""
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = [entry for entry in os.scandir(root) if entry.is_dir(follow_symlinks=False)
                      and entry.name != keep and _BUILD_FOLDER.fullmatch(entry.name)]
    except OSError:
        return removed
    for entry in candidates:
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _result_to_dict(result: FileResult) -> dict:
    return {
        "filename": result.filename, "notes": list(result.notes), "notebook": result.notebook,
        "group": result.group, "stats": asdict(result.stats), "text": result.text, "keras": result.keras,
        "used_noqa": [list(use) for use in result.used_noqa],
        "findings": [finding.to_dict() for finding in result.findings],
    }


def _result_from_dict(data: dict) -> FileResult:
    findings = [Finding.from_dict(item) for item in data["findings"]]
    stats = Stats(**data["stats"])
    stats.parsed = 0  # counts parses done by this run
    return FileResult(data["filename"], findings, stats, tuple(data["notes"]), data["notebook"], cached=True,
                      group=data["group"], text=data["text"], imported=tuple(data["imported"]),
                      used_noqa=tuple(tuple(use) for use in data.get("used_noqa", ())), keras=data.get("keras"))
