"""The facts of a PyTorch training step: a model output reaching a loss call, with the targets beside it.

Small frozen dataclasses, free of syntax trees, like :mod:`trainlint.analysis.facts`; the Keras rules never
see them (a rule reads one fact type).
"""

from __future__ import annotations

from dataclasses import dataclass

from trainlint.analysis.facts import SourceRef
from trainlint.analysis.scenario import Scenario


@dataclass(frozen=True)
class TorchHead:
    """The last width-setting layer of a model output and what is applied after it.

    ``None`` means unresolved; rules that need a field stay silent when it is ``None``.
    """

    units: int | None
    """``out_features`` of the last ``nn.Linear`` (``out_channels`` of a convolution)."""
    activation: str
    """The last activation applied after it (``knowledge_torch.LINEAR`` when none)."""
    dim: int | None
    """The ``dim`` a softmax / log-softmax acts on, when written as a constant."""
    dim_written: bool
    layer: SourceRef
    activation_at: SourceRef
    activations: tuple[str, ...] = ()
    reshaped: bool = False
    """A reshape (``squeeze``, ``view``, ``flatten``) after the layer: width and ``dim`` verdicts do not hold."""


@dataclass(frozen=True)
class TorchLoss:
    name: str
    """Canonical loss (``knowledge_torch.CROSS_ENTROPY`` ...)."""
    where: SourceRef
    """The loss module's construction, or the functional call."""
    form: str
    """``module`` | ``function``."""

    @property
    def written(self) -> str:
        from trainlint.knowledge_torch import LOSS_WRITTEN

        module, function = LOSS_WRITTEN[self.name]
        return module if self.form == "module" else function


@dataclass(frozen=True)
class TorchTargets:
    """How the targets passed to the loss were made, as far as the code shows."""

    encoding: str
    """``knowledge.IDS`` | ``knowledge.ONE_HOT``."""
    dtype: str | None
    """``knowledge_torch.LONG`` | ``FLOAT`` | ``None`` (unknown)."""
    first_id: int | None
    last_id: int | None
    """For class ids: the largest id the code can produce, when visible."""
    num_classes: int | None
    where: SourceRef
    origin: str
    batched: bool = False
    """A batch of targets (a ``DataLoader`` over a dataset, ``torch.randint(..., (n,))``): the output they meet
    is a batch too, so its dim 0 is the batch."""


@dataclass(frozen=True)
class LossSetup:
    """One model output reaching one loss call, in one scenario."""

    head: TorchHead
    loss: TorchLoss
    targets: TorchTargets | None
    call_at: SourceRef
    """The call that computes the loss (``criterion(output, target)``)."""
    scenario: Scenario
