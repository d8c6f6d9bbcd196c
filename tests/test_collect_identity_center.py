"""IAM Identity Center collected from the management account (moto sso-admin and identitystore).

One organization with Identity Center is seeded per module and only read. moto lacks
``GetPermissionsBoundaryForPermissionSet``: that shows up as one error entry (not one per set).
"""

from __future__ import annotations

import pytest
from conftest import ADMIN_POLICY_ARN, MANAGEMENT_ACCOUNT_ID, IdentityCenterWorld, OrgWorld, build_identity_center

from auditor.collect import CollectOptions, collect
from auditor.inventory import IdentityCenter, Inventory


@pytest.fixture(scope="module")
def identity_center_world(module_org_world: OrgWorld) -> IdentityCenterWorld:
    return build_identity_center(module_org_world.session, module_org_world.account_ids)


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
    ids = module_org_world.account_ids
    platform, bob = identity_center_world.group_ids["Platform"], identity_center_world.user_ids["bob"]
    expected = sorted(
        [
            (ids["dev"], identity_center_world.admin_set_arn, "GROUP", platform),
            (ids["prod"], identity_center_world.admin_set_arn, "GROUP", platform),
            (ids["dev"], identity_center_world.read_only_set_arn, "USER", bob),
        ]
    )
    assert [
        (a.account_id, a.permission_set_arn, a.principal_type, a.principal_id) for a in identity_center.assignments
    ] == expected


def test_identity_store_users_groups_and_memberships(
    identity_center: IdentityCenter, identity_center_world: IdentityCenterWorld
) -> None:
    assert [(u.user_name, u.display_name, u.emails) for u in identity_center.users] == [
        ("alice", "Alice", ["alice@example.com"]),
        ("bob", "Bob", ["bob@example.com"]),
    ]
    assert [u.user_id for u in identity_center.users] == [
        identity_center_world.user_ids["alice"],
        identity_center_world.user_ids["bob"],
    ]
    assert all(u.external_ids == [] for u in identity_center.users)
    (group,) = identity_center.groups
    assert (group.display_name, group.description) == ("Platform", "platform team")
    assert [(m.group_id, m.user_id) for m in identity_center.memberships] == [
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
    assert all(ps.permissions_boundary is None for ps in identity_center.permission_sets)


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
