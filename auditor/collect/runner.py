"""Run a scan: check the credentials, discover accounts, collect them concurrently, assemble the Inventory.

Accounts that cannot be entered (AssumeRole refused, no such role) are *absent* from ``inventory.accounts``:
an ``AccountInventory`` always means "we got in". Their failure is an error entry filed under the account
id, and in ``--org`` scans they still appear in ``inventory.organization.accounts``. Inside an account that
was entered, a part that could not be read is ``None`` plus an error entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import boto3

import auditor
from auditor.collect.account import AccountReading, finish_account, read_account, start_report
from auditor.collect.aws_managed import OPERATION as AWS_MANAGED_OPERATION
from auditor.collect.aws_managed import attached_aws_managed_policies, read_aws_managed_policies
from auditor.collect.calls import CallContext, ErrorSink, ScanControl, ScanStopped, guarded
from auditor.collect.credential_report import ReportGeneration, Sleep
from auditor.collect.identity_center import AREAS as IDENTITY_CENTER_AREAS
from auditor.collect.identity_center import IdentityCenterSource, collect_identity_center
from auditor.collect.options import CollectOptions
from auditor.collect.organizations import ACCOUNT_PLACEMENT_OPERATIONS, collect_organization, with_account_tags
from auditor.collect.scope import is_account_selected, selected_org_accounts
from auditor.collect.session import (
    AccountAccess,
    ClientFactory,
    assume_role,
    base_access,
    identify,
    open_base_session,
    profile_access,
    scan_region,
)
from auditor.errors import InputError
from auditor.inventory import (
    AccountInventory,
    CallerIdentity,
    CollectionError,
    CollectionInfo,
    IdentityCenter,
    Inventory,
    ManagedPolicy,
    OrgAccount,
    Organization,
    ToolInfo,
)
from auditor.launch import interruption
from auditor.source import AWS_SOURCE, Source

# Concurrent calls to one account's Organizations / Identity Center APIs. Accounts are read concurrently up to
# --concurrency, but each account's calls are sequential, so IAM's per-account rate limits see one caller each.
DRIVER_FANOUT = 8


@dataclass(frozen=True)
class _Target:
    """An account to collect; ``access`` is ``None`` when it is reached by assuming the audit role."""

    account_id: str
    org_account: OrgAccount | None = None
    access: AccountAccess | None = None


class AwsSource(Source):
    """The accounts reachable through botocore's credential chain: one, several profiles, or an organization."""

    name = AWS_SOURCE

    def __init__(
        self, options: CollectOptions, session: boto3.Session | None = None, *, sleep: Sleep = time.sleep
    ) -> None:
        self.options = options
        self.session = session
        self.sleep = sleep

    def collect(self) -> Inventory:
        return collect(self.options, self.session, sleep=self.sleep)


def collect(options: CollectOptions, session: boto3.Session | None = None, *, sleep: Sleep = time.sleep) -> Inventory:
    """Collect an Inventory from AWS.

    ``session`` is the base session (default: ``boto3.Session()``): the default source, and the management
    account (or delegated administrator) in ``--org`` scans unless ``--profile`` names one; with profiles,
    the first profile drives the scan. Every client is created from it (see ``session.py``).

    Raises ``CredentialsError`` (one line) when the driving credentials or any named profile are unusable,
    and ``InputError`` when a scope option matches nothing. Everything else becomes an error entry: an
    account whose role cannot be assumed is absent from ``inventory.accounts`` (an error entry under its id
    says why); a part of an account that cannot be read is ``None``. Without a credential report, every
    user's access keys are listed (with it, only users whose report row shows a key).

    Bounded: ``options.account_timeout`` and ``options.timeout`` turn what is not read in time into error
    entries (``AccountTimeout``, ``ScanTimeout``). Ctrl-C raises :class:`ScanInterrupted` carrying the partial
    inventory, once the queued accounts are cancelled; the calls in flight stop before their next request.
    """
    if options.ous and not options.org:
        raise InputError("--ou needs --org: organizational units are only known from the organization listing")
    started_at = datetime.now(UTC)
    base_session = open_base_session(session)
    region = scan_region(options.region, base_session)
    factory = ClientFactory(base_session, max_pool_connections=options.concurrency)
    identified_profiles = [identify(profile_access(factory, name, region)) for name in options.profiles]
    driver, caller = (
        identified_profiles[0] if identified_profiles else identify(base_access(factory, base_session, region))
    )
    scan = _Scan(options, driver, caller, sleep)
    try:
        return _run_scan(
            scan,
            accesses_by_account=_first_access_per_account([(driver, caller), *identified_profiles]),
            region=region,
            started_at=started_at,
        )
    except KeyboardInterrupt:
        scan.control.cancel()  # calls still in flight stop before their next request
        raise ScanInterrupted(scan.partial_inventory(region, started_at)) from None


class ScanInterrupted(KeyboardInterrupt):
    """Ctrl-C during a scan: ``inventory`` is what was read so far, every account not read listed as an error."""

    def __init__(self, inventory: Inventory) -> None:
        super().__init__("interrupted")
        self.inventory = inventory


def _run_scan(
    scan: _Scan, *, accesses_by_account: dict[str, AccountAccess], region: str, started_at: datetime
) -> Inventory:
    options, driver, caller = scan.options, scan.driver, scan.caller
    organization = scan.organization() if options.org else None
    if organization is not None:
        # Scope first, then pay per account: tags (and below, assignments) only for the selected accounts.
        selected_ids = [account.id for account in selected_org_accounts(organization, options)]
        organization = scan.with_tags(organization, selected_ids)
        scan.cover_organization_gaps(selected_ids)
        targets = scan.org_targets(organization, selected_ids, accesses_by_account)
    else:
        targets = scan.direct_targets(accesses_by_account)
    if not targets:
        raise InputError(_nothing_selected(options, accesses_by_account))
    accounts = scan.accounts(targets, organization)
    identity_center_region = options.identity_center_region or region
    identity_center = scan.identity_center(
        _identity_center_source(driver, caller, organization, accounts, accesses_by_account, identity_center_region),
        _assignment_account_ids(organization, targets, accounts),
    )
    aws_managed_policies = scan.aws_managed_policies(accounts, identity_center)
    return scan.inventory(region, started_at, identity_center, accounts, aws_managed_policies)


class _Scan:
    """The state one scan's steps share: options, the driving credentials, the error sink."""

    def __init__(self, options: CollectOptions, driver: AccountAccess, caller: CallerIdentity, sleep: Sleep) -> None:
        self.options = options
        self.driver = driver
        self.caller = caller
        self.sleep = sleep
        self.errors = ErrorSink()
        self.workers = max(1, options.concurrency)
        # Fan-outs inside the driver's own account (OU walk, tags, assignments, group members) all draw on that
        # one account's API quotas: they stay at today's width whatever --concurrency is.
        self.driver_workers = min(self.workers, DRIVER_FANOUT)
        self.control = ScanControl(options.timeout)
        # what was read so far, for the partial inventory of an interrupted scan
        self.organization_read: Organization | None = None
        self.targets: list[_Target] = []
        self.collected: list[AccountInventory] = []
        self.finished: set[str] = set()  # account ids whose collection ended, entered or not
        self._collected_lock = threading.Lock()

    def inventory(
        self,
        region: str,
        started_at: datetime,
        identity_center: IdentityCenter | None,
        accounts: list[AccountInventory],
        aws_managed_policies: list[ManagedPolicy] | None = None,
    ) -> Inventory:
        identity_center_region = self.options.identity_center_region or region
        return Inventory(
            tool=ToolInfo(name=auditor.TOOL_NAME, version=auditor.__version__),
            collection=CollectionInfo(
                started_at=started_at,
                finished_at=datetime.now(UTC),
                caller=self.caller,
                sources=_sources(self.options),
                regions=sorted({region, identity_center_region}),
                sources_collected=[AWS_SOURCE],
            ),
            organization=self.organization_read,
            identity_center=identity_center,
            accounts=accounts,
            errors=self.errors.sorted(),
            aws_managed_policies=aws_managed_policies,
        )

    def partial_inventory(self, region: str, started_at: datetime) -> Inventory:
        """What an interrupted scan read: the accounts finished so far; every other one is an error entry."""
        with self._collected_lock:
            accounts = sorted(self.collected, key=lambda account: account.account_id)
        with self._collected_lock:
            finished = set(self.finished)
        for target in self.targets:
            if target.account_id not in finished:  # an account refused earlier keeps its own gap
                self.errors.add(_stopped_error(target.account_id, "collect_account", _interrupted()))
        self.errors.add(
            CollectionError(
                service="auditor",
                operation="scan",
                error_code="Interrupted",
                message=f"the scan was {interruption()}: this inventory is partial",
            )
        )
        return self.inventory(region, started_at, None, accounts)

    def _stopped(self, account_id: str | None, operation: str, stop: ScanStopped) -> None:
        self.errors.add(_stopped_error(account_id, operation, stop))

    def organization(self) -> Organization | None:
        """``None`` when the organization cannot be listed: the scan then covers the driver's own account."""
        ctx = CallContext(self.errors, self.caller.account_id, self.control)
        try:
            self.organization_read = guarded(
                ctx,
                "organization",
                lambda: collect_organization(ctx, self.driver, self.driver_workers),
                operation="collect_organization",
            )
        except ScanStopped as stop:
            self._stopped(self.caller.account_id, "collect_organization", stop)
        return self.organization_read

    def cover_organization_gaps(self, selected_ids: list[str]) -> None:
        """The organization listing's gaps (an account list or OU branch not read, the step itself lost) cover
        every selected account: their placement, which production patterns read, may be wrong or missing."""

        def placement_gap(error: CollectionError) -> bool:
            if error.account_id != self.caller.account_id:
                return False
            if error.service == "organizations":
                return error.operation in ACCOUNT_PLACEMENT_OPERATIONS
            return error.service == "auditor" and error.operation == "collect_organization"

        self.errors.cover(placement_gap, selected_ids)

    def with_tags(self, organization: Organization, account_ids: list[str]) -> Organization:
        """The organization with the tags of ``account_ids`` read; the others stay ``None`` (not read)."""
        ctx = CallContext(self.errors, self.caller.account_id, self.control)
        try:
            tagged = guarded(
                ctx,
                "account tags",
                lambda: with_account_tags(ctx, self.driver, organization, account_ids, self.driver_workers),
                operation="collect_organization",
            )
        except ScanStopped as stop:
            self._stopped(self.caller.account_id, "collect_organization", stop)
            tagged = None
        self.organization_read = tagged or organization
        return self.organization_read

    def org_targets(
        self, organization: Organization, account_ids: list[str], accesses_by_account: dict[str, AccountAccess]
    ) -> list[_Target]:
        """Accounts we already hold credentials for (the driver's, profiles') use them; the rest assume the role."""
        selected = set(account_ids)
        return [
            _Target(account.id, org_account=account, access=accesses_by_account.get(account.id))
            for account in organization.accounts
            if account.id in selected
        ]

    def direct_targets(self, accesses_by_account: dict[str, AccountAccess]) -> list[_Target]:
        return [
            _Target(account_id, access=access)
            for account_id, access in sorted(accesses_by_account.items())
            if is_account_selected(account_id, self.options)
        ]

    def accounts(self, targets: list[_Target], organization: Organization | None) -> list[AccountInventory]:
        """Collect accounts concurrently; report progress as each one finishes.

        Three kinds of task share one pool of ``workers`` threads, in its FIFO queue: first every account is
        entered and its credential report asked for (two calls each), then each entered account is read (its
        users' last-accessed jobs started, not read), then each read account is finished (the jobs read).
        AWS builds the reports and the jobs (seconds each) while the workers read other accounts, so neither
        polling wait is on an account's critical path, holding a worker per account.

        On Ctrl-C the queued accounts are cancelled and the pool is not waited for: the accounts in flight stop
        before their next call (``ScanControl``), and the caller builds the partial inventory at once.
        """
        self.targets = list(targets)
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="auditor-account")
        try:
            pending: dict[Future[Any], _Target] = {pool.submit(self._enter, target): target for target in targets}
            done = 0
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    target = pending.pop(future)
                    result = future.result()
                    if isinstance(result, _Entered):
                        pending[pool.submit(self._read, result, organization)] = target
                        continue
                    if isinstance(result, _Read):
                        pending[pool.submit(self._finish, result)] = target
                        continue
                    done += 1
                    with self._collected_lock:
                        self.finished.add(target.account_id)
                        if result is not None:
                            self.collected.append(result)
                    if self.options.progress:
                        self.options.progress(done, len(targets), target.account_id)
        except BaseException:
            self.control.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        with self._collected_lock:
            return sorted(self.collected, key=lambda account: account.account_id)

    def _enter(self, target: _Target) -> _Entered | None:
        """Enter the account (AssumeRole unless we hold its credentials) and ask for its credential report."""
        timeout = self.options.account_timeout
        ctx = CallContext(self.errors, target.account_id, self.control, self.control.account_deadline(timeout), timeout)

        def enter() -> _Entered | None:
            access = target.access or assume_role(
                ctx, self.driver, target.account_id, self.options.role_name, self.options.external_id
            )
            if access is None:
                return None
            generation = start_report(ctx, access.client("iam"))
            return _Entered(target, ctx, access, generation, self.control.clock() - entered_at)

        entered_at = self.control.clock()

        try:
            return guarded(ctx, "account", enter)
        except ScanStopped as stop:  # the account's deadline, the scan's, or Ctrl-C: the account is a gap
            self._stopped(target.account_id, "collect_account", stop)
            return None

    def _read(self, entered: _Entered, organization: Organization | None) -> _Read | None:
        """Read an entered account. Its time in the queue is not its own: the deadline resumes from entering."""
        target, timeout = entered.target, self.options.account_timeout
        remaining = None if timeout is None else timeout - entered.seconds_to_enter
        ctx = replace(entered.ctx, deadline=self.control.account_deadline(remaining))
        started = self.control.clock()
        reading: AccountReading | None = None
        try:
            reading = guarded(
                ctx,
                "account",
                lambda: read_account(
                    ctx,
                    entered.access,
                    target.account_id,
                    organization,
                    target.org_account,
                    self.sleep,
                    entered.report_generation,
                ),
            )
        except ScanStopped as stop:
            self._stopped(target.account_id, "collect_account", stop)
        finally:
            if reading is None:
                self._let_go(entered)
        if reading is None:
            return None
        return _Read(entered, ctx, reading, entered.seconds_to_enter + self.control.clock() - started)

    def _finish(self, read: _Read) -> AccountInventory | None:
        """Read the account's last-accessed jobs and build it; again, its time in the queue is not its own."""
        entered, timeout = read.entered, self.options.account_timeout
        remaining = None if timeout is None else timeout - read.seconds_used
        ctx = replace(read.ctx, deadline=self.control.account_deadline(remaining))
        try:
            return guarded(ctx, "account", lambda: finish_account(ctx, entered.access, read.reading, self.sleep))
        except ScanStopped as stop:
            self._stopped(entered.target.account_id, "collect_account", stop)
            return None
        finally:
            self._let_go(entered)

    def _let_go(self, entered: _Entered) -> None:
        """An account's own clients (the role assumed for it) are not needed once it is finished."""
        if entered.target.access is None and entered.access.credentials is not None:
            entered.access.factory.forget(entered.access.credentials)

    def aws_managed_policies(
        self, accounts: list[AccountInventory], identity_center: IdentityCenter | None
    ) -> list[ManagedPolicy] | None:
        """The AWS managed policies found in use anywhere in the scan, each read once with the driver's credentials."""
        # The documents decide what is privileged in every account scanned: a gap covers all their findings.
        ctx = CallContext(self.errors, self.caller.account_id, self.control).covering([a.account_id for a in accounts])
        policy_arns = attached_aws_managed_policies(accounts, identity_center)
        iam = self.driver.client("iam")
        try:
            return guarded(
                ctx,
                "AWS managed policies",
                lambda: read_aws_managed_policies(ctx, iam, policy_arns, self.driver_workers),
                operation=AWS_MANAGED_OPERATION,
            )
        except ScanStopped as stop:
            self.errors.add(_stopped_in(ctx, AWS_MANAGED_OPERATION, stop))
            return None

    def identity_center(self, source: IdentityCenterSource, account_ids: list[str]) -> IdentityCenter | None:
        """Read from the instance's owner, about every account in scope: its gaps cover their IDC findings."""
        ctx = CallContext(self.errors, source.account_id, self.control).covering(account_ids, IDENTITY_CENTER_AREAS)
        try:
            return guarded(
                ctx,
                "identity center",
                lambda: collect_identity_center(ctx, source, account_ids, self.driver_workers),
                operation="collect_identity_center",
            )
        except ScanStopped as stop:
            self.errors.add(_stopped_in(ctx, "collect_identity_center", stop))
            return None


@dataclass(frozen=True)
class _Entered:
    """An account we are in, with its credential report asked for: what its reading task starts from."""

    target: _Target
    ctx: CallContext
    access: AccountAccess
    report_generation: ReportGeneration | None
    seconds_to_enter: float  # counted against the account's --account-timeout when it is read


@dataclass(frozen=True)
class _Read:
    """An account read, its last-accessed jobs still to be read: what its finishing task starts from."""

    entered: _Entered
    ctx: CallContext
    reading: AccountReading
    seconds_used: float  # entering and reading, counted against --account-timeout when it is finished


def _interrupted() -> ScanStopped:
    """An account not read because the run was stopped, saying by what (Ctrl-C or SIGTERM)."""
    return ScanStopped("Interrupted", f"not read: the scan was {interruption()}")


def _stopped_error(account_id: str | None, operation: str, stop: ScanStopped) -> CollectionError:
    return CollectionError(
        account_id=account_id, service="auditor", operation=operation, error_code=stop.code, message=str(stop)
    )


def _stopped_in(ctx: CallContext, operation: str, stop: ScanStopped) -> CollectionError:
    """A stopped phase's entry, covering what the phase's reads would have covered."""
    return ctx.entry(service="auditor", operation=operation, error_code=stop.code, message=str(stop))


def _nothing_selected(options: CollectOptions, accesses_by_account: dict[str, AccountAccess]) -> str:
    """Why the scope is empty, in one line: a scan of nothing must not pass a gate."""
    if options.accounts is not None and not options.accounts:
        return "--accounts names no account id: nothing to scan"
    if not options.org:
        reachable = ", ".join(sorted(accesses_by_account))
        return (
            f"no account to scan: --accounts/--exclude-accounts leave none of the accounts reached ({reachable}); "
            "use --org to scan member accounts"
        )
    return "no account to scan: the scope options leave no ACTIVE account of the organization"


def _first_access_per_account(
    identified: Iterable[tuple[AccountAccess, CallerIdentity]],
) -> dict[str, AccountAccess]:
    """Two profiles into the same account collect it once, with the first one given."""
    accesses_by_account: dict[str, AccountAccess] = {}
    for access, identity in identified:
        accesses_by_account.setdefault(identity.account_id, access)
    return accesses_by_account


def _identity_center_source(
    driver: AccountAccess,
    caller: CallerIdentity,
    organization: Organization | None,
    accounts: list[AccountInventory],
    accesses_by_account: dict[str, AccountAccess],
    region: str,
) -> IdentityCenterSource:
    """The management account if we hold its credentials, else the driver (perhaps a delegated admin)."""
    if organization is not None:
        is_management = caller.account_id == organization.management_account_id
        return IdentityCenterSource(driver, caller.account_id, region, is_management_account=is_management)
    management = next((a for a in accounts if a.is_management and a.account_id in accesses_by_account), None)
    if management is not None:
        return IdentityCenterSource(
            accesses_by_account[management.account_id], management.account_id, region, is_management_account=True
        )
    own_account = next((a for a in accounts if a.account_id == caller.account_id), None)
    return IdentityCenterSource(driver, caller.account_id, region, _is_own_instance_owner(own_account))


def _assignment_account_ids(
    organization: Organization | None, targets: list[_Target], accounts: list[AccountInventory]
) -> list[str]:
    """The accounts whose Identity Center assignments are listed: the scan's scope, nothing more.

    With an organization: the selected accounts (ACTIVE or of unknown state, chosen by --accounts,
    --exclude-accounts and --ou), entered or not, since the assignments are read from the instance owner.
    Without one: the accounts scanned, which we could enter. A scan narrowed to one account of a 1,000-account
    organization asks about that one account; IDC-002 judges only the accounts asked about
    (``IdentityCenter.assignments_listed_accounts``), and shards of an organization together cover it.
    """
    if organization is None:
        return [account.account_id for account in accounts]
    return [target.account_id for target in targets]


def _is_own_instance_owner(account: AccountInventory | None) -> bool | None:
    """A standalone account owns its instance; a known member does not; otherwise we cannot tell."""
    if account is None or account.in_organization is None:
        return None
    return account.is_management or not account.in_organization


def _sources(options: CollectOptions) -> list[str]:
    profiles = [f"profile:{name}" for name in options.profiles]
    # The selection, so that a shard's reports (SARIF automationDetails.id) can tell it from its siblings.
    selection = [f"ou:{ou}" for ou in options.ous]
    if options.accounts:
        selection.append("accounts:" + ",".join(sorted(options.accounts)))
    if options.exclude_accounts:
        selection.append("exclude-accounts:" + ",".join(sorted(options.exclude_accounts)))
    if options.org:
        return [f"org:{options.role_name}", *profiles, *selection]
    return [*(profiles or ["default"]), *selection]
