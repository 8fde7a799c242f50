"""``--dynamic`` for real: TensorFlow rebuilds each flagged fixture model and confirms or refutes the finding.

The whole fixture directory goes through one CLI run (one TensorFlow import), and the deliberately wrong
claims through one more; each test then reads its part. Deselect with ``-m "not dynamic"``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import libcst as cst
import pytest

from tests.conftest import FIXTURES, REPO, run_trainlint
from trainlint.analysis.evaluator import interpret
from trainlint.analysis.extract import Extractor
from trainlint.engine import Origin
from trainlint.findings import Finding
from trainlint.lint_rules import RULES_BY_CODE
from trainlint.plugin.reporters import report_json, report_text

pytestmark = pytest.mark.dynamic

DYNAMIC_FIXTURES = FIXTURES / "dynamic"
EXPECTATION = re.compile(r"# expect-dynamic: (TL\d+) (confirmed|refuted|inconclusive): (.+)")
DEVICE = re.compile(r"^/(CPU|GPU):0")


def _expectations() -> list[tuple[str, str, str, str]]:
    found = []
    for path in sorted(DYNAMIC_FIXTURES.glob("*.py")):
        match = EXPECTATION.search(path.read_text())
        assert match, f"{path.name} states no expect-dynamic line"
        found.append((path.name, *match.groups()))
    return found


@pytest.fixture(scope="module")
def dynamic_run(tmp_path_factory) -> tuple[list[dict], subprocess.CompletedProcess, Path]:
    """One ``check --dynamic`` over a copy of the fixtures plus a file that marks it if it is ever executed."""
    directory = tmp_path_factory.mktemp("dynamic") / "fixtures"
    shutil.copytree(DYNAMIC_FIXTURES, directory)
    (directory / "never_executed.py").write_text(textwrap.dedent('''\
        """Writes a marker when run: the dynamic mode must rebuild the model without running this file."""
        # expect-dynamic: TL101 confirmed: predict() returned exactly 1.0 for every sample
        import pathlib

        import keras

        pathlib.Path(__file__).with_suffix(".executed").write_text("this file was executed")
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    '''))
    result = run_trainlint("check", "--dynamic", "--output-format", "json", str(directory))
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout), result, directory


@pytest.mark.parametrize(("fixture", "code", "status", "evidence"), _expectations())
def test_fixture_finding_gets_the_expected_confirmation(dynamic_run, fixture, code, status, evidence):
    findings, _, directory = dynamic_run
    mine = [f for f in findings if Path(f["filename"]).name == fixture and f["code"] == code]
    assert mine, f"no {code} in {fixture}: {[(f['filename'], f['code']) for f in findings]}"
    for finding in mine:
        confirmation = finding["confirmation"]
        assert confirmation["status"] == status, confirmation
        assert evidence in confirmation["evidence"], confirmation["evidence"]
        assert DEVICE.match(confirmation["device"]), confirmation


def test_every_finding_of_the_run_carries_a_confirmation(dynamic_run):
    findings, result, _ = dynamic_run
    assert findings and all(f["confirmation"] is not None for f in findings)
    assert "\n" not in "".join(f["confirmation"]["evidence"] for f in findings)
    assert "Traceback" not in result.stderr


def test_the_audited_file_is_never_executed(dynamic_run):
    findings, _, directory = dynamic_run
    verdicts = [f["confirmation"]["status"] for f in findings if Path(f["filename"]).name == "never_executed.py"]
    assert verdicts == ["confirmed"]
    assert not list(directory.glob("*.executed"))


def test_text_output_shows_the_confirmation_under_the_finding(dynamic_run):
    findings, _, _ = dynamic_run
    finding = next(f for f in findings if Path(f["filename"]).name == "softmax_single_unit.py")
    restored = Finding.from_dict({**finding, "related": ()})
    from io import StringIO

    text = StringIO()
    report_text([restored], 1, text)
    lines = text.getvalue().splitlines()
    assert lines[0].endswith(finding["message"])
    assert re.match(r"    dynamic: confirmed on /(CPU|GPU):0: predict\(\) returned exactly 1\.0", lines[1])
    as_json = StringIO()
    report_json([restored], 1, as_json)
    assert json.loads(as_json.getvalue())[0]["confirmation"]["status"] == "confirmed"


# --- deliberately wrong claims -----------------------------------------------------------------------------

# Each model is correct for its task; the test pins on it a finding of another rule of the family, and the
# dynamic mode must refute that claim from what the rebuilt model does.
WRONG_CLAIMS = {
    "degenerate-head": ("TL101", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    """, "predict() varies"),
    "loss-activation-mismatch": ("TL111", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(5, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """, "not a softmax"),
    "from-logits-mismatch": ("TL122", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """, "predict() stays within [0, 1]"),
    "metric-resolution": ("TL201", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """, "'accuracy' resolved to BinaryAccuracy"),
    "loss-metric-mismatch": ("TL214", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    """, "no accuracy is computed: the compiled metrics are MeanAbsoluteError"),
    "metric-logits-mismatch": ("TL221", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.Precision()])
    """, "predict() stays within [0, 1]"),
}


# The label and optimizer families' rules are not in this branch yet: their checks work by kind, so the test
# states such findings itself, on models that break as claimed.
KIND_CLAIMS = {
    "label-range": ("TL3xx", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    """, "training on class ids 1..5"),  # a CPU raises, a GPU gives NaN: both confirm
    "label-format-mismatch": ("TL3xx", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    """, "training on 64 labels raised ValueError"),
    "optimizer-api": ("TL4xx", """
        import keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(lr=0.5), loss="binary_crossentropy")
    """, "building the optimizer raised ValueError: Argument(s) not recognized: {'lr': 0.5}"),
}


# A verdict that needs another Keras than the worker's is inconclusive, and says so.
OTHER_KERAS_CLAIM = ("TL202", """
    import keras
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
""", "only in Keras <= 2.3 / TF 1.x; the worker runs Keras 3")


def _claim(family: str, code: str, source: str) -> tuple[Finding, Origin]:
    module = cst.parse_module(textwrap.dedent(source))
    event = next(e for e in interpret(module, f"{family}.py") if e.method == "compile")
    (setup,) = Extractor(f"{family}.py", "3").setups(event)
    rule = RULES_BY_CODE.get(code)
    kind = rule.kind if rule else family
    assert family.startswith(kind)
    finding = Finding(code, kind, "error", f"(a {code} claim stated by the test)", f"{family}.py", 3, 1, 3, 2)
    return finding, Origin(setup, event)


@pytest.fixture(scope="module")
def stated_claims() -> dict[str, Finding]:
    """Every claim of this section through one ``confirm`` call: one worker, one TensorFlow import."""
    from trainlint.dynamic.runner import confirm

    stated = {**WRONG_CLAIMS, **KIND_CLAIMS, "metric-resolution (legacy Keras)": OTHER_KERAS_CLAIM}
    claims = [_claim(family, code, source) for family, (code, source, _) in stated.items()]
    confirmed = confirm([finding for finding, _ in claims], dict(claims))
    return {finding.filename.removesuffix(".py"): finding for finding in confirmed}


@pytest.mark.parametrize("family", sorted(WRONG_CLAIMS))
def test_a_wrong_static_claim_is_refuted(stated_claims, family):
    confirmation = stated_claims[family].confirmation
    assert confirmation is not None
    assert confirmation.status == "refuted", confirmation
    assert WRONG_CLAIMS[family][2] in confirmation.evidence, confirmation.evidence
    assert DEVICE.match(confirmation.device)


@pytest.mark.parametrize("family", sorted(KIND_CLAIMS))
def test_a_kind_level_finding_is_confirmed(stated_claims, family):
    confirmation = stated_claims[family].confirmation
    assert confirmation is not None
    assert confirmation.status == "confirmed", confirmation
    assert KIND_CLAIMS[family][2] in confirmation.evidence, confirmation.evidence


# --- running without TensorFlow, timeouts, Ctrl-C ------------------------------------------------------------


def test_without_tensorflow_it_says_how_to_install_and_exits_2(tmp_path):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    python = bare / "bin" / "python"
    result = run_trainlint("check", "--dynamic", "--dynamic-python", str(python), "--output-format", "json",
                           str(DYNAMIC_FIXTURES / "softmax_single_unit.py"))
    assert result.returncode == 2
    assert "pip install 'trainlint[dynamic]'" in result.stderr
    assert "TensorFlow" in result.stderr and "Traceback" not in result.stderr
    static = json.loads(result.stdout)
    assert [f["code"] for f in static] == ["TL101"] and static[0]["confirmation"] is None


def test_a_model_over_its_timeout_is_inconclusive(tmp_path):
    result = run_trainlint("check", "--dynamic", "--dynamic-timeout", "0.01", "--output-format", "json",
                           str(DYNAMIC_FIXTURES / "softmax_single_unit.py"))
    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)
    assert finding["confirmation"]["status"] == "inconclusive"
    assert "took longer than 0.01 s" in finding["confirmation"]["evidence"]


def test_the_run_time_limit_leaves_the_rest_inconclusive():
    result = run_trainlint("check", "--dynamic", "--dynamic-run-timeout", "0.5", "--output-format", "json",
                           str(DYNAMIC_FIXTURES / "softmax_single_unit.py"),
                           str(DYNAMIC_FIXTURES / "double_softmax.py"))
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert len(findings) == 2
    for finding in findings:
        assert finding["confirmation"]["status"] == "inconclusive"
        assert "time limit" in finding["confirmation"]["evidence"]


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_ctrl_c_ends_the_run_and_its_worker(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    # A suite started in the background of a non-interactive shell ignores SIGINT, and so would the linter (it
    # keeps an ignored SIGINT ignored, as Python does): the run under test gets the terminal's default.
    process = subprocess.Popen([sys.executable, "-m", "trainlint", "check", "--dynamic", str(DYNAMIC_FIXTURES)],
                               cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline and process.poll() is None:
            # The TensorFlow worker, not a process of the static pool (which may end before the signal).
            workers = [pid for pid in _children(process.pid) if b"trainlint.dynamic.worker" in _command_line(pid)]
            time.sleep(0.05)
        assert workers, "the worker never started"
        time.sleep(1.0)  # mid-import or mid-model
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, (stdout[-2000:], stderr)
    assert "interrupted" in stderr and "Traceback" not in stderr
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_a_claim_about_another_keras_is_inconclusive_with_the_reason(stated_claims):
    confirmation = stated_claims["metric-resolution (legacy Keras)"].confirmation
    assert confirmation is not None and confirmation.status == "inconclusive"
    assert OTHER_KERAS_CLAIM[2] in confirmation.evidence, confirmation.evidence
