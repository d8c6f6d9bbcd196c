"""KEY-001..005 on hand-made inventories."""

from __future__ import annotations

from datetime import timedelta

from factories import (
    DEV,
    config_with,
    credential_report,
    days_ago,
    fake_key_id,
    hits,
    key_id,
    make_account,
    make_inventory,
    make_key,
    make_user,
    report_key,
    user_row,
)

from auditor.rules.access_keys import key_not_rotated, key_unused, long_lived_key, setup_key_never_used, two_active_keys

USER_ARN = f"arn:aws:iam::{DEV}:user/ci"


def _inventory(*users, **fields):
    """Dev account with these users and, unless given, a credential report with a row for each of them."""
    fields.setdefault("credential_report", credential_report(*(user_row(u) for u in users)))
    return make_inventory(accounts=[make_account(DEV, "dev", users=list(users), **fields)])


# ---------------------------------------------------------------------------------------------- KEY-001


def test_active_long_lived_key():
    key = make_key(1, created=days_ago(120), last_used=days_ago(1), service="s3", region="eu-west-1")
    user = make_user("ci", keys=[key, make_key(2, status="Inactive")], tags={"owner": "platform"})
    [hit] = hits(long_lived_key, _inventory(user))
    assert hit.account_id == DEV
    assert hit.resource_type == "AWS::IAM::AccessKey"
    assert hit.resource_id == key_id(1)  # the key is the resource: one finding, one alert per key
    assert hit.discriminator == ""
    assert hit.evidence["user_arn"] == USER_ARN
    assert hit.tags == {"owner": "platform"}
    assert hit.message == (
        f"IAM user ci in account dev (222222222222) has an active long-lived access key {key_id(1)} (120 days old)."
    )
    assert hit.evidence == {
        "user_name": "ci",
        "access_key_id": key_id(1),
        "status": "Active",
        "created": days_ago(120).isoformat(),
        "age_days": 120,
        "last_used": days_ago(1).isoformat(),
        "last_used_service": "s3",
        "last_used_region": "eu-west-1",
        "user_arn": USER_ARN,
    }


def test_inactive_or_temporary_keys_are_not_long_lived_findings():
    user = make_user(
        "ci",
        keys=[make_key(1, status="Inactive"), make_key(access_key_id=fake_key_id("TEST000000000009", prefix="ASIA"))],
    )
    assert hits(long_lived_key, _inventory(user)) == []
    assert hits(long_lived_key, make_inventory(accounts=[make_account(DEV, "dev")])) == []  # users unknown


# ---------------------------------------------------------------------------------------------- KEY-002


def test_key_rotation_edges():
    keys = [make_key(1, created=days_ago(89)), make_key(2, created=days_ago(90)), make_key(3, created=days_ago(91))]
    found = hits(key_not_rotated, _inventory(make_user("ci", keys=keys)))
    assert [h.resource_id for h in found] == [key_id(3)]
    assert found[0].evidence["age_days"] == 91
    assert found[0].evidence["max_key_age_days"] == 90
    assert (
        found[0].message
        == f"Access key {key_id(3)} of IAM user ci in account dev (222222222222) is 91 days old (more than 90)."
    )


def test_old_inactive_key_and_config_threshold():
    user = make_user(
        "ci", keys=[make_key(1, created=days_ago(400), status="Inactive"), make_key(2, created=days_ago(40))]
    )
    assert hits(key_not_rotated, _inventory(user)) == []
    assert [h.resource_id for h in hits(key_not_rotated, _inventory(user), config_with(max_key_age_days=30))] == [
        key_id(2)
    ]


# ---------------------------------------------------------------------------------------------- KEY-003


def test_key_unused_edges_on_last_use():
    keys = [
        make_key(1, created=days_ago(300), last_used=days_ago(44)),
        make_key(2, created=days_ago(300), last_used=days_ago(46)),
    ]
    [hit] = hits(key_unused, _inventory(make_user("ci", keys=keys)))
    assert hit.resource_id == key_id(2)
    assert hit.evidence["days_unused"] == 46
    assert hit.evidence["unused_days"] == 45
    assert (
        hit.message == f"Access key {key_id(2)} of IAM user ci in account dev (222222222222) was last used 46 days ago."
    )


def test_never_used_key_edges_on_creation():
    keys = [make_key(1, created=days_ago(44)), make_key(2, created=days_ago(46))]
    [hit] = hits(key_unused, _inventory(make_user("ci", keys=keys)))
    assert hit.resource_id == key_id(2)
    assert hit.evidence["last_used"] is None
    assert hit.message.endswith("has never been used in its 46 days.")


def test_last_use_taken_from_credential_report_when_record_lacks_it():
    key = make_key(1, created=days_ago(300))
    user = make_user("ci", keys=[key])
    report = credential_report(
        user_row(user, keys=[report_key(1, last_rotated=key.create_date, last_used=days_ago(5))])
    )
    assert hits(key_unused, _inventory(user, credential_report=report)) == []


def test_never_used_needs_the_credential_report():
    """Last use comes from the credential report: without it, "never used" and "not known" look the same."""
    created = days_ago(300)
    user = make_user("ci", created=created, keys=[make_key(1, created=created)])
    no_report = _inventory(user, credential_report=None)
    assert hits(key_unused, no_report) == []
    assert hits(setup_key_never_used, no_report) == []
    other_users_only = _inventory(user, credential_report=credential_report(user_row(make_user("someone-else"))))
    assert hits(key_unused, other_users_only) == []
    # a known old last use still counts without the report
    used_long_ago = make_user("ci", keys=[make_key(1, created=created, last_used=days_ago(100))])
    assert len(hits(key_unused, _inventory(used_long_ago, credential_report=None))) == 1


# ---------------------------------------------------------------------------------------------- KEY-004


def test_two_active_keys():
    user = make_user(
        "ci", keys=[make_key(2, created=days_ago(5)), make_key(1, created=days_ago(300), last_used=days_ago(1))]
    )
    [hit] = hits(two_active_keys, _inventory(user))
    assert hit.resource_type == "AWS::IAM::User"
    assert hit.resource_id == USER_ARN
    assert hit.message == (
        f"IAM user ci in account dev (222222222222) has 2 active access keys: {key_id(1)}, {key_id(2)}."
    )
    assert [k["access_key_id"] for k in hit.evidence["active_keys"]] == [key_id(1), key_id(2)]


def test_one_active_one_inactive_is_fine():
    user = make_user("ci", keys=[make_key(1), make_key(2, status="Inactive")])
    assert hits(two_active_keys, _inventory(user)) == []


# ---------------------------------------------------------------------------------------------- KEY-005


def test_key_created_at_setup_and_never_used():
    created = days_ago(200)
    user = make_user("ana", created=created, keys=[make_key(1, created=created + timedelta(seconds=30))])
    [hit] = hits(setup_key_never_used, _inventory(user))
    assert hit.resource_id == key_id(1)
    assert hit.evidence["seconds_after_user_creation"] == 30
    assert hit.evidence["user_created"] == created.isoformat()
    assert hit.message == (
        f"Access key {key_id(1)} of IAM user ana in account dev (222222222222) was created with the user "
        "and has never been used."
    )


def test_key_created_later_or_used_is_fine():
    created = days_ago(200)
    later = make_user("ana", created=created, keys=[make_key(1, created=created + timedelta(hours=2))])
    used = make_user("bob", created=created, keys=[make_key(2, created=created, last_used=days_ago(100))])
    assert hits(setup_key_never_used, _inventory(later, used)) == []
