"""The built-in rule pack: one module per area. Rule ids are a public contract: never renumber or reuse one.

Each module defines rules with :func:`auditor.rule.rule`; this package only gathers them into ``BUILTIN_PACK``,
which the CLI wiring hands to :func:`auditor.registry.load_rules` (the core never imports a pack).
``python -m auditor.rules`` prints the pack's catalog as markdown (``docs/rules.md``).

Most rules read the AWS source; LOCAL-001 and LOCAL-002 read the AWS CLI files (``local``) and SECRET-001 source
trees (``code``).
"""

from __future__ import annotations

from auditor.registry import RulePack
from auditor.rule import rules_in
from auditor.rules import access_keys, identity_center, local, organization, roles, root, users
from auditor.rules.manual_checks import MANUAL_CHECKS

_MODULES = (root, organization, identity_center, users, access_keys, roles, local)

BUILTIN_PACK = RulePack(
    origin="builtin",
    rules=tuple(sorted((r for m in _MODULES for r in rules_in(vars(m))), key=lambda r: r.id)),
    manual_checks=tuple(MANUAL_CHECKS),
)

__all__ = ["BUILTIN_PACK"]
