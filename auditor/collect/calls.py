"""The one way collectors call AWS: every failure becomes a ``CollectionError`` and the scan goes on.

A scan must never die for one denied API or one unreachable endpoint (docs/architecture.md, "honest coverage"), so
collectors never see botocore exceptions: they get the response, or ``None`` and an entry in the error sink.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    PaginationError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from auditor.collect.credentials import EXPIRED_TOKEN_CODES, refresh_client_credentials
from auditor.collect.operations import REGIONAL_SERVICES, require_listed
from auditor.inventory import CollectionError
from auditor.launch import interruption

# None: each service's own page size. Tests lower it to prove that every list call follows NextToken/Marker.
PAGE_SIZE: int | None = None

PAGE_SIZE_PARAMETERS = frozenset({"MaxResults", "MaxItems"})

MAX_MESSAGE_LENGTH = 300

# botocore raises these for transport and protocol failures; moto raises NotImplementedError in-process for
# operations it lacks, and a 500 HTML page (ResponseParserError, not a BotoCoreError) in server mode.
AWS_FAILURES: tuple[type[BaseException], ...] = (
    ClientError,
    BotoCoreError,
    ResponseParserError,
    NotImplementedError,
)

T = TypeVar("T")

# Raised by botocore only after every attempt of a call went unanswered (or could not connect).
SILENT_ENDPOINT_FAILURES = (ReadTimeoutError, ConnectTimeoutError, EndpointConnectionError)


class EndpointUnresponsive(Exception):
    """The gap recorded for a call not sent because its endpoint let an earlier call of the context time out."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"not sent: {endpoint} did not answer an earlier call (all attempts timed out)")


class ErrorSink:
    """Collects coverage gaps from every worker thread; hands them back in a deterministic order."""

    def __init__(self) -> None:
        self._errors: list[CollectionError] = []
        self._lock = threading.Lock()

    def add(self, error: CollectionError) -> None:
        with self._lock:
            if error not in self._errors:
                self._errors.append(error)

    def sorted(self) -> list[CollectionError]:
        with self._lock:
            return sorted(self._errors, key=CollectionError.sort_key)

    def cover(
        self, matches: Callable[[CollectionError], bool], accounts: Sequence[str], areas: Sequence[str] | None = None
    ) -> None:
        """Mark the entries ``matches`` picks (and no coverage marks yet) as covering ``accounts``: for a read
        whose reach is known only after it (the organization listing, before the scope is chosen from it)."""
        with self._lock:
            self._errors = [
                with_coverage(error, accounts, areas) if error.covers_accounts is None and matches(error) else error
                for error in self._errors
            ]


class CallCounter:
    """How many AWS calls this process has sent (each try of an operation; a paginated list counts once): what
    the progress line shows in CI (``commands/progress.py``). A count, never a name or a parameter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self) -> None:
        with self._lock:
            self._value += 1

    @property
    def value(self) -> int:
        return self._value


CALLS_SENT = CallCounter()


def monotonic_now() -> float:
    """The scan's clock (a function of this module, so a test can make time pass without waiting)."""
    return time.monotonic()


class ScanStopped(Exception):
    """Raised *before* a call when the scan must not make it: Ctrl-C, ``--timeout`` or ``--account-timeout``.

    Collectors do not catch it: it unwinds the account (or phase) to the runner, which records one gap.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ScanControl:
    """What every call of one scan checks first: whether the scan was cancelled, or ran out of time."""

    def __init__(self, timeout: float | None = None, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or monotonic_now
        self.cancelled = threading.Event()
        self.deadline = self.clock() + timeout if timeout is not None else None
        self.timeout = timeout

    def cancel(self) -> None:
        self.cancelled.set()

    def account_deadline(self, seconds: float | None) -> float | None:
        return self.clock() + seconds if seconds is not None else None

    def check(self, account_deadline: float | None = None, account_timeout: float | None = None) -> None:
        if self.cancelled.is_set():
            raise ScanStopped("Interrupted", f"the scan was {interruption()} before this was read")
        now = self.clock()
        if self.deadline is not None and now >= self.deadline:
            raise ScanStopped("ScanTimeout", f"the scan's --timeout ({self.timeout:g} s) ran out before this was read")
        if account_deadline is not None and now >= account_deadline:
            limit = f" ({account_timeout:g} s)" if account_timeout is not None else ""
            raise ScanStopped("AccountTimeout", f"the account's --account-timeout{limit} ran out; the rest is unread")


@dataclass(frozen=True)
class CallContext:
    """Whose data a call reads: the account the error entries are filed under, and where they go.

    ``control`` and ``deadline`` bound the scan: every call checks them first (``ScanStopped``).
    ``unresponsive`` holds the endpoints that let a call of this context time out through all its attempts:
    the context's later calls to them are recorded as gaps without being sent, so one silent endpoint costs
    one call's time limit, not one per call.
    """

    errors: ErrorSink
    account_id: str | None
    control: ScanControl = field(default_factory=ScanControl)
    deadline: float | None = None  # this account's --account-timeout, on control's clock
    account_timeout: float | None = None  # the limit the deadline came from, for the message
    unresponsive: set[str] = field(default_factory=set)  # endpoint URLs that did not answer
    # An organization-level read: the accounts (and rule areas, None: all) its error entries cover.
    covers_accounts: tuple[str, ...] | None = None
    covers_areas: tuple[str, ...] | None = None

    def check_limits(self) -> None:
        self.control.check(self.deadline, self.account_timeout)

    def covering(self, accounts: Sequence[str], areas: Sequence[str] | None = None) -> CallContext:
        """This context, for calls whose failure hides findings of ``accounts`` in ``areas`` (``None``: every
        area) although they are made with ``account_id``'s credentials. Limits and dead endpoints are shared."""
        return replace(
            self, covers_accounts=tuple(sorted(set(accounts))), covers_areas=tuple(areas) if areas is not None else None
        )

    def entry(self, **fields: Any) -> CollectionError:
        """An error entry of this context: filed under its account, with the accounts it covers named."""
        fields.setdefault("account_id", self.account_id)
        if self.covers_accounts is None:
            return CollectionError(**fields)
        return with_coverage(CollectionError(**fields), self.covers_accounts, self.covers_areas)


def with_coverage(
    error: CollectionError, accounts: Sequence[str], areas: Sequence[str] | None = None
) -> CollectionError:
    """``error`` marked as covering ``accounts`` (``areas``; ``None``: every area), its message saying which, so
    every report that shows the gap shows its reach (a few ids, then a count: all are in ``covers_accounts``)."""
    covered = sorted(set(accounts))
    if not covered:
        return error
    shown = ", ".join(covered[:5]) + (f" and {len(covered) - 5} more" if len(covered) > 5 else "")
    what = f"{', '.join(areas)} findings" if areas is not None else "findings"
    note = f" (organization-level read: {what} of account(s) {shown} not re-verified)"
    return error.model_copy(
        update={
            "covers_accounts": covered,
            "covers_areas": sorted(areas) if areas is not None else None,
            "message": error.message + note,
        }
    )


def error_code_of(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    if isinstance(exc, NotImplementedError):
        return "NotImplemented"
    return type(exc).__name__


def error_message_of(exc: BaseException) -> str:
    """AWS's own message where there is one; only the first line (server-mode 500s carry a whole HTML page)."""
    message = ""
    if isinstance(exc, ClientError):
        message = str(exc.response.get("Error", {}).get("Message") or "")
    message = message or str(exc) or type(exc).__name__
    return message.splitlines()[0][:MAX_MESSAGE_LENGTH]


def failure_entry(ctx: CallContext, client: Any, operation: str, exc: BaseException) -> CollectionError:
    service = client.meta.service_model.service_name
    return ctx.entry(
        region=client.meta.region_name if service in REGIONAL_SERVICES else None,
        service=service,
        operation=operation,
        error_code=error_code_of(exc),
        message=error_message_of(exc),
    )


# Failures about the one item asked about (a user or policy deleted since it was listed): that item's gap only.
# Any other failure (denied, not implemented, throttled past botocore's retries) would recur for every item.
ONE_ITEM_FAILURES = frozenset({"NoSuchEntity", "NoSuchEntityException"})


def is_about_one_item(failure: CollectionError) -> bool:
    return failure.error_code in ONE_ITEM_FAILURES


def not_read(failure: CollectionError, what: str) -> CollectionError:
    """One entry for many items a repeated failure left unread: ``what`` says which and how many."""
    return failure.model_copy(update={"message": f"{what} not read: {failure.message}"})


def call(
    ctx: CallContext,
    client: Any,
    operation: str,
    *,
    error_answers: Mapping[str, dict[str, Any]] | None = None,
    **params: Any,
) -> dict[str, Any] | None:
    """Run one AWS operation (by its AWS name, e.g. ``"ListAccounts"``); ``None`` after recording a failure.

    ``error_answers`` maps error codes that are AWS's way of answering (``AWSOrganizationsNotInUseException``:
    "not in an organization") to the response they stand for, so they are not mistaken for coverage gaps.
    """
    return _recorded(ctx, attempt(ctx, client, operation, error_answers=error_answers, **params))


def attempt(
    ctx: CallContext,
    client: Any,
    operation: str,
    *,
    error_answers: Mapping[str, dict[str, Any]] | None = None,
    **params: Any,
) -> dict[str, Any] | CollectionError:
    """Like :func:`call`, but a failure is handed back as its error entry, not recorded.

    For a caller that asks the same thing of many items (each user's last-accessed job, each AWS managed
    policy): a denial there is a denial for every item, and the caller records one entry saying how many were
    not read, instead of one per item.
    """
    return _run(ctx, client, operation, error_answers, lambda: getattr(client, xform_name(operation))(**params))


def call_paginated(
    ctx: CallContext,
    client: Any,
    operation: str,
    *,
    error_answers: Mapping[str, dict[str, Any]] | None = None,
    **params: Any,
) -> dict[str, Any] | None:
    """Like :func:`call`, but follow every page and merge the result lists into one response."""

    return _recorded(ctx, attempt_paginated(ctx, client, operation, error_answers=error_answers, **params))


def attempt_paginated(
    ctx: CallContext,
    client: Any,
    operation: str,
    *,
    error_answers: Mapping[str, dict[str, Any]] | None = None,
    **params: Any,
) -> dict[str, Any] | CollectionError:
    """Like :func:`call_paginated`, but a failure is handed back as its error entry, not recorded (see
    :func:`attempt`).

    An operation that pages by ``Marker`` but has no paginator in botocore's model
    (``iam:ListServiceSpecificCredentials``) is followed page by page here, the way botocore's paginators
    follow IAM's ``Marker``, so no list is ever cut at its first page.
    """

    def all_pages() -> dict[str, Any]:
        if not client.can_paginate(xform_name(operation)):
            return _marker_pages(client, operation, params)
        paginator = client.get_paginator(xform_name(operation))
        pagination_config = {"PageSize": PAGE_SIZE} if PAGE_SIZE and _has_page_size(client, operation) else {}
        return paginator.paginate(**params, PaginationConfig=pagination_config).build_full_result()

    return _run(ctx, client, operation, error_answers, all_pages)


def _marker_pages(client: Any, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Every page of an IAM-style list without a botocore paginator: ``Marker`` in, ``IsTruncated`` and
    ``Marker`` out; the list members of the pages concatenated, as ``build_full_result`` does."""
    operation_model = client.meta.service_model.operation_model(operation)
    input_members = set(operation_model.input_shape.members) if operation_model.input_shape else set()
    if "Marker" not in input_members:
        raise TypeError(f"{operation} pages neither through a botocore paginator nor by Marker")
    list_keys = [name for name, shape in operation_model.output_shape.members.items() if shape.type_name == "list"]
    page_size = {"MaxItems": PAGE_SIZE} if PAGE_SIZE and "MaxItems" in input_members else {}
    method = getattr(client, xform_name(operation))
    merged: dict[str, Any] = {key: [] for key in list_keys}
    marker: str | None = None
    seen: set[str] = set()
    while True:
        page = method(**params, **page_size, **({"Marker": marker} if marker else {}))
        for key in list_keys:
            merged[key].extend(page.get(key, []))
        marker = page.get("Marker")
        if not (page.get("IsTruncated") and marker):
            return merged
        if marker in seen:  # what botocore's paginators raise too, instead of looping for ever
            raise PaginationError(message=f"{operation} returned the marker {marker!r} twice")
        seen.add(marker)


def _recorded(ctx: CallContext, outcome: dict[str, Any] | CollectionError) -> dict[str, Any] | None:
    if isinstance(outcome, CollectionError):
        ctx.errors.add(outcome)
        return None
    return outcome


def _has_page_size(client: Any, operation: str) -> bool:
    """Some paginated operations (organizations' ListTagsForResource) have no page-size parameter at all."""
    input_shape = client.meta.service_model.operation_model(operation).input_shape
    return input_shape is not None and bool(PAGE_SIZE_PARAMETERS & set(input_shape.members))


def _run(
    ctx: CallContext,
    client: Any,
    operation: str,
    error_answers: Mapping[str, dict[str, Any]] | None,
    send: Callable[[], dict[str, Any]],
) -> dict[str, Any] | CollectionError:
    """The response, or the failure's error entry (not yet recorded)."""
    require_listed(client.meta.service_model.service_name, operation)
    ctx.check_limits()
    endpoint = str(client.meta.endpoint_url)
    if endpoint in ctx.unresponsive:
        return failure_entry(ctx, client, operation, EndpointUnresponsive(endpoint))
    for try_number in (1, 2):
        CALLS_SENT.add()
        try:
            return send()
        except AWS_FAILURES as exc:
            code = error_code_of(exc)
            if error_answers and code in error_answers:
                return error_answers[code]
            # An expired session gets one forced refresh and one more try; a second failure is a gap as usual.
            if try_number == 1 and code in EXPIRED_TOKEN_CODES and refresh_client_credentials(client):
                ctx.check_limits()
                continue
            if isinstance(exc, SILENT_ENDPOINT_FAILURES):
                ctx.unresponsive.add(endpoint)
            return failure_entry(ctx, client, operation, exc)
    raise AssertionError("not reached: the second try returns")


def guarded(
    ctx: CallContext, part: str, collect_step: Callable[[], T], *, operation: str = "collect_account"
) -> T | None:
    """Run one collection step; a bug or surprise inside it becomes an error entry instead of ending the scan.

    Anticipated AWS failures never get here (``call`` records them); this is the net for everything else,
    e.g. a credential report row in a shape nobody has seen yet. The entry names the ``part`` that was lost.
    """
    try:
        return collect_step()
    except ScanStopped:
        raise  # the runner records it once for the whole account or phase
    except Exception as exc:  # noqa: BLE001 - the whole point: one account's surprise must not end the scan
        ctx.errors.add(
            ctx.entry(
                service="auditor",
                operation=operation,
                error_code=type(exc).__name__,
                message=f"{part}: {error_message_of(exc)}",
            )
        )
        return None
