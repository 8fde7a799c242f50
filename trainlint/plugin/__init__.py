"""Where trainlint meets its users: output formats and integrations (flake8, pre-commit)."""
