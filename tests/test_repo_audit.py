"""Repository audits (``audit --repos``) with real git and a real local Ray instance: the same records from both
executors, failures recorded, resumption after a kill, time and size limits, refs, and the report rebuilt from
the records."""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import pty
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, drain_terminal, run_trainlint
from tests.git_repos import (CONSISTENT_BINARY, HELPER, LOGITS_AFTER_SOFTMAX, SOFTMAX_ONE_UNIT, git,
                             make_repository)
from trainlint.audit.executors import run_repositories
from trainlint.audit.repos import AuditOptions, RepositorySpec, parse_repository, read_repository_list
from trainlint.audit.results import prepare_resume, read_records

# What each repository of the audit holds, and the codes trainlint must report in it (nothing else).
REPOSITORIES = {
    "single-unit-softmax": ({"train.py": SOFTMAX_ONE_UNIT, "utils/batching.py": HELPER}, ["TL101"]),
    "logits-twice": ({"models/classifier.py": LOGITS_AFTER_SOFTMAX}, ["TL121"]),
    "clean": ({"train.py": CONSISTENT_BINARY, "util.py": HELPER}, []),
    "two-scripts": ({"a/train.py": SOFTMAX_ONE_UNIT, "b/train.py": LOGITS_AFTER_SOFTMAX}, ["TL101", "TL121"]),
    "no-keras": ({"main.py": HELPER, "README.md": "# not a training project\n"}, []),
}
# A clone of a repository whose name contains this waits in git's upload-pack hook (see _hanging_git_config).
HANGS = "hangs-on-clone"
# Per-run numbers that legitimately differ between two runs of the same audit.
VOLATILE = ("seconds", "attempts", "cached", "parsed")


@pytest.fixture(scope="module")
def audit_root(tmp_path_factory) -> Path:
    """Five git repositories of our scripts, a list of them as file:// URLs plus one that does not exist."""
    root = tmp_path_factory.mktemp("repositories")
    for name, (files, _) in REPOSITORIES.items():
        make_repository(root / "remote" / name, files)
    lines = ["# five repositories and one that cannot be cloned", *(_url(root, name) for name in REPOSITORIES),
             _url(root, "does-not-exist")]
    (root / "repos.txt").write_text("\n".join(lines) + "\n")
    return root


def _url(root: Path, name: str) -> str:
    return (root / "remote" / name).as_uri()


def _hanging_git_config(folder: Path, seconds: int, pid_file: Path | None = None, hangs: int = 1) -> Path:
    """A global git config whose pack-objects hook (which git honours only in global or system config) sleeps
    while serving any repository named ``*hangs-on-clone*``: a clone that hangs, made by real git. With
    ``pid_file``, only the first ``hangs`` clones hang, each writing its sleeping process's id to the file."""
    if pid_file is None:
        script = f'case "$PWD" in *{HANGS}*) sleep {seconds};; esac; exec "$@"'
    else:
        script = (f'case "$PWD" in *{HANGS}*) if [ $(cat {pid_file} 2>/dev/null | wc -l) -lt {hangs} ]; then '
                  f'echo $$ >> {pid_file}; exec sleep {seconds}; fi;; esac; exec "$@"')
    config = folder / "hanging.gitconfig"
    config.write_text("[uploadpack]\n\tpackObjectsHook = " + json.dumps(f"sh -c '{script}' hook") + "\n")
    return config


def _hanging_pids(pid_file: Path) -> list[int]:
    """The sleeping hooks so far (each line is complete once the next hook or the test reads it)."""
    return [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []


def _kill_hooks(pid_file: Path) -> None:
    """The hooks' sleeps: git runs in its own session, so a killed worker leaves them behind."""
    for pid in _hanging_pids(pid_file):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _summaries(records: list[dict]) -> dict[str, dict]:
    by_repository: dict[str, dict] = {}
    for record in records:
        if record["type"] == "repository":
            assert record["repository"] not in by_repository, f"{record['repository']} recorded twice"
            by_repository[record["repository"]] = record
    return by_repository


def _comparable(records: list[dict]) -> list[str]:
    """Records without the numbers that vary from run to run, in a stable order."""
    return sorted(json.dumps({k: v for k, v in r.items() if k not in VOLATILE}, sort_keys=True) for r in records)


def _audit(root: Path, output: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_trainlint("audit", "--repos", str(root / "repos.txt"), "--output", str(output),
                         "--cache-dir", str(output.parent / "cache"), *extra, env=env)


def _assert_expected_audit(root: Path, records: list[dict]) -> None:
    summaries = _summaries(records)
    assert set(summaries) == {_url(root, name) for name in [*REPOSITORIES, "does-not-exist"]}
    failed = summaries.pop(_url(root, "does-not-exist"))
    assert failed["status"] == "failed"
    assert "does not appear to be a git repository" in failed["reason"]
    for name, (files, expected_codes) in REPOSITORIES.items():
        summary = summaries[_url(root, name)]
        assert summary["status"] == "complete"
        assert summary["files"] == sum(path.endswith(".py") for path in files)
        assert len(summary["commit"]) == 40
        codes = sorted(r["code"] for r in records if r["type"] == "finding" and r["repository"] == _url(root, name))
        assert codes == sorted(expected_codes), name
        assert summary["findings"] == len(expected_codes)
    finding = next(r for r in records if r["type"] == "finding" and r["code"] == "TL121"
                   and r["repository"] == _url(root, "logits-twice"))
    # Places are relative to the repository, never to the clone folder.
    assert finding["filename"] == "models/classifier.py" and finding["line"] == 4
    # The lines around it travel with it, for the HTML report (the clone is gone by then).
    source = finding["source"]
    assert source["first_line"] <= 4 < source["first_line"] + len(source["lines"])
    assert source["lines"][4 - source["first_line"]].strip()


@pytest.fixture(scope="module")
def local_audit(audit_root, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("local") / "results.jsonl"
    result = _audit(audit_root, output, "--executor", "local", "--jobs", "2")
    assert result.returncode == 1, result.stderr
    assert f"failed: {_url(audit_root, 'does-not-exist')}" in result.stderr
    return output


def test_local_executor_records_every_finding_and_the_failure(audit_root, local_audit):
    records = _records(local_audit)
    _assert_expected_audit(audit_root, records)
    # The summary record comes after the repository's findings: it is what marks the repository done.
    for index, record in enumerate(records):
        if record["type"] == "finding":
            later = [r for r in records[index:] if r["type"] == "repository"]
            assert later and later[0]["repository"] == record["repository"]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A local Ray instance with two worker CPUs for this module. Its workers inherit the environment of the
    moment it starts: the hanging git config (harmless to other repositories) and this checkout on the path."""
    import ray

    config = _hanging_git_config(tmp_path_factory.mktemp("ray-git"), seconds=60)
    saved = {name: os.environ.get(name) for name in ("GIT_CONFIG_GLOBAL", "PYTHONPATH")}
    os.environ.update(GIT_CONFIG_GLOBAL=str(config), PYTHONPATH=str(REPO))
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def test_ray_executor_gives_the_same_records_as_the_local_one(audit_root, local_audit, ray_cluster, tmp_path):
    output = tmp_path / "results.jsonl"
    result = _audit(audit_root, output, "--executor", "ray", "--ray-address", ray_cluster)
    assert result.returncode == 1, result.stderr
    records = _records(output)
    _assert_expected_audit(audit_root, records)
    assert _comparable(records) == _comparable(_records(local_audit))


def test_ray_task_that_times_out_is_retried_once_then_recorded_as_failed(tmp_path, ray_cluster):
    names = (f"{HANGS}-1", f"{HANGS}-2", "quick")
    for name in names:
        make_repository(tmp_path / name, {"train.py": SOFTMAX_ONE_UNIT})
    specs = [parse_repository((tmp_path / name).as_uri(), tmp_path) for name in names]
    options = AuditOptions(clone_dir=str(tmp_path / "clones"))
    started = time.monotonic()
    # Both CPUs hang first: "quick" waits in Ray's queue for longer than the limit, which counts from its start.
    # 5 s: long enough for "quick" to clone and lint on a loaded machine, short against the 30 s bound.
    results = list(run_repositories(specs, options, "ray", max_in_flight=3, timeout_s=5.0))
    assert time.monotonic() - started < 30
    summaries = _summaries([record for records in results for record in records])
    for hanging in specs[:2]:
        hung = summaries[hanging.source]
        assert hung["status"] == "failed" and hung["reason"] == "timed out after 5 s" and hung["attempts"] == 2
    quick = summaries[specs[2].source]
    assert quick["status"] == "complete" and quick["findings"] == 1, quick
    # The timed-out tasks killed their git and deleted their half-made clones.
    assert list((tmp_path / "clones").iterdir()) == []


def test_local_task_that_times_out_is_retried_once_then_recorded_as_failed(tmp_path):
    make_repository(tmp_path / "remote" / HANGS, {"train.py": SOFTMAX_ONE_UNIT})
    make_repository(tmp_path / "remote" / "quick", {"train.py": SOFTMAX_ONE_UNIT})
    (tmp_path / "repos.txt").write_text(f"{_url(tmp_path, HANGS)}\n{_url(tmp_path, 'quick')}\n")
    config = _hanging_git_config(tmp_path, seconds=60)
    output = tmp_path / "results.jsonl"
    started = time.monotonic()
    result = _audit(tmp_path, output, "--repo-timeout", "1.5", "--clone-dir", str(tmp_path / "clones"),
                    env={"GIT_CONFIG_GLOBAL": str(config)})
    assert time.monotonic() - started < 30
    assert result.returncode == 1, result.stderr
    summaries = _summaries(_records(output))
    hung = summaries[_url(tmp_path, HANGS)]
    assert hung["status"] == "failed" and hung["reason"] == "timed out after 1.5 s" and hung["attempts"] == 2
    assert summaries[_url(tmp_path, "quick")]["findings"] == 1
    assert list((tmp_path / "clones").iterdir()) == []


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
                    reason="needs Linux /proc to find the worker process")
@pytest.mark.parametrize("deaths, status, reason", [
    (1, "complete", None),
    (2, "failed", "the worker process was killed by SIGKILL"),
])
def test_local_worker_that_dies_is_retried_once(tmp_path, deaths, status, reason):
    make_repository(tmp_path / "remote" / HANGS, {"train.py": LOGITS_AFTER_SOFTMAX})
    (tmp_path / "repos.txt").write_text(f"{_url(tmp_path, HANGS)}\n")
    pid_file = tmp_path / "hanging.pids"
    config = _hanging_git_config(tmp_path, seconds=60, pid_file=pid_file, hangs=deaths)
    output = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "trainlint", "audit", "--repos", str(tmp_path / "repos.txt"), "--output",
               str(output), "--no-cache", "--clone-dir", str(tmp_path / "clones")]
    environment = {**os.environ, "PYTHONPATH": str(REPO), "GIT_CONFIG_GLOBAL": str(config)}
    audit = subprocess.Popen(command, cwd=REPO, env=environment, stderr=subprocess.PIPE, text=True)
    try:
        for death in range(1, deaths + 1):
            _wait_for(lambda: len(_hanging_pids(pid_file)) == death)  # the worker hangs in its clone
            [worker] = _children(audit.pid)
            os.kill(worker, signal.SIGKILL)
        _, errors = audit.communicate(timeout=60)
    finally:
        if audit.poll() is None:
            audit.kill()
        _kill_hooks(pid_file)
    assert audit.returncode == (1 if status == "complete" else 0), errors
    [summary] = _summaries(_records(output)).values()
    assert summary["status"] == status and summary.get("reason") == reason
    if status == "complete":
        assert summary["findings"] == 1
    else:
        assert summary["attempts"] == 2 and f"failed: {_url(tmp_path, HANGS)}: {reason}" in errors


def test_resume_after_a_kill_does_not_redo_finished_repositories(audit_root, local_audit, tmp_path):
    # Jobs 1 works through the list in order; the third repository's clone hangs, and the audit is killed there.
    names = [*REPOSITORIES][:2] + [HANGS] + [*REPOSITORIES][2:]
    make_repository(audit_root / "remote" / HANGS, {"train.py": SOFTMAX_ONE_UNIT})
    (tmp_path / "repos.txt").write_text("".join(f"{_url(audit_root, name)}\n" for name in names)
                                        + f"{_url(audit_root, 'does-not-exist')}\n")
    output = tmp_path / "results.jsonl"
    pid_file = tmp_path / "hanging.pids"
    config = _hanging_git_config(tmp_path, seconds=60, pid_file=pid_file)
    command = [sys.executable, "-m", "trainlint", "audit", "--repos", str(tmp_path / "repos.txt"), "--output",
               str(output), "--jobs", "1", "--no-cache", "--clone-dir", str(tmp_path / "clones")]
    environment = {**os.environ, "PYTHONPATH": str(REPO), "GIT_CONFIG_GLOBAL": str(config)}
    audit = subprocess.Popen(command, cwd=REPO, env=environment, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _hanging_pids(pid_file))  # cloning the third repository
    finally:
        os.killpg(audit.pid, signal.SIGKILL)  # the audit and its worker, as when a machine goes down
        audit.wait()
        _kill_hooks(pid_file)
    before = output.read_text().splitlines(keepends=True)
    assert [json.loads(line)["repository"] for line in before if '"type": "repository"' in line] == \
        [_url(audit_root, name) for name in names[:2]]

    resumed = run_trainlint("audit", "--repos", str(tmp_path / "repos.txt"), "--output", str(output), "--resume",
                            "--no-cache", "--clone-dir", str(tmp_path / "clones"))
    assert resumed.returncode == 1, resumed.stderr
    assert "resuming: 2 of 7 repositories already done" in resumed.stderr
    after = output.read_text().splitlines(keepends=True)
    # The finished repositories' records are kept as they were, not written again.
    assert after[:len(before)] == before
    records = _records(output)
    summaries = _summaries(records)  # fails on any repository recorded twice
    assert len(summaries) == 7 and summaries[_url(audit_root, HANGS)]["status"] == "complete"
    without_hanging = [r for r in records if r["repository"] != _url(audit_root, HANGS)]
    assert _comparable(without_hanging) == _comparable(_records(local_audit))


def test_resume_drops_what_an_interrupted_repository_left(tmp_path):
    output = tmp_path / "results.jsonl"
    finished = [{"type": "finding", "repository": "a", "code": "TL101"},
                {"type": "repository", "repository": "a", "status": "complete"},
                {"type": "repository", "repository": "b", "status": "failed", "reason": "clone timed out"}]
    unfinished = {"type": "finding", "repository": "c", "code": "TL121"}
    output.write_text("".join(json.dumps(r) + "\n" for r in [*finished, unfinished])
                      + '{"type": "repository", "repository": "d", "sta')
    assert prepare_resume(output) == {"a", "b"}
    assert [json.loads(line) for line in output.read_text().splitlines()] == finished
    assert prepare_resume(tmp_path / "absent.jsonl") == set()


def test_limit_audits_a_list_in_slices(audit_root, local_audit, tmp_path):
    output = tmp_path / "results.jsonl"
    slices = [_audit(audit_root, output, "--resume", "--limit", "4", "--no-cache") for _ in range(3)]
    assert len(_summaries(_records(output))) == 6
    assert "resuming" not in slices[0].stderr and "resuming: 4 of 6" in slices[1].stderr
    assert "resuming: 6 of 6" in slices[2].stderr
    assert _comparable(_records(output)) == _comparable(_records(local_audit))


def test_ref_selects_a_branch_tag_or_commit(tmp_path):
    remote = make_repository(tmp_path / "remote" / "history", {"train.py": SOFTMAX_ONE_UNIT})
    buggy = git("rev-parse", "HEAD", cwd=remote)
    git("tag", "v1", cwd=remote)
    (remote / "train.py").write_text(CONSISTENT_BINARY)
    git("commit", "--quiet", "--all", "--message", "sigmoid head", cwd=remote)
    url = remote.as_uri()
    (tmp_path / "repos.txt").write_text(f"{url}\n{url}@v1\n{url}@{buggy}\n{url}@main\n{url}@no-such-ref\n")
    output = tmp_path / "results.jsonl"
    result = _audit(tmp_path, output, "--no-cache")
    assert result.returncode == 1, result.stderr
    summaries = _summaries(_records(output))
    assert {name: s.get("findings") for name, s in summaries.items()} == {
        url: 0, f"{url}@v1": 1, f"{url}@{buggy}": 1, f"{url}@main": 0, f"{url}@no-such-ref": None}
    assert summaries[f"{url}@{buggy}"]["commit"] == buggy
    assert "couldn't find remote ref no-such-ref" in summaries[f"{url}@no-such-ref"]["reason"]


def test_a_repository_over_the_size_limit_is_recorded_as_failed(tmp_path):
    make_repository(tmp_path / "remote" / "weights", {"train.py": SOFTMAX_ONE_UNIT, "model.bin": os.urandom(3_000_000)})
    make_repository(tmp_path / "remote" / "small", {"train.py": SOFTMAX_ONE_UNIT})
    (tmp_path / "repos.txt").write_text(f"{_url(tmp_path, 'weights')}\n{_url(tmp_path, 'small')}\n")
    output = tmp_path / "results.jsonl"
    result = _audit(tmp_path, output, "--max-repo-size", "2", "--clone-dir", str(tmp_path / "clones"))
    assert result.returncode == 1, result.stderr
    summaries = _summaries(_records(output))
    assert summaries[_url(tmp_path, "weights")]["reason"] == "repository is over the size limit of 2 MB"
    assert summaries[_url(tmp_path, "small")]["findings"] == 1
    assert list((tmp_path / "clones").iterdir()) == []


def test_a_clone_never_leads_outside_itself(tmp_path):
    outside = tmp_path / "this-machine"
    outside.mkdir()
    (outside / "private_train.py").write_text(LOGITS_AFTER_SOFTMAX)
    remote = make_repository(tmp_path / "remote" / "links", {"train.py": SOFTMAX_ONE_UNIT})
    (remote / "models").mkdir()
    (remote / "models" / "head.py").write_text(LOGITS_AFTER_SOFTMAX)
    for link, target in [("machine", outside), ("copied.py", outside / "private_train.py"),
                         ("models_again", Path("models")), ("head.py", Path("models/head.py"))]:
        (remote / link).symlink_to(target)
    git("add", "--all", cwd=remote)
    git("commit", "--quiet", "--message", "links", cwd=remote)
    (tmp_path / "repos.txt").write_text(f"{remote.as_uri()}\n")
    output = tmp_path / "results.jsonl"
    result = _audit(tmp_path, output, "--no-cache")
    assert result.returncode == 1, result.stderr
    places = sorted((r["filename"], r["code"]) for r in _records(output) if r["type"] == "finding")
    # Links within the repository are followed as in 'check' (a folder once); the two leading out of it are gone.
    assert places == [("head.py", "TL121"), ("models/head.py", "TL121"), ("train.py", "TL101")]


class _PasswordProtected(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="private training code"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


def _with_terminal(terminal: int):
    """In the child: a session of its own whose controlling terminal is ``terminal``, where git would prompt."""
    def attach() -> None:
        os.setsid()
        fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
    return attach


def test_credentials_are_never_prompted_for(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PasswordProtected)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/org/private.git"
    (tmp_path / "repos.txt").write_text(f"{url}\n")
    output = tmp_path / "results.jsonl"
    controller, terminal = pty.openpty()
    try:
        started = time.monotonic()
        # The audit runs at a real terminal, as a person starts it: a git allowed to prompt there would ask for
        # a user name and wait until the clone timeout.
        audit = subprocess.run(
            [sys.executable, "-m", "trainlint", "audit", "--repos", str(tmp_path / "repos.txt"), "-o", str(output),
             "--no-cache", "--clone-timeout", "20"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdin=terminal, capture_output=True, text=True,
            preexec_fn=_with_terminal(terminal), timeout=120)
        elapsed = time.monotonic() - started
    finally:
        os.close(controller)
        os.close(terminal)
        server.shutdown()
    assert audit.returncode == 0, audit.stderr
    [summary] = _summaries(_records(output)).values()
    assert summary["status"] == "failed" and "terminal prompts disabled" in summary["reason"], summary
    assert elapsed < 15


def test_local_folders_in_the_list_are_linted_in_place(tmp_path):
    make_repository(tmp_path / "checkouts" / "project", {"train.py": SOFTMAX_ONE_UNIT})
    (tmp_path / "checkouts" / "plain").mkdir()
    (tmp_path / "checkouts" / "plain" / "train.py").write_text(LOGITS_AFTER_SOFTMAX)
    (tmp_path / "lists").mkdir()
    # Relative to the list's folder, whatever the working directory.
    (tmp_path / "lists" / "repos.txt").write_text("../checkouts/project\n../checkouts/plain\n../checkouts/gone\n")
    output = tmp_path / "results.jsonl"
    result = run_trainlint("audit", "--repos", str(tmp_path / "lists" / "repos.txt"), "-o", str(output),
                           "--no-cache", cwd=tmp_path / "checkouts")
    assert result.returncode == 1, result.stderr
    records = _records(output)
    summaries = _summaries(records)
    assert summaries["../checkouts/project"]["commit"] and summaries["../checkouts/plain"]["commit"] is None
    assert summaries["../checkouts/gone"]["reason"] == f"not a folder: {tmp_path / 'checkouts' / 'gone'}"
    assert sorted(r["code"] for r in records if r["type"] == "finding") == ["TL101", "TL121"]
    assert (tmp_path / "checkouts" / "project" / "train.py").read_text() == SOFTMAX_ONE_UNIT


def test_progress_on_a_terminal(audit_root, tmp_path):
    controller, terminal = pty.openpty()
    audit = subprocess.run(
        [sys.executable, "-m", "trainlint", "audit", "--repos", str(audit_root / "repos.txt"), "-o",
         str(tmp_path / "results.jsonl"), "--no-cache", "--jobs", "1"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=terminal, timeout=120)
    drawn = drain_terminal(controller, terminal)
    assert audit.returncode == 1
    assert b"\r\x1b[Ktrainlint: 6/6 repositories, 4 findings, 1 failed" in drawn
    assert f"failed: {_url(audit_root, 'does-not-exist')}".encode() in drawn
    # The status line is erased before the summary tables.
    assert b"6/6 repositories, 4 findings, 1 failed\r\x1b[K" in drawn
    assert drawn.index(b"6/6 repositories") < drawn.index(b"Audit summary")


def test_report_rebuilds_the_summary_and_the_html_page_from_the_records(audit_root, local_audit, tmp_path):
    page = tmp_path / "audit.html"
    result = run_trainlint("report", str(local_audit), "--report", str(page))
    assert result.returncode == 1, result.stderr
    assert "Repositories: 6 (5 complete, 1 failed)" in result.stdout
    assert re_count(result.stdout, "findings") == 4
    assert re_count(result.stdout, "compile calls") == 5
    html = page.read_text()
    assert "trainlint audit of 6 repositories" in html
    assert "does not appear to be a git repository" in html
    assert f"{_url(audit_root, 'logits-twice')}/models/classifier.py:4:" in html
    records = list(read_records(local_audit))
    # Every finding is listed; the rules table names each of the two codes once more.
    assert sum(r["type"] == "finding" for r in records) == html.count("<code>TL1") - 2


def re_count(summary: str, label: str) -> int:
    import re

    [value] = re.findall(rf"^{label} +(\d+)(?: \(.*\))?$", summary, re.M)
    return int(value)


def test_audit_output_on_stdout_and_usage_errors(audit_root, tmp_path):
    page = tmp_path / "audit.html"
    result = run_trainlint("audit", "--repos", str(audit_root / "repos.txt"), "--no-cache", "--jobs", "2",
                           "--report", str(page))
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    _assert_expected_audit(audit_root, records)
    assert "Repositories: 6 (5 complete, 1 failed)" in result.stderr
    assert "trainlint audit of 6 repositories" in page.read_text()
    for arguments, message in [
        (("--resume",), "--resume needs --output FILE"),
        ((str(tmp_path),), "give either --repos or paths, not both"),
    ]:
        usage = run_trainlint("audit", "--repos", str(audit_root / "repos.txt"), *arguments)
        assert usage.returncode == 2 and message in usage.stderr
    nobody = run_trainlint("audit", "--repos", str(audit_root / "repos.txt"), "--executor", "ray",
                           "--ray-address", "127.0.0.1:1")
    assert nobody.returncode == 2 and "cannot reach Ray at 127.0.0.1:1: Connection refused" in nobody.stderr
    missing = run_trainlint("audit", "--repos", str(tmp_path / "missing.txt"))
    assert missing.returncode == 2 and "cannot read the repository list" in missing.stderr


@pytest.mark.parametrize("line, expected", [
    ("https://github.com/org/project.git", ("https://github.com/org/project.git", None)),
    ("https://github.com/org/project@v2.1", ("https://github.com/org/project", "v2.1")),
    ("https://token@host.example/org/p.git@release/1.0", ("https://token@host.example/org/p.git", "release/1.0")),
    ("git@github.com:org/project.git", ("git@github.com:org/project.git", None)),
    ("git@github.com:org/project.git@0123abcd", ("git@github.com:org/project.git", "0123abcd")),
    ("  file:///srv/git/p@main  ", ("file:///srv/git/p", "main")),
])
def test_urls_and_refs(line, expected):
    spec = parse_repository(line, Path("/lists"))
    assert (spec.url, spec.ref) == expected and spec.source == line.strip()


def test_list_lines(tmp_path):
    (tmp_path / "repos.txt").write_text("# audit\n\nprojects/a\nhttps://h.example/x\nprojects/a\n/abs/b@c\n")
    specs = read_repository_list(tmp_path / "repos.txt")
    assert specs == [RepositorySpec("projects/a", path=str(tmp_path / "projects" / "a")),
                     RepositorySpec("https://h.example/x", url="https://h.example/x"),
                     RepositorySpec("/abs/b@c", path="/abs/b@c")]
