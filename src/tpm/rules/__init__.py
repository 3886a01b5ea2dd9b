"""All rules. Importing this package registers every rule module in `REGISTRY`."""

from tpm.config import RuleOptions
from tpm.rules.registry import ALIASES, REGISTRY, Rule, canonical, find, rule
from tpm.rules import (  # noqa: F401  (importing a module registers its rules)
    checkpoints,
    content,
    dates,
    dependencies,
    history_rules,
    identity,
    parsing,
    plan,
    references,
    suppressions,
)


def all_rules() -> list[Rule]:
    """Every registered rule, in code order."""
    return sorted(REGISTRY.values(), key=lambda r: r.code)


def rule_defaults() -> dict[str, tuple[str, RuleOptions]]:
    """What `tpm.config.load_config` checks a config's `[rules.*]` tables against: by slug,
    and by old slug (`ALIASES`), the rule's slug and its options with their defaults."""
    known = {slug: (slug, registered.options) for slug, registered in REGISTRY.items()}
    for old, new in ALIASES.items():
        if new in REGISTRY:
            known[old] = (new, REGISTRY[new].options)
    return known


__all__ = ["ALIASES", "REGISTRY", "Rule", "all_rules", "canonical", "find", "rule", "rule_defaults"]
