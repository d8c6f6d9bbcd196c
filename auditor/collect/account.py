"""One account: its identity (from the organization listing, or as it sees itself) and its IAM state.

Each part is collected on its own: a part that cannot be read is ``None`` in the inventory plus an error
entry, and the rest of the account is still collected.
"""

from __future__ import annotations

from auditor.collect.calls import CallContext, guarded
from auditor.collect.credential_report import Sleep, fetch_credential_report
from auditor.collect.iam import account_summary, collect_principals, root_has_virtual_mfa
from auditor.collect.organizations import describe_membership
from auditor.collect.session import AccountAccess
from auditor.inventory import AccountInventory, OrgAccount, Organization


def collect_account(
    ctx: CallContext,
    access: AccountAccess,
    account_id: str,
    organization: Organization | None,
    org_account: OrgAccount | None,
    sleep: Sleep,
) -> AccountInventory:
    """Everything per account. ``org_account`` is the account's organization listing entry in ``--org`` scans."""
    if organization is not None and org_account is not None:
        account = _from_org_listing(access, organization, org_account)
    else:
        account = _as_it_sees_itself(ctx, access, account_id)
    iam = access.client("iam")
    account.credential_report = guarded(ctx, "credential report", lambda: fetch_credential_report(ctx, iam, sleep))
    account.account_summary = guarded(ctx, "account summary", lambda: account_summary(ctx, iam))
    account.root_virtual_mfa = guarded(ctx, "root MFA", lambda: root_has_virtual_mfa(ctx, iam, account_id))
    principals = guarded(ctx, "IAM principals", lambda: collect_principals(ctx, iam, account.credential_report))
    if principals is not None:
        account.users = principals.users
        account.groups = principals.groups
        account.roles = principals.roles
        account.managed_policies = principals.managed_policies
    return account


def _from_org_listing(access: AccountAccess, organization: Organization, org_account: OrgAccount) -> AccountInventory:
    return AccountInventory(
        account_id=org_account.id,
        account_name=org_account.name,
        email=org_account.email,
        state=org_account.state,
        is_management=org_account.id == organization.management_account_id,
        ou_path=org_account.ou_path,
        tags=org_account.tags,
        collected_via=access.collected_via,
        caller_arn=access.caller_arn,
        organization_id=organization.id,
        in_organization=True,
    )


def _as_it_sees_itself(ctx: CallContext, access: AccountAccess, account_id: str) -> AccountInventory:
    """Without an organization listing, only membership is readable (a member may describe its organization)."""
    membership = describe_membership(ctx, access)
    return AccountInventory(
        account_id=account_id,
        is_management=membership.management_account_id == account_id,
        collected_via=access.collected_via,
        caller_arn=access.caller_arn,
        organization_id=membership.organization_id,
        in_organization=membership.in_organization,
    )
