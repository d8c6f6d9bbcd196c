"""One account: its identity (from the organization listing, or as it sees itself) and its IAM state.

Each part is collected on its own: a part that cannot be read is ``None`` in the inventory plus an error
entry, and the rest of the account is still collected.
"""

from __future__ import annotations

from typing import Any, Literal

from auditor.collect.calls import CallContext, guarded
from auditor.collect.credential_report import (
    ReportGeneration,
    Sleep,
    finish_credential_report,
    start_credential_report,
)
from auditor.collect.iam import (
    account_summary,
    collect_principals,
    read_authorization_details,
    root_has_virtual_mfa,
)
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
    report_generation: ReportGeneration | None | Literal["not asked"] = "not asked",
) -> AccountInventory:
    """Everything per account. ``org_account`` is the account's organization listing entry in ``--org`` scans.

    The account is built once, with every part, so that its validator joins the credential report to the
    users; its name, OU path and tags come from the organization listing when the inventory is assembled.

    The credential report is asked for first (unless the runner did, ``report_generation``), the other reads
    happen while AWS builds it, and it is read last, before the access keys: its rows say which users have
    keys worth a ``ListAccessKeys`` call.
    """
    if organization is not None and org_account is not None:
        membership: dict[str, Any] = {"organization_id": organization.id, "in_organization": True}
    else:
        membership = _as_it_sees_itself(ctx, access, account_id)
    iam = access.client("iam")
    generation = start_report(ctx, iam) if report_generation == "not asked" else report_generation
    summary = guarded(ctx, "account summary", lambda: account_summary(ctx, iam))
    root_virtual_mfa = guarded(ctx, "root MFA", lambda: root_has_virtual_mfa(ctx, iam, account_id))
    details = guarded(ctx, "IAM principals", lambda: read_authorization_details(ctx, iam))
    report = guarded(ctx, "credential report", lambda: finish_credential_report(ctx, iam, generation, sleep))
    principals = guarded(
        ctx, "IAM principals", lambda: collect_principals(ctx, iam, report, details) if details else None
    )
    return AccountInventory(
        account_id=account_id,
        **membership,
        collected_via=access.collected_via,
        caller_arn=access.caller_arn,
        credential_report=report,
        account_summary=summary,
        root_virtual_mfa=root_virtual_mfa,
        users=principals.users if principals is not None else None,
        groups=principals.groups if principals is not None else None,
        roles=principals.roles if principals is not None else None,
        managed_policies=principals.managed_policies if principals is not None else None,
    )


def start_report(ctx: CallContext, iam: Any) -> ReportGeneration | None:
    """``GenerateCredentialReport``, guarded: a surprise here is the credential report's gap, not the account's."""
    return guarded(ctx, "credential report", lambda: start_credential_report(ctx, iam))


def _as_it_sees_itself(ctx: CallContext, access: AccountAccess, account_id: str) -> dict[str, Any]:
    """Without an organization listing, only membership is readable (a member may describe its organization)."""
    membership = describe_membership(ctx, access)
    return {
        "is_management": membership.management_account_id == account_id,
        "organization_id": membership.organization_id,
        "in_organization": membership.in_organization,
    }
