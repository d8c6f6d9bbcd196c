"""Migration readiness on a hand-built organization: every class, match, access gap, verdict, blocker and plan line.

The organization (factories, no moto needed: the stage reads the inventory only; the demo test checks the
same stage on the moto-built demo organization):

* management (MGMT): ``frank``, a person with no Identity Center user (human-unmatched): blocked.
* dev (DEV): ``bob@example.com`` (matched by its e-mail user name), ``carol-iam`` (by its ``email`` tag),
  ``deploy-bot`` (a workload on a key), ``breakglass-admin``, ``old-intern`` (stale), ``svc-reporting``
  (a console user the config declares a workload): ready.
* prod (PROD, production): ``alice`` (by user name, administrator through an IAM group and through Identity
  Center), ``erin`` (PowerUserAccess today, nothing in Identity Center: access gap) and ``dan`` (tag
  ``dan@example.com``, which two identity-store users share: ambiguous): blocked.
* legacy (LEGACY): no IAM user, no assignment: blocked (no-assignments).
* sandbox (SANDBOX): a break-glass user and a declared exception only, and an assignment: migrated.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest
from aws_cli import guard
from factories import (
    DEV,
    INSTANCE_ARN,
    MGMT,
    PROD,
    aws_policy,
    days_ago,
    default_org_accounts,
    idc_group,
    idc_user,
    key_id,
    make_account,
    make_group,
    make_identity_center,
    make_inventory,
    make_key,
    make_org,
    make_user,
    management_access_role,
    org_account,
    permission_set,
    read_account,
)

from auditor.cli import main
from auditor.engine.config import Config, ReadinessConfig, ReadinessException, load_config
from auditor.engine.pipeline import findings_for
from auditor.errors import InputError
from auditor.findings import FindingsDocument
from auditor.inventory import AccountAssignment, GroupMembership, IdentityStoreUser, Inventory
from auditor.readiness.assess import assess_readiness
from auditor.readiness.models import Readiness
from auditor.readiness.plan import build_plan, render_csv, render_markdown
from auditor.registry import load_rules
from auditor.reports.html import HtmlReporter
from auditor.rules import BUILTIN_PACK
from bench.browser import Browser, find_chromium

LEGACY = "444444444444"
SANDBOX = "555555555555"
ADMIN = permission_set("AdministratorAccess", managed=[aws_policy("AdministratorAccess")])
READ_ONLY = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
POWER = permission_set("PowerUser", managed=[aws_policy("PowerUserAccess")])


def user_assignment(account_id: str, ps: object, user_id: str) -> AccountAssignment:
    return AccountAssignment(
        account_id=account_id, permission_set_arn=ps.arn, principal_type="USER", principal_id=user_id
    )  # type: ignore[attr-defined]


def group_assignment(account_id: str, ps: object, group_id: str) -> AccountAssignment:
    return AccountAssignment(
        account_id=account_id, permission_set_arn=ps.arn, principal_type="GROUP", principal_id=group_id
    )  # type: ignore[attr-defined]


def identity_center(**overrides: object) -> object:
    fields: dict[str, object] = {
        "permission_sets": [ADMIN, READ_ONLY, POWER],
        "users": [
            idc_user("u-alice", "alice", "alice@example.com"),
            idc_user("u-bob", "bob@example.com", "bob@example.com"),
            idc_user("u-carol", "carol", "carol@example.com"),
            idc_user("u-dan1", "dan.smith", "dan@example.com"),
            idc_user("u-dan2", "dan.jones", "dan@example.com"),
            idc_user("u-erin", "erin", "erin@example.com"),
        ],
        "groups": [idc_group("g-admins", "Admins"), idc_group("g-readers", "Readers")],
        "memberships": [
            GroupMembership(group_id="g-admins", user_id="u-alice"),
            GroupMembership(group_id="g-readers", user_id="u-carol"),
        ],
        "assignments": [
            group_assignment(MGMT, ADMIN, "g-admins"),
            group_assignment(DEV, READ_ONLY, "g-readers"),
            user_assignment(DEV, ADMIN, "u-bob"),
            group_assignment(PROD, ADMIN, "g-admins"),
            group_assignment(PROD, READ_ONLY, "g-readers"),
            group_assignment(SANDBOX, READ_ONLY, "g-readers"),
        ],
        "assignments_listed_accounts": [MGMT, DEV, PROD, LEGACY, SANDBOX],
    }
    fields.update(overrides)
    return make_identity_center(**fields)  # type: ignore[arg-type]


def organization(idc: object | None = None) -> Inventory:
    recent = days_ago(3)
    accounts = [
        read_account(MGMT, "management", users=[make_user("frank", MGMT, password=True, password_last_used=recent)]),
        read_account(
            DEV,
            "dev",
            users=[
                make_user(
                    "bob@example.com",
                    DEV,
                    password=True,
                    password_last_used=recent,
                    policies=[aws_policy("AdministratorAccess")],
                ),
                make_user(
                    "carol-iam",
                    DEV,
                    password=True,
                    password_last_used=recent,
                    tags={"Email": "carol@example.com"},
                    policies=[aws_policy("ReadOnlyAccess")],
                ),
                make_user("deploy-bot", DEV, keys=[make_key(1, last_used=days_ago(1), service="s3")]),
                make_user("breakglass-admin", DEV, password=True, policies=[aws_policy("AdministratorAccess")]),
                make_user("old-intern", DEV, password=True, password_last_used=days_ago(300)),
                make_user("svc-reporting", DEV, password=True, password_last_used=recent),
            ],
        ),
        read_account(
            PROD,
            "prod",
            roles=[management_access_role(PROD)],
            groups=[make_group("admins", PROD, policies=[aws_policy("AdministratorAccess")])],
            users=[
                make_user("alice", PROD, password=True, password_last_used=recent, mfa=True, groups=["admins"]),
                make_user(
                    "erin", PROD, password=True, password_last_used=recent, policies=[aws_policy("PowerUserAccess")]
                ),
                make_user("dan", PROD, password=True, password_last_used=recent, tags={"email": "dan@example.com"}),
            ],
        ),
        read_account(LEGACY, "legacy", users=[], roles=[management_access_role(LEGACY)]),
        read_account(
            SANDBOX,
            "sandbox",
            users=[
                make_user("break-glass", SANDBOX, password=True),
                make_user("ses-smtp", SANDBOX, keys=[make_key(2, last_used=days_ago(1), service="ses")]),
            ],
        ),
    ]
    org_accounts = [
        *default_org_accounts(),
        org_account(LEGACY, "legacy", ou_path="/Root/Legacy"),
        org_account(SANDBOX, "sandbox", ou_path="/Root/Sandbox"),
    ]
    return make_inventory(
        accounts=accounts,
        organization=make_org(org_accounts),
        identity_center=idc if idc is not None else identity_center(),  # type: ignore[arg-type]
    )


CONFIG = Config(
    readiness=ReadinessConfig(
        classes={"*:user/svc-*": "workload"},
        exceptions=[ReadinessException(user="ses-smtp", reason="SES SMTP credentials need an IAM user")],
    )
)


@pytest.fixture(scope="module")
def readiness() -> Readiness:
    return assess_readiness(organization(), CONFIG)


def by_user(readiness: Readiness) -> dict[str, object]:
    return {u.user_name: u for u in readiness.iam_users}


def verdicts(readiness: Readiness) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    return {
        a.account_name or a.account_id: (a.verdict, [(b.code, b.subject) for b in a.blockers])
        for a in readiness.accounts
    }


# ------------------------------------------------------------------------------------------- classes


def test_every_user_gets_its_class_and_the_evidence_for_it(readiness: Readiness) -> None:
    users = by_user(readiness)
    classes = {name: u.user_class for name, u in users.items()}  # type: ignore[attr-defined]
    assert classes == {
        "frank": "human",
        "bob@example.com": "human",
        "carol-iam": "human",
        "deploy-bot": "workload",
        "breakglass-admin": "break-glass",
        "old-intern": "stale",
        "svc-reporting": "workload",
        "alice": "human",
        "erin": "human",
        "dan": "human",
        "break-glass": "break-glass",
        "ses-smtp": "workload",
    }
    bob = users["bob@example.com"].evidence  # type: ignore[attr-defined]
    assert bob.console_password and bob.email == "bob@example.com" and bob.email_from == "user-name"
    assert "console password, last used 2025-05-29" in bob.reasons
    carol = users["carol-iam"].evidence  # type: ignore[attr-defined]
    assert (carol.email, carol.email_from) == ("carol@example.com", "tag")  # tag key matched ignoring case
    bot = users["deploy-bot"].evidence  # type: ignore[attr-defined]
    assert [k.access_key_id for k in bot.active_keys] == [key_id(1)]
    assert bot.active_keys[0].last_used_service == "s3"
    assert bot.reasons == ["active access key(s) and no console password; keys last used by s3", "user name deploy-bot"]
    assert users["old-intern"].evidence.used_within_unused_days is False  # type: ignore[attr-defined]
    assert users["old-intern"].evidence.reasons == ["no password or key use within 45 days"]  # type: ignore[attr-defined]
    assert users["breakglass-admin"].evidence.class_source == "break-glass"  # type: ignore[attr-defined]
    assert users["breakglass-admin"].evidence.reasons == ["matches readiness.break_glass '*break*glass*'"]  # type: ignore[attr-defined]
    assert users["svc-reporting"].evidence.class_source == "override"  # type: ignore[attr-defined]
    assert users["ses-smtp"].exception == "SES SMTP credentials need an IAM user"  # type: ignore[attr-defined]


def test_unknown_last_use_is_never_stale() -> None:
    """No credential report row and no recorded use: the user may be in daily use, so not stale."""
    inventory = make_inventory(
        accounts=[make_account(DEV, "dev", users=[make_user("ghost", DEV, password=True)])],
        identity_center=identity_center(),  # type: ignore[arg-type]
    )
    [ghost] = assess_readiness(inventory, Config()).iam_users
    assert ghost.user_class == "human"
    assert ghost.evidence.used_within_unused_days is None


def test_a_user_with_nothing_to_sign_in_with_is_stale() -> None:
    inventory = make_inventory(accounts=[make_account(DEV, "dev", users=[make_user("husk", DEV, password=False)])])
    [husk] = assess_readiness(inventory, Config()).iam_users
    assert husk.user_class == "stale"
    assert husk.evidence.reasons == ["no console password and no active access key"]


# ------------------------------------------------------------------------------------------- matching


def test_people_are_matched_by_email_name_tag_and_user_name(readiness: Readiness) -> None:
    users = by_user(readiness)
    found = {
        name: (u.match, u.matched_by, u.identity_center_user, u.candidates)  # type: ignore[attr-defined]
        for name, u in users.items()
        if u.user_class == "human"  # type: ignore[attr-defined]
    }
    assert found == {
        "frank": ("unmatched", None, None, []),
        "bob@example.com": ("matched", "email", "bob@example.com", ["bob@example.com"]),
        "carol-iam": ("matched", "tag", "carol", ["carol"]),
        "alice": ("matched", "user-name", "alice", ["alice"]),
        "erin": ("matched", "user-name", "erin", ["erin"]),
        "dan": ("ambiguous", "tag", None, ["dan.jones", "dan.smith"]),
    }
    assert users["deploy-bot"].match is None  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------- access


def test_access_levels_today_and_in_identity_center_and_gaps(readiness: Readiness) -> None:
    users = by_user(readiness)
    levels = {
        name: (u.iam_access, u.identity_center_access, u.access_gap)  # type: ignore[attr-defined]
        for name, u in users.items()
        if u.match == "matched"  # type: ignore[attr-defined]
    }
    assert levels == {
        "bob@example.com": ("administrator", "administrator", False),
        "carol-iam": ("read-only", "read-only", False),
        "alice": ("administrator", "administrator", False),  # through the IAM group and the IdC group
        "erin": ("other", "none", True),  # PowerUserAccess is privileged, but not administrator
    }


def test_access_map_per_identity_center_user_direct_and_through_groups(readiness: Readiness) -> None:
    access = {u.user_name: u for u in readiness.identity_center_users}
    alice = access["alice"]
    assert alice.groups == ["Admins"]
    assert [(g.account_id, g.permission_set, g.via, g.privileged, g.production) for g in alice.access] == [
        (MGMT, "AdministratorAccess", "group Admins", True, False),
        (PROD, "AdministratorAccess", "group Admins", True, True),
    ]
    assert [(g.account_id, g.permission_set, g.via, g.level) for g in access["bob@example.com"].access] == [
        (DEV, "AdministratorAccess", "direct", "administrator")
    ]
    assert {(g.account_id, g.level, g.privileged) for g in access["carol"].access} == {
        (DEV, "read-only", False),
        (PROD, "read-only", False),
        (SANDBOX, "read-only", False),
    }
    assert access["erin"].access == []


def test_who_can_reach_administrator_in_production(readiness: Readiness) -> None:
    assert [(p.user_name, p.account_id, p.permission_set, p.via) for p in readiness.production_administrators] == [
        ("alice", PROD, "AdministratorAccess", "group Admins")
    ]


# ------------------------------------------------------------------------------------------- verdicts


def test_each_account_verdict_and_every_blocker(readiness: Readiness) -> None:
    assert verdicts(readiness) == {
        "management": ("blocked", [("human-unmatched", f"arn:aws:iam::{MGMT}:user/frank"), ("no-break-glass", MGMT)]),
        "dev": ("ready", []),
        "prod": (
            "blocked",
            [("human-ambiguous", f"arn:aws:iam::{PROD}:user/dan"), ("access-gap", f"arn:aws:iam::{PROD}:user/erin")],
        ),
        "legacy": ("blocked", [("no-assignments", LEGACY)]),
        "sandbox": ("migrated", []),
    }
    prod = next(a for a in readiness.accounts if a.account_id == PROD)
    assert prod.is_production
    messages = [b.message for b in prod.blockers]
    assert messages == [
        "dan matches several Identity Center users: dan.jones, dan.smith",
        # PowerUserAccess, use unknown: everything it allows, and no permission set in prod
        "erin would lose in prod: 20,198 actions in 445 services, the most in ec2 (780), sagemaker (415), connect "
        "(362) (use unknown: compared on what IAM allows today)",
    ]


def test_workloads_are_their_own_track_with_a_replacement(readiness: Readiness) -> None:
    dev = next(a for a in readiness.accounts if a.account_id == DEV)
    assert [(w.user_name, w.active_keys, w.last_used_service, w.replacement) for w in dev.workloads] == [
        (
            "deploy-bot",
            [key_id(1)],
            "s3",
            "an IAM role the CI system assumes through OIDC (no stored key)",
        ),
        (
            "svc-reporting",
            [],
            None,
            "an instance profile or task role if it runs in AWS; IAM Roles Anywhere if it runs outside AWS",
        ),
    ]
    sandbox = next(a for a in readiness.accounts if a.account_id == SANDBOX)
    assert sandbox.workloads == []  # the declared exception is not a workload to replace


def test_organization_summary(readiness: Readiness) -> None:
    s = readiness.summary
    assert s.accounts_by_verdict == {"migrated": 1, "ready": 1, "needs-review": 0, "blocked": 3}
    assert s.users_by_class == {"human": 6, "workload": 3, "break-glass": 2, "stale": 1}
    assert (s.humans, s.humans_matched, s.humans_unmatched, s.humans_ambiguous, s.access_gaps) == (6, 4, 1, 1, 1)
    assert s.active_keys_left == 2
    assert s.blockers_by_code == {
        "identity-center-disabled": 0,
        "no-assignments": 1,
        "human-unmatched": 1,
        "human-ambiguous": 1,
        "access-gap": 1,
        "trusted-by-role": 0,
        "identity-center-user-disabled": 0,
        "no-break-glass": 1,
    }
    assert s.reviews_by_code == {
        "access-depends": 0,
        "policy-unknown": 0,
        "match-unconfirmed": 2,  # alice and erin, by bare user name
        "credentials-unknown": 0,
    }
    assert readiness.start_url == "https://d-1234567890.awsapps.com/start"


def test_identity_center_disabled_blocks_every_account() -> None:
    readiness = assess_readiness(organization(make_identity_center("not_enabled")), CONFIG)
    assert {a.account_id: [b.code for b in a.blockers] for a in readiness.accounts} == {
        **{account: ["identity-center-disabled"] for account in (DEV, PROD, LEGACY, SANDBOX)},
        MGMT: ["identity-center-disabled", "no-break-glass"],
    }
    assert all(u.match is None for u in readiness.iam_users)


def test_unknown_identity_center_or_assignments_give_no_verdict() -> None:
    unknown = assess_readiness(organization(make_identity_center("unknown")), CONFIG)
    assert unknown.accounts == []
    assert {a.reason for a in unknown.accounts_not_assessed} == {
        "Identity Center could not be read (see the coverage gaps)"
    }
    partial = assess_readiness(organization(identity_center(assignments_unreadable_accounts=[PROD])), CONFIG)
    assert [(a.account_id, a.reason) for a in partial.accounts_not_assessed] == [
        (PROD, "its Identity Center assignments could not be read (see the coverage gaps)")
    ]
    for missing, reason in [
        ("memberships", "the identity store's group memberships could not be read (see the coverage gaps)"),
        ("permission_sets", "the permission sets could not be read (see the coverage gaps)"),
    ]:
        unread = assess_readiness(organization(identity_center(**{missing: None})), CONFIG)
        assert unread.accounts == [] and {a.reason for a in unread.accounts_not_assessed} == {reason}
    no_users = make_inventory(accounts=[make_account(DEV, "dev")], identity_center=identity_center())  # type: ignore[arg-type]
    assert assess_readiness(no_users, CONFIG).accounts_not_assessed[0].reason == "its IAM users could not be read"


def test_a_declared_exception_does_not_block_or_count() -> None:
    config = Config(
        readiness=ReadinessConfig(
            exceptions=[ReadinessException(user="frank", reason="vendor login")],
            emergency_access={MGMT: "root user, FIDO keys in the safe"},
        )
    )
    readiness = assess_readiness(organization(), config)
    management = next(a for a in readiness.accounts if a.account_id == MGMT)
    assert (management.verdict, management.blockers, management.humans) == ("migrated", [], 0)


def test_ambiguity_within_the_email_step_is_not_resolved_by_user_name() -> None:
    """Two identity-store users share an e-mail; one of them has the IAM user's name: still ambiguous."""
    idc = identity_center(
        users=[
            IdentityStoreUser(user_id="u-1", user_name="dan", emails=["dan@example.com"]),
            IdentityStoreUser(user_id="u-2", user_name="daniel", emails=["DAN@example.com"]),
        ]
    )
    readiness = assess_readiness(organization(idc), CONFIG)
    dan = next(u for u in readiness.iam_users if u.user_name == "dan")
    assert (dan.match, dan.candidates) == ("ambiguous", ["dan", "daniel"])


# ----------------------------------------------------------------------------------------------- plan


@pytest.fixture(scope="module")
def plan_lines(readiness: Readiness) -> list[tuple[str | None, str, str, str | None]]:
    plan = build_plan(organization(), readiness)
    return [(s.account_name, f"{s.stage} {s.track}", s.action, s.command) for s in plan.steps]


def named_lines(command: str | None) -> str | None:
    """A step's command inside its account guard (tests/readiness/test_plan.py checks the guard), without the loops
    that delete what no inventory lists (signing certificates, MFA devices, SSH keys, service-specific
    credentials): the lines that name what the inventory knows."""
    if command is None:
        return None
    inner = [guard(line)[1] for line in command.splitlines()]
    return "\n".join(line for line in inner if not line.startswith("for "))


def test_plan_orders_accounts_so_nobody_is_locked_out(
    plan_lines: list[tuple[str | None, str, str, str | None]],
) -> None:
    order = list(dict.fromkeys(name for name, *_ in plan_lines))
    # ready first, then blocked, the management account (where IAM administrators can repair things) last
    assert order == ["dev", "legacy", "prod", "management"]


def switched_off(
    user: str, track: str = "people", *, keys: tuple[str, ...] = (), policies: tuple[str, ...] = ()
) -> list[tuple[str, str | None]]:
    """The stages of one IAM user's switch-off, each with its named lines."""
    deny = "--policy-arn arn:aws:iam::aws:policy/AWSDenyAll"
    watched = [f"aws iam get-access-key-last-used --access-key-id {key}" for key in keys]
    history = f"aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue={user}"
    deleted = [
        *(f"aws iam delete-access-key --user-name {user} --access-key-id {key}" for key in keys),
        *(f"aws iam detach-user-policy --user-name {user} --policy-arn arn:aws:iam::aws:policy/{p}" for p in policies),
        f"aws iam detach-user-policy --user-name {user} {deny}",
        f"aws iam delete-user --user-name {user}",
    ]
    deactivated = [
        f"aws iam update-access-key --user-name {user} --access-key-id {key} --status Inactive" for key in keys
    ]
    return [
        *((f"reversible {track}", line) for line in deactivated),
        (f"reversible {track}", f"aws iam attach-user-policy --user-name {user} {deny}"),
        (f"watch {track}", "\n".join([*watched, history])),
        (f"reversible {track}", f"aws iam delete-login-profile --user-name {user}"),
        (f"irreversible {track}", "\n".join(deleted)),
    ]


def test_plan_lines_for_a_ready_account(plan_lines: list[tuple[str | None, str, str, str | None]]) -> None:
    dev = [(stage, named_lines(command)) for name, stage, _, command in plan_lines if name == "dev"]
    sign_in = (
        "--merge ~/.aws/config\naws sso login --sso-session identity-center\naws sts get-caller-identity --profile"
    )
    assert dev == [
        ("verify people", f"auditor sso-config --user bob@example.com --from-inventory <inventory.json> {sign_in} "
         "dev-AdministratorAccess"),
        ("verify people", f"auditor sso-config --user carol --from-inventory <inventory.json> {sign_in} dev-ReadOnly"),
        ("verify people", "aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,"
         "AttributeValue=old-intern"),
        ("prepare people", ""),  # the resource policy search: three listing loops (named_lines leaves them out)
        *switched_off("bob@example.com", policies=("AdministratorAccess",)),
        *switched_off("carol-iam", policies=("ReadOnlyAccess",)),
        *switched_off("old-intern"),
        ("prepare workloads", None),  # move deploy-bot to OIDC
        *switched_off("deploy-bot", "workloads", keys=(key_id(1),)),
        ("prepare workloads", None),
        *switched_off("svc-reporting", "workloads"),
    ]  # fmt: skip
    actions = [action for name, _, action, _ in plan_lines if name == "dev"]
    assert actions[0] == (
        "bob@example.com signs in at https://d-1234567890.awsapps.com/start, opens dev and confirms they can do their "
        "work, then checks their own profile answers with their Identity Center role (AWSReservedSSO_...), before "
        "their IAM user is switched off"
    )
    assert any(a.startswith("Move deploy-bot to an IAM role the CI system assumes through OIDC") for a in actions)
    assert not any("breakglass-admin" in (command or "") for *_, command in plan_lines)


def test_plan_lines_for_blocked_accounts(plan_lines: list[tuple[str | None, str, str, str | None]]) -> None:
    prod = [(stage, action, named_lines(command)) for name, stage, action, command in plan_lines if name == "prod"]
    # alice and erin are matched by bare user name only: confirmed first, never switched off by this plan
    assert prod[0] == (
        "prepare identity-center",
        'Confirm that the IAM user alice is alice (matched by user name only): add "alice=alice" to confirmed under '
        "[readiness] in auditor.toml, or tag the IAM user with their e-mail, then run `auditor readiness` again. "
        "Until then it is not switched off",
        "aws iam tag-user --user-name alice --tags Key=email,Value=<their-e-mail>",
    )
    assert prod[1] == (
        "prepare identity-center",
        "Decide which Identity Center user is dan: dan.jones, dan.smith; tag the IAM user with that user's e-mail, "
        "then run `auditor readiness` again",
        "aws iam tag-user --user-name dan --tags Key=email,Value=<chosen-user-e-mail>",
    )
    # PowerUserAccess allows Identity Center's own administration (sso:*), so only a privileged set covers what erin
    # would lose: PowerUser, the one that allows the fewest actions, as she has today (not AdministratorAccess)
    assert prod[3] == (
        "prepare identity-center",
        "Give erin the permission set PowerUser in prod, for what erin would lose: 20,198 actions in 445 services, "
        "the most in ec2 (780), sagemaker (415), connect (362) (picked: the existing permission set that allows every "
        "lost action outright here and the fewest actions in all)",
        f"request=$(aws sso-admin create-account-assignment --instance-arn {INSTANCE_ARN} --target-id {PROD} "
        f"--target-type AWS_ACCOUNT --permission-set-arn {POWER.arn} --principal-type USER --principal-id u-erin "
        "--query 'AccountAssignmentCreationStatus.RequestId' --output text)\n"
        f"aws sso-admin describe-account-assignment-creation-status --instance-arn {INSTANCE_ARN} "
        '--account-assignment-creation-request-id "$request"',
    )
    assert len(prod) == 4  # nobody in prod is switched off yet: dan is ambiguous, alice and erin to confirm
    legacy = [(stage, command) for name, stage, _, command in plan_lines if name == "legacy"]
    assert legacy == [
        (
            "prepare identity-center",
            f"aws sso-admin create-account-assignment --instance-arn {INSTANCE_ARN} --target-id {LEGACY} "
            "--target-type AWS_ACCOUNT --permission-set-arn <permission-set-arn> --principal-type GROUP "
            "--principal-id <group-id>",
        )
    ]
    management = [(stage, action[:39]) for name, stage, action, _ in plan_lines if name == "management"]
    # no-break-glass: the break-glass user, its FIDO keys and its alarm come before anything else
    assert management == [
        ("prepare break-glass", "Create the break-glass user break-glass"),
        ("prepare break-glass", "Register two FIDO security keys as brea"),
        ("prepare break-glass", "Alarm on every use of break-glass: an E"),
        ("prepare identity-center", "Create frank's Identity Center user (or"),
    ]
    frank = [command for name, _, action, command in plan_lines if name == "management" and "frank" in action][0]
    assert frank == (
        "aws identitystore create-user --identity-store-id d-1234567890 --user-name frank --display-name "
        "'<Given Family>' --name GivenName='<Given>',FamilyName='<Family>' --emails Value=<e-mail>,Type=work,"
        "Primary=true"
    )


def test_plan_renders_as_markdown_and_csv(readiness: Readiness) -> None:
    plan = build_plan(organization(), readiness)
    markdown = render_markdown(plan)
    assert "## dev (222222222222): ready" in markdown
    assert "- blocker `access-gap`: erin would lose in prod: 20,198 actions in 445 services" in markdown
    assert "aws iam delete-login-profile --user-name old-intern )" in markdown
    assert "   Rollback:" in markdown
    rows = render_csv(plan).splitlines()
    assert rows[0] == "step,account_id,account_name,track,subject,action,command,note,stage,not_before,rollback,person"
    assert rows[1].startswith("1,222222222222,dev,people,arn:aws:iam::222222222222:user/bob@example.com,")


def test_plan_starts_by_enabling_identity_center_when_it_is_off() -> None:
    inventory = organization(make_identity_center("not_enabled"))
    plan = build_plan(inventory, assess_readiness(inventory, CONFIG))
    assert plan.steps[0].track == "organization"
    assert plan.steps[0].action.startswith("Enable IAM Identity Center")
    # no person is switched off while nobody can sign in through Identity Center; stale users can go
    switched_off = {s.subject.rsplit("/", 1)[-1] for s in plan.steps if s.action.startswith("Delete the IAM user")}
    assert switched_off == {"old-intern", "svc-reporting", "deploy-bot"}  # stale users and workloads


def test_the_stage_is_a_pure_function_of_inventory_and_config() -> None:
    """The stage is pure: the same inventory and config give the same section, twice."""
    assert assess_readiness(organization(), CONFIG) == assess_readiness(organization(), CONFIG)


# ------------------------------------------------------------------------------------------------ CLI


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    organization().save(path)
    return path


def test_readiness_of_an_inventory_that_read_no_account_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An AWS inventory with no account would give an empty plan that looks like "nothing to do"; like `scan`,
    the command says nothing was audited and exits 2 (the plan files are still written, and empty)."""
    empty = tmp_path / "inventory.json"
    make_inventory(accounts=[]).save(empty)
    assert main(["readiness", "--from-inventory", str(empty), "--output-dir", str(tmp_path / "out")]) == 2
    assert "no account was read" in capsys.readouterr().err


def test_readiness_command_writes_the_plan(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    config = tmp_path / "auditor.toml"
    config.write_text(
        '[readiness]\nclasses = { "*:user/svc-*" = "workload" }\n'
        '[[readiness.exceptions]]\nuser = "ses-smtp"\nreason = "SES SMTP credentials need an IAM user"\n'
    )
    args = ["--from-inventory", str(inventory_file), "--config", str(config), "--output-dir", str(out)]
    code = main(["readiness", *args])
    assert code == 0
    assert (out / "migration-plan.md").read_text().startswith("# Migration plan")
    with (out / "migration-plan.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["step"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert rows[-1]["account_name"] == "management"
    err = capsys.readouterr().err
    assert "accounts: 1 migrated, 1 ready, 0 needs-review, 3 blocked" in err
    assert "prod (333333333333): blocked: human-ambiguous, access-gap, match-unconfirmed\n" in err
    assert "sandbox (555555555555): migrated\n" in err


def test_every_scan_writes_the_readiness_section(inventory_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan"
    main(["scan", "--from-inventory", str(inventory_file), "--output-dir", str(out), "--format", "json"])
    document = json.loads((out / "findings.json").read_text())
    account = document["readiness"]["accounts"][0]
    assert set(account) >= {"account_id", "account_name", "verdict", "blockers"}
    user = document["readiness"]["iam_users"][0]
    assert set(user) >= {"account_id", "user_name", "arn", "class", "evidence", "identity_center_user"}
    assert FindingsDocument.load(out / "findings.json").readiness is not None


# --------------------------------------------------------------------------------------------- config


def test_readiness_config_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(
        '[readiness]\nbreak_glass = ["emergency-*"]\nemail_tag = "mail"\nclasses = { "ops-bot" = "workload" }\n'
        '[[readiness.exceptions]]\nuser = "ses-smtp"\nreason = "SES"\n'
    )
    config = load_config(path)
    assert config.readiness.break_glass == ["emergency-*"]
    assert config.readiness.classes == {"ops-bot": "workload"}
    for bad, key in [
        ('[readiness]\nclasses = { "x" = "robot" }\n', "readiness.classes.x"),
        ("[readiness]\nbreakglass = []\n", "readiness.breakglass"),
        ('[[readiness.exceptions]]\nuser = "x"\n', "readiness.exceptions.0.reason"),
        ('[readiness]\nbreak_glass = [""]\n', "readiness.break_glass"),
    ]:
        path.write_text(bad)
        with pytest.raises(InputError, match=re.escape(key)):
            load_config(path)


# ----------------------------------------------------------------------------------------------- HTML


@pytest.mark.slow  # launches headless Chromium
def test_html_section_renders_in_chromium_without_errors(tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("AUDITOR_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium not installed, and AUDITOR_REQUIRE_BROWSER=1")
        pytest.skip("chromium not installed: browser test skipped")
    document = findings_for(organization(), load_rules([BUILTIN_PACK]), CONFIG)
    path = tmp_path / "report.html"
    path.write_bytes(HtmlReporter().render(document))
    browser = Browser.launch(chromium)
    try:
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for("document.getElementById('findings').dataset.state === 'ready'")
        assert page.console_errors() == [] and page.exceptions == []
        rows = page.evaluate(
            "Array.from(document.querySelectorAll('#readiness-accounts tbody tr')).map(r => r.dataset.verdict)"
        )
        assert sorted(rows) == ["blocked", "blocked", "blocked", "migrated", "ready"]
        assert page.evaluate("document.getElementById('readiness-ready').textContent") == "1"
        assert page.evaluate("!!document.querySelector('nav a[href=\"#readiness\"]')")
        admins = page.evaluate("document.getElementById('readiness-prod-admins').textContent")
        assert "alice" in admins and "group Admins" in admins
        page.close()
    finally:
        browser.close()


def test_break_glass_users_are_kept_with_a_password_and_mfa_only() -> None:
    user = make_user("breakglass", DEV, password=True, mfa=False, keys=[make_key(7)])
    inventory = make_inventory(
        accounts=[make_account(DEV, "dev", users=[user])],
        identity_center=identity_center(),  # type: ignore[arg-type]
    )
    readiness = assess_readiness(inventory, Config())
    assert readiness.accounts[0].verdict == "migrated"  # break-glass users do not count
    steps = [(s.stage, s.action, named_lines(s.command)) for s in build_plan(inventory, readiness).steps]
    assert steps == [
        (
            "reversible",
            f"Keep breakglass for emergencies, with a console password only: deactivate its access key {key_id(7)}",
            f"aws iam update-access-key --user-name breakglass --access-key-id {key_id(7)} --status Inactive",
        ),
        (
            "irreversible",
            "Delete breakglass's access key(s): a break-glass user signs in with a password and MFA only",
            f"aws iam delete-access-key --user-name breakglass --access-key-id {key_id(7)}",
        ),
        (
            "prepare",
            "Register a FIDO security key as breakglass's MFA device (console: IAM > Users > breakglass > "
            "Security credentials > Assign MFA device), keep it in a safe",
            None,
        ),
    ]


def test_html_lists_every_person_those_who_block_first() -> None:
    """Matched and ready people are listed too (bob, carol), not only those who block (tests/reports/
    test_html_readiness.py has the rest of the section)."""
    document = findings_for(organization(), load_rules([BUILTIN_PACK]), CONFIG)
    html = HtmlReporter().render(document).decode()
    people = re.findall(r'<tbody class="person" data-person="([^"]*)" data-status="([^"]*)">', html)
    assert people == [
        ("dan@example.com", "blocks"),  # ambiguous
        ("erin", "blocks"),  # access gap
        ("frank", "blocks"),  # unmatched
        ("alice", "to review"),  # matched by bare user name
        ("old-intern", "stale"),
        ("bob@example.com", "ready"),
        ("carol", "ready"),
    ]


# ---------------------------------------------------------------------------------------------- merge


def test_merged_shards_carry_the_union_of_their_readiness(tmp_path: Path) -> None:
    """Two shards (one scan job per part of the organization) merge into the whole organization's section."""
    whole = organization()
    ruleset = load_rules([BUILTIN_PACK])
    paths = []
    for name, keep in (("a", {MGMT, DEV}), ("b", {PROD, LEGACY, SANDBOX})):
        shard = whole.model_copy(update={"accounts": [a for a in whole.accounts if a.account_id in keep]})
        idc = whole.identity_center
        assert idc is not None and idc.assignments is not None
        shard.identity_center = idc.model_copy(
            update={
                "assignments": [a for a in idc.assignments if a.account_id in keep],
                "assignments_listed_accounts": sorted(keep),
            }
        )
        path = tmp_path / f"{name}.json"
        findings_for(Inventory.model_validate(shard.model_dump()), ruleset, CONFIG).save(path)
        paths.append(path)
    out = tmp_path / "all.json"
    assert main(["merge", *map(str, paths), "-o", str(out)]) == 0
    merged = FindingsDocument.load(out).readiness
    expected = assess_readiness(whole, CONFIG)
    assert merged is not None
    assert verdicts(merged) == verdicts(expected)
    assert merged.summary == expected.summary
    assert [u.arn for u in merged.iam_users] == sorted(
        (u.arn for u in expected.iam_users), key=lambda arn: (arn.split(":")[4], arn.rsplit("/", 1)[-1])
    )
    alice = next(u for u in merged.identity_center_users if u.user_name == "alice")
    assert [g.account_id for g in alice.access] == [MGMT, PROD]  # one grant seen by each shard
    assert merged.production_administrators == expected.production_administrators
