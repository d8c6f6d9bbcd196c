"""IAM user rules (USER-001..006).

Findings are about one IAM user: ``resource_type`` ``AWS::IAM::User``, ``resource_id`` the user ARN, the
user's tags passed for tag suppressions. Facts come from the user record, with the account's credential report
row already joined in (``auditor.inventory.facts``); an account whose users were not collected is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.inventory import AccountInventory, IamUser, Inventory
from auditor.permissions.privilege import grants_evidence, user_privilege
from auditor.remediation.facts import iam_user_facts
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import (
    ASSIGN_ACCOUNT_ACCESS,
    CIS_CENTRAL,
    CREDENTIAL_REPORT,
    LEAST_PRIVILEGE,
    MFA_SECURITY_KEY,
    PERMISSION_SETS,
    REMOVE_UNUSED_CREDENTIALS,
    SSO_LOGIN,
    USE_TEMPORARY_CREDENTIALS,
    account_label,
    accounts_with_users,
    age_days,
    iso,
    paragraphs,
    security_hub,
    unused_for,
)

MIGRATE_USER = f"""
    To retire the user: give the person an IAM Identity Center user (or find their user from your identity
    provider), add it to a group assigned the permission set that matches what this IAM user could do,
    check they can work through the access portal and `{SSO_LOGIN}`, then delete the IAM user.
    Console: IAM > Users > select the user > Delete. The fix below lists, per user, everything
    to remove before the user itself, in the order AWS accepts.
"""


def _hit(inventory: Inventory, account: AccountInventory, user: IamUser, message: str, evidence: dict[str, Any]) -> Hit:
    return Hit(
        account_id=account.account_id,
        resource_type="AWS::IAM::User",
        resource_id=user.arn,
        message=message,
        evidence={"user_name": user.user_name, **evidence},
        tags=dict(user.tags),
        fix_facts=iam_user_facts(user),
    )


def _who(inventory: Inventory, account: AccountInventory, user: IamUser) -> str:
    return f"IAM user {user.user_name} in account {account_label(inventory, account.account_id)}"


def _console_users(inventory: Inventory) -> Iterator[tuple[AccountInventory, IamUser]]:
    for account, users in accounts_with_users(inventory):
        for user in users:
            if user.password_enabled is True:
                yield account, user


@rule(
    id="USER-001",
    fix=fixes.USER_PASSWORD,
    title="IAM user with console password",
    severity="medium",
    area="users",
    rationale="""
        A console password on an IAM user is a second identity system next to IAM Identity Center: its own
        password policy, its own MFA, its own joiners and leavers, in every account separately. The end
        state is that people sign in through the access portal only, and IAM users are cleaned up once their
        owners have an Identity Center user.
    """,
    remediation=paragraphs(
        """
        Move the person to IAM Identity Center, then remove the console password (or the whole user).
        Console: IAM > Users > select the user > Security credentials > Console sign-in > Disable console access.
    """,
        MIGRATE_USER,
    ),
    references=[*CIS_CENTRAL, USE_TEMPORARY_CREDENTIALS, ASSIGN_ACCOUNT_ACCESS],
)
def console_password(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM user with a console password (a login profile; `password_enabled` = true)."""
    for account, user in _console_users(inventory):
        yield _hit(
            inventory,
            account,
            user,
            f"{_who(inventory, account, user)} can sign in to the console with a password.",
            {
                "password_enabled": True,
                "password_last_used": iso(user.password_last_used),
                "mfa_active": user.mfa_active,
                "user_created": iso(user.create_date),
            },
        )


@rule(
    id="USER-002",
    fix=fixes.USER_NO_MFA,
    title="Console IAM user without MFA",
    severity="high",
    area="users",
    rationale="""
        A console password without MFA is one phished or reused password away from the account, with
        whatever the user's policies allow. Identity Center can require every user to register MFA at
        first sign-in; IAM users only get MFA if each of them sets it up.
    """,
    remediation=paragraphs(
        """
        Until the user is migrated to Identity Center, require MFA: IAM > Users > select the user > Security
        credentials > Multi-factor authentication (MFA) > Assign MFA device (prefer a passkey or security
        key). Or remove the password if the user does not need the console (the fix's first command).
    """,
        MIGRATE_USER,
    ),
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.10",
        "CIS AWS Foundations Benchmark v5.0.0 1.9",
        *security_hub("IAM.5"),
        MFA_SECURITY_KEY,
    ],
)
def console_user_without_mfa(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM user with a console password and no MFA device (`mfa_active` = false). Unknown MFA
    state: no finding."""
    for account, user in _console_users(inventory):
        if user.mfa_active is not False:
            continue
        yield _hit(
            inventory,
            account,
            user,
            f"{_who(inventory, account, user)} has a console password and no MFA device.",
            {
                "password_enabled": True,
                "mfa_active": False,
                "password_last_used": iso(user.password_last_used),
            },
        )


@rule(
    id="USER-003",
    fix=fixes.USER_PASSWORD,
    title="IAM user password unused",
    severity="medium",
    area="users",
    rationale="""
        A password nobody uses is pure exposure: it can still be guessed, phished or reused from another
        breach, and an unused account is the one whose takeover nobody notices. If the person no longer
        signs in with it, they either left or already work another way (ideally through Identity Center).
    """,
    remediation=paragraphs(
        """
        Remove the console password.
        Console: IAM > Users > select the user > Security credentials > Console sign-in > Disable console access.
    """,
        MIGRATE_USER,
    ),
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.12",
        "CIS AWS Foundations Benchmark v5.0.0 1.11",
        *security_hub("IAM.8"),
        *security_hub("IAM.22"),
        REMOVE_UNUSED_CREDENTIALS,
        CREDENTIAL_REPORT,
    ],
    config_keys=("thresholds.unused_days",),
)
def password_unused(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM user with a console password last used more than `unused_days` before the
    collection time, or never used and set more than `unused_days` before it. "Never used" needs the
    credential report's row for the user (the source of last-use data); its age is the row's
    `password_last_changed` (when the password was set), else the user's creation date."""
    days = context.thresholds.unused_days
    for account, user in _console_users(inventory):
        last_used = user.password_last_used
        if last_used is None and not user.in_credential_report:
            continue  # no credential report row: "never used" and "not known" look the same
        set_at = user.password_last_changed or user.create_date
        if not unused_for(last_used, set_at, context.as_of, days):
            continue
        reference = last_used or set_at
        idle = age_days(reference, context.as_of)
        when = f"last used {idle} days ago" if last_used else f"never used since it was set {idle} days ago"
        yield _hit(
            inventory,
            account,
            user,
            f"{_who(inventory, account, user)} has a console password {when}.",
            {
                "password_last_used": iso(last_used),
                "password_set": iso(set_at),
                "days_unused": idle,
                "unused_days": days,
            },
        )


@rule(
    id="USER-004",
    fix=fixes.USER_DIRECT_POLICIES,
    title="Policies attached directly to an IAM user",
    severity="low",
    area="users",
    rationale="""
        Permissions attached to individual users drift: each user ends up with a slightly different set that
        nobody reviews, and access lingers when the person's job changes. Granting through groups (in IAM,
        and in Identity Center through groups assigned permission sets) keeps access reviewable by role,
        which is the model the migration moves to.
    """,
    remediation="""
        Put the user in a group that carries the policy, then detach the user's own policies. Console: IAM >
        Users > select the user > Permissions > Remove.
        Better still, migrate the person to an Identity Center group with a matching permission set.
    """,
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.15",
        "CIS AWS Foundations Benchmark v5.0.0 1.14",
        *security_hub("IAM.2"),
        LEAST_PRIVILEGE,
    ],
)
def direct_user_policies(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM user with at least one managed policy attached to it or one inline policy of its
    own (group policies are fine)."""
    for account, users in accounts_with_users(inventory):
        for user in users:
            if not user.attached_policies and not user.inline_policies:
                continue
            names = [p.policy_name for p in user.attached_policies] + [p.policy_name for p in user.inline_policies]
            yield _hit(
                inventory,
                account,
                user,
                f"{_who(inventory, account, user)} has policies attached directly: {', '.join(names)}.",
                {
                    "attached_policies": [
                        {"policy_name": p.policy_name, "policy_arn": p.policy_arn} for p in user.attached_policies
                    ],
                    "inline_policies": [p.policy_name for p in user.inline_policies],
                },
            )


@rule(
    id="USER-005",
    fix=fixes.USER_ADMIN,
    title="IAM user with administrator privileges",
    severity="high",
    area="users",
    rationale="""
        An IAM user with administrator rights (directly or through a group) turns every one of its
        credentials (password, long-lived access keys) into a key to the whole account. Administrator
        access should come from an Identity Center permission set: short-lived, MFA-protected, assigned to
        a reviewed group.
    """,
    remediation=paragraphs(
        """
        Give the person administrator access through an Identity Center permission set assigned to a group,
        then remove the administrator policy from the IAM user (or its group) and delete the user.
    """,
        MIGRATE_USER,
    ),
    references=[
        "CIS AWS Foundations Benchmark v3.0.0 1.16",
        "CIS AWS Foundations Benchmark v5.0.0 1.15",
        *security_hub("IAM.1"),
        LEAST_PRIVILEGE,
        PERMISSION_SETS,
    ],
)
def privileged_user(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM user that is privileged through its own policies or its groups' (see
    `rules/_privilege.py`: AdministratorAccess, PowerUserAccess, IAMFullAccess, or a statement allowing
    `*` on `*`); the evidence lists each granting policy and how it reaches the user."""
    for account, users in accounts_with_users(inventory):
        for user in users:
            grants = user_privilege(account, user)
            if not grants:
                continue
            names = sorted({g.policy_name for g in grants})
            yield _hit(
                inventory,
                account,
                user,
                f"{_who(inventory, account, user)} has administrator-level privileges through {', '.join(names)}.",
                {"privileged_by": grants_evidence(grants), "groups": list(user.groups)},
            )


@rule(
    id="USER-006",
    fix=fixes.USER_IN_MANAGEMENT,
    title="IAM users in the management account",
    severity="high",
    area="users",
    rationale="""
        The management account controls the whole organization (no service control policy limits it) and
        belongs to organization and Identity Center administration only, reached through Identity Center like
        every other account. An IAM user there, whatever its policies today, is a long-lived
        identity in the one account where a compromise reaches every account. One finding per user, so each
        can be tracked or suppressed on its own.
    """,
    remediation=paragraphs(
        """
        Assign the people who need the management account an Identity Center permission set there, move any
        automation to a member account or an IAM role, then delete every IAM user in the management account.
    """,
        MIGRATE_USER,
    ),
    references=[*CIS_CENTRAL, USE_TEMPORARY_CREDENTIALS, ASSIGN_ACCOUNT_ACCESS],
)
def management_account_users(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for every IAM user in the organization's management account (one finding per user)."""
    for account, users in accounts_with_users(inventory):
        if not account.is_management:
            continue
        for user in users:
            yield _hit(
                inventory,
                account,
                user,
                f"{_who(inventory, account, user)} exists in the organization's management account.",
                {
                    "user_created": iso(user.create_date),
                    "password_enabled": user.password_enabled,
                    "active_access_keys": [k.access_key_id for k in user.active_keys],
                },
            )
