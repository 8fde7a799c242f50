"""``label-range``: class ids outside ``[0, units)``."""

from __future__ import annotations

from trainlint import knowledge
from trainlint.lint_rules.base import Rule, head_note, loss_note


class LabelIdsPastTheHead(Rule):
    """
    ## What it does
    Checks for class ids that start above 0 (``Tokenizer`` numbers words from 1, ``TextVectorization``
    reserves 0 and 1, ``StringLookup`` reserves an out-of-vocabulary index) when the largest id reaches the
    number of output units, with ``sparse_categorical_crossentropy``. The class count need not be visible
    when the head is sized to it: ``Dense(len(tokenizer.word_index))`` or ``Dense(len(set(labels)))`` over
    the strings the encoder was fitted on overflows for any number of classes, while
    ``len(word_index) + 1`` and ``vectorizer.vocabulary_size()`` (which counts the reserved ids) are right.

    ## Why is this bad?
    Sparse categorical crossentropy indexes the output with the label: ids must lie in ``[0, units)``. The
    largest ids are out of range: TensorFlow raises ``InvalidArgumentError: Received a label value of 5
    which is outside the valid range of [0, 5)`` on the CPU and silently returns a NaN loss on a GPU.
    """

    code = "TL311"
    name = "label-ids-past-the-head"
    kind = "label-range"
    summary = "label ids start above 0 and overflow the output units"
    NEEDS = frozenset({'loss', 'labels', 'labels.first_id', 'head.units'})
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
        """
        import numpy as np
        import pandas as pd
        from tensorflow.keras.preprocessing.text import Tokenizer
        from tensorflow.keras import layers, models
        labels = pd.read_csv("bbc-text.csv")["category"].values
        label_tokenizer = Tokenizer()
        label_tokenizer.fit_on_texts(labels)
        y_train = np.array(label_tokenizer.texts_to_sequences(labels))
        model = models.Sequential([layers.Embedding(1000, 16), layers.GlobalAveragePooling1D(),
                                   layers.Dense(len(label_tokenizer.word_index), activation="softmax")])
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
        if not first:
            return
        if head.units is None:
            yield from self._sized_from_the_labels(setup)
            return
        if last is None and labels.encoder is not None and labels.fitted_on is not None:
            yield from self._one_unit_per_class(setup)
            return
        if last is None or last < head.units:
            return
        yield self.report(
            labels.where,
            f"the labels run from {first} to {last} ({labels.reserved or labels.origin}), but the {head.units}-unit head "
            f"accepts ids 0 to {head.units - 1}: {loss.name} fails on CPU and gives a NaN loss on GPU; subtract "
            f"{first} from the labels",
            head_note(setup), loss_note(setup),
        )

    def _one_unit_per_class(self, setup):
        """Label strings of unseen number (read from a file) fitted by an encoder, under a head of W units: the
        ids fit only with at most W - first classes; a head of one unit per class overflows whatever W is."""
        labels, head, loss = setup.labels, setup.head, setup.loss
        first, units = labels.first_id, head.units
        top = f"id {units} overflows" if first == 1 else f"ids {units} to {units + first - 1} overflow"
        yield self.report(
            labels.where,
            f"the labels start at {first} ({labels.reserved or labels.origin}), so a {units}-unit head holds at most "
            f"{units - first} classes: with one unit per class the top {top} ({loss.name} fails on CPU, NaN loss "
            f"on GPU); subtract {first} from the labels, or give the head {units} + {first} units",
            head_note(setup), loss_note(setup),
        )

    def _sized_from_the_labels(self, setup):
        """A head as wide as the classes (``len(tokenizer.word_index)``, ``len(set(labels))`` over the strings
        the encoder was fitted on) holds ids 0 to K-1; ids from 1 or 2 reach K or more, for any K."""
        labels, head, loss = setup.labels, setup.head, setup.loss
        if head.width_of is None:
            return
        kind, key = head.width_of
        if not ((kind == "word_index" and key == labels.encoder and labels.encoder is not None)
                or (kind == "distinct" and key == labels.fitted_on and labels.fitted_on is not None)):
            return
        sized = "len(word_index)" if kind == "word_index" else "len(set(labels))"
        first = labels.first_id
        yield self.report(
            labels.where,
            f"the labels start at {first} ({labels.reserved or labels.origin}), but the head is {sized} units wide "
            f"and accepts ids 0 to {sized} - 1: the top {'id overflows' if first == 1 else f'{first} ids overflow'} "
            f"for any number of classes, and {loss.name} fails on CPU and gives a NaN loss on GPU; size the head "
            f"{sized} + {first} (vocabulary_size() for a TextVectorization), or subtract {first} from the labels",
            head_note(setup), loss_note(setup),
        )


RULES = (LabelIdsPastTheHead,)
