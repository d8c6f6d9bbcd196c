"""ORG-001 and ORG-002 on hand-made inventories."""

from __future__ import annotations

from factories import DEV, MGMT, ORG_ID, hits, make_account, make_inventory, make_org

from auditor.rules import BUILTIN_PACK
from auditor.rules.organization import account_not_in_organization, centralized_root_access

ORG_ARN = f"arn:aws:organizations::{MGMT}:organization/{ORG_ID}"


def test_standalone_account_is_reported():
    inventory = make_inventory(accounts=[make_account(DEV, "sandbox", in_organization=False)])
    [hit] = hits(account_not_in_organization, inventory)
    assert hit.account_id == DEV
    assert hit.resource_type == "AWS::Organizations::Account"
    assert hit.resource_id == DEV  # the account (no organization ARN exists), never the root principal's ARN
    assert hit.message == "Account sandbox (222222222222) is not a member of any AWS Organization."
    assert hit.evidence["in_organization"] is False


def test_member_or_unknown_membership_is_not_reported():
    inventory = make_inventory(
        accounts=[
            make_account(DEV, "dev", in_organization=True, organization_id=ORG_ID),
            make_account(MGMT, "mgmt"),  # membership not read
        ]
    )
    assert hits(account_not_in_organization, inventory) == []


def test_centralized_root_access_missing_entirely():
    [hit] = hits(centralized_root_access, make_inventory(organization=make_org(features=[])))
    assert hit.account_id == MGMT
    assert hit.resource_type == "AWS::Organizations::Organization"
    assert hit.resource_id == ORG_ARN
    assert hit.evidence == {"enabled_features": [], "missing_features": ["RootCredentialsManagement", "RootSessions"]}
    assert ORG_ID in hit.message and "missing RootCredentialsManagement, RootSessions" in hit.message


def test_centralized_root_access_half_enabled():
    [hit] = hits(centralized_root_access, make_inventory(organization=make_org(features=["RootCredentialsManagement"])))
    assert hit.evidence["missing_features"] == ["RootSessions"]


def test_centralized_root_access_enabled():
    inventory = make_inventory(organization=make_org(features=["RootSessions", "RootCredentialsManagement"]))
    assert hits(centralized_root_access, inventory) == []


def test_unreadable_features_leave_it_to_a_manual_check():
    assert hits(centralized_root_access, make_inventory(organization=make_org(features=None))) == []
    assert hits(centralized_root_access, make_inventory()) == []
    manual = {check.id: check for check in BUILTIN_PACK.manual_checks}
    assert "ORG-002" in manual["MANUAL-006"].rationale
    assert any("list-organizations-features" in step for step in manual["MANUAL-006"].steps)
