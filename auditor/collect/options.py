"""What to collect and how: the options the CLI (and library callers) hand to :func:`auditor.collect.runner.collect`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# A large account (thousands of users, one ListAccessKeys each) reads in a few minutes; 15 minutes means stuck.
DEFAULT_ACCOUNT_TIMEOUT_SECONDS = 900.0

# Accounts read at once. Each account's calls are sequential, so IAM (throttled per account) sees one caller
# per account whatever this is; the calls into the scanning account itself are capped apart (runner.py,
# DRIVER_FANOUT). Measured (docs/benchmarks.md): at 50 ms per call, 101 accounts take 121 s at 8, 91 s at 16
# and 87 s at 32 -- past 16 the scan is CPU-bound, and more threads only add contention.
DEFAULT_CONCURRENCY = 16

# The member-account role assumed with --org: the one AWS Organizations creates in the accounts it creates.
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"


@dataclass
class CollectOptions:
    org: bool = False  # discover accounts via Organizations, assume role_name in members
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    # repeatable --profile; each profile's account is collected with that profile's credentials
    profiles: list[str] = field(default_factory=list)
    accounts: list[str] | None = None  # only these account ids
    exclude_accounts: list[str] = field(default_factory=list)
    ous: list[str] = field(default_factory=list)  # OU ids (ou-...), names or paths; nested OUs included
    concurrency: int = DEFAULT_CONCURRENCY
    region: str | None = None  # region for regional clients; default: the session's region or us-east-1
    identity_center_region: str | None = None  # where to look for the Identity Center instance; default = region
    progress: Callable[[int, int, str], None] | None = None  # (done, total, account_id) after each account
    # seconds one account may take (entering it included); past it the account is a gap. None: no limit
    account_timeout: float | None = DEFAULT_ACCOUNT_TIMEOUT_SECONDS
    timeout: float | None = None  # seconds the whole scan may take; accounts not read by then are gaps
