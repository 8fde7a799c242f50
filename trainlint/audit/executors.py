"""Running :func:`trainlint.audit.repos.lint_repository` once per repository: on this machine's cores (``local``) or on
a Ray cluster (``ray``).

Both executors keep a bounded number of repositories in flight (a list of 100,000 never becomes 100,000 pending
tasks), give each a time limit, and retry a task that crashed or timed out once before recording the repository
as failed. They yield each repository's records as soon as it is done, in completion order.
"""

from __future__ import annotations

import multiprocessing
import re
import signal
import socket
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Iterable, Iterator

from trainlint.audit.repos import (DEFAULT_REPOSITORY_TIMEOUT_S, EXECUTORS, AuditOptions, RepositorySpec, failed_record,
                                   lint_repository)

MAX_ATTEMPTS = 2
# How long a task that was asked to stop may take to clean up (kill its git, delete its clone) before it is killed.
_STOP_GRACE_S = 5.0


class ExecutorUnavailable(Exception):
    """The executor cannot run here (Ray not installed, a cluster that cannot be joined); the message says why."""


@dataclass(frozen=True)
class _Attempt:
    spec: RepositorySpec
    number: int
    started: float


def run_repositories(specs: Iterable[RepositorySpec], options: AuditOptions, executor: str = "local",
                     workers: int = 1, max_in_flight: int | None = None,
                     timeout_s: float = DEFAULT_REPOSITORY_TIMEOUT_S, ray_address: str | None = None,
                     ) -> Iterator[list[dict]]:
    """Each repository's records (its findings, then its ``repository`` record) as it completes.

    ``workers`` is the number of local processes, or of CPUs for a Ray instance started here; joining a cluster
    (``ray_address``) uses the cluster's. ``max_in_flight`` bounds the repositories submitted and not yet done."""
    if executor == "local":
        return _run_local(specs, options, workers, timeout_s)
    if executor == "ray":
        return _run_ray(specs, options, workers, max_in_flight, timeout_s, ray_address)
    raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")


def _give_up_or_retry(attempt: _Attempt, reason: str, queue: deque) -> list[dict] | None:
    """The failed record when this was the last attempt; otherwise the repository goes back to the queue's front."""
    if attempt.number >= MAX_ATTEMPTS:
        return [failed_record(attempt.spec, reason, time.monotonic() - attempt.started, attempts=attempt.number)]
    queue.appendleft((attempt.spec, attempt.number + 1))
    return None


# --- local: one process per repository ---------------------------------------------------------------------------
# A fresh process per repository (forked, so nothing is imported again) can be killed on a timeout without losing
# other repositories' work, tells which repository crashed it, and gives back whatever one large repository made
# the analyser allocate.

def _local_context():
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin" else "spawn"
    return multiprocessing.get_context(method)


def _stop_on_sigterm(*_: Any) -> None:
    raise SystemExit(128 + signal.SIGTERM)  # unwinds, so that git is killed and the clone deleted


def _local_task(connection: Connection, spec: RepositorySpec, options: AuditOptions) -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    connection.send(lint_repository(spec, options))
    connection.close()


@dataclass
class _LocalTask:
    attempt: _Attempt
    process: Any
    deadline: float


def _next_attempt(queue: deque[tuple[RepositorySpec, int]],
                  pending: Iterator[RepositorySpec]) -> tuple[RepositorySpec, int] | None:
    """The next repository to start and its attempt number: a retry waiting in ``queue`` first, else a new one."""
    if queue:
        return queue.popleft()
    spec = next(pending, None)
    return None if spec is None else (spec, 1)


def _run_local(specs: Iterable[RepositorySpec], options: AuditOptions, workers: int,
               timeout_s: float) -> Iterator[list[dict]]:
    context = _local_context()
    pending = iter(specs)
    queue: deque[tuple[RepositorySpec, int]] = deque()
    running: dict[Connection, _LocalTask] = {}
    try:
        while True:
            while len(running) < workers:
                attempt = _next_attempt(queue, pending)
                if attempt is None:
                    break
                spec, number = attempt
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_local_task, args=(writer, spec, options),
                                          name=f"trainlint {spec.source}")
                process.start()
                writer.close()
                now = time.monotonic()
                running[reader] = _LocalTask(_Attempt(spec, number, now), process, now + timeout_s)
            if not running:
                return
            soonest = min(task.deadline for task in running.values())
            for reader in wait(list(running), timeout=max(0.0, soonest - time.monotonic())):
                task = running.pop(reader)
                try:
                    records = reader.recv()
                except (EOFError, OSError):
                    records = None
                reader.close()
                task.process.join()
                if records is None:
                    records = _give_up_or_retry(task.attempt, _death(task.process.exitcode), queue)
                if records is not None:
                    yield records
            now = time.monotonic()
            for reader, task in list(running.items()):
                if now >= task.deadline:
                    del running[reader]
                    _stop(task.process)
                    reader.close()
                    records = _give_up_or_retry(task.attempt, f"timed out after {timeout_s:g} s", queue)
                    if records is not None:
                        yield records
    finally:
        for task in running.values():
            _stop(task.process)


def _death(exit_code: int | None) -> str:
    if exit_code is not None and exit_code < 0:
        try:
            return f"the worker process was killed by {signal.Signals(-exit_code).name}"
        except ValueError:
            pass
    return f"the worker process died (exit status {exit_code})"


def _stop(process) -> None:
    process.terminate()
    process.join(_STOP_GRACE_S)
    if process.is_alive():
        process.kill()
        process.join()


# --- Ray: one task per repository ---------------------------------------------------------------------------------

def _connect_ray(address: str | None, cpus: int):
    """Ray, initialised: the running instance if this process has one, the cluster at ``address``, or a new local
    instance with ``cpus`` CPUs. The second value says whether it was started here (and must be shut down)."""
    try:
        import ray
    except ImportError:
        raise ExecutorUnavailable("the ray executor needs Ray: pip install 'trainlint[ray]'") from None
    if ray.is_initialized():
        return ray, False
    if address:
        _check_reachable(address)
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ExecutorUnavailable(f"cannot start or join Ray{f' at {address}' if address else ''}: {error}") from None
    return ray, True


class _OutOfTime(BaseException):
    """Raised in a Ray task by its own timer; a BaseException, so that nothing on the way swallows it."""


def _raise_out_of_time(*_: Any) -> None:
    raise _OutOfTime


def _lint_repository_in_time(spec: RepositorySpec, options: AuditOptions, timeout_s: float) -> list[dict] | None:
    """:func:`lint_repository` with a limit counted from when the task starts (a task may wait in Ray's queue for
    long); None when time ran out. Unwinding kills git and deletes the clone."""
    try:
        previous = signal.signal(signal.SIGALRM, _raise_out_of_time)
    except (AttributeError, ValueError):  # no SIGALRM, or not the main thread: the driver's deadline still holds
        return lint_repository(spec, options)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        return lint_repository(spec, options)
    except _OutOfTime:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_HOST_PORT = re.compile(r"^(?:ray://)?\[?(?P<host>[^\[\]/]+?)\]?:(?P<port>\d+)$")
_CONNECT_TIMEOUT_S = 10


def _check_reachable(address: str) -> None:
    """Fail at once on a ``host:port`` nobody listens on: Ray itself keeps retrying for minutes."""
    match = _HOST_PORT.match(address)
    if match is None:
        return  # "auto" and the like: Ray's to interpret
    try:
        socket.create_connection((match["host"], int(match["port"])), timeout=_CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise ExecutorUnavailable(f"cannot reach Ray at {address}: {error.strerror or error}") from None


@dataclass
class _RayTask:
    attempt: _Attempt
    deadline: float
    cancelled: bool = False


def _run_ray(specs: Iterable[RepositorySpec], options: AuditOptions, workers: int, max_in_flight: int | None,
             timeout_s: float, address: str | None) -> Iterator[list[dict]]:
    ray, started_here = _connect_ray(address, workers)
    # Retries are ours (max_retries=0): a second failure must become a record, not an exception.
    remote = ray.remote(num_cpus=1, max_retries=0)(_lint_repository_in_time)
    options_ref = ray.put(options)
    limit = max_in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", workers)))
    # Tasks time themselves from their start. The driver's deadline, counted from submission, only catches a task
    # whose timer could not fire (stuck in native code, a lost worker); it allows for a wait in the queue.
    backstop_s = 2 * timeout_s + 60
    timed_out = f"timed out after {timeout_s:g} s"
    pending = iter(specs)
    queue: deque[tuple[RepositorySpec, int]] = deque()
    running: dict[Any, _RayTask] = {}
    try:
        while True:
            while len(running) < limit:
                attempt = _next_attempt(queue, pending)
                if attempt is None:
                    break
                spec, number = attempt
                now = time.monotonic()
                reference = remote.remote(spec, options_ref, timeout_s)
                running[reference] = _RayTask(_Attempt(spec, number, now), now + backstop_s)
            if not running:
                return
            soonest = min(task.deadline for task in running.values())
            done, _ = ray.wait(list(running), num_returns=1, timeout=max(0.0, soonest - time.monotonic()))
            for reference in done:
                task = running.pop(reference)
                try:
                    records = ray.get(reference)
                    if records is None:
                        records = _give_up_or_retry(task.attempt, timed_out, queue)
                except ray.exceptions.TaskCancelledError:
                    records = _give_up_or_retry(task.attempt, timed_out, queue)
                except ray.exceptions.RayError as error:
                    records = _give_up_or_retry(task.attempt, _ray_reason(error), queue)
                if records is not None:
                    yield records
            now = time.monotonic()
            for reference, task in list(running.items()):
                if now >= task.deadline and not task.cancelled:
                    # A polite cancel first (KeyboardInterrupt in the task: git is killed, the clone deleted).
                    ray.cancel(reference, force=False)
                    task.cancelled = True
                    task.deadline = now + _STOP_GRACE_S
                elif now >= task.deadline:
                    ray.cancel(reference, force=True)
                    del running[reference]
                    records = _give_up_or_retry(task.attempt, timed_out, queue)
                    if records is not None:
                        yield records
    finally:
        for reference in running:
            ray.cancel(reference, force=True)
        if started_here:
            ray.shutdown()


def _ray_reason(error: Exception) -> str:
    name = type(error).__name__
    if "WorkerCrashed" in name or "ActorDied" in name or "NodeDied" in name:
        return "the Ray worker died"
    first = str(error).strip().splitlines()
    return f"Ray task failed: {name}" + (f": {first[-1]}" if first else "")
