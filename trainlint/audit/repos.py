"""Auditing whole repositories: the ``--repos`` list, shallow clones, and the pure function that lints one
repository and returns its JSON Lines records.

:func:`lint_repository` never raises for a repository it cannot use: a clone that fails, times out or grows past
the size limit, or a path that is not a folder, becomes one ``repository`` record with ``status: failed`` and
the reason. Executors (:mod:`trainlint.audit.executors`) run it once per repository, locally or on Ray.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from trainlint.audit.batch import lint_sources
from trainlint.audit.cache import Cache
from trainlint.audit.progress import Progress
from trainlint.audit.stats import Stats
from trainlint.findings import Finding
from trainlint.settings import Settings
from trainlint.sources.files import SourceFile, discover_files

RECORD_FINDING = "finding"
RECORD_REPOSITORY = "repository"
STATUS_COMPLETE = "complete"
STATUS_FAILED = "failed"

DEFAULT_CLONE_TIMEOUT_S = 300
DEFAULT_REPOSITORY_TIMEOUT_S = 900
EXECUTORS = ("local", "ray")
DEFAULT_MAX_REPO_BYTES = 500 * 1_000_000
_SIZE_POLL_S = 0.25

# Never ask a person for anything: a private or vanished repository fails at once instead of waiting for a password.
_GIT_ENVIRONMENT = {
    "GIT_TERMINAL_PROMPT": "0",
    "GCM_INTERACTIVE": "never",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
    "GIT_LFS_SKIP_SMUDGE": "1",
}
# Set by git for its hooks (trainlint may run in one); they would point our git at the wrong repository.
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                         "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_PREFIX")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:")


class RepositoryError(Exception):
    """A repository that cannot be cloned or read; the message is the reason recorded."""


@dataclass(frozen=True)
class RepositorySpec:
    """One line of the ``--repos`` list: a git URL (with an optional ref) to clone, or a local folder."""

    source: str
    """The line as given: the repository's identity in the records and for ``--resume``."""
    url: str | None = None
    ref: str | None = None
    path: str | None = None
    """For a local folder: its absolute path."""

    @property
    def is_remote(self) -> bool:
        return self.url is not None


@dataclass(frozen=True)
class AuditOptions:
    """Everything a worker needs to lint one repository; plain data, so that it pickles to any executor."""

    settings: Settings = Settings()
    clone_dir: str | None = None
    """None: a folder in the temporary folder of the machine that clones."""
    keep_clones: bool = False
    """Keep each clone (and reuse it next time) instead of deleting it once linted."""
    clone_timeout_s: float = DEFAULT_CLONE_TIMEOUT_S
    max_repo_bytes: int = DEFAULT_MAX_REPO_BYTES
    cache_dir: str | None = None
    respect_gitignore: bool = True


def parse_repository(line: str, base: Path) -> RepositorySpec | None:
    """The spec of one list line; None for a blank line or a ``#`` comment. Relative paths are relative to
    ``base`` (the list file's folder), so that a list means the same from any working directory."""
    source = line.strip()
    if not source or source.startswith("#"):
        return None
    if _SCHEME.match(source) or _SCP_LIKE.match(source):
        url, ref = split_ref(source)
        return RepositorySpec(source, url=url, ref=ref)
    return RepositorySpec(source, path=str((base / Path(source).expanduser()).resolve()))


def split_ref(source: str) -> tuple[str, str | None]:
    """``URL@ref`` into the URL and the ref. Only an ``@`` after the host counts: ``git@host:`` and
    ``https://user@host/`` name a user, not a ref."""
    if _SCHEME.match(source):
        after_scheme = source.index("://") + 3
        host_end = source.find("/", after_scheme)
        start = len(source) if host_end < 0 else host_end
    else:
        start = source.index(":")
    at = source.rfind("@", start)
    if at < 0 or at == len(source) - 1:
        return source, None
    return source[:at], source[at + 1:]


def read_repository_list(list_file: str | Path) -> list[RepositorySpec]:
    """The specs of a list file in order, each repository once."""
    path = Path(list_file)
    specs: dict[str, RepositorySpec] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        spec = parse_repository(line, path.resolve().parent)
        if spec is not None and spec.source not in specs:
            specs[spec.source] = spec
    return list(specs.values())


def lint_repository(spec: RepositorySpec, options: AuditOptions) -> list[dict]:
    """The records of one repository: one per finding, then its ``repository`` summary record (always last).

    Pure in the sense executors need: everything comes from the arguments, everything goes out in the return value,
    and running it twice gives the same records (but for ``seconds``)."""
    started = time.monotonic()
    clone: Path | None = None
    try:
        if spec.is_remote:
            clone = clone_repository(spec, options)
            root = clone
        else:
            root = Path(spec.path)
            if not root.is_dir():
                raise RepositoryError(f"not a folder: {spec.path}")
        records = _lint_checkout(spec, root, options)
        records[-1]["seconds"] = round(time.monotonic() - started, 3)
        return records
    except RepositoryError as error:
        return [failed_record(spec, str(error), time.monotonic() - started)]
    except Exception as error:  # a bug of ours on one repository must not end a long audit
        return [failed_record(spec, f"internal error: {type(error).__name__}: {error}", time.monotonic() - started)]
    finally:
        if clone is not None and not options.keep_clones:
            shutil.rmtree(clone, ignore_errors=True)


def failed_record(spec: RepositorySpec, reason: str, seconds: float = 0.0, attempts: int | None = None) -> dict:
    record = {"type": RECORD_REPOSITORY, "repository": spec.source, "url": spec.url, "ref": spec.ref,
              "status": STATUS_FAILED, "reason": reason, "seconds": round(seconds, 3)}
    if attempts is not None:
        record["attempts"] = attempts
    return record


def _lint_checkout(spec: RepositorySpec, root: Path, options: AuditOptions) -> list[dict]:
    settings = options.settings
    sources = [
        SourceFile(Path(source.display).relative_to(root).as_posix(), source.path, spec.source)
        for source in discover_files([str(root)], settings, respect_gitignore=options.respect_gitignore)
    ]
    cache = Cache.open(options.cache_dir) if options.cache_dir is not None else None
    # One process per repository: executors parallelise across repositories, not within one. Imports are
    # followed within the repository.
    results = lint_sources(sources, settings, jobs=1, cache=cache, progress=Progress(0, None), roots=(root,))
    findings = sorted(dict.fromkeys(f for r in results for f in r.findings if settings.enabled_in(f.code, f.filename)),
                      key=lambda f: f.sort_key)
    stats = Stats()
    for result in results:
        stats.add(result.stats)
    texts = {r.filename: r.text.split("\n") for r in results if r.text is not None}
    records: list[dict] = [{"type": RECORD_FINDING, "repository": spec.source, **f.to_dict(),
                            **_source_around(f, texts.get(f.filename))} for f in findings]
    records.append({
        "type": RECORD_REPOSITORY, "repository": spec.source, "url": spec.url, "ref": spec.ref,
        "commit": _head_commit(root), "status": STATUS_COMPLETE, "keras_version": settings.keras_version,
        "files": len(results), "notebooks": sum(r.notebook for r in results),
        "skipped_notebooks": sum(bool(r.notebook and r.notes) for r in results),
        "parsed": stats.parsed, "cached": sum(r.cached for r in results), "models": stats.models,
        "compile_calls": stats.compile_calls, "resolved_compile_calls": stats.resolved_compile_calls,
        "loss_calls": stats.loss_calls, "bound_loss_calls": stats.bound_loss_calls,
        "compile_calls_with_loss": stats.compile_calls_with_loss, "runtime_width": stats.runtime_width,
        "unresolved": dict(sorted(stats.unresolved.items())),
        "unbound_loss_calls": dict(sorted(stats.unbound.items())), "stopped_early": stats.stopped_early,
        "findings": len(findings), "findings_by_kind": dict(sorted(Counter(f.kind for f in findings).items())),
    })
    return records


SOURCE_CONTEXT = 2


def _source_around(finding: Finding, lines: list[str] | None) -> dict:
    """The reported line and those around it, for the HTML report (the clone is gone by the time it is written)."""
    if not lines or not 1 <= finding.line <= len(lines):
        return {}
    first = max(1, finding.line - SOURCE_CONTEXT)
    return {"source": {"first_line": first,
                       "lines": lines[first - 1:min(len(lines), finding.line + SOURCE_CONTEXT)]}}


def clone_directory(spec: RepositorySpec, options: AuditOptions) -> Path:
    """Where ``spec`` is cloned: a readable name and a digest of URL and ref, so that names never collide."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", spec.url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))[:60]
    digest = hashlib.sha256(f"{spec.url}@{spec.ref or ''}".encode()).hexdigest()[:16]
    folder = Path(options.clone_dir) if options.clone_dir else Path(tempfile.gettempdir()) / "trainlint-clones"
    return folder.resolve() / f"{name or 'repository'}-{digest}"


def clone_repository(spec: RepositorySpec, options: AuditOptions) -> Path:
    """A shallow clone of ``spec`` (its default branch, or ``ref``: a branch, a tag or a commit), without
    submodules, within the time and size limits; a kept clone from an earlier run is reused."""
    target = clone_directory(spec, options)
    if options.keep_clones and (target / ".git").is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Clone beside the target and rename when done: an interrupted clone never passes for a finished one.
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        deadline = time.monotonic() + options.clone_timeout_s
        if spec.ref is None:
            _git(["clone", "--quiet", "--depth", "1", "--single-branch", "--no-recurse-submodules", "--",
                  spec.url, str(staging)], None, staging, deadline, options.max_repo_bytes)
        else:
            # fetch by name works for branches, tags and (on servers that allow it) commits; clone --branch
            # takes no commits.
            _git(["init", "--quiet", str(staging)], None, staging, deadline, options.max_repo_bytes)
            _git(["fetch", "--quiet", "--depth", "1", "--no-recurse-submodules", "--", spec.url, spec.ref],
                 staging, staging, deadline, options.max_repo_bytes)
            _git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], staging, staging, deadline, options.max_repo_bytes)
        remove_links_out_of(staging)
        if target.exists():  # left by a run that was killed while linting it
            shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_links_out_of(root: Path) -> None:
    """Delete the symbolic links in a fresh clone that lead outside it: an audited repository must not make
    trainlint walk or read this machine's files (``data -> /``, ``train.py -> ~/.ssh/config``)."""
    resolved_root = root.resolve()
    for directory, folders, files in os.walk(root):
        for name in (*folders, *files):
            path = Path(directory, name)
            if path.is_symlink():
                target = path.resolve()
                if target != resolved_root and resolved_root not in target.parents:
                    path.unlink()


def _git(arguments: list[str], cwd: Path | None, watched: Path, deadline: float, max_bytes: int) -> None:
    """Run git without a terminal; kill it (and the helpers it started) past the deadline or when ``watched``
    grows past ``max_bytes``."""
    command = ["git", "-c", "core.askPass=", "-c", "advice.detachedHead=false", *arguments]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors, env=_git_environment(), start_new_session=True)
        try:
            while True:
                try:
                    process.wait(timeout=max(0.0, min(_SIZE_POLL_S, deadline - time.monotonic())))
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() >= deadline:
                    raise RepositoryError("clone timed out")
                size = folder_bytes(watched)
                if size > max_bytes:
                    raise RepositoryError(f"repository is over the size limit of {max_bytes / 1e6:.0f} MB")
        finally:
            if process.poll() is None:
                _kill_group(process)
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
            # git's first error line says what went wrong; the later ones say what it could therefore not do.
            reason = next((line for line in message if line.startswith(("fatal:", "error:"))),
                          message[-1] if message else f"exit status {process.returncode}")
            raise RepositoryError(f"git {arguments[0]} failed: {reason}")
    size = folder_bytes(watched)
    if size > max_bytes:
        raise RepositoryError(f"repository is over the size limit of {max_bytes / 1e6:.0f} MB")


def _git_environment() -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in _REPOSITORY_VARIABLES}
    return {**environment, **_GIT_ENVIRONMENT}


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def folder_bytes(folder: Path) -> int:
    """Bytes on disk under ``folder`` (symlinks not followed); files that vanish while counted count nothing."""
    total = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total


def _head_commit(root: Path) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30,
                                stdin=subprocess.DEVNULL, env=_git_environment())
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None
