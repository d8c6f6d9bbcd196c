"""Small helpers the built-in rules share: time arithmetic at the collection time, ARNs, account labels.

Everything here is pure. Two conventions every rule follows:

* **Ages are measured at the inventory's collection time** (``context.as_of``), never at "now".
  "Unused for N days" means *more than* N whole days: last used (or, if never used, created) more than
  ``N`` days before ``as_of``. "Used within N days" is the complement.
* **Unknown is not false.** Facts not collected are ``None``, and rules only fire on facts that are known.
  Facts are read from one field each: the inventory reconciles its sources once, when it is assembled
  (``auditor.facts``), so no rule re-derives them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta

from auditor.inventory import AccountInventory, IamUser, Inventory, Organization
from auditor.timestamps import as_utc

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


def age_days(moment: datetime, as_of: datetime) -> int:
    """Whole days from ``moment`` to ``as_of`` (floored; negative if ``moment`` is after ``as_of``)."""
    return int((as_utc(as_of) - as_utc(moment)).total_seconds() // SECONDS_PER_DAY)


def older_than(moment: datetime, as_of: datetime, days: int) -> bool:
    """``moment`` is more than ``days`` days before ``as_of`` (exactly ``days`` days is not older)."""
    return as_utc(as_of) - as_utc(moment) > timedelta(days=days)


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
    return as_utc(moment).isoformat() if moment is not None else None


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
    facts = inventory.account_facts(account_id)
    return facts.label if facts is not None else account_id


def accounts_with_users(inventory: Inventory) -> Iterator[tuple[AccountInventory, list[IamUser]]]:
    """Scanned accounts whose IAM users were collected (``users is None`` means unknown: skipped)."""
    for account in inventory.accounts:
        if account.users is not None:
            yield account, account.users
