"""Facts normalised once, when an inventory is assembled, so that every reader reads one field.

Two kinds of facts reach the inventory from two places each:

* an account's name, e-mail, OU path, state, tags and management flag: from the organization listing and from
  the scan of the account itself (an account can be listed and not entered, or entered without a listing);
* an IAM user's console and key facts: from the user record and from the account's credential report. The
  report is the only source of last use, MFA and password age, and its two key slots carry no key id, so each
  key is matched to its slot by creation time.

The inventory models' validators call :func:`merge_account_facts` and :func:`join_credential_report`, so every
inventory, collected, loaded from a file or written by hand in a test, is normalised by this code and no
other. Both only fill what is unknown (``None``) and are idempotent: a saved inventory loads unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.util.timestamps import as_utc, latest

if TYPE_CHECKING:
    from auditor.inventory import (
        AccessKey,
        AccountInventory,
        CredentialReport,
        CredentialReportKey,
        IamUser,
        Organization,
    )


@dataclass(frozen=True)
class AccountFacts:
    """What is known about one account of the scan or of its organization, whichever source said it.

    ``tags`` is ``None`` when they were never read (the account was outside the scan's scope, or its
    ``ListTagsForResource`` failed): unknown, not "no tags", so no tag pattern may match them.
    """

    account_id: str
    name: str | None
    ou_path: str | None
    tags: Mapping[str, str] | None
    is_management: bool
    state: str | None

    @property
    def label(self) -> str:
        """``dev (111122223333)`` when the name is known, the bare id otherwise: for messages."""
        return f"{self.name} ({self.account_id})" if self.name and self.name != self.account_id else self.account_id


# ------------------------------------------------------------------------------------------------ accounts


def merge_account_facts(organization: Organization | None, accounts: Iterable[AccountInventory]) -> None:
    """Complete each scanned account with what the organization listing knows about it.

    The account's own value wins where it has one; tags are united (the account's own win a clash) and stay
    ``None`` only when neither source read them.
    """
    listed = {account.id: account for account in organization.accounts} if organization is not None else {}
    management_id = organization.management_account_id if organization is not None else None
    for account in accounts:
        account.is_management = account.is_management or account.account_id == management_id
        entry = listed.get(account.account_id)
        if entry is None:
            continue
        account.account_name = account.account_name or entry.name
        account.email = account.email or entry.email
        account.ou_path = account.ou_path or entry.ou_path
        account.state = account.state or entry.state
        if entry.tags is not None or account.tags is not None:
            account.tags = {**(entry.tags or {}), **(account.tags or {})}


def account_facts_by_id(
    organization: Organization | None, accounts: Iterable[AccountInventory]
) -> dict[str, AccountFacts]:
    """Facts of every account the organization lists or the scan entered (scanned accounts already merged)."""
    facts: dict[str, AccountFacts] = {}
    if organization is not None:
        for entry in organization.accounts:
            facts[entry.id] = AccountFacts(
                account_id=entry.id,
                name=entry.name,
                ou_path=entry.ou_path,
                tags=entry.tags,
                is_management=entry.id == organization.management_account_id,
                state=entry.state,
            )
    for account in accounts:
        facts[account.account_id] = AccountFacts(
            account_id=account.account_id,
            name=account.account_name,
            ou_path=account.ou_path,
            tags=account.tags,
            is_management=account.is_management,
            state=account.state,
        )
    return facts


# --------------------------------------------------------------------------------------- credential report


def join_credential_report(users: Iterable[IamUser], report: CredentialReport | None) -> None:
    """Copy each user's credential-report row onto the user and its keys, where the user record lacks it.

    ``in_credential_report`` records that the row exists: with it, a key or password without a last-use date
    was never used; without it, its use is unknown.
    """
    if report is None:
        return
    for user in users:
        row = report.row_for(user.user_name)
        if row is None:
            continue
        user.in_credential_report = True
        if user.password_enabled is None:
            user.password_enabled = row.password_enabled
        if user.mfa_active is None:
            user.mfa_active = row.mfa_active
        user.password_last_used = latest(user.password_last_used, row.password_last_used)
        if user.password_last_changed is None:
            user.password_last_changed = row.password_last_changed
        keys = sorted(user.access_keys, key=lambda key: (key.create_date, key.access_key_id))
        for key, slot in zip(keys, match_key_slots(keys, row.access_keys), strict=True):
            if slot is not None and key.last_used_date is None:
                key.last_used_date = slot.last_used_date
                key.last_used_service = slot.last_used_service
                key.last_used_region = slot.last_used_region


def match_key_slots(
    keys: Sequence[AccessKey], slots: Sequence[CredentialReportKey]
) -> list[CredentialReportKey | None]:
    """For each key (oldest first), its credential report slot: the one rotated at the key's creation second.

    The report has no key ids, only ``last_rotated`` (the creation time, to the second). Keys left unmatched
    take the remaining slots in order (both sides oldest first), which is how AWS numbers them.
    """
    matched: list[CredentialReportKey | None] = []
    unused_slots = sorted(slots, key=lambda slot: slot.slot)
    for key in keys:
        created = as_utc(key.create_date).replace(microsecond=0)
        slot = next((s for s in unused_slots if s.last_rotated is not None and as_utc(s.last_rotated) == created), None)
        if slot is not None:
            unused_slots.remove(slot)
        matched.append(slot)
    for index, slot in enumerate(matched):
        if slot is None and unused_slots:
            matched[index] = unused_slots.pop(0)
    return matched
