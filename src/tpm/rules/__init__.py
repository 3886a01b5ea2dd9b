"""All rules. Importing this package registers every rule module in `REGISTRY`."""

from tpm.rules.registry import REGISTRY, Rule, rule
from tpm.rules import parsing, identity, checkpoints  # noqa: E402,F401  (registration)


def all_rules() -> list[Rule]:
    """Every registered rule, in code order."""
    return sorted(REGISTRY.values(), key=lambda r: r.code)


__all__ = ["REGISTRY", "Rule", "rule", "all_rules"]
