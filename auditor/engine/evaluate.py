"""Evaluation: Inventory + Config + rules in, Findings out. Pure: no network, no clock.

Ages and suppression expiry are measured at ``inventory.as_of`` (the collection time), so evaluating a saved
snapshot again gives the same findings with the same fingerprints.

Every rule of the set gets a status, so that no report can mistake silence for a pass: a rule switched off in
the config is ``disabled``; a rule reading a source that did not run is ``not_evaluated``; a rule that raises is
``failed`` (and its error is a coverage gap, as for anything else that could not be read).

Rules are untrusted code (the pull-request gate loads them from the pull request). A third-party pack's rules
(``RuleSet.isolated``) run in the pack's own process (``auditor.engine.packs``), killed at the time limit; this
module only turns their answers, plain data, into findings. Each built-in check runs isolated in a thread
(``auditor.util.isolation``) under the same limit. Whatever it raises, ``SystemExit`` included, or a time limit it
overruns makes the rule ``failed`` with a gap naming it; a hit that is not a well-formed :class:`Hit` (wrong
types, evidence that is not JSON) is dropped with a gap naming the rule. The other rules' findings and every
report are still produced.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from auditor.engine.config import Config, Suppression
from auditor.engine.packs import Outcome, PackFailure, PackRef, RenderedHit, run_pack
from auditor.findings import (
    FileLocation,
    Finding,
    ManualCheck,
    RuleStatus,
    SuppressionRecord,
    display_name,
    finding_order,
    make_fingerprint,
)
from auditor.inventory import CollectionError, Inventory, SimulatedFact
from auditor.registry import RuleSet
from auditor.rule import Hit, Rule, RuleContext
from auditor.util.isolation import DEFAULT_RULE_TIMEOUT_SECONDS, run_isolated


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


def evaluate(
    inventory: Inventory,
    ruleset: RuleSet,
    config: Config,
    *,
    rule_timeout: float | None = DEFAULT_RULE_TIMEOUT_SECONDS,
) -> Evaluation:
    """``rule_timeout``: seconds each rule's check may take (``None``: no limit); past it the rule is abandoned."""
    errors = list(inventory.errors)
    errors += [
        CollectionError(service="auditor", operation="load rules", error_code="RulePackError", message=problem)
        for problem in ruleset.problems
    ]
    context = RuleContext.for_inventory(inventory, config)
    findings: dict[str, Finding] = {}
    outcomes: dict[str, RuleOutcome] = {}
    suppression_use = _SuppressionUse()
    filled_lines: dict[str, str] = {}  # fix lines shared by the findings that fill them alike (FixTemplate.fill)
    in_packs = _run_isolated_packs(
        inventory,
        config,
        [
            r
            for r in ruleset.rules
            if r.id in ruleset.isolated and _outcome_before_running(r, inventory, config) is None
        ],
        ruleset,
        rule_timeout,
    )
    for rule in ruleset.rules:
        outcome = _outcome_before_running(rule, inventory, config)
        if outcome is not None:
            outcomes[rule.id] = outcome
            continue
        if rule.id in ruleset.isolated:
            outcomes[rule.id] = _add_pack_result(
                rule, in_packs[rule.id], inventory, config, findings, errors, suppression_use
            )
            continue
        abandoned = threading.Event()
        ran = run_isolated(
            partial(_hits_of, rule, inventory, context, abandoned), rule_timeout, rule.id, abandoned=abandoned
        )
        if ran.timed_out:  # one broken rule must not hide the others' findings, nor hang the run
            message = f"did not finish within {rule_timeout:g} s (--rule-timeout); abandoned"
            errors.append(_rule_error(rule, "RuleTimeout", message))
            outcomes[rule.id] = RuleOutcome("failed", f"RuleTimeout: {message}")
            continue
        if ran.error is not None:
            errors.append(_rule_error(rule, type(ran.error).__name__, ran.error_text()))
            outcomes[rule.id] = RuleOutcome("failed", ran.describe_error())
            continue
        outcomes[rule.id] = RuleOutcome("evaluated")
        dropped: list[str] = []
        for hit in ran.value or []:
            finding, problem = _valid_finding(rule, hit, inventory, config, filled_lines)
            if finding is None:
                dropped.append(problem)
                continue
            facts = inventory.account_facts(hit.account_id) if hit.account_id else None
            account_tags = facts.tags if facts is not None and facts.tags is not None else {}
            tags = {**account_tags, **hit.tags}
            _apply_suppression(finding, config.suppressions, tags, inventory, suppression_use)
            findings.setdefault(finding.fingerprint, finding)
        if dropped:
            errors.append(
                _rule_error(rule, "InvalidHit", f"{len(dropped)} invalid hit(s) dropped; the first: {dropped[0]}")
            )
    ordered = sorted(findings.values(), key=finding_order)
    return Evaluation(
        findings=ordered,
        manual_checks=list(ruleset.manual_checks),
        errors=errors,
        notices=suppression_use.notices(config.suppressions),
        outcomes=outcomes,
    )


def _run_isolated_packs(
    inventory: Inventory, config: Config, rules: list[Rule], ruleset: RuleSet, rule_timeout: float | None
) -> dict[str, Outcome]:
    """Each third-party rule's result from its pack's own process (``engine/packs.py``). The child reads the
    inventory from its saved JSON, written once here to a private temporary directory for every pack."""
    if not rules:
        return {}
    by_pack: dict[str, tuple[PackRef, list[str]]] = {}
    for rule in rules:
        ref = ruleset.isolated[rule.id]
        by_pack.setdefault(ref.origin, (ref, []))[1].append(rule.id)
    results: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="auditor-packs-") as directory:
        path = Path(directory) / "inventory.json"
        inventory.save(path)
        thresholds = config.thresholds.model_dump(mode="json")
        for ref, rule_ids in by_pack.values():
            results |= run_pack(ref, rule_ids, str(path), thresholds, list(config.production_patterns), rule_timeout)
    return results


def _add_pack_result(
    rule: Rule,
    outcome: Outcome,
    inventory: Inventory,
    config: Config,
    findings: dict[str, Finding],
    errors: list[CollectionError],
    suppression_use: _SuppressionUse,
) -> RuleOutcome:
    """A pack rule's findings from the data its process sent: the engine's own metadata, fingerprint and
    suppression added here, as for a built-in rule; its failure a gap naming it."""
    if isinstance(outcome, PackFailure):
        errors.append(_rule_error(rule, outcome.code, outcome.message))
        return RuleOutcome("failed", f"{outcome.code}: {outcome.message}")
    if outcome.error_code is not None:
        errors.append(_rule_error(rule, outcome.error_code, outcome.error or ""))
        return RuleOutcome("failed", f"{outcome.error_code}: {outcome.error or ''}")
    dropped = list(outcome.invalid)
    for hit in outcome.hits:
        account_name = inventory.account_name(hit.account_id) if hit.account_id else None
        try:
            finding = Finding(
                fingerprint=make_fingerprint(rule.id, hit.account_id, hit.resource_id, hit.discriminator),
                rule_id=rule.id,
                title=rule.title,
                severity=config.rules.severity.get(rule.id, hit.severity or rule.severity),
                account_id=hit.account_id,
                account_name=account_name,
                region=hit.region,
                resource_type=hit.resource_type,
                resource_id=hit.resource_id,
                display_name=display_name(hit.resource_id, hit.evidence, hit.location),
                message=hit.message,
                evidence=hit.evidence,
                simulated=_simulated_notes(inventory.collection.simulated, hit),
                remediation=rule.remediation,
                fix=hit.fix,
                references=list(rule.references),
                location=hit.location,
            )
            _text_of(finding).encode()
        except Exception as exc:  # noqa: BLE001 - data from the pack's process: drop the hit, keep the run
            dropped.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            continue
        facts = inventory.account_facts(hit.account_id) if hit.account_id else None
        account_tags = facts.tags if facts is not None and facts.tags is not None else {}
        _apply_suppression(finding, config.suppressions, {**account_tags, **hit.tags}, inventory, suppression_use)
        findings.setdefault(finding.fingerprint, finding)
    if dropped:
        errors.append(
            _rule_error(rule, "InvalidHit", f"{len(dropped)} invalid hit(s) dropped; the first: {dropped[0]}")
        )
    return RuleOutcome("evaluated")


def _outcome_before_running(rule: Rule, inventory: Inventory, config: Config) -> RuleOutcome | None:
    """Why the rule does not run, or ``None`` when it does."""
    if rule.id in config.rules.disabled:
        where = config.origin or "the configuration"
        return RuleOutcome("disabled", f"disabled in {where} ([rules] disabled)")
    collected = inventory.collection.sources_collected
    missing = [source for source in rule.sources if source not in collected]
    if missing:
        names = ", ".join(missing)
        return RuleOutcome("not_evaluated", f"needs the {names} source, which did not run in this scan")
    return None


def _hits_of(rule: Rule, inventory: Inventory, context: RuleContext, abandoned: threading.Event) -> list[Any]:
    """The rule's hits, consumed one by one: once abandoned, a rule that yields forever stops at its next hit."""
    hits = []
    for hit in rule.check(inventory, context):
        if abandoned.is_set():
            break
        hits.append(hit)
    return hits


def _rule_error(rule: Rule, code: str, message: str) -> CollectionError:
    return CollectionError(service="auditor", operation=f"evaluate {rule.id}", error_code=code, message=message[:300])


_HIT_TYPES: dict[str, tuple[type, ...]] = {
    "account_id": (str, type(None)),
    "resource_type": (str,),
    "resource_id": (str,),
    "message": (str,),
    "evidence": (Mapping,),
    "discriminator": (str,),
    "region": (str, type(None)),
    "location": (FileLocation, type(None)),
    "tags": (Mapping,),
    "fix_facts": (Mapping,),
}


def hit_problem(hit: Any) -> str:
    """Why ``hit`` is not a well-formed :class:`Hit` (it would break the JSON reports), or ``""``. Shared with a
    pack's own process (``pack_child``), which checks its rules' hits before rendering them to data."""
    if not isinstance(hit, Hit):
        return f"yielded a {type(hit).__name__}, not a Hit"
    for name, types in _HIT_TYPES.items():
        value = getattr(hit, name)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            return f"Hit.{name} is a {type(value).__name__}, expected {expected}"
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in hit.tags.items()):
        return "Hit.tags must map strings to strings"
    try:  # encoding to UTF-8 rejects a lone surrogate (UnicodeEncodeError is a ValueError)
        json.dumps(dict(hit.evidence), allow_nan=False, ensure_ascii=False).encode()
    except (TypeError, ValueError) as exc:
        return f"Hit.evidence is not JSON: {str(exc)[:120]}"
    return ""


def _valid_finding(
    rule: Rule, hit: Any, inventory: Inventory, config: Config, filled_lines: dict[str, str]
) -> tuple[Finding | None, str]:
    """The finding for ``hit``, or ``None`` and why the hit is unusable (it would break the JSON reports)."""
    problem = hit_problem(hit)
    if problem:
        return None, problem
    try:
        finding = _finding(rule, hit, inventory, config, filled_lines)
        _text_of(finding).encode()
    except Exception as exc:  # noqa: BLE001 - whatever the surprise, drop this hit, keep the run
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return finding, ""


def _text_of(finding: Finding) -> str:
    """Every string of the finding's JSON but its evidence (checked above), joined: when this encodes to UTF-8,
    the finding serialises. The check once was ``finding.model_dump_json()``, which cost a whole JSON document
    per finding (most of evaluation's time at 40,000 findings) to catch what is left after validation: a lone
    surrogate in a string."""
    fix = finding.fix
    location = finding.location
    return "\n".join(
        [
            finding.fingerprint,
            finding.rule_id,
            finding.title,
            finding.account_id or "",
            finding.account_name or "",
            finding.region or "",
            finding.resource_type,
            finding.resource_id,
            finding.display_name,
            finding.message,
            *finding.simulated,
            finding.remediation,
            *finding.references,
            location.path if location is not None else "",
            *(fix.console if fix is not None else ()),
            *(fix.cli if fix is not None else ()),
            (fix.terraform or "") if fix is not None else "",
        ]
    )


def _finding(rule: Rule, hit: Hit, inventory: Inventory, config: Config, filled_lines: dict[str, str]) -> Finding:
    account_name = inventory.account_name(hit.account_id) if hit.account_id else None
    return Finding(
        fingerprint=make_fingerprint(rule.id, hit.account_id, hit.resource_id, hit.discriminator),
        rule_id=rule.id,
        title=rule.title,
        severity=config.rules.severity.get(rule.id, hit.severity or rule.severity),
        account_id=hit.account_id,
        account_name=account_name,
        region=hit.region,
        resource_type=hit.resource_type,
        resource_id=hit.resource_id,
        display_name=display_name(hit.resource_id, hit.evidence, hit.location),
        message=hit.message,
        evidence=dict(hit.evidence),
        simulated=_simulated_notes(inventory.collection.simulated, hit),
        remediation=rule.remediation,
        fix=rule.fix.fill(hit_facts(hit, account_name), filled_lines) if rule.fix is not None else None,
        references=list(rule.references),
        location=hit.location,
    )


def _simulated_notes(facts: list[SimulatedFact], hit: Hit | RenderedHit) -> list[str]:
    """What this finding rests on that was put in rather than collected (the demo's), so a reader can tell."""
    return [fact.note for fact in facts if fact.affects(hit.account_id, hit.resource_type)] if facts else []


def hit_facts(hit: Hit, account_name: str | None) -> dict[str, object]:
    """What a rule's fix template is filled with: the evidence, the rule's own facts for its fix, and where the
    finding is."""
    return {
        **hit.evidence,
        **hit.fix_facts,
        "account_id": hit.account_id,
        "account_name": account_name,
        "resource_id": hit.resource_id,
        "region": hit.region,
    }


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
    resources = _resource_names(finding)
    for index, suppression in enumerate(suppressions):
        if not any(
            suppression.matches(finding.rule_id, finding.account_id, finding.account_name, resource, tags)
            for resource in resources
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


def _resource_names(finding: Finding) -> list[str]:
    """What a suppression's ``resource`` glob may match: the resource, and for an access key also its user's
    ARN (``evidence.user_arn``), so "the keys of arn:aws:iam::*:user/ci-*" can be written, and suppressions
    written when key findings named the user (0.1.0) still match."""
    names = [finding.resource_id]
    user_arn = finding.evidence.get("user_arn")
    if isinstance(user_arn, str) and user_arn and user_arn != finding.resource_id:
        names.append(user_arn)
    return names
