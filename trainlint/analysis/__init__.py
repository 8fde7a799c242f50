"""The analyzer: libcst front end, symbolic evaluator, extracted facts."""
