"""Migration readiness end to end on a moto organization: the real collectors read what the stage needs
(identity-store e-mails, group memberships, assignments, credential report, IAM tags) and the stage gives the
classes, matches, gaps and verdicts the organization was built to have.

The organization: management (``frank``, a person nobody created in Identity Center), ``dev`` (people matched
by e-mail user name and by e-mail tag, a CI workload, a break-glass user, a leaver), ``prod`` (``alice`` by user
name, ``erin`` with PowerUserAccess and no assignment there, ``dan`` whose e-mail two identity-store users share)
and ``legacy`` (nobody, and no assignment).
"""

from __future__ import annotations

import boto3
from conftest import MANAGEMENT_ACCOUNT_ID
from moto_answers import ServiceSpecificCredentials, answer_no_permission_set_boundaries

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.demo.builder import build_organization
from auditor.demo.description import (
    MockAccessKey,
    MockAccount,
    MockAssignment,
    MockIamUser,
    MockIdentityCenter,
    MockIdentityCenterGroup,
    MockIdentityCenterUser,
    MockOrganization,
    MockPermissionSet,
)
from auditor.engine.config import Config
from auditor.readiness.assess import assess_readiness

RECENT = 3


def person(name: str, *policies: str, tags: dict[str, str] | None = None, used: int | None = RECENT) -> MockIamUser:
    return MockIamUser(
        name=name,
        age_days=400,
        console_password=True,
        password_last_used_days_ago=used,
        managed_policies=policies,
        tags=tags or {},
    )


ORGANIZATION = MockOrganization(
    management=MockAccount(name="management", email="management@example.com", users=(person("frank"),)),
    members=(
        MockAccount(
            name="dev",
            email="dev@example.com",
            users=(
                person("bob@example.com", "ReadOnlyAccess"),
                person("carol-iam", "ReadOnlyAccess", tags={"email": "carol@example.com"}),
                MockIamUser(
                    name="deploy-bot",
                    age_days=300,
                    access_keys=(MockAccessKey(age_days=200, last_used_days_ago=1, last_used_service="s3"),),
                ),
                person("breakglass-admin", "AdministratorAccess", used=None),
                person("old-intern", used=300),
            ),
        ),
        MockAccount(
            name="prod",
            email="prod@example.com",
            tags={"Environment": "production"},
            users=(
                person("alice", "AdministratorAccess"),
                person("erin", "PowerUserAccess"),
                person("dan", tags={"email": "dan@example.com"}),
            ),
        ),
        MockAccount(name="legacy", email="legacy@example.com"),
    ),
    identity_center=MockIdentityCenter(
        groups=(MockIdentityCenterGroup("Admins", "administrators"), MockIdentityCenterGroup("Readers", "read-only")),
        users=(
            MockIdentityCenterUser("alice", "Alice", "A", emails=("alice@example.com",), groups=("Admins",)),
            MockIdentityCenterUser("bob@example.com", "Bob", "B", emails=("bob@example.com",)),
            MockIdentityCenterUser("carol", "Carol", "C", emails=("carol@example.com",), groups=("Readers",)),
            MockIdentityCenterUser("dan.smith", "Dan", "Smith", emails=("dan@example.com",)),
            MockIdentityCenterUser("dan.jones", "Dan", "Jones", emails=("dan@example.com",)),
            MockIdentityCenterUser("erin", "Erin", "E", emails=("erin@example.com",)),
        ),
        permission_sets=(
            MockPermissionSet("AdministratorAccess", "admins", "PT8H", ("AdministratorAccess",)),
            MockPermissionSet("ReadOnly", "read-only", "PT1H", ("ReadOnlyAccess",)),
        ),
        assignments=(
            MockAssignment("AdministratorAccess", "GROUP", "Admins", ("management", "prod")),
            MockAssignment("ReadOnly", "GROUP", "Readers", ("dev",)),
            MockAssignment("ReadOnly", "USER", "bob@example.com", ("dev",)),
        ),
        trusted_access=True,
    ),
)


def test_moto_organization_classes_matches_gaps_and_verdicts(moto_session: boto3.Session) -> None:
    """moto lacks three reads the stage uses: a permission set's boundary and a user's service-specific
    credentials (answered as AWS answers a set without one and a user holding none, through before-call hooks
    validated against the real model) and IAM's last-accessed data (left unanswered: each person is then compared
    on everything IAM allows them, the conservative side)."""
    answer_no_permission_set_boundaries(moto_session)
    ServiceSpecificCredentials().attach(moto_session)
    build_organization(ORGANIZATION, moto_session)
    inventory = collect(CollectOptions(org=True), moto_session, sleep=lambda _: None)
    readiness = assess_readiness(inventory, Config())

    users = {u.user_name: u for u in readiness.iam_users}
    assert {name: u.user_class for name, u in users.items()} == {
        "frank": "human",
        "bob@example.com": "human",
        "carol-iam": "human",
        "deploy-bot": "workload",
        "breakglass-admin": "break-glass",
        "old-intern": "stale",
        "alice": "human",
        "erin": "human",
        "dan": "human",
    }
    assert users["deploy-bot"].evidence.active_keys[0].access_key_id.startswith("AKIA")
    matches = {
        name: (u.match, u.matched_by, u.identity_center_user, u.candidates)
        for name, u in users.items()
        if u.user_class == "human"
    }
    assert matches == {
        "frank": ("unmatched", None, None, []),
        "bob@example.com": ("matched", "email", "bob@example.com", ["bob@example.com"]),
        "carol-iam": ("matched", "tag", "carol", ["carol"]),
        "alice": ("matched", "user-name", "alice", ["alice"]),
        "erin": ("matched", "user-name", "erin", ["erin"]),
        "dan": ("ambiguous", "tag", None, ["dan.jones", "dan.smith"]),
    }
    assert [(n, u.iam_access, u.identity_center_access) for n, u in users.items() if u.access_gap] == [
        ("erin", "other", "none")
    ]
    # every user's SSH keys, service-specific credentials and signing certificates were read (none held), so no
    # account is left "credentials-unknown"
    assert all(u.evidence.other_credentials is not None for u in users.values())
    assert not [
        e for e in inventory.errors if e.operation.startswith(("ListSSH", "ListServiceSpecific", "ListSigning"))
    ]
    verdicts = {
        inventory.account_name(a.account_id): (a.verdict, [b.code for b in a.blockers], [r.code for r in a.reviews])
        for a in readiness.accounts
    }
    assert verdicts == {
        # frank is a person nobody created in Identity Center; and the organization keeps no emergency way in:
        # management has no break-glass IAM user (frank is a person, to be migrated), so it can never be ready
        "management": ("blocked", ["human-unmatched", "no-break-glass"], []),
        # everyone has a way in: bob (e-mail user name) and carol (e-mail tag) matched, with ReadOnly there as
        # in IAM; deploy-bot is a workload and breakglass-admin is kept; old-intern is stale (300 days unused)
        "dev": ("ready", [], []),
        # dan's e-mail is two identity-store users'; erin has PowerUserAccess and no assignment in prod (compared
        # on everything IAM allows: moto has no last-accessed data); alice and erin match by bare user name only,
        # to be confirmed (a shared login could carry a person's name)
        "prod": ("blocked", ["human-ambiguous", "access-gap"], ["match-unconfirmed", "match-unconfirmed"]),
        # no IAM user, and no assignment: nobody could reach it through the portal
        "legacy": ("blocked", ["no-assignments"], []),
    }
    management = next(a for a in readiness.accounts if a.account_id == MANAGEMENT_ACCOUNT_ID)
    assert management.blockers[0].subject == f"arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:user/frank"
    assert [(p.user_name, inventory.account_name(p.account_id)) for p in readiness.production_administrators] == [
        ("alice", "prod")
    ]
