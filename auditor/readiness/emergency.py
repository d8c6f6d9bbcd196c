"""The way into an account that is left when Identity Center is not: the break-glass check.

Once the IAM users are gone, an Identity Center outage, a broken identity provider or a deleted permission set
locks everybody out, unless something else lets a person in. For the management account that is a break-glass
IAM user (console password, FIDO MFA, no keys, an alarm on use), or a path the organization has written down
(``readiness.emergency_access``). A member account also has the role the management account can assume
(``OrganizationAccountAccessRole``, or any role whose trust policy names the management account). An account
with none of these is never ``ready`` or ``migrated`` (``no-break-glass``); one whose roles could not be read,
with no other path, is not known to have one, which blocks as well (unknown is never read as a pass).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from auditor.engine.patterns import glob_match
from auditor.inventory import AccountInventory
from auditor.readiness.dependencies import allowed_aws_principals
from auditor.readiness.models import Blocker, EmergencyAccess, IamUserReadiness


def emergency_access(
    account: AccountInventory,
    users: Sequence[IamUserReadiness],
    management_account_id: str | None,
    declared: Mapping[str, str],
) -> list[EmergencyAccess] | None:
    """Every emergency path into ``account``; ``None`` when there is none known and the roles, which could hold
    one, were not read."""
    paths = [
        EmergencyAccess(kind="declared", subject=text)
        for key, text in declared.items()
        if key == "*" or key == account.account_id or glob_match(key, account.account_name)
    ]
    paths += _break_glass_users(users)
    if management_account_id is not None and account.account_id != management_account_id:
        if account.roles is None and not paths:
            return None
        paths += _management_roles(account, management_account_id)
    return paths


def no_break_glass(
    account: AccountInventory, paths: list[EmergencyAccess] | None, management_account_id: str | None
) -> Blocker | None:
    if paths:
        return None
    management = account.account_id == management_account_id
    where = "the management account" if management else account.display_name
    if management_account_id is None:
        message = (
            f"{where} has no break-glass IAM user, and the organization's management account is not known (a role "
            "it assumes cannot be told): once the IAM users go, an Identity Center failure may leave no way in"
        )
    elif paths is None:
        message = (
            f"no emergency way into {where} is known: it has no break-glass user and its roles, which could "
            "hold one the management account assumes, could not be read"
        )
    elif management:
        message = (
            f"{where} has no break-glass IAM user: once its IAM administrators go, an Identity Center or identity "
            "provider failure locks the whole organization out"
        )
    else:
        message = (
            f"{where} has no break-glass IAM user and no role the management account can assume: once its IAM "
            "users go, an Identity Center failure leaves no way in"
        )
    return Blocker(code="no-break-glass", subject=account.account_id, message=message)


def _break_glass_users(users: Iterable[IamUserReadiness]) -> list[EmergencyAccess]:
    """Break-glass users that can sign in (a console password); what is wrong with each is its note."""
    paths = []
    for user in users:
        if user.user_class != "break-glass" or not user.evidence.console_password:
            continue
        problems = []
        if not user.evidence.mfa_active:
            problems.append("no MFA device")
        if user.evidence.active_keys:
            problems.append("access keys present")
        paths.append(
            EmergencyAccess(kind="break-glass-user", subject=user.arn, note="; ".join(problems) if problems else None)
        )
    return paths


def _management_roles(account: AccountInventory, management_account_id: str) -> list[EmergencyAccess]:
    prefix = f"arn:aws:iam::{management_account_id}:"
    return [
        EmergencyAccess(
            kind="management-role",
            subject=role.arn,
            note="as good as the management account's own break-glass path",
        )
        for role in account.roles or []
        if any(p == management_account_id or p.startswith(prefix) for p in allowed_aws_principals(role.trust_policy))
    ]
