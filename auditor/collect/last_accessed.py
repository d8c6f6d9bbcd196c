"""IAM's last-accessed data for each IAM user: the services, and where IAM tracks them the actions, it used.

The evidence the readiness stage compares access with, action by action. Only users holding a credential (a
console password or an active access key, as the credential report says) can have used anything, so only they
are asked about: ``GenerateServiceLastAccessedDetails`` (``ACTION_LEVEL``) starts a job in IAM, and
``GetServiceLastAccessedDetails`` reads it, polled with the credential report's backoff while it is
``IN_PROGRESS``. An account starts all its jobs before reading any (``start_jobs``), and the runner reads them in
a task of their own, queued after every account's reading (``finish_jobs``): IAM builds them meanwhile. IAM
wants a job read by the role session that started it, which the account's one set of credentials ensures.

Failures never flood the error list. A ``NoSuchEntity`` is about one user (deleted since it was listed) and is
that user's gap. Any other failure (denied, not implemented, throttled past botocore's retries) would recur for
every user: the account stops asking, and one entry says how many users were not read. Jobs still running when
the account's ``--account-timeout`` or the polling budget runs out are one entry for the account too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.collect import calls
from auditor.collect.calls import CallContext, ScanStopped, attempt, is_about_one_item, not_read
from auditor.collect.credential_report import (
    EARLY_ENOUGH_SECONDS,
    FIRST_POLL_DELAY_SECONDS,
    MAX_POLL_DELAY_SECONDS,
    MAX_TOTAL_WAIT_SECONDS,
    Sleep,
)
from auditor.inventory import ActionUse, CollectionError, CredentialReportRow, ServiceUse
from auditor.util.timestamps import as_utc

GENERATE = "GenerateServiceLastAccessedDetails"
GET = "GetServiceLastAccessedDetails"
GRANULARITY = "ACTION_LEVEL"


@dataclass(frozen=True)
class Job:
    """A last-accessed job IAM is building for one user."""

    user_name: str
    user_arn: str
    job_id: str


@dataclass(frozen=True)
class UserServiceUse:
    """One user's completed job: the services it used (and, where tracked, the actions)."""

    services: list[ServiceUse]
    # The start of the window the data covers. GetServiceLastAccessedDetails does not say it (IAM documents "at
    # least the last 400 days", less in younger regions), so it stays None rather than a guess.
    tracked_since: datetime | None = None


def holds_credential(row: CredentialReportRow | None) -> bool:
    """Whether the user may have used anything: a console password or an active access key.

    Without a report row (no report, or a user created after it) neither can be ruled out: the user is asked about.
    """
    if row is None:
        return True
    return row.password_enabled is not False or any(key.active for key in row.access_keys)


# -------------------------------------------------------------------------------------------- starting


def start_jobs(ctx: CallContext, iam: Any, users: Sequence[tuple[str, str]]) -> list[Job]:
    """Start a job for each ``(user name, user ARN)``, in order; stop at the first failure that is not one user's."""
    jobs: list[Job] = []
    for index, (user_name, user_arn) in enumerate(users):
        outcome = attempt(ctx, iam, GENERATE, Arn=user_arn, Granularity=GRANULARITY)
        if isinstance(outcome, CollectionError):
            if is_about_one_item(outcome):
                ctx.errors.add(outcome)
                continue
            ctx.errors.add(not_read(outcome, _users_not_read(len(users) - index, len(users))))
            break
        jobs.append(Job(user_name, user_arn, str(outcome["JobId"])))
    return jobs


def _users_not_read(count: int, total: int) -> str:
    return f"service last-accessed data of {count} of {total} IAM user(s) holding a credential"


# ------------------------------------------------------------------------------------------- finishing


def finish_jobs(ctx: CallContext, iam: Any, jobs: Sequence[Job], sleep: Sleep) -> dict[str, UserServiceUse]:
    """Each completed job's services, by user ARN. A user missing here is a gap (an error entry says why).

    Jobs are read in the order they were started, so a wait for the first is a wait for the others too. Once
    the waiting budget is spent (the account's deadline, or ``MAX_TOTAL_WAIT_SECONDS``), each job left is asked
    once more without waiting; those still running are one entry for the account. A scan stopped meanwhile
    (``ScanStopped``: a deadline, Ctrl-C) ends only this step: what the account read before stays.
    """
    found: dict[str, UserServiceUse] = {}
    backoff = _Backoff(ctx, sleep)
    running: list[Job] = []
    for index, job in enumerate(jobs):
        try:
            outcome = _read_job(ctx, iam, job, backoff)
        except ScanStopped as stop:
            unread = [*running, *jobs[index:]]
            ctx.errors.add(_stopped(ctx, stop, _users_not_read(len(unread), len(jobs))))
            return found
        if isinstance(outcome, UserServiceUse):
            found[job.user_arn] = outcome
        elif outcome is _RUNNING:
            running.append(job)
        elif isinstance(outcome, CollectionError):
            if is_about_one_item(outcome):
                ctx.errors.add(outcome)
                continue
            ctx.errors.add(not_read(outcome, _users_not_read(len(running) + len(jobs) - index, len(jobs))))
            return found
    if running:
        ctx.errors.add(_not_complete(ctx, running, backoff))
    return found


class _Running:
    """A job still ``IN_PROGRESS`` when the waiting budget was spent."""


_RUNNING = _Running()


def _read_job(
    ctx: CallContext, iam: Any, job: Job, backoff: _Backoff
) -> UserServiceUse | CollectionError | _Running | None:
    """The job's services; a failure's entry (not recorded); ``_RUNNING``; ``None`` for a job IAM failed (recorded).

    The first request is sent at once: by the time an account's jobs are read, IAM has usually finished them.
    """
    backoff.next_job()
    while True:
        asked_at = ctx.control.clock()
        outcome = attempt(ctx, iam, GET, JobId=job.job_id, **_page_size())
        if isinstance(outcome, CollectionError):
            return outcome
        status = outcome.get("JobStatus")
        if status == "COMPLETED":
            return _completed(ctx, iam, job, outcome)
        if status == "FAILED":
            ctx.errors.add(_job_failed(ctx, job, outcome.get("Error") or {}))
            return None
        if not backoff.wait(asked_at):  # IN_PROGRESS
            return _RUNNING


def _completed(ctx: CallContext, iam: Any, job: Job, first_page: dict[str, Any]) -> UserServiceUse | CollectionError:
    """The report of a completed job, every page of it (GetServiceLastAccessedDetails has no botocore paginator)."""
    services = list(first_page.get("ServicesLastAccessed", []))
    page = first_page
    while page.get("IsTruncated") and page.get("Marker"):
        outcome = attempt(ctx, iam, GET, JobId=job.job_id, Marker=page["Marker"], **_page_size())
        if isinstance(outcome, CollectionError):
            return outcome
        page = outcome
        services.extend(page.get("ServicesLastAccessed", []))
    return UserServiceUse(services=service_use(services))


def _page_size() -> dict[str, Any]:
    return {"MaxItems": calls.PAGE_SIZE} if calls.PAGE_SIZE else {}


# --------------------------------------------------------------------------------------------- parsing


def service_use(services: Iterable[dict[str, Any]]) -> list[ServiceUse]:
    """The services used (those with a ``LastAuthenticated`` date), sorted by namespace.

    IAM lists every service the user's policies allow, used or not; only the used ones are evidence. Within
    a service, ``TrackedActionsLastAccessed`` lists every tracked action, used or not: only those with a
    ``LastAccessedTime`` are kept, named ``prefix:Action``. A service without that list (IAM tracks none of its
    actions, or none of the tracked ones was used) keeps ``actions=None``: which actions were used is unknown.
    """
    used = [_service(service) for service in services if service.get("LastAuthenticated") is not None]
    return sorted(used, key=lambda service: service.namespace)


def _service(service: dict[str, Any]) -> ServiceUse:
    namespace = str(service["ServiceNamespace"])
    tracked = service.get("TrackedActionsLastAccessed")
    return ServiceUse(
        namespace=namespace,
        last_accessed=as_utc(service["LastAuthenticated"]),
        actions=None if tracked is None else _actions(namespace, tracked),
    )


def _actions(namespace: str, tracked: Iterable[dict[str, Any]]) -> list[ActionUse]:
    return sorted(
        (
            ActionUse(
                action=_action_name(namespace, str(action["ActionName"])),
                last_accessed=as_utc(action["LastAccessedTime"]),
                region=action.get("LastAccessedRegion"),
            )
            for action in tracked
            if action.get("LastAccessedTime") is not None and action.get("ActionName")
        ),
        key=lambda action: action.action,
    )


def _action_name(namespace: str, name: str) -> str:
    """IAM names the action alone (``GetObject``); the policy language's name has the prefix (``s3:GetObject``)."""
    return name if ":" in name else f"{namespace}:{name}"


# ---------------------------------------------------------------------------------------------- waiting


class _Backoff:
    """The credential report's backoff (1, 2, 4, 8, 16, 16... s), shared by an account's jobs.

    Each job starts again at the first delay; the time waited adds up over all of them, up to
    ``MAX_TOTAL_WAIT_SECONDS``, and no wait may end past the account's deadline. The time since the last
    request counts as waited, as it does for the report.
    """

    def __init__(self, ctx: CallContext, sleep: Sleep) -> None:
        self._ctx = ctx
        self._sleep = sleep
        self._delay = FIRST_POLL_DELAY_SECONDS
        self.waited = 0.0
        self.exhausted = False
        self.reason = ""

    def next_job(self) -> None:
        self._delay = FIRST_POLL_DELAY_SECONDS

    def wait(self, asked_at: float) -> bool:
        """Sleep until the next request is due; ``False`` (and no sleep) when the budget does not allow it."""
        if self.exhausted:
            return False
        now = self._ctx.control.clock()
        already = now - asked_at
        if already >= self._delay - EARLY_ENOUGH_SECONDS:
            pause = 0.0
        else:
            pause = self._delay if already < EARLY_ENOUGH_SECONDS else self._delay - already
        deadline = self._ctx.deadline
        if deadline is not None and now + pause >= deadline:
            limit = self._ctx.account_timeout
            self.reason = "the account's --account-timeout" + (f" ({limit:g} s)" if limit is not None else "")
        elif self.waited + self._delay > MAX_TOTAL_WAIT_SECONDS:
            self.reason = f"{self.waited:.0f} s of polling"
        else:
            if pause:
                self._sleep(pause)
            self.waited += self._delay
            self._delay = min(self._delay * 2, MAX_POLL_DELAY_SECONDS)
            return True
        self.exhausted = True
        return False


def _not_complete(ctx: CallContext, running: Sequence[Job], backoff: _Backoff) -> CollectionError:
    names = ", ".join(job.user_name for job in running[:5])
    if len(running) > 5:
        names += f" and {len(running) - 5} more"
    return CollectionError(
        account_id=ctx.account_id,
        service="iam",
        operation=GET,
        error_code="JobNotComplete",
        message=f"service last-accessed jobs still IN_PROGRESS after {backoff.reason or 'the wait'}: {names}",
    )


def _job_failed(ctx: CallContext, job: Job, error: dict[str, Any]) -> CollectionError:
    return CollectionError(
        account_id=ctx.account_id,
        service="iam",
        operation=GET,
        error_code=str(error.get("Code") or "JobFailed"),
        message=f"{job.user_name}: {error.get('Message') or 'IAM could not build the last-accessed report'}",
    )


def _stopped(ctx: CallContext, stop: ScanStopped, what: str) -> CollectionError:
    return CollectionError(
        account_id=ctx.account_id,
        service="iam",
        operation=GET,
        error_code=stop.code,
        message=f"{what} not read: {stop}",
    )
