"""The rule API: metadata next to a pure function of the inventory.

A rule module looks like this::

    from auditor.rule import Hit, RuleContext, rule

    @rule(
        id="KEY-004",
        title="Two active access keys",
        severity="low",
        area="access-keys",
        rationale="...why it matters...",
        remediation="...what to do, concretely...",
        references=["CIS AWS Foundations v3.0.0 1.13", "CIS AWS Foundations v5.0.0 1.12"],
    )
    def two_active_keys(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
        for account in inventory.accounts:
            ...
            yield Hit(account_id=..., resource_type="AWS::IAM::User", resource_id=user.arn, message=..., evidence={...})

The decorator returns a :class:`Rule` (it does not register anything globally): packs are lists of rules
discovered by scanning modules, so importing a rule never has a side effect and a broken pack cannot
corrupt another's registry. A rule must be pure: no network, no clock (ages are measured at
``context.as_of``), and it must yield hits in a deterministic order.

A rule sees the inventory and a :class:`RuleContext`, nothing else: not the configuration's suppressions,
switches or severity overrides, which are the engine's business. ``sources`` names the sources whose facts the
rule reads (``auditor.source``); when one of them did not run, the rule is reported as not evaluated.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.engine.patterns import AccountPattern, first_match
from auditor.findings import FileLocation, Severity
from auditor.remediation.template import Facts, FixTemplate, Line  # the public face: packs import them from here
from auditor.source import AWS_SOURCE

if TYPE_CHECKING:
    from auditor.engine.config import Config, Thresholds
    from auditor.inventory import Inventory
    from auditor.inventory.facts import AccountFacts

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d{3}$")


@dataclass(frozen=True)
class Hit:
    """What a rule yields: the facts of one finding. The engine adds metadata, fingerprint and suppression."""

    account_id: str | None
    resource_type: str  # CloudFormation-style type, e.g. "AWS::IAM::User", "AWS::SSO::PermissionSet"
    resource_id: str  # ARN where one exists
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    discriminator: str = ""  # e.g. the access key id, when one resource can have several findings of a rule
    region: str | None = None
    location: FileLocation | None = None
    tags: Mapping[str, str] = field(default_factory=dict)  # the resource's own tags, for tag suppressions
    # This finding's severity when it differs from the rule's (a key with its secret next to it is worse than a
    # lone key id). ``[rules] severity`` in auditor.toml still overrides it.
    severity: Severity | None = None
    # Facts the rule's fix needs that are not evidence of the finding (the user's groups, policies and keys, so
    # its "delete the user" runs in an order AWS accepts). Filled into the fix, never written to a report.
    fix_facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the inventory. Read-only; built once per evaluation."""

    as_of: datetime  # the collection time: "unused for 45 days" is measured here, never at "now"
    thresholds: Thresholds  # frozen (auditor.toml's [thresholds])
    production_patterns: tuple[AccountPattern, ...] = ()

    @classmethod
    def for_inventory(cls, inventory: Inventory, config: Config) -> RuleContext:
        return cls(
            as_of=inventory.as_of,
            thresholds=config.thresholds,
            production_patterns=config.production_account_patterns,
        )

    def production_pattern(self, account: AccountFacts | None) -> str | None:
        """The first production pattern the account matches, as written in the config; ``None`` if none does."""
        pattern = first_match(self.production_patterns, account)
        return pattern.text if pattern is not None else None


CheckFunction = Callable[["Inventory", RuleContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    area: str
    rationale: str
    remediation: str
    references: tuple[str, ...]
    check: CheckFunction
    # The sources whose facts the check reads: it is evaluated only when all of them ran.
    sources: tuple[str, ...] = (AWS_SOURCE,)
    # The auditor.toml keys the check reads ("thresholds.unused_days"): the catalog documents them.
    config_keys: tuple[str, ...] = ()
    fix: FixTemplate | None = None  # the remediation as console steps, CLI and Terraform, filled per finding

    def __post_init__(self) -> None:
        if not RULE_ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} is not of the form AREA-NNN")
        if not self.sources:
            raise ValueError(f"rule {self.id} names no source to read its facts from")


def rule(
    *,
    id: str,
    title: str,
    severity: str | Severity,
    area: str,
    rationale: str,
    remediation: str,
    references: Iterable[str] = (),
    sources: Iterable[str] = (AWS_SOURCE,),
    config_keys: Iterable[str] = (),
    fix: FixTemplate | None = None,
) -> Callable[[CheckFunction], Rule]:
    """Turn a check function into a :class:`Rule`. Text is dedented so docstring-style blocks read well."""

    def wrap(check: CheckFunction) -> Rule:
        return Rule(
            id=id,
            title=title,
            severity=Severity(severity),
            area=area,
            rationale=_clean(rationale),
            remediation=_clean(remediation),
            references=tuple(references),
            check=check,
            sources=tuple(sources),
            config_keys=tuple(config_keys),
            fix=fix,
        )

    return wrap


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip()


def rules_in(namespace: Mapping[str, Any]) -> list[Rule]:
    """The rules defined in a module namespace (``vars(module)``), in definition order."""
    return [value for value in namespace.values() if isinstance(value, Rule)]


__all__ = ["Facts", "FixTemplate", "Hit", "Line", "Rule", "RuleContext", "rule", "rules_in"]
