"""``label-range``: class ids outside ``[0, units)``."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note, loss_note


class LabelIdsPastTheHead(Rule):
    """
    ## What it does
    Checks for class ids that start above 0 (``Tokenizer`` numbers words from 1, ``TextVectorization``
    reserves 0 and 1, ``StringLookup`` reserves an out-of-vocabulary index) when the largest id reaches the
    number of output units, with ``sparse_categorical_crossentropy``.

    ## Why is this bad?
    Sparse categorical crossentropy indexes the output with the label: ids must lie in ``[0, units)``. The
    largest ids are out of range: TensorFlow raises ``InvalidArgumentError: Received a label value of 5
    which is outside the valid range of [0, 5)`` on the CPU and silently returns a NaN loss on a GPU.
    """

    code = "TL311"
    name = "label-ids-past-the-head"
    kind = "label-range"
    summary = "label ids start above 0 and overflow the output units"
    NEEDS = frozenset({'loss', 'labels', 'labels.first_id', 'labels.num_classes', 'head.units'})
    INVALID = (
        """
        import numpy as np
        from tensorflow.keras.preprocessing.text import Tokenizer
        from tensorflow.keras import layers, models
        CATEGORIES = ["business", "entertainment", "politics", "sport", "tech"]
        label_tokenizer = Tokenizer()
        label_tokenizer.fit_on_texts(CATEGORIES)
        y_train = np.array(label_tokenizer.texts_to_sequences(train_labels))
        model = models.Sequential([layers.Embedding(1000, 16), layers.GlobalAveragePooling1D(),
                                   layers.Dense(5, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=10)
        """,
    )
    VALID = (
        """
        import numpy as np
        from tensorflow.keras.preprocessing.text import Tokenizer
        from tensorflow.keras import layers, models
        CATEGORIES = ["business", "entertainment", "politics", "sport", "tech"]
        label_tokenizer = Tokenizer()
        label_tokenizer.fit_on_texts(CATEGORIES)
        y_train = np.array(label_tokenizer.texts_to_sequences(train_labels))
        model = models.Sequential([layers.Embedding(1000, 16), layers.GlobalAveragePooling1D(),
                                   layers.Dense(6, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=10)
        """,
    )

    def check(self, setup, context):
        loss, labels, head = setup.loss, setup.labels, setup.head
        if not (labels and loss and loss.name in knowledge.SPARSE_LOSSES and labels.encoding == knowledge.IDS):
            return
        first, last = labels.first_id, labels.last_id
        if not first or last is None or head.units is None or last < head.units:
            return
        yield self.report(
            labels.where,
            f"the labels run from {first} to {last} ({labels.reserved or labels.origin}), but the {head.units}-unit head "
            f"accepts ids 0 to {head.units - 1}: {loss.name} fails on CPU and gives a NaN loss on GPU; subtract "
            f"{first} from the labels",
            head_note(setup), loss_note(setup),
        )


RULES = (LabelIdsPastTheHead,)
