"""The credential report: CSV parsing against synthetic reports, and the generate/poll/fetch cycle.

moto's report has no ``<root_account>`` row and fixed timestamps, so the parser is tested against the
synthetic fixtures in ``tests/fixtures``; the polling is tested with botocore's ``Stubber`` (which checks
every request and response against the real IAM model) so that STARTED/INPROGRESS can be scripted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from conftest import FIXTURES

from auditor.collect.calls import CallContext, ErrorSink
from auditor.collect.credential_report import (
    MAX_TOTAL_WAIT_SECONDS,
    Sleep,
    finish_credential_report,
    parse_credential_report,
    start_credential_report,
)
from auditor.inventory import AccessKey, CredentialReport, CredentialReportKey
from auditor.inventory.facts import match_key_slots


def fetch_credential_report(ctx: CallContext, iam: Any, sleep: Sleep) -> CredentialReport | None:
    """Ask for the report and wait for it, as an account's collection does with other reads in between."""
    return finish_credential_report(ctx, iam, start_credential_report(ctx, iam), sleep)


HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
    "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def load_fixture(name: str) -> CredentialReport:
    return parse_credential_report((FIXTURES / name).read_bytes())


# -------------------------------------------------------------------------------------------- parsing


def test_legacy_account_root_row_has_an_active_key_and_recent_use() -> None:
    report = load_fixture("credential_report_synth_legacy_root.csv")

    root = report.root
    assert root is not None and root.is_root
    assert root.arn == "arn:aws:iam::111122223333:root"
    assert root.password_enabled is None  # not_supported: unknown, never False
    assert root.password_last_used == utc(2024, 3, 2, 10, 11, 12)
    assert root.password_last_changed is None and root.password_next_rotation is None
    assert root.mfa_active is False
    (key,) = root.active_keys
    assert (key.slot, key.last_rotated, key.last_used_date) == (1, utc(2020, 1, 1), utc(2024, 2, 1, 8))
    assert (key.last_used_region, key.last_used_service) == ("us-east-1", "ec2")


def test_user_rows_keep_sentinels_out_of_dates_and_fill_key_slots() -> None:
    report = load_fixture("credential_report_synth_legacy_root.csv")

    assert [row.user for row in report.rows] == ["<root_account>", "alice", "bob", "svc-ci"]
    bob = report.row_for("bob")
    assert bob is not None
    assert bob.password_enabled is True
    assert bob.password_last_used is None  # no_information
    assert bob.password_next_rotation is None  # N/A
    assert [(k.slot, k.active) for k in bob.access_keys] == [(1, True), (2, False)]
    never_used, rotated_away = bob.access_keys
    assert never_used.last_used_date is None and never_used.last_used_region is None
    assert rotated_away.last_rotated == utc(2021, 3, 3)
    assert (rotated_away.last_used_region, rotated_away.last_used_service) == ("us-east-1", "iam")

    svc_ci = report.row_for("svc-ci")
    assert svc_ci is not None
    assert svc_ci.password_enabled is False and svc_ci.password_last_used is None
    assert [k.slot for k in svc_ci.active_keys] == [1, 2]
    assert svc_ci.access_keys[0].last_used_region is None  # N/A region, known service
    assert svc_ci.access_keys[0].last_used_service == "s3"

    alice = report.row_for("alice")
    assert alice is not None and alice.mfa_active is True
    assert alice.certs == []  # empty certificate slots are not certificates


def test_member_account_without_root_credentials() -> None:
    report = load_fixture("credential_report_synth_member_no_root_creds.csv")

    (root,) = report.rows
    assert root.is_root
    assert root.password_enabled is False  # "false" in accounts created without root credentials
    assert root.password_last_used is None  # no_information
    assert root.access_keys == [] and root.active_keys == []


def test_booleans_are_case_insensitive_and_dates_are_utc() -> None:
    row = (
        "u,arn:aws:iam::1:user/u,2024-01-01T00:00:00Z,TRUE,2024-02-01T01:00:00-02:00,N/A,N/A,False,"
        + ",".join(["True", "2024-01-01T00:00:00+00:00", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A"])
        + ",FALSE,N/A,false,N/A"
    )

    (parsed,) = parse_credential_report(f"{HEADER}\n{row}\n").rows

    assert parsed.password_enabled is True and parsed.mfa_active is False
    assert parsed.user_creation_time == utc(2024, 1, 1)
    assert parsed.password_last_used == utc(2024, 2, 1, 3)  # -02:00 converted
    assert [k.active for k in parsed.access_keys] == [True]


def test_a_value_that_is_neither_data_nor_sentinel_is_refused() -> None:
    row = (
        "u,arn:aws:iam::1:user/u,yesterday,true,N/A,N/A,N/A,false"
        + ",false,N/A,N/A,N/A,N/A" * 2
        + ",false,N/A,false,N/A"
    )
    with pytest.raises(ValueError, match=r"user_creation_time.*'yesterday' is not a date"):
        parse_credential_report(f"{HEADER}\n{row}\n")


# -------------------------------------------------------------------------------------------- polling


@pytest.fixture
def stubbed_iam() -> tuple[object, Stubber]:
    iam = boto3.Session().client("iam", region_name="us-east-1")
    return iam, Stubber(iam)


def test_polls_with_growing_delays_until_complete(stubbed_iam: tuple[object, Stubber], no_sleep: list[float]) -> None:
    iam, stubber = stubbed_iam
    for state in ("STARTED", "INPROGRESS", "INPROGRESS", "COMPLETE"):
        stubber.add_response("generate_credential_report", {"State": state})
    generated = utc(2025, 5, 1, 12)
    stubber.add_response(
        "get_credential_report",
        {"Content": f"{HEADER}\n".encode(), "ReportFormat": "text/csv", "GeneratedTime": generated},
    )
    errors = ErrorSink()

    with stubber:
        report = fetch_credential_report(CallContext(errors, "111122223333"), iam, no_sleep.append)

    assert report is not None and report.rows == [] and report.generated_time == generated
    assert no_sleep == [1.0, 2.0, 4.0]
    assert errors.sorted() == []
    stubber.assert_no_pending_responses()


def test_gives_up_after_about_a_minute_and_records_why(
    stubbed_iam: tuple[object, Stubber], no_sleep: list[float]
) -> None:
    iam, stubber = stubbed_iam
    for _ in range(10):
        stubber.add_response("generate_credential_report", {"State": "INPROGRESS"})
    errors = ErrorSink()

    with stubber:
        report = fetch_credential_report(CallContext(errors, "111122223333"), iam, no_sleep.append)

    assert report is None
    assert sum(no_sleep) <= MAX_TOTAL_WAIT_SECONDS
    assert max(no_sleep) == 16.0
    (error,) = errors.sorted()
    assert (error.account_id, error.service, error.operation, error.error_code) == (
        "111122223333",
        "iam",
        "GenerateCredentialReport",
        "ReportNotReady",
    )


def test_a_refused_generation_is_an_error_entry_not_an_exception(
    stubbed_iam: tuple[object, Stubber], no_sleep: list[float]
) -> None:
    iam, stubber = stubbed_iam
    stubber.add_client_error(
        "generate_credential_report",
        service_error_code="LimitExceeded",
        service_message="slow down",
        http_status_code=409,
    )
    errors = ErrorSink()

    with stubber:
        assert fetch_credential_report(CallContext(errors, "111122223333"), iam, no_sleep.append) is None

    (error,) = errors.sorted()
    assert (error.error_code, error.message) == ("LimitExceeded", "slow down")
    assert no_sleep == []


# ------------------------------------------------------------------------------- keys <-> report slots


def test_listed_keys_take_the_slot_rotated_at_their_creation_second() -> None:
    """The report has no key ids; ListAccessKeys has no usage. They meet on creation time = last_rotated."""
    old_slot = CredentialReportKey(slot=1, active=False, last_rotated=utc(2021, 3, 3), last_used_service="iam")
    new_slot = CredentialReportKey(slot=2, active=True, last_rotated=utc(2024, 1, 15, 9, 5), last_used_service="sts")
    keys = [
        AccessKey(access_key_id="AKIAOLD", status="Inactive", create_date=datetime(2021, 3, 3, 0, 0, 0, 250_000, UTC)),
        AccessKey(access_key_id="AKIANEW", status="Active", create_date=datetime(2024, 1, 15, 9, 5, tzinfo=UTC)),
    ]

    assert match_key_slots(keys, [new_slot, old_slot]) == [old_slot, new_slot]
    # a key whose creation second matches no slot (clock skew, report older than the key) falls back to order
    skewed = [AccessKey(access_key_id="AKIAX", status="Active", create_date=utc(2021, 3, 3, 0, 0, 1)), keys[1]]
    assert match_key_slots(skewed, [old_slot, new_slot]) == [old_slot, new_slot]
    assert match_key_slots(keys, []) == [None, None]
