"""USER-001..006 on hand-made inventories."""

from __future__ import annotations

from factories import (
    ALLOW_ALL,
    DEV,
    MGMT,
    READ_ONLY,
    aws_policy,
    config_with,
    credential_report,
    days_ago,
    hits,
    inline,
    key_id,
    make_account,
    make_group,
    make_inventory,
    make_key,
    make_org,
    make_user,
    user_row,
)

from auditor.rules.users import (
    console_password,
    console_user_without_mfa,
    direct_user_policies,
    management_account_users,
    password_unused,
    privileged_user,
)


def _inventory(*users, account_id=DEV, name="dev", **fields):
    return make_inventory(accounts=[make_account(account_id, name, users=list(users), **fields)])


# ---------------------------------------------------------------------------------------------- USER-001


def test_console_password():
    alice = make_user("alice", password=True, mfa=True, password_last_used=days_ago(2), tags={"team": "data"})
    bob = make_user("bob", password=False)
    [hit] = hits(console_password, _inventory(alice, bob))
    assert hit.account_id == DEV
    assert hit.resource_type == "AWS::IAM::User"
    assert hit.resource_id == f"arn:aws:iam::{DEV}:user/alice"
    assert hit.message == "IAM user alice in account dev (222222222222) can sign in to the console with a password."
    assert hit.evidence["password_last_used"] == days_ago(2).isoformat()
    assert hit.evidence["mfa_active"] is True
    assert hit.tags == {"team": "data"}


def test_password_state_falls_back_to_credential_report():
    carol = make_user("carol")  # password_enabled unknown on the record
    report = credential_report(user_row(carol, password_enabled=True))
    assert [h.evidence["user_name"] for h in hits(console_password, _inventory(carol, credential_report=report))] == [
        "carol"
    ]


def test_users_not_collected_or_password_unknown():
    assert hits(console_password, make_inventory(accounts=[make_account(DEV, "dev")])) == []
    assert hits(console_password, _inventory(make_user("dave"))) == []


# ---------------------------------------------------------------------------------------------- USER-002


def test_console_user_without_mfa():
    users = [
        make_user("alice", password=True, mfa=False),
        make_user("bob", password=True, mfa=True),
        make_user("svc", password=False, mfa=False),
    ]
    [hit] = hits(console_user_without_mfa, _inventory(*users))
    assert hit.resource_id == f"arn:aws:iam::{DEV}:user/alice"
    assert hit.message == "IAM user alice in account dev (222222222222) has a console password and no MFA device."
    assert hit.evidence["mfa_active"] is False


def test_console_user_mfa_unknown_is_not_reported():
    assert hits(console_user_without_mfa, _inventory(make_user("alice", password=True))) == []


# ---------------------------------------------------------------------------------------------- USER-003


def test_password_unused_edges():
    used_44 = make_user("u44", password=True, password_last_used=days_ago(44))
    used_46 = make_user("u46", password=True, password_last_used=days_ago(46))
    [hit] = hits(password_unused, _inventory(used_44, used_46))
    assert hit.evidence["user_name"] == "u46"
    assert hit.message == "IAM user u46 in account dev (222222222222) has a console password last used 46 days ago."
    assert hit.evidence["days_unused"] == 46
    assert hit.evidence["unused_days"] == 45
    assert hit.evidence["password_last_used"] == days_ago(46).isoformat()


def test_never_used_password_ages_from_when_it_was_set():
    fresh = make_user("fresh", password=True, created=days_ago(44))
    stale = make_user("stale", password=True, created=days_ago(46))
    # created long ago, password only set recently (credential report's password_last_changed)
    reset = make_user("reset", password=True, created=days_ago(500))
    report = credential_report(
        user_row(fresh, password_enabled=True),
        user_row(stale, password_enabled=True),
        user_row(reset, password_enabled=True, password_last_changed=days_ago(10)),
    )
    found = hits(password_unused, _inventory(fresh, stale, reset, credential_report=report))
    assert [h.evidence["user_name"] for h in found] == ["stale"]
    assert found[0].message.endswith("has a console password never used since it was set 46 days ago.")
    assert found[0].evidence["password_last_used"] is None
    assert found[0].evidence["password_set"] == days_ago(46).isoformat()


def test_never_used_needs_the_credential_report():
    stale = make_user("stale", password=True, created=days_ago(400))
    assert hits(password_unused, _inventory(stale)) == []


def test_password_unused_threshold_from_config_and_no_password():
    user = make_user("alice", password=True, password_last_used=days_ago(20))
    assert hits(password_unused, _inventory(user)) == []
    assert len(hits(password_unused, _inventory(user), config_with(unused_days=10))) == 1
    assert hits(password_unused, _inventory(make_user("svc", password=False, created=days_ago(900)))) == []


def test_latest_sign_in_of_record_and_report_wins():
    user = make_user("alice", password=True, password_last_used=days_ago(100))
    report = credential_report(user_row(user, password_enabled=True, password_last_used=days_ago(3)))
    assert hits(password_unused, _inventory(user, credential_report=report)) == []


# ---------------------------------------------------------------------------------------------- USER-004


def test_direct_policies():
    user = make_user("alice", policies=[aws_policy("ReadOnlyAccess")], inline_policies=[inline("s3", READ_ONLY)])
    grouped = make_user("bob", groups=["readers"])
    [hit] = hits(direct_user_policies, _inventory(user, grouped))
    assert (
        hit.message
        == "IAM user alice in account dev (222222222222) has policies attached directly: ReadOnlyAccess, s3."
    )
    assert hit.evidence["attached_policies"] == [
        {"policy_name": "ReadOnlyAccess", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    ]
    assert hit.evidence["inline_policies"] == ["s3"]


# ---------------------------------------------------------------------------------------------- USER-005


def test_admin_through_a_group():
    admins = make_group("admins", policies=[aws_policy("AdministratorAccess")])
    user = make_user("alice", groups=["admins"])
    [hit] = hits(privileged_user, _inventory(user, groups=[admins]))
    assert hit.resource_id == f"arn:aws:iam::{DEV}:user/alice"
    assert hit.message == (
        "IAM user alice in account dev (222222222222) has administrator-level privileges through AdministratorAccess."
    )
    assert hit.evidence["privileged_by"] == [
        {
            "source": "attached to group admins",
            "policy_name": "AdministratorAccess",
            "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "reason": "AWS managed policy AdministratorAccess",
        }
    ]
    assert hit.evidence["groups"] == ["admins"]


def test_admin_through_own_inline_policy():
    user = make_user("alice", inline_policies=[inline("everything", ALLOW_ALL)])
    [hit] = hits(privileged_user, _inventory(user))
    assert hit.evidence["privileged_by"][0]["source"] == "inline on user"


def test_non_privileged_or_unknown_group_is_not_reported():
    readers = make_group("readers", policies=[aws_policy("ReadOnlyAccess")])
    users = [make_user("alice", groups=["readers"]), make_user("bob", groups=["ghost"])]
    assert hits(privileged_user, _inventory(*users, groups=[readers])) == []
    assert hits(privileged_user, _inventory(make_user("carol", groups=["admins"]))) == []  # groups not collected


# ---------------------------------------------------------------------------------------------- USER-006


def test_users_in_management_account():
    legacy = make_user("legacy", MGMT, password=True, keys=[make_key(1)])
    ci = make_user("ci", MGMT, password=False)
    inventory = make_inventory(
        organization=make_org(),
        accounts=[
            make_account(MGMT, "management", users=[legacy, ci]),
            make_account(DEV, "dev", users=[make_user("dev-user")]),
        ],
    )
    found = hits(management_account_users, inventory)
    assert [h.resource_id for h in found] == [f"arn:aws:iam::{MGMT}:user/legacy", f"arn:aws:iam::{MGMT}:user/ci"]
    assert found[0].account_id == MGMT
    assert found[0].message == (
        "IAM user legacy in account management (111111111111) exists in the organization's management account."
    )
    assert found[0].evidence["active_access_keys"] == [key_id(1)]
    assert found[0].evidence["password_enabled"] is True


def test_management_account_known_from_account_flag_without_organization():
    inventory = make_inventory(accounts=[make_account(MGMT, "mgmt", is_management=True, users=[make_user("x", MGMT)])])
    assert len(hits(management_account_users, inventory)) == 1


def test_no_users_in_management_account_or_users_unknown():
    inventory = make_inventory(
        organization=make_org(),
        accounts=[make_account(MGMT, "management", users=[]), make_account(DEV, "dev", users=[make_user("x")])],
    )
    assert hits(management_account_users, inventory) == []
    assert (
        hits(management_account_users, make_inventory(organization=make_org(), accounts=[make_account(MGMT, "m")]))
        == []
    )
