"""A multi-account organization collected through role assumption (moto, in-process).

The organization is seeded once per module and only read: every test here collects from the same world.
"""

from __future__ import annotations

from datetime import UTC

import boto3
import pytest
from conftest import ADMIN_POLICY_ARN, AUDIT_ROLE, MANAGEMENT_ACCOUNT_ID, REGION, OrgWorld

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.errors import InputError
from auditor.inventory import AccountInventory, Inventory


@pytest.fixture(scope="module")
def org_world(module_org_world: OrgWorld) -> OrgWorld:
    return module_org_world


@pytest.fixture(scope="module")
def org_inventory(module_org_world: OrgWorld) -> Inventory:
    return collect_org(module_org_world, [])


def collect_org(world: OrgWorld, no_sleep: list[float], **options: object) -> Inventory:
    return collect(CollectOptions(org=True, **options), world.session, sleep=no_sleep.append)  # type: ignore[arg-type]


def account(inventory: Inventory, world: OrgWorld, name: str) -> AccountInventory:
    found = inventory.account(world.account_ids[name])
    assert found is not None, f"{name} was not collected"
    return found


def test_org_listing_has_ou_paths_tags_and_management(org_world: OrgWorld, org_inventory: Inventory) -> None:
    inventory = org_inventory

    organization = inventory.organization
    assert organization is not None
    assert organization.id == org_world.organization_id
    assert organization.management_account_id == MANAGEMENT_ACCOUNT_ID
    assert organization.root_id == org_world.root_id
    assert [unit.path for unit in organization.organizational_units] == [
        "/Root/Sandbox",
        "/Root/Workloads",
        "/Root/Workloads/Dev",
        "/Root/Workloads/Prod",
    ]
    listed = {org_account.name: org_account for org_account in organization.accounts}
    assert listed["dev"].ou_path == "/Root/Workloads/Dev"
    assert listed["dev"].parent_id == org_world.ou_ids["Dev"]
    assert listed["dev"].tags == {"env": "dev", "owner": "team-a"}
    assert listed["prod"].ou_path == "/Root/Workloads/Prod"
    assert listed["master"].ou_path == "/Root"
    assert all(org_account.state == "ACTIVE" for org_account in organization.accounts)
    assert organization.enabled_service_access == []
    assert [a.id for a in organization.accounts] == sorted(a.id for a in organization.accounts)


def test_members_are_collected_through_the_audit_role_with_their_own_iam_state(
    org_world: OrgWorld, org_inventory: Inventory
) -> None:
    inventory = org_inventory

    assert [a.account_id for a in inventory.accounts] == sorted(org_world.account_ids.values())
    management, dev, prod, sandbox = (
        account(inventory, org_world, n) for n in ("management", "dev", "prod", "sandbox")
    )

    assert management.is_management and not dev.is_management
    assert management.collected_via == "default"
    assert dev.collected_via == f"role:{AUDIT_ROLE}"
    assert dev.caller_arn == f"arn:aws:sts::{dev.account_id}:assumed-role/{AUDIT_ROLE}/identity-auditor"
    assert (dev.account_name, dev.email, dev.ou_path, dev.tags) == (
        "dev",
        "dev@example.com",
        "/Root/Workloads/Dev",
        {"env": "dev", "owner": "team-a"},
    )
    assert dev.in_organization is True and dev.organization_id == org_world.organization_id

    assert [u.user_name for u in management.users or []] == ["mgmt-admin"]
    assert [u.user_name for u in dev.users or []] == ["dev-alice", "dev-ci"]
    assert [u.user_name for u in prod.users or []] == ["prod-breakglass"]
    assert sandbox.users == []
    assert [g.group_name for g in management.groups or []] == ["Admins"]
    assert [g.group_name for g in dev.groups or []] == ["developers"]


def test_user_details_merge_authorization_details_credential_report_and_keys(
    org_world: OrgWorld, org_inventory: Inventory
) -> None:
    dev = account(org_inventory, org_world, "dev")
    users = {user.user_name: user for user in dev.users or []}

    alice = users["dev-alice"]
    assert alice.password_enabled is True and alice.mfa_active is False
    assert alice.groups == ["developers"]
    assert [p.policy_arn for p in alice.attached_policies] == [ADMIN_POLICY_ARN]
    assert alice.inline_policies[0].policy_name == "read-logs"
    assert alice.inline_policies[0].document["Statement"][0]["Action"] == "logs:Get*"
    assert len(alice.access_keys) == 1 and alice.access_keys[0].access_key_id.startswith("AKIA")
    assert alice.access_keys[0].create_date.tzinfo == UTC

    ci = users["dev-ci"]
    assert ci.password_enabled is False
    assert [key.status for key in ci.access_keys] == ["Inactive", "Active"]
    assert [key.is_active for key in ci.active_keys] == [True]

    breakglass = {u.user_name: u for u in account(org_inventory, org_world, "prod").users or []}
    assert breakglass["prod-breakglass"].access_keys == []

    report = dev.credential_report
    assert report is not None
    assert {row.user for row in report.rows} == {"dev-alice", "dev-ci"}
    ci_row = report.row_for("dev-ci")
    assert ci_row is not None and [slot.active for slot in ci_row.access_keys] == [False, True]


def test_groups_roles_and_customer_managed_policies(org_world: OrgWorld, org_inventory: Inventory) -> None:
    inventory = org_inventory
    dev, prod = account(inventory, org_world, "dev"), account(inventory, org_world, "prod")

    developers = (dev.groups or [])[0]
    assert developers.inline_policies[0].document["Statement"][0]["Action"] == "s3:*"
    roles = {role.role_name: role for role in dev.roles or []}
    assert roles["deployer"].max_session_duration == 43200
    assert roles["deployer"].trust_policy is not None
    assert roles["deployer"].inline_policies[0].policy_name == "deploy"
    assert {role.role_name: role.max_session_duration for role in prod.roles or []}["app"] == 3600
    assert [(p.policy_name, p.path, p.default_version_id) for p in dev.managed_policies or []] == [
        ("dev-boundary", "/boundaries/", "v1")
    ]
    assert (dev.managed_policies or [])[0].document == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
    }
    management = account(inventory, org_world, "management")
    assert [p.policy_arn for p in (management.groups or [])[0].attached_policies] == [ADMIN_POLICY_ARN]


def test_root_signals_per_account(org_world: OrgWorld, org_inventory: Inventory) -> None:
    """moto hard-wires the summary's Account* flags to 0 and cannot bind MFA to root: only shape is checked."""
    dev = account(org_inventory, org_world, "dev")
    assert dev.account_summary is not None
    assert dev.account_summary["Users"] == 2
    assert dev.account_summary["AccountMFAEnabled"] == 0
    assert dev.root_virtual_mfa is False


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"accounts": None, "ous": ["Workloads"]}, {"dev", "prod"}),
        ({"ous": ["/Root/Workloads/Prod"]}, {"prod"}),
        ({"ous": ["Sandbox", "dev"]}, {"sandbox", "dev"}),
        ({"exclude_accounts": ["<dev>", "<prod>"]}, {"management", "sandbox"}),
        ({"accounts": ["<prod>", "<sandbox>"]}, {"prod", "sandbox"}),
    ],
)
def test_scope_options_select_accounts(
    org_world: OrgWorld, no_sleep: list[float], scope: dict[str, object], expected: set[str]
) -> None:
    def resolve(value: object) -> object:
        if isinstance(value, list):
            return [org_world.account_ids[v[1:-1]] if v.startswith("<") else v for v in value]
        return value

    inventory = collect_org(org_world, no_sleep, **{key: resolve(value) for key, value in scope.items()})

    assert {a.account_id for a in inventory.accounts} == {org_world.account_ids[name] for name in expected}
    assert inventory.organization is not None and len(inventory.organization.accounts) == 4


def test_ou_selector_by_id_includes_nested_units(org_world: OrgWorld, no_sleep: list[float]) -> None:
    inventory = collect_org(org_world, no_sleep, ous=[org_world.ou_ids["Workloads"]])
    assert {a.account_name for a in inventory.accounts} == {"dev", "prod"}


def test_scope_selectors_that_match_nothing_are_usage_errors(org_world: OrgWorld, no_sleep: list[float]) -> None:
    with pytest.raises(InputError, match="--ou 'Nope' matches no organizational unit"):
        collect_org(org_world, no_sleep, ous=["Nope"])
    with pytest.raises(InputError, match="999999999999 not in organization"):
        collect_org(org_world, no_sleep, accounts=["999999999999"])
    with pytest.raises(InputError, match="--ou needs --org"):
        collect(CollectOptions(ous=["Workloads"]), org_world.session, sleep=no_sleep.append)


def test_collection_metadata_and_progress(org_world: OrgWorld, no_sleep: list[float]) -> None:
    progress: list[tuple[int, int, str]] = []

    inventory = collect_org(
        org_world, no_sleep, progress=lambda done, total, acct: progress.append((done, total, acct))
    )

    info = inventory.collection
    assert info.caller is not None and info.caller.account_id == MANAGEMENT_ACCOUNT_ID
    assert info.sources == [f"org:{AUDIT_ROLE}"]
    assert info.regions == ["us-east-1"]
    assert info.started_at.tzinfo is not None and info.finished_at is not None
    assert info.started_at <= info.finished_at
    assert inventory.tool.name == "aws-identity-auditor"
    assert [done for done, _, _ in progress] == [1, 2, 3, 4]
    assert {total for _, total, _ in progress} == {4}
    assert {acct for _, _, acct in progress} == set(org_world.account_ids.values())


def test_default_source_collects_the_callers_account_and_its_membership(
    org_world: OrgWorld, no_sleep: list[float]
) -> None:
    inventory = collect(CollectOptions(), org_world.member_session("prod"), sleep=no_sleep.append)

    assert inventory.organization is None
    assert inventory.collection.sources == ["default"]
    (prod,) = inventory.accounts
    assert prod.account_id == org_world.account_ids["prod"]
    assert (prod.account_name, prod.is_management, prod.in_organization) == (None, False, True)
    assert prod.organization_id == org_world.organization_id
    assert [u.user_name for u in prod.users or []] == ["prod-breakglass"]


def test_access_keys_cost_one_call_per_user_with_keys(org_world: OrgWorld) -> None:
    """The call budget: users without keys in the credential report (prod-breakglass) cost no call."""
    session = boto3.Session(region_name=REGION)
    key_listings: list[str] = []
    session.events.register(
        "before-call.iam.ListAccessKeys", lambda params, **_: key_listings.append(str(params.get("body")))
    )

    collect(CollectOptions(org=True), session, sleep=lambda _: None)

    assert len(key_listings) == 3
    assert sorted(name for body in key_listings for name in ("mgmt-admin", "dev-alice", "dev-ci") if name in body) == [
        "dev-alice",
        "dev-ci",
        "mgmt-admin",
    ]
