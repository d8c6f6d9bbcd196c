"""`auditor demo`'s embedded organization: built in moto, scanned by the real collectors, root simulated honestly."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import pytest

from auditor.demo.scan import demo_inventory
from auditor.errors import AuditorError
from auditor.inventory import AccountInventory, IamUser, Inventory

MANAGEMENT_ID = "123456789012"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture(scope="module")
def progress_calls() -> list[tuple[int, int, str]]:
    return []


@pytest.fixture(scope="module")
def inventory(progress_calls: list[tuple[int, int, str]]) -> Inventory:
    return demo_inventory(progress=lambda done, total, label: progress_calls.append((done, total, label)))


def ids_by_name(inventory: Inventory) -> dict[str, str]:
    return {a.account_name: a.account_id for a in inventory.accounts}


def account(inventory: Inventory, name: str) -> AccountInventory:
    return next(a for a in inventory.accounts if a.account_name == name)


def user(inventory: Inventory, account_name: str, user_name: str) -> IamUser:
    return next(u for u in account(inventory, account_name).users or [] if u.user_name == user_name)


# ------------------------------------------------------------------------------------------- organization


def test_four_accounts_in_an_all_features_organization(inventory: Inventory) -> None:
    assert sorted(ids_by_name(inventory)) == ["acme-development", "acme-legacy", "acme-management", "acme-production"]
    org = inventory.organization
    assert org is not None
    assert org.feature_set == "ALL"
    assert org.management_account_id == MANAGEMENT_ID
    assert len(org.accounts) == 4
    assert account(inventory, "acme-management").account_id == MANAGEMENT_ID
    assert account(inventory, "acme-management").is_management


def test_ous_tags_and_join_history(inventory: Inventory) -> None:
    assert account(inventory, "acme-development").ou_path == "/Root/Workloads"
    assert account(inventory, "acme-production").ou_path == "/Root/Workloads"
    assert account(inventory, "acme-legacy").ou_path == "/Root/Legacy"
    assert account(inventory, "acme-production").tags.get("Environment") == "production"
    legacy = next(a for a in inventory.organization.accounts if a.name == "acme-legacy")
    assert legacy.joined_method == "INVITED"
    assert legacy.joined_timestamp < inventory.as_of - timedelta(days=2000)


def test_member_accounts_were_read_through_the_member_role(inventory: Inventory) -> None:
    for name in ("acme-development", "acme-production", "acme-legacy"):
        acct = account(inventory, name)
        assert acct.users is not None and acct.credential_report is not None, name
        assert "OrganizationAccountAccessRole" in (acct.caller_arn or ""), name


# ----------------------------------------------------------------------------------------------- IAM users


def test_legacy_console_users_without_mfa(inventory: Inventory) -> None:
    legacy = account(inventory, "acme-legacy")
    report = legacy.credential_report
    assert {u.user_name for u in legacy.users} == {"alice", "bob", "dave", "ci-deployer", "carol"}
    for name in ("alice", "bob"):
        row = report.row_for(name)
        assert row.password_enabled is True and row.mfa_active is False, name
    assert report.row_for("dave").mfa_active is True
    assert report.row_for("dave").password_last_used is None  # has a password, never signed in
    assert report.row_for("alice").password_last_used < inventory.as_of - timedelta(days=150)
    assert report.row_for("bob").password_last_used > inventory.as_of - timedelta(days=10)


def test_legacy_admin_through_the_admins_group(inventory: Inventory) -> None:
    legacy = account(inventory, "acme-legacy")
    assert "admins" in user(inventory, "acme-legacy", "alice").groups
    admins = next(g for g in legacy.groups if g.group_name == "admins")
    assert ADMIN_POLICY in {p.policy_arn for p in admins.attached_policies}


def test_ci_deployer_has_two_long_lived_keys_one_old_and_never_used(inventory: Inventory) -> None:
    ci = user(inventory, "acme-legacy", "ci-deployer")
    keys = sorted(ci.access_keys, key=lambda k: k.create_date)
    assert len(keys) == 2
    assert all(k.access_key_id.startswith("AKIA") and k.is_active for k in keys)
    old, recent = keys
    assert old.create_date < inventory.as_of - timedelta(days=399)
    assert recent.create_date > inventory.as_of - timedelta(days=200)

    row = account(inventory, "acme-legacy").credential_report.row_for("ci-deployer")
    slots = {k.last_rotated: k for k in row.access_keys}
    assert len(slots) == 2
    old_slot, recent_slot = slots[min(slots)], slots[max(slots)]
    assert old_slot.active and old_slot.last_used_date is None  # never used
    assert recent_slot.last_used_date > inventory.as_of - timedelta(days=3)
    assert row.password_enabled is False


def test_iam_admin_user_in_the_management_account(inventory: Inventory) -> None:
    admin = user(inventory, "acme-management", "admin")
    assert ADMIN_POLICY in {p.policy_arn for p in admin.attached_policies}
    assert [k.access_key_id[:4] for k in admin.access_keys] == ["AKIA"]


def test_long_session_role_that_is_not_an_identity_center_role(inventory: Inventory) -> None:
    roles = {r.role_name: r for r in account(inventory, "acme-production").roles}
    assert roles["ci-deploy"].max_session_duration == 43200
    assert not roles["ci-deploy"].is_identity_center_role
    reserved = [r for r in roles.values() if r.role_name.startswith("AWSReservedSSO_AdministratorAccess_")]
    assert len(reserved) == 1 and reserved[0].is_identity_center_role


# ---------------------------------------------------------------------------------------- Identity Center


def test_admin_permission_set_at_twelve_hours_assigned_to_a_user_in_three_accounts(inventory: Inventory) -> None:
    ic = inventory.identity_center
    assert ic is not None and ic.status == "enabled"
    assert ic.owner_account_id == MANAGEMENT_ID and ic.home_region == "us-east-1"
    admin_set = next(p for p in ic.permission_sets if p.name == "AdministratorAccess")
    assert admin_set.session_duration == "PT12H"
    assert admin_set.session_duration_seconds == 12 * 3600
    assert [p.policy_arn for p in admin_set.managed_policies] == [ADMIN_POLICY]

    ids = ids_by_name(inventory)
    admin_assignments = [a for a in ic.assignments if a.permission_set_arn == admin_set.arn]
    assert {a.principal_type for a in admin_assignments} == {"USER"}
    assert {a.account_id for a in admin_assignments} == {
        ids["acme-management"],
        ids["acme-development"],
        ids["acme-production"],
    }
    alice = next(u for u in ic.users if u.user_name == "alice@acme.example")
    assert {a.principal_id for a in admin_assignments} == {alice.user_id}
    assert alice.emails == ["alice@acme.example"]


def test_developers_group_has_read_only_in_development(inventory: Inventory) -> None:
    ic = inventory.identity_center
    read_only = next(p for p in ic.permission_sets if p.name == "ReadOnly")
    assert read_only.session_duration == "PT1H"
    developers = next(g for g in ic.groups if g.display_name == "Developers")
    member_ids = {m.user_id for m in ic.memberships if m.group_id == developers.group_id}
    members = {u.user_name for u in ic.users if u.user_id in member_ids}
    assert members == {"bob@acme.example", "carol@acme.example"}
    assignments = [a for a in ic.assignments if a.permission_set_arn == read_only.arn]
    assert [(a.account_id, a.principal_type, a.principal_id) for a in assignments] == [
        (ids_by_name(inventory)["acme-development"], "GROUP", developers.group_id)
    ]


def test_legacy_account_has_no_identity_center_assignment(inventory: Inventory) -> None:
    legacy_id = ids_by_name(inventory)["acme-legacy"]
    assert not [a for a in inventory.identity_center.assignments if a.account_id == legacy_id]


# ---------------------------------------------------------------------------------------------- simulated


def test_root_rows_are_simulated_and_say_so(inventory: Inventory) -> None:
    for acct in inventory.accounts:
        root = acct.credential_report.root
        assert root is not None and root.arn == f"arn:aws:iam::{acct.account_id}:root", acct.account_name
        matching = [fact for fact in inventory.collection.simulated if fact.note.startswith(f"{acct.account_name} (")]
        assert len(matching) == 1 and acct.account_id in matching[0].note and "simulated" in matching[0].note
        assert matching[0].account_id == acct.account_id
        assert matching[0].resource_types == ("AWS::IAM::Root",)

    legacy = account(inventory, "acme-legacy")
    root = legacy.credential_report.root
    assert root.mfa_active is False
    assert [k.active for k in root.access_keys] == [True]
    assert root.access_keys[0].last_used_date > inventory.as_of - timedelta(days=90)
    assert legacy.account_summary["AccountAccessKeysPresent"] == 1
    assert legacy.account_summary["AccountMFAEnabled"] == 0

    production = account(inventory, "acme-production")
    assert production.credential_report.root.mfa_active is True
    assert production.credential_report.root.access_keys == []
    assert production.account_summary["AccountMFAEnabled"] == 1
    assert production.account_summary["AccountAccessKeysPresent"] == 0


def test_moto_artefacts_are_dropped_openly_and_the_demo_has_no_gap(inventory: Inventory) -> None:
    # Errors AWS never returns are dropped only with a line saying so, and the builder's true answer recorded.
    assert inventory.errors == []
    facts = inventory.collection.simulated
    dropped = {fact.note.split()[2]: fact for fact in facts if fact.note.startswith("dropped ")}
    assert sorted(dropped) == [
        "iam:ListOrganizationsFeatures",
        "iam:ListServiceSpecificCredentials",
        "organizations:ListDelegatedAdministrators",
        "sso-admin:GetPermissionsBoundaryForPermissionSet",
    ]
    # organization-wide, each about the findings its true answer decides
    assert all(fact.account_id is None for fact in dropped.values())
    assert dropped["iam:ListOrganizationsFeatures"].resource_types == ("AWS::Organizations::Organization",)
    assert dropped["organizations:ListDelegatedAdministrators"].resource_types == ("AWS::SSO::Instance",)
    assert dropped["sso-admin:GetPermissionsBoundaryForPermissionSet"].resource_types == ("AWS::SSO::PermissionSet",)
    # no rule reads service-specific credentials: the readiness stage does; one error per account with users
    assert dropped["iam:ListServiceSpecificCredentials"].resource_types == ()
    assert dropped["iam:ListServiceSpecificCredentials"].note.startswith("dropped 2 ")
    every_user = [u for a in inventory.accounts for u in a.users or []]
    assert all(u.service_specific_credentials == [] for u in every_user)
    # the two lists moto implements were read for real: carol's key is the only one, and nobody has a certificate
    assert {u.user_name: len(u.ssh_public_keys or []) for u in every_user if u.ssh_public_keys != []} == {"carol": 1}
    assert all(u.signing_certificates == [] for u in every_user)
    assert inventory.organization.delegated_administrators == {"sso.amazonaws.com": []}
    assert inventory.organization.organizations_features == []  # the story: centralized root access is off
    assert all(p.permissions_boundary is None for p in inventory.identity_center.permission_sets)
    assert not any(p.permissions_boundary_unreadable for p in inventory.identity_center.permission_sets)


def test_what_users_used_is_simulated_and_says_so(inventory: Inventory) -> None:
    """moto has no IAM last-accessed data: the story's users get what it says they used, the accounts' gaps are
    dropped because every user holding a credential there is described, and a fact per account says so."""
    ids = ids_by_name(inventory)
    legacy = inventory.account(ids["acme-legacy"])
    assert legacy is not None and legacy.users is not None
    bob = next(u for u in legacy.users if u.user_name == "bob")
    assert bob.service_use is not None
    used = {s.namespace: (s.actions and [a.action for a in s.actions]) for s in bob.service_use}
    assert used == {"s3": ["s3:GetObject", "s3:ListBucket"], "ec2": ["ec2:DescribeInstances"], "cloudwatch": None}
    # every user holding a password or a key was asked about; carol holds only an SSH key: no job, use unknown
    assert {u.user_name for u in legacy.users if u.service_use is None} == {"carol"}
    assert not any(e.operation == "GenerateServiceLastAccessedDetails" for e in inventory.errors)
    facts = [f for f in inventory.collection.simulated if "last-accessed" in f.note]
    assert {f.account_id for f in facts} == {ids["acme-management"], ids["acme-legacy"]}
    assert all(f.resource_types == () for f in facts)  # no finding rests on it: the readiness stage reads it


def test_findings_name_the_simulated_facts_they_rest_on(inventory: Inventory) -> None:
    """A root finding in acme-legacy rests on acme-legacy's simulated root row (and on no other account's); a
    finding about something collected for real, in the same account, rests on nothing simulated."""
    from auditor.engine.config import Config
    from auditor.engine.pipeline import findings_for
    from auditor.registry import load_rules
    from auditor.rules import BUILTIN_PACK

    document = findings_for(inventory, load_rules([BUILTIN_PACK], use_entry_points=False), Config())
    legacy = ids_by_name(inventory)["acme-legacy"]
    notes = {
        fact.account_id: fact.note
        for fact in inventory.collection.simulated
        if fact.account_id and "AWS::IAM::Root" in fact.resource_types
    }
    root = [f for f in document.findings if f.resource_type == "AWS::IAM::Root"]
    assert {f.rule_id for f in root} >= {"ROOT-001", "ROOT-002"}
    assert all(f.account_id == legacy and f.simulated == [notes[legacy]] for f in root)
    alice = [f for f in document.findings if f.account_id == legacy and f.resource_id.endswith(":user/alice")]
    assert alice and all(f.simulated == [] for f in alice)
    # a dropped moto error, organization-wide, is named by the findings its true answer decides
    [org_002] = [f for f in document.findings if f.rule_id == "ORG-002"]
    assert len(org_002.simulated) == 1 and "iam:ListOrganizationsFeatures" in org_002.simulated[0]
    [idc_007] = [f for f in document.findings if f.rule_id == "IDC-007"]
    assert len(idc_007.simulated) == 1 and "organizations:ListDelegatedAdministrators" in idc_007.simulated[0]
    # the document carries the facts; no notice says "simulated" any more
    assert document.simulated == inventory.collection.simulated
    assert not any(notice.startswith("simulated") for notice in document.notices)


def test_an_inventory_saved_with_plain_simulated_lines_still_loads(tmp_path) -> None:
    """tests/fixtures/demo-inventory.json was saved when ``collection.simulated`` held strings: each loads as a
    fact with only its note (same schema_version), and evaluation shows them without pinning them on a finding."""
    import json

    from conftest import FIXTURES

    from auditor.engine.config import Config
    from auditor.engine.pipeline import findings_for
    from auditor.registry import load_rules
    from auditor.rules import BUILTIN_PACK

    path = FIXTURES / "demo-inventory.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    lines = raw["collection"]["simulated"]
    assert raw["schema_version"] == "1" and lines and all(isinstance(line, str) for line in lines)

    old = Inventory.load(path)
    assert [fact.note for fact in old.collection.simulated] == lines
    assert all(fact.account_id is None and fact.resource_types == () for fact in old.collection.simulated)

    document = findings_for(old, load_rules([BUILTIN_PACK], use_entry_points=False), Config())
    assert [fact.note for fact in document.simulated] == lines
    assert all(f.simulated == [] for f in document.findings)
    assert not any(notice.startswith("simulated") for notice in document.notices)

    saved = tmp_path / "inventory.json"
    old.save(saved)
    assert json.loads(saved.read_text())["collection"]["simulated"][0] == {
        "account_id": None,
        "resource_types": [],
        "note": lines[0],
    }
    assert Inventory.load(saved) == old


def test_other_simulator_gaps_say_so() -> None:
    """A gap moto causes that the demo cannot answer stays a gap (the fact is unknown) and names its cause."""
    from factories import make_inventory

    from auditor.demo.simulated import SIMULATOR_GAP, label_simulator_gaps
    from auditor.inventory import CollectionError

    inventory = make_inventory()
    inventory.errors = [
        CollectionError(service="iam", operation="ListSomething", error_code="NotImplemented", message="not here"),
        CollectionError(service="iam", operation="GetOther", error_code="AccessDenied", message="denied"),
    ]
    label_simulator_gaps(inventory)
    label_simulator_gaps(inventory)  # once is enough
    assert [e.message for e in inventory.errors] == [f"not here ({SIMULATOR_GAP})", "denied"]


def test_a_scenario_adds_to_the_story_without_moving_its_ids(inventory: Inventory) -> None:
    from auditor.demo.scenarios import NEW_ADMIN, SCENARIOS, scenario_named
    from auditor.errors import InputError

    changed = demo_inventory(scenario=NEW_ADMIN)
    production = [a for a in changed.accounts if a.account_name == "acme-production"][0]
    eve = [u for u in production.users or [] if u.user_name == "eve"]
    assert eve and eve[0].access_keys and eve[0].access_keys[0].access_key_id.startswith("AKIA")
    assert [a.account_id for a in changed.accounts] == [a.account_id for a in inventory.accounts]
    assert changed.identity_center.instance_arn == inventory.identity_center.instance_arn
    assert [p.arn for p in changed.identity_center.permission_sets] == [
        p.arn for p in inventory.identity_center.permission_sets
    ]
    [scenario] = [fact for fact in changed.collection.simulated if fact.note.startswith("demo scenario new-admin:")]
    assert scenario.account_id == production.account_id
    assert scenario.resource_types == ("AWS::IAM::User", "AWS::IAM::AccessKey")
    assert sorted(SCENARIOS) == ["new-admin"]
    with pytest.raises(InputError, match="unknown demo scenario 'nope' \\(choose from new-admin\\)"):
        scenario_named("nope")


def test_inventory_survives_a_json_round_trip(inventory: Inventory) -> None:
    again = Inventory.model_validate_json(inventory.dump_json())
    assert again == inventory


def test_progress_is_reported(inventory: Inventory, progress_calls: list[tuple[int, int, str]]) -> None:
    """``inventory`` builds the demo, which reports the progress (without it the list was filled only when another
    test of the module had built the demo first, in the same worker)."""
    assert progress_calls
    done, total, _label = progress_calls[-1]
    assert done == total


# ------------------------------------------------------------------------------------ isolation and repeat


def test_second_run_is_identical_and_ignores_and_restores_the_users_aws_setup(
    inventory: Inventory, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import moto.iam.models as moto_iam
    from moto.moto_api._internal import mock_random

    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-3\nendpoint_url = http://127.0.0.1:9\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would break every call if it leaked in
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "999999999999")  # would put everything in one account
    environment_before = dict(os.environ)
    random_state_before = mock_random.getstate()
    policies_before = moto_iam.aws_managed_policies_data

    second = demo_inventory()

    assert dict(os.environ) == environment_before
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    assert mock_random.getstate() == random_state_before
    assert moto_iam.aws_managed_policies_data is policies_before

    assert ids_by_name(second) == ids_by_name(inventory)
    assert second.organization.id == inventory.organization.id
    assert sorted(p.arn for p in second.identity_center.permission_sets) == sorted(
        p.arn for p in inventory.identity_center.permission_sets
    )
    assert second.errors == inventory.errors
    assert second.collection.simulated == inventory.collection.simulated


def test_missing_moto_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)  # makes `import moto` raise ImportError
    with pytest.raises(AuditorError, match=r"pip install 'aws-identity-auditor\[demo\]'"):
        demo_inventory()


# ------------------------------------------------------------------------------------- migration readiness


def test_demo_shows_every_readiness_verdict_and_a_readable_plan(inventory: Inventory) -> None:
    from auditor.engine.config import Config
    from auditor.readiness.assess import assess_readiness
    from auditor.readiness.plan import build_plan, render_markdown

    readiness = assess_readiness(inventory, Config())
    assert {a.account_name: (a.verdict, [b.code for b in a.blockers]) for a in readiness.accounts} == {
        "acme-management": ("ready", []),
        "acme-development": ("migrated", []),
        "acme-production": ("migrated", []),
        # no assignment there; bob would lose his read-only access, and carol her CodeCommit access
        "acme-legacy": ("blocked", ["no-assignments", "access-gap", "access-gap"]),
    }
    users = {(u.account_name, u.user_name): u for u in readiness.iam_users}
    admin = users[("acme-management", "admin")]
    assert (admin.user_class, admin.matched_by, admin.identity_center_user) == ("human", "tag", "alice@acme.example")
    bob = users[("acme-legacy", "bob")]
    assert (bob.iam_access, bob.identity_center_access, bob.access_gap) == ("read-only", "none", True)
    assert users[("acme-legacy", "ci-deployer")].user_class == "workload"
    assert users[("acme-legacy", "dave")].user_class == "stale"
    # carol's only credential is an SSH key for CodeCommit: a person who still pushes, not stale
    carol = users[("acme-legacy", "carol")]
    assert (carol.user_class, carol.matched_by, carol.identity_center_user) == ("human", "tag", "carol@acme.example")
    assert carol.evidence.other_credentials is not None and carol.evidence.other_credentials.ssh_public_keys == 1
    assert "ssh-public-key" in [signal.signal for signal in carol.evidence.signals]
    assert carol.access_gap and [s.service for s in carol.would_lose][0] == "codecommit"
    assert [(p.user_name, p.account_name) for p in readiness.production_administrators] == [
        ("alice@acme.example", "acme-production")
    ]
    markdown = render_markdown(build_plan(inventory, readiness))
    assert markdown.index("## acme-legacy") < markdown.index("## acme-management")  # management account last
    # what bob used (simulated: moto has no last-accessed data), and the existing set that covers it
    assert [(s.service, s.actions) for s in bob.would_lose if s.service != "cloudwatch"] == [
        ("s3", ["s3:GetObject", "s3:ListBucket"]),  # the services with the most actions first
        ("ec2", ["ec2:DescribeInstances"]),
    ]
    assert bob.access_basis == "used"
    assert "Give bob@acme.example the permission set ReadOnly in acme-legacy" in markdown
    # carol's user goes only after she has confirmed her access through Identity Center, and its SSH keys are
    # removed before delete-user (which AWS refuses while any is left: DeleteConflict)
    confirm = markdown.index("carol@acme.example signs in at")
    delete_keys = markdown.index("aws iam list-ssh-public-keys --user-name carol")
    assert confirm < delete_keys < markdown.index("aws iam delete-user --user-name carol")
