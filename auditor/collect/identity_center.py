"""IAM Identity Center: the instance, permission sets, account assignments and the identity store.

Collected once per scan (not per account) from the account that owns the instance (the management account,
or a delegated administrator), in the instance's home region. Its reads are about every account in scope, so
the runner's context names them (``CallContext.covering``): an error entry here says whose Identity Center
findings it hides, and a baseline keeps those open instead of reporting them fixed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auditor.collect.calls import CallContext, call, call_paginated
from auditor.collect.concurrency import map_concurrently
from auditor.collect.responses import result_list
from auditor.collect.session import AccountAccess
from auditor.inventory import (
    AccountAssignment,
    AttachedPolicy,
    CustomerManagedPolicyReference,
    ExternalId,
    GroupMembership,
    IdentityCenter,
    IdentityStoreGroup,
    IdentityStoreUser,
    PermissionsBoundary,
    PermissionSet,
)
from auditor.util.isoduration import format_duration, parse_duration
from auditor.util.timestamps import as_utc

# The rule area whose findings Identity Center's reads feed (rules/identity_center.py): what a gap here covers.
AREAS = ("identity-center",)

DEFAULT_SESSION_DURATION = "PT1H"
PRINCIPAL_TYPES = frozenset({"USER", "GROUP"})


@dataclass(frozen=True)
class IdentityCenterSource:
    """Where to look: whose credentials, which region, and whether that account is the org's management account.

    ``is_management_account`` is ``False`` only when we know the account is a member: a member sees no
    organization instance, so "none found" there means "cannot tell", not "not enabled".
    """

    access: AccountAccess
    account_id: str
    region: str
    is_management_account: bool | None


def collect_identity_center(
    ctx: CallContext, source: IdentityCenterSource, account_ids: Sequence[str], concurrency: int
) -> IdentityCenter:
    """Instance, permission sets, assignments for ``account_ids``, and the identity store's users and groups.

    A list whose listing call failed is ``None`` (its error entry says why), never empty: see ``IdentityCenter``.
    ``account_ids`` are the accounts in the scan's scope (the runner passes the selected ones); they are
    recorded as ``assignments_listed_accounts`` so that rules judge no other account's coverage.
    """
    sso_admin = source.access.client("sso-admin", source.region)
    listed = call_paginated(ctx, sso_admin, "ListInstances")
    if listed is None:
        return IdentityCenter(status="unknown", regions_checked=[source.region])
    instances = listed.get("Instances", [])
    if not instances:
        return _no_instance(ctx, source)
    instance = instances[0]
    instance_arn = instance["InstanceArn"]
    listed_sets = call_paginated(ctx, sso_admin, "ListPermissionSets", InstanceArn=instance_arn)
    permission_sets = (
        _permission_sets(ctx, sso_admin, instance_arn, sorted(set(result_list(listed_sets, "PermissionSets"))))
        if listed_sets is not None
        else None
    )
    # Assignments are found through the sets provisioned to each account, not through ListPermissionSets,
    # so they stay readable when the set listing is not.
    listed_accounts = sorted(set(account_ids))
    assignments, unreadable_accounts = _assignments(ctx, sso_admin, instance_arn, listed_accounts, concurrency)
    identity_store = _IdentityStoreReader(ctx, source.access.client("identitystore", source.region), instance)
    groups = identity_store.groups()
    return IdentityCenter(
        status="enabled",
        regions_checked=[source.region],
        instance_arn=instance_arn,
        identity_store_id=instance.get("IdentityStoreId"),
        owner_account_id=instance.get("OwnerAccountId") or source.account_id,
        home_region=source.region,
        instance_status=instance.get("Status"),
        name=instance.get("Name"),
        created_date=as_utc(instance["CreatedDate"]) if instance.get("CreatedDate") else None,
        permission_sets=permission_sets,
        assignments=assignments,
        assignments_listed_accounts=listed_accounts,
        assignments_unreadable_accounts=unreadable_accounts,
        users=identity_store.users(),
        groups=groups,
        memberships=(
            identity_store.memberships([group.group_id for group in groups], concurrency)
            if groups is not None
            else None
        ),
    )


def _no_instance(ctx: CallContext, source: IdentityCenterSource) -> IdentityCenter:
    if source.is_management_account is False:
        ctx.errors.add(
            ctx.entry(
                account_id=source.account_id,
                region=source.region,
                service="sso-admin",
                operation="ListInstances",
                error_code="NotManagementAccount",
                message=(
                    "no Identity Center instance visible from a member account; scan from the management "
                    "account or the Identity Center delegated administrator to tell whether one exists"
                ),
            )
        )
        return IdentityCenter(status="unknown", regions_checked=[source.region])
    return IdentityCenter(status="not_enabled", regions_checked=[source.region])


# -------------------------------------------------------------------------------------- permission sets


def _permission_sets(
    ctx: CallContext, sso_admin: Any, instance_arn: str, permission_set_arns: Sequence[str]
) -> list[PermissionSet]:
    """Each set with its policies. A set whose description cannot be read is left out (its error says so),
    but its assignments are still listed (``ListPermissionSetsProvisionedToAccount`` names it)."""
    reader = _PermissionSetReader(ctx, sso_admin, instance_arn)
    permission_sets = [reader.read(arn) for arn in permission_set_arns]
    return sorted((ps for ps in permission_sets if ps is not None), key=lambda ps: (ps.name, ps.arn))


class _PermissionSetReader:
    """Reads permission sets one by one; stops asking for boundaries after the first failure.

    A boundary call that fails once (denied, or unimplemented as in moto) fails for every set: one error
    entry says it, instead of one per set (and, against a server, one slow 500 per set). Every set whose
    boundary was not read (the one that failed, and the ones not asked) is marked
    ``permissions_boundary_unreadable``: its ``permissions_boundary`` of ``None`` means unknown, not none.
    """

    def __init__(self, ctx: CallContext, sso_admin: Any, instance_arn: str) -> None:
        self._ctx = ctx
        self._sso_admin = sso_admin
        self._instance_arn = instance_arn
        self._boundaries_readable = True

    def read(self, arn: str) -> PermissionSet | None:
        described = self._call("DescribePermissionSet", arn)
        if described is None:
            return None
        details = described["PermissionSet"]
        session_duration = normalised_session_duration(details.get("SessionDuration"))
        managed = call_paginated(self._ctx, self._sso_admin, "ListManagedPoliciesInPermissionSet", **self._params(arn))
        customer_managed = call_paginated(
            self._ctx, self._sso_admin, "ListCustomerManagedPolicyReferencesInPermissionSet", **self._params(arn)
        )
        inline_policy = self._inline_policy(arn)
        boundary, boundary_unreadable = self._boundary(arn)
        return PermissionSet(
            arn=arn,
            name=details["Name"],
            description=details.get("Description"),
            session_duration=session_duration,
            session_duration_seconds=parse_duration(session_duration),
            relay_state=details.get("RelayState"),
            created_date=as_utc(details["CreatedDate"]) if details.get("CreatedDate") else None,
            managed_policies=sorted(
                (
                    AttachedPolicy(policy_name=policy["Name"], policy_arn=policy["Arn"])
                    for policy in result_list(managed, "AttachedManagedPolicies")
                ),
                key=lambda policy: policy.policy_arn,
            ),
            customer_managed_policies=sorted(
                (
                    CustomerManagedPolicyReference(name=ref["Name"], path=ref.get("Path", "/"))
                    for ref in result_list(customer_managed, "CustomerManagedPolicyReferences")
                ),
                key=lambda ref: (ref.path, ref.name),
            ),
            inline_policy=inline_policy,
            permissions_boundary=boundary,
            permissions_boundary_unreadable=boundary_unreadable,
        )

    def _params(self, arn: str) -> dict[str, Any]:
        return {"InstanceArn": self._instance_arn, "PermissionSetArn": arn}

    def _call(self, operation: str, arn: str, **kwargs: Any) -> dict[str, Any] | None:
        return call(self._ctx, self._sso_admin, operation, **self._params(arn), **kwargs)

    def _inline_policy(self, arn: str) -> dict[str, Any] | None:
        response = self._call("GetInlinePolicyForPermissionSet", arn)
        text = response.get("InlinePolicy") if response else None
        return json.loads(text) if text else None  # "" means the set has no inline policy

    def _boundary(self, arn: str) -> tuple[PermissionsBoundary | None, bool]:
        """The set's boundary (``None``: it has none), and whether it could not be read (then ``None`` is unknown).

        ``ResourceNotFoundException`` is AWS's way of saying "no boundary", not a failure.
        """
        if not self._boundaries_readable:
            return None, True
        response = self._call(
            "GetPermissionsBoundaryForPermissionSet", arn, error_answers={"ResourceNotFoundException": {}}
        )
        if response is None:
            self._boundaries_readable = False
            return None, True
        boundary = response.get("PermissionsBoundary")
        if not boundary:
            return None, False
        reference = boundary.get("CustomerManagedPolicyReference")
        return PermissionsBoundary(
            managed_policy_arn=boundary.get("ManagedPolicyArn"),
            customer_managed_policy=(
                CustomerManagedPolicyReference(name=reference["Name"], path=reference.get("Path", "/"))
                if reference
                else None
            ),
        ), False


def normalised_session_duration(value: str | int | None) -> str:
    """AWS returns ISO-8601 (``PT8H``); moto returns the integer 3600 for sets created without one."""
    if value is None or value == "":
        return DEFAULT_SESSION_DURATION
    if isinstance(value, int):
        return format_duration(value)
    return value


# ---------------------------------------------------------------------------------------- assignments


def _assignments(
    ctx: CallContext, sso_admin: Any, instance_arn: str, account_ids: Sequence[str], concurrency: int
) -> tuple[list[AccountAssignment], list[str]]:
    """Assignments in each account, and the sorted ids of the accounts whose assignments could not all be read.

    ``ListAccountAssignments`` needs an account and a permission set. Asking every account about every set
    costs accounts x sets calls (500 x 30 = 15,000); AWS provisions a set to an account whenever it is
    assigned there, so only the sets ``ListPermissionSetsProvisionedToAccount`` names for an account can have
    assignments in it. Accounts are read in parallel; one account's failure leaves the others complete.
    """
    accounts = sorted(set(account_ids))
    per_account = map_concurrently(
        lambda account_id: _assignments_in(ctx, sso_admin, instance_arn, account_id), accounts, concurrency
    )
    assignments = sorted(
        (assignment for found, _ in per_account for assignment in found),
        key=lambda a: (a.account_id, a.permission_set_arn, a.principal_type, a.principal_id),
    )
    unreadable = [account_id for account_id, (_, complete) in zip(accounts, per_account, strict=True) if not complete]
    return assignments, unreadable


def _assignments_in(
    ctx: CallContext, sso_admin: Any, instance_arn: str, account_id: str
) -> tuple[list[AccountAssignment], bool]:
    """One account's assignments, and whether they were all read (``False``: the list may be partial).
    A failure here hides this account's Identity Center findings only: its error entries cover it alone."""
    ctx = ctx.covering([account_id], ctx.covers_areas)
    provisioned = call_paginated(
        ctx, sso_admin, "ListPermissionSetsProvisionedToAccount", InstanceArn=instance_arn, AccountId=account_id
    )
    if provisioned is None:
        return [], False
    found: list[AccountAssignment] = []
    complete = True
    for permission_set_arn in sorted(set(result_list(provisioned, "PermissionSets"))):
        listed = call_paginated(
            ctx,
            sso_admin,
            "ListAccountAssignments",
            InstanceArn=instance_arn,
            AccountId=account_id,
            PermissionSetArn=permission_set_arn,
        )
        if listed is None:
            complete = False
            continue
        found.extend(
            AccountAssignment(
                account_id=account_id,
                permission_set_arn=permission_set_arn,
                principal_type=assignment["PrincipalType"],
                principal_id=assignment["PrincipalId"],
            )
            for assignment in result_list(listed, "AccountAssignments")
            if assignment.get("PrincipalType") in PRINCIPAL_TYPES
        )
    return found, complete


# ------------------------------------------------------------------------------------- identity store


class _IdentityStoreReader:
    """Users, groups and memberships of the instance's identity store."""

    def __init__(self, ctx: CallContext, identitystore: Any, instance: dict[str, Any]) -> None:
        self._ctx = ctx
        self._identitystore = identitystore
        self._store_id = instance.get("IdentityStoreId")

    def users(self) -> list[IdentityStoreUser] | None:
        """``None`` when the users could not be listed (or the instance names no identity store)."""
        if not self._store_id:
            return None
        listed = call_paginated(self._ctx, self._identitystore, "ListUsers", IdentityStoreId=self._store_id)
        if listed is None:
            return None
        return sorted(
            (
                IdentityStoreUser(
                    user_id=user["UserId"],
                    user_name=user["UserName"],
                    display_name=user.get("DisplayName"),
                    emails=sorted(email["Value"] for email in user.get("Emails", []) if email.get("Value")),
                    external_ids=_external_ids(user),
                    status=user.get("UserStatus"),
                )
                for user in result_list(listed, "Users")
            ),
            key=lambda user: (user.user_name, user.user_id),
        )

    def groups(self) -> list[IdentityStoreGroup] | None:
        """``None`` when the groups could not be listed (or the instance names no identity store)."""
        if not self._store_id:
            return None
        listed = call_paginated(self._ctx, self._identitystore, "ListGroups", IdentityStoreId=self._store_id)
        if listed is None:
            return None
        return sorted(
            (
                IdentityStoreGroup(
                    group_id=group["GroupId"],
                    display_name=group.get("DisplayName") or group["GroupId"],
                    description=group.get("Description"),
                    external_ids=_external_ids(group),
                )
                for group in result_list(listed, "Groups")
            ),
            key=lambda group: (group.display_name, group.group_id),
        )

    def memberships(self, group_ids: Sequence[str], concurrency: int) -> list[GroupMembership] | None:
        """Every group's members; ``None`` if any group's members could not be listed (a partial list would
        look like "not a member")."""
        per_group = map_concurrently(self._members_of, group_ids, concurrency)
        if any(memberships is None for memberships in per_group):
            return None
        return sorted(
            (membership for memberships in per_group for membership in memberships or []),
            key=lambda m: (m.group_id, m.user_id),
        )

    def _members_of(self, group_id: str) -> list[GroupMembership] | None:
        listed = call_paginated(
            self._ctx, self._identitystore, "ListGroupMemberships", IdentityStoreId=self._store_id, GroupId=group_id
        )
        if listed is None:
            return None
        return [
            GroupMembership(group_id=group_id, user_id=member["MemberId"]["UserId"])
            for member in result_list(listed, "GroupMemberships")
            if "UserId" in member.get("MemberId", {})
        ]


def _external_ids(entity: dict[str, Any]) -> list[ExternalId]:
    """Identities provisioned from an external IdP carry these (Okta, Entra ID...)."""
    return [ExternalId(issuer=ext["Issuer"], id=ext["Id"]) for ext in entity.get("ExternalIds", [])]
