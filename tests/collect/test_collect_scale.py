"""What keeps a large organization's scan short: the credential report is asked for early, clients are reused,
timestamps are parsed cheaply. Speed itself is measured in ``bench/org_scale.py``, never here.

The polling tests use botocore's ``Stubber`` (moto answers STARTED once, then COMPLETE, and cannot be told to
take its time); the scan-order tests run against moto in-process.
"""

from __future__ import annotations

import gc
import threading
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from botocore.utils import parse_timestamp
from conftest import OrgWorld
from fake_clock import FakeClock

from auditor.collect.calls import CallContext, ErrorSink
from auditor.collect.credential_report import (
    ReportGeneration,
    finish_credential_report,
    start_credential_report,
)
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.collect.session import ClientFactory
from auditor.collect.timestamps import fast_parse_timestamp

HEADER = "user,arn,user_creation_time,password_enabled,mfa_active"


@pytest.fixture
def stubbed_iam() -> tuple[Any, Stubber]:
    iam = boto3.Session().client("iam", region_name="us-east-1")
    return iam, Stubber(iam)


def empty_report() -> dict[str, Any]:
    return {"Content": f"{HEADER}\n".encode(), "ReportFormat": "text/csv", "GeneratedTime": datetime(2025, 5, 1)}


# ------------------------------------------------------------------------------- the credential report


def test_a_report_asked_for_long_ago_is_read_without_waiting(
    stubbed_iam: tuple[Any, Stubber], clock: FakeClock, no_sleep: list[float]
) -> None:
    iam, stubber = stubbed_iam
    stubber.add_response("generate_credential_report", {"State": "STARTED"})
    stubber.add_response("generate_credential_report", {"State": "COMPLETE"})
    stubber.add_response("get_credential_report", empty_report())
    ctx = CallContext(ErrorSink(), "111122223333")
    clock.now = 5000.0

    with stubber:
        generation = start_credential_report(ctx, iam)
        clock.now += 30  # the other reads of the account (or of other accounts) took this long
        report = finish_credential_report(ctx, iam, generation, no_sleep.append)

    assert generation == ReportGeneration(state="STARTED", asked_at=5000.0)
    assert report is not None and report.rows == []
    assert no_sleep == []  # asked again at once: the first poll delay (1 s) has long passed
    stubber.assert_no_pending_responses()


def test_the_first_wait_is_shortened_by_the_time_already_spent(
    stubbed_iam: tuple[Any, Stubber], clock: FakeClock, no_sleep: list[float]
) -> None:
    iam, stubber = stubbed_iam
    for state in ("STARTED", "INPROGRESS", "COMPLETE"):
        stubber.add_response("generate_credential_report", {"State": state})
    stubber.add_response("get_credential_report", empty_report())
    ctx = CallContext(ErrorSink(), "111122223333")

    with stubber:
        generation = start_credential_report(ctx, iam)
        clock.now += 0.25
        finish_credential_report(ctx, iam, generation, no_sleep.append)

    assert no_sleep == [0.75, 2.0]  # 1 s after asking (0.25 s already spent), then the backoff as before


def test_a_complete_report_is_not_asked_for_again(stubbed_iam: tuple[Any, Stubber], no_sleep: list[float]) -> None:
    iam, stubber = stubbed_iam
    stubber.add_response("get_credential_report", empty_report())
    ctx = CallContext(ErrorSink(), "111122223333")

    with stubber:
        report = finish_credential_report(ctx, iam, ReportGeneration("COMPLETE", 0.0), no_sleep.append)

    assert report is not None and no_sleep == []
    stubber.assert_no_pending_responses()


def test_an_org_scan_asks_every_account_for_its_report_before_reading_any(org_world: OrgWorld) -> None:
    """With one worker the order is exact: every AssumeRole + GenerateCredentialReport, then the reads."""
    calls: list[str] = []
    lock = threading.Lock()

    def record(model: Any, **_: Any) -> None:
        with lock:
            calls.append(model.name)

    org_world.session.events.register("before-call.*.*", record)
    inventory = collect(CollectOptions(org=True, concurrency=1), org_world.session, sleep=lambda _: None)

    accounts = len(org_world.account_ids)
    assert len(inventory.accounts) == accounts
    first_read = calls.index("GetAccountSummary")
    assert calls[:first_read].count("GenerateCredentialReport") == accounts
    assert calls[:first_read].count("AssumeRole") == accounts - 1  # the management account is not assumed
    assert calls.count("GetCredentialReport") == accounts
    assert all(account.credential_report is not None for account in inventory.accounts)


def test_account_timeout_does_not_count_the_time_an_entered_account_waits_in_the_queue(
    org_world: OrgWorld, clock: FakeClock
) -> None:
    """Accounts are entered first and read later: the queue between is nobody's fault, so it is not charged."""
    advanced: list[bool] = []

    def slow_listing(**_: Any) -> None:
        if not advanced:  # the first account read takes 10 minutes; the others are read after it
            advanced.append(True)
            clock.now += 601

    org_world.session.events.register("before-call.iam.GetAccountSummary", slow_listing)
    inventory = collect(
        CollectOptions(org=True, account_timeout=600, concurrency=1), org_world.session, sleep=lambda _: None
    )

    timed_out = [e.account_id for e in inventory.errors if e.error_code == "AccountTimeout"]
    assert len(timed_out) == 1  # only the slow one
    assert len(inventory.accounts) == len(org_world.account_ids) - 1


# --------------------------------------------------------------------------------------------- clients


def test_clients_are_reused_per_service_region_and_credentials(moto_session: boto3.Session) -> None:
    factory = ClientFactory(moto_session, max_pool_connections=32)
    iam = factory.client("iam", "us-east-1")

    assert factory.client("iam", "us-east-1") is iam
    assert factory.client("sts", "us-east-1") is not iam
    assert factory.client("iam", "eu-west-1") is not iam
    credentials = moto_session.get_credentials()
    assert credentials is not None
    own = factory.client("iam", "us-east-1", credentials)
    assert own is not iam and factory.client("iam", "us-east-1", credentials) is own
    assert iam.meta.config.max_pool_connections == 32  # the driver's clients serve every worker at once


def test_a_member_accounts_clients_are_let_go_once_it_is_read(
    org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each client holds its connection pool and a few hundred KB: 100 accounts' clients were 40 MB kept to the
    end of the scan. The driver's own clients (organization, Identity Center, AssumeRole) stay."""
    created: list[tuple[bool, weakref.ref[Any]]] = []
    create = ClientFactory._create

    def recording_create(self: ClientFactory, service: str, region: str, credentials: Any, frozen: Any) -> Any:
        client = create(self, service, region, credentials, frozen)
        created.append((credentials is not None, weakref.ref(client)))
        return client

    alive_when_all_read: list[int] = []

    def progress(done: int, total: int, _: str) -> None:  # called once each account is read, the last one too
        if done == total:  # still inside the scan: its factory and the driver's clients are alive
            gc.collect()
            alive_when_all_read.append(sum(1 for assumed, ref in created if assumed and ref() is not None))

    monkeypatch.setattr(ClientFactory, "_create", recording_create)
    options = CollectOptions(org=True, concurrency=2, progress=progress)
    inventory = collect(options, org_world.session, sleep=lambda _: None)

    assert len(inventory.accounts) == len(org_world.account_ids)
    assert sum(1 for assumed, _ in created if assumed) >= len(org_world.account_ids) - 1  # IAM per assumed account
    assert any(not assumed for assumed, _ in created)  # the driver's
    assert alive_when_all_read == [0]


# ------------------------------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-02T10:11:12Z",
        "2024-03-02T10:11:12.123456Z",
        "2024-03-02T10:11:12+00:00",
        "2024-03-02T10:11:12.5+02:00",
        "2024-03-02T10:11:12",
        "2024-03-02",
        "Sat, 02 Mar 2024 10:11:12 GMT",
        "1709374272",
        1709374272,
        1709374272.25,
    ],
)
def test_fast_timestamps_equal_botocores(text: Any) -> None:
    fast, slow = fast_parse_timestamp(text), parse_timestamp(text)

    assert fast == slow
    assert (fast.tzinfo is None) == (slow.tzinfo is None)
    if fast.tzinfo is not None:
        assert fast.utcoffset() == slow.utcoffset()


def test_collected_timestamps_are_utc_aware(moto_session: boto3.Session) -> None:
    iam = moto_session.client("iam", region_name="us-east-1")
    iam.create_user(UserName="ana")
    factory = ClientFactory(moto_session)

    created = factory.client("iam", "us-east-1").get_user(UserName="ana")["User"]["CreateDate"]

    assert created.utcoffset() == timedelta(0)
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=5)
