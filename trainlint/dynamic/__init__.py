"""Dynamic mode (``trainlint check --dynamic``): confirm or refute each finding by building the model.

- :mod:`~trainlint.dynamic.plan` turns a finding's facts into a plan (layer stack or surrogate, loss, metrics,
  optimizer, one synthetic batch); the audited file is never imported or executed.
- :mod:`~trainlint.dynamic.worker` is the one TensorFlow process per run that builds each plan, runs it once
  and reports what it observed.
- :mod:`~trainlint.dynamic.client` starts, feeds and stops that process, with a timeout per model.
- :mod:`~trainlint.dynamic.verdicts` judges the observations per rule (keras-semantics.md §4).
- :mod:`~trainlint.dynamic.runner` ties them together for the CLI.
"""
