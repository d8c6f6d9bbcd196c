"""Baselines, diffs, shard merges and the exit-code gate: everything that compares or combines findings documents.

Identity is the finding's ``fingerprint`` (rule id + account + resource + discriminator), never a message,
line number or timestamp. One rule decides what a baseline *covers*, shared by ``--baseline`` and ``diff``:

* a current finding is **unchanged** when the baseline holds the same fingerprint, unless the baseline copy was
  suppressed and the current one is not: the baseline accepted it only under a suppression that has since
  expired or been removed, so it is **new** again (an expiry date means "fail again after this date", and a
  baseline must not quietly undo that);
* a baseline finding is **fixed** when its fingerprint is gone now, unless it was suppressed in the baseline:
  a suppressed finding was never an open problem, so its disappearance is not reported as a fix;
* incomplete never means fixed: a baseline finding this scan could not have seen again (its account was out of
  scope, could not be entered, or was only partly read; an account-less finding while something account-less
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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from auditor.errors import ExitCode, InputError
from auditor.findings import (
    Finding,
    FindingsDocument,
    RuleInfo,
    Scope,
    ScopeAccount,
    Severity,
    make_fingerprint,
    summarize,
)
from auditor.readiness.merge import merge_readiness

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
        findings = sorted([*findings, *result.not_reverified], key=_finding_order)
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
    return account not in scanned and not any(error.account_id == account for error in document.errors)


def not_reverified_reason(finding: Finding, document: FindingsDocument) -> str | None:
    """Why ``document`` says nothing about ``finding`` (from an older document), or ``None`` if it covered it."""
    if document.rules:  # documents list every rule they ran; hand-made ones may list none
        rule = next((r for r in document.rules if r.id == finding.rule_id), None)
        if rule is None:
            return f"rule {finding.rule_id} was not part of this scan"
        if rule.status in ("not_evaluated", "failed"):
            return f"rule {finding.rule_id} did not run: {rule.status.replace('_', ' ')}"
    account = finding.account_id
    if account is None:
        if any(error.account_id is None for error in document.errors):
            return "something organization-wide could not be read"
        return None
    if account not in {a.account_id for a in document.scope.accounts_scanned}:
        return f"account {account} was out of scope or could not be entered"
    if any(error.account_id == account for error in document.errors):
        return f"account {account} was only partly read"
    return None


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


# ------------------------------------------------------------------------------------------------- merge


def merge(documents: Sequence[FindingsDocument]) -> FindingsDocument:
    """Combine shard results (e.g. one CI job per OU) into one document.

    Findings are united by fingerprint (a finding seen by two shards is kept once, from the most recently
    generated document); errors, accounts, manual checks (by id), rules (by id) and notices are deduplicated.
    The result does not depend on the order of ``documents``: lists are sorted where order is not given.
    """
    if not documents:
        raise InputError("merge: no findings documents given")
    versions = sorted({d.schema_version for d in documents})
    if len(versions) > 1:
        raise InputError(
            f"merge: documents have different schema_version ({', '.join(versions)}); "
            "re-run the scans with one auditor version"
        )
    organizations = sorted({d.scope.organization_id for d in documents if d.scope.organization_id})
    if len(organizations) > 1:
        raise InputError(f"merge: documents are of different organizations ({', '.join(organizations)})")

    by_age = sorted(documents, key=lambda d: d.generated_at)
    findings: dict[str, Finding] = {}
    fixed: dict[str, Finding] = {}
    for document in by_age:  # later documents overwrite: the freshest view of a finding wins...
        for f in document.findings:
            previous = findings.get(f.fingerprint)
            # ...except that a copy carried forward unverified never replaces one a shard actually saw
            if f.baseline_state != "not_reverified" or previous is None or previous.baseline_state == "not_reverified":
                findings[f.fingerprint] = f
        fixed.update((f.fingerprint, f) for f in document.fixed)
    for fingerprint in findings:
        fixed.pop(fingerprint, None)  # one shard's "fixed" is another's still-present finding
    merged_findings = sorted(findings.values(), key=_finding_order)
    merged_fixed = sorted(fixed.values(), key=_finding_order)

    accounts: dict[str, ScopeAccount] = {}
    for document in by_age:
        for account in document.scope.accounts_scanned:
            known = accounts.get(account.account_id)
            accounts[account.account_id] = ScopeAccount(
                account_id=account.account_id,
                account_name=account.account_name or (known.account_name if known else None),
                is_management=account.is_management or (known.is_management if known else False),
            )
    managements = sorted({d.scope.management_account_id for d in documents if d.scope.management_account_id})
    scope = Scope(
        organization_id=organizations[0] if organizations else None,
        management_account_id=managements[0] if len(managements) == 1 else None,
        sources=_unique(source for d in documents for source in d.scope.sources),
        accounts_scanned=[accounts[key] for key in sorted(accounts)],
    )

    notices = _unique(notice for d in documents for notice in d.notices)
    tools = _unique(f"{d.tool.name} {d.tool.version}" for d in documents)
    if len(tools) > 1:
        notices.append(f"merged documents written by different tool versions: {', '.join(tools)}")
    errors = {error.model_dump_json(): error for d in documents for error in d.errors}
    collected = [d.inventory_collected_at for d in documents if d.inventory_collected_at is not None]
    with_baseline = any(d.summary.new is not None for d in documents)
    return FindingsDocument(
        schema_version=versions[0],
        tool=by_age[-1].tool,
        generated_at=by_age[-1].generated_at,
        inventory_collected_at=min(collected) if collected else None,
        scope=scope,
        summary=summarize(merged_findings, merged_fixed, with_baseline=with_baseline),
        findings=merged_findings,
        fixed=merged_fixed,
        errors=[errors[key] for key in sorted(errors)],
        manual_checks=sorted(_first_by_id(c for d in documents for c in d.manual_checks), key=lambda c: c.id),
        rules=_merged_rules(documents),
        notices=notices,
        readiness=merge_readiness([d.readiness for d in by_age if d.readiness is not None]),
    )


def _merged_rules(documents: Sequence[FindingsDocument]) -> list[RuleInfo]:
    """Each rule once. A rule any shard evaluated counts as evaluated: a shard that did not run it (its source
    was off there) says nothing about the accounts the other shards covered."""
    candidates = [r for d in documents for r in d.rules]
    evaluated_first = sorted(candidates, key=lambda r: r.status != "evaluated")  # stable: document order kept
    return sorted(_first_by_id(evaluated_first), key=lambda r: r.id)


def _finding_order(f: Finding) -> tuple[int, str, str, str, str]:
    return (-f.severity.rank, f.rule_id, f.account_id or "", f.resource_id, f.fingerprint)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _first_by_id(items: Iterable) -> list:
    seen: dict[str, object] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return list(seen.values())


# -------------------------------------------------------------------------------------------------- gate


def gate(document: FindingsDocument, fail_on: Severity | None) -> ExitCode:
    """The exit code: 1 if an active finding not already in the baseline is at or above ``fail_on``; else 3 if
    coverage is incomplete; else 0. Without ``fail_on`` findings never fail the run (but gaps still give 3)."""
    if fail_on is not None:
        for f in document.findings:
            if not f.suppressed and f.baseline_state in (None, "new") and f.severity.rank >= fail_on.rank:
                return ExitCode.FINDINGS
    if document.errors:
        return ExitCode.INCOMPLETE
    return ExitCode.OK
