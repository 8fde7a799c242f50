"""The facts the analyzer extracts and the rules read: small frozen dataclasses, free of syntax trees.

A :class:`SourceRef` points at a place in the code without computing its position; positions are resolved
only for the places a finding reports (computing them for a whole file costs more than parsing it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trainlint import knowledge
from trainlint.analysis.scenario import Scenario


@dataclass(frozen=True)
class SourceRef:
    """A place in a source unit: its file key and the syntax node (compared by identity)."""

    unit: str
    node: Any = field(compare=False, hash=False, repr=False)
    text: str = ""
    """The code as written, for messages ("'binary_crossentropy'", "Dense(1, activation='softmax')")."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceRef) and self.unit == other.unit and self.node is other.node

    def __hash__(self) -> int:
        return hash((self.unit, id(self.node)))


@dataclass(frozen=True)
class Head:
    """The final layer of a model output: its width and the activation its output goes through.

    ``None`` means unresolved; rules that need a field stay silent when it is ``None``.
    """

    units: int | None
    activation: str | None
    layer: SourceRef
    """The layer that sets the width (the ``Dense`` call)."""
    activation_at: SourceRef
    """Where the final activation is set: the ``activation=`` argument, an ``Activation`` layer, a call."""
    activations: tuple[str, ...] = ()
    """Every activation on the way out, first to last (``('softmax', 'softmax')`` is a double softmax)."""
    output_name: str | None = None
    width_of: tuple[str, int] | None = field(default=None, compare=False)
    """When the width is unknown but related to the labels: ``('distinct', id(labels))`` for
    ``len(set(labels))``, ``('word_index', id(encoder))`` for ``len(tokenizer.word_index)``."""


@dataclass(frozen=True)
class Unresolved:
    """Why a compile call with a loss gave no setup a rule can judge: for the coverage report, never a verdict."""

    reason: str
    """What stopped the analysis, in few enough words to count (``head: layer Conv2D``, ``loss: user function``)."""
    detail: str = ""
    """The code involved, for a person (``hub.KerasLayer(...)``, ``focal_loss``)."""

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@dataclass(frozen=True)
class LossSpec:
    name: str
    """Canonical loss (``knowledge.BCE`` ...)."""
    from_logits: bool | None
    """``None`` when written but unresolved; ``False`` for the string and function forms."""
    where: SourceRef
    form: str
    """``string`` | ``function`` | ``object`` | ``tf.nn`` (``tf.nn.*_with_logits``: always from logits, and
    TensorFlow never swaps in the logits Keras caches behind a softmax or sigmoid)."""


@dataclass(frozen=True)
class MetricSpec:
    name: str
    """Canonical metric (``knowledge.ACCURACY_AUTO`` for ``'accuracy'`` / ``'acc'``)."""
    where: SourceRef
    form: str
    """``string`` | ``function`` | ``object``."""
    threshold: float | None = None
    from_logits: bool | None = None
    explicit_threshold: bool = False


@dataclass(frozen=True)
class Labels:
    """How the targets passed to ``fit`` were made, as far as the code shows."""

    encoding: str
    """``knowledge.IDS`` | ``ONE_HOT`` | ``MULTI_HOT`` | ``BINARY`` | ``CONTINUOUS``."""
    first_id: int | None
    """For class ids: the smallest id the encoder produces (1 for ``Tokenizer``, 2 for ``TextVectorization``)."""
    num_classes: int | None
    """When visible: ``num_classes=``, a one-hot width, a fitted vocabulary, a known dataset."""
    where: SourceRef
    origin: str
    """How they were made, for messages: ``"to_categorical(num_classes=10)"``, ``"Tokenizer.texts_to_sequences"``."""
    reserved: str | None = None
    """Why ids start above 0, for messages."""
    encoder: int | None = field(default=None, compare=False)
    """``id`` of the encoder call that made these ids (to relate them to a head sized from that encoder)."""
    fitted_on: int | None = field(default=None, compare=False)
    """``id`` of the value the encoder was fitted on (the label strings), when it is one value."""

    @property
    def multi_label(self) -> bool | None:
        """True for multi-hot rows (several classes per sample), False for one class per sample (one-hot rows,
        class ids, a 0/1 column), None when the labels are not classes (continuous targets)."""
        if self.encoding == knowledge.MULTI_HOT:
            return True
        if self.encoding in (knowledge.ONE_HOT, knowledge.IDS, knowledge.BINARY):
            return False
        return None

    @property
    def last_id(self) -> int | None:
        if self.first_id is None or self.num_classes is None:
            return None
        return self.first_id + self.num_classes - 1


@dataclass(frozen=True)
class OptimizerCall:
    """An optimizer constructed in the code (``Adam(lr=0.01)``), compiled or not: Keras 3 raises at construction."""

    name: str
    """The class: ``Adam``, ``SGD`` ..."""
    legacy: bool
    """Built from ``keras.optimizers.legacy``."""
    keywords: tuple[str, ...]
    learning_rate: float | None
    """The value given as ``lr=`` or ``learning_rate=`` when it is a constant."""
    where: SourceRef
    keyword_at: dict = field(default_factory=dict, compare=False, hash=False)
    """Where each keyword argument is written, by name."""


@dataclass(frozen=True)
class TrainingSetup:
    """One model output tied to the ``compile(...)`` call that configures it, or to a loss applied to it in a
    training loop, in one scenario."""

    head: Head
    loss: LossSpec | None
    metrics: tuple[MetricSpec, ...]
    metrics_written_as_string: SourceRef | None
    """Set when ``metrics='accuracy'`` was passed as a bare string (Keras 3 raises)."""
    compile_at: SourceRef
    scenario: Scenario
    labels: Labels | None = None
    """The targets of a ``fit`` on the same model, when their encoding is visible."""
    applied_at: SourceRef | None = None
    """For a loss applied outside ``compile`` (``loss_fn(y, model(x))``): where it meets the model's output
    (``compile_at`` is then the same place)."""
