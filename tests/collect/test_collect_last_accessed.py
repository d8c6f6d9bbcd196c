"""Each IAM user's services and actions used, from IAM's last-accessed jobs, against the moto organization.

moto implements neither ``GenerateServiceLastAccessedDetails`` nor ``GetServiceLastAccessedDetails``: both are
answered through ``before-call`` hooks on the base session with responses validated against the real output
shape (``tests/moto_answers.LastAccessedJobs``, which scripts what each user used, how long each job runs, and
pages a report by ``MaxItems`` and ``Marker`` as IAM does). Failures are injected with hooks too. Time passes
without waiting: the scan's clock is a counter that the injected ``sleep`` advances.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import OrgWorld
from fake_clock import FakeClock
from moto_answers import LastAccessedJobs, ServiceSpecificCredentials, refuse

import auditor.collect.calls
from auditor.collect.last_accessed import service_use
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.inventory import ActionUse, IamUser, Inventory, ServiceUse

USED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# What dev-alice used, as GetServiceLastAccessedDetails (ACTION_LEVEL) lists it: every service her policies
# allow, used or not, and in tracked services every tracked action, used or not.
ALICE_SERVICES: list[dict[str, Any]] = [
    {"ServiceName": "Amazon EC2", "ServiceNamespace": "ec2", "TotalAuthenticatedEntities": 0},  # allowed, unused
    {
        "ServiceName": "Amazon S3",
        "ServiceNamespace": "s3",
        "LastAuthenticated": USED,
        "LastAuthenticatedEntity": "arn:aws:iam::111111111111:user/dev-alice",
        "LastAuthenticatedRegion": "eu-west-1",
        "TotalAuthenticatedEntities": 1,
        "TrackedActionsLastAccessed": [
            {"ActionName": "PutObject"},  # tracked, never used
            {
                "ActionName": "GetObject",
                "LastAccessedEntity": "arn:aws:iam::111111111111:user/dev-alice",
                "LastAccessedTime": USED,
                "LastAccessedRegion": "eu-west-1",
            },
            {"ActionName": "ListAllMyBuckets", "LastAccessedTime": USED, "LastAccessedRegion": "us-east-1"},
        ],
    },
    {"ServiceName": "AWS Security Token Service", "ServiceNamespace": "sts", "LastAuthenticated": USED},
]


def scan(session: boto3.Session, **options: Any) -> Inventory:
    return collect(CollectOptions(org=True, **options), session, sleep=lambda _: None)


def users_of(inventory: Inventory, world: OrgWorld, account: str) -> dict[str, IamUser]:
    found = inventory.account(world.account_ids[account])
    assert found is not None and found.users is not None
    return {user.user_name: user for user in found.users}


def arn_of(world: OrgWorld, account: str, user_name: str) -> str:
    return f"arn:aws:iam::{world.account_ids[account]}:user/{user_name}"


def test_a_completed_job_becomes_the_services_and_actions_used(
    org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = LastAccessedJobs(services={arn_of(org_world, "dev", "dev-alice"): ALICE_SERVICES}).attach(org_world.session)
    monkeypatch.setattr(auditor.collect.calls, "PAGE_SIZE", 1)  # one service per page: three pages for alice

    inventory = scan(org_world.session)

    alice = users_of(inventory, org_world, "dev")["dev-alice"]
    assert alice.service_use == [
        ServiceUse(
            namespace="s3",
            last_accessed=USED,
            actions=[
                ActionUse(action="s3:GetObject", last_accessed=USED, region="eu-west-1"),
                ActionUse(action="s3:ListAllMyBuckets", last_accessed=USED, region="us-east-1"),
            ],
        ),
        ServiceUse(namespace="sts", last_accessed=USED, actions=None),  # IAM tracks no sts action: unknown which
    ]
    assert alice.service_use_tracked_since is None  # the response does not say where the window starts
    assert jobs.polled[arn_of(org_world, "dev", "dev-alice")] == 3  # every page read
    # a user whose job lists nothing used: known to have used nothing, not unknown
    assert users_of(inventory, org_world, "dev")["dev-ci"].service_use == []
    assert not [e for e in inventory.errors if e.operation.endswith("ServiceLastAccessedDetails")]
    assert Inventory.model_validate_json(inventory.dump_json()) == inventory


def test_only_users_holding_a_credential_are_asked_about(org_world: OrgWorld) -> None:
    sandbox = org_world.member_client("sandbox", "iam")
    sandbox.create_user(UserName="idle")  # no password, no key
    sandbox.create_user(UserName="retired")
    key = sandbox.create_access_key(UserName="retired")["AccessKey"]["AccessKeyId"]
    sandbox.update_access_key(UserName="retired", AccessKeyId=key, Status="Inactive")
    sandbox.create_user(UserName="console")
    sandbox.create_login_profile(UserName="console", Password="correct-horse-battery-1!")
    jobs = LastAccessedJobs().attach(org_world.session)

    inventory = scan(org_world.session)

    sandbox_users = users_of(inventory, org_world, "sandbox")
    assert {name: user.service_use for name, user in sandbox_users.items()} == {
        "console": [],
        "idle": None,
        "retired": None,
    }
    asked = sorted(arn.rsplit("/", 1)[-1] for arn in jobs.generated)
    # every other user of the organization holds a password or an active key
    assert asked == ["console", "dev-alice", "dev-ci", "mgmt-admin", "prod-breakglass"]


def test_a_job_still_running_past_the_account_timeout_is_a_gap_and_the_account_is_kept(
    org_world: OrgWorld, clock: FakeClock
) -> None:
    alice, ci = arn_of(org_world, "dev", "dev-alice"), arn_of(org_world, "dev", "dev-ci")
    jobs = LastAccessedJobs(polls_in_progress={alice: None}).attach(org_world.session)  # alice's never completes
    ServiceSpecificCredentials().attach(org_world.session)  # moto lacks it: answered, so the job is the only gap
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    options = CollectOptions(org=True, account_timeout=30, concurrency=1)  # one at a time: one clock for all
    inventory = collect(options, org_world.session, sleep=sleep)

    dev_id = org_world.account_ids["dev"]
    (gap,) = [e for e in inventory.errors if e.account_id == dev_id]
    assert (gap.service, gap.operation, gap.error_code) == ("iam", "GetServiceLastAccessedDetails", "JobNotComplete")
    assert gap.message == (
        "service last-accessed jobs still IN_PROGRESS after the account's --account-timeout (30 s): dev-alice"
    )
    dev_users = users_of(inventory, org_world, "dev")
    assert dev_users["dev-alice"].service_use is None  # unknown
    assert dev_users["dev-ci"].service_use == []  # its job was read: the budget spent on alice's does not lose it
    assert jobs.polled[ci] == 1
    # backoff as the credential report's, stopped before a wait would end past the account's deadline
    assert jobs.polled[alice] == 5 and sum(slept[-4:]) == 1 + 2 + 4 + 8
    dev = inventory.account(dev_id)
    assert dev is not None and dev.credential_report is not None and dev.roles  # the rest of the account is kept
    assert {a.account_id for a in inventory.accounts} == set(org_world.account_ids.values())


def test_a_job_that_never_completes_stops_at_the_polling_budget(org_world: OrgWorld, clock: FakeClock) -> None:
    alice = arn_of(org_world, "dev", "dev-alice")
    LastAccessedJobs(polls_in_progress={alice: None}).attach(org_world.session)

    options = CollectOptions(org=True, account_timeout=None, concurrency=1)
    inventory = collect(options, org_world.session, sleep=clock.advance)

    (gap,) = [e for e in inventory.errors if e.error_code == "JobNotComplete"]
    assert gap.message.endswith("after 47 s of polling: dev-alice")  # 1 + 2 + 4 + 8 + 16 + 16; the next would pass 60
    assert users_of(inventory, org_world, "dev")["dev-alice"].service_use is None


def test_a_denied_generate_is_one_gap_per_account_and_nothing_more_is_asked(org_world: OrgWorld) -> None:
    generated: list[str] = []
    org_world.session.events.register(
        "before-call.iam.GenerateServiceLastAccessedDetails",
        lambda params, **_: generated.append(params["body"]["Arn"]),
    )
    refuse(org_world.session, "iam", "GenerateServiceLastAccessedDetails")  # before the answers, which it overrides
    jobs = LastAccessedJobs().attach(org_world.session)

    inventory = scan(org_world.session)

    gaps = [e for e in inventory.errors if e.operation == "GenerateServiceLastAccessedDetails"]
    dev_id = org_world.account_ids["dev"]
    assert sorted(e.account_id for e in gaps) == sorted(
        org_world.account_ids[name]
        for name in ("management", "dev", "prod")  # sandbox has no user
    )
    (dev_gap,) = [e for e in gaps if e.account_id == dev_id]
    assert (dev_gap.error_code, dev_gap.message) == (
        "AccessDenied",
        "service last-accessed data of 2 of 2 IAM user(s) holding a credential not read: denied by test",
    )
    assert len(generated) == 3  # one refused request per account, then no more
    assert sum(jobs.polled.values()) == 0
    assert all(u.service_use is None for a in inventory.accounts for u in a.users or [])
    assert all(a.users for a in inventory.accounts if a.account_id != org_world.account_ids["sandbox"])


def test_a_user_gone_since_the_listing_is_that_users_gap_only(org_world: OrgWorld) -> None:
    alice = arn_of(org_world, "dev", "dev-alice")

    def alice_gone(params: dict[str, Any], **_: Any) -> None:
        if params["body"]["Arn"] == alice:
            raise ClientError(
                {"Error": {"Code": "NoSuchEntity", "Message": "The user with name dev-alice cannot be found."}},
                "GenerateServiceLastAccessedDetails",
            )

    org_world.session.events.register("before-call.iam.GenerateServiceLastAccessedDetails", alice_gone)
    LastAccessedJobs().attach(org_world.session)

    inventory = scan(org_world.session)

    (gap,) = [e for e in inventory.errors if e.operation == "GenerateServiceLastAccessedDetails"]
    assert (gap.account_id, gap.error_code) == (org_world.account_ids["dev"], "NoSuchEntity")
    dev_users = users_of(inventory, org_world, "dev")
    assert dev_users["dev-alice"].service_use is None and dev_users["dev-ci"].service_use == []


def test_a_denied_get_is_one_gap_for_the_jobs_left(org_world: OrgWorld) -> None:
    refuse(org_world.session, "iam", "GetServiceLastAccessedDetails")  # before the answers, which it overrides
    LastAccessedJobs().attach(org_world.session)
    ServiceSpecificCredentials().attach(org_world.session)  # moto lacks it: answered, so the job is the only gap

    inventory = scan(org_world.session)

    (dev_gap,) = [e for e in inventory.errors if e.account_id == org_world.account_ids["dev"]]
    assert (dev_gap.operation, dev_gap.error_code) == ("GetServiceLastAccessedDetails", "AccessDenied")
    assert dev_gap.message.startswith("service last-accessed data of 2 of 2 IAM user(s)")


def test_a_job_iam_failed_is_that_users_gap(org_world: OrgWorld) -> None:
    """A FAILED job (IAM's own error in the response) is recorded with IAM's code and message."""
    alice = arn_of(org_world, "dev", "dev-alice")
    error = {"Message": "internal error building the report", "Code": "ServiceFailure"}
    LastAccessedJobs(failed={alice: error}).attach(org_world.session)

    inventory = scan(org_world.session)

    (gap,) = [e for e in inventory.errors if e.operation == "GetServiceLastAccessedDetails"]
    assert (gap.account_id, gap.error_code, gap.message) == (
        org_world.account_ids["dev"],
        "ServiceFailure",
        "dev-alice: internal error building the report",
    )
    dev_users = users_of(inventory, org_world, "dev")
    assert dev_users["dev-alice"].service_use is None and dev_users["dev-ci"].service_use == []


def test_only_used_services_and_their_used_actions_are_kept() -> None:
    assert service_use([]) == []
    assert service_use([{"ServiceName": "IAM", "ServiceNamespace": "iam"}]) == []  # allowed, never used
    (s3,) = service_use(
        [
            {
                "ServiceName": "Amazon S3",
                "ServiceNamespace": "s3",
                "LastAuthenticated": USED,
                "TrackedActionsLastAccessed": [{"ActionName": "PutObject"}],
            }
        ]
    )
    assert s3.actions == []  # tracked, and none of the tracked actions used: the use was of an untracked one
