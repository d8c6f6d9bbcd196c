"""ROOT-001..004 on hand-made inventories."""

from __future__ import annotations

from factories import DEV, credential_report, days_ago, hits, make_account, make_inventory, report_key, root_row

from auditor.engine.config import Config
from auditor.rules.root import root_access_keys, root_used_recently, root_virtual_mfa, root_without_mfa

ROOT_ARN = f"arn:aws:iam::{DEV}:root"


def _inventory(**account_fields):
    return make_inventory(accounts=[make_account(DEV, "dev", **account_fields)])


# ---------------------------------------------------------------------------------------------- ROOT-001


def test_root_key_from_credential_report_row():
    row = root_row(keys=[report_key(1, last_rotated=days_ago(900), last_used=days_ago(3)), report_key(2, active=False)])
    [hit] = hits(root_access_keys, _inventory(credential_report=credential_report(row)))
    assert hit.account_id == DEV
    assert hit.resource_type == "AWS::IAM::Root"
    assert hit.resource_id == ROOT_ARN
    assert hit.message == "The root user of account dev (222222222222) has 1 active access key."
    assert hit.evidence["active_keys"] == [
        {
            "slot": 1,
            "last_rotated": days_ago(900).isoformat(),
            "last_used_date": days_ago(3).isoformat(),
            "last_used_service": None,
        }
    ]


def test_root_key_from_account_summary_alone():
    [hit] = hits(root_access_keys, _inventory(account_summary={"AccountAccessKeysPresent": 1, "AccountMFAEnabled": 1}))
    assert hit.evidence == {"active_keys": [], "account_access_keys_present": 1}
    assert "has access keys" in hit.message


def test_no_root_key_when_keys_inactive_and_summary_clear():
    row = root_row(keys=[report_key(1, active=False)])
    inventory = _inventory(credential_report=credential_report(row), account_summary={"AccountAccessKeysPresent": 0})
    assert hits(root_access_keys, inventory) == []


def test_root_key_rule_silent_on_unknown_data():
    assert hits(root_access_keys, _inventory()) == []
    assert hits(root_access_keys, _inventory(credential_report=credential_report())) == []  # no root row


# ---------------------------------------------------------------------------------------------- ROOT-002


def test_root_without_mfa_from_summary():
    [hit] = hits(root_without_mfa, _inventory(account_summary={"AccountMFAEnabled": 0, "AccountPasswordPresent": 1}))
    assert hit.resource_id == ROOT_ARN
    assert hit.message == "The root user of account dev (222222222222) has no MFA device."
    assert hit.evidence["account_mfa_enabled"] == 0
    assert hit.evidence["credential_report_mfa_active"] is None


def test_root_without_mfa_from_credential_report():
    [hit] = hits(root_without_mfa, _inventory(credential_report=credential_report(root_row(mfa=False))))
    assert hit.evidence["credential_report_mfa_active"] is False


def test_any_source_saying_no_mfa_is_enough():
    inventory = _inventory(
        credential_report=credential_report(root_row(mfa=True)), account_summary={"AccountMFAEnabled": 0}
    )
    assert len(hits(root_without_mfa, inventory)) == 1


def test_root_with_mfa_is_fine():
    inventory = _inventory(
        credential_report=credential_report(root_row(mfa=True)), account_summary={"AccountMFAEnabled": 1}
    )
    assert hits(root_without_mfa, inventory) == []


def test_root_mfa_unknown_does_not_fire():
    assert hits(root_without_mfa, _inventory()) == []
    assert hits(root_without_mfa, _inventory(account_summary={"Users": 3})) == []


def test_member_account_without_root_credentials_is_not_reported():
    # As in tests/fixtures/credential_report_synth_member_no_root_creds.csv: no password, no keys, no MFA.
    row = root_row(mfa=False, password_enabled=False, keys=[report_key(1, active=False)])
    assert hits(root_without_mfa, _inventory(credential_report=credential_report(row))) == []
    summary = {"AccountMFAEnabled": 0, "AccountPasswordPresent": 0, "AccountAccessKeysPresent": 0}
    assert hits(root_without_mfa, _inventory(account_summary=summary)) == []


# ---------------------------------------------------------------------------------------------- ROOT-003


def test_virtual_mfa_on_root():
    inventory = _inventory(root_virtual_mfa=True, account_summary={"AccountMFAEnabled": 1})
    [hit] = hits(root_virtual_mfa, inventory)
    assert hit.resource_id == ROOT_ARN
    assert "virtual MFA device" in hit.message and "dev (222222222222)" in hit.message
    assert hit.evidence == {"root_virtual_mfa": True, "account_mfa_enabled": 1, "credential_report_mfa_active": None}


def test_hardware_mfa_or_unknown_device_type_is_fine():
    assert hits(root_virtual_mfa, _inventory(root_virtual_mfa=False, account_summary={"AccountMFAEnabled": 1})) == []
    assert hits(root_virtual_mfa, _inventory(account_summary={"AccountMFAEnabled": 1})) == []


def test_virtual_mfa_not_reported_when_mfa_is_off():
    inventory = _inventory(root_virtual_mfa=True, account_summary={"AccountMFAEnabled": 0})
    assert hits(root_virtual_mfa, inventory) == []


# ---------------------------------------------------------------------------------------------- ROOT-004


def test_root_password_used_within_window():
    row = root_row(password_last_used=days_ago(89))
    [hit] = hits(root_used_recently, _inventory(credential_report=credential_report(row)))
    assert hit.resource_id == ROOT_ARN
    assert hit.message == "The root user of account dev (222222222222) was used 89 days ago (within the 90-day window)."
    assert hit.evidence["days_since_last_use"] == 89
    assert hit.evidence["root_usage_days"] == 90
    assert hit.evidence["recent_uses"] == [{"credential": "password", "last_used": days_ago(89).isoformat()}]


def test_root_use_outside_window_is_fine():
    row = root_row(password_last_used=days_ago(91), keys=[report_key(1, active=False, last_used=days_ago(200))])
    assert hits(root_used_recently, _inventory(credential_report=credential_report(row))) == []


def test_root_key_use_counts_and_threshold_is_configurable():
    row = root_row(password_last_used=days_ago(400), keys=[report_key(1, last_used=days_ago(20))])
    inventory = _inventory(credential_report=credential_report(row))
    [hit] = hits(root_used_recently, inventory)
    assert hit.evidence["recent_uses"] == [{"credential": "access key 1", "last_used": days_ago(20).isoformat()}]
    assert hit.evidence["access_keys_last_used"] == {"access_key_1": days_ago(20).isoformat()}
    assert hits(root_used_recently, inventory, Config.model_validate({"thresholds": {"root_usage_days": 10}})) == []


def test_root_never_used_or_unknown_does_not_fire():
    assert hits(root_used_recently, _inventory(credential_report=credential_report(root_row()))) == []
    assert hits(root_used_recently, _inventory()) == []
