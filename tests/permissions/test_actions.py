"""The action database (policy_sentry's, read through ``auditor/permissions/actions.py``) and IAM's pattern matching."""

from __future__ import annotations

import fnmatch
import subprocess
import sys

import pytest
from conftest import REPO
from policy_sentry.querying.actions import get_action_data, get_actions_for_service
from policy_sentry.querying.all import get_all_actions

from auditor.permissions.actions import (
    ACCESS_LEVELS,
    ActionPatterns,
    access_level,
    all_actions,
    canonical_action,
    database,
    expand,
    service_actions,
    service_prefixes,
)


def test_every_action_of_policy_sentry_is_known_and_none_other() -> None:
    assert all_actions() == get_all_actions()
    assert len(all_actions()) > 15_000
    assert {"s3", "ec2", "iam", "sts", "sso", "identitystore"} <= service_prefixes()


def test_a_service_s_actions_whatever_the_case_of_its_prefix() -> None:
    assert service_actions("S3") == service_actions("s3")
    assert set(service_actions("s3")) == set(get_actions_for_service("s3"))
    assert "s3:GetObject" in service_actions("s3")
    assert service_actions("no-such-service") == ()


@pytest.mark.parametrize(
    ("pattern", "included", "excluded"),
    [
        ("s3:Get*", {"s3:GetObject", "s3:GetBucketPolicy"}, {"s3:PutObject", "s3:ListBucket", "ec2:GetConsoleOutput"}),
        ("S3:GET*", {"s3:GetObject"}, {"s3:PutObject"}),  # IAM ignores case in prefix and name
        ("iam:*User*", {"iam:CreateUser", "iam:ListUsers", "iam:GetUserPolicy"}, {"iam:CreateRole"}),
        ("iam:Get?ser", {"iam:GetUser"}, {"iam:GetUserPolicy"}),  # ? is one character
        ("*:Describe*", {"ec2:DescribeInstances", "rds:DescribeDBInstances"}, {"ec2:RunInstances"}),
        ("ec2:*", {"ec2:RunInstances", "ec2:DescribeInstances"}, {"s3:GetObject"}),
        ("s3:getobject", {"s3:GetObject"}, {"s3:GetObjectAcl"}),
    ],
)
def test_a_pattern_expands_to_the_real_actions_it_matches(pattern: str, included: set[str], excluded: set[str]) -> None:
    expanded = set(expand(pattern))
    assert included <= expanded
    assert not excluded & expanded
    assert expanded == {a for a in get_all_actions() if fnmatch.fnmatchcase(a.lower(), pattern.lower())}


def test_names_prefixes_and_other_globs_in_one_list() -> None:
    """A list mixing the three shapes the matcher tells apart (a name, a prefix, any other glob) matches their union,
    in the database and for one action."""
    patterns = ["s3:GetObject", "s3:List*", "s3:*Tagging", "s3:Put?bject"]
    mixed = ActionPatterns.of(patterns)
    assert set(mixed.expand()) == {action for pattern in patterns for action in expand(pattern)}
    assert {"s3:GetObject", "s3:ListBucket", "s3:PutObjectTagging", "s3:PutObject"} <= set(mixed.expand())
    for action in ("S3:getobject", "s3:ListNewThing", "s3:PutNewTagging", "s3:PutObject"):
        assert mixed.matches(action), action
    for action in ("s3:GetObjectAcl", "s3:DeleteObject", "s3:PutObjectAcl", "ec2:ListThings"):
        assert not mixed.matches(action), action


def test_star_is_every_action_and_an_unknown_service_is_none() -> None:
    assert len(expand("*")) == len(expand("*:*")) == len(all_actions())
    assert expand("no-such-service:*") == ()
    assert expand("s3:NoSuchAction") == ()


def test_expansion_is_in_a_fixed_order() -> None:
    expanded = expand("s3:List*")
    assert list(expanded) == sorted(expanded, key=str.lower)


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("s3:GetObject", "Read"),
        ("S3:getobject", "Read"),
        ("s3:ListBucket", "List"),
        ("s3:PutObject", "Write"),
        ("s3:PutObjectTagging", "Tagging"),
        ("iam:PutUserPolicy", "Permissions management"),
        ("ec2:RunInstances", "Write"),
        ("iam:CreateUser", "Permissions management"),  # policy_sentry's correction of AWS's "Write"
    ],
)
def test_an_action_s_access_level(action: str, level: str) -> None:
    assert access_level(action) == level
    prefix, name = action.lower().split(":")
    assert get_action_data(prefix, name)[prefix][0]["access_level"] == level


def test_every_access_level_is_one_of_the_five() -> None:
    assert {level for service in database().values() for level in service.levels} == set(ACCESS_LEVELS)


def test_an_action_the_database_does_not_know() -> None:
    assert access_level("s3:GetObjectFromTheFuture") is None
    assert canonical_action("s3:GetObjectFromTheFuture") is None
    assert canonical_action("IAM:createuser") == "iam:CreateUser"


def test_a_concrete_action_is_matched_without_the_database() -> None:
    """An action newer than the database still matches the patterns that name it."""
    assert ActionPatterns.of(["s3:Get*"]).matches("S3:GetObjectFromTheFuture")
    assert ActionPatterns.of(["newservice:*"]).matches("newservice:DoSomething")
    assert ActionPatterns.of(["*"]).matches("newservice:DoSomething")
    assert not ActionPatterns.of(["s3:Get*"]).matches("s3:PutObject")
    assert not ActionPatterns.of([]).matches("s3:GetObject")


def test_equal_pattern_lists_are_one_object() -> None:
    """What a list computes (its masks) is computed once however many statements repeat it."""
    assert ActionPatterns.of(["s3:Get*", "ec2:*"]) is ActionPatterns.of(["EC2:*", "s3:get*"])


def test_importing_the_evaluator_loads_no_database() -> None:
    """policy_sentry costs 0.09 s and 50 MB: loaded on the first expansion, never on import, nor to decide one
    concrete action."""
    code = (
        "import sys\n"
        "import auditor.permissions.actions, auditor.permissions.evaluator as e\n"
        "policy = [{'Statement': {'Effect': 'Allow', 'Action': 's3:Get*', 'Resource': '*'}}]\n"
        "assert e.decide('s3:GetObject', policy) is e.Decision.ALLOWED\n"
        "print('policy_sentry' in sys.modules)\n"
        "e.grants(policy)\n"
        "print('policy_sentry' in sys.modules)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert finished.stdout.split() == ["False", "True"]
