"""PyTorch: targets that do not fit the loss or the width of the output they are compared with.

The behaviour behind each rule is verified in ``docs/torch-semantics.md``.
"""

from __future__ import annotations

from trainlint import knowledge
from trainlint import knowledge_torch as kt
from trainlint.lint_rules.torch_loss import TorchRule, loss_related


class OneHotTargetsForCrossEntropy(TorchRule):
    """
    ## What it does
    Checks for one-hot targets (``F.one_hot``) given to ``nn.CrossEntropyLoss`` as integers, or to
    ``nn.NLLLoss`` at all.

    ## Why is this bad?
    ``CrossEntropyLoss`` takes class ids (``long``, shape ``(N,)``), or class probabilities as a *float*
    tensor of the output's shape (PyTorch >= 1.10). ``F.one_hot`` returns ``int64``, so a one-hot target
    raises "Expected floating point type for target with class probabilities, got Long" on the first batch.
    ``NLLLoss`` takes only class ids ("0D or 1D target tensor expected"). Pass the class ids themselves.
    """

    code = "TL331"
    NEEDS = frozenset({"loss", "labels"})
    name = "one-hot-targets-for-cross-entropy"
    kind = "label-format-mismatch"
    summary = "one-hot long targets: CrossEntropyLoss takes class ids (or float probabilities)"
    INVALID = (
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), F.one_hot(labels, num_classes=10))
        """,
    )
    VALID = (
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels)
        """,
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), F.one_hot(labels, num_classes=10).float())
        """,
    )

    def check(self, setup, context):
        targets = setup.targets
        if targets is None or targets.encoding != knowledge.ONE_HOT:
            return
        if setup.loss.name == kt.CROSS_ENTROPY and targets.dtype == kt.LONG:
            yield self.report(
                targets.where,
                f"{setup.loss.written} takes class ids, or class probabilities as floats; these {targets.origin} "
                f"targets are one-hot int64, which raises RuntimeError ('Expected floating point type for target "
                f"with class probabilities, got Long'); pass the class ids instead",
                *loss_related(setup))
        elif setup.loss.name == kt.NLL:
            yield self.report(
                targets.where,
                f"{setup.loss.written} takes class ids only; one-hot {targets.origin} targets raise RuntimeError "
                f"('0D or 1D target tensor expected'); pass the class ids instead",
                *loss_related(setup))


class TargetsPastOutFeatures(TorchRule):
    """
    ## What it does
    Checks for class-id targets that reach the number of outputs of the last layer: a dataset with more
    classes than ``out_features``, ``torch.randint(0, high, ...)`` with ``high`` above it.

    ## Why is this bad?
    ``CrossEntropyLoss`` and ``NLLLoss`` index the output with the target: a class id ``>= out_features``
    raises ``IndexError: Target 10 is out of bounds`` on CPU and a device-side assert on CUDA, often only
    when a batch first contains such a class. The last layer needs one output per class.
    """

    code = "TL332"
    NEEDS = frozenset({"loss", "head.units", "labels", "labels.num_classes"})
    name = "targets-past-out-features"
    kind = "units-classes-mismatch"
    summary = "class ids reach past the last layer's outputs"
    INVALID = (
        """
        import torch.nn as nn
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        train_set = datasets.CIFAR100("data", train=True, download=True, transform=transforms.ToTensor())
        loader = DataLoader(train_set, batch_size=64, shuffle=True)
        model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 512), nn.ReLU(), nn.Linear(512, 10))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels)
        """,
    )
    VALID = (
        """
        import torch.nn as nn
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        train_set = datasets.CIFAR100("data", train=True, download=True, transform=transforms.ToTensor())
        loader = DataLoader(train_set, batch_size=64, shuffle=True)
        model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 512), nn.ReLU(), nn.Linear(512, 100))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels)
        """,
    )

    def check(self, setup, context):
        targets, head = setup.targets, setup.head
        if targets is None or targets.encoding != knowledge.IDS or targets.last_id is None:
            return
        if setup.loss.name not in (kt.CROSS_ENTROPY, kt.NLL) or head.units is None or head.reshaped:
            return
        if targets.last_id < head.units:
            return
        yield self.report(
            head.layer,
            f"this layer has {head.units} outputs but the {targets.origin} go up to {targets.last_id}: "
            f"{setup.loss.written} raises IndexError ('Target {head.units} is out of bounds') on CPU and a "
            f"device-side assert on CUDA; give the layer {targets.last_id + 1} outputs",
            (targets.where, f"the targets: {targets.origin}"), *loss_related(setup))


class BinaryLossOnClassIds(TorchRule):
    """
    ## What it does
    Checks for class-id targets (a ``torchvision`` dataset's, ``torch.randint``'s) given to ``nn.BCELoss`` /
    ``nn.BCEWithLogitsLoss`` on a last layer with several outputs.

    ## Why is this bad?
    The binary losses score each output independently against a target of the same shape: they are
    multi-label losses. Class ids of shape ``(N,)`` against an ``(N, C)`` output raise ``ValueError: Target
    size ... must be the same as input size``; the usual "fix", one-hot targets, trains C independent yes/no
    questions instead of one choice among C classes. A single-label multi-class task wants
    ``nn.CrossEntropyLoss`` on the logits, with the class ids as they are.
    """

    code = "TL333"
    NEEDS = frozenset({"loss", "head.units", "labels"})
    name = "binary-loss-on-class-ids"
    kind = "label-format-mismatch"
    summary = "BCE on a multi-output head with class-id targets: a single-label task wants CrossEntropyLoss"
    INVALID = (
        """
        import torch.nn as nn
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        loader = DataLoader(datasets.MNIST("data", transform=transforms.ToTensor()), batch_size=64)
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        criterion = nn.BCEWithLogitsLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels.float())
        """,
    )
    VALID = (
        """
        import torch.nn as nn
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        loader = DataLoader(datasets.MNIST("data", transform=transforms.ToTensor()), batch_size=64)
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        criterion = nn.CrossEntropyLoss()
        for images, labels in loader:
            loss = criterion(model(images), labels)
        """,
    )

    def check(self, setup, context):
        targets, head = setup.targets, setup.head
        if setup.loss.name not in (kt.BCE, kt.BCE_WITH_LOGITS) or targets is None:
            return
        if targets.encoding != knowledge.IDS or head.units is None or head.units < 2 or head.reshaped:
            return
        yield self.report(
            setup.call_at,
            f"{setup.loss.written} is a multi-label loss that needs a target of the output's shape, but the "
            f"{targets.origin} are one class id per sample for {head.units} outputs: it raises ValueError "
            f"('Target size ... must be the same as input size'); for one class per sample use "
            f"nn.CrossEntropyLoss on the logits with these class ids",
            (targets.where, f"the targets: {targets.origin}"), (head.layer, f"the last layer: {head.units} outputs"),
            *loss_related(setup)[:1])


class CrossEntropyOnMultiHotTargets(TorchRule):
    """
    ## What it does
    Checks for multi-hot targets (several labels per sample: ``MultiLabelBinarizer``) given to
    ``nn.CrossEntropyLoss``.

    ## Why is this bad?
    Since PyTorch 1.10 a float target of the output's shape is read as class *probabilities*, so multi-hot rows
    are accepted without a word. But softmax makes the classes compete for one unit of probability: with two
    true labels the best the model can do is 0.5 on each, and it can never say "both, with confidence".
    A multi-label task wants ``nn.BCEWithLogitsLoss`` (one independent sigmoid per label).
    """

    code = "TL334"
    NEEDS = frozenset({"loss", "labels"})
    name = "cross-entropy-on-multi-hot-targets"
    kind = "label-format-mismatch"
    summary = "multi-hot targets with CrossEntropyLoss: a multi-label task wants BCEWithLogitsLoss"
    INVALID = (
        """
        import torch
        import torch.nn as nn
        from sklearn.preprocessing import MultiLabelBinarizer
        from torch.utils.data import DataLoader, TensorDataset

        y = MultiLabelBinarizer().fit_transform(tags)
        dataset = TensorDataset(torch.tensor(features, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))
        model = nn.Sequential(nn.Linear(300, 64), nn.ReLU(), nn.Linear(64, 20))
        criterion = nn.CrossEntropyLoss()
        for xb, yb in DataLoader(dataset, batch_size=32):
            loss = criterion(model(xb), yb)
        """,
    )
    VALID = (
        """
        import torch
        import torch.nn as nn
        from sklearn.preprocessing import MultiLabelBinarizer
        from torch.utils.data import DataLoader, TensorDataset

        y = MultiLabelBinarizer().fit_transform(tags)
        dataset = TensorDataset(torch.tensor(features, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))
        model = nn.Sequential(nn.Linear(300, 64), nn.ReLU(), nn.Linear(64, 20))
        criterion = nn.BCEWithLogitsLoss()
        for xb, yb in DataLoader(dataset, batch_size=32):
            loss = criterion(model(xb), yb)
        """,
    )

    def check(self, setup, context):
        targets = setup.targets
        if setup.loss.name != kt.CROSS_ENTROPY or targets is None or targets.encoding != knowledge.MULTI_HOT:
            return
        yield self.report(
            setup.call_at,
            f"{setup.loss.written} reads these multi-hot targets ({targets.origin}) as class probabilities: softmax "
            f"makes the labels compete, so a sample with two labels can get at best 0.5 on each; for several "
            f"labels per sample use nn.BCEWithLogitsLoss on the logits",
            (targets.where, f"the targets: {targets.origin}"), *loss_related(setup)[:1])


RULES = (OneHotTargetsForCrossEntropy, TargetsPastOutFeatures, BinaryLossOnClassIds, CrossEntropyOnMultiHotTargets)
