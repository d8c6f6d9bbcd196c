"""ROLE-001 on hand-made inventories."""

from __future__ import annotations

from factories import DEV, config_with, hits, make_account, make_inventory, make_role

from auditor.rules.roles import long_role_sessions


def _inventory(*roles):
    return make_inventory(accounts=[make_account(DEV, "dev", roles=list(roles))])


def test_role_with_long_sessions():
    role = make_role("deployer", max_session=43200, tags={"team": "platform"})
    [hit] = hits(long_role_sessions, _inventory(role, make_role("short", max_session=3600)))
    assert hit.account_id == DEV
    assert hit.resource_type == "AWS::IAM::Role"
    assert hit.resource_id == f"arn:aws:iam::{DEV}:role/deployer"
    assert hit.tags == {"team": "platform"}
    assert hit.message == "IAM role deployer in account dev (222222222222) allows PT12H sessions, longer than PT4H."
    assert hit.evidence == {
        "role_name": "deployer",
        "path": "/",
        "max_session_duration_seconds": 43200,
        "max_session_duration": "PT12H",
        "role_session_max": "PT4H",
    }


def test_limit_edge_and_config():
    at_limit, above = make_role("four", max_session=14400), make_role("five", max_session=18000)
    assert [h.evidence["role_name"] for h in hits(long_role_sessions, _inventory(at_limit, above))] == ["five"]
    assert hits(long_role_sessions, _inventory(at_limit, above), config_with(role_session_max="PT6H")) == []


def test_identity_center_and_service_linked_roles_are_skipped():
    reserved = make_role(
        "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        max_session=43200,
        path="/aws-reserved/sso.amazonaws.com/",
    )
    linked = make_role("AWSServiceRoleForSupport", max_session=43200, path="/aws-service-role/support.amazonaws.com/")
    assert hits(long_role_sessions, _inventory(reserved, linked)) == []


def test_roles_not_collected():
    assert hits(long_role_sessions, make_inventory(accounts=[make_account(DEV, "dev")])) == []


def test_unknown_max_session_duration_is_skipped():
    # ListRoles failed: the role is known from the authorization details, its session limit is not
    unknown = make_role("deployer", max_session=None)
    assert unknown.max_session_duration is None
    [hit] = hits(long_role_sessions, _inventory(unknown, make_role("long", max_session=43200)))
    assert hit.evidence["role_name"] == "long"
    assert hits(long_role_sessions, _inventory(unknown)) == []
