"""AWS Organizations: the organization, its OU tree and accounts, and the org-wide settings rules look at.

Only the management account or a delegated administrator can list an organization; a member account can
still say which organization it belongs to (``describe_membership``), which is all ORG-001 needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.collect.calls import CallContext, call, call_paginated
from auditor.collect.concurrency import map_concurrently
from auditor.collect.responses import result_list, tag_dict
from auditor.collect.session import AccountAccess
from auditor.inventory import IDENTITY_CENTER_PRINCIPAL, OrgAccount, Organization, OrganizationalUnit
from auditor.util.timestamps import as_utc


@dataclass(frozen=True)
class Membership:
    """What ``DescribeOrganization`` tells one account about itself. All ``None`` when it could not be read."""

    in_organization: bool | None
    organization_id: str | None = None
    management_account_id: str | None = None


def describe_membership(ctx: CallContext, access: AccountAccess) -> Membership:
    """Any account may ask which organization it is in; "not in use" is an answer, not a coverage gap."""
    response = call(
        ctx,
        access.client("organizations"),
        "DescribeOrganization",
        error_answers={"AWSOrganizationsNotInUseException": {}},
    )
    if response is None:
        return Membership(in_organization=None)
    organization = response.get("Organization")
    if organization is None:
        return Membership(in_organization=False)
    return Membership(
        in_organization=True,
        organization_id=organization["Id"],
        management_account_id=organization.get("MasterAccountId"),
    )


# The reads that place accounts (the account list, the OU tree): a failure leaves accounts out, or their OU paths
# unknown, which production patterns read. The runner marks their error entries as covering the accounts the
# scan selects, every rule area (``ErrorSink.cover``): only then are those accounts known.
ACCOUNT_PLACEMENT_OPERATIONS = frozenset(
    {"ListRoots", "ListOrganizationalUnitsForParent", "ListAccountsForParent", "ListAccounts"}
)


def collect_organization(ctx: CallContext, access: AccountAccess, concurrency: int) -> Organization | None:
    """The whole organization as the management account (or a delegated admin) sees it; ``None`` if unreadable.

    Every account and OU is listed (scoping by ``--ou`` needs the whole tree), but no account's tags are read:
    they cost a call per account, so :func:`with_account_tags` reads them for the accounts a scan covers.
    """
    organizations = access.client("organizations")
    described = call(ctx, organizations, "DescribeOrganization")
    if described is None:
        return None
    organization = described["Organization"]
    root = _root(ctx, organizations)
    units = _organizational_units(ctx, organizations, root) if root else []
    parent_paths = {unit.id: unit.path for unit in units}
    if root:
        parent_paths[root["Id"]] = _root_path(root)
    accounts = _accounts(ctx, organizations, parent_paths, concurrency)
    return Organization(
        id=organization["Id"],
        arn=organization.get("Arn"),
        feature_set=organization.get("FeatureSet"),
        management_account_id=organization["MasterAccountId"],
        management_account_email=organization.get("MasterAccountEmail"),
        root_id=root["Id"] if root else None,
        organizational_units=sorted(units, key=lambda unit: unit.path),
        accounts=accounts,
        delegated_administrators=_identity_center_delegated_admins(ctx, organizations),
        enabled_service_access=_enabled_service_access(ctx, organizations),
        organizations_features=_organizations_features(ctx, access.client("iam")),
    )


def _root(ctx: CallContext, organizations: Any) -> dict[str, Any] | None:
    roots = result_list(call_paginated(ctx, organizations, "ListRoots"), "Roots")
    return roots[0] if roots else None


def _root_path(root: dict[str, Any]) -> str:
    return "/" + root.get("Name", "Root")


def _organizational_units(ctx: CallContext, organizations: Any, root: dict[str, Any]) -> list[OrganizationalUnit]:
    """Walk the OU tree breadth-first from the root; a branch that cannot be listed is an error entry."""
    units: list[OrganizationalUnit] = []
    parents_to_visit = [(root["Id"], _root_path(root))]
    while parents_to_visit:
        parent_id, parent_path = parents_to_visit.pop(0)
        response = call_paginated(ctx, organizations, "ListOrganizationalUnitsForParent", ParentId=parent_id)
        for child in result_list(response, "OrganizationalUnits"):
            unit = OrganizationalUnit(
                id=child["Id"], name=child["Name"], parent_id=parent_id, path=f"{parent_path}/{child['Name']}"
            )
            units.append(unit)
            parents_to_visit.append((unit.id, unit.path))
    return units


def _accounts(ctx: CallContext, organizations: Any, parent_paths: dict[str, str], concurrency: int) -> list[OrgAccount]:
    """Accounts with their parent and OU path, sorted by id.

    ``ListAccountsForParent`` (per root/OU) gives the placement; ``ListAccounts`` is the authoritative list and
    also catches accounts whose parent could not be listed. Either one alone still yields the accounts it saw.
    """
    listed_by_id: dict[str, dict[str, Any]] = {}
    parent_by_account: dict[str, str] = {}
    parent_ids = sorted(parent_paths)
    children_per_parent = map_concurrently(
        lambda parent_id: result_list(
            call_paginated(ctx, organizations, "ListAccountsForParent", ParentId=parent_id), "Accounts"
        ),
        parent_ids,
        concurrency,
    )
    for parent_id, children in zip(parent_ids, children_per_parent, strict=True):
        for account in children:
            listed_by_id[account["Id"]] = account
            parent_by_account[account["Id"]] = parent_id
    for account in result_list(call_paginated(ctx, organizations, "ListAccounts"), "Accounts"):
        listed_by_id[account["Id"]] = account
    return [
        _org_account(listed_by_id[account_id], parent_by_account.get(account_id), parent_paths)
        for account_id in sorted(listed_by_id)
    ]


def _org_account(listed: dict[str, Any], parent_id: str | None, parent_paths: dict[str, str]) -> OrgAccount:
    joined = listed.get("JoinedTimestamp")
    return OrgAccount(
        id=listed["Id"],
        arn=listed.get("Arn"),
        name=listed.get("Name", ""),
        email=listed.get("Email"),
        state=listed.get("State") or listed.get("Status"),  # Status is retiring; moto may only send it
        joined_method=listed.get("JoinedMethod"),
        joined_timestamp=as_utc(joined) if isinstance(joined, datetime) else None,
        parent_id=parent_id,
        ou_path=parent_paths.get(parent_id) if parent_id else None,
    )


def with_account_tags(
    ctx: CallContext, access: AccountAccess, organization: Organization, account_ids: Iterable[str], concurrency: int
) -> Organization:
    """A copy of ``organization`` with the tags of ``account_ids`` read (one ``ListTagsForResource`` each).

    Only the accounts a scan covers are asked about: a one-account scan of a 1,000-account organization
    costs one call, not 1,000. The others keep ``tags=None`` (not read), as does an account whose call failed
    (its error entry says why).
    """
    wanted = sorted(set(account_ids))
    organizations = access.client("organizations")
    tags_per_account = map_concurrently(
        lambda account_id: _account_tags(ctx, organizations, account_id), wanted, concurrency
    )
    tags_by_id = dict(zip(wanted, tags_per_account, strict=True))
    return organization.model_copy(
        update={
            "accounts": [
                account.model_copy(update={"tags": tags_by_id[account.id]}) if account.id in tags_by_id else account
                for account in organization.accounts
            ]
        }
    )


def _account_tags(ctx: CallContext, organizations: Any, account_id: str) -> dict[str, str] | None:
    """Unread tags match no production pattern, which any rule may read: the gap covers the account's findings."""
    ctx = ctx.covering([account_id])
    response = call_paginated(ctx, organizations, "ListTagsForResource", ResourceId=account_id)
    return tag_dict(result_list(response, "Tags")) if response is not None else None


def _identity_center_delegated_admins(ctx: CallContext, organizations: Any) -> dict[str, list[str]] | None:
    """Only Identity Center's delegated admins matter to the rules (IDC-007), so ask only about that service."""
    response = call_paginated(
        ctx, organizations, "ListDelegatedAdministrators", ServicePrincipal=IDENTITY_CENTER_PRINCIPAL
    )
    if response is None:
        return None
    account_ids = sorted(admin["Id"] for admin in response.get("DelegatedAdministrators", []))
    return {IDENTITY_CENTER_PRINCIPAL: account_ids}


def _enabled_service_access(ctx: CallContext, organizations: Any) -> list[str] | None:
    response = call_paginated(ctx, organizations, "ListAWSServiceAccessForOrganization")
    if response is None:
        return None
    return sorted(service["ServicePrincipal"] for service in response.get("EnabledServicePrincipals", []))


def _organizations_features(ctx: CallContext, iam: Any) -> list[str] | None:
    """Centralized root access (ORG-002). Not paginated; moto lacks it, so tests see an error entry here."""
    response = call(ctx, iam, "ListOrganizationsFeatures")
    if response is None:
        return None
    return sorted(response.get("EnabledFeatures", []))
