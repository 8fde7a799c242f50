"""Stage 1: finding the files to check and reading them (scripts, notebooks, the Keras version a project pins)."""
