"""Sources and credentials: ``--profile`` scans, and one clear line when the credentials are unusable.

Profiles are real ``~/.aws/config`` entries (written to a temporary ``AWS_CONFIG_FILE``): a static-key
profile for the management account and ``role_arn`` + ``source_profile`` profiles that botocore resolves
through moto's STS into member accounts. The organization is seeded once for the module and only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import ClientError
from conftest import AUDIT_ROLE, MANAGEMENT_ACCOUNT_ID, OrgWorld

from auditor.collect.credentials import client_credentials
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.collect.session import ClientFactory, profile_access
from auditor.errors import CredentialsError, ExitCode
from auditor.inventory import Inventory


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module_org_world: OrgWorld) -> Path:
    ids = module_org_world.account_ids
    config = tmp_path / "config"
    config.write_text(
        "[profile mgmt]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n"
        + "".join(
            f"[profile {name}]\nrole_arn = arn:aws:iam::{ids[account]}:role/{AUDIT_ROLE}\nsource_profile = mgmt\n\n"
            for name, account in (("dev", "dev"), ("dev-again", "dev"), ("prod", "prod"))
        )
        + "[profile corp-sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Audit\n\n"
        + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))  # an empty SSO token cache
    return config


def collect_profiles(*profiles: str, **options: Any) -> Inventory:
    return collect(CollectOptions(profiles=list(profiles), **options), sleep=lambda _: None)


# -------------------------------------------------------------------------------------------- profiles


def test_each_profile_collects_its_own_account_once(aws_config: Path, module_org_world: OrgWorld) -> None:
    ids = module_org_world.account_ids

    inventory = collect_profiles("mgmt", "dev", "dev-again")

    assert inventory.collection.sources == ["profile:mgmt", "profile:dev", "profile:dev-again"]
    assert inventory.collection.caller is not None
    assert inventory.collection.caller.account_id == MANAGEMENT_ACCOUNT_ID
    assert [(a.account_id, a.collected_via) for a in inventory.accounts] == sorted(
        [(MANAGEMENT_ACCOUNT_ID, "profile:mgmt"), (ids["dev"], "profile:dev")]
    )
    dev = inventory.account(ids["dev"])
    assert dev is not None and [u.user_name for u in dev.users or []] == ["dev-alice", "dev-ci"]
    assert dev.in_organization is True and dev.is_management is False
    management = inventory.account(MANAGEMENT_ACCOUNT_ID)
    assert management is not None and management.is_management
    assert inventory.organization is None
    # Identity Center is read from the management account, because one of the profiles reaches it
    assert inventory.identity_center is not None and inventory.identity_center.owner_account_id == MANAGEMENT_ACCOUNT_ID


def test_org_scan_driven_by_a_profile_reuses_it_for_its_account(aws_config: Path, module_org_world: OrgWorld) -> None:
    inventory = collect_profiles("mgmt", org=True)

    assert inventory.collection.sources == [f"org:{AUDIT_ROLE}", "profile:mgmt"]
    via = {a.account_id: a.collected_via for a in inventory.accounts}
    assert via.pop(MANAGEMENT_ACCOUNT_ID) == "profile:mgmt"
    assert set(via.values()) == {f"role:{AUDIT_ROLE}"} and len(via) == 3


def test_account_filters_apply_to_profile_scans(aws_config: Path, module_org_world: OrgWorld) -> None:
    inventory = collect_profiles("dev", "prod", exclude_accounts=[module_org_world.account_ids["dev"]])
    assert [a.account_id for a in inventory.accounts] == [module_org_world.account_ids["prod"]]


# ------------------------------------------------------------------------------------------ credentials


def assert_one_clear_line(error: pytest.ExceptionInfo[CredentialsError], expected: str) -> None:
    message = str(error.value)
    assert expected in message
    assert "\n" not in message
    assert error.value.exit_code == ExitCode.ERROR


def test_no_credentials_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CredentialsError) as error:
        collect(CollectOptions())
    assert_one_clear_line(error, "no AWS credentials found: set AWS_PROFILE or pass --profile")


def test_unknown_profile(aws_config: Path) -> None:
    with pytest.raises(CredentialsError) as error:
        collect_profiles("mgmt", "ghost")
    assert_one_clear_line(error, "profile 'ghost' not found in ~/.aws/config")


def test_unknown_profile_in_aws_profile(aws_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    with pytest.raises(CredentialsError) as error:
        collect(CollectOptions())
    assert_one_clear_line(error, "profile 'ghost' not found in ~/.aws/config")


def test_expired_or_missing_sso_login(aws_config: Path) -> None:
    with pytest.raises(CredentialsError) as error:
        collect_profiles("corp-sso")
    assert_one_clear_line(error, "the SSO session for profile 'corp-sso' has expired or was never started")
    assert str(error.value).endswith("run `aws sso login --profile corp-sso`")


def test_expired_token_on_get_caller_identity(module_org_world: OrgWorld) -> None:
    session = boto3.Session(region_name="us-east-1")

    def expired(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ExpiredToken", "Message": "token expired"}}, "GetCallerIdentity")

    session.events.register("before-call.sts.GetCallerIdentity", expired)
    with pytest.raises(CredentialsError) as error:
        collect(CollectOptions(), session)
    assert_one_clear_line(error, "the AWS credentials have expired: refresh them")


def test_rejected_credentials(module_org_world: OrgWorld) -> None:
    session = boto3.Session(region_name="us-east-1")

    def invalid(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InvalidClientTokenId", "Message": "bad key"}}, "GetCallerIdentity")

    session.events.register("before-call.sts.GetCallerIdentity", invalid)
    with pytest.raises(CredentialsError) as error:
        collect(CollectOptions(), session)
    assert_one_clear_line(error, "AWS rejected the credentials: InvalidClientTokenId: bad key")


# ---------------------------------------------------------------------------------------------- retries


def test_clients_retry_in_standard_mode_unless_the_user_configured_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    default_retries = ClientFactory(boto3.Session()).client("iam", "us-east-1").meta.config.retries
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    configured_retries = ClientFactory(boto3.Session()).client("iam", "us-east-1").meta.config.retries

    assert (default_retries["mode"], default_retries["total_max_attempts"]) == ("standard", 5)
    assert (configured_retries["mode"], configured_retries["total_max_attempts"]) == ("adaptive", 2)


def test_profile_credentials_stay_refreshable(aws_config: Path) -> None:
    """A role or SSO profile keeps botocore's own credentials object (not a frozen copy), so a scan longer than
    one session refreshes it through the profile's provider; every client of that account signs with it."""
    access = profile_access(ClientFactory(boto3.Session()), "dev", "us-east-1")

    assert isinstance(access.credentials, RefreshableCredentials)
    assert client_credentials(access.client("iam")) is access.credentials
    assert "Refreshable" not in repr(access)  # never printed: repr leaves the credentials out
