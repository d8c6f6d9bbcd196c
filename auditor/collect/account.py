"""One account: its identity (from the organization listing, or as it sees itself) and its IAM state.

Each part is collected on its own: a part that cannot be read is ``None`` in the inventory plus an error
entry, and the rest of the account is still collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from auditor.collect.calls import CallContext, guarded
from auditor.collect.credential_report import (
    ReportGeneration,
    Sleep,
    finish_credential_report,
    start_credential_report,
)
from auditor.collect.iam import (
    AuthorizationDetails,
    IamPrincipals,
    account_summary,
    collect_principals,
    read_authorization_details,
    root_has_virtual_mfa,
)
from auditor.collect.last_accessed import Job, finish_jobs, holds_credential, start_jobs
from auditor.collect.organizations import describe_membership
from auditor.collect.session import AccountAccess
from auditor.collect.user_credentials import read_user_credentials
from auditor.inventory import AccountInventory, CredentialReport, OrgAccount, Organization

SERVICE_USE = "service last-accessed data"
OTHER_CREDENTIALS = "IAM users' SSH public keys, service-specific credentials and signing certificates"


@dataclass(frozen=True)
class AccountReading:
    """Everything an account's reading step read, and the last-accessed jobs IAM is still building for it."""

    account_id: str
    membership: dict[str, Any]
    report: CredentialReport | None
    summary: dict[str, int] | None
    root_virtual_mfa: bool | None
    principals: IamPrincipals | None
    jobs: list[Job]


def collect_account(
    ctx: CallContext,
    access: AccountAccess,
    account_id: str,
    organization: Organization | None,
    org_account: OrgAccount | None,
    sleep: Sleep,
    report_generation: ReportGeneration | None | Literal["not asked"] = "not asked",
) -> AccountInventory:
    """Everything per account: :func:`read_account`, then :func:`finish_account` at once.

    The runner runs the two steps as separate tasks, so that IAM builds the account's last-accessed jobs while
    other accounts are read.
    """
    reading = read_account(ctx, access, account_id, organization, org_account, sleep, report_generation)
    return finish_account(ctx, access, reading, sleep)


def read_account(
    ctx: CallContext,
    access: AccountAccess,
    account_id: str,
    organization: Organization | None,
    org_account: OrgAccount | None,
    sleep: Sleep,
    report_generation: ReportGeneration | None | Literal["not asked"] = "not asked",
) -> AccountReading:
    """Every part of the account; its users' last-accessed jobs started, not read. ``org_account`` is the
    account's organization listing entry in ``--org`` scans.

    The credential report is asked for first (unless the runner did, ``report_generation``), the other reads
    happen while AWS builds it, and it is read last, before the access keys: its rows say which users have
    keys worth a ``ListAccessKeys`` call, and which hold a credential worth a last-accessed job. The jobs are
    started before the keys are listed, so IAM builds them meanwhile.
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
    jobs = guarded(ctx, SERVICE_USE, lambda: start_jobs(ctx, iam, credential_holders(details, report)))
    principals = guarded(
        ctx, "IAM principals", lambda: collect_principals(ctx, iam, report, details) if details else None
    )
    return AccountReading(
        account_id=account_id,
        membership=membership,
        report=report,
        summary=summary,
        root_virtual_mfa=root_virtual_mfa,
        principals=principals,
        jobs=jobs or [],
    )


def finish_account(ctx: CallContext, access: AccountAccess, reading: AccountReading, sleep: Sleep) -> AccountInventory:
    """The account, built once with every part (so that its validator joins the credential report to the users),
    each user given its other credentials (``user_credentials.py``) and what its last-accessed job found; its
    name, OU path and tags come from the organization listing when the inventory is assembled.

    The other credentials are listed first, here rather than in the reading step, so that IAM builds the
    last-accessed jobs meanwhile. A user whose lists or job were not read keeps ``None`` there (unknown); an error
    entry says why.
    """
    principals = reading.principals
    iam = access.client("iam")
    if principals is not None and principals.users:
        users = principals.users
        held = guarded(ctx, OTHER_CREDENTIALS, lambda: read_user_credentials(ctx, iam, users, reading.report)) or {}
        for user in users:
            credentials = held.get(user.user_name)
            if credentials is not None:  # as below: these users are not yet in any inventory
                user.ssh_public_keys = credentials.ssh_public_keys
                user.service_specific_credentials = credentials.service_specific_credentials
                user.signing_certificates = credentials.signing_certificates
    if reading.jobs and principals is not None:
        found = guarded(ctx, SERVICE_USE, lambda: finish_jobs(ctx, iam, reading.jobs, sleep)) or {}
        for user in principals.users:
            use = found.get(user.arn)
            if use is not None:  # users not yet in any inventory: setting a field here changes nothing assembled
                user.service_use = use.services
                user.service_use_tracked_since = use.tracked_since
    return AccountInventory(
        account_id=reading.account_id,
        **reading.membership,
        collected_via=access.collected_via,
        caller_arn=access.caller_arn,
        credential_report=reading.report,
        account_summary=reading.summary,
        root_virtual_mfa=reading.root_virtual_mfa,
        users=principals.users if principals is not None else None,
        groups=principals.groups if principals is not None else None,
        roles=principals.roles if principals is not None else None,
        managed_policies=principals.managed_policies if principals is not None else None,
    )


def credential_holders(details: AuthorizationDetails | None, report: CredentialReport | None) -> list[tuple[str, str]]:
    """``(user name, ARN)`` of the users that may have used anything (``holds_credential``), by name."""
    if details is None:
        return []
    users = details.details.get("UserDetailList", [])
    return sorted(
        (user["UserName"], user["Arn"])
        for user in users
        if holds_credential(report.row_for(user["UserName"]) if report is not None else None)
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
