"""``auditor merge``: the findings documents of parallel scan jobs (one per OU, say) combined into one.

Findings are united by fingerprint, the freshest shard's copy winning, except that a copy carried forward
unverified never replaces one a shard actually saw; one shard's "fixed" is dropped when another still has the
finding. The result does not depend on the order the documents are given in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.errors import InputError
from auditor.findings import Finding, FindingsDocument, RuleInfo, Scope, ScopeAccount, finding_order, summarize
from auditor.readiness.merge import merge_readiness


def merge(documents: Sequence[FindingsDocument]) -> FindingsDocument:
    """Combine shard results (e.g. one CI job per OU) into one document.

    Findings are united by fingerprint (a finding seen by two shards is kept once, from the most recently
    generated document); errors, accounts, manual checks (by id), rules (by id), notices and simulated facts are
    deduplicated.
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
    merged_findings = sorted(findings.values(), key=finding_order)
    merged_fixed = sorted(fixed.values(), key=finding_order)

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
        simulated=list(dict.fromkeys(fact for d in by_age for fact in d.simulated)),
        readiness=merge_readiness([d.readiness for d in by_age if d.readiness is not None]),
    )


def _merged_rules(documents: Sequence[FindingsDocument]) -> list[RuleInfo]:
    """Each rule once. A rule any shard evaluated counts as evaluated: a shard that did not run it (its source
    was off there) says nothing about the accounts the other shards covered."""
    candidates = [r for d in documents for r in d.rules]
    evaluated_first = sorted(candidates, key=lambda r: r.status != "evaluated")  # stable: document order kept
    return sorted(_first_by_id(evaluated_first), key=lambda r: r.id)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _first_by_id(items: Iterable) -> list:
    seen: dict[str, object] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return list(seen.values())
