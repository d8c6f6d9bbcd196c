"""Evaluation: Inventory + Config + rules in, Findings out. Pure: no network, no clock.

Ages and suppression expiry are measured at ``inventory.as_of`` (the collection time), so evaluating a saved
snapshot again gives the same findings with the same fingerprints.

Every rule of the set gets a status, so that no report can mistake silence for a pass: a rule switched off in
the config is ``disabled``; a rule reading a source that did not run is ``not_evaluated``; a rule that raises is
``failed`` (and its error is a coverage gap, as for anything else that could not be read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.config import Config, Suppression
from auditor.findings import Finding, ManualCheck, RuleStatus, SuppressionRecord, make_fingerprint
from auditor.inventory import CollectionError, Inventory
from auditor.registry import RuleSet
from auditor.rule import Hit, Rule, RuleContext


@dataclass(frozen=True)
class RuleOutcome:
    status: RuleStatus
    reason: str | None = None


@dataclass
class Evaluation:
    findings: list[Finding]
    manual_checks: list[ManualCheck]
    errors: list[CollectionError]  # the inventory's coverage gaps plus rules or packs that failed
    notices: list[str] = field(default_factory=list)
    outcomes: dict[str, RuleOutcome] = field(default_factory=dict)  # rule id -> status


def evaluate(inventory: Inventory, ruleset: RuleSet, config: Config) -> Evaluation:
    errors = list(inventory.errors)
    errors += [
        CollectionError(service="auditor", operation="load rules", error_code="RulePackError", message=problem)
        for problem in ruleset.problems
    ]
    notices = [f"simulated: {note}" for note in inventory.collection.simulated]
    context = RuleContext.for_inventory(inventory, config)
    findings: dict[str, Finding] = {}
    outcomes: dict[str, RuleOutcome] = {}
    suppression_use = _SuppressionUse()
    for rule in ruleset.rules:
        outcome = _outcome_before_running(rule, inventory, config)
        if outcome is not None:
            outcomes[rule.id] = outcome
            continue
        try:
            hits = list(rule.check(inventory, context))
        except Exception as exc:  # one broken rule must not hide the others' findings
            message = str(exc) or repr(exc)
            errors.append(
                CollectionError(
                    service="auditor", operation=f"evaluate {rule.id}", error_code=type(exc).__name__, message=message
                )
            )
            outcomes[rule.id] = RuleOutcome("failed", f"{type(exc).__name__}: {message}")
            continue
        outcomes[rule.id] = RuleOutcome("evaluated")
        for hit in hits:
            finding = _finding(rule, hit, inventory, config)
            facts = inventory.account_facts(hit.account_id) if hit.account_id else None
            account_tags = facts.tags if facts is not None and facts.tags is not None else {}
            tags = {**account_tags, **hit.tags}
            _apply_suppression(finding, config.suppressions, tags, inventory, suppression_use)
            findings.setdefault(finding.fingerprint, finding)
    notices += suppression_use.notices(config.suppressions)
    ordered = sorted(
        findings.values(),
        key=lambda f: (-f.severity.rank, f.rule_id, f.account_id or "", f.resource_id, f.fingerprint),
    )
    return Evaluation(
        findings=ordered,
        manual_checks=list(ruleset.manual_checks),
        errors=errors,
        notices=notices,
        outcomes=outcomes,
    )


def _outcome_before_running(rule: Rule, inventory: Inventory, config: Config) -> RuleOutcome | None:
    """Why the rule does not run, or ``None`` when it does."""
    if rule.id in config.rules.disabled:
        where = config.source or "the configuration"
        return RuleOutcome("disabled", f"disabled in {where} ([rules] disabled)")
    collected = inventory.collection.sources_collected
    missing = [source for source in rule.sources if source not in collected]
    if missing:
        names = ", ".join(missing)
        return RuleOutcome("not_evaluated", f"needs the {names} source, which did not run in this scan")
    return None


def _finding(rule: Rule, hit: Hit, inventory: Inventory, config: Config) -> Finding:
    return Finding(
        fingerprint=make_fingerprint(rule.id, hit.account_id, hit.resource_id, hit.discriminator),
        rule_id=rule.id,
        title=rule.title,
        severity=config.rules.severity.get(rule.id, hit.severity or rule.severity),
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
    """``tags``: the resource's own over its account's. Account tags never read are left out, so a tag
    suppression cannot match on them: the finding stays visible rather than hidden on a guess."""
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
