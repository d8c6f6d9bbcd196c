"""Sessions, credentials and clients: how the scan reaches each account.

Every client of a scan is created from the one *base* boto3 session, with explicit credentials where an
account is reached another way (an assumed role, another ``--profile``). Two reasons:

* boto3 sessions are not thread-safe for client creation; one session plus one lock is simple and safe;
* everything registered on the base session's event system (a test's recorder, a debugging hook) sees every
  call of the scan, whichever account it reads.

Credentials from other profiles and from AssumeRole are refreshable (``credentials.py``): a scan longer than
one role session re-assumes the role instead of failing every later call of the account.

Time is bounded per call (``CONNECT_TIMEOUT_SECONDS``, ``READ_TIMEOUT_SECONDS``, ``DEFAULT_MAX_ATTEMPTS``):
IAM and Organizations answer in well under a second, and even the largest ``GetAccountAuthorizationDetails``
page in a few seconds, so a read that is silent for 20 s is a hung connection, not a slow answer. The worst
case of one call is attempts x (connect or read timeout) plus backoff: 5 x 20 s + about 15 s, against 303 s
with botocore's defaults (60 s reads). Five attempts stay: IAM throttles bursts, and standard-mode retries
with backoff are what make throttling a delay instead of a gap.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
from botocore.config import Config
from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from auditor.collect.calls import CallContext, call
from auditor.collect.credentials import EXPIRED_TOKEN_CODES, refreshable, sign_with
from auditor.collect.operations import require_listed
from auditor.collect.timestamps import install_fast_timestamp_parser
from auditor.errors import AuditorError, CredentialsError
from auditor.inventory import CallerIdentity
from auditor.remediation.actions import configure_sso_hint, sso_login_hint

DEFAULT_REGION = "us-east-1"
ROLE_SESSION_NAME = "identity-auditor"
DEFAULT_MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
DEFAULT_POOL_CONNECTIONS = 10  # botocore's own default

SSO_FAILURES = (SSOTokenLoadError, UnauthorizedSSOTokenError, TokenRetrievalError, SSOError)


class ClientFactory:
    """Creates every client of a scan from the base session, under a lock, with the scan's retry settings.

    One client per service, region and credentials, reused by every later call: a client owns its HTTP
    connection pool, so an account's calls reuse their connections (no TLS handshake per call on AWS), and the
    driver's STS and Organizations clients are built once, not once per account. Clients are thread-safe.
    Creating one costs several milliseconds of CPU (loading and wiring the service model).
    """

    def __init__(self, base_session: boto3.Session, max_pool_connections: int | None = None) -> None:
        self._base_session = base_session
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, int], tuple[Any, Credentials | None]] = {}
        with credential_errors_explained(explicit_profile_name(base_session)):
            self._config = _client_config(base_session, max_pool_connections)
        install_fast_timestamp_parser(base_session)

    def client(self, service: str, region: str, credentials: Credentials | None = None) -> Any:
        """``credentials``: botocore credentials (refreshable ones stay refreshable); ``None``: the base session's."""
        key = (service, region, id(credentials))
        with self._lock:
            cached = self._cached(key, credentials)
        if cached is not None:
            return cached
        # Outside the lock: resolving may refresh, and refreshing assumes the role again through this factory.
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
        with self._lock:
            cached = self._cached(key, credentials)  # another worker may have built it meanwhile
            if cached is not None:
                return cached
            client = self._create(service, region, credentials, frozen)
            self._clients[key] = (client, credentials)
            return client

    def forget(self, credentials: Credentials) -> None:
        """Drop the clients signed with ``credentials``: their account has been read to the end. Each client
        holds its connection pool and a few hundred KB of wiring (about 40 MB at 100 accounts), and nothing
        calls that account again."""
        with self._lock:
            for key in [key for key, (_, signed_with) in self._clients.items() if signed_with is credentials]:
                del self._clients[key]

    def _cached(self, key: tuple[str, str, int], credentials: Credentials | None) -> Any:
        cached = self._clients.get(key)
        return cached[0] if cached is not None and cached[1] is credentials else None  # ids are not reused: kept

    def _create(
        self, service: str, region: str, credentials: Credentials | None, frozen: ReadOnlyCredentials | None
    ) -> Any:
        if credentials is None or frozen is None:
            return self._base_session.client(service, region_name=region, config=self._config)
        client = self._base_session.client(
            service,
            region_name=region,
            config=self._config,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        return sign_with(client, credentials)


@dataclass(frozen=True)
class AccountAccess:
    """One way into one account: the credentials to use and the label recorded as ``collected_via``."""

    factory: ClientFactory
    region: str
    collected_via: str
    # None: the base session's own credential chain; kept in memory only, never logged (repr hides it)
    credentials: Credentials | None = field(default=None, repr=False)
    profile_name: str | None = None  # named in error messages ("run aws sso login --profile X")
    caller_arn: str | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        return self.factory.client(service, region or self.region, self.credentials)


def _client_config(base_session: boto3.Session, max_pool_connections: int | None = None) -> Config:
    """Standard (or the user's adaptive) retries: throttling is retried with backoff, not reported as a gap.

    The user's own ``max_attempts`` / ``AWS_MAX_ATTEMPTS`` wins, which also lets tests against a moto server
    fail fast on operations moto answers with HTTP 500.
    """
    botocore_session = base_session._session  # boto3 exposes the resolved config only through botocore
    configured_mode = botocore_session.get_config_variable("retry_mode")
    max_attempts = botocore_session.get_config_variable("max_attempts") or DEFAULT_MAX_ATTEMPTS
    return Config(
        retries={
            "mode": configured_mode if configured_mode in ("standard", "adaptive") else "standard",
            "total_max_attempts": int(max_attempts),
        },
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        # the driver's clients are shared by every worker: one connection each, not a queue for botocore's 10
        max_pool_connections=max(DEFAULT_POOL_CONNECTIONS, max_pool_connections or 0),
    )


def open_base_session(session: boto3.Session | None) -> boto3.Session:
    """The caller's session, or one from botocore's normal chain (env, AWS_PROFILE, SSO, instance roles)."""
    if session is not None:
        return session
    check_cli_files()
    with credential_errors_explained(None):
        return record_process_exits(boto3.Session())


def check_cli_files() -> None:
    """botocore opens the AWS CLI's files itself, with no limit and waiting on a FIFO: check them before it does
    (exit 2 with one line naming the file, instead of a scan that never starts)."""
    from auditor.clifiles.source import cli_file_paths
    from auditor.util.inputfile import CLI_FILE_LIMIT, check_input

    for path in cli_file_paths():
        check_input(path, "AWS CLI", CLI_FILE_LIMIT)


def scan_region(requested_region: str | None, base_session: boto3.Session) -> str:
    return requested_region or base_session.region_name or DEFAULT_REGION


def explicit_profile_name(session: boto3.Session) -> str | None:
    """The profile chosen by name or AWS_PROFILE; ``None`` when credentials come from elsewhere (env, role...).

    boto3's ``profile_name`` says "default" in both cases, which would make error messages blame a profile.
    """
    return session._session.profile


def base_access(factory: ClientFactory, base_session: boto3.Session, region: str) -> AccountAccess:
    return AccountAccess(
        factory=factory, region=region, collected_via="default", profile_name=explicit_profile_name(base_session)
    )


def profile_access(factory: ClientFactory, profile_name: str, region: str) -> AccountAccess:
    """Resolve a ``~/.aws/config`` profile (static keys, SSO, credential_process...) to credentials now.

    The credentials object of botocore's provider is kept, not a frozen copy: SSO and role profiles refresh
    through their own provider during a long scan.
    """
    with credential_errors_explained(profile_name):
        profile_credentials = record_process_exits(boto3.Session(profile_name=profile_name)).get_credentials()
        if profile_credentials is None:
            raise NoCredentialsError()
        profile_credentials.get_frozen_credentials()  # resolve now: an expired SSO login fails here, in one line
    return AccountAccess(
        factory=factory,
        region=region,
        collected_via=f"profile:{profile_name}",
        credentials=profile_credentials,
        profile_name=profile_name,
    )


def identify(access: AccountAccess) -> tuple[AccountAccess, CallerIdentity]:
    """``sts:GetCallerIdentity``: proves the credentials work. Failing here ends the run with one clear line."""
    require_listed("sts", "GetCallerIdentity")
    with credential_errors_explained(access.profile_name):
        response = access.client("sts").get_caller_identity()
    identity = CallerIdentity(account_id=response["Account"], arn=response["Arn"], user_id=response["UserId"])
    return replace(access, caller_arn=identity.arn), identity


def assume_role(
    ctx: CallContext, via: AccountAccess, account_id: str, role_name: str, external_id: str | None
) -> AccountAccess | None:
    """Assume the audit role in a member account; ``None`` (and an error entry filed under it) on failure.

    The credentials refresh themselves by assuming the role again (``credentials.py``); a failed refresh is the
    failing call's gap.
    """
    params: dict[str, Any] = {
        "RoleArn": f"arn:aws:iam::{account_id}:role/{role_name}",
        "RoleSessionName": ROLE_SESSION_NAME,
    }
    if external_id:
        params["ExternalId"] = external_id
    response = call(ctx, via.client("sts"), "AssumeRole", **params)
    if response is None:
        return None

    def assume_again() -> dict[str, Any]:
        require_listed("sts", "AssumeRole")
        return dict(via.client("sts").assume_role(**params)["Credentials"])

    return AccountAccess(
        factory=via.factory,
        region=via.region,
        collected_via=f"role:{role_name}",
        credentials=refreshable(response["Credentials"], assume_again),
        caller_arn=response["AssumedRoleUser"]["Arn"],
    )


@contextmanager
def credential_errors_explained(profile_name: str | None) -> Iterator[None]:
    """Turn botocore's credential failures into ``CredentialsError``: one line that says what to do next."""
    try:
        yield
    except ProfileNotFound as exc:
        missing = exc.kwargs.get("profile", profile_name)
        raise CredentialsError(f"profile '{missing}' not found in ~/.aws/config") from None
    except SSO_FAILURES:
        raise CredentialsError(_sso_message(profile_name)) from None
    except NoCredentialsError:
        raise CredentialsError(_no_credentials_message(profile_name)) from None
    except CredentialRetrievalError as exc:
        raise CredentialsError(f"cannot load AWS credentials{_for_profile(profile_name)}: {_retrieval(exc)}") from None
    except PartialCredentialsError as exc:
        raise CredentialsError(f"cannot load AWS credentials{_for_profile(profile_name)}: {exc}") from None
    except ClientError as exc:
        raise CredentialsError(_rejected_message(exc, profile_name)) from None
    except BotoCoreError as exc:
        raise AuditorError(f"cannot reach AWS to check the credentials: {exc}") from None


class _ExitRecordingPopen(subprocess.Popen[bytes]):
    """botocore's ``credential_process`` provider puts the process's whole stderr into its error and keeps the
    exit status to itself. A credential helper may print a token or a password there (a failed login's echo),
    and the error line ends in CI logs: the auditor says only that it failed, and its exit status, kept here."""

    last_exit: int | None = None

    def communicate(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        try:
            return super().communicate(*args, **kwargs)
        finally:
            _ExitRecordingPopen.last_exit = self.returncode


def record_process_exits(session: boto3.Session) -> boto3.Session:
    """``session`` with its ``credential_process`` provider recording the exit status (see above)."""
    resolver = session._session.get_component("credential_provider")
    provider = resolver.get_provider("custom-process") if resolver is not None else None
    if provider is not None:
        provider._popen = _ExitRecordingPopen
    return session


def _retrieval(exc: CredentialRetrievalError) -> str:
    """botocore's message, except a failing ``credential_process``'s stderr, which is never echoed."""
    message = str(exc.kwargs.get("error_msg", ""))
    if exc.kwargs.get("provider") == "custom-process" and not message.startswith(("Unsupported version", "Missing")):
        code = _ExitRecordingPopen.last_exit
        status = f"exit {code}" if code is not None else "exit status unknown"
        return f"credential_process failed ({status}); its output is not shown (it may hold a secret): run it yourself"
    return str(exc)


def _sso_message(profile_name: str | None) -> str:
    login = sso_login_hint(profile_name)
    return f"the SSO session for profile '{profile_name or 'default'}' has expired or was never started: run `{login}`"


def _no_credentials_message(profile_name: str | None) -> str:
    if profile_name and profile_name != "default":
        return f"no AWS credentials found for profile '{profile_name}': check its entry in ~/.aws/config"
    return (
        "no AWS credentials found: set AWS_PROFILE or pass --profile NAME; for an SSO profile run "
        f"`{sso_login_hint('NAME')}`, or create one with `{configure_sso_hint()}` (short-lived credentials, no keys)"
    )


def _rejected_message(exc: ClientError, profile_name: str | None) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code", "ClientError")
    if code in EXPIRED_TOKEN_CODES:
        hint = f"run `{sso_login_hint(profile_name)}`" if profile_name else "refresh them"
        return f"the AWS credentials{_for_profile(profile_name)} have expired: {hint}"
    return f"AWS rejected the credentials{_for_profile(profile_name)}: {code}: {error.get('Message', exc)}"


def _for_profile(profile_name: str | None) -> str:
    return f" of profile '{profile_name}'" if profile_name else ""
