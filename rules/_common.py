"""Small helpers the built-in rules share: time arithmetic at ``inventory.as_of``, ARNs, account facts.

Everything here is pure. Two conventions every rule follows:

* **Ages are measured at the inventory's collection time** (``inventory.as_of``), never at "now".
  "Unused for N days" means *more than* N whole days: last used (or, if never used, created) more than
  ``N`` days before ``as_of``. "Used within N days" is the complement.
* **Unknown is not false.** A helper returns ``None`` when the facts were not collected, and rules only fire
  on facts that are known.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from auditor.inventory import AccountInventory, CredentialReportRow, IamUser, Inventory, Organization

# Internal background documents the rules' rationale was first written from. Users cannot open them: issue
# "Reports a person acts on" replaces these citations with public AWS, CIS and Security Hub references.
SEED_000 = "seed 000_b3655fdf9eabeb75"
SEED_001 = "seed 001_328218ba657c2e95"
SEED_002 = "seed 002_6bd4a183f92dc993"
SEED_003 = "seed 003_fc814d2bcae2ca59"
SEED_004 = "seed 004_63e26f2a312801ba"

SECONDS_PER_DAY = 86400


# ------------------------------------------------------------------------------------------------ text


def paragraphs(*parts: str) -> str:
    """Join separately indented text blocks (a rule's own text plus a shared one) as dedented paragraphs."""
    return "\n\n".join(textwrap.dedent(part).strip() for part in parts)


# ------------------------------------------------------------------------------------------------ time


def utc(moment: datetime) -> datetime:
    """Hand-written inventories may carry naive datetimes: treat them as UTC rather than crash a rule."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def age_days(moment: datetime, as_of: datetime) -> int:
    """Whole days from ``moment`` to ``as_of`` (floored; negative if ``moment`` is after ``as_of``)."""
    return int((utc(as_of) - utc(moment)).total_seconds() // SECONDS_PER_DAY)


def older_than(moment: datetime, as_of: datetime, days: int) -> bool:
    """``moment`` is more than ``days`` days before ``as_of`` (exactly ``days`` days is not older)."""
    return utc(as_of) - utc(moment) > timedelta(days=days)


def within(moment: datetime, as_of: datetime, days: int) -> bool:
    """``moment`` is at most ``days`` days before ``as_of`` (the complement of :func:`older_than`)."""
    return not older_than(moment, as_of, days)


def unused_for(last_used: datetime | None, created: datetime | None, as_of: datetime, days: int) -> bool | None:
    """Unused for more than ``days``: last use that old, or never used and created that long ago.

    ``None`` when never used and the creation time is unknown: the rule cannot tell, so it must not fire.
    """
    if last_used is not None:
        return older_than(last_used, as_of, days)
    if created is None:
        return None
    return older_than(created, as_of, days)


def iso(moment: datetime | None) -> str | None:
    """A JSON-friendly timestamp for evidence."""
    return utc(moment).isoformat() if moment is not None else None


def latest(*moments: datetime | None) -> datetime | None:
    known = [utc(m) for m in moments if m is not None]
    return max(known) if known else None


# ------------------------------------------------------------------------------------------------ ARNs


def root_arn(account_id: str) -> str:
    """The account's root principal ARN: used for root findings and, as AWS does in policies, for the account."""
    return f"arn:aws:iam::{account_id}:root"


def organization_arn(organization: Organization) -> str:
    return organization.arn or (
        f"arn:aws:organizations::{organization.management_account_id}:organization/{organization.id}"
    )


# -------------------------------------------------------------------------------------------- accounts


def account_label(inventory: Inventory, account_id: str | None) -> str:
    """``dev (111122223333)`` when the name is known, the bare id otherwise: for messages."""
    if not account_id:
        return "an unknown account"
    name = inventory.account_name(account_id)
    return f"{name} ({account_id})" if name and name != account_id else account_id


def management_account_id(inventory: Inventory) -> str | None:
    if inventory.organization is not None:
        return inventory.organization.management_account_id
    return next((a.account_id for a in inventory.accounts if a.is_management), None)


def is_management(inventory: Inventory, account: AccountInventory) -> bool:
    return account.is_management or account.account_id == management_account_id(inventory)


def account_facts(inventory: Inventory, account_id: str) -> tuple[str | None, str | None, dict[str, str] | None]:
    """Name, OU path and tags of an account, merging what Organizations and the account scan each know.

    Tags are ``None`` when neither source read them (the account was outside the scan's scope, or its
    ``ListTagsForResource`` failed): unknown, not "no tags". Callers must not match tag patterns on them.
    """
    name: str | None = None
    ou_path: str | None = None
    tags: dict[str, str] | None = None
    if inventory.organization is not None:
        for org_account in inventory.organization.accounts:
            if org_account.id == account_id:
                name, ou_path = org_account.name, org_account.ou_path
                tags = dict(org_account.tags) if org_account.tags is not None else None
                break
    scanned = inventory.account(account_id)
    if scanned is not None:
        name = scanned.account_name or name
        ou_path = scanned.ou_path or ou_path
        if scanned.tags is not None:
            tags = {**(tags or {}), **scanned.tags}
    return name, ou_path, tags


def accounts_with_users(inventory: Inventory) -> Iterator[tuple[AccountInventory, list[IamUser]]]:
    """Scanned accounts whose IAM users were collected (``users is None`` means unknown: skipped)."""
    for account in inventory.accounts:
        if account.users is not None:
            yield account, account.users


# ------------------------------------------------------------------------------------------- IAM users


def report_row(account: AccountInventory, user: IamUser) -> CredentialReportRow | None:
    if account.credential_report is None:
        return None
    return account.credential_report.row_for(user.user_name)


def password_enabled(account: AccountInventory, user: IamUser) -> bool | None:
    """From the user record, else from the credential report row; ``None`` if neither source knows."""
    if user.password_enabled is not None:
        return user.password_enabled
    row = report_row(account, user)
    return row.password_enabled if row is not None else None


def mfa_active(account: AccountInventory, user: IamUser) -> bool | None:
    if user.mfa_active is not None:
        return user.mfa_active
    row = report_row(account, user)
    return row.mfa_active if row is not None else None


def password_last_used(account: AccountInventory, user: IamUser) -> datetime | None:
    """The latest known console sign-in: the user record and the credential report row can each lag."""
    row = report_row(account, user)
    return latest(user.password_last_used, row.password_last_used if row is not None else None)
