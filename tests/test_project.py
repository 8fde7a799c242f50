"""Whole-project analysis: models, losses and labels followed across the modules of a repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, check_json, lint, run_trainlint
from trainlint.plugin.flake8_plugin import TrainlintChecker

PROJECTS = FIXTURES / "projects"
CONSISTENT = PROJECTS / "text_classification"
ALWAYS_SOFTMAX = PROJECTS / "text_classification_always_softmax"
SRC_LAYOUT = PROJECTS / "src_layout_units_mismatch"
UNRESOLVABLE = PROJECTS / "unresolvable"


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the only line holding ``text`` (fixtures stay editable without renumbering tests)."""
    [line] = [n for n, content in enumerate(path.read_text().splitlines(), 1) if text in content]
    return line


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    return root


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "flake8", "--select", "TL", *args], cwd=cwd,
                          capture_output=True, text=True, env=environment, timeout=300)


# --- (a) a text-classification project split into build_model.py, train.py, explore_data.py -------------

def test_helper_and_caller_deciding_on_the_same_condition_in_two_modules_is_clean():
    assert check_json(".", cwd=CONSISTENT) == []


def test_helper_always_returning_softmax_is_reported_in_train_py_with_the_head_in_build_model_py():
    [finding] = check_json(".", cwd=ALWAYS_SOFTMAX)
    assert finding["code"] == "TL111"
    assert finding["scenario"] == "num_classes == 2"
    assert finding["message"].startswith("when num_classes == 2: binary_crossentropy on a 2-unit softmax")
    assert (finding["filename"], finding["line"]) == (
        "train.py", line_of(ALWAYS_SOFTMAX / "train.py", 'loss = "binary_crossentropy"'))
    [related] = finding["related"]
    assert (related["filename"], related["line"]) == (
        "build_model.py", line_of(ALWAYS_SOFTMAX / "build_model.py", "model.add(layers.Dense(units=op_units"))
    assert related["message"] == "the output is a 2-unit softmax head"


def test_text_output_names_both_files_with_paths_as_given():
    result = run_trainlint("check", str(ALWAYS_SOFTMAX.relative_to(REPO)), cwd=REPO)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    base = "fixtures/projects/text_classification_always_softmax"
    assert lines[0].startswith(f"{base}/train.py:{line_of(ALWAYS_SOFTMAX / 'train.py', 'binary_crossentropy')}:")
    assert lines[1].startswith(f"    {base}/build_model.py:")
    assert "Found 1 finding" in lines[-1]


def test_one_file_checked_alone_still_sees_the_modules_beside_it_as_the_pre_commit_hook_does():
    [finding] = check_json("train.py", cwd=ALWAYS_SOFTMAX)
    assert finding["code"] == "TL111"
    assert finding["related"][0]["filename"] == "build_model.py"


def test_without_the_other_modules_the_same_file_gets_no_guess():
    assert lint((ALWAYS_SOFTMAX / "train.py").read_text(), filename="train.py") == []


def test_a_condition_that_differs_between_the_modules_is_reported_with_its_scenario(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(CONSISTENT, project)
    train = project / "train.py"
    train.write_text(train.read_text().replace("if num_classes == 2:", "if num_classes == 2 or num_classes == 3:"))
    [finding] = check_json(".", cwd=project)
    # Three classes get binary crossentropy on a 3-unit softmax: only that scenario is wrong.
    assert finding["code"] == "TL111"
    assert finding["scenario"] == "num_classes != 2 and num_classes == 3"


# --- (b) a src/ package: config.py, model.py, data.py, train.py -------------------------------------------

def test_src_layout_units_against_classes_across_config_model_and_data():
    [finding] = check_json(".", cwd=SRC_LAYOUT)
    package = SRC_LAYOUT / "src" / "newsgroups"
    assert finding["kind"] == "units-classes-mismatch"
    assert finding["message"].startswith("the head has 8 units but the labels have 10 classes")
    assert (finding["filename"], finding["line"]) == (
        "src/newsgroups/model.py", line_of(package / "model.py", "NUM_CLASSES - 2"))
    related = {(r["filename"], r["line"]) for r in finding["related"]}
    assert related == {("src/newsgroups/data.py", line_of(package / "data.py", "to_categorical")),
                       ("src/newsgroups/model.py", line_of(package / "model.py", "NUM_CLASSES - 2")),
                       ("src/newsgroups/train.py", line_of(package / "train.py", "model.compile"))}


def test_src_layout_found_from_a_script_outside_the_package_too():
    findings = check_json("src/newsgroups/train.py", cwd=SRC_LAYOUT)
    assert [f["code"] for f in findings] == ["TL321"]


def test_src_layout_finding_reported_once_whatever_the_number_of_importers():
    findings = check_json("src", "scripts", cwd=SRC_LAYOUT)
    assert len(findings) == 1


# --- (c) cycles, missing modules, shadowed standard library, star imports, unparsable modules -------------

def test_unresolvable_imports_give_no_crash_and_no_guess():
    result = run_trainlint("check", "--output-format", "json", str(UNRESOLVABLE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_each_unresolvable_model_would_be_a_finding_if_its_module_were_resolved(tmp_path):
    """The fixture is not silent by accident: with the same code in one file, trainlint reports each model."""
    single = "\n".join((UNRESOLVABLE / name).read_text() for name in ("helpers.py", "turtle.py"))
    single += "\nmodel = make_model()\nmodel.compile(optimizer='adam', loss='binary_crossentropy')\n"
    single += "other = load_model()\nother.compile(optimizer='adam', loss='binary_crossentropy')\n"
    assert [f.code for f in lint(single)] == ["TL101", "TL101"]


@pytest.mark.parametrize("depth, reported", [(3, True), (40, False)])
def test_chains_of_imports_are_followed_to_a_bounded_depth(tmp_path, depth, reported):
    # Past the bound the width is unknown: TL101 needs it to be 1; TL111 (binary crossentropy on a softmax) is
    # wrong for any width, so it is what remains.
    files = {f"link{i}.py": f"from link{i + 1} import UNITS\n" for i in range(depth)}
    files[f"link{depth}.py"] = "UNITS = 1\n"
    files["train.py"] = """
        from tensorflow import keras
        from link0 import UNITS
        model = keras.Sequential([keras.layers.Dense(UNITS, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """
    write_project(tmp_path, files)
    codes = [f["code"] for f in check_json("train.py", cwd=tmp_path)]
    assert codes == (["TL101"] if reported else ["TL111"])


def test_mutually_recursive_functions_across_modules_end(tmp_path):
    write_project(tmp_path, {
        "ping.py": """
            import pong
            def build(n):
                return pong.build(n - 1)
        """,
        "pong.py": """
            import ping
            def build(n):
                return ping.build(n - 1)
        """,
        "train.py": """
            from tensorflow import keras
            import ping
            model = ping.build(10)
            model.compile(optimizer="adam", loss="binary_crossentropy")
        """,
    })
    assert check_json(".", cwd=tmp_path) == []


# --- how modules are found --------------------------------------------------------------------------------

HEAD_WITH_SOFTMAX_ON_ONE_UNIT = """
    from tensorflow import keras
    def build(units=1):
        return keras.Sequential([keras.layers.Dense(units, activation="softmax")])
"""
TRAIN = """{imports}
model = build()
model.compile(optimizer="adam", loss="binary_crossentropy")
"""


@pytest.mark.parametrize("layout, train_at, imports", [
    ({"models/heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT}, "train.py", "from models.heads import build"),
    ({"pkg/__init__.py": "", "pkg/heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT}, "pkg/train.py",
     "from .heads import build"),
    ({"pkg/__init__.py": "", "pkg/heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT, "pkg/sub/__init__.py": ""},
     "pkg/sub/train.py", "from ..heads import build"),
    ({"pkg/__init__.py": "from .heads import build\n", "pkg/heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT},
     "train.py", "from pkg import build"),
    ({"pkg/__init__.py": "", "pkg/heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT}, "train.py",
     "import pkg.heads as heads\nbuild = heads.build"),
    ({"pyproject.toml": "", "src/lib/__init__.py": "", "src/lib/heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT},
     "scripts/train.py", "from lib import heads\nbuild = heads.build"),
], ids=["namespace-package", "relative", "relative-parent", "package-reexport", "import-as", "src-layout"])
def test_modules_are_found_as_python_would_find_them(tmp_path, layout, train_at, imports):
    write_project(tmp_path, {**layout, train_at: TRAIN.format(imports=imports)})
    [finding] = check_json(".", cwd=tmp_path)
    assert finding["code"] == "TL101"
    assert finding["filename"].endswith("heads.py")
    assert Path(tmp_path, finding["filename"]).is_file()


# --- flake8, one file at a time, one project per run -------------------------------------------------------

def test_flake8_reports_the_cross_module_finding_on_the_file_it_checks():
    result = flake8(".", cwd=ALWAYS_SOFTMAX)
    line = line_of(ALWAYS_SOFTMAX / "train.py", 'loss = "binary_crossentropy"')
    assert result.stdout.splitlines() == [
        f"./train.py:{line}:16: TL111 " + result.stdout.split(" TL111 ", 1)[1].splitlines()[0]]
    assert "when num_classes == 2" in result.stdout
    assert flake8(".", cwd=CONSISTENT).stdout == ""


def test_flake8_shows_a_finding_whose_line_is_in_another_module_at_this_files_part_of_it():
    result = flake8("src/newsgroups/train.py", cwd=SRC_LAYOUT)
    compile_line = line_of(SRC_LAYOUT / "src/newsgroups/train.py", "model.compile")
    model_line = line_of(SRC_LAYOUT / "src/newsgroups/model.py", "NUM_CLASSES - 2")
    [reported] = result.stdout.splitlines()
    assert reported.startswith(f"src/newsgroups/train.py:{compile_line}:5: TL321 ")
    # The primary place is in model.py; flake8 can only show it at this file's part of it, so the message names
    # it, and the related places follow in brackets.
    assert f"(at src/newsgroups/model.py:{model_line}:15) [" in reported
    assert reported.endswith("the output is an 8-unit softmax head]")


def test_flake8_checker_parses_each_imported_module_once_per_run(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ALWAYS_SOFTMAX, project)
    second = project / "train_again.py"
    second.write_text((project / "train.py").read_text())
    TrainlintChecker.project = None
    try:
        reported = []
        for script in ("train.py", "train_again.py"):
            path = project / script
            checker = TrainlintChecker(None, str(path), path.read_text().splitlines(keepends=True))
            reported += [message.split()[0] for _, _, message, _ in checker.run()]
        assert reported == ["TL111", "TL111"]
        assert TrainlintChecker.project.parsed_modules == 2  # build_model.py and explore_data.py, once each
    finally:
        TrainlintChecker.project = None


def test_installed_packages_beside_audited_code_are_not_followed(tmp_path):
    site = tmp_path / "site-packages"
    write_project(site, {"heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT, "vendor/__init__.py": "",
                         "vendor/train.py": TRAIN.format(imports="from heads import build")})
    assert check_json(str(site / "vendor")) == []
    # The same layout outside site-packages is a project of its own, and is followed.
    project = tmp_path / "project"
    write_project(project, {"heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT, "vendor/__init__.py": "",
                            "vendor/train.py": TRAIN.format(imports="from heads import build")})
    assert [f["code"] for f in check_json(str(project / "vendor"))] == ["TL101"]


def test_locations_in_another_module_hold_for_code_spanning_lines(tmp_path):
    write_project(tmp_path, {
        "heads.py": """
            from tensorflow import keras


            class Heads:
                def build(self, units):
                    return keras.Sequential([
                        keras.layers.Dense(
                            units,
                            activation="softmax",
                        ),
                    ])
        """,
        "train.py": """
            from heads import Heads
            model = Heads().build(3)
            model.compile(optimizer="adam",
                          loss="binary_crossentropy")
        """,
    })
    [finding] = check_json(".", cwd=tmp_path)
    assert (finding["filename"], finding["line"], finding["column"]) == ("train.py", 5, 20)
    [related] = finding["related"]
    assert (related["filename"], related["line"], related["column"]) == ("heads.py", 10, 17)


def test_files_without_keras_are_parsed_only_when_they_compile_a_model_from_a_keras_module(tmp_path):
    from trainlint.analysis.project import Project
    from trainlint.engine import lint_text

    write_project(tmp_path, {
        "patterns.py": "import re\nWORD = re.compile(r'\\w+')\n",
        "heads.py": HEAD_WITH_SOFTMAX_ON_ONE_UNIT,
        "tokens.py": "import re\nfrom patterns import WORD\nSPACE = re.compile(' ')\n",
        "train.py": TRAIN.format(imports="from heads import build"),
    })
    project = Project()
    parsed = {name: lint_text((tmp_path / name).read_text(), str(tmp_path / name), project=project).stats.parsed
              for name in ("tokens.py", "train.py")}
    assert parsed == {"tokens.py": 0, "train.py": 1}
    assert project.parsed_modules == 1  # heads.py, for train.py; nothing for tokens.py


def test_pre_commit_passing_only_the_changed_file_still_sees_the_modules_beside_it(tmp_path):
    """Real pre-commit, a local hook running this checkout's CLI on the files of a commit."""
    project = tmp_path / "project"
    shutil.copytree(ALWAYS_SOFTMAX, project)
    (project / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""
        repos:
          - repo: local
            hooks:
              - id: trainlint
                name: trainlint
                entry: {sys.executable} -m trainlint check
                language: system
                types: [python]
    """))
    environment = {**os.environ, "PYTHONPATH": str(REPO), "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, env=environment)

    git("init", "-q")
    git("add", ".")
    result = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", "train.py"], cwd=project,
                            capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "train.py:" in result.stdout and " TL111 when num_classes == 2" in result.stdout
    assert "build_model.py:" in result.stdout  # the related location, in the module pre-commit did not pass


def test_noqa_in_the_module_a_finding_is_reported_in_silences_it(tmp_path):
    shutil.copytree(SRC_LAYOUT, tmp_path / "project")
    model = tmp_path / "project" / "src" / "newsgroups" / "model.py"
    text = model.read_text()
    model.write_text(text.replace('activation="softmax")(x)', 'activation="softmax")(x)  # noqa: TL101'))
    assert [f["code"] for f in check_json(".", cwd=tmp_path / "project")] == ["TL321"]
    model.write_text(text.replace('activation="softmax")(x)', 'activation="softmax")(x)  # noqa: TL321'))
    assert check_json(".", cwd=tmp_path / "project") == []
