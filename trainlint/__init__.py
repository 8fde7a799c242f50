"""trainlint: a static linter for Keras / TensorFlow training code.

The Python API (see :mod:`trainlint.api`): :func:`check_source`, :func:`check_paths`, :func:`fix_source`,
:func:`load_settings`; findings are :class:`Finding` frozen dataclasses whose ``to_dict()`` is the JSON contract.
"""

__version__ = "0.1.0"

__all__ = ["Finding", "Related", "Settings", "check_paths", "check_source", "fix_source", "load_settings"]

_API = {"check_paths", "check_source", "fix_source", "load_settings"}


def __getattr__(name: str):
    # Imported on first use: ``trainlint --version`` and a cached run never pay for the analyser's imports.
    if name in _API:
        from trainlint import api

        return getattr(api, name)
    if name in ("Finding", "Related"):
        from trainlint import findings

        return getattr(findings, name)
    if name == "Settings":
        from trainlint.settings import Settings

        return Settings
    raise AttributeError(f"module 'trainlint' has no attribute {name!r}")
