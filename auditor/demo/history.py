"""Give a built mock organization a history, and its real names, by editing moto's backend objects directly.

Why: moto stamps every creation and "last used" date from the clock and has no API to set them, but a story
(a 400-day-old key never used, passwords unused for months) needs history. The alternative, freezegun around
each create call, is a test dependency, not a runtime one. moto also hard-codes the management account's name
and e-mail ("master", master@example.com) and every account's join method (CREATED).

What is edited, and only where the description asks for it: IAM user creation dates, password and
access-key last use, access-key creation dates; account join dates and join method (INVITED); the management
account's name and e-mail. The collectors then read all of it back through the normal APIs (credential
report, ListAccessKeys, ListAccounts, DescribeOrganization): these are the mock organization's facts,
collected like any other, so the demo does not list them as simulated.

A description without history needs no edit, and then no backend is touched: that is what lets the test suite
build its organization in a moto server, whose backends live in another process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from auditor.demo.built import BuiltOrganization
from auditor.demo.description import MOTO_MANAGEMENT_EMAIL, MOTO_MANAGEMENT_NAME, MockIamUser, MockOrganization
from auditor.demo.sandbox import REGION

if TYPE_CHECKING:  # moto is the optional `demo` extra: imported where it is used
    from moto.organizations.models import OrganizationsBackend


def give_history(description: MockOrganization, organization: BuiltOrganization, *, now: datetime) -> None:
    def ago(days: int) -> datetime:
        return (now - timedelta(days=days)).replace(tzinfo=None)  # moto keeps naive UTC datetimes

    management = description.management
    renames_management = (management.name, management.email) != (MOTO_MANAGEMENT_NAME, MOTO_MANAGEMENT_EMAIL)
    dated_accounts = [account for account in description.accounts() if account.age_days is not None or account.invited]
    if renames_management or dated_accounts:  # only then is moto's backend touched (a server's is not reachable)
        organizations = _organizations_backend(organization)
        moto_accounts = {moto_account.id: moto_account for moto_account in organizations.accounts}
        if renames_management:
            assert organizations.org is not None  # build_organization created it
            moto_management = moto_accounts[organization.management_account_id]
            moto_management.name = management.name
            moto_management.email = organizations.org.master_account_email = management.email
        for account in dated_accounts:
            moto_account = moto_accounts[organization.account_ids[account.name]]
            if account.age_days is not None:
                moto_account.create_time = ago(account.age_days)  # ListAccounts' JoinedTimestamp
            if account.invited:
                moto_account.joined_method = "INVITED"
    for account in description.accounts():
        account_id = organization.account_ids[account.name]
        for user in account.users:
            if _has_history(user):
                _edit_user(account_id, user, ago)


def _has_history(user: MockIamUser) -> bool:
    dated = [user.age_days, user.password_last_used_days_ago]
    dated += [date for key in user.access_keys for date in (key.age_days, key.last_used_days_ago)]
    return any(days is not None for days in dated)


def _edit_user(account_id: str, user: MockIamUser, ago: Callable[[int], datetime]) -> None:
    from moto.iam.models import AccessKeyLastUsed, iam_backends

    iam_user = iam_backends[account_id]["global"].users[user.name]
    if user.age_days is not None:
        iam_user.create_date = ago(user.age_days)
    if user.password_last_used_days_ago is not None:
        # moto annotates the attribute as None-only, though it stores a datetime once a password is used
        iam_user.password_last_used = ago(user.password_last_used_days_ago)  # type: ignore[assignment]
    for moto_key, key in zip(iam_user.access_keys, user.access_keys, strict=True):
        if key.age_days is not None:
            moto_key.create_date = ago(key.age_days)
        if key.last_used_days_ago is not None:
            moto_key.last_used = AccessKeyLastUsed(
                timestamp=ago(key.last_used_days_ago), service=key.last_used_service, region=REGION
            )


def _organizations_backend(organization: BuiltOrganization) -> OrganizationsBackend:
    from moto.organizations.models import organizations_backends

    return organizations_backends[organization.management_account_id]["aws"]
