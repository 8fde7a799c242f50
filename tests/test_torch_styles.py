"""Every PyTorch rule in every style a model and its loss are written in, with its corrected twin silent.

Styles: ``nn.Sequential`` (activation modules), an ``nn.Module`` subclass (an activation module set in
``__init__``), functional calls and tensor methods in ``forward``, a Lightning ``training_step``, a loss in a
helper that receives the model and the criterion, and the model in another module of the project. Each case is a
(head, activation, loss, targets) that a rule reports, and the same code with the fix the rule's message names.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import codes
from trainlint.api import check_paths

# code: (units, activation, loss, highest target id + 1), then the fixed (units, activation, loss)
CASES = {
    "TL131": ((10, "softmax", "CrossEntropyLoss", 10), (10, None, "CrossEntropyLoss")),
    "TL132": ((1, "sigmoid", "BCEWithLogitsLoss", 2), (1, None, "BCEWithLogitsLoss")),
    "TL133": ((1, None, "BCELoss", 2), (1, "sigmoid", "BCELoss")),
    "TL134": ((10, "softmax", "NLLLoss", 10), (10, "log_softmax", "NLLLoss")),
    "TL135": ((1, None, "CrossEntropyLoss", 1), (2, None, "CrossEntropyLoss")),
    "TL136": ((10, "log_softmax0", "NLLLoss", 10), (10, "log_softmax", "NLLLoss")),
    "TL137": ((1, "softmax", "BCELoss", 2), (1, "sigmoid", "BCELoss")),
    "TL332": ((10, None, "CrossEntropyLoss", 100), (100, None, "CrossEntropyLoss")),
}
MODULES = {"softmax": "nn.Softmax(dim=1)", "log_softmax": "nn.LogSoftmax(dim=1)", "log_softmax0": "nn.LogSoftmax(dim=0)",
           "sigmoid": "nn.Sigmoid()"}
FUNCTIONS = {"softmax": "F.softmax({}, dim=1)", "log_softmax": "{}.log_softmax(dim=1)",
             "log_softmax0": "F.log_softmax({}, dim=0)", "sigmoid": "torch.sigmoid({})"}
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport pytorch_lightning as pl\n"


def _model_class(units, activation, functional: bool, base: str = "nn.Module") -> str:
    out = "self.fc(torch.relu(self.hidden(x)))"
    lines = ["", f"class Net({base}):", "    def __init__(self):", "        super().__init__()",
             "        self.hidden = nn.Linear(20, 32)", f"        self.fc = nn.Linear(32, {units})"]
    if activation and not functional:
        lines.append(f"        self.act = {MODULES[activation]}")
    if activation:
        out = FUNCTIONS[activation].format(out) if functional else f"self.act({out})"
    lines += ["", "    def forward(self, x):", f"        return {out}", ""]
    return "\n".join(lines)


def _targets(loss, classes):
    if loss.startswith("BCE"):
        return "torch.randint(0, 2, (64, 1)).float()"
    return f"torch.randint(0, {classes}, (64,))"


def render(style: str, units, activation, loss, classes) -> str:
    y = _targets(loss, classes)
    if style == "sequential":
        layers = f"nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, {units})" + (
            f", {MODULES[activation]}" if activation else "")
        return HEADER + f"model = nn.Sequential({layers})\ncriterion = nn.{loss}()\n" \
            f"x, y = torch.randn(64, 20), {y}\nloss = criterion(model(x), y)\n"
    if style in ("subclass", "functional"):
        return HEADER + _model_class(units, activation, style == "functional") + \
            f"\nmodel = Net()\ncriterion = nn.{loss}()\nx, y = torch.randn(64, 20), {y}\nloss = criterion(model(x), y)\n"
    if style == "lightning":
        step = textwrap.indent(textwrap.dedent(f"""
            def training_step(self, batch, batch_idx):
                x = batch
                y = {y}
                return self.criterion(self(x), y)
            """), "    ")
        return HEADER + _model_class(units, activation, True, "pl.LightningModule").replace(
            "self.fc = nn.Linear", f"self.criterion = nn.{loss}()\n        self.fc = nn.Linear") + step
    if style == "helper":
        return HEADER + _model_class(units, activation, False) + textwrap.dedent(f"""
            def train_step(model, criterion, optimizer, x, y):
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()

            model = Net()
            train_step(model, nn.{loss}(), torch.optim.SGD(model.parameters(), lr=0.1), torch.randn(64, 20), {y})
            """)
    raise AssertionError(style)


STYLES = ("sequential", "subclass", "functional", "lightning", "helper")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_in_each_style_and_its_fix_is_silent(code, style):
    (units, activation, loss, classes), (fixed_units, fixed_activation, fixed_loss) = CASES[code]
    assert code in codes(render(style, units, activation, loss, classes))
    fixed_classes = classes if code != "TL332" else 100
    assert codes(render(style, fixed_units, fixed_activation, fixed_loss, fixed_classes)) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_when_the_model_is_in_another_module(code, tmp_path: Path):
    (units, activation, loss, classes), (fixed_units, fixed_activation, fixed_loss) = CASES[code]
    for folder, (u, a, lo, c) in (("bug", (units, activation, loss, classes)),
                                  ("fixed", (fixed_units, fixed_activation, fixed_loss,
                                             classes if code != "TL332" else 100))):
        project = tmp_path / folder
        project.mkdir()
        (project / "networks.py").write_text(HEADER + _model_class(u, a, functional=code in ("TL131", "TL136")))
        (project / "train.py").write_text(
            "import torch\nimport torch.nn as nn\nfrom networks import Net\n\n"
            f"model = Net()\ncriterion = nn.{lo}()\nx, y = torch.randn(64, 20), {_targets(lo, c)}\n"
            "loss = criterion(model(x), y)\n")
        found = [f.code for f in check_paths([project / "train.py"])]
        assert (code in found) if folder == "bug" else found == [], (folder, found)
