"""Root user rules (ROOT-001..004).

Facts come from two per-account sources that can each be missing: the credential report's ``<root_account>``
row and ``GetAccountSummary``. A rule fires when a source that *was* read shows the problem; a source that
was not read is never taken as evidence either way. Findings are about the root principal:
``resource_type`` ``AWS::IAM::Root``, ``resource_id`` ``arn:aws:iam::<account>:root``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.inventory import AccountInventory, CredentialReportRow, Inventory
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import (
    CENTRALIZED_ROOT_ACCESS,
    MFA_SECURITY_KEY,
    ROOT_BEST_PRACTICES,
    ROOT_MFA,
    ROOT_TASKS,
    account_label,
    age_days,
    iso,
    root_arn,
    security_hub,
    within,
)
from auditor.util.timestamps import latest

ROOT_TYPE = "AWS::IAM::Root"


def _root_row(account: AccountInventory) -> CredentialReportRow | None:
    return account.credential_report.root if account.credential_report is not None else None


def _summary(account: AccountInventory, key: str) -> int | None:
    return account.account_summary.get(key) if account.account_summary is not None else None


def _mfa_enabled(account: AccountInventory) -> bool | None:
    """False if any source that was read says the root user has no MFA; None if no source was read."""
    row = _root_row(account)
    known = []
    summary_flag = _summary(account, "AccountMFAEnabled")
    if summary_flag is not None:
        known.append(summary_flag == 1)
    if row is not None:
        known.append(row.mfa_active)
    if not known:
        return None
    return all(known)


def _has_no_credentials(account: AccountInventory) -> bool:
    """Root has neither password nor keys (member accounts under centralized root access): MFA is moot."""
    row = _root_row(account)
    if row is not None and row.password_enabled is False and not row.active_keys:
        return True
    return _summary(account, "AccountPasswordPresent") == 0 and _summary(account, "AccountAccessKeysPresent") == 0


def _mfa_evidence(account: AccountInventory) -> dict[str, Any]:
    row = _root_row(account)
    return {
        "account_mfa_enabled": _summary(account, "AccountMFAEnabled"),
        "credential_report_mfa_active": row.mfa_active if row is not None else None,
    }


def _hit(account: AccountInventory, message: str, evidence: dict[str, Any]) -> Hit:
    return Hit(
        account_id=account.account_id,
        resource_type=ROOT_TYPE,
        resource_id=root_arn(account.account_id),
        message=message,
        evidence=evidence,
    )


@rule(
    id="ROOT-001",
    fix=fixes.ROOT_KEYS,
    title="Root user has access keys",
    severity="critical",
    area="root",
    rationale="""
        An access key on the root user is a permanent, unrestricted credential: it cannot be limited by IAM
        policies or permission boundaries (service control policies do not apply to a management account's
        root either), it never expires, and it usually ends up in a file on someone's laptop or in a
        repository. Whoever reads it owns the account, including billing and account closure. The target
        state is a root user used only to set an account up and then left alone; nothing should ever need a
        root key.
    """,
    remediation="""
        Delete the root access keys (deactivate first if you must find out what still uses them).
        Console: sign in as the root user, open the account menu > Security credentials > Access keys, choose
        Actions > Deactivate, then Delete.
        With centralized root access enabled in the organization (ORG-002), do it from the management
        account without the root password: the fix's CLI starts a root session limited to deleting root
        credentials (assume-root), then deletes every root key with the credentials it returns. Whatever used
        the key should move to an IAM Identity Center permission set or an IAM role.
    """,
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.4",
        "CIS AWS Foundations Benchmark v5.0.0 1.3",
        *security_hub("IAM.4"),
        ROOT_BEST_PRACTICES,
        CENTRALIZED_ROOT_ACCESS,
    ],
)
def root_access_keys(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when the credential report's root row shows an active access key, or when `GetAccountSummary`
    reports `AccountAccessKeysPresent` = 1. One finding per account."""
    for account in inventory.accounts:
        row = _root_row(account)
        active = row.active_keys if row is not None else []
        present_flag = _summary(account, "AccountAccessKeysPresent")
        if not active and present_flag != 1:
            continue
        keys = [
            {
                "slot": key.slot,
                "last_rotated": iso(key.last_rotated),
                "last_used_date": iso(key.last_used_date),
                "last_used_service": key.last_used_service,
            }
            for key in active
        ]
        count = f"{len(active)} active access key{'s' if len(active) != 1 else ''}" if active else "access keys"
        yield _hit(
            account,
            f"The root user of account {account_label(inventory, account.account_id)} has {count}.",
            {"active_keys": keys, "account_access_keys_present": present_flag},
        )


@rule(
    id="ROOT-002",
    fix=fixes.ROOT_MFA,
    title="Root user has no MFA",
    severity="critical",
    area="root",
    rationale="""
        Without MFA the root user is one password (or one password-reset email) away from a full takeover of
        the account, and root bypasses every IAM control. The target state is a root user that is locked
        away with a strong second factor, while daily work happens through IAM Identity Center users
        who must register MFA at their first sign-in.

        Accounts whose root user has no password and no access keys at all (member accounts created or
        cleaned up under centralized root access) are not reported: there is nothing to sign in with.
    """,
    remediation="""
        Console: sign in as the root user, open the account menu > Security credentials > Multi-factor
        authentication (MFA) > Assign MFA device, and register a passkey or security key (preferred, see
        ROOT-003) or an authenticator app. Register a second device and keep it somewhere safe.
        For member accounts, the better fix is to remove root credentials altogether: enable centralized root
        access (ORG-002), then delete the root password and keys from the management account (the fix's CLI).
    """,
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.5",
        "CIS AWS Foundations Benchmark v5.0.0 1.4",
        *security_hub("IAM.9"),
        ROOT_MFA,
        CENTRALIZED_ROOT_ACCESS,
    ],
)
def root_without_mfa(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when `GetAccountSummary` reports `AccountMFAEnabled` = 0 or the credential report's root row has
    `mfa_active` = false. Accounts where neither source was read, or whose root user has no password and no
    access keys, are skipped."""
    for account in inventory.accounts:
        if _mfa_enabled(account) is not False or _has_no_credentials(account):
            continue
        row = _root_row(account)
        yield _hit(
            account,
            f"The root user of account {account_label(inventory, account.account_id)} has no MFA device.",
            {
                **_mfa_evidence(account),
                "password_enabled": row.password_enabled if row is not None else None,
                "account_password_present": _summary(account, "AccountPasswordPresent"),
            },
        )


@rule(
    id="ROOT-003",
    fix=fixes.ROOT_HARDWARE_MFA,
    title="Root MFA is virtual, not hardware",
    severity="medium",
    area="root",
    rationale="""
        A virtual MFA device is a secret stored in an app on a phone or laptop: it can be backed up, synced,
        phished along with the password, or lost with the device. A hardware security key or passkey
        bound to the sign-in page resists phishing and cannot be copied. For the one identity that can do
        anything, the stronger factor is worth it.
    """,
    remediation="""
        Console: sign in as the root user, open the account menu > Security credentials > Multi-factor
        authentication (MFA) > Assign MFA device, choose "Passkey or security key" and register a FIDO2
        key; register a second key as a backup, then remove the virtual device. With centralized root access
        (ORG-002), consider deleting member accounts' root credentials instead.
    """,
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.6",
        "CIS AWS Foundations Benchmark v5.0.0 1.5",
        *security_hub("IAM.6"),
        MFA_SECURITY_KEY,
        ROOT_MFA,
    ],
)
def root_virtual_mfa(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when a virtual MFA device is bound to the root user (an assigned entry of `ListVirtualMFADevices`
    whose user ARN is the root ARN) and no source says MFA is off. Unknown device type: no finding."""
    for account in inventory.accounts:
        if account.root_virtual_mfa is not True or _mfa_enabled(account) is False:
            continue
        yield _hit(
            account,
            f"The root user of account {account_label(inventory, account.account_id)} uses a virtual MFA device, "
            "not a hardware security key.",
            {"root_virtual_mfa": True, **_mfa_evidence(account)},
        )


@rule(
    id="ROOT-004",
    fix=fixes.ROOT_USED,
    title="Root user used recently",
    severity="high",
    area="root",
    rationale="""
        Routine use of root means routine exposure of the one credential that cannot be limited, and it
        usually means something that should have its own identity (a person, a pipeline) borrows root
        instead. Root is for setting the account up; afterwards people sign in through IAM Identity Center
        and root stays unused. Recent use is worth a look even when legitimate, since only a handful of
        tasks truly need root.
    """,
    remediation="""
        Find out who used root and why (CloudTrail events with userIdentity.type "Root"; root console
        sign-ins are recorded in us-east-1). Give that person or workload an IAM Identity Center permission
        set (or a role) that covers the task, delete any root access keys (ROOT-001) and keep the root
        password and MFA device in a safe. With centralized root access (ORG-002), the few tasks that need
        root in a member account can be done from the management account with sts:AssumeRoot (the fix's CLI).
    """,
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.7",
        "CIS AWS Foundations Benchmark v5.0.0 1.6",
        ROOT_BEST_PRACTICES,
        ROOT_TASKS,
    ],
    config_keys=("thresholds.root_usage_days",),
)
def root_used_recently(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when the credential report's root row shows the root password, or any root access key, last
    used within `root_usage_days` of the inventory's collection time. Without a root row: no finding."""
    days = context.thresholds.root_usage_days
    for account in inventory.accounts:
        row = _root_row(account)
        if row is None:
            continue
        uses: list[tuple[str, Any]] = []
        if row.password_last_used is not None:
            uses.append(("password", row.password_last_used))
        for key in row.access_keys:
            if key.last_used_date is not None:
                uses.append((f"access key {key.slot}", key.last_used_date))
        recent = [(what, when) for what, when in uses if within(when, context.as_of, days)]
        if not recent:
            continue
        last = latest(*(when for _, when in recent))
        assert last is not None
        yield _hit(
            account,
            f"The root user of account {account_label(inventory, account.account_id)} was used "
            f"{age_days(last, context.as_of)} days ago (within the {days}-day window).",
            {
                "password_last_used": iso(row.password_last_used),
                "access_keys_last_used": {f"access_key_{k.slot}": iso(k.last_used_date) for k in row.access_keys},
                "recent_uses": [{"credential": what, "last_used": iso(when)} for what, when in recent],
                "days_since_last_use": age_days(last, context.as_of),
                "root_usage_days": days,
            },
        )
