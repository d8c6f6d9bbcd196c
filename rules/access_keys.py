"""Access key rules (KEY-001..005).

Per-key findings use ``resource_type`` ``AWS::IAM::AccessKey`` and the access key id as ``resource_id`` (access
keys have no ARN; the id is what a person searches CloudTrail and the console for), so each key is its own
finding and its own SARIF alert; the owning user's ARN is in the evidence (``user_arn``). KEY-004 is about the
user. The user's tags go with every finding. Secrets are never read, only key ids and dates.

In 0.1.0 the resource was the user's ARN with the key id as discriminator: ``auditor.engine.baseline`` maps those
fingerprints to the current ones, so older baselines keep matching.

Last use comes from the credential report, whose key slots are joined to the keys when the inventory is
assembled (``auditor.inventory.facts``). "Never used" is a claim only the report can make: a key with no last-use date
counts as never used when the account's credential report has a row for its user (``in_credential_report``),
and as unknown otherwise (KEY-003 and KEY-005 then skip it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from auditor.inventory import AccessKey, AccountInventory, IamUser, Inventory
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import (
    ACCESS_KEYS,
    CIS_CENTRAL,
    CLI_SSO,
    CONFIGURE_SSO,
    CREDENTIAL_REPORT,
    REMOVE_UNUSED_CREDENTIALS,
    ROTATE_CREDENTIALS,
    SSO_LOGIN,
    USE_TEMPORARY_CREDENTIALS,
    account_label,
    accounts_with_users,
    age_days,
    iso,
    older_than,
    paragraphs,
    security_hub,
    unused_for,
)
from auditor.util.timestamps import as_utc

KEY_TYPE = "AWS::IAM::AccessKey"
# A key created this close to its user was created by the user-setup wizard (CIS 1.11's "initial setup").
SETUP_WINDOW = timedelta(hours=1)

REPLACE_KEY = f"""
    Replace the key rather than keep it: people use `{CONFIGURE_SSO}` / `{SSO_LOGIN}` with an sso-session
    profile (short-lived ASIA... credentials); workloads use an IAM role (instance profile, ECS task role,
    IRSA, OIDC federation for CI). Find what uses the key (last used service and region in the evidence,
    CloudTrail by access key id), switch it over, then deactivate, wait, and delete (the fix's commands).
"""


def key_last_used(user: IamUser, key: AccessKey) -> tuple[datetime | None, bool]:
    """``(last_used, known)``: ``(None, True)`` means never used; ``(None, False)`` means unknown."""
    if key.last_used_date is not None:
        return key.last_used_date, True
    return None, user.in_credential_report


def _active_keys(inventory: Inventory) -> Iterator[tuple[AccountInventory, IamUser, AccessKey]]:
    for account, users in accounts_with_users(inventory):
        for user in users:
            for key in sorted(user.active_keys, key=lambda k: k.access_key_id):
                yield account, user, key


def _key_evidence(context: RuleContext, user: IamUser, key: AccessKey) -> dict[str, Any]:
    last_used, known = key_last_used(user, key)
    return {
        "user_name": user.user_name,
        "access_key_id": key.access_key_id,
        "status": key.status,
        "created": iso(key.create_date),
        "age_days": age_days(key.create_date, context.as_of),
        "last_used": iso(last_used) if known else "unknown",
        "last_used_service": key.last_used_service,
        "last_used_region": key.last_used_region,
    }


def _key_hit(
    context: RuleContext, account: AccountInventory, user: IamUser, key: AccessKey, message: str, **extra: Any
) -> Hit:
    return Hit(
        account_id=account.account_id,
        resource_type=KEY_TYPE,
        resource_id=key.access_key_id,
        message=message,
        evidence={**_key_evidence(context, user, key), "user_arn": user.arn, **extra},
        tags=dict(user.tags),
        fix_facts=_key_slots(user, key),
    )


def _key_slots(user: IamUser, key: AccessKey) -> dict[str, Any]:
    """A user holds at most two access keys: rotating needs a free slot, or the other key to move to."""
    others = [k.access_key_id for k in user.access_keys if k.access_key_id != key.access_key_id]
    return {"key_slot_free": len(user.access_keys) < 2, "other_key_id": others[0] if others else None}


def _owner(inventory: Inventory, account: AccountInventory, user: IamUser) -> str:
    return f"IAM user {user.user_name} in account {account_label(inventory, account.account_id)}"


@rule(
    id="KEY-001",
    fix=fixes.KEY_REPLACE,
    title="Active long-lived access key",
    severity="high",
    area="access-keys",
    rationale="""
        An AKIA... access key never expires. It lives in a text file on a laptop, in CI variables, in shell
        history, and sooner or later in a repository. Whoever finds it has the user's permissions until
        someone notices and deletes the key, which may be never. The migration this auditor measures is
        about replacing these keys with IAM Identity Center, which only hands out short-lived ASIA...
        credentials that expire on their own.
    """,
    remediation=REPLACE_KEY,
    references=[*CIS_CENTRAL, USE_TEMPORARY_CREDENTIALS, ACCESS_KEYS, CLI_SSO],
)
def long_lived_key(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each active long-lived access key (id starting with AKIA) on an IAM user."""
    for account, user, key in _active_keys(inventory):
        if not key.is_long_lived:
            continue
        age = age_days(key.create_date, context.as_of)
        yield _key_hit(
            context,
            account,
            user,
            key,
            f"{_owner(inventory, account, user)} has an active long-lived access key {key.access_key_id} "
            f"({age} days old).",
        )


@rule(
    id="KEY-002",
    fix=fixes.KEY_ROTATE,
    title="Access key not rotated",
    severity="medium",
    area="access-keys",
    rationale="""
        The older a key, the more places it has been copied to and the longer a leaked copy stays useful.
        Rotation bounds that window; removing the key (KEY-001) closes it.
    """,
    remediation=paragraphs(
        """
        Best: replace the key with Identity Center or a role (below). If the key must stay for now, rotate it:
        create a second key, deploy it wherever the old one is used, deactivate and then delete the old one.
        """,
        REPLACE_KEY,
    ),
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.14",
        "CIS AWS Foundations Benchmark v5.0.0 1.13",
        *security_hub("IAM.3"),
        ROTATE_CREDENTIALS,
        ACCESS_KEYS,
    ],
    config_keys=("thresholds.max_key_age_days",),
)
def key_not_rotated(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each active access key created more than `max_key_age_days` before the collection time."""
    days = context.thresholds.max_key_age_days
    for account, user, key in _active_keys(inventory):
        if not older_than(key.create_date, context.as_of, days):
            continue
        yield _key_hit(
            context,
            account,
            user,
            key,
            f"Access key {key.access_key_id} of {_owner(inventory, account, user)} is "
            f"{age_days(key.create_date, context.as_of)} days old (more than {days}).",
            max_key_age_days=days,
        )


@rule(
    id="KEY-003",
    fix=fixes.KEY_UNUSED,
    title="Access key unused",
    severity="medium",
    area="access-keys",
    rationale="""
        An active key that nothing uses is all risk and no value: it can still be leaked and used, and
        because it is quiet nobody would notice. Unused keys are also the easiest to remove, a cheap first
        step of the migration.
    """,
    remediation=paragraphs(
        """
        Deactivate the key, wait to see that nothing breaks, then delete it.
        """
    ),
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.12",
        "CIS AWS Foundations Benchmark v5.0.0 1.11",
        *security_hub("IAM.22"),
        *security_hub("IAM.8"),
        REMOVE_UNUSED_CREDENTIALS,
        CREDENTIAL_REPORT,
    ],
    config_keys=("thresholds.unused_days",),
)
def key_unused(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each active access key last used more than `unused_days` before the collection time, or
    never used and created more than `unused_days` before it."""
    days = context.thresholds.unused_days
    for account, user, key in _active_keys(inventory):
        last_used, known = key_last_used(user, key)
        if not known or not unused_for(last_used, key.create_date, context.as_of, days):
            continue
        idle = age_days(last_used or key.create_date, context.as_of)
        when = f"was last used {idle} days ago" if last_used else f"has never been used in its {idle} days"
        yield _key_hit(
            context,
            account,
            user,
            key,
            f"Access key {key.access_key_id} of {_owner(inventory, account, user)} {when}.",
            days_unused=idle,
            unused_days=days,
        )


@rule(
    id="KEY-004",
    fix=fixes.KEY_TWO_ACTIVE,
    title="Two active access keys",
    severity="low",
    area="access-keys",
    rationale="""
        Two active keys are normal for the few minutes of a rotation, not as a steady state: usually the old
        key was never retired and is still sitting in some file. Every extra key is one more secret to leak.
    """,
    remediation="""
        Find which key is still in use (compare the last-used dates in the evidence), deactivate the other,
        then delete it.
    """,
    references=["CIS AWS Foundations Benchmark v3.0.0 1.13", "CIS AWS Foundations Benchmark v5.0.0 1.12", ACCESS_KEYS],
)
def two_active_keys(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM user with two active access keys (one finding per user)."""
    for account, users in accounts_with_users(inventory):
        for user in users:
            active = sorted(user.active_keys, key=lambda k: k.access_key_id)
            if len(active) < 2:
                continue
            yield Hit(
                account_id=account.account_id,
                resource_type="AWS::IAM::User",
                resource_id=user.arn,
                message=f"{_owner(inventory, account, user)} has {len(active)} active access keys: "
                f"{', '.join(k.access_key_id for k in active)}.",
                evidence={
                    "user_name": user.user_name,
                    "active_keys": [_key_evidence(context, user, k) for k in active],
                },
                tags=dict(user.tags),
            )


@rule(
    id="KEY-005",
    fix=fixes.KEY_SETUP,
    title="Access key created with the user and never used",
    severity="low",
    area="access-keys",
    rationale="""
        Creating an access key "just in case" while setting up a user (the console wizard makes it easy)
        hands out a permanent credential nobody asked for. If it was never used, nobody needed it. Keys
        should be created only when a workload needs one, and today that need is better met by Identity
        Center or a role.
    """,
    remediation=f"""
        Delete the key (it has never been used, so nothing depends on it).
        When creating users, leave programmatic access off; people use `{SSO_LOGIN}` instead.
    """,
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.11",
        "CIS AWS Foundations Benchmark v5.0.0 1.10",
        ACCESS_KEYS,
        CREDENTIAL_REPORT,
    ],
)
def setup_key_never_used(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each active access key that has never been used and was created within one hour of its
    user (i.e. during the user's initial setup)."""
    for account, user, key in _active_keys(inventory):
        last_used, known = key_last_used(user, key)
        if not known or last_used is not None:
            continue
        after_user = as_utc(key.create_date) - as_utc(user.create_date)
        if not timedelta(0) <= after_user <= SETUP_WINDOW:
            continue
        yield _key_hit(
            context,
            account,
            user,
            key,
            f"Access key {key.access_key_id} of {_owner(inventory, account, user)} was created with the user "
            "and has never been used.",
            user_created=iso(user.create_date),
            seconds_after_user_creation=int(after_user.total_seconds()),
        )
