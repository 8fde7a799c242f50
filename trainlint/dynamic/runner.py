"""``--dynamic``: one worker per run, one plan per distinct model, one confirmation per finding."""

from __future__ import annotations

import importlib.util
import sys
import time
from dataclasses import dataclass, replace

from trainlint.dynamic.client import INSTALL_HINT, Worker, WorkerCrashed, WorkerTimeout, WorkerUnavailable
from trainlint.dynamic.plan import ModelPlan, Unplannable, plan_for
from trainlint.dynamic.verdicts import INCONCLUSIVE, Observation, Verdict, judge
from trainlint.engine import Origin
from trainlint.findings import Confirmation, Finding
from trainlint.sources.versions import TF2_NEW, TF2_OLD

NOT_A_MODEL_KINDS = frozenset({"parse-error", "internal-error"})


@dataclass(frozen=True)
class DynamicOptions:
    model_timeout: float = 60.0
    """Seconds one model may take (build, one step, predict, evaluate), TensorFlow's import not counted."""
    run_timeout: float = 600.0
    python: str | None = None
    """The interpreter that runs TensorFlow; this one by default."""
    keras_version: str = "auto"


def tensorflow_missing(options: DynamicOptions) -> str | None:
    """The install hint when this interpreter has no TensorFlow (checked without importing it)."""
    if options.python is not None:
        return None  # the worker itself reports a missing import from that interpreter
    if importlib.util.find_spec("tensorflow") is None:
        return f"--dynamic needs TensorFlow, which is not installed; install it with: {INSTALL_HINT}"
    return None


def confirm(findings: list[Finding], origins: dict[Finding, Origin], options: DynamicOptions = DynamicOptions(),
            progress=None) -> list[Finding]:
    """Each finding with its confirmation. Raises :class:`WorkerUnavailable` when TensorFlow cannot run."""
    started = time.monotonic()
    run_deadline = started + options.run_timeout
    plans: dict[tuple[str, str], tuple[ModelPlan, list[Finding]]] = {}
    notes: dict[Finding, str] = {}
    verdicts: dict[Finding, Verdict] = {}
    for finding in findings:
        if finding.kind in NOT_A_MODEL_KINDS:
            continue
        origin = origins.get(finding)
        if origin is None:
            verdicts[finding] = Verdict(INCONCLUSIVE, "nothing to rebuild: the analyzer kept no model for it")
            continue
        try:
            judged = origin.keras.rule_version if getattr(origin, "keras", None) is not None else \
                options.keras_version if options.keras_version != "auto" else "3"
            plan = plan_for(finding.code, origin, judged, finding.kind)
        except Unplannable as reason:
            verdicts[finding] = Verdict(INCONCLUSIVE, f"cannot rebuild the model: {reason}")
            continue
        module, note = keras_for(origin, options)
        if note:
            notes[finding] = note
        plans.setdefault((module, plan.to_json(0)), (plan, []))[1].append(finding)

    worker = Worker(options.python)
    device = ""
    try:
        for index, ((module, _), (plan, waiting)) in enumerate(sorted(plans.items(), key=lambda item: item[0][0]),
                                                                start=1):
            if worker.keras_module != module:  # one worker at a time: TensorFlow holds memory
                worker.kill()
                worker = Worker(options.python, module)
            if progress is not None:
                progress(index, len(plans))
            if time.monotonic() >= run_deadline:
                for finding in waiting:
                    verdicts[finding] = Verdict(INCONCLUSIVE, f"the run's time limit ({options.run_timeout:g} s) "
                                                              "was reached before this model")
                continue
            if not worker.alive:
                try:
                    device = worker.start(run_deadline)["device"]
                except WorkerTimeout:
                    for finding in waiting:
                        verdicts[finding] = Verdict(INCONCLUSIVE, "TensorFlow did not start within the time limit")
                    continue
            try:
                observation = Observation(worker.observe(plan.to_json(index),
                                                         min(run_deadline, time.monotonic() + options.model_timeout)))
            except WorkerTimeout:
                worker.kill()
                for finding in waiting:
                    verdicts[finding] = Verdict(INCONCLUSIVE, f"the model took longer than "
                                                              f"{options.model_timeout:g} s and was stopped")
                continue
            except WorkerCrashed as crash:
                worker.kill()
                for finding in waiting:
                    verdicts[finding] = Verdict(INCONCLUSIVE, f"the TensorFlow worker died on this model: {crash}")
                continue
            device = observation.raw.get("device", device)
            for finding in waiting:
                origin = origins[finding]
                verdict = judge(finding.code, finding.kind, observation, origin.setup)
                ran = f"; ran {observation.raw.get('keras_module', 'keras')} {observation.raw.get('keras', '?')}"
                verdicts[finding] = replace(verdict, evidence=f"{verdict.evidence} [{_rebuilt(plan)}{ran}]"
                                                              f"{notes.get(finding, '')}")
    finally:
        worker.kill()
    return [replace(f, confirmation=Confirmation(verdicts[f].status, verdicts[f].evidence, device or "none"))
            if f in verdicts else f for f in findings]


TF_KERAS_2 = frozenset({TF2_OLD, TF2_NEW})


def keras_for(origin: Origin, options: DynamicOptions) -> tuple[str, str]:
    """The Keras module a finding is confirmed with, and a note when it cannot be the one it was judged under.

    A finding judged under tf.keras 2 (inferred or set) is confirmed with ``tf_keras`` when that is installed,
    so that the confirmation and the verdict speak of the same Keras.
    """
    target = getattr(origin, "keras", None)
    if target is None or not set(target.eras) <= TF_KERAS_2:
        return "keras", ""
    if options.python is None and importlib.util.find_spec("tf_keras") is not None:
        return "tf_keras", ""
    return "keras", (f" (judged under {target.version}, but tf-keras is not installed, so the installed Keras ran; "
                     f"pip install tf-keras to confirm with tf.keras 2)")


def _rebuilt(plan: ModelPlan) -> str:
    if plan.model.faithful:
        return "the model as written"
    return plan.model.note


def print_progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\rtrainlint: running model {done}/{total} with TensorFlow", end="" if done < total else "\n",
              file=sys.stderr, flush=True)


__all__ = ["DynamicOptions", "WorkerUnavailable", "confirm", "tensorflow_missing", "print_progress"]
