"""The built-in rule pack: one module per area. Rule ids are a public contract: never renumber or reuse one.

Each module defines rules with :func:`auditor.rule.rule`; this package only gathers them.
"""

from __future__ import annotations

from auditor.rule import Rule, rules_in
from auditor.rules import access_keys, identity_center, local, organization, roles, root, users
from auditor.rules.manual_checks import MANUAL_CHECKS

_MODULES = (root, organization, identity_center, users, access_keys, roles, local)

BUILTIN_RULES: list[Rule] = sorted((r for m in _MODULES for r in rules_in(vars(m))), key=lambda r: r.id)

__all__ = ["BUILTIN_RULES", "MANUAL_CHECKS"]
