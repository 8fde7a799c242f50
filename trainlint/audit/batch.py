"""Linting many files: a process pool, the on-disk cache, progress; results in discovery order whatever the job count.

A worker that dies (the native parser can crash the interpreter, not only raise) costs the files it held one retry
each in a fresh single worker; the file that kills that worker too gets an internal-error diagnostic, and the run
goes on.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

from trainlint.audit.cache import Cache
from trainlint.audit.progress import Progress
from trainlint.findings import INTERNAL_ERROR, UNUSED_NOQA, file_diagnostic
from trainlint.settings import Settings
from trainlint.sources.files import (FileResult, SourceFile, lint_bytes, may_train_through_imports_in_bytes,
                                     might_have_findings_in_bytes, read_source)
from trainlint.sources.versions import keras_evidence_beside

# Below this many files a pool costs more to start than it saves.
MIN_FILES_FOR_POOL = 8


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


_PROJECTS: dict[tuple[Path, ...], object] = {}


def forget_projects() -> None:
    """Drop this process's projects (after files were rewritten, their modules are parsed again)."""
    _PROJECTS.clear()


def _project(roots: tuple[Path, ...]):
    """This process's project over ``roots``: each worker parses a shared module once, not once per file."""
    if roots not in _PROJECTS:
        from trainlint.analysis.project import Project

        _PROJECTS[roots] = Project(roots)
    return _PROJECTS[roots]


def lint_one(source: SourceFile, settings: Settings, cache: Cache | None, roots: tuple[Path, ...] = ()) -> FileResult:
    try:
        return _lint_one(source, settings, cache, roots)
    except Exception as error:  # a bug of ours on one file (outside the rules, which guard themselves)
        return _internal_error(source, f"internal error: {type(error).__name__}: {error}")


def _internal_error(source: SourceFile, message: str) -> FileResult:
    return FileResult(source.display, [file_diagnostic(source.display, message, code=INTERNAL_ERROR)],
                      notebook=source.is_notebook, group=source.group)


def _lint_one(source: SourceFile, settings: Settings, cache: Cache | None, roots: tuple[Path, ...]) -> FileResult:
    data = read_source(source, settings)
    if isinstance(data, FileResult):
        return data
    if not might_have_findings_in_bytes(data):
        # Not cached by content: what the pre-filter rules out costs less than hashing it (the stat index in
        # lint_sources skips reading it next time), and a file read only for its imports (a compile call, no
        # Keras; a PyTorch model and no loss) depends on modules that the cache key does not cover.
        if source.path is None or not may_train_through_imports_in_bytes(data):
            result = lint_bytes(source, data, settings)
            result.plain = not result.findings and not result.notes
            return result
        return lint_bytes(source, data, settings, project=_project(roots))
    if cache is None or source.path is None:
        return lint_bytes(source, data, settings, project=_project(roots) if source.path is not None else None)
    # What the inferred Keras version rests on beyond the file: the pins near it and its folder's scripts.
    key = cache.key(source.display, data, (settings, roots, keras_evidence_beside(settings.keras_version,
                                                                                    str(source.path))))
    cached = cache.load(key)
    if cached is not None:
        return replace(cached, group=source.group)
    result = lint_bytes(source, data, settings, project=_project(roots))
    cache.store(key, result)
    return result


def _lint_chunk(sources: Sequence[SourceFile], settings: Settings, cache: Cache | None,
                roots: tuple[Path, ...]) -> list[FileResult]:
    return [lint_one(source, settings, cache, roots) for source in sources]


def lint_sources(sources: Sequence[SourceFile], settings: Settings, jobs: int = 1, cache: Cache | None = None,
                 progress: Progress | None = None, roots: tuple[Path, ...] = ()) -> list[FileResult]:
    """Lint ``sources``; imports into the modules under ``roots`` (the folders of the run) are followed."""
    progress = progress or Progress(len(sources), sys.stderr)
    # The index is of files without findings when TL901 (which reads their # noqa comments) was off: with it
    # selected, every file is read again.
    known, stamps = _unchanged_plain_files(sources, cache)
    if settings.enabled(UNUSED_NOQA):
        known = set()
    results: list[FileResult | None] = [None] * len(sources)
    for index in known:
        source = sources[index]
        results[index] = FileResult(source.display, [], notebook=source.is_notebook, cached=True, group=source.group,
                                    plain=True)
    todo = [index for index in range(len(sources)) if results[index] is None]
    progress.advance(len(known))
    try:
        if jobs <= 1 or len(todo) < MIN_FILES_FOR_POOL:
            for index in todo:
                results[index] = lint_one(sources[index], settings, cache, roots)
                progress.advance()
        else:
            for index, result in zip(todo, _lint_in_pool([sources[i] for i in todo], settings, jobs, cache,
                                                          progress, roots)):
                results[index] = result
    finally:
        progress.close()
    if cache is not None:
        cache.remember_plain_files({sources[i].display: stamps[i] for i in range(len(sources))
                                    if results[i].plain and i in stamps})
    return results  # type: ignore[return-value]


def _unchanged_plain_files(sources: Sequence[SourceFile], cache: Cache | None) -> tuple[set[int], dict[int, list]]:
    """The files ruled out last time and unchanged since (same mtime and size), and every file's stat."""
    if cache is None:
        return set(), {}
    index = cache.plain_files()
    known: set[int] = set()
    stamps: dict[int, list] = {}
    for position, source in enumerate(sources):
        if source.path is None:
            continue
        try:
            stat = source.path.stat()
        except OSError:
            continue
        stamps[position] = [stat.st_mtime_ns, stat.st_size]
        if index.get(source.display) == stamps[position]:
            known.add(position)
    return known, stamps


def _pool(jobs: int):
    # Imported here: a one-process or cached run never needs the pool (nor asyncio, which it pulls in).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork starts a worker in milliseconds, where spawn starts an interpreter and imports trainlint again.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin" else None
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def _chunks(indices: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start:start + size]


def _lint_in_pool(sources: Sequence[SourceFile], settings: Settings, jobs: int, cache: Cache | None,
                  progress: Progress, roots: tuple[Path, ...]) -> list[FileResult]:
    results: list[FileResult | None] = [None] * len(sources)
    # Small chunks keep the workers evenly loaded; a few per worker keep the messaging cheap.
    size = max(1, min(64, len(sources) // (jobs * 8)))
    stdin = [i for i, source in enumerate(sources) if source.path is None]
    for index in stdin:
        results[index] = lint_one(sources[index], settings, cache, roots)
        progress.advance()
    pending = [i for i in range(len(sources)) if sources[i].path is not None]
    crashed: list[int] = []
    with _pool(jobs) as pool:
        futures = [(chunk, pool.submit(_lint_chunk, [sources[i] for i in chunk], settings, cache, roots))
                   for chunk in _chunks(pending, size)]
        for chunk, future in futures:
            try:
                for index, result in zip(chunk, future.result()):
                    results[index] = result
            except Exception:  # the pool broke (a worker died), or a result could not be sent back
                crashed.extend(chunk)
            progress.advance(len(chunk))
    for index in crashed:
        results[index] = _lint_alone(sources[index], settings, cache, roots)
    return results  # type: ignore[return-value]


def _lint_alone(source: SourceFile, settings: Settings, cache: Cache | None, roots: tuple[Path, ...]) -> FileResult:
    from concurrent.futures.process import BrokenProcessPool

    try:
        with _pool(1) as pool:
            return pool.submit(lint_one, source, settings, cache, roots).result()
    except BrokenProcessPool:
        return _internal_error(
            source, "internal error: the analyser crashed on this file (its worker process died); not analysed")
    except Exception as error:
        return _internal_error(source, f"internal error: {type(error).__name__}: {error}")
