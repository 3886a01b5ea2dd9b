"""All rules. Importing this package registers every rule module in `REGISTRY`."""

from collections.abc import Mapping

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


def rule_defaults() -> dict[str, Mapping[str, int]]:
    """Every rule's options with their defaults, by slug: what `tpm.config.load_config`
    checks a config's `[rules.*]` tables against."""
    return {slug: registered.options for slug, registered in REGISTRY.items()}


__all__ = ["REGISTRY", "Rule", "all_rules", "rule", "rule_defaults"]
