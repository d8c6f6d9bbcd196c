"""Coverage gaps: whatever cannot be read becomes an error entry while everything else is still collected.

Failures moto cannot produce on its own (AssumeRole refused, access denied) are injected with a botocore
``before-call`` hook on the base session; every client of the scan is made from that session, so the hook
sees every call. Each test seeds its own organization because several of them change it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import AUDIT_ROLE, MANAGEMENT_ACCOUNT_ID, OrgWorld
from moto.ssoadmin.models import ssoadmin_backends
from moto_answers import LastAccessedJobs, ServiceSpecificCredentials, refuse

import auditor.collect.account
import auditor.collect.runner
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.inventory import CollectionError, Inventory


def errors_for(inventory: Inventory, operation: str) -> list[CollectionError]:
    return [error for error in inventory.errors if error.operation == operation]


def collect_quietly(options: CollectOptions, session: boto3.Session) -> Inventory:
    return collect(options, session, sleep=lambda _: None)


def test_refused_role_and_unimplemented_api_are_errors_while_other_accounts_complete(org_world: OrgWorld) -> None:
    """The last-accessed jobs and the service-specific credentials, which moto lacks, are answered
    (``LastAccessedJobs``, ``ServiceSpecificCredentials``), so dev can be complete."""
    prod_id = org_world.account_ids["prod"]
    refuse(org_world.session, "sts", "AssumeRole", when=lambda body: prod_id in body)
    LastAccessedJobs().attach(org_world.session)
    ServiceSpecificCredentials().attach(org_world.session)

    inventory = collect_quietly(CollectOptions(org=True), org_world.session)

    (assume_error,) = errors_for(inventory, "AssumeRole")
    assert (assume_error.account_id, assume_error.service, assume_error.error_code, assume_error.message) == (
        prod_id,
        "sts",
        "AccessDenied",
        "denied by test",
    )
    assert prod_id not in {a.account_id for a in inventory.accounts}
    assert inventory.organization is not None
    assert prod_id in {a.id for a in inventory.organization.accounts}
    collected = {a.account_name: a for a in inventory.accounts}
    assert set(collected) == {"master", "dev", "sandbox"}
    assert [u.user_name for u in collected["dev"].users or []] == ["dev-alice", "dev-ci"]
    assert collected["dev"].credential_report is not None
    assert not [e for e in inventory.errors if e.account_id == org_world.account_ids["dev"]]

    # moto does not implement iam:ListOrganizationsFeatures: a gap, not a crash
    (features_error,) = errors_for(inventory, "ListOrganizationsFeatures")
    assert (features_error.account_id, features_error.service, features_error.error_code) == (
        MANAGEMENT_ACCOUNT_ID,
        "iam",
        "NotImplemented",
    )
    assert inventory.organization.organizations_features is None
    # moto refuses the sso.amazonaws.com principal: unknown, not "no delegated admin"
    assert errors_for(inventory, "ListDelegatedAdministrators")[0].error_code == "InvalidInputException"
    assert inventory.organization.delegated_administrators is None


def test_external_id_is_sent_with_assume_role(org_world: OrgWorld) -> None:
    bodies: list[str] = []
    org_world.session.events.register(
        "before-call.sts.AssumeRole", lambda params, **_: bodies.append(str(params.get("body")))
    )

    collect_quietly(CollectOptions(org=True, external_id="audit-2025", role_name="Auditor"), org_world.session)

    assert len(bodies) == 3  # one per member; the management account is read with the caller's own credentials
    assert all("'ExternalId': 'audit-2025'" in body and ":role/Auditor'" in body for body in bodies)


def test_a_surprise_inside_one_account_loses_only_that_part(
    org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev_id = org_world.account_ids["dev"]
    real_collect_principals = auditor.collect.account.collect_principals

    def fails_in_dev(ctx: Any, iam: Any, report: Any, *read: Any) -> Any:
        if ctx.account_id == dev_id:
            raise KeyError("UserDetailList")
        return real_collect_principals(ctx, iam, report, *read)

    monkeypatch.setattr(auditor.collect.account, "collect_principals", fails_in_dev)

    inventory = collect_quietly(CollectOptions(org=True), org_world.session)

    (surprise,) = [e for e in inventory.errors if e.service == "auditor"]
    assert (surprise.account_id, surprise.operation, surprise.error_code) == (dev_id, "collect_account", "KeyError")
    assert surprise.message.startswith("IAM principals: ")
    dev = inventory.account(dev_id)
    assert dev is not None and dev.users is None and dev.roles is None
    assert dev.credential_report is not None  # the other parts of the account are still there
    prod = inventory.account(org_world.account_ids["prod"])
    assert prod is not None and [u.user_name for u in prod.users or []] == ["prod-breakglass"]


def test_a_surprise_while_entering_an_account_is_an_error_for_that_account(
    org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_assume_role(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(auditor.collect.runner, "assume_role", broken_assume_role)

    inventory = collect_quietly(CollectOptions(org=True), org_world.session)

    assert [a.account_id for a in inventory.accounts] == [MANAGEMENT_ACCOUNT_ID]  # reached without AssumeRole
    surprises = [e for e in inventory.errors if e.service == "auditor"]
    assert {e.account_id for e in surprises} == {org_world.account_ids[n] for n in ("dev", "prod", "sandbox")}
    assert {(e.error_code, e.message) for e in surprises} == {("RuntimeError", "account: boom")}


def test_unreadable_organization_falls_back_to_the_callers_account(org_world: OrgWorld) -> None:
    refuse(org_world.session, "organizations", "DescribeOrganization")

    inventory = collect_quietly(CollectOptions(org=True), org_world.session)

    assert inventory.organization is None
    (error,) = errors_for(inventory, "DescribeOrganization")
    assert error.error_code == "AccessDenied"
    (management,) = inventory.accounts
    assert management.account_id == MANAGEMENT_ACCOUNT_ID
    assert management.in_organization is None  # could not be read, so unknown
    assert inventory.collection.sources == [f"org:{AUDIT_ROLE}"]


def test_suspended_accounts_stay_listed_but_are_not_collected(org_world: OrgWorld) -> None:
    sandbox_id = org_world.account_ids["sandbox"]
    org_world.session.client("organizations").close_account(AccountId=sandbox_id)
    assignment_bodies: list[str] = []
    for operation in ("ListPermissionSetsProvisionedToAccount", "ListAccountAssignments"):
        org_world.session.events.register(
            f"before-call.sso-admin.{operation}", lambda params, **_: assignment_bodies.append(str(params.get("body")))
        )

    inventory = collect_quietly(CollectOptions(org=True), org_world.session)

    assert inventory.organization is not None
    states = {a.id: a.state for a in inventory.organization.accounts}
    assert states[sandbox_id] in ("SUSPENDED", "PENDING_CLOSURE", "CLOSED")
    assert sandbox_id not in {a.account_id for a in inventory.accounts}
    assert not [e for e in inventory.errors if e.account_id == sandbox_id]
    # nor are its Identity Center assignments asked for; the active accounts' are
    assert assignment_bodies and not [body for body in assignment_bodies if sandbox_id in body]
    assert all(any(org_world.account_ids[n] in body for body in assignment_bodies) for n in ("management", "dev"))


def test_unreadable_role_list_leaves_max_session_duration_unknown(moto_session: boto3.Session) -> None:
    iam = moto_session.client("iam")
    iam.create_role(RoleName="long", AssumeRolePolicyDocument="{}", MaxSessionDuration=43200)
    refuse(moto_session, "iam", "ListRoles")

    inventory = collect_quietly(CollectOptions(), moto_session)

    (error,) = errors_for(inventory, "ListRoles")
    assert (error.service, error.error_code) == ("iam", "AccessDenied")
    roles = {role.role_name: role for role in inventory.accounts[0].roles or []}
    assert roles["long"].max_session_duration is None  # not AWS's 3600 default: unknown


def test_account_outside_any_organization(moto_session: boto3.Session) -> None:
    inventory = collect_quietly(CollectOptions(), moto_session)

    (standalone,) = inventory.accounts
    assert (standalone.in_organization, standalone.organization_id) == (False, None)
    assert not errors_for(inventory, "DescribeOrganization")
    assert inventory.identity_center is not None and inventory.identity_center.status == "enabled"


def test_no_instance_in_the_management_account_means_not_enabled(moto_session: boto3.Session) -> None:
    inventory_before = collect_quietly(CollectOptions(), moto_session)
    assert inventory_before.identity_center is not None
    ssoadmin_backends[MANAGEMENT_ACCOUNT_ID]["us-east-1"].instances.clear()

    inventory = collect_quietly(CollectOptions(), moto_session)

    assert inventory.identity_center is not None
    assert inventory.identity_center.status == "not_enabled"
    assert inventory.identity_center.regions_checked == ["us-east-1"]
    assert not errors_for(inventory, "ListInstances")


def test_no_instance_seen_from_a_member_account_is_unknown_not_absent(org_world: OrgWorld) -> None:
    prod_id = org_world.account_ids["prod"]
    ssoadmin_backends[prod_id]["us-east-1"].instances.clear()

    inventory = collect_quietly(CollectOptions(), org_world.member_session("prod"))

    assert inventory.identity_center is not None and inventory.identity_center.status == "unknown"
    (error,) = errors_for(inventory, "ListInstances")
    assert (error.account_id, error.error_code) == (prod_id, "NotManagementAccount")


def test_refused_instance_listing_is_unknown_with_an_error(moto_session: boto3.Session) -> None:
    refuse(moto_session, "sso-admin", "ListInstances")

    inventory = collect_quietly(CollectOptions(), moto_session)

    assert inventory.identity_center is not None and inventory.identity_center.status == "unknown"
    (error,) = errors_for(inventory, "ListInstances")
    assert (error.service, error.region, error.error_code) == ("sso-admin", "us-east-1", "AccessDenied")
    assert inventory.accounts[0].users == []  # the account itself is still collected


def test_errors_are_sorted_deterministically(org_world: OrgWorld) -> None:
    refuse(org_world.session, "iam", "GetAccountSummary")

    inventory = collect_quietly(CollectOptions(org=True), org_world.session)

    keys = [
        (e.account_id or "", e.region or "", e.service, e.operation, e.error_code, e.message) for e in inventory.errors
    ]
    assert keys == sorted(keys)
    assert {e.account_id for e in errors_for(inventory, "GetAccountSummary")} == set(org_world.account_ids.values())
    assert all(a.account_summary is None for a in inventory.accounts)
