"""``keras-version = "auto"``: the Keras each project and notebook runs on, from pins, notebooks and APIs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json
from tests.expectations import expected_reports
from trainlint.sources import versions
from trainlint.sources.versions import KERAS3, LEGACY, TF2_NEW, TF2_OLD, api_evidence, infer, version_of_package

VERSIONS = FIXTURES / "versions"


def _project(tmp_path: Path, *files: tuple[str, str]) -> Path:
    """A repository of its own (``.git`` bounds the search for pins), outside this one's pyproject.toml."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for name, text in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_tutorial_pinned_to_tf_2_9_gets_no_keras_3_error_for_lr(tmp_path):
    root = _project(tmp_path)
    shutil.copytree(VERSIONS / "pinned_tf29", root, dirs_exist_ok=True)
    assert check_json(root, extra=("--no-cache",)) == []
    # The same code judged as Keras 3 on request: the override still works.
    [finding] = check_json(root, extra=("--no-cache", "--keras-version", "3"))
    assert finding["code"] == "TL401" and "as the keras-version setting says" in finding["message"]


def test_without_any_evidence_the_message_states_what_each_keras_does(tmp_path):
    root = _project(tmp_path)
    shutil.copy(VERSIONS / "unpinned" / "train.py", root / "train.py")
    [finding] = check_json(root, extra=("--no-cache",))
    assert {(finding["line"], finding["code"])} == expected_reports(VERSIONS / "unpinned" / "train.py")
    message = finding["message"]
    assert message.startswith("which Keras runs this is open (as nothing in the project pins or shows the version)")
    assert "under Keras 3, Adam(lr=...) raises ValueError" in message
    assert "under tf.keras 2.11-2.15 / tf-keras, tf.keras >= 2.11 ignores lr=" in message
    assert "under Keras <= 2.3 / TF 1.x and tf.keras 2.0-2.10 this is fine, but under Keras 3" in message
    # The fix both problems share is said once, last.
    assert message.count("use learning_rate=") == 1 and message.endswith("use learning_rate=0.01")
    assert finding["keras"] == "any Keras (as nothing in the project pins or shows the version)"


def test_a_pin_decides_and_the_message_names_it(tmp_path):
    root = _project(tmp_path, ("requirements-gpu.txt", "# training\ntensorflow-gpu>=2.12,<2.14  # CUDA 11.8\n"))
    shutil.copy(VERSIONS / "unpinned" / "train.py", root / "train.py")
    [finding] = check_json(root, extra=("--no-cache",))
    assert finding["message"].endswith(
        "(under tf.keras <2.14,>=2.12, tensorflow-gpu<2.14,>=2.12 pinned in requirements-gpu.txt:2)")
    assert "ignores lr=" in finding["message"] and "Keras 3" not in finding["message"]


@pytest.mark.parametrize("notebook", ["prints_keras_2_0_8.ipynb", "installs_tf_2_9.ipynb", "colab_tf1.ipynb"])
def test_a_notebook_that_shows_its_keras_is_judged_under_it(tmp_path, notebook):
    # SGD(lr=0.01, decay=1e-6) is honoured by Keras 2.0.8, TF 1.x and tf.keras 2.9: nothing to report.
    root = _project(tmp_path)
    shutil.copy(VERSIONS / "notebooks" / notebook, root / notebook)
    assert check_json(root / notebook, extra=("--no-cache",)) == []
    forced = check_json(root / notebook, extra=("--no-cache", "--keras-version", "3"))
    assert sorted(f["code"] for f in forced) == ["TL401", "TL402"]


def test_the_printed_version_is_read_from_the_cell_that_prints_it():
    document = json.loads((VERSIONS / "notebooks" / "prints_keras_2_0_8.ipynb").read_text())
    evidence = versions.notebook_evidence(document["cells"])
    assert [(e.eras, e.version) for e in evidence] == [
        (frozenset({LEGACY}), "Keras 2.0.8"), (frozenset({LEGACY}), "Keras <= 2.3")]
    assert evidence[0].where == "keras.__version__ printed 2.0.8 in cell 1"


@pytest.mark.parametrize(("name", "specifier", "eras"), [
    ("tensorflow", "==2.9.*", {TF2_OLD}), ("tensorflow-cpu", "~=2.12.0", {TF2_NEW}), ("tensorflow", ">=2.16", {KERAS3}),
    ("tensorflow-gpu", "==1.15.5", {LEGACY}), ("keras", "==2.3.1", {LEGACY}), ("keras", ">=3.0", {KERAS3}),
    ("Keras", "<2.4", {LEGACY}), ("tf_keras", "", {TF2_NEW}), ("tensorflow", ">=2.10,<2.12", {TF2_OLD, TF2_NEW}),
])
def test_pins_are_read_with_pep_440(name, specifier, eras):
    assert version_of_package(name, specifier).eras == eras


@pytest.mark.parametrize(("filename", "text", "line"), [
    ("requirements.txt", "numpy\ntensorflow==2.9.1; python_version < '3.11'\n", 2),
    ("constraints.txt", "-r requirements.txt\ntensorflow == 2.9.*\n", 2),
    ("setup.py", "from setuptools import setup\nsetup(install_requires=[\n    'numpy',\n    'tensorflow>=2.9,<2.10',\n])\n", 4),
    ("setup.cfg", "[options]\ninstall_requires =\n    numpy\n    tensorflow==2.9.0\n", 4),
    ("pyproject.toml", "[project]\nname = 'x'\ndependencies = [\n  'tensorflow==2.9.*',\n]\n", 4),
    ("pyproject.toml", "[tool.poetry.dependencies]\npython = '^3.9'\ntensorflow = '~2.9'\n", 3),
    ("environment.yml", "name: tf\ndependencies:\n  - python=3.9\n  - tensorflow=2.9\n", 4),
    ("environment.yml", "dependencies:\n  - pip:\n    - tensorflow==2.9.1\n", 3),
    ("Pipfile", "[packages]\nnumpy = '*'\ntensorflow = '==2.9.1'\n", 3),
])
def test_each_kind_of_requirements_file_is_read(tmp_path, filename, text, line):
    (tmp_path / filename).write_text(text)
    evidence = versions.pins_in_folder(tmp_path)
    assert evidence is not None and evidence.eras == {TF2_OLD}
    assert evidence.where.endswith(f"pinned in {filename}:{line}")


def test_an_unpinned_package_is_no_evidence(tmp_path):
    (tmp_path / "requirements.txt").write_text("tensorflow\nkeras\n")
    assert versions.pins_in_folder(tmp_path) is None


@pytest.mark.parametrize(("code", "eras"), [
    ("import tf_keras as keras\n", {TF2_NEW}),
    ("opt = tf.keras.optimizers.legacy.Adam(learning_rate=1e-3)\n", {TF2_OLD, TF2_NEW}),
    ("est = tf.estimator.DNNClassifier(hidden_units=[10])\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("import tensorflow_addons as tfa\n", {TF2_OLD, TF2_NEW}),
    ("from keras.wrappers.scikit_learn import KerasClassifier\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("from keras.utils import np_utils\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("model.fit_generator(gen, steps_per_epoch=10)\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("from tensorflow.python.keras import layers\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("from keras.layers.core import Dense\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("from keras.layers.normalization import BatchNormalization\n", {LEGACY}),
    ("model.fit(x, y, nb_epoch=10)\n", {LEGACY}),
    ("x = keras.ops.softmax(y)\n", {KERAS3}),
    # Every alternative of every pattern, so that the substring each is first screened by cannot miss one.
    ("from tensorflow.keras.optimizers import legacy\n", {TF2_OLD, TF2_NEW}),
    ("import tensorflow_estimator as tfe\n", {LEGACY, TF2_OLD, TF2_NEW}),
    ("from keras.backend.tensorflow_backend import set_session\n", {LEGACY}),
    ("from keras.engine.topology import Layer\n", {LEGACY}),
    ("K.set_image_dim_ordering('th')\n", {LEGACY}),
    ("import keras_core as keras\n", {KERAS3}),
    ("keras.config.set_floatx('float16')\n", {KERAS3}),
    ("from keras.src.layers import Dense\n", {KERAS3}),
])
def test_apis_that_exist_only_in_some_versions_narrow_the_version(code, eras):
    assert infer(None, (), api_evidence(code)).eras == tuple(e for e in versions.ERAS if e in eras)


def test_a_weaker_piece_that_contradicts_a_stronger_one_is_dropped():
    pinned = version_of_package("tensorflow", "==2.9.1")
    target = infer(versions.Evidence(pinned.eras, pinned.version, "pinned"), (), api_evidence("import tf_keras\n"))
    assert target.eras == (TF2_OLD,) and target.why == "pinned"


def test_legacy_optimizers_written_on_purpose_are_not_a_keras_3_error(tmp_path):
    root = _project(tmp_path, ("train.py", (
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(optimizer=tf.keras.optimizers.legacy.Adam(learning_rate=1e-3), loss='binary_crossentropy')\n")))
    assert check_json(root, extra=("--no-cache",)) == []
    assert [f["code"] for f in check_json(root, extra=("--no-cache", "--keras-version", "3"))] == ["TL403"]


@pytest.mark.dynamic
def test_dynamic_mode_confirms_a_tf_keras_2_finding_with_tf_keras(tmp_path):
    import importlib.util

    root = _project(tmp_path, ("requirements.txt", "tensorflow==2.13.1\n"), ("train.py", (
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(optimizer=tf.keras.optimizers.Adam(lr=0.5), loss='binary_crossentropy')\n")))
    [finding] = check_json(root, extra=("--no-cache", "--dynamic"))
    assert finding["code"] == "TL401" and "tf.keras >= 2.11 ignores lr=" in finding["message"]
    confirmation = finding["confirmation"]
    if importlib.util.find_spec("tf_keras") is not None:
        assert confirmation["status"] == "confirmed", confirmation
        assert "lr=0.5 was dropped" in confirmation["evidence"] and "ran tf_keras 2." in confirmation["evidence"]
    else:
        assert "tf-keras is not installed, so the installed Keras ran" in confirmation["evidence"]


def test_a_requirements_free_keras_2_collection_is_dated_by_its_scripts_together(tmp_path):
    # One script's BatchNormalization import (Keras <= 2.5 layout) and another's fit_generator date the third,
    # whose SGD(lr=..., decay=...) is honoured by Keras <= 2.3: no finding there.
    root = _project(
        tmp_path,
        ("conv_lstm.py", "from keras.layers.normalization import BatchNormalization\n"),
        ("cifar10_cnn.py", "import keras\nmodel.fit_generator(flow, epochs=2)\n"),
        ("mnist_mlp.py", (
            "import keras\nfrom keras.optimizers import SGD\n"
            "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
            "model.compile(optimizer=SGD(lr=0.1, decay=1e-6), loss='categorical_crossentropy')\n")))
    assert check_json(root, extra=("--no-cache",)) == []
    folder = versions.folder_api(root.resolve())
    assert folder is not None and folder.eras == {LEGACY}
    assert "conv_lstm.py:1" in folder.where


def test_a_sibling_using_keras_3_apis_does_not_date_an_older_script(tmp_path):
    # Collections convert their examples one at a time: keras.ops in one file says nothing about another.
    root = _project(tmp_path, ("new.py", "import keras\nx = keras.ops.softmax(y)\n"),
                    ("old.py", "import keras\nopt = keras.optimizers.Adam(lr=0.01)\n"))
    assert versions.folder_api(root.resolve()) is None
    [finding] = check_json(root / "old.py", extra=("--no-cache",))
    assert finding["message"].startswith("which Keras runs this is open")


def test_a_cached_result_follows_a_changed_pin(tmp_path):
    root = _project(tmp_path, ("requirements.txt", "tensorflow==2.9.1\n"))
    shutil.copy(VERSIONS / "unpinned" / "train.py", root / "train.py")
    cache = ("--cache-dir", str(tmp_path / "cache"))
    assert check_json(root, extra=cache) == []
    (root / "requirements.txt").write_text("tensorflow==2.16.1\n")
    [finding] = check_json(root, extra=cache)
    assert finding["message"].endswith("(under Keras 3, tensorflow==2.16.1 pinned in requirements.txt:1)")
