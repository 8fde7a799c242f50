"""Which Keras the audited code runs on, inferred from evidence (``keras-version = "auto"``).

Evidence, strongest first: version pins and requirements of the project (``requirements*.txt``,
``constraints*.txt``, ``setup.py``, ``setup.cfg``, ``pyproject.toml``, ``environment.yml``, ``Pipfile``), then a
notebook's install cells (``!pip install tensorflow==2.9``, ``%tensorflow_version 1.x``) and the versions its
outputs print, then APIs that exist only in some versions. Each piece narrows the set of possible *eras*; a weaker
piece that contradicts a stronger one is dropped. Where the evidence leaves several eras, a version-dependent rule
is judged under each of them and its message says what each does (:func:`merge_reports`).

The eras are the Keras behaviours the rules tell apart (boundaries in ``/work/shared/keras-semantics.md`` and
:data:`ERA_BOUNDARIES`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LEGACY, TF2_OLD, TF2_NEW, KERAS3 = "legacy", "2.0", "2.11", "3"
ERAS = (LEGACY, TF2_OLD, TF2_NEW, KERAS3)
ALL_ERAS = frozenset(ERAS)
ERA_LABELS = {
    LEGACY: "Keras <= 2.3 / TF 1.x",
    TF2_OLD: "tf.keras 2.0-2.10",
    TF2_NEW: "tf.keras 2.11-2.15 / tf-keras",
    KERAS3: "Keras 3",
}
# The ``keras-version`` setting each era is judged as (the rules' knowledge tables are keyed by these).
RULE_VERSION = {LEGACY: "legacy", TF2_OLD: "2", TF2_NEW: "2", KERAS3: "3"}
SETTING_ERAS = {"3": frozenset({KERAS3}), "2": frozenset({TF2_OLD, TF2_NEW}), "legacy": frozenset({LEGACY})}

ERA_BOUNDARIES = """
- TF 2.16 installs Keras 3 as tf.keras (TF 2.16 release notes); TF <= 2.15 ships tf.keras 2.x.
- The new optimizers (lr= dropped, decay= rejected) are tf.keras's default from 2.11 (keras tag v2.11.0,
  keras/optimizers/__init__.py); 2.0-2.10 optimizers are today's ``optimizers.legacy`` (lr= and decay= honoured).
- Standalone Keras <= 2.3 is multi-backend; 2.4-2.5 redirect to tf.keras; 2.6-2.15 are tf.keras's own package.
"""

# Packages whose version says which Keras runs, and the era of each version of them.
_TENSORFLOW = frozenset({"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel",
                         "tf-nightly", "tensorflow-aarch64"})
_KERAS = frozenset({"keras"})
_TF_KERAS = frozenset({"tf-keras"})
_TF_MINORS = [(1, minor) for minor in range(16)] + [(2, minor) for minor in range(31)]
_KERAS_MINORS = [(1, minor) for minor in range(3)] + [(2, minor) for minor in range(16)] + \
                [(3, minor) for minor in range(21)]


def _tensorflow_era(major: int, minor: int) -> str:
    if major < 2:
        return LEGACY
    return TF2_OLD if minor <= 10 else TF2_NEW if minor <= 15 else KERAS3


def _keras_era(major: int, minor: int) -> str:
    if major < 2 or (major == 2 and minor <= 3):
        return LEGACY
    if major == 2:
        return TF2_OLD if minor <= 10 else TF2_NEW
    return KERAS3


@dataclass(frozen=True)
class Evidence:
    """What one piece of evidence allows: the eras, a short name of the version, and where it was seen."""

    eras: frozenset[str]
    version: str  # "tf.keras 2.9", "Keras 2.0.8", "Keras <= 2.3"
    where: str  # "pinned in requirements.txt:3", "printed by cell 2", "import tf_keras at line 4"


@dataclass(frozen=True)
class KerasTarget:
    """The Keras a file is judged under: one era or several, with the evidence that chose them."""

    eras: tuple[str, ...]
    version: str
    why: str
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)

    @property
    def single(self) -> bool:
        return len(self.eras) == 1

    @property
    def rule_version(self) -> str:
        """The setting the extractor reads strings under: the newest era still possible."""
        return RULE_VERSION[self.eras[-1]]

    def note(self) -> str:
        """How a finding's message names the Keras it speaks of: "under tf.keras 2.9, pinned in requirements.txt:3"."""
        return f"under {self.version}, {self.why}"

    def to_dict(self) -> dict:
        return {"version": self.version, "eras": [ERA_LABELS[e] for e in self.eras], "why": self.why}


def target_from_setting(setting: str) -> KerasTarget | None:
    """The target a forced ``keras-version`` gives; None for ``auto``."""
    if setting not in SETTING_ERAS:
        return None
    eras = SETTING_ERAS[setting]
    label = {"3": "Keras 3", "2": "tf.keras 2", "legacy": "Keras <= 2.3 / TF 1.x"}[setting]
    return KerasTarget(_ordered(eras), label, "as the keras-version setting says")


def infer(pins: Evidence | None, notebook: tuple[Evidence, ...] = (), api: tuple[Evidence, ...] = ()) -> KerasTarget:
    """Narrow the eras by each piece of evidence, strongest first; a piece that contradicts what is left is dropped."""
    eras = ALL_ERAS
    used: list[Evidence] = []
    for piece in ((pins,) if pins is not None else ()) + tuple(notebook) + tuple(api):
        narrowed = eras & piece.eras
        if narrowed and narrowed != eras:
            eras = narrowed
            used.append(piece)
    if not used:
        return KerasTarget(ERAS, "any Keras", "as nothing in the project pins or shows the version")
    exact = [piece for piece in used if piece.eras == eras]
    version = exact[0].version if exact else _label(eras)
    why = "; ".join(piece.where for piece in used[:3])
    return KerasTarget(_ordered(eras), version, why, tuple(used))


def _ordered(eras) -> tuple[str, ...]:
    return tuple(era for era in ERAS if era in eras)


def _label(eras) -> str:
    ordered = _ordered(eras)
    if ordered == (TF2_OLD, TF2_NEW):
        return "tf.keras 2.x"
    if ordered == (LEGACY, TF2_OLD, TF2_NEW):
        return "Keras 2 (before Keras 3)"
    return " or ".join(ERA_LABELS[era] for era in ordered)


# --- pins --------------------------------------------------------------------------------------------------

_REQUIREMENT_FILES = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$", re.IGNORECASE)
_OTHER_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "environment.yml", "environment.yaml", "Pipfile")
_QUOTED = re.compile(r"""["']([A-Za-z][\w.-]*\s*(?:\[[^\]]*\])?\s*[=<>!~][^"']*)["']""")
_CONDA_LINE = re.compile(r"^\s*-\s*(?:[\w-]+::)?([A-Za-z][\w.-]*)\s*(=?=?[^=\s#][^#\s]*)?")


def version_of_package(name: str, specifier: str) -> Evidence | None:
    """What a pin of one package says, or None when the package does not decide the Keras or the pin is open."""
    name = re.sub(r"[-_.]+", "-", name).lower()
    if name in _TF_KERAS:
        return Evidence(frozenset({TF2_NEW}), "tf-keras", "")
    if name in _TENSORFLOW:
        minors, era_of, family = _TF_MINORS, _tensorflow_era, "tf.keras"
    elif name in _KERAS:
        minors, era_of, family = _KERAS_MINORS, _keras_era, "Keras"
    else:
        return None
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    if not str(spec):
        return None
    allowed = [(major, minor) for major, minor in minors
               if any(spec.contains(Version(f"{major}.{minor}.{patch}"), prereleases=True) for patch in range(12))]
    if not allowed:
        return None
    eras = frozenset(era_of(*m) for m in allowed)
    exact = [item.version for item in spec if item.operator in ("==", "===") and "*" not in item.version]
    first, last = allowed[0], allowed[-1]
    if family == "tf.keras" and last[0] < 2:
        family = "TF"
    if exact:
        version = f"{family} {exact[0]}"
    elif first == last:
        version = f"{family} {first[0]}.{first[1]}"
    else:
        version = f"{family} {spec}"
    if family == "tf.keras" and eras == {KERAS3}:
        version = "Keras 3"
    return Evidence(eras, version, "")


def _requirement_lines(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            yield number, Requirement(line)
        except InvalidRequirement:
            continue


def _pins_in_file(path: Path, text: str) -> list[tuple[int, str, str]]:
    """``(line, package, specifier)`` for each pin of a package this module cares about."""
    name = path.name
    found: list[tuple[int, str, str]] = []
    if _REQUIREMENT_FILES.match(name) or name == "setup.cfg":
        found = [(n, r.name, str(r.specifier)) for n, r in _requirement_lines(text)]
    elif name == "setup.py":
        for number, line in enumerate(text.splitlines(), start=1):
            for quoted in _QUOTED.findall(line):
                try:
                    requirement = Requirement(quoted)
                except InvalidRequirement:
                    continue
                found.append((number, requirement.name, str(requirement.specifier)))
    elif name in ("environment.yml", "environment.yaml"):
        for number, line in enumerate(text.splitlines(), start=1):
            match = _CONDA_LINE.match(line)
            if match and match.group(2):
                specifier = match.group(2)
                if specifier.startswith("=") and not specifier.startswith("=="):
                    specifier = "==" + specifier[1:] + ("" if "*" in specifier else ".*")
                found.append((number, match.group(1), specifier))
    elif name in ("pyproject.toml", "Pipfile"):
        found = _pins_in_toml(text)
    return [(n, package, spec) for n, package, spec in found if spec]


def _pins_in_toml(text: str) -> list[tuple[int, str, str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    lines = text.splitlines()

    def line_of(written: str) -> int:
        return next((n for n, line in enumerate(lines, start=1) if written in line), 1)

    found = []
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    listed = list(project.get("dependencies", []) or [])
    for extra in (project.get("optional-dependencies", {}) or {}).values():
        listed += list(extra or [])
    for item in listed:
        try:
            requirement = Requirement(item)
        except (InvalidRequirement, TypeError):
            continue
        found.append((line_of(item), requirement.name, str(requirement.specifier)))
    tables = [data.get("packages"), data.get("dev-packages")]
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    tables += [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    for table in tables:
        if not isinstance(table, dict):
            continue
        for package, value in table.items():
            spec = value.get("version") if isinstance(value, dict) else value
            if isinstance(spec, str):
                found.append((line_of(package), package, _poetry_specifier(spec)))
    return found


def _poetry_specifier(spec: str) -> str:
    """Poetry's ``^2.9`` / ``~2.9`` / ``2.9.1`` and Pipfile's ``*`` as PEP 440."""
    spec = spec.strip()
    if spec in ("*", ""):
        return ""
    match = re.fullmatch(r"([\^~])\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", spec)
    if match:
        kind, major, minor, patch = match.groups()
        base = ".".join(p for p in (major, minor, patch) if p is not None)
        if kind == "^":
            upper = f"{int(major) + 1}" if int(major) > 0 or minor is None else f"0.{int(minor) + 1}"
        else:
            upper = f"{major}.{int(minor) + 1}" if minor is not None else f"{int(major) + 1}"
        return f">={base},<{upper}"
    if re.fullmatch(r"\d+(\.\d+)*", spec):
        return f"=={spec}"
    return spec


def pins_in_folder(folder: Path) -> Evidence | None:
    """The Keras the pins of one folder allow (all its requirement-like files together), or None."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return None
    pieces: list[tuple[Evidence, str]] = []
    for name in names:
        if not (_REQUIREMENT_FILES.match(name) or name in _OTHER_FILES):
            continue
        path = folder / name
        try:
            if path.stat().st_size > 1_000_000:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for number, package, specifier in _pins_in_file(path, text):
            evidence = version_of_package(package, specifier)
            if evidence is not None:
                pieces.append((evidence, f"{package}{specifier} pinned in {name}:{number}"))
    if not pieces:
        return None
    # Several pinned packages (tensorflow and keras; or two requirement files): any of them may be the one used.
    eras = frozenset().union(*(piece.eras for piece, _ in pieces))
    first, where = pieces[0]
    version = first.version if first.eras == eras else _label(eras)
    return Evidence(eras, version, pieces[0][1] if len(pieces) == 1 else f"{pieces[0][1]} and {len(pieces) - 1} more")


@lru_cache(maxsize=4096)
def project_pins(folder: Path, stop: Path | None = None) -> Evidence | None:
    """The pins nearest the file: its folder's, else each parent's up to ``stop`` (a root named on the command
    line) or the first folder holding ``.git``. Read once per folder per process."""
    current = folder
    while True:
        found = pins_in_folder(current)
        if found is not None:
            return found
        if current == stop or current.parent == current or (current / ".git").exists():
            return None
        current = current.parent


# --- notebooks ---------------------------------------------------------------------------------------------

_INSTALL = re.compile(r"^\s*[!%]?\s*pip3?\s+install\s+(.*)$|^\s*!\s*python3?\s+-m\s+pip\s+install\s+(.*)$",
                      re.MULTILINE)
_TF_VERSION_MAGIC = re.compile(r"^\s*%tensorflow_version\s+([12])(?:\.x)?\s*$", re.MULTILINE)
_PRINTS_VERSION = re.compile(r"\b(tf|tensorflow|keras)\.__version__")
_VERSION_TEXT = re.compile(r"(?<![\w.])(\d+\.\d+\.\d+)(?:[a-z]+\d*)?(?![\w.])")
_LEGACY_BANNER = "Using TensorFlow backend."


def notebook_evidence(cells: list) -> tuple[Evidence, ...]:
    """Install cells, ``%tensorflow_version``, and versions the outputs print; installs first."""
    installs: list[Evidence] = []
    printed: list[Evidence] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source if isinstance(source, str) else ""
        for match in _INSTALL.finditer(source):
            for token in (match.group(1) or match.group(2) or "").split():
                if token.startswith("-"):
                    continue
                try:
                    requirement = Requirement(token.strip("'\""))
                except InvalidRequirement:
                    continue
                evidence = version_of_package(requirement.name, str(requirement.specifier))
                if evidence is not None:
                    installs.append(Evidence(evidence.eras, evidence.version,
                                             f"installed by cell {number} ({requirement})"))
        for match in _TF_VERSION_MAGIC.finditer(source):
            eras = frozenset({LEGACY}) if match.group(1) == "1" else frozenset({TF2_OLD, TF2_NEW})
            installs.append(Evidence(eras, "TF 1.x" if match.group(1) == "1" else "tf.keras 2.x",
                                     f"%tensorflow_version {match.group(1)}.x in cell {number}"))
        printed += _printed_versions(cell, source, number)
    return tuple(installs + printed)


def _printed_versions(cell: dict, source: str, number: int) -> list[Evidence]:
    outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
    texts = []
    for output in outputs:
        if not isinstance(output, dict):
            continue
        text = output.get("text")
        if text is None and isinstance(output.get("data"), dict):
            text = output["data"].get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        if isinstance(text, str):
            texts.append(text)
    joined = "\n".join(texts)
    found: list[Evidence] = []
    modules = {m.group(1) for m in _PRINTS_VERSION.finditer(source)}
    versions = _VERSION_TEXT.findall(joined)
    if len(modules) != 1 or not versions:
        return _banner(joined, number)  # what printed which number is unclear when both are printed
    module = "keras" if "keras" in modules else "tensorflow"
    try:
        version = Version(versions[0])
    except InvalidVersion:
        return _banner(joined, number)
    major, minor = version.major, version.minor
    era = _keras_era(major, minor) if module == "keras" else _tensorflow_era(major, minor)
    name = f"Keras {version}" if module == "keras" else (f"tf.keras {major}.{minor}" if major == 2 and era != KERAS3
                                                          else f"TF {version}")
    found.append(Evidence(frozenset({era}), name, f"{module}.__version__ printed {version} in cell {number}"))
    return found + _banner(joined, number)


def _banner(output: str, number: int) -> list[Evidence]:
    if _LEGACY_BANNER not in output:
        return []
    return [Evidence(frozenset({LEGACY}), "Keras <= 2.3", f"cell {number} printed '{_LEGACY_BANNER}' (multi-backend Keras)")]


def notebook_evidence_from_text(text: str) -> tuple[Evidence, ...]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return ()
    cells = document.get("cells") if isinstance(document, dict) else None
    return notebook_evidence(cells) if isinstance(cells, list) else ()


# --- APIs that exist only in some versions -----------------------------------------------------------------

_BEFORE_KERAS3 = frozenset({LEGACY, TF2_OLD, TF2_NEW})
_STANDALONE_BEFORE_2_4 = frozenset({LEGACY})
# (pattern, eras, what it is). Each verified against the Keras that has it and the one that lacks it (README).
API_EVIDENCE: tuple[tuple[re.Pattern, frozenset[str], str], ...] = tuple((re.compile(p, re.MULTILINE), e, w) for p, e, w in (
    (r"^\s*(?:import\s+tf_keras\b|from\s+tf_keras\b)", frozenset({TF2_NEW}), "import tf_keras"),
    (r"\bkeras\.optimizers\.legacy\b|from\s+(?:tensorflow\.)?keras\.optimizers\s+import\s+legacy\b",
     frozenset({TF2_OLD, TF2_NEW}), "keras.optimizers.legacy (tf.keras 2.9-2.15, tf-keras)"),
    (r"\b(?:tf|tensorflow)\.estimator\b|\bimport\s+tensorflow_estimator\b", _BEFORE_KERAS3,
     "tf.estimator (removed in TF 2.16)"),
    (r"^\s*(?:import|from)\s+tensorflow_addons\b", frozenset({TF2_OLD, TF2_NEW}),
     "tensorflow_addons (TF 2.x up to 2.15)"),
    (r"\bkeras\.wrappers\.scikit_learn\b", _BEFORE_KERAS3, "keras.wrappers.scikit_learn (gone in Keras 3)"),
    (r"\bfrom\s+keras\.utils\s+import\s+np_utils\b|\bkeras\.utils\.np_utils\b", _BEFORE_KERAS3,
     "keras.utils.np_utils (gone in Keras 3)"),
    (r"\.fit_generator\(", _BEFORE_KERAS3, "fit_generator (gone in Keras 3)"),
    (r"\btensorflow\.python\.keras\b", _BEFORE_KERAS3, "tensorflow.python.keras (TF <= 2.15)"),
    (r"\bkeras\.layers\.core\b", _BEFORE_KERAS3, "keras.layers.core (gone in Keras 3)"),
    (r"\bkeras\.backend\.tensorflow_backend\b|\bkeras\.engine\.topology\b|\bset_image_dim_ordering\(",
     _STANDALONE_BEFORE_2_4, "multi-backend Keras API"),
    (r"^\s*from\s+keras\.layers\.normalization\s+import\s+BatchNormalization\b", _STANDALONE_BEFORE_2_4,
     "from keras.layers.normalization import BatchNormalization (Keras <= 2.5)"),
    (r"\bnb_epoch\s*=", _STANDALONE_BEFORE_2_4, "nb_epoch= (Keras 1 API, accepted up to Keras 2.3)"),
    (r"^\s*(?:import\s+keras_core\b|from\s+keras_core\b)|\bkeras\.ops\.|\bkeras\.config\.|\bkeras\.src\b",
     frozenset({KERAS3}), "Keras 3 API"),
))


# A word each pattern above cannot match without: a substring test is far cheaper than a regex scan, and most
# files contain none of them.
_API_NEEDLES: tuple[tuple[str, ...], ...] = (
    ("tf_keras",), ("legacy",), ("estimator",), ("tensorflow_addons",), ("scikit_learn",), ("np_utils",),
    ("fit_generator(",), ("tensorflow.python.keras",), ("keras.layers.core",),
    ("tensorflow_backend", "topology", "set_image_dim_ordering("), ("keras.layers.normalization",), ("nb_epoch",),
    ("keras_core", "keras.ops.", "keras.config.", "keras.src"),
)


def api_evidence(text: str, name: str | None = None) -> tuple[Evidence, ...]:
    """The version-specific APIs the text uses, most specific first (``name``: the file, for another file)."""
    found = []
    for (pattern, eras, what), needles in zip(API_EVIDENCE, _API_NEEDLES, strict=True):
        if not any(needle in text for needle in needles):
            continue
        match = pattern.search(text)
        if match is not None:
            line = text.count("\n", 0, match.start()) + 1
            found.append(Evidence(eras, _label(eras), f"{what} at {name}:{line}" if name else f"{what} at line {line}"))
    return tuple(sorted(found, key=lambda e: len(e.eras)))


@lru_cache(maxsize=1024)
def folder_api(folder: Path) -> Evidence | None:
    """Multi-backend Keras (<= 2.3) when the version-specific APIs of a folder's Python files agree on it, else None.

    A requirements-free example collection of that era is one Keras: one script's ``fit_generator`` and another's
    ``from keras.layers.normalization import BatchNormalization`` date the scripts beside them too. Only that
    conclusion carries over: collections such as keras-io convert their examples to Keras 3 one file at a time,
    so a sibling's Keras 3 or tf.keras 2 API says nothing about an older or newer file beside it."""
    eras = ALL_ERAS
    used: list[Evidence] = []
    try:
        entries = sorted((entry.name for entry in os.scandir(folder)
                          if entry.name.endswith(".py") and entry.is_file() and entry.stat().st_size <= 1_000_000))
    except OSError:
        return None
    for name in entries:
        try:
            text = (folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "keras" not in text and "tensorflow" not in text:
            continue
        for piece in api_evidence(text, name):
            narrowed = eras & piece.eras
            if not narrowed:
                return None  # the folder mixes Keras versions: it says nothing about one file
            if narrowed != eras:
                eras = narrowed
                used.append(piece)
    if eras != {LEGACY}:
        return None
    return Evidence(eras, "Keras <= 2.3", "; ".join(piece.where for piece in used[:2]))


def keras_target(setting: str, text: str | None, filename: str | None, stop: Path | None = None,
                 notebook: tuple[Evidence, ...] = ()) -> KerasTarget:
    """The Keras one file is judged under: the setting when it names one, else inferred (pins near ``filename``
    up to ``stop``, then the notebook's evidence, then the APIs of ``text``)."""
    forced = target_from_setting(setting)
    if forced is not None:
        return forced
    folder = _folder_of(filename)  # the file's folder, resolved once (pins_for would resolve it again)
    pins = _folder_pins(folder, stop) if folder is not None else None
    api = api_evidence(text) if text else ()
    if folder is not None:
        beside = folder_api(folder)
        api += (beside,) if beside is not None else ()
    if notebook:  # what a notebook installs or printed says more about it than the folder's pins
        return infer(None, notebook + ((pins,) if pins is not None else ()), api)
    return infer(pins, (), api)


def _folder_of(filename: str | None) -> Path | None:
    if not filename or filename in ("-", "<string>"):
        return None
    try:
        path = Path(filename)
        return path.resolve().parent if path.is_file() else None
    except OSError:
        return None


def pins_for(filename: str | None, stop: Path | None = None) -> Evidence | None:
    folder = _folder_of(filename)
    return _folder_pins(folder, stop) if folder is not None else None


def _folder_pins(folder: Path, stop: Path | None) -> Evidence | None:
    try:
        return project_pins(folder, stop.resolve() if stop is not None else None)
    except OSError:
        return None


def keras_evidence_beside(setting: str, filename: str) -> tuple:
    """The evidence outside a file that its inferred version rests on (a cache key part; read once per folder)."""
    if target_from_setting(setting) is not None:
        return ()
    folder = _folder_of(filename)
    return (_folder_pins(folder, None), folder_api(folder)) if folder is not None else (None, None)
