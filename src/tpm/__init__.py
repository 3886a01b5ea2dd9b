"""tpm: a git-native, plain-text project-management linter."""

__version__ = "0.1.0"
