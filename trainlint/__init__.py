"""trainlint: a static linter for Keras / TensorFlow training code."""

__version__ = "0.1.0"
