"""Each IAM user's SSH public keys, service-specific credentials and signing certificates, against the moto
organization (``auditor/collect/user_credentials.py``).

moto implements ``ListSSHPublicKeys`` and ``ListSigningCertificates`` (keys and certificates are uploaded with
ordinary boto3 calls), but neither ``ListServiceSpecificCredentials`` nor ``CreateServiceSpecificCredential``:
that list is answered through a ``before-call`` hook on the base session, validated against the real output
shape and paged by ``MaxItems`` and ``Marker`` as IAM pages it (``tests/moto_answers.ServiceSpecificCredentials``).
Failures are injected with hooks too (``refuse``, and a hook raising the error a throttled call ends with once
botocore's retries are spent); a test without the hook sees moto's own ``NotImplemented``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import OrgWorld, signing_certificate_pem
from moto_answers import ServiceSpecificCredentials, refuse, service_specific_credential

import auditor.collect.calls
from auditor.collect.calls import CallContext, ErrorSink
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.collect.user_credentials import read_user_credentials
from auditor.engine.config import Config
from auditor.inventory import IamUser, Inventory
from auditor.readiness.assess import assess_readiness

# A public key as `ssh-keygen -t ed25519` writes it: public, no secret.
SSH_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnN6Cw0gJxLw8Yf0C2xkFh5rE3i4j0R7bqGZ7c4Jm9T dev-alice@laptop"
OTHER_OPERATIONS = ("ListSSHPublicKeys", "ListServiceSpecificCredentials", "ListSigningCertificates")


def scan(session: boto3.Session) -> Inventory:
    return collect(CollectOptions(org=True), session, sleep=lambda _: None)


def users_of(inventory: Inventory, world: OrgWorld, account: str) -> dict[str, IamUser]:
    collected = inventory.account(world.account_ids[account])
    assert collected is not None and collected.users is not None
    return {user.user_name: user for user in collected.users}


class Asked:
    """Which user each of the three operations was sent for (a ``before-call`` recorder on the base session)."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        for operation in OTHER_OPERATIONS:
            session.events.register(f"before-call.iam.{operation}", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[(model.name, str(params["body"].get("UserName")))] += 1

    def users(self, operation: str) -> list[str]:
        return sorted(user for (op, user), count in self.calls.items() if op == operation for _ in range(count))


def test_each_users_keys_credentials_and_certificates_are_collected(
    org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every list read, paged one item at a time (``PAGE_SIZE``): ``ListServiceSpecificCredentials`` has no
    paginator in botocore's model, and its ``Marker`` is followed all the same."""
    monkeypatch.setattr(auditor.collect.calls, "PAGE_SIZE", 1)
    dev_iam = org_world.member_client("dev", "iam")
    key_id = dev_iam.upload_ssh_public_key(UserName="dev-alice", SSHPublicKeyBody=SSH_PUBLIC_KEY)["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    dev_iam.update_ssh_public_key(UserName="dev-alice", SSHPublicKeyId=key_id, Status="Inactive")
    second_key = dev_iam.upload_ssh_public_key(UserName="dev-alice", SSHPublicKeyBody=SSH_PUBLIC_KEY + "2")
    certificate_id = dev_iam.upload_signing_certificate(UserName="dev-ci", CertificateBody=signing_certificate_pem())[
        "Certificate"
    ]["CertificateId"]
    expired = datetime(2026, 2, 1, tzinfo=UTC)
    held = ServiceSpecificCredentials(
        held={
            "dev-alice": [
                service_specific_credential("dev-alice", "codecommit.amazonaws.com", number=1),
                service_specific_credential("dev-alice", "bedrock.amazonaws.com", number=2, expires=expired),
                service_specific_credential("dev-alice", "cassandra.amazonaws.com", number=3, status="Inactive"),
            ]
        }
    ).attach(org_world.session)

    inventory = scan(org_world.session)

    dev = users_of(inventory, org_world, "dev")
    alice, ci = dev["dev-alice"], dev["dev-ci"]
    assert alice.ssh_public_keys is not None
    assert sorted((k.ssh_public_key_id, k.status) for k in alice.ssh_public_keys) == sorted(
        [(key_id, "Inactive"), (second_key["SSHPublicKey"]["SSHPublicKeyId"], "Active")]
    )
    assert all(k.upload_date is not None and k.upload_date.tzinfo is not None for k in alice.ssh_public_keys)
    assert alice.service_specific_credentials is not None
    assert [
        (c.service_specific_credential_id, c.service_name, c.status, c.service_user_name, c.expiration_date)
        for c in alice.service_specific_credentials
    ] == [  # all three pages, sorted by id
        ("ACCA00000000000000001", "codecommit.amazonaws.com", "Active", "dev-alice-at-000000000001", None),
        ("ACCA00000000000000002", "bedrock.amazonaws.com", "Active", "dev-alice-at-000000000002", expired),
        ("ACCA00000000000000003", "cassandra.amazonaws.com", "Inactive", "dev-alice-at-000000000003", None),
    ]
    assert alice.signing_certificates == []
    assert ci.ssh_public_keys == [] and ci.service_specific_credentials == []
    assert ci.signing_certificates is not None
    assert [(c.certificate_id, c.status) for c in ci.signing_certificates] == [(certificate_id, "Active")]
    assert held.asked.count("dev-alice") == 3  # one request per page
    # every user of every account read, none unknown, no gap
    for account in inventory.accounts:
        for user in account.users or []:
            assert None not in (user.ssh_public_keys, user.service_specific_credentials, user.signing_certificates)
    assert [e for e in inventory.errors if e.operation in OTHER_OPERATIONS] == []

    # what readiness makes of it: the active key, the working CodeCommit login, the certificate; the expired
    # Bedrock key and the inactive ones do not count
    readiness = assess_readiness(inventory, Config())
    records = {u.user_name: u for u in readiness.iam_users}
    other = records["dev-alice"].evidence.other_credentials
    assert other is not None
    assert (other.ssh_public_keys, other.service_specific_credentials, other.signing_certificates) == (
        1,
        ["codecommit.amazonaws.com"],
        0,
    )
    assert records["dev-ci"].evidence.other_credentials is not None
    assert records["dev-ci"].evidence.other_credentials.signing_certificates == 1


def test_certificates_are_listed_only_for_users_whose_report_row_shows_one(org_world: OrgWorld) -> None:
    """The credential report has both of a user's certificate slots: a row showing none means none, without a
    call. SSH keys and service-specific credentials appear in neither the report nor the authorization
    details: one call per user each."""
    dev_iam = org_world.member_client("dev", "iam")
    dev_iam.upload_signing_certificate(UserName="dev-ci", CertificateBody=signing_certificate_pem())
    asked = Asked(org_world.session)  # first: a hook that answers ends the event for the hooks after it
    ServiceSpecificCredentials().attach(org_world.session)

    inventory = scan(org_world.session)

    every_user = sorted(u.user_name for a in inventory.accounts for u in a.users or [])
    assert every_user == ["dev-alice", "dev-ci", "mgmt-admin", "prod-breakglass"]
    assert asked.users("ListSSHPublicKeys") == every_user
    assert asked.users("ListServiceSpecificCredentials") == every_user
    assert asked.users("ListSigningCertificates") == ["dev-ci"]
    assert all(u.signing_certificates is not None for a in inventory.accounts for u in a.users or [])


@pytest.mark.parametrize("code", ["AccessDenied", "Throttling"])
def test_a_failed_listing_leaves_that_list_unknown_with_one_gap_per_account(org_world: OrgWorld, code: str) -> None:
    """Denied, or throttled past botocore's retries (the error a hook raises is the one botocore ends with): that
    list is ``None`` for every user of the account, one entry says how many users were not read, the account stops
    asking, and the other lists, the users and their keys are still collected."""
    asked = Asked(org_world.session)  # first: a hook that answers ends the event for the hooks after it
    ServiceSpecificCredentials().attach(org_world.session)

    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": f"{code} by test"}}, "ListSSHPublicKeys")

    org_world.session.events.register("before-call.iam.ListSSHPublicKeys", fail)

    inventory = scan(org_world.session)

    dev = users_of(inventory, org_world, "dev")
    assert sorted(dev) == ["dev-alice", "dev-ci"]
    assert len(dev["dev-ci"].access_keys) == 2  # what was read before is kept
    assert all(u.ssh_public_keys is None for u in dev.values())
    assert all(u.service_specific_credentials == [] and u.signing_certificates == [] for u in dev.values())
    gaps = [e for e in inventory.errors if e.operation == "ListSSHPublicKeys"]
    by_account = {e.account_id: e for e in gaps}
    assert len(gaps) == len(by_account) == 3  # management, dev, prod: one each; sandbox has no user
    dev_gap = by_account[org_world.account_ids["dev"]]
    assert (dev_gap.service, dev_gap.error_code) == ("iam", code)
    assert dev_gap.message == f"SSH public keys of 2 of 2 IAM user(s) not read: {code} by test"
    assert asked.users("ListSSHPublicKeys") == ["dev-alice", "mgmt-admin", "prod-breakglass"]  # first user only
    assert sorted(asked.users("ListServiceSpecificCredentials")) == [
        "dev-alice",
        "dev-ci",
        "mgmt-admin",
        "prod-breakglass",
    ]

    # readiness cannot tell the users hold nothing else: unknown, never "none"
    readiness = assess_readiness(inventory, Config())
    assert all(u.evidence.other_credentials is None for u in readiness.iam_users)
    dev_account = next(a for a in readiness.accounts if a.account_id == org_world.account_ids["dev"])
    assert "credentials-unknown" in [r.code for r in dev_account.reviews]


def test_refused_certificates_and_a_deleted_user(org_world: OrgWorld) -> None:
    """``refuse`` (AccessDenied) on certificates: one gap for the account. A user gone between the listing and
    the call (``NoSuchEntity``) is that user's gap alone: the account keeps asking about the others."""
    dev_iam = org_world.member_client("dev", "iam")
    dev_iam.upload_signing_certificate(UserName="dev-ci", CertificateBody=signing_certificate_pem())
    ServiceSpecificCredentials(missing=frozenset({"dev-alice"})).attach(org_world.session)
    refuse(org_world.session, "iam", "ListSigningCertificates")

    inventory = scan(org_world.session)

    dev = users_of(inventory, org_world, "dev")
    assert dev["dev-ci"].signing_certificates is None  # refused
    assert dev["dev-alice"].signing_certificates == []  # the report shows none: nothing to ask
    assert dev["dev-alice"].service_specific_credentials is None  # gone
    assert dev["dev-ci"].service_specific_credentials == []  # still asked
    errors = sorted(
        (e.operation, e.error_code)
        for e in inventory.errors
        if e.account_id == org_world.account_ids["dev"] and e.operation in OTHER_OPERATIONS
    )
    assert errors == [("ListServiceSpecificCredentials", "NoSuchEntity"), ("ListSigningCertificates", "AccessDenied")]


def test_an_operation_moto_lacks_is_one_not_implemented_gap_per_account(org_world: OrgWorld) -> None:
    inventory = scan(org_world.session)  # no answer for ListServiceSpecificCredentials: moto's own error

    gaps = [e for e in inventory.errors if e.operation == "ListServiceSpecificCredentials"]
    assert sorted(e.account_id or "" for e in gaps) == sorted(
        org_world.account_ids[name] for name in ("management", "dev", "prod")
    )
    assert {e.error_code for e in gaps} == {"NotImplemented"}
    dev = users_of(inventory, org_world, "dev")
    assert all(u.service_specific_credentials is None and u.ssh_public_keys == [] for u in dev.values())


def test_a_scan_stopped_midway_keeps_what_was_read(org_world: OrgWorld) -> None:
    """Ctrl-C (or a deadline) after the first user's SSH keys: that list stays, the rest is unknown, one entry."""
    users = users_of(scan(org_world.session), org_world, "dev")
    ctx = CallContext(ErrorSink(), org_world.account_ids["dev"])

    def stop_after_first(**_: Any) -> None:
        ctx.control.cancel()  # the next call checks the scan's limits first and is not sent

    dev_session = org_world.member_session("dev")
    dev_session.events.register("after-call.iam.ListSSHPublicKeys", stop_after_first)
    iam = dev_session.client("iam")  # after the hook: a client copies its session's hooks when it is made

    found = read_user_credentials(ctx, iam, [users["dev-alice"], users["dev-ci"]], report=None)

    assert found["dev-alice"].ssh_public_keys == []
    assert found["dev-alice"].service_specific_credentials is None
    assert found["dev-ci"].ssh_public_keys is None
    [gap] = ctx.errors.sorted()
    assert (gap.operation, gap.error_code) == ("ListServiceSpecificCredentials", "Interrupted")
    assert gap.message.startswith("credentials besides passwords and access keys of 2 of 2 IAM user(s) not read")
