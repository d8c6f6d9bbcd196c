"""Credentials that outlive one session: assumed roles and profiles refresh themselves, as botocore's own do.

A 1,000-account organization takes longer to read than one role session lasts (an hour by default), and an SSO
profile's role credentials expire too. So nothing is frozen at the start:

* an assumed role is a botocore ``RefreshableCredentials`` whose refresh assumes the role again; botocore signs
  every request with it and re-assumes before expiry (15 minutes ahead, or blocking in the last 10 minutes);
* a ``--profile`` (SSO, ``credential_process``, ``role_arn``) keeps the credentials object botocore's provider
  chain returned, which refreshes through that provider (the SSO token cache for SSO profiles);
* an ``ExpiredToken`` answer anyway (a clock skewed against AWS's, a session revoked early) forces one refresh
  and the call is retried once (``auditor.collect.calls``).

Clients are still created from the one base session (see ``session.py``): they get static placeholder keys,
then their request signer is handed the refreshable object. botocore's signer asks it for frozen credentials
on every request, which is exactly how botocore uses the credentials of its own provider chain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.credentials import Credentials, RefreshableCredentials

EXPIRED_TOKEN_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})

ASSUME_ROLE_METHOD = "auditor-assume-role"


def refreshable(
    issued: dict[str, Any], refresh: Callable[[], dict[str, Any]], method: str = ASSUME_ROLE_METHOD
) -> RefreshableCredentials:
    """Credentials from an STS ``Credentials`` block; ``refresh()`` returns the next such block."""

    def fetch() -> dict[str, str]:
        return _metadata(refresh())

    return RefreshableCredentials.create_from_metadata(_metadata(issued), refresh_using=fetch, method=method)


def _metadata(block: dict[str, Any]) -> dict[str, str]:
    expiration = block["Expiration"]
    return {
        "access_key": block["AccessKeyId"],
        "secret_key": block["SecretAccessKey"],
        "token": block["SessionToken"],
        "expiry_time": expiration.isoformat() if isinstance(expiration, datetime) else str(expiration),
    }


def sign_with(client: Any, credentials: Credentials) -> Any:
    """Make ``client`` sign every request with ``credentials`` (refreshed as needed); returns the client."""
    client._request_signer._credentials = credentials
    return client


def client_credentials(client: Any) -> Credentials | None:
    signer = getattr(client, "_request_signer", None)
    credentials = getattr(signer, "_credentials", None)
    return credentials if isinstance(credentials, Credentials) else None


def refresh_client_credentials(client: Any) -> bool:
    """Force a refresh of the credentials ``client`` signs with; ``False`` when they cannot refresh (static keys,
    or the refresh itself failed, which then surfaces as the original error)."""
    credentials = client_credentials(client)
    if not isinstance(credentials, RefreshableCredentials):
        return False
    try:
        force_refresh(credentials)
    except Exception:  # noqa: BLE001 - the caller records the original ExpiredToken as the gap
        return False
    return True


def force_refresh(credentials: RefreshableCredentials) -> None:
    """Refresh now, whatever the expiry says: AWS has just told us these credentials are expired."""
    with credentials._refresh_lock:
        credentials._protected_refresh(is_mandatory=True)
