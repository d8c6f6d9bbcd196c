"""IAM Identity Center rules (IDC-001..007).

Who a finding is about, per the design: for the instance and for permission sets, the Identity Center owner
account (``AWS::SSO::Instance`` / ``AWS::SSO::PermissionSet``, ``resource_id`` the instance or permission-set
ARN); for an assignment, the *target* account. Assignments have no ARN of their own: their findings use
``resource_type`` ``AWS::SSO::Assignment`` with the permission-set ARN as ``resource_id`` (so a suppression
can name the set by ARN glob) and, where one set can have several findings in an account, the principal as
discriminator.

Everything here needs ``identity_center.status == "enabled"`` except IDC-001, which needs ``"not_enabled"``:
``"unknown"`` (the instance could not be looked up) never produces a finding. A list the collectors could not
read is ``None`` and is treated as unknown, never as empty: rules iterate what is known. The coverage rule
(IDC-002) stands down when the assignments are unknown, judges only the accounts whose assignments were
asked for (``assignments_listed_accounts``: the scan's scope), and skips the accounts listed in
``assignments_unreadable_accounts``: a partial list cannot prove absence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.inventory import IDENTITY_CENTER_PRINCIPAL, AccountAssignment, IdentityCenter, Inventory, PermissionSet
from auditor.permissions.privilege import PrivilegeGrant, grants_evidence, permission_set_privilege
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import (
    ASSIGN_ACCOUNT_ACCESS,
    CIS_CENTRAL,
    CLI_SSO,
    CONFIGURE_SSO,
    ENABLE_IDENTITY_CENTER,
    IDC_DELEGATED_ADMINISTRATION,
    IDENTITY_CENTER,
    LEAST_PRIVILEGE,
    PERMISSION_SET_SESSION_DURATION,
    PERMISSION_SETS,
    USE_TEMPORARY_CREDENTIALS,
    account_label,
    account_resource,
    organization_arn,
)
from auditor.util.isoduration import format_duration

DEFAULT_SESSION_SECONDS = 3600


# --------------------------------------------------------------------------------------------- helpers


def _enabled(inventory: Inventory) -> IdentityCenter | None:
    idc = inventory.identity_center
    return idc if idc is not None and idc.status == "enabled" else None


def _owner_account(inventory: Inventory, idc: IdentityCenter) -> str | None:
    return idc.owner_account_id or inventory.management_account_id


def _sorted_assignments(idc: IdentityCenter) -> list[AccountAssignment]:
    """The known assignments (none when they could not be listed)."""
    return sorted(
        idc.assignments or [], key=lambda a: (a.account_id, a.permission_set_arn, a.principal_type, a.principal_id)
    )


def _sorted_permission_sets(idc: IdentityCenter) -> list[PermissionSet]:
    """The known permission sets (none when they could not be listed)."""
    return sorted(idc.permission_sets or [], key=lambda p: p.arn)


def _privilege_in(inventory: Inventory, permission_set: PermissionSet, account_ids: list[str]) -> list[PrivilegeGrant]:
    accounts = [a for a in (inventory.account(i) for i in account_ids) if a is not None]
    return permission_set_privilege(permission_set, accounts)


def _principal(idc: IdentityCenter, principal_type: str, principal_id: str) -> dict[str, Any]:
    """A principal as evidence, with the names the identity store knows (none when it could not be listed)."""
    if principal_type == "USER":
        user = idc.user(principal_id)
        return {
            "principal_type": "USER",
            "principal_id": principal_id,
            "user_name": user.user_name if user else None,
            "display_name": user.display_name if user else None,
            "emails": list(user.emails) if user else [],
        }
    group = idc.group(principal_id)
    return {
        "principal_type": "GROUP",
        "principal_id": principal_id,
        "group_name": group.display_name if group else None,
    }


def _principal_name(principal: dict[str, Any]) -> str:
    if principal["principal_type"] == "USER":
        name = principal.get("user_name") or (principal.get("emails") or [None])[0]
        return f"user {name or principal['principal_id']}"
    return f"group {principal.get('group_name') or principal['principal_id']}"


def _permission_set_evidence(ps: PermissionSet) -> dict[str, Any]:
    return {
        "permission_set_name": ps.name,
        "permission_set_arn": ps.arn,
        "session_duration": ps.session_duration,
        "session_duration_seconds": ps.session_duration_seconds,
    }


# --------------------------------------------------------------------------------------------- IDC-001


@rule(
    id="IDC-001",
    fix=fixes.IDC_ENABLE,
    title="IAM Identity Center not enabled",
    severity="high",
    area="identity-center",
    rationale="""
        The target of the migration: people sign in once to IAM Identity Center, with MFA, and get
        short-lived (ASIA...) credentials for the accounts and permission sets assigned to them. Without an
        Identity Center instance the only ways in are IAM users with passwords and long-lived (AKIA...)
        access keys, or root. Those keys sit in files on laptops, leak into repositories and never expire.
        Enabling Identity Center is the first step of the migration this auditor measures.
    """,
    remediation=f"""
        In the organization's management account: IAM Identity Center console > Enable (choose "Enable with
        AWS Organizations"), in the region you want as its home region. Then choose the identity source
        (MANUAL-004), require MFA (MANUAL-001 to MANUAL-003), delegate administration to a member account
        (IDC-007), create groups and permission sets, and assign them to accounts (IDC-002). Configure the
        CLI with an sso-session (`{CONFIGURE_SSO}`) instead of access keys. An organization instance is
        enabled from the console: the CLI can create only account instances.
    """,
    references=[*CIS_CENTRAL, IDENTITY_CENTER, ENABLE_IDENTITY_CENTER, USE_TEMPORARY_CREDENTIALS, CLI_SSO],
)
def identity_center_not_enabled(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when the collectors looked for an Identity Center instance and found none
    (`identity_center.status` = "not_enabled"); never when the lookup failed ("unknown"). One finding for
    the organization (in the management account), or one per scanned account when there is no organization."""
    idc = inventory.identity_center
    if idc is None or idc.status != "not_enabled":
        return
    evidence = {"status": idc.status, "regions_checked": list(idc.regions_checked)}
    organization = inventory.organization
    if organization is not None:
        yield Hit(
            account_id=organization.management_account_id,
            resource_type="AWS::Organizations::Organization",
            resource_id=organization_arn(organization),
            message=(
                f"Organization {organization.id} (management account "
                f"{account_label(inventory, organization.management_account_id)}) has no IAM Identity Center instance."
            ),
            evidence={**evidence, "organization_id": organization.id},
        )
        return
    for account in inventory.accounts:
        yield Hit(
            account_id=account.account_id,
            resource_type="AWS::Organizations::Account",
            resource_id=account_resource(inventory, account.account_id),
            message=f"Account {account_label(inventory, account.account_id)} has no IAM Identity Center instance.",
            evidence=evidence,
        )


# --------------------------------------------------------------------------------------------- IDC-002


@rule(
    id="IDC-002",
    fix=fixes.IDC_ASSIGN,
    title="Account reachable only without Identity Center",
    severity="medium",
    area="identity-center",
    rationale="""
        An organization account with no Identity Center assignment cannot be reached through the access
        portal, so whoever works in it does so with IAM users, access keys, root, or an undocumented role
        chain. Every account, the management account included, needs an assignment so that root and IAM
        users are no longer needed. Suspended and closed accounts are not reported. Only the accounts
        in the scan's scope are judged (`--accounts`, `--exclude-accounts`, `--ou`): the assignments of the
        others are not listed, so a scan narrowed to one OU says nothing about the rest of the organization.
        To judge the whole organization, scan all of it, or scan it in shards and merge the findings.
    """,
    remediation="""
        IAM Identity Center console > Multi-account permissions > AWS accounts > select the account > Assign
        users or groups > choose a group > choose permission sets > Submit.
        Then move the account's IAM users to Identity Center users in that group and delete them (USER-*).
    """,
    references=[*CIS_CENTRAL, ASSIGN_ACCOUNT_ACCESS],
)
def account_without_assignment(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each ACTIVE account of the organization that appears in no Identity Center account
    assignment. Needs Identity Center enabled, its assignments listed and the organization's account list.
    Only accounts whose assignments were asked for (`assignments_listed_accounts`, the scan's scope) are
    judged; accounts whose assignments could not be read (`assignments_unreadable_accounts`) are skipped."""
    idc = _enabled(inventory)
    organization = inventory.organization
    if idc is None or organization is None or idc.assignments is None:
        return
    listed = _assignments_listed_for(idc, [a.id for a in organization.accounts])
    assigned = {a.account_id for a in idc.assignments}
    unreadable = set(idc.assignments_unreadable_accounts)
    for org_account in sorted(organization.accounts, key=lambda a: a.id):
        if org_account.state != "ACTIVE" or org_account.id not in listed:
            continue
        if org_account.id in assigned or org_account.id in unreadable:
            continue
        yield Hit(
            account_id=org_account.id,
            resource_type="AWS::Organizations::Account",
            resource_id=account_resource(inventory, org_account.id),
            message=(
                f"Account {account_label(inventory, org_account.id)} has no IAM Identity Center assignment: "
                "nobody can reach it through the access portal."
            ),
            evidence={
                "account_name": org_account.name,
                "ou_path": org_account.ou_path,
                "state": org_account.state,
                "identity_center_instance_arn": idc.instance_arn,
                "accounts_listed": len(listed),
                "assignments_listed": len(idc.assignments),
            },
        )


def _assignments_listed_for(idc: IdentityCenter, org_account_ids: list[str]) -> set[str]:
    """The accounts whose assignments were asked for. Inventories written before
    ``assignments_listed_accounts`` existed asked about every ACTIVE account of the organization."""
    if idc.assignments_listed_accounts is not None:
        return set(idc.assignments_listed_accounts)
    return set(org_account_ids)


# --------------------------------------------------------------------------------------------- IDC-003


@rule(
    id="IDC-003",
    fix=fixes.IDC_PRIVILEGED_SESSION,
    title="Long sessions on a privileged permission set",
    severity="low",
    area="identity-center",
    rationale="""
        A permission set's session duration is how long the credentials from one portal click stay valid. For
        an administrator set, that is how long a stolen browser session or a copied set of temporary keys
        keeps full control of the account. Twelve hours is convenient on a personal setup; for a team,
        privileged sets deserve a shorter window (the default threshold is 8 hours: a working day)
        while everyday read-only or developer sets can stay long (IDC-004).
    """,
    remediation="""
        IAM Identity Center console > Multi-account permissions > Permission sets > select the set > Edit
        (General settings) > Session duration: choose a value no longer than `privileged_session_max`, then
        re-provision the set to its accounts.
        Consider a separate, shorter "break-glass" administrator set and a longer non-privileged set for daily work.
    """,
    references=[PERMISSION_SET_SESSION_DURATION, PERMISSION_SETS],
    config_keys=("thresholds.privileged_session_max",),
)
def privileged_long_session(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each privileged permission set (see "privileged" in `rules/_privilege.py`: AdministratorAccess,
    PowerUserAccess, IAMFullAccess or a policy allowing `*` on `*`) whose session duration is longer than
    `privileged_session_max`. Customer-managed policy references are resolved in the accounts the set is
    assigned to."""
    idc = _enabled(inventory)
    if idc is None:
        return
    limit = context.thresholds.privileged_session_max_seconds
    accounts_by_set: dict[str, list[str]] = {}
    for assignment in _sorted_assignments(idc):
        accounts_by_set.setdefault(assignment.permission_set_arn, []).append(assignment.account_id)
    for ps in _sorted_permission_sets(idc):
        if ps.session_duration_seconds <= limit:
            continue
        grants = _privilege_in(inventory, ps, sorted(set(accounts_by_set.get(ps.arn, []))))
        if not grants:
            continue
        owner = _owner_account(inventory, idc)
        yield Hit(
            account_id=owner,
            resource_type="AWS::SSO::PermissionSet",
            resource_id=ps.arn,
            region=idc.home_region,
            message=(
                f"Privileged permission set {ps.name} (Identity Center in account {account_label(inventory, owner)}) "
                f"allows {ps.session_duration} sessions, longer than {context.thresholds.privileged_session_max}."
            ),
            evidence={
                **_permission_set_evidence(ps),
                "privileged_session_max": context.thresholds.privileged_session_max,
                "privileged_session_max_seconds": limit,
                "privileged_by": grants_evidence(grants),
            },
        )


# --------------------------------------------------------------------------------------------- IDC-004


@rule(
    id="IDC-004",
    fix=fixes.IDC_SHORT_SESSION,
    title="Session duration forces hourly sign-in",
    severity="info",
    area="identity-center",
    rationale="""
        PT1H is the default session duration of a new permission set. People who must click through the
        portal every hour tend to look for a way around it, usually by going back to long-lived access keys,
        which is the opposite of the migration's goal. Choose a duration that does not force an hourly
        sign-in. This is informational: for a rarely used administrator or break-glass set, one hour
        may be exactly what you want (suppress it there).
    """,
    remediation="""
        IAM Identity Center console > Multi-account permissions > Permission sets > select the set > Edit
        > Session duration: pick a longer value suited to the set (for example 4 to 8 hours for everyday
        developer sets; keep privileged sets within `privileged_session_max`, see IDC-003).
    """,
    references=[PERMISSION_SET_SESSION_DURATION],
)
def hourly_session(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each permission set whose session duration is exactly one hour (PT1H, the default)."""
    idc = _enabled(inventory)
    if idc is None:
        return
    owner = _owner_account(inventory, idc)
    for ps in _sorted_permission_sets(idc):
        if ps.session_duration_seconds != DEFAULT_SESSION_SECONDS:
            continue
        yield Hit(
            account_id=owner,
            resource_type="AWS::SSO::PermissionSet",
            resource_id=ps.arn,
            region=idc.home_region,
            message=(
                f"Permission set {ps.name} (Identity Center in account {account_label(inventory, owner)}) has a "
                f"{format_duration(ps.session_duration_seconds)} session: its users must sign in again every hour."
            ),
            evidence=_permission_set_evidence(ps),
        )


# --------------------------------------------------------------------------------------------- IDC-005


@rule(
    id="IDC-005",
    fix=fixes.IDC_ADMIN_IN_PRODUCTION,
    title="Administrator access in production",
    severity="medium",
    area="identity-center",
    rationale="""
        A getting-started setup assigns AdministratorAccess to every account, production included; a real
        team should not: anyone holding that assignment can change or delete production with one portal
        click. Production should be reached with narrower, task-shaped permission sets (read-only, deploy,
        support), with administrator access kept for a small group and reviewed.
    """,
    remediation="""
        Review who needs the privileged set in this account. Replace it with a narrower permission set for
        daily work and keep administrator access for a small, reviewed group (or a break-glass process).
        Console: IAM Identity Center > Multi-account permissions > AWS accounts > select the account >
        Permission sets tab / Users and groups tab > remove the assignment.
        Which accounts count as production is set by `production_patterns` in auditor.toml (account name,
        OU path or tag globs).
    """,
    references=[LEAST_PRIVILEGE, PERMISSION_SETS, ASSIGN_ACCOUNT_ACCESS],
    config_keys=("production_patterns",),
)
def privileged_in_production(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires once per (account, permission set) when a privileged permission set is assigned, to any user or
    group, in an account that matches `production_patterns` (account name, OU path or tags). Tags that were
    not read (the account's `ListTagsForResource` failed) match no tag pattern."""
    idc = _enabled(inventory)
    if idc is None:
        return
    grouped: dict[tuple[str, str], list[AccountAssignment]] = {}
    for assignment in _sorted_assignments(idc):
        grouped.setdefault((assignment.account_id, assignment.permission_set_arn), []).append(assignment)
    for (account_id, ps_arn), assignments in grouped.items():
        ps = idc.permission_set(ps_arn)
        if ps is None:
            continue
        facts = inventory.account_facts(account_id)
        pattern = context.production_pattern(facts)
        if pattern is None:
            continue
        grants = _privilege_in(inventory, ps, [account_id])
        if not grants:
            continue
        principals = [_principal(idc, a.principal_type, a.principal_id) for a in assignments]
        yield Hit(
            account_id=account_id,
            resource_type="AWS::SSO::Assignment",
            resource_id=ps.arn,
            region=idc.home_region,
            message=(
                f"Privileged permission set {ps.name} is assigned in production account "
                f"{account_label(inventory, account_id)} to {', '.join(_principal_name(p) for p in principals)}."
            ),
            evidence={
                "permission_set_name": ps.name,
                "permission_set_arn": ps.arn,
                "account_name": facts.name if facts is not None else None,
                "ou_path": facts.ou_path if facts is not None else None,
                "production_pattern": pattern,
                "principals": principals,
                "privileged_by": grants_evidence(grants),
            },
        )


# --------------------------------------------------------------------------------------------- IDC-006


@rule(
    id="IDC-006",
    fix=fixes.IDC_USER_ASSIGNMENT,
    title="Permission set assigned to a user, not a group",
    severity="low",
    area="identity-center",
    rationale="""
        Assignments made person by person pile up: nobody can say at a glance who has which access, and a
        change of role or a departure means hunting assignments account by account. Assigning permission sets
        to groups and managing group membership (ideally from the identity provider) keeps access
        reviewable beyond a one-person setup.
    """,
    remediation="""
        Create (or reuse) a group for the job, add the user to it, assign the group the same permission set in
        the same account, then remove the direct user assignment. Console: IAM Identity Center > Groups >
        Create group / Add users; then Multi-account permissions > AWS accounts > select the account > Assign
        users or groups > Groups.
    """,
    references=[ASSIGN_ACCOUNT_ACCESS],
)
def assigned_to_user(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each account assignment whose principal type is USER (one finding per account, permission
    set and user); the evidence names the user from the identity store."""
    idc = _enabled(inventory)
    if idc is None:
        return
    for assignment in _sorted_assignments(idc):
        if assignment.principal_type != "USER":
            continue
        ps = idc.permission_set(assignment.permission_set_arn)
        ps_name = ps.name if ps else assignment.permission_set_arn
        principal = _principal(idc, "USER", assignment.principal_id)
        yield Hit(
            account_id=assignment.account_id,
            resource_type="AWS::SSO::Assignment",
            resource_id=assignment.permission_set_arn,
            discriminator=f"USER/{assignment.principal_id}",
            region=idc.home_region,
            message=(
                f"Permission set {ps_name} is assigned directly to {_principal_name(principal)} in account "
                f"{account_label(inventory, assignment.account_id)}, not through a group."
            ),
            evidence={"permission_set_name": ps_name, "permission_set_arn": assignment.permission_set_arn, **principal},
        )


# --------------------------------------------------------------------------------------------- IDC-007


@rule(
    id="IDC-007",
    fix=fixes.IDC_DELEGATE,
    title="Identity Center administered from the management account",
    severity="low",
    area="identity-center",
    rationale="""
        The management account is the most powerful account in an organization (no service control policy
        restricts it) and should be touched as little as possible. When Identity Center is administered only
        from there, every change to users, groups and permission sets needs management-account access.
        Registering a member account as delegated administrator for Identity Center moves that day-to-day
        work out of it (IAM Identity Center console > Settings > Management).
    """,
    remediation="""
        In the management account: IAM Identity Center console > Settings > Management tab > Delegated
        administrator > Register account, and choose a dedicated security or identity account.
        Permission sets provisioned to the management account itself can still only be managed from the
        management account.
    """,
    references=[IDC_DELEGATED_ADMINISTRATION],
)
def no_delegated_administrator(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when Identity Center is enabled, the organization's delegated administrators were read, and none
    is registered for `sso.amazonaws.com`. Unreadable delegated administrators: no finding."""
    idc = _enabled(inventory)
    organization = inventory.organization
    if idc is None or organization is None or organization.delegated_administrators is None:
        return
    delegated = organization.delegated_administrators.get(IDENTITY_CENTER_PRINCIPAL) or []
    if delegated:
        return
    owner = _owner_account(inventory, idc)
    yield Hit(
        account_id=owner,
        resource_type="AWS::SSO::Instance",
        resource_id=idc.instance_arn or organization_arn(organization),
        region=idc.home_region,
        message=(
            f"IAM Identity Center has no delegated administrator: it can only be administered from the "
            f"management account {account_label(inventory, organization.management_account_id)}."
        ),
        evidence={
            "instance_arn": idc.instance_arn,
            "management_account_id": organization.management_account_id,
            "delegated_administrators_for_sso": [],
            "services_with_delegated_administrators": sorted(
                k for k, v in organization.delegated_administrators.items() if v
            ),
        },
    )
