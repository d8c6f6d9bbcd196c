"""IAM Identity Center collected from the management account (moto sso-admin and identitystore).

One organization with Identity Center is seeded per module and only read (a test that adds something
removes it again). moto lacks ``GetPermissionsBoundaryForPermissionSet``: that shows up as one error entry
(not one per set). Failures are injected with ``before-call`` hooks on the base session, removed after use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ADMIN_POLICY_ARN, MANAGEMENT_ACCOUNT_ID, IdentityCenterWorld, OrgWorld, build_identity_center

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.inventory import IdentityCenter, Inventory

Assignment = tuple[str, str, str, str]  # account id, permission set ARN, principal type, principal id


@contextmanager
def before_call(session: boto3.Session, service: str, operation: str, handler: Callable[..., None]) -> Iterator[None]:
    """``handler(params=...)`` runs before every ``service:operation`` request of clients made meanwhile."""
    event = f"before-call.{service}.{operation}"
    session.events.register(event, handler)
    try:
        yield
    finally:
        session.events.unregister(event, handler)


def denied_when(operation: str, when: Callable[[str], bool] = lambda _: True) -> Callable[..., None]:
    """A ``before-call`` handler failing the requests whose body matches ``when`` with AccessDenied."""

    def access_denied(params: dict[str, Any], **_: Any) -> None:
        if when(str(params.get("body", ""))):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied by test"}}, operation)

    return access_denied


def collect_identity_center_only(world: OrgWorld) -> Inventory:
    """An org scan of the management account only: the instance, sets and identity store are still read whole,
    but assignments only for the management account (which has none)."""
    return collect(CollectOptions(org=True, accounts=[MANAGEMENT_ACCOUNT_ID]), world.session, sleep=lambda _: None)


def collect_assigned_accounts(world: OrgWorld) -> Inventory:
    """An org scan of dev and prod, the accounts ``build_identity_center`` assigns in: all the assignments."""
    accounts = [world.account_ids["dev"], world.account_ids["prod"]]
    return collect(CollectOptions(org=True, accounts=accounts), world.session, sleep=lambda _: None)


def expected_assignments(world: OrgWorld, identity_center_world: IdentityCenterWorld) -> list[Assignment]:
    ids = world.account_ids
    platform, bob = identity_center_world.group_ids["Platform"], identity_center_world.user_ids["bob"]
    return sorted(
        [
            (ids["dev"], identity_center_world.admin_set_arn, "GROUP", platform),
            (ids["prod"], identity_center_world.admin_set_arn, "GROUP", platform),
            (ids["dev"], identity_center_world.read_only_set_arn, "USER", bob),
        ]
    )


def assignment_tuples(identity_center: IdentityCenter) -> list[Assignment]:
    assert identity_center.assignments is not None
    return [(a.account_id, a.permission_set_arn, a.principal_type, a.principal_id) for a in identity_center.assignments]


@pytest.fixture(scope="module")
def identity_center_world(module_org_world: OrgWorld) -> IdentityCenterWorld:
    return build_identity_center(module_org_world)


@pytest.fixture(scope="module")
def inventory(module_org_world: OrgWorld, identity_center_world: IdentityCenterWorld) -> Inventory:
    return collect(CollectOptions(org=True), module_org_world.session, sleep=lambda _: None)


@pytest.fixture(scope="module")
def identity_center(inventory: Inventory) -> IdentityCenter:
    assert inventory.identity_center is not None
    return inventory.identity_center


def test_instance_is_found_in_the_home_region(
    identity_center: IdentityCenter, identity_center_world: IdentityCenterWorld
) -> None:
    assert identity_center.status == "enabled"
    assert identity_center.instance_arn == identity_center_world.instance_arn
    assert identity_center.identity_store_id == identity_center_world.identity_store_id
    assert identity_center.owner_account_id == MANAGEMENT_ACCOUNT_ID
    assert identity_center.home_region == "us-east-1"
    assert identity_center.regions_checked == ["us-east-1"]
    assert identity_center.instance_status == "ACTIVE"


def test_permission_sets_with_durations_and_policies(
    identity_center: IdentityCenter, identity_center_world: IdentityCenterWorld
) -> None:
    assert identity_center.permission_sets is not None
    admin, read_only = identity_center.permission_sets  # sorted by name
    assert (admin.name, admin.arn, admin.description) == (
        "AdministratorAccess",
        identity_center_world.admin_set_arn,
        "admins",
    )
    assert (admin.session_duration, admin.session_duration_seconds) == ("PT12H", 43200)
    assert [(p.policy_name, p.policy_arn) for p in admin.managed_policies] == [
        ("AdministratorAccess", ADMIN_POLICY_ARN)
    ]
    assert admin.inline_policy is None and admin.customer_managed_policies == []

    assert read_only.name == "ReadOnly"
    # created without a duration: moto answers the integer 3600, normalised to AWS's default
    assert (read_only.session_duration, read_only.session_duration_seconds) == ("PT1H", 3600)
    assert read_only.inline_policy is not None
    assert read_only.inline_policy["Statement"][0]["Action"] == "s3:Get*"
    assert [(ref.name, ref.path) for ref in read_only.customer_managed_policies] == [("team-read", "/teams/")]


def test_assignments_cover_every_org_account_and_both_principal_types(
    identity_center: IdentityCenter, identity_center_world: IdentityCenterWorld, module_org_world: OrgWorld
) -> None:
    assert assignment_tuples(identity_center) == expected_assignments(module_org_world, identity_center_world)
    assert identity_center.assignments_listed_accounts == sorted(module_org_world.account_ids.values())
    assert identity_center.assignments_unreadable_accounts == []


def test_assignments_are_only_listed_for_provisioned_permission_sets(
    module_org_world: OrgWorld, identity_center_world: IdentityCenterWorld
) -> None:
    """A set provisioned nowhere costs no ListAccountAssignments call (asking every account x every set would)."""
    sso_admin = module_org_world.session.client("sso-admin")
    instance_arn = identity_center_world.instance_arn
    unused_set = sso_admin.create_permission_set(InstanceArn=instance_arn, Name="Unused")["PermissionSet"][
        "PermissionSetArn"
    ]
    asked: list[str] = []
    provisioned_lookups: list[str] = []
    try:
        with (
            before_call(
                module_org_world.session,
                "sso-admin",
                "ListAccountAssignments",
                lambda params, **_: asked.append(str(params.get("body"))),
            ),
            before_call(
                module_org_world.session,
                "sso-admin",
                "ListPermissionSetsProvisionedToAccount",
                lambda params, **_: provisioned_lookups.append(str(params.get("body"))),
            ),
        ):
            inventory = collect_assigned_accounts(module_org_world)
    finally:
        sso_admin.delete_permission_set(InstanceArn=instance_arn, PermissionSetArn=unused_set)

    identity_center = inventory.identity_center
    assert identity_center is not None and identity_center.permission_sets is not None
    assert unused_set in {ps.arn for ps in identity_center.permission_sets}  # listed and described, ...
    assert not [body for body in asked if unused_set in body]  # ... but never asked about
    account_count = 2  # dev and prod, the accounts in scope
    assert len(provisioned_lookups) == account_count  # one lookup per account in scope
    # moto answers every set provisioned in the instance, whatever the account: 2 sets, not 3, per account
    assert len(asked) == account_count * 2
    assert assignment_tuples(identity_center) == expected_assignments(module_org_world, identity_center_world)
    assert identity_center.assignments_unreadable_accounts == []


def test_identity_store_users_groups_and_memberships(
    identity_center: IdentityCenter, identity_center_world: IdentityCenterWorld
) -> None:
    users, groups, memberships = identity_center.users, identity_center.groups, identity_center.memberships
    assert users is not None and groups is not None and memberships is not None
    assert [(u.user_name, u.display_name, u.emails) for u in users] == [
        ("alice", "Alice", ["alice@example.com"]),
        ("bob", "Bob", ["bob@example.com"]),
    ]
    assert [u.user_id for u in users] == [
        identity_center_world.user_ids["alice"],
        identity_center_world.user_ids["bob"],
    ]
    assert all(u.external_ids == [] for u in users)
    (group,) = groups
    assert (group.display_name, group.description) == ("Platform", "platform team")
    assert [(m.group_id, m.user_id) for m in memberships] == [
        (identity_center_world.group_ids["Platform"], identity_center_world.user_ids["alice"])
    ]


def test_boundary_api_missing_in_moto_is_one_error_entry(inventory: Inventory, identity_center: IdentityCenter) -> None:
    boundary_errors = [e for e in inventory.errors if e.operation == "GetPermissionsBoundaryForPermissionSet"]
    assert len(boundary_errors) == 1
    (error,) = boundary_errors
    assert (error.account_id, error.region, error.service, error.error_code) == (
        MANAGEMENT_ACCOUNT_ID,
        "us-east-1",
        "sso-admin",
        "NotImplemented",
    )
    assert identity_center.permission_sets
    assert all(ps.permissions_boundary is None for ps in identity_center.permission_sets)
    # None is unknown here, not "no boundary": every set says its boundary could not be read
    assert all(ps.permissions_boundary_unreadable for ps in identity_center.permission_sets)


def test_no_boundary_is_known_and_a_later_failure_marks_the_sets_not_read(
    module_org_world: OrgWorld, identity_center_world: IdentityCenterWorld
) -> None:
    """moto lacks the boundary API: a hook answers it as AWS does (validated against the real shapes):
    ``ResourceNotFoundException`` for the first set (no boundary), AccessDenied from the second on."""
    asked: list[str] = []

    def first_has_none_then_denied(model: Any, params: dict[str, Any], **_: Any) -> Any:
        asked.append(params["body"])
        if len(asked) > 1:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied by test"}}, model.name)
        error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no permissions boundary"}}
        return _Http(404), error

    with before_call(
        module_org_world.session, "sso-admin", "GetPermissionsBoundaryForPermissionSet", first_has_none_then_denied
    ):
        inventory = collect_identity_center_only(module_org_world)

    assert inventory.identity_center is not None and inventory.identity_center.permission_sets is not None
    admin, read_only = inventory.identity_center.permission_sets  # read in ARN order, sorted by name
    first, second = sorted([admin, read_only], key=lambda ps: ps.arn)
    assert (first.permissions_boundary, first.permissions_boundary_unreadable) == (None, False)  # known: none
    assert (second.permissions_boundary, second.permissions_boundary_unreadable) == (None, True)  # unknown
    assert len(asked) == 2  # one failure: no more sets asked
    (error,) = [e for e in inventory.errors if e.operation == "GetPermissionsBoundaryForPermissionSet"]
    assert error.error_code == "AccessDenied"


@dataclass
class _Http:
    status_code: int


def test_identity_center_region_option_is_where_the_instance_is_looked_for(module_org_world: OrgWorld) -> None:
    """moto creates an instance in every region; the option must steer the sso-admin client there."""
    inventory = collect(
        CollectOptions(org=True, accounts=[MANAGEMENT_ACCOUNT_ID], identity_center_region="eu-west-1"),
        module_org_world.session,
        sleep=lambda _: None,
    )
    assert inventory.identity_center is not None
    assert inventory.identity_center.home_region == "eu-west-1"
    assert inventory.identity_center.permission_sets == []  # the sets were created in us-east-1
    assert inventory.collection.regions == ["eu-west-1", "us-east-1"]


# -------------------------------------------------------------------------------------------- failures


def test_unreadable_permission_set_listing_leaves_sets_unknown_but_assignments_read(
    module_org_world: OrgWorld, identity_center_world: IdentityCenterWorld
) -> None:
    """``identity_center_world`` builds the instance and its assignments (see the identity-store test below)."""
    with before_call(module_org_world.session, "sso-admin", "ListPermissionSets", denied_when("ListPermissionSets")):
        inventory = collect_assigned_accounts(module_org_world)

    identity_center = inventory.identity_center
    assert identity_center is not None and identity_center.status == "enabled"
    assert identity_center.permission_sets is None
    # assignments come through ListPermissionSetsProvisionedToAccount, which still answers
    assert identity_center.assignments and identity_center.assignments_unreadable_accounts == []
    (error,) = [e for e in inventory.errors if e.operation == "ListPermissionSets"]
    assert (error.account_id, error.region, error.service, error.error_code) == (
        MANAGEMENT_ACCOUNT_ID,
        "us-east-1",
        "sso-admin",
        "AccessDenied",
    )
    # the identity store is read all the same
    assert identity_center.users is not None and len(identity_center.users) == 2
    assert identity_center.groups is not None and identity_center.memberships is not None


@pytest.mark.parametrize("operation", ["ListAccountAssignments", "ListPermissionSetsProvisionedToAccount"])
def test_one_accounts_unreadable_assignments_leave_the_others_complete(
    module_org_world: OrgWorld, identity_center_world: IdentityCenterWorld, operation: str
) -> None:
    dev_id = module_org_world.account_ids["dev"]
    with before_call(module_org_world.session, "sso-admin", operation, denied_when(operation, lambda b: dev_id in b)):
        inventory = collect_assigned_accounts(module_org_world)

    identity_center = inventory.identity_center
    assert identity_center is not None
    assert identity_center.assignments_unreadable_accounts == [dev_id]
    # dev was asked about (and failed): it is in both lists, so IDC-002 neither judges it nor forgets it was in scope
    assert identity_center.assignments_listed_accounts == sorted([dev_id, module_org_world.account_ids["prod"]])
    assert assignment_tuples(identity_center) == [
        a for a in expected_assignments(module_org_world, identity_center_world) if a[0] != dev_id
    ]
    assert [(e.service, e.error_code) for e in inventory.errors if e.operation == operation] == [
        ("sso-admin", "AccessDenied")
    ]


@pytest.mark.parametrize(
    ("operation", "unknown", "known"),
    [
        ("ListUsers", {"users"}, {"groups", "memberships"}),
        ("ListGroups", {"groups", "memberships"}, {"users"}),
        ("ListGroupMemberships", {"memberships"}, {"users", "groups"}),
    ],
)
def test_unreadable_identity_store_lists_are_unknown_not_empty(
    module_org_world: OrgWorld,
    identity_center_world: IdentityCenterWorld,
    operation: str,
    unknown: set[str],
    known: set[str],
) -> None:
    """``identity_center_world`` builds the users, groups and memberships (without it the test passed only after
    another test of the module had built them)."""
    with before_call(module_org_world.session, "identitystore", operation, denied_when(operation)):
        inventory = collect_identity_center_only(module_org_world)

    identity_center = inventory.identity_center
    assert identity_center is not None
    assert {name for name in unknown | known if getattr(identity_center, name) is None} == unknown
    assert all(getattr(identity_center, name) for name in known)
    assert identity_center.assignments is not None and identity_center.permission_sets is not None
    assert [e.error_code for e in inventory.errors if e.operation == operation] == ["AccessDenied"]
