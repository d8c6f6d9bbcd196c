"""What a run stores in the history file, and what ``auditor history --format json`` prints.

Counts are ``None`` when the run could not know them (an account whose users were not read): a trend line
never reads an unknown as zero.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from auditor.model import Model


class AccountCounts(Model):
    """One account in one run: what the migration burndown is drawn from."""

    account_id: str
    account_name: str | None = None
    iam_users: int | None = None  # None: the account's users were not read
    users_by_class: dict[str, int] | None = None  # readiness classes (human, workload, ...); None: not assessed
    active_access_keys: int | None = None
    old_access_keys: int | None = None  # active and older than thresholds.max_key_age_days
    console_without_mfa: int | None = None  # None: some user's password or MFA state is unknown
    root_used: bool | None = None  # the root user signed in within thresholds.root_usage_days
    verdict: str | None = None  # the readiness verdict; None: not assessed


class FindingRef(Model):
    """A finding as history keeps it: its fingerprint and what it is about, never its evidence."""

    fingerprint: str
    rule_id: str
    severity: str
    account_id: str | None = None


class Gap(Model):
    """A coverage gap: what could not be read. The error's message is not kept (it may quote a name)."""

    account_id: str | None = None
    service: str
    operation: str
    error_code: str


class ScanRecord(Model):
    """One run, as ``record.scan_record`` builds it and the store appends it."""

    scanned_at: datetime  # when the inventory was collected: the trend's time axis
    command: str  # scan, demo, readiness
    scope: str  # the key runs are compared within: ``record.scope_key``
    organization_id: str | None = None
    sources: list[str] = Field(default_factory=list)
    tool_version: str
    accounts: list[AccountCounts] = Field(default_factory=list)
    findings: list[FindingRef] | None = None  # active (not suppressed) findings; None: the run evaluated no rules
    # What this run re-checked: a finding missing from it is fixed only when its rule ran and its account was
    # read without a gap; otherwise it stays open (never read as fixed under uncertainty).
    rules_evaluated: list[str] = Field(default_factory=list)
    accounts_verified: list[str] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


class HistoryScan(Model):
    """One run in ``auditor history --format json`` (oldest first)."""

    run: int  # the run's number in the file
    scanned_at: datetime
    command: str
    scope: str
    organization_id: str | None = None
    sources: list[str] = Field(default_factory=list)
    tool_version: str
    accounts: int
    iam_users: int | None = None  # None: some account's users were not read
    active_access_keys: int | None = None
    old_access_keys: int | None = None
    console_without_mfa: int | None = None
    root_used_accounts: int | None = None
    users_by_class: dict[str, int] | None = None
    findings: dict[str, int] | None = None  # severity -> active findings; None: no rules evaluated
    findings_by_rule: dict[str, int] | None = None
    new: int | None = None  # against the previous run of the same scope that evaluated rules; None: no such run
    fixed: int | None = None
    readiness: dict[str, int] | None = None  # verdict -> accounts; None: not assessed
    gaps: int | None = None  # coverage gaps; None: a run recorded by a schema before gaps were kept
    per_account: list[AccountCounts] = Field(default_factory=list)


class HistoryReport(Model):
    """``auditor history FILE --format json``."""

    history_schema_version: int
    scans: list[HistoryScan] = Field(default_factory=list)


class FindingSpan(Model):
    """One stretch of time a finding was open in one scope: opened, last seen, fixed (None: still open)."""

    scope: str
    first_seen: datetime
    last_seen: datetime
    fixed: datetime | None = None


class FindingHistory(Model):
    """``auditor history FILE --finding FINGERPRINT``: first seen, last seen, fixed, in every scope."""

    fingerprint: str
    rule_id: str
    severity: str
    account_id: str | None = None
    first_seen: datetime
    last_seen: datetime
    fixed: datetime | None = None  # the latest span's fix; None: open in some scope
    spans: list[FindingSpan] = Field(default_factory=list)


class AccountVerdictChange(Model):
    """One account's readiness verdict in the first run selected and in the newest, and since when it holds
    the newest one: who migrated (or fell back) since last month. ``None`` verdict: not assessed in that run,
    or the account was not in it (``in_first`` / ``in_latest`` say which)."""

    account_id: str
    account_name: str | None = None
    in_first: bool
    in_latest: bool
    verdict_then: str | None = None
    verdict_now: str | None = None
    changed: bool  # the verdicts differ (an account that joined or left the scan counts as changed)
    since: datetime | None = None  # the first run of the stretch of runs that ended in the newest verdict


class AccountVerdicts(Model):
    """``auditor history FILE --accounts``: every account of one scope, the first selected run against the newest."""

    scope: str
    then: datetime
    now: datetime
    accounts: list[AccountVerdictChange] = Field(default_factory=list)
