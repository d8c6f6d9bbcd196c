"""A run's record: the counts and fingerprints the history file keeps, built from the inventory, the findings
document (or, for ``auditor readiness``, the readiness section alone) and the configuration. Pure: no clock, no
file, no network. Ages are measured at the inventory's collection time, like the rules measure them."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from auditor import __version__
from auditor.history.models import AccountCounts, FindingRef, Gap, ScanRecord
from auditor.util.timestamps import as_utc

if TYPE_CHECKING:
    from auditor.engine.config import Config
    from auditor.findings import FindingsDocument
    from auditor.inventory import AccountInventory, Inventory, OrgAccount
    from auditor.readiness.models import Readiness


def scan_record(
    inventory: Inventory,
    config: Config,
    *,
    command: str,
    document: FindingsDocument | None = None,
    readiness: Readiness | None = None,
) -> ScanRecord:
    """What ``--history`` appends for this run. ``document`` is None when the command evaluates no rule
    (``readiness``): the record then has no findings (None, not an empty list: "not evaluated", never "clean")."""
    if readiness is None and document is not None:
        readiness = document.readiness
    classes: dict[str, Counter[str]] = {}
    if readiness is not None:
        for user in readiness.iam_users:
            classes.setdefault(user.account_id, Counter())[user.user_class] += 1
    assessed = {a.account_id: a for a in readiness.accounts} if readiness is not None else {}
    gapped = {e.account_id for e in inventory.errors if e.account_id}
    gapped.update(a for e in inventory.errors for a in (e.covers_accounts or []))
    accounts = []
    for account in inventory.accounts:
        verdict = assessed.get(account.account_id)
        counts = _account_counts(account, inventory, config)
        if readiness is not None and account.users is not None:
            counts.users_by_class = dict(sorted(classes.get(account.account_id, Counter()).items()))
        if verdict is not None:
            counts.verdict = verdict.verdict
            counts.root_used = verdict.root.used_within_days if verdict.root is not None else None
        accounts.append(counts)
    findings = None
    rules_evaluated: list[str] = []
    if document is not None:
        findings = [
            FindingRef(fingerprint=f.fingerprint, rule_id=f.rule_id, severity=f.severity.value, account_id=f.account_id)
            for f in document.findings
            if not f.suppressed
        ]
        rules_evaluated = sorted(r.id for r in document.rules if r.status == "evaluated")
    return ScanRecord(
        scanned_at=as_utc(inventory.as_of),
        command=command,
        scope=scope_key(inventory),
        organization_id=inventory.organization.id if inventory.organization is not None else None,
        sources=sorted(inventory.collection.sources_collected),
        tool_version=__version__,
        accounts=accounts,
        findings=findings,
        rules_evaluated=rules_evaluated,
        accounts_verified=sorted(a.account_id for a in inventory.accounts if a.account_id not in gapped),
        gaps=[
            Gap(account_id=e.account_id, service=e.service, operation=e.operation, error_code=e.error_code)
            for e in inventory.errors
        ],
    )


def scope_key(inventory: Inventory) -> str:
    """The key runs are compared within, so two scans kept in one file (the prod OU and the sandbox OU nightly,
    the organization and one account on demand) are never read as one going up and down. Readable, because a
    person filters on it (``auditor history FILE --scope``).

    ``o-abc123 aws``: the organization (else the accounts read), then the sources. A scan of part of an
    organization names its selection: ``o-abc123 ou:/Root/Prod aws`` when the accounts it meant to read are
    exactly the active accounts under some OUs (``--ou``: an account joining the OU stays in the same scope),
    else ``accounts:`` and a short hash of their ids (``--accounts``: stable while the list stays the same).
    The accounts it *meant* to read include those it could not enter (an STS error filed under the account),
    so a night on which one account refuses the role stays in its scope instead of starting a new one.
    """
    sources = "+".join(sorted(inventory.collection.sources_collected))
    read = sorted(a.account_id for a in inventory.accounts)
    organization = inventory.organization
    if organization is not None:
        active = {a.id: a for a in organization.accounts if (a.state or "ACTIVE") == "ACTIVE"}
        meant = set(read) | {e.account_id for e in inventory.errors if e.service == "sts" and e.account_id in active}
        if not active or set(active) <= meant:
            return f"{organization.id} {sources}"
        units = _whole_units(active, meant)
        part = f"ou:{'+'.join(units)}" if units else f"accounts:{_short_hash(sorted(meant))}"
        return f"{organization.id} {part} {sources}"
    if not read:
        return sources
    if len(read) == 1:
        return f"{read[0]} {sources}"
    return f"accounts:{_short_hash(read)} {sources}"


def _whole_units(active: Mapping[str, OrgAccount], meant: set[str]) -> list[str]:
    """The highest OU paths whose active accounts are all in ``meant``, when together they are exactly
    ``meant``; else none (the selection is not a set of OUs: ``--accounts``, ``--exclude-accounts``)."""

    def under(path: str, ou_path: str | None) -> bool:
        return ou_path is not None and (ou_path == path or ou_path.startswith(path.rstrip("/") + "/"))

    paths: set[str] = set()
    for account_id in meant:
        ou_path = active[account_id].ou_path if account_id in active else None
        if ou_path is None:
            return []
        parts = ou_path.strip("/").split("/")
        paths.update("/" + "/".join(parts[: i + 1]) for i in range(len(parts)))
    whole = {p for p in paths if all(a in meant for a, acc in active.items() if under(p, acc.ou_path))}
    highest = sorted(p for p in whole if not any(q != p and under(q, p) for q in whole))
    covered = {a for a, acc in active.items() if any(under(p, acc.ou_path) for p in highest)}
    return highest if covered == meant else []


def _short_hash(values: list[str]) -> str:
    return hashlib.sha256(",".join(values).encode()).hexdigest()[:10]


def _account_counts(account: AccountInventory, inventory: Inventory, config: Config) -> AccountCounts:
    counts = AccountCounts(account_id=account.account_id, account_name=inventory.account_name(account.account_id))
    if account.users is None:
        return counts
    oldest = as_utc(inventory.as_of) - timedelta(days=config.thresholds.max_key_age_days)
    active = [k for u in account.users for k in u.access_keys if k.status == "Active"]
    counts.iam_users = len(account.users)
    counts.active_access_keys = len(active)
    counts.old_access_keys = sum(1 for k in active if as_utc(k.create_date) < oldest)
    unknown = any(u.password_enabled is None or (u.password_enabled and u.mfa_active is None) for u in account.users)
    counts.console_without_mfa = (
        None if unknown else sum(1 for u in account.users if u.password_enabled and u.mfa_active is False)
    )
    return counts
