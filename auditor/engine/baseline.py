"""Baselines and diffs: what is new, unchanged, fixed or not re-verified between two findings documents.

Identity is the finding's ``fingerprint`` (rule id + account + resource + discriminator), never a message,
line number or timestamp. One rule decides what a baseline *covers*, shared by ``--baseline`` and ``diff``:

* a current finding is **unchanged** when the baseline holds the same fingerprint, unless the baseline copy was
  suppressed and the current one is not: the baseline accepted it only under a suppression that has since
  expired or been removed, so it is **new** again (an expiry date means "fail again after this date", and a
  baseline must not quietly undo that);
* a baseline finding is **fixed** when its fingerprint is gone now, unless it was suppressed in the baseline:
  a suppressed finding was never an open problem, so its disappearance is not reported as a fix;
* incomplete never means fixed: a baseline finding this scan could not have seen again (its account was out of
  scope, could not be entered, or was only partly read, by a read in the account or by an organization-level
  read that covers it: Identity Center read from its owner, the organization's account list and OU tree read
  from the management account, each error entry naming the accounts and rule areas it covers
  (``CollectionError.covers_accounts``, ``covers_areas``); an account-less finding while something account-less
  failed; its rule did not run) is **not re-verified**: it is carried forward, still open, into the current
  document (``baseline_state`` ``not_reverified``), so reports, SARIF uploads and later baselines keep it. It never
  fails the gate (it is not new) and is never counted as fixed.
  A shard (a scan with an ``--ou``/``--accounts``/``--exclude-accounts`` selection) says nothing about the accounts
  it did not select: their baseline findings are neither fixed nor carried (``outside_selection``).

Fingerprints changed once, deliberately (issue 10, after 0.1.0): access key findings are about the key
(resource = key id; was the user's ARN with the key id as discriminator) and account-level findings about the
account (resource = its Organizations ARN or id; was the root principal's ARN). :func:`legacy_fingerprints` maps
the old fingerprints to the new ones, so a baseline written by the older version still matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.findings import Finding, FindingsDocument, finding_order, make_fingerprint, summarize

# How a shard's selection is recorded in ``scope.sources`` (``auditor.collect.runner``)
SELECTION_PREFIXES = ("ou:", "accounts:", "exclude-accounts:")


@dataclass(frozen=True)
class DiffResult:
    """``auditor diff OLD NEW``: findings of NEW that are new or unchanged, and findings of OLD that are fixed."""

    new: list[Finding] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    unchanged: list[Finding] = field(default_factory=list)
    not_reverified: list[Finding] = field(default_factory=list)  # carried-forward copies of baseline findings


# ---------------------------------------------------------------------------------------------- baseline


def apply_baseline(document: FindingsDocument, baseline: FindingsDocument) -> FindingsDocument:
    """A copy of ``document`` with every finding marked new or unchanged, ``fixed`` filled and counts redone."""
    result = diff(baseline, document)
    unchanged = {f.fingerprint for f in result.unchanged}
    findings = [
        f.model_copy(update={"baseline_state": "unchanged" if f.fingerprint in unchanged else "new"})
        for f in document.findings
    ]
    if result.not_reverified:
        findings = sorted([*findings, *result.not_reverified], key=finding_order)
    notices = list(document.notices)
    if result.not_reverified:
        notices.append(
            f"{len(result.not_reverified)} baseline finding(s) could not be re-verified by this scan (account out of "
            "scope or unreadable, or rule not run): carried forward as open, not reported fixed"
        )
    theirs, ours = baseline.scope.organization_id, document.scope.organization_id
    if theirs and ours and theirs != ours:
        notices.append(f"baseline is from organization {theirs}, this scan is of {ours}: most findings will be new")
    return document.model_copy(
        update={
            "findings": findings,
            "fixed": result.fixed,
            "summary": summarize(findings, result.fixed, with_baseline=True),
            "notices": notices,
        }
    )


def diff(old: FindingsDocument, new: FindingsDocument) -> DiffResult:
    old = with_current_fingerprints(old, new)
    old_by_fingerprint = {f.fingerprint: f for f in old.findings}
    current = {f.fingerprint for f in new.findings}
    new_findings: list[Finding] = []
    unchanged: list[Finding] = []
    for finding in new.findings:
        before = old_by_fingerprint.get(finding.fingerprint)
        covered = before is not None and not (before.suppressed and not finding.suppressed)
        (unchanged if covered else new_findings).append(finding)
    fixed: list[Finding] = []
    carried: list[Finding] = []
    for f in old.findings:
        if f.fingerprint in current or outside_selection(f, new):
            continue
        reason = not_reverified_reason(f, new)
        if reason is not None:
            message = f.message if f.baseline_state == "not_reverified" else f"not re-verified ({reason}): {f.message}"
            carried.append(f.model_copy(update={"baseline_state": "not_reverified", "message": message}))
        elif not f.suppressed:
            fixed.append(f.model_copy(update={"baseline_state": None}))
    return DiffResult(new=new_findings, fixed=fixed, unchanged=unchanged, not_reverified=carried)


def outside_selection(finding: Finding, document: FindingsDocument) -> bool:
    """A shard (``--ou``, ``--accounts``, ``--exclude-accounts``) says nothing about the accounts it did not
    select: their baseline findings are neither fixed nor carried into this shard's reports (they belong to
    another shard, whose SARIF category is its own). An account the shard selected but could not read has an
    error entry, and is carried forward instead."""
    account = finding.account_id
    if account is None or not any(s.startswith(SELECTION_PREFIXES) for s in document.scope.sources):
        return False
    scanned = {a.account_id for a in document.scope.accounts_scanned}
    return account not in scanned and not any(error.covers(account, None) for error in document.errors)


def not_reverified_reason(finding: Finding, document: FindingsDocument) -> str | None:
    """Why ``document`` says nothing about ``finding`` (from an older document), or ``None`` if it covered it."""
    area: str | None = None  # unknown (a hand-made document lists no rules): every gap of the account counts
    if document.rules:  # documents list every rule they ran; hand-made ones may list none
        rule = next((r for r in document.rules if r.id == finding.rule_id), None)
        if rule is None:
            return f"rule {finding.rule_id} was not part of this scan"
        if rule.status in ("not_evaluated", "failed"):
            return f"rule {finding.rule_id} did not run: {rule.status.replace('_', ' ')}"
        area = rule.area
    account = finding.account_id
    if account is None:
        if any(error.account_id is None for error in document.errors):
            return "something organization-wide could not be read"
        return None
    if account not in {a.account_id for a in document.scope.accounts_scanned}:
        return f"account {account} was out of scope or could not be entered"
    gap = next((error for error in document.errors if error.covers(account, area)), None)
    if gap is None:
        return None
    if gap.account_id == account:
        return f"account {account} was only partly read"
    # An organization-level read made from another account (Identity Center from its owner, the account list)
    return f"account {account} was only partly read: {gap.service} {gap.operation} from account {gap.account_id} failed"


# ------------------------------------------------------------------------------------- fingerprint migration

ACCESS_KEY_TYPE = "AWS::IAM::AccessKey"
ACCOUNT_TYPE = "AWS::Organizations::Account"


def legacy_fingerprints(findings: Iterable[Finding]) -> dict[str, str]:
    """Old fingerprint -> current fingerprint, for the findings whose identity changed after 0.1.0.

    Computed from the *current* findings, which carry what the old identity was made of: an access key
    finding's ``evidence.user_arn`` (the old resource) and key id (the old discriminator); an account-level
    finding's account id (the old resource was ``arn:aws:iam::<id>:root``).
    """
    mapping: dict[str, str] = {}
    for f in findings:
        old: str | None = None
        if f.resource_type == ACCESS_KEY_TYPE:
            user_arn = f.evidence.get("user_arn")
            if isinstance(user_arn, str) and user_arn and f.resource_id != user_arn:
                old = make_fingerprint(f.rule_id, f.account_id, user_arn, f.resource_id)
        elif f.resource_type == ACCOUNT_TYPE and f.account_id:
            old = make_fingerprint(f.rule_id, f.account_id, f"arn:aws:iam::{f.account_id}:root")
        if old is not None and old != f.fingerprint:
            mapping[old] = f.fingerprint
    return mapping


def with_current_fingerprints(old: FindingsDocument, new: FindingsDocument) -> FindingsDocument:
    """``old`` with every legacy fingerprint that a finding of ``new`` claims renamed to the current one; the
    rest (findings fixed since, or of other rules) untouched. A document with nothing to rename is returned as is."""
    mapping = legacy_fingerprints(new.findings)
    current = {f.fingerprint for f in old.findings}
    if not any(fp in mapping and mapping[fp] not in current for fp in current):
        return old

    def renamed(findings: list[Finding]) -> list[Finding]:
        return [
            f.model_copy(update={"fingerprint": mapping[f.fingerprint]}) if f.fingerprint in mapping else f
            for f in findings
        ]

    return old.model_copy(update={"findings": renamed(old.findings), "fixed": renamed(old.fixed)})
