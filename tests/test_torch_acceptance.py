"""Issue #15 acceptance: PyTorch training code, end to end through the CLI, notebooks and a project.

Each fixture announces what it must raise with ``# expect: CODE`` comments; its corrected twin (the same code
with the fix) announces nothing and must stay silent. The flake8 plugin and the pre-commit hook run on PyTorch
fixtures in their own test modules.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, check_json, codes, expected, findings_by_file, lint, reported

TORCH = FIXTURES / "torch"
PROJECT = FIXTURES / "projects" / "torch_image_classifier"


@pytest.fixture(scope="module")
def torch_findings() -> dict[str, list[dict]]:
    return findings_by_file(TORCH)


@pytest.mark.parametrize("fixture", sorted(TORCH.glob("*.py")), ids=lambda p: p.stem)
def test_fixture_reports_exactly_what_it_expects(fixture: Path, torch_findings):
    assert reported(torch_findings, fixture) == expected(fixture)


def test_every_pytorch_rule_has_a_fixture_and_a_silent_twin(torch_findings):
    announced = {code for fixture in TORCH.glob("*.py") for _, code in expected(fixture)}
    assert announced == {"TL131", "TL132", "TL133", "TL134", "TL135", "TL136", "TL137", "TL331", "TL332",
                         "TL333", "TL334"}
    silent = [fixture for fixture in TORCH.glob("*.py") if not expected(fixture)]
    assert len(silent) >= 8


def test_kinds_stay_in_the_existing_vocabulary(torch_findings):
    kinds = {f["code"]: f["kind"] for findings in torch_findings.values() for f in findings}
    assert kinds == {"TL131": "from-logits-mismatch", "TL132": "from-logits-mismatch",
                     "TL133": "from-logits-mismatch", "TL134": "loss-activation-mismatch",
                     "TL135": "degenerate-head", "TL136": "degenerate-head", "TL137": "degenerate-head",
                     "TL331": "label-format-mismatch", "TL332": "units-classes-mismatch",
                     "TL333": "label-format-mismatch", "TL334": "label-format-mismatch"}


def test_double_softmax_names_the_loss_the_call_and_the_floor(torch_findings):
    [finding] = torch_findings["module_subclass_double_softmax.py"]
    assert "stays above 1.461" in finding["message"]  # log(1 + 9/e): verified in docs/torch-semantics.md
    assert {(r["line"], r["message"]) for r in finding["related"]} == {
        (31, "the loss is nn.CrossEntropyLoss"), (38, "the loss meets the output here")}


def test_targets_past_out_features_names_the_dataset(torch_findings):
    [finding] = torch_findings["dataset_classes_past_out_features.py"]
    assert "10 outputs" in finding["message"] and "CIFAR100 targets (class ids 0..99)" in finding["message"]
    assert 31 in {r["line"] for r in finding["related"]}  # where the dataset is built


def test_model_in_another_module_is_reported_where_the_softmax_is():
    findings = check_json(PROJECT / "train.py", extra=("--no-cache",), cwd=PROJECT)
    [finding] = findings
    assert (Path(finding["filename"]).name, finding["line"], finding["code"]) == ("models.py", 17, "TL131")
    assert {Path(r["filename"]).name for r in finding["related"]} == {"train.py"}


def test_a_project_directory_reports_the_finding_once():
    findings = check_json(PROJECT, extra=("--no-cache",))
    assert [(Path(f["filename"]).name, f["code"]) for f in findings] == [("models.py", "TL131")]


def test_notebook_finding_points_at_its_cell():
    [finding] = check_json(FIXTURES / "notebooks" / "torch_fashion_mnist.ipynb", extra=("--no-cache",))
    assert (finding["code"], finding["cell"], finding["cell_line"]) == ("TL131", 4, 6)


@pytest.mark.parametrize("activation, expected_codes", [
    ("nn.Softmax(dim=1)", ["TL131"]), ("nn.Sigmoid()", ["TL131"]), ("nn.LogSoftmax(dim=1)", []),
    ("nn.Identity()", []), ("nn.Dropout(0.5)", []),
])
def test_cross_entropy_judges_what_follows_the_last_linear(activation, expected_codes):
    source = f"""
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, 4), {activation})
        criterion = nn.CrossEntropyLoss()
        for x, y in loader:
            loss = criterion(model(x), y)
    """
    assert codes(source) == expected_codes


@pytest.mark.parametrize("written", [
    "torch.softmax(logits, dim=1)", "logits.softmax(dim=1)", "F.softmax(logits, 1)", "logits.softmax(-1)",
])
def test_softmax_written_as_function_or_method(written):
    source = f"""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        fc = nn.Linear(10, 4)
        for x, y in loader:
            logits = fc(x)
            loss = F.cross_entropy({written}, y)
    """
    assert codes(source) == ["TL131"]


def test_softmax_for_predictions_only_is_silent():
    source = """
        import torch
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, 4))
        criterion = nn.CrossEntropyLoss()
        for x, y in loader:
            logits = model(x)
            loss = criterion(logits, y)
            predictions = logits.softmax(dim=1).argmax(dim=1)
        model.eval()
        with torch.no_grad():
            probabilities = nn.Softmax(dim=1)(model(x_test))
    """
    assert codes(source) == []


def test_unknown_width_still_judges_the_activation_but_not_the_width():
    source = """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, num_classes), nn.Softmax(dim=1))
        for x, y in loader:
            loss = nn.CrossEntropyLoss()(model(x), y)
    """
    [finding] = lint(source)
    assert finding.code == "TL131" and "stays above" not in finding.message


def test_a_head_sized_by_a_torchvision_datasets_classes_has_that_width():
    source = """
        import torch
        import torch.nn as nn
        from torchvision import datasets, transforms
        train_set = datasets.CIFAR10("data", train=True, download=True, transform=transforms.ToTensor())
        loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
        model = nn.Sequential(nn.Flatten(), nn.Linear(3072, len(train_set.classes)), nn.Softmax(dim=1))
        for x, y in loader:
            loss = nn.CrossEntropyLoss()(model(x), y)
    """
    [finding] = lint(source)
    assert finding.code == "TL131" and "with 10 classes it stays above 1.461" in finding.message


@pytest.mark.parametrize("start", ["mp.spawn(train, args=(model, loader), nprocs=4)",
                                   "mp.Process(target=train, args=(0, model, loader)).start()"])
def test_a_function_started_in_processes_runs_on_their_arguments(start):
    source = f"""
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.multiprocessing as mp

        def train(rank, model, data_loader):
            for data, target in data_loader:
                loss = F.cross_entropy(model(data), target)

        model = nn.Sequential(nn.Linear(20, 1))
        model.share_memory()
        {start}
    """
    assert codes(source) == ["TL135"]


def test_what_a_child_process_appends_stays_in_the_child():
    source = """
        import torch.nn as nn
        import torch.multiprocessing as mp

        def collect(rank, names):
            names.append("cat")
            names.append("dog")

        classes = []
        mp.spawn(collect, args=(classes,), nprocs=1)
        model = nn.Sequential(nn.Linear(10, len(classes) + 1))  # the parent's list is still empty: one output
        for x, y in loader:
            loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert codes(source) == ["TL135"]


def test_a_reshaped_output_keeps_activation_verdicts_and_drops_width_verdicts():
    source = """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, 1), nn.Sigmoid())
        for x, y in loader:
            loss = nn.BCEWithLogitsLoss()(model(x).squeeze(1), y)
            other = nn.CrossEntropyLoss()(nn.Linear(10, 1)(x).view(-1), y)
    """
    assert codes(source) == ["TL132"]


def test_branches_on_the_number_of_classes_name_the_scenario():
    source = """
        import torch.nn as nn
        def build(num_classes):
            if num_classes == 2:
                return nn.Sequential(nn.Linear(10, 1))
            return nn.Sequential(nn.Linear(10, num_classes))
        def train(num_classes):
            model = build(num_classes)
            for x, y in loader:
                loss = nn.CrossEntropyLoss()(model(x), y)
    """
    [finding] = lint(source)
    assert finding.code == "TL135" and finding.message.startswith("when num_classes == 2")


def test_non_ml_files_and_keras_files_are_unchanged():
    assert codes("import torch\nx = torch.ones(3)\nprint(x.softmax(0))\n") == []
    keras = """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """
    assert codes(keras) == ["TL101"]


def _loss_setups(source: str):
    import textwrap

    import libcst as cst

    from trainlint.analysis.evaluator import Interpreter
    from trainlint.frameworks.torch import TORCH

    interpreter = Interpreter(cst.parse_module(textwrap.dedent(source)), "example.py")
    interpreter.run()
    return list(TORCH.facts(interpreter, "example.py"))


def _unresolved(setup, fact: str):
    from dataclasses import replace

    if fact == "head.units":
        return replace(setup, head=replace(setup.head, units=None)) if setup.head.units is not None else None
    if fact == "labels":
        return replace(setup, targets=None) if setup.targets is not None else None
    if fact == "labels.num_classes":
        targets = setup.targets
        return replace(setup, targets=replace(targets, num_classes=None, last_id=None)) if targets else None
    return None  # the loss and the activation are resolved in every setup that exists


@pytest.mark.parametrize("rule", [r for r in __import__("trainlint.lint_rules", fromlist=["ALL_RULES"]).ALL_RULES
                                  if r.code.startswith(("TL13", "TL33"))], ids=lambda r: r.code)
def test_torch_rules_are_silenced_by_exactly_the_facts_they_need(rule):
    from trainlint.lint_rules.base import RuleContext

    def fires(setups):
        return any(report.code == rule.code for s in setups for report in rule().check(s, RuleContext()))

    examples = [_loss_setups(example) for example in rule.INVALID]
    assert all(fires(found) for found in examples)
    for fact in ("head.units", "labels", "labels.num_classes"):
        shown = [variants for variants in ([v for v in (_unresolved(s, fact) for s in found) if v is not None]
                                           for found in examples) if variants]
        if not shown:
            continue
        if fact in rule.NEEDS:
            assert not any(fires(v) for v in shown), f"{rule.code} fires without {fact}"
        else:
            assert any(fires(v) for v in shown), f"{rule.code} is silenced by an unknown {fact}"


def test_summary_counts_loss_calls_and_resolved_outputs():
    from tests.conftest import run_trainlint

    result = run_trainlint("check", "--no-cache", "--summary", str(TORCH / "unresolved_outputs.py"),
                           str(TORCH / "module_subclass_logits.py"))
    assert result.returncode == 0, result.stderr
    rows = {line.split("  ")[0]: line.split("  ")[-1].strip() for line in result.stdout.splitlines() if "  " in line}
    assert rows["losses applied outside compile"] == "3"
    assert rows["model output resolved"] == "1 of 3 (33%)"
    assert "Why losses applied outside compile were not bound to a model output" in result.stdout
    assert rows["output: returned by a call not followed"] == "1" and rows["units: runtime value"] == "1"


def test_explain_unresolved_lists_each_unbound_loss_call_with_its_reason():
    from tests.conftest import run_trainlint

    result = run_trainlint("check", "--explain-unresolved", str(TORCH / "unresolved_outputs.py"))
    assert "2 losses applied outside compile not bound to a model output" in result.stdout
    assert "unresolved_outputs.py:9:12: output: returned by a call not followed (model(...))" in result.stdout
    assert "unresolved_outputs.py:13:12: units: runtime value" in result.stdout
    assert "compile call" not in result.stdout  # a PyTorch script has none to list


@pytest.mark.parametrize("wrapper", ["nn.DataParallel(model)", "DDP(model, device_ids=[rank])",
                                     "torch.compile(model)"])
def test_wrapped_models_keep_their_head(wrapper):
    source = f"""
        import torch
        import torch.nn as nn
        from torch.nn.parallel import DistributedDataParallel as DDP
        model = nn.Sequential(nn.Linear(20, 1))
        model = {wrapper}
        for x, y in loader:
            loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert codes(source) == ["TL135"]


def test_softmax_returned_only_in_eval_mode_is_silent():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 4)

            def forward(self, x):
                logits = self.fc(x)
                if self.training:
                    return logits
                return F.softmax(logits, dim=1)

        model = Net()
        for x, y in loader:
            loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert codes(source) == []


@pytest.mark.parametrize("made, expected_codes", [
    ("torch.LongTensor(to_categorical(y, 5))", ["TL331"]), ("torch.tensor(to_categorical(y, 5))", []),
    ("torch.tensor(LabelEncoder().fit_transform(y))", []), ("torch.tensor(np.eye(5)[y], dtype=torch.long)", ["TL331"]),
])
def test_targets_from_label_encoders_keep_their_encoding_and_dtype(made, expected_codes):
    source = f"""
        import numpy as np
        import torch
        import torch.nn as nn
        from sklearn.preprocessing import LabelEncoder
        from tensorflow.keras.utils import to_categorical
        targets = {made}
        model = nn.Sequential(nn.Linear(8, 5))
        loss = nn.CrossEntropyLoss()(model(torch.randn(16, 8)), targets)
    """
    assert codes(source) == expected_codes


def test_sequential_spread_from_a_known_list():
    source = """
        import torch.nn as nn
        head = [nn.Linear(10, 1), nn.Sigmoid()]
        model = nn.Sequential(nn.Flatten(), *head)
        unknown = nn.Sequential(*blocks)
        for x, y in loader:
            loss = nn.BCEWithLogitsLoss()(model(x), y) + nn.BCEWithLogitsLoss()(unknown(x), y)
    """
    assert codes(source) == ["TL132"]


HOGWILD = FIXTURES / "projects" / "torch_hogwild"


def test_a_model_handed_to_processes_running_an_imported_loop_is_judged_where_it_is_built(tmp_path):
    # main.py applies no loss itself: the pre-filter reads its imports and finds train.py's loop.
    findings = check_json(HOGWILD / "main.py", extra=("--no-cache",), cwd=HOGWILD)
    assert sorted((Path(f["filename"]).name, f["line"], f["code"]) for f in findings) == [
        ("main.py", 25, "TL135"), ("main.py", 25, "TL332")]
    fixed = tmp_path / "hogwild"
    shutil.copytree(HOGWILD, fixed)
    main = fixed / "main.py"
    main.write_text(main.read_text().replace("nn.Linear(50, 1)", "nn.Linear(50, 10)"))
    assert check_json(fixed, extra=("--no-cache",)) == []


def test_an_unbound_loss_names_the_layer_inside_a_sequential_that_hides_the_head():
    from trainlint.engine import lint_text

    source = textwrap.dedent("""
        import torch.nn as nn
        class Scaled(nn.Module):
            def forward(self, x):
                return x * 2
        model = nn.Sequential(nn.Linear(8, 4), nn.Sequential(nn.ReLU(), nn.PixelShuffle(2)), nn.Identity())
        other = nn.Sequential(nn.Linear(8, 4), Scaled())
        criterion = nn.CrossEntropyLoss()
        for x, y in loader:
            loss = criterion(model(x), y) + criterion(other(x), y)
    """)
    assert lint_text(source, "train.py").stats.unbound == {"head: layer PixelShuffle": 1, "head: custom layer": 1}
