"""PyTorch: a loss that does not fit the activation of the output it receives, or a head it cannot train.

Each rule reads a :class:`~trainlint.frameworks.torch_facts.LossSetup` (a model output reaching a loss call);
the behaviour behind each is verified in ``docs/torch-semantics.md``.
"""

from __future__ import annotations

import math

from trainlint import knowledge_torch as kt
from trainlint.frameworks.torch_facts import LossSetup
from trainlint.lint_rules.base import Rule

_NOT_PROBABILITIES = frozenset({kt.LINEAR, kt.TANH, kt.LOG_SOFTMAX, kt.RELU})
"""Outputs that are not in [0, 1]: BCELoss raises on them."""


def describe(setup: LossSetup) -> str:
    head = setup.head
    if head.activation == kt.LINEAR:
        return "raw logits"
    return f"the output of {head.activation}"


def head_related(setup: LossSetup):
    head = setup.head
    width = f"{head.units} output{'s' if head.units != 1 else ''}" if head.units is not None else "the output layer"
    related = [(head.layer, f"the last layer: {width}")]
    if head.activation_at != head.layer:
        related.append((head.activation_at, f"{head.activation} applied here"))
    return related


def loss_related(setup: LossSetup):
    if setup.loss.where == setup.call_at:
        return [(setup.call_at, f"the loss, {setup.loss.written}, meets the output here")]
    return [(setup.loss.where, f"the loss is {setup.loss.written}"), (setup.call_at, "the loss meets the output here")]


_TORCH_FACTS = {
    "loss": "the loss the output reaches (`nn.CrossEntropyLoss()`, `F.nll_loss`, ...)",
    "head.activation": "what is applied after the last layer (`nn.Softmax(dim)`, `F.log_softmax`, `x.sigmoid()`, "
                       "nothing)",
    "head.units": "the number of outputs of the last layer (`out_features`)",
    "labels": "how the targets passed to the loss were made",
    "labels.num_classes": "the classes the targets can hold (a dataset's classes, `torch.randint`'s range)",
}


class TorchRule(Rule):
    FACT = LossSetup

    @classmethod
    def fact_description(cls, name: str) -> str:
        return _TORCH_FACTS[name]


class CrossEntropyAfterSoftmax(TorchRule):
    """
    ## What it does
    Checks for ``nn.CrossEntropyLoss`` / ``F.cross_entropy`` applied to an output that already went through a
    softmax (or a sigmoid).

    ## Why is this bad?
    ``CrossEntropyLoss`` applies ``log_softmax`` to its input itself: it expects raw logits. On probabilities
    it squashes a second time, so the loss can never reach 0 (for 5 classes it stays above 0.905 even for
    perfect predictions) and its gradients are about ten times smaller: the model trains slowly, stalls, and
    nothing warns. Apply softmax only where predictions are read (``torch.no_grad()``, a ``predict`` method);
    ``log_softmax`` before the loss is harmless (the result is identical).
    """

    code = "TL131"
    NEEDS = frozenset({"loss", "head.activation"})
    name = "cross-entropy-after-softmax"
    kind = "from-logits-mismatch"
    summary = "CrossEntropyLoss applies its own softmax: on softmax outputs it squashes twice"
    INVALID = (
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels)
            loss.backward()
        """,
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.hidden = nn.Linear(784, 128)
                self.out = nn.Linear(128, num_classes)

            def forward(self, x):
                return F.softmax(self.out(F.relu(self.hidden(x))), dim=1)

        model = Net()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
        """,
    )
    VALID = (
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels)
            loss.backward()
        model.eval()
        with torch.no_grad():
            probabilities = torch.softmax(model(images), dim=1)
        """,
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.out = nn.Linear(784, 10)

            def forward(self, x):
                return F.log_softmax(self.out(x), dim=1)

        model = Net()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if setup.loss.name != kt.CROSS_ENTROPY or head.activation not in (kt.SOFTMAX, kt.SIGMOID):
            return
        floor = ""
        if head.activation == kt.SOFTMAX and head.units is not None and head.units > 1 and not head.reshaped:
            floor = f" (with {head.units} classes it stays above {math.log(1 + (head.units - 1) / math.e):.3f})"
        yield self.report(
            head.activation_at,
            f"{setup.loss.written} applies log_softmax to its input itself, so after this {head.activation} it "
            f"squashes twice: the loss can never reach 0{floor} and its gradients shrink about tenfold, so "
            f"training stalls; give the loss the logits and apply {head.activation} only to read predictions",
            *loss_related(setup))


class BCEWithLogitsAfterSigmoid(TorchRule):
    """
    ## What it does
    Checks for ``nn.BCEWithLogitsLoss`` / ``F.binary_cross_entropy_with_logits`` applied to an output that
    already went through a sigmoid (or a softmax).

    ## Why is this bad?
    ``BCEWithLogitsLoss`` applies a sigmoid itself. On probabilities the sigmoid is applied twice: predictions
    are squeezed into [0.5, 0.73], the loss cannot go below 0.551 even for perfect predictions and the
    gradients are several times smaller. Training goes on without an error, slowly and badly.
    """

    code = "TL132"
    NEEDS = frozenset({"loss", "head.activation"})
    name = "bce-with-logits-after-sigmoid"
    kind = "from-logits-mismatch"
    summary = "BCEWithLogitsLoss applies its own sigmoid: on sigmoid outputs it squashes twice"
    INVALID = (
        """
        import torch
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(20, 1)

            def forward(self, x):
                return torch.sigmoid(self.fc(x))

        model = Classifier()
        criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))
        for features, labels in loader:
            loss = criterion(model(features), labels)
        """,
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid())
        loss_fn = nn.BCEWithLogitsLoss()
        for xb, yb in train_dl:
            loss = loss_fn(model(xb).squeeze(1), yb)
        """,
    )
    VALID = (
        """
        import torch
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(20, 1)

            def forward(self, x):
                return self.fc(x)

        model = Classifier()
        criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))
        for features, labels in loader:
            logits = model(features)
            loss = criterion(logits, labels)
            accuracy = ((torch.sigmoid(logits) > 0.5).float() == labels).float().mean()
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if setup.loss.name != kt.BCE_WITH_LOGITS or head.activation not in (kt.SIGMOID, kt.SOFTMAX):
            return
        yield self.report(
            head.activation_at,
            f"{setup.loss.written} applies a sigmoid to its input itself, so after this {head.activation} the "
            f"outputs are squashed twice: the loss can never reach 0 and its gradients shrink; give the loss the "
            f"logits (drop the {head.activation}), or use nn.BCELoss on probabilities",
            *loss_related(setup))


class BCEOnLogits(TorchRule):
    """
    ## What it does
    Checks for ``nn.BCELoss`` / ``F.binary_cross_entropy`` applied to an output that did not go through a
    sigmoid (raw logits, ``tanh``, ``log_softmax``, ``relu``).

    ## Why is this bad?
    ``BCELoss`` takes probabilities in [0, 1]. The first batch with an output outside that range raises
    ``RuntimeError: all elements of input should be between 0 and 1`` (a device-side assert on CUDA); a batch
    that happens to fall inside it trains on a meaningless number. ``nn.BCEWithLogitsLoss`` takes the logits
    and is numerically stable.
    """

    code = "TL133"
    NEEDS = frozenset({"loss", "head.activation"})
    name = "bce-on-logits"
    kind = "from-logits-mismatch"
    summary = "BCELoss needs probabilities in [0, 1]; this output has no sigmoid"
    INVALID = (
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1))
        criterion = nn.BCELoss()
        for xb, yb in train_dl:
            loss = criterion(model(xb), yb)
        """,
    )
    VALID = (
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
        criterion = nn.BCELoss()
        for xb, yb in train_dl:
            loss = criterion(model(xb), yb)
        """,
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1))
        criterion = nn.BCEWithLogitsLoss()
        for xb, yb in train_dl:
            loss = criterion(model(xb), yb)
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if setup.loss.name != kt.BCE or head.activation not in _NOT_PROBABILITIES:
            return
        where = head.activation_at if head.activation != kt.LINEAR else head.layer
        yield self.report(
            where,
            f"{setup.loss.written} needs probabilities in [0, 1] but receives {describe(setup)}: the first batch "
            f"with an output outside [0, 1] raises RuntimeError (a device-side assert on CUDA); use "
            f"nn.BCEWithLogitsLoss on the logits, or apply torch.sigmoid before this loss",
            *loss_related(setup))


class NLLLossWithoutLogSoftmax(TorchRule):
    """
    ## What it does
    Checks for ``nn.NLLLoss`` / ``F.nll_loss`` applied to an output that is not ``log_softmax``: raw logits,
    softmax probabilities, a sigmoid.

    ## Why is this bad?
    ``NLLLoss`` only picks ``-input[target]``; it expects log-probabilities. On softmax probabilities it
    computes ``-p[target]``, a loss in [-1, 0] with weak gradients; on raw logits it computes
    ``-logit[target]``, unbounded below: the loss falls forever by growing the logits and says nothing about
    the classification. ``log_softmax`` + ``NLLLoss`` is ``CrossEntropyLoss`` on logits.
    """

    code = "TL134"
    NEEDS = frozenset({"loss", "head.activation"})
    name = "nll-loss-without-log-softmax"
    kind = "loss-activation-mismatch"
    summary = "NLLLoss expects log_softmax outputs"
    INVALID = (
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                return F.softmax(self.fc2(x), dim=1)

        def train(model, loader, optimizer):
            for data, target in loader:
                optimizer.zero_grad()
                loss = F.nll_loss(model(data), target)
                loss.backward()
                optimizer.step()

        train(Net(), loader, optimizer)
        """,
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(784, 10))
        criterion = nn.NLLLoss()
        for data, target in loader:
            loss = criterion(model(data), target)
        """,
    )
    VALID = (
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                return F.log_softmax(self.fc2(x), dim=1)

        def train(model, loader, optimizer):
            for data, target in loader:
                optimizer.zero_grad()
                loss = F.nll_loss(model(data), target)
                loss.backward()
                optimizer.step()

        train(Net(), loader, optimizer)
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if setup.loss.name != kt.NLL or head.activation == kt.LOG_SOFTMAX:
            return
        if head.activation == kt.SOFTMAX:
            effect = ("on softmax probabilities it computes -p[target], a loss stuck in [-1, 0] with weak "
                      "gradients")
        elif head.activation == kt.LINEAR:
            effect = ("on raw logits it computes -logit[target], unbounded below: the loss falls forever by "
                      "growing the logits")
        else:
            effect = f"on the output of {head.activation} it computes -output[target], which is not a likelihood"
        where = head.activation_at if head.activation != kt.LINEAR else head.layer
        yield self.report(
            where,
            f"{setup.loss.written} expects log-probabilities and only picks -input[target]: {effect}; apply "
            f"F.log_softmax(..., dim=1) to the output, or use nn.CrossEntropyLoss on the logits",
            *loss_related(setup))


class CrossEntropyOnSingleOutput(TorchRule):
    """
    ## What it does
    Checks for ``nn.CrossEntropyLoss`` / ``F.cross_entropy`` (or ``NLLLoss`` after ``log_softmax``) on a
    model whose last layer has one output.

    ## Why is this bad?
    Cross-entropy normalises over the classes, the outputs of the last layer: over one output
    ``log_softmax`` is exactly 0. With class-id targets 0 the loss and its gradients are identically 0 and
    nothing is learned; a target 1 raises ``IndexError: Target 1 is out of bounds``. A binary classifier
    with one output wants ``nn.BCEWithLogitsLoss``; with cross-entropy it needs two outputs.
    """

    code = "TL135"
    NEEDS = frozenset({"loss", "head.units"})
    name = "cross-entropy-on-single-output"
    kind = "degenerate-head"
    summary = "cross-entropy over one output is identically 0"
    INVALID = (
        """
        import torch.nn as nn

        class Binary(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(30, 16), nn.ReLU())
                self.head = nn.Linear(16, 1)

            def forward(self, x):
                return self.head(self.body(x))

        model = Binary()
        criterion = nn.CrossEntropyLoss()
        for x, y in loader:
            loss = criterion(model(x), y)
        """,
    )
    VALID = (
        """
        import torch.nn as nn

        class Binary(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(30, 16), nn.ReLU())
                self.head = nn.Linear(16, 1)

            def forward(self, x):
                return self.head(self.body(x))

        model = Binary()
        criterion = nn.BCEWithLogitsLoss()
        for x, y in loader:
            loss = criterion(model(x), y)
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if head.units != 1 or head.reshaped:
            return
        if not (setup.loss.name == kt.CROSS_ENTROPY or setup.loss.name == kt.NLL and head.activation ==
                kt.LOG_SOFTMAX):
            return
        yield self.report(
            head.layer,
            f"{setup.loss.written} normalises over the outputs of the last layer, and this layer has 1: "
            f"log_softmax over one value is 0, so the loss and its gradients are always 0 (a target 1 raises "
            f"IndexError); use one output with nn.BCEWithLogitsLoss for a binary task, or one output per class",
            *loss_related(setup))


class SoftmaxOverBatch(TorchRule):
    """
    ## What it does
    Checks for a softmax or log-softmax with ``dim=0`` on the output of the last layer, when the loss
    receives it with a batch of targets (the output is ``(batch, classes)``).

    ## Why is this bad?
    ``dim=0`` is the batch: each column (one class over the batch) sums to 1, each sample's row does not, and
    a sample's prediction depends on the other samples of its batch. The loss trains on that and predictions
    change with the batch size. Normalise over the classes, ``dim=1`` (or ``-1``).
    """

    code = "TL136"
    NEEDS = frozenset({"head.activation", "labels"})
    name = "softmax-over-batch"
    kind = "degenerate-head"
    summary = "softmax over dim=0 normalises over the batch, not the classes"
    INVALID = (
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return F.log_softmax(self.fc(x), dim=0)

        model = Net()
        x = torch.randn(64, 784)
        y = torch.randint(0, 10, (64,))
        loss = F.nll_loss(model(x), y)
        """,
    )
    VALID = (
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return F.log_softmax(self.fc(x), dim=1)

        model = Net()
        x = torch.randn(64, 784)
        y = torch.randint(0, 10, (64,))
        loss = F.nll_loss(model(x), y)
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if head.activation not in kt.NORMALISING or head.dim != 0 or head.reshaped:
            return
        if setup.targets is None or not setup.targets.batched:
            return
        yield self.report(
            head.activation_at,
            f"{head.activation} over dim=0 normalises over the batch, not the classes: each sample's scores "
            f"depend on the rest of its batch and do not sum to 1; use dim=1",
            (setup.targets.where, "the targets come in batches"), *loss_related(setup))


class SoftmaxOnSingleOutput(TorchRule):
    """
    ## What it does
    Checks for a softmax over the output of a last layer with one output.

    ## Why is this bad?
    Softmax normalises over the outputs; over a single one it returns exactly 1.0 for every input, so every
    prediction is the same and nothing can be learned from it. A binary classifier with one output wants a
    sigmoid (or ``nn.BCEWithLogitsLoss`` on the logit).
    """

    code = "TL137"
    NEEDS = frozenset({"head.activation", "head.units"})
    name = "softmax-on-single-output"
    kind = "degenerate-head"
    summary = "softmax over one output always outputs 1.0"
    INVALID = (
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 1), nn.Softmax(dim=1))
        criterion = nn.BCELoss()
        for xb, yb in train_dl:
            loss = criterion(model(xb), yb)
        """,
    )
    VALID = (
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid())
        criterion = nn.BCELoss()
        for xb, yb in train_dl:
            loss = criterion(model(xb), yb)
        """,
    )

    def check(self, setup, context):
        head = setup.head
        if head.activation != kt.SOFTMAX or head.units != 1 or head.reshaped or head.dim not in (1, -1):
            return
        yield self.report(
            head.activation_at,
            "softmax over 1 output always outputs 1.0, so every prediction is the same; use a sigmoid "
            "(or nn.BCEWithLogitsLoss on the logit), or one output per class",
            *head_related(setup))


RULES = (CrossEntropyAfterSoftmax, BCEWithLogitsAfterSigmoid, BCEOnLogits, NLLLossWithoutLogSoftmax,
         CrossEntropyOnSingleOutput, SoftmaxOverBatch, SoftmaxOnSingleOutput)
