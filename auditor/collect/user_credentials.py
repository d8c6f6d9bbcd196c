"""Each IAM user's credentials besides the password and access keys: SSH public keys, service-specific
credentials, signing certificates.

Why they are read: a user holding only one of them is not idle. An SSH public key is a person's git access to
CodeCommit; a service-specific credential is a CodeCommit HTTPS, Amazon Keyspaces or Bedrock login; a signing
certificate serves SOAP and legacy tools. None of them shows as a password or an access key, and each makes
``DeleteUser`` fail (``DeleteConflict``), so the readiness stage must know them before it calls a user stale or
plans its deletion (``auditor/readiness/classify.py``, ``other_credentials``: a list not read is
"credentials-unknown", never "none").

What can be skipped, and what cannot (the call budget, ``tests/collect/test_call_budget.py``):

* Signing certificates: the credential report has both of a user's certificate slots (IAM allows two), so a user
  whose report row shows none holds none, and ``ListSigningCertificates`` is sent only for users whose row shows
  one (active or not) and for users without a row (created after the report, or no report): the rule the access
  keys follow (``auditor/collect/iam.py``), with the same limit (the report can be up to 4 hours old).
* SSH public keys: neither the credential report nor ``GetAccountAuthorizationDetails`` says anything about them,
  so ``ListSSHPublicKeys`` is one call per user.
* Service-specific credentials: not in the report or the authorization details either: one
  ``ListServiceSpecificCredentials`` per user. Its newer ``AllUsers`` flag could list an account's in one call,
  but AWS documents it as returning "all credentials associated with the specified service", which leaves open
  whether it works without ``ServiceName``; a wrong guess would read as "none". It pages by ``Marker`` without a
  paginator in botocore's model; ``calls.attempt_paginated`` follows the marker.

So a user costs one or two calls more than before, three when a certificate is held. The calls are sent one after
another within the account, like the account's other calls: accounts already run concurrently
(``--concurrency``), and a fan-out per user (``auditor/collect/concurrency.py``) would put several callers on the
one account's IAM request quota, which throttles per account, for no shorter scan once the accounts fill the pool.

Failures never flood the error list, as in ``last_accessed.py``: a ``NoSuchEntity`` is one user's (deleted since
it was listed), and that user's list stays ``None``. Any other failure of an operation (denied, not implemented,
throttled past botocore's retries) would recur for every user: the account stops sending that operation, its
users keep ``None`` for that list, and one entry says how many users were not read. The other two operations go
on. A scan stopped meanwhile (the account's deadline, ``--timeout``, Ctrl-C) ends only this step: what was read
stays, and one entry says what was not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.collect.calls import CallContext, ScanStopped, attempt_paginated, is_about_one_item, not_read
from auditor.inventory import (
    CollectionError,
    CredentialReport,
    IamUser,
    OtherCredential,
    ServiceSpecificCredential,
    SigningCertificate,
    SshPublicKey,
)
from auditor.util.timestamps import as_utc

SSH_KEYS = "ListSSHPublicKeys"
SERVICE_CREDENTIALS = "ListServiceSpecificCredentials"
CERTIFICATES = "ListSigningCertificates"


@dataclass
class UserCredentials:
    """One user's three lists; ``None``: not read (an error entry says why)."""

    ssh_public_keys: list[SshPublicKey] | None = None
    service_specific_credentials: list[ServiceSpecificCredential] | None = None
    signing_certificates: list[SigningCertificate] | None = None


def _ssh_key(item: dict[str, Any]) -> SshPublicKey:
    upload = item.get("UploadDate")
    return SshPublicKey(
        ssh_public_key_id=item["SSHPublicKeyId"], status=item["Status"], upload_date=as_utc(upload) if upload else None
    )


def _service_credential(item: dict[str, Any]) -> ServiceSpecificCredential:
    created, expires = item.get("CreateDate"), item.get("ExpirationDate")
    return ServiceSpecificCredential(
        service_specific_credential_id=item["ServiceSpecificCredentialId"],
        service_name=item["ServiceName"],
        service_user_name=item.get("ServiceUserName"),
        status=item["Status"],
        create_date=as_utc(created) if created else None,
        expiration_date=as_utc(expires) if expires else None,
    )


def _certificate(item: dict[str, Any]) -> SigningCertificate:
    """The certificate's id, status and date; its body (public, but long) is not kept."""
    upload = item.get("UploadDate")
    return SigningCertificate(
        certificate_id=item["CertificateId"], status=item["Status"], upload_date=as_utc(upload) if upload else None
    )


@dataclass(frozen=True)
class _Listing:
    """One of the three operations: its response's list, how an item is read, and the user field it fills."""

    operation: str
    result_key: str
    item: Callable[[dict[str, Any]], OtherCredential]
    field: str
    what: str  # for the error entries: "SSH public keys"
    id_field: str  # what a list is sorted by, so saved inventories diff cleanly

    def credential_id(self, credential: OtherCredential) -> str:
        return str(getattr(credential, self.id_field))


LISTINGS = (
    _Listing(SSH_KEYS, "SSHPublicKeys", _ssh_key, "ssh_public_keys", "SSH public keys", "ssh_public_key_id"),
    _Listing(
        SERVICE_CREDENTIALS,
        "ServiceSpecificCredentials",
        _service_credential,
        "service_specific_credentials",
        "service-specific credentials",
        "service_specific_credential_id",
    ),
    _Listing(
        CERTIFICATES, "Certificates", _certificate, "signing_certificates", "signing certificates", "certificate_id"
    ),
)


def may_hold_certificate(report: CredentialReport | None, user_name: str) -> bool:
    """Whether ``ListSigningCertificates`` is worth a call: the user's report row shows a certificate, or there
    is no row to tell."""
    row = report.row_for(user_name) if report is not None else None
    return row is None or bool(row.certs)


def read_user_credentials(
    ctx: CallContext, iam: Any, users: Sequence[IamUser], report: CredentialReport | None
) -> dict[str, UserCredentials]:
    """Each user's three lists, by user name, users in order. A list not read stays ``None``."""
    found = {user.user_name: UserCredentials() for user in users}
    stopped: set[str] = set()  # operations the account no longer sends
    for index, user in enumerate(users):
        for listing in LISTINGS:
            if listing.operation in stopped:
                continue
            if listing.operation == CERTIFICATES and not may_hold_certificate(report, user.user_name):
                found[user.user_name].signing_certificates = []
                continue
            try:
                outcome = attempt_paginated(ctx, iam, listing.operation, UserName=user.user_name)
            except ScanStopped as stop:
                ctx.errors.add(_stopped(ctx, listing.operation, stop, len(users) - index, len(users)))
                return found
            if isinstance(outcome, CollectionError):
                if is_about_one_item(outcome):
                    ctx.errors.add(outcome)
                    continue
                ctx.errors.add(not_read(outcome, _users_not_read(listing.what, len(users) - index, len(users))))
                stopped.add(listing.operation)
                continue
            items = sorted(
                (listing.item(item) for item in outcome.get(listing.result_key, [])), key=listing.credential_id
            )
            setattr(found[user.user_name], listing.field, items)
    return found


def _users_not_read(what: str, count: int, total: int) -> str:
    return f"{what} of {count} of {total} IAM user(s)"


def _stopped(ctx: CallContext, operation: str, stop: ScanStopped, count: int, total: int) -> CollectionError:
    return CollectionError(
        account_id=ctx.account_id,
        service="iam",
        operation=operation,
        error_code=stop.code,
        message=f"credentials besides passwords and access keys of {count} of {total} IAM user(s) not read: {stop}",
    )
