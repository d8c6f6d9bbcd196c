"""Evaluation: Inventory + Config + rules in, Findings out. Pure: no network, no clock.

Ages and suppression expiry are measured at ``inventory.as_of`` (the collection time), so evaluating a saved
snapshot again gives the same findings with the same fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.config import Config, Suppression
from auditor.findings import Finding, ManualCheck, SuppressionRecord, make_fingerprint
from auditor.inventory import CollectionError, Inventory
from auditor.registry import RuleSet
from auditor.rule import Hit, Rule


@dataclass
class Evaluation:
    findings: list[Finding]
    manual_checks: list[ManualCheck]
    errors: list[CollectionError]  # the inventory's coverage gaps plus rules or packs that failed
    notices: list[str] = field(default_factory=list)


def evaluate(inventory: Inventory, ruleset: RuleSet, config: Config) -> Evaluation:
    errors = list(inventory.errors)
    errors += [
        CollectionError(service="auditor", operation="load rules", error_code="RulePackError", message=problem)
        for problem in ruleset.problems
    ]
    notices = [f"simulated: {note}" for note in inventory.collection.simulated]
    findings: dict[str, Finding] = {}
    suppression_use = _SuppressionUse()
    account_tags = _account_tags(inventory)
    for rule in ruleset.rules:
        if rule.id in config.rules.disabled:
            continue
        try:
            hits = list(rule.check(inventory, config))
        except Exception as exc:  # one broken rule must not hide the others' findings
            errors.append(
                CollectionError(
                    service="auditor",
                    operation=f"evaluate {rule.id}",
                    error_code=type(exc).__name__,
                    message=str(exc) or repr(exc),
                )
            )
            continue
        for hit in hits:
            finding = _finding(rule, hit, inventory, config)
            tags = {**account_tags.get(hit.account_id or "", {}), **hit.tags}
            _apply_suppression(finding, config.suppressions, tags, inventory, suppression_use)
            findings.setdefault(finding.fingerprint, finding)
    notices += suppression_use.notices(config.suppressions)
    ordered = sorted(
        findings.values(),
        key=lambda f: (-f.severity.rank, f.rule_id, f.account_id or "", f.resource_id, f.fingerprint),
    )
    return Evaluation(findings=ordered, manual_checks=list(ruleset.manual_checks), errors=errors, notices=notices)


def _finding(rule: Rule, hit: Hit, inventory: Inventory, config: Config) -> Finding:
    return Finding(
        fingerprint=make_fingerprint(rule.id, hit.account_id, hit.resource_id, hit.discriminator),
        rule_id=rule.id,
        title=rule.title,
        severity=config.rules.severity.get(rule.id, rule.severity),
        account_id=hit.account_id,
        account_name=inventory.account_name(hit.account_id) if hit.account_id else None,
        region=hit.region,
        resource_type=hit.resource_type,
        resource_id=hit.resource_id,
        message=hit.message,
        evidence=dict(hit.evidence),
        remediation=rule.remediation,
        references=list(rule.references),
        location=hit.location,
    )


@dataclass
class _SuppressionUse:
    """Which suppressions applied, so the reviewed file can be kept honest: expired and unused ones are named."""

    live: set[int] = field(default_factory=set)
    expired: set[int] = field(default_factory=set)

    def notices(self, suppressions: list[Suppression]) -> list[str]:
        notices = []
        for index, s in enumerate(suppressions):
            label = f"suppression #{index + 1} (rule {s.rule}, reason: {s.reason})"
            if index in self.expired:
                notices.append(f"{label} expired on {s.expires}; its findings count again")
            elif index not in self.live:
                notices.append(f"{label} matched no finding: remove it if what it covered is gone")
        return notices


def _apply_suppression(
    finding: Finding,
    suppressions: list[Suppression],
    tags: dict[str, str],
    inventory: Inventory,
    use: _SuppressionUse,
) -> None:
    today = inventory.as_of.date()
    for index, suppression in enumerate(suppressions):
        if not suppression.matches(
            finding.rule_id, finding.account_id, finding.account_name, finding.resource_id, tags
        ):
            continue
        expired = suppression.expires is not None and suppression.expires < today
        finding.suppression = SuppressionRecord(
            reason=suppression.reason, owner=suppression.owner, expires=suppression.expires, expired=expired
        )
        if expired:
            use.expired.add(index)
            continue  # an expired suppression is recorded on the finding but a live one may still match
        use.live.add(index)
        finding.suppressed = True
        return


def _account_tags(inventory: Inventory) -> dict[str, dict[str, str]]:
    """The known tags of each account. Tags never read (``None``: out of the scan's scope, or unreadable) are
    left out, so a tag suppression cannot match on them: the finding stays visible rather than hidden on a guess.
    """
    tags: dict[str, dict[str, str]] = {}
    if inventory.organization:
        for org_account in inventory.organization.accounts:
            if org_account.tags is not None:
                tags[org_account.id] = dict(org_account.tags)
    for account in inventory.accounts:
        if account.tags is not None:
            tags.setdefault(account.account_id, {}).update(account.tags)
    return tags
