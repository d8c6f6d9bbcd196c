"""Time bounds, Ctrl-C and credential refresh of a scan, against the in-process moto organization.

Time is made to pass without waiting: the scan's clock (``auditor.collect.calls.monotonic_now``) is replaced by
a counter that a botocore hook advances, so "this account took 20 minutes" is deterministic and instant.
Expiring credentials are simulated with botocore hooks too: moto never expires the sessions it issues. So are
throttling, HTTP 500s and connection resets (``before-send`` hooks answer instead of moto), with botocore's
backoff recorded instead of slept.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from conftest import MANAGEMENT_ACCOUNT_ID, OrgWorld
from fake_clock import FakeClock

from auditor.collect.options import DEFAULT_ACCOUNT_TIMEOUT_SECONDS, CollectOptions
from auditor.collect.runner import ScanInterrupted, collect
from auditor.collect.session import CONNECT_TIMEOUT_SECONDS, DEFAULT_MAX_ATTEMPTS, READ_TIMEOUT_SECONDS, ClientFactory
from auditor.inventory import Inventory


def on_assume_role(session: boto3.Session, account_id: str, action: Any) -> None:
    """Run ``action()`` when the scan assumes the audit role in ``account_id``."""

    def hook(params: dict[str, Any], **_: Any) -> None:
        if account_id in str(params.get("body", "")):
            action()

    session.events.register("before-call.sts.AssumeRole", hook)


def gaps(inventory: Inventory, code: str) -> list[tuple[str | None, str]]:
    return sorted((e.account_id, e.operation) for e in inventory.errors if e.error_code == code)


def test_an_account_past_its_deadline_is_a_gap_and_the_others_complete(org_world: OrgWorld, clock: FakeClock) -> None:
    prod_id = org_world.account_ids["prod"]
    on_assume_role(org_world.session, prod_id, lambda: clock.advance(601))  # prod's role takes 10 minutes

    options = CollectOptions(org=True, account_timeout=600, concurrency=1)  # one at a time: one clock for all
    inventory = collect(options, org_world.session, sleep=lambda _: None)

    assert gaps(inventory, "AccountTimeout") == [(prod_id, "collect_account")]
    (gap,) = [e for e in inventory.errors if e.error_code == "AccountTimeout"]
    assert "--account-timeout (600 s)" in gap.message
    assert prod_id not in {a.account_id for a in inventory.accounts}
    others = {a.account_id for a in inventory.accounts}
    assert others == set(org_world.account_ids.values()) - {prod_id}
    dev = inventory.account(org_world.account_ids["dev"])
    assert dev is not None and [u.user_name for u in dev.users or []] == ["dev-alice", "dev-ci"]


def test_the_whole_scan_timeout_turns_what_is_left_into_gaps(org_world: OrgWorld, clock: FakeClock) -> None:
    dev_id = org_world.account_ids["dev"]
    on_assume_role(org_world.session, dev_id, lambda: clock.advance(3601))

    inventory = collect(CollectOptions(org=True, timeout=3600, concurrency=1), org_world.session, sleep=lambda _: None)

    timed_out = gaps(inventory, "ScanTimeout")
    assert (dev_id, "collect_account") in timed_out
    assert (MANAGEMENT_ACCOUNT_ID, "collect_identity_center") in timed_out  # the phase after the accounts
    assert all(
        a.account_id not in {account for account, _ in timed_out} or a.account_id == MANAGEMENT_ACCOUNT_ID
        for a in inventory.accounts
    )
    assert inventory.identity_center is None


def test_ctrl_c_cancels_queued_accounts_and_keeps_what_was_read(org_world: OrgWorld) -> None:
    """Ctrl-C arrives in the main thread while it waits for the accounts; simulated by raising it from progress."""
    seen: list[str] = []

    def progress(done: int, total: int, account_id: str) -> None:
        seen.append(account_id)
        raise KeyboardInterrupt

    with pytest.raises(ScanInterrupted) as raised:
        collect(CollectOptions(org=True, concurrency=1, progress=progress), org_world.session, sleep=lambda _: None)

    partial = raised.value.inventory
    assert [a.account_id for a in partial.accounts] == seen  # the one account finished before Ctrl-C
    not_read = {e.account_id for e in partial.errors if e.error_code == "Interrupted" and e.account_id}
    assert not_read == set(org_world.account_ids.values()) - set(seen)
    assert any(e.operation == "scan" and e.error_code == "Interrupted" for e in partial.errors)
    assert Inventory.model_validate_json(partial.dump_json()) == partial


def test_assumed_role_credentials_that_expire_mid_scan_are_re_assumed(org_world: OrgWorld) -> None:
    """The first session of each member expires within minutes: botocore refreshes it before the next call."""
    issued: list[str] = []

    def short_lived(parsed: dict[str, Any], **_: Any) -> None:
        issued.append(parsed["AssumedRoleUser"]["Arn"])
        if len(issued) <= 3:  # the first session of each member
            parsed["Credentials"]["Expiration"] = datetime.now(UTC) + timedelta(minutes=5)

    org_world.session.events.register("after-call.sts.AssumeRole", short_lived)

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert len(issued) == 6  # three members, each assumed again when its first session ran out
    assert not [e for e in inventory.errors if e.error_code in ("ExpiredToken", "AccountTimeout")]
    assert {a.account_id for a in inventory.accounts} == set(org_world.account_ids.values())
    for name in ("dev", "prod", "sandbox"):
        member = inventory.account(org_world.account_ids[name])
        assert member is not None and member.users is not None and member.credential_report is not None


def test_expired_token_forces_a_refresh_and_one_retry(org_world: OrgWorld) -> None:
    """AWS says ExpiredToken (a session revoked or a skewed clock): refresh, retry once, no gap."""
    assumed: list[str] = []
    refused: list[str] = []
    org_world.session.events.register("before-call.sts.AssumeRole", lambda **_: assumed.append("x"))

    def expire_once(request_signer: Any, **_: Any) -> None:
        credentials = request_signer._credentials
        if isinstance(credentials, RefreshableCredentials) and not refused:
            refused.append(credentials.access_key)
            raise ClientError({"Error": {"Code": "ExpiredToken", "Message": "expired by test"}}, "GetAccountSummary")

    org_world.session.events.register("before-call.iam.GetAccountSummary", expire_once)

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert len(refused) == 1
    assert len(assumed) == 4  # three members, one of them assumed again after the ExpiredToken
    assert not [e for e in inventory.errors if e.operation == "GetAccountSummary"]
    assert all(a.account_summary is not None for a in inventory.accounts)


def test_expired_static_credentials_are_a_gap_not_a_loop(org_world: OrgWorld) -> None:
    """The management account is read with the caller's static keys: nothing to refresh, so one gap."""
    seen: list[str] = []

    def expire_static(request_signer: Any, **_: Any) -> None:
        if not isinstance(request_signer._credentials, RefreshableCredentials):
            seen.append("x")
            raise ClientError({"Error": {"Code": "ExpiredToken", "Message": "expired by test"}}, "GetAccountSummary")

    org_world.session.events.register("before-call.iam.GetAccountSummary", expire_static)

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert seen == ["x"]
    assert [(e.account_id, e.error_code) for e in inventory.errors if e.operation == "GetAccountSummary"] == [
        (MANAGEMENT_ACCOUNT_ID, "ExpiredToken")
    ]


def test_client_timeouts_and_attempts_are_bounded(moto_session: boto3.Session) -> None:
    config = ClientFactory(moto_session)._config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS) == (5, 20)
    assert config.retries == {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    assert DEFAULT_MAX_ATTEMPTS * READ_TIMEOUT_SECONDS <= 100  # worst hung call, against 303 s before
    assert DEFAULT_ACCOUNT_TIMEOUT_SECONDS == 900


# ------------------------------------------------------------- faults that already worked, kept working


class _Raw:
    """Just enough of a urllib3 response for botocore to read an injected body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    b"</ErrorResponse>"
)


@pytest.fixture
def retry_delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff between attempts, recorded instead of slept."""
    delays: list[float] = []

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        def sleep(self, seconds: float) -> None:
            delays.append(seconds)

    monkeypatch.setattr(botocore.endpoint, "time", _Time())
    return delays


def inject(session: boto3.Session, event: str, failures: int, fail: Any) -> list[int]:
    """The first ``failures`` requests of ``event`` get ``fail(request)`` instead of reaching moto."""
    sent: list[int] = []

    def hook(request: Any, **_: Any) -> Any:
        sent.append(1)
        return fail(request) if len(sent) <= failures else None

    session.events.register(f"before-send.{event}", hook)
    return sent


def test_a_throttling_burst_is_retried_not_a_gap(org_world: OrgWorld, retry_delays: list[float]) -> None:
    sent = inject(org_world.session, "iam.GetAccountSummary", 3, lambda r: AWSResponse(r.url, 400, {}, _Raw(THROTTLED)))

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert len(sent) == 4 + 3 and len(retry_delays) == 3  # four accounts, three throttled attempts retried
    assert not [e for e in inventory.errors if e.operation == "GetAccountSummary"]
    assert all(a.account_summary is not None for a in inventory.accounts)


def test_connection_resets_are_retried(org_world: OrgWorld, retry_delays: list[float]) -> None:
    def reset(request: Any) -> None:
        raise ConnectionClosedError(endpoint_url=request.url)

    inject(org_world.session, "iam.GetAccountSummary", 2, reset)

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert len(retry_delays) == 2
    assert not [e for e in inventory.errors if e.operation == "GetAccountSummary"]


def test_a_persistent_500_is_a_gap_after_five_attempts_and_the_rest_is_read(
    org_world: OrgWorld, retry_delays: list[float]
) -> None:
    dev_id = org_world.account_ids["dev"]
    sent = inject(
        org_world.session, "iam.GetAccountSummary", 10_000, lambda r: AWSResponse(r.url, 500, {}, _Raw(b"<html/>"))
    )

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert len(sent) == 4 * DEFAULT_MAX_ATTEMPTS
    assert {e.account_id for e in inventory.errors if e.operation == "GetAccountSummary"} == set(
        org_world.account_ids.values()
    )
    dev = inventory.account(dev_id)
    assert (
        dev is not None
        and dev.account_summary is None
        and [u.user_name for u in dev.users or []]
        == [
            "dev-alice",
            "dev-ci",
        ]
    )


def test_a_silent_endpoint_costs_one_call_s_attempts_not_one_per_call(
    org_world: OrgWorld, retry_delays: list[float]
) -> None:
    """Was: one unresponsive account cost 1,205 s (every call waited out every attempt). Now the first call of an
    account that times out through all its attempts marks the endpoint; the account's other calls to it are
    gaps without being sent, and the other services are still read."""

    def silent(request: Any) -> None:
        raise ReadTimeoutError(endpoint_url=request.url)

    sent = inject(org_world.session, "iam", 10_000, silent)

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    accounts = len(org_world.account_ids)
    timed_out = [e for e in inventory.errors if e.error_code == "ReadTimeoutError"]
    # one timed-out call per account, plus the organization phase's iam:ListOrganizationsFeatures; nothing more
    assert len(timed_out) == accounts + 1 and len(sent) == (accounts + 1) * DEFAULT_MAX_ATTEMPTS
    iam_gaps = [e for e in inventory.errors if e.service == "iam"]
    skipped = [e for e in iam_gaps if e.error_code == "EndpointUnresponsive"]
    assert skipped and all("did not answer an earlier call" in e.message for e in skipped)
    assert {a.account_id for a in inventory.accounts} == set(org_world.account_ids.values())  # entered via STS
    assert inventory.organization is not None and len(inventory.organization.accounts) == accounts
