"""All rules. Importing this package registers every rule module in `REGISTRY`."""

from tpm.rules.registry import REGISTRY, Rule, rule
from tpm.rules import (  # noqa: F401  (importing a module registers its rules)
    checkpoints,
    content,
    dates,
    dependencies,
    history_rules,
    identity,
    parsing,
    references,
    suppressions,
)


def all_rules() -> list[Rule]:
    """Every registered rule, in code order."""
    return sorted(REGISTRY.values(), key=lambda r: r.code)


__all__ = ["REGISTRY", "Rule", "all_rules", "rule"]
