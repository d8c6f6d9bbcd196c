"""The one definition of "privileged" (rules/_privilege.py)."""

from __future__ import annotations

import pytest
from factories import (
    ALLOW_ALL,
    DEV,
    PROD,
    READ_ONLY,
    attached,
    aws_policy,
    customer_policy,
    inline,
    make_account,
    make_group,
    make_user,
    permission_set,
)

from auditor.inventory import AttachedPolicy
from auditor.permissions.privilege import (
    admin_statements,
    aws_managed_privileged_name,
    permission_set_privilege,
    user_privilege,
)


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": "*:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["arn:aws:s3:::b/*", "*"]},
        {
            "Sid": "Admin",
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
    ],
)
def test_allow_everything_statements(statement):
    assert admin_statements({"Statement": statement}) == [statement]
    assert admin_statements({"Statement": [statement]}) == [statement]


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        "not a statement",
    ],
)
def test_narrower_statements(statement):
    assert admin_statements({"Statement": [statement]}) == []


def test_missing_or_malformed_documents():
    assert admin_statements(None) == []
    assert admin_statements({}) == []
    assert admin_statements({"Statement": None}) == []


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "PowerUserAccess"),
        ("arn:aws:iam::aws:policy/IAMFullAccess", "IAMFullAccess"),
        ("arn:aws-us-gov:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
        ("arn:aws:iam::222222222222:policy/AdministratorAccess", None),  # a customer policy: judged by its document
    ],
)
def test_aws_managed_privileged_policies(arn, expected):
    assert aws_managed_privileged_name(arn) == expected


def test_user_privileged_through_customer_managed_policy_document():
    policy = customer_policy("everything", DEV, ALLOW_ALL)
    account = make_account(DEV, managed_policies=[policy])
    [grant] = user_privilege(account, make_user("alice", policies=[attached(policy)]))
    assert grant.as_evidence() == {
        "source": "attached to user",
        "policy_name": "everything",
        "policy_arn": f"arn:aws:iam::{DEV}:policy/everything",
        "reason": "a statement allows Action * on Resource *",
    }


def test_customer_policy_named_like_an_admin_policy_is_judged_by_its_document():
    impostor = customer_policy("AdministratorAccess", DEV, READ_ONLY)
    account = make_account(DEV, managed_policies=[impostor])
    assert user_privilege(account, make_user("alice", policies=[attached(impostor)])) == []
    unknown_document = customer_policy("opaque", DEV, None)
    account = make_account(DEV, managed_policies=[unknown_document])
    assert user_privilege(account, make_user("bob", policies=[attached(unknown_document)])) == []


def test_user_privilege_through_group_inline_policy_names_the_group():
    group = make_group(
        "ops",
        inline_policies=[
            inline("all", {"Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}]})
        ],
    )
    account = make_account(DEV, groups=[group])
    [grant] = user_privilege(account, make_user("alice", groups=["ops"]))
    assert grant.source == "inline on group ops"
    assert grant.reason == "statement 'Everything' allows Action * on Resource *"


def test_every_grant_is_listed():
    admins = make_group("admins", policies=[aws_policy("IAMFullAccess")])
    account = make_account(DEV, groups=[admins])
    user = make_user("alice", groups=["admins"], policies=[aws_policy("PowerUserAccess")])
    assert [(g.source, g.policy_name) for g in user_privilege(account, user)] == [
        ("attached to user", "PowerUserAccess"),
        ("attached to group admins", "IAMFullAccess"),
    ]


def test_permission_set_sources():
    assert [
        g.source for g in permission_set_privilege(permission_set("A", managed=[aws_policy("AdministratorAccess")]))
    ] == ["permission set managed policy"]
    assert [g.source for g in permission_set_privilege(permission_set("B", inline_policy=ALLOW_ALL))] == [
        "permission set inline policy"
    ]
    assert (
        permission_set_privilege(
            permission_set(
                "C",
                managed=[
                    AttachedPolicy(
                        policy_name="ViewOnlyAccess", policy_arn="arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
                    )
                ],
            )
        )
        == []
    )


def test_permission_set_customer_managed_reference_needs_the_accounts():
    ps = permission_set("Platform", customer_managed=[("platform-admin", "/teams/")])
    dev = make_account(DEV, managed_policies=[customer_policy("platform-admin", DEV, ALLOW_ALL, path="/teams/")])
    prod = make_account(PROD, managed_policies=[customer_policy("platform-admin", PROD, READ_ONLY, path="/teams/")])
    assert permission_set_privilege(ps) == []
    assert permission_set_privilege(ps, [prod]) == []
    [grant] = permission_set_privilege(ps, [dev, prod])
    assert grant.policy_arn == f"arn:aws:iam::{DEV}:policy/teams/platform-admin"
    assert grant.source == f"permission set customer managed policy (in account {DEV})"
