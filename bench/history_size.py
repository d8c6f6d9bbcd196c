"""How big the ``--history`` file gets: a year of nightly runs of a large organization, simulated.

    python bench/history_size.py                          # 365 nights, 100 accounts x 200 IAM users, 40,000 findings
    python bench/history_size.py --nights 30 --findings 5000

Each night is a ``ScanRecord`` built the way ``auditor.history.record.scan_record`` builds one from a scan, but
with the numbers simulated instead of collected (a real scan of this size takes minutes per night; only the rows
matter here): every account with its counts (IAM users falling by ``--migrate`` a night over the year, keys,
readiness classes and verdict), ``--findings`` active findings with 32-hex-digit fingerprints like the real
ones, ``--churn`` of them fixed each night and as many new ones, and two coverage gaps. The records go through
the real store (``open_history``: WAL, one transaction per run), and the file is measured after a checkpoint
(``PRAGMA wal_checkpoint(TRUNCATE)``, what the last connection's close does anyway). Prints a markdown table:
nights, runs, finding spans, file size, bytes per night, and the seconds the appends took; then where the bytes
are, table by table and index by index (SQLite's ``dbstat``, when the library has it). Not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.history.models import AccountCounts, FindingRef, Gap, ScanRecord  # noqa: E402
from auditor.history.store import open_history  # noqa: E402

RULES = ("KEY-001", "KEY-002", "KEY-003", "USER-001", "USER-002", "USER-003", "ROOT-001", "IDC-006")
SEVERITIES = ("critical", "high", "medium", "low", "info")
VERDICTS = ("blocked", "needs-review", "ready", "migrated")


def fingerprint(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()[:32]


def night(n: int, accounts: int, users: int, open_findings: list[int], migrate: float) -> ScanRecord:
    rng = random.Random(n)
    left = max(0, round(users * (1 - migrate * n)))
    account_ids = [f"{100000000000 + a:012d}" for a in range(accounts)]
    return ScanRecord(
        scanned_at=datetime(2026, 1, 1, 4, 17, tzinfo=UTC) + timedelta(days=n),
        command="scan",
        scope="o-exampleorg1 aws",
        organization_id="o-exampleorg1",
        sources=["aws"],
        tool_version="0.1.0",
        accounts=[
            AccountCounts(
                account_id=a,
                account_name=f"account-{i:03d}",
                iam_users=left,
                users_by_class={"human": left * 6 // 10, "workload": left * 3 // 10, "stale": left // 10},
                active_access_keys=left // 2,
                old_access_keys=left // 5,
                console_without_mfa=rng.randint(0, 5),
                root_used=rng.random() < 0.02,
                verdict=VERDICTS[min(3, (n * 4 + i) // 365)],
            )
            for i, a in enumerate(account_ids)
        ],
        findings=[
            FindingRef(
                fingerprint=fingerprint(f),
                rule_id=RULES[f % len(RULES)],
                severity=SEVERITIES[f % len(SEVERITIES)],
                account_id=account_ids[f % accounts],
            )
            for f in open_findings
        ],
        rules_evaluated=list(RULES),
        accounts_verified=account_ids,
        gaps=[
            Gap(
                account_id=account_ids[0],
                service="iam",
                operation="GenerateServiceLastAccessedDetails",
                error_code="AccessDenied",
            )
        ]
        * 2,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--users", type=int, default=200, help="IAM users per account on the first night")
    parser.add_argument("--findings", type=int, default=40_000)
    parser.add_argument("--churn", type=float, default=0.01, help="share of findings fixed (and as many new) a night")
    parser.add_argument("--migrate", type=float, default=0.002, help="share of IAM users gone a night")
    args = parser.parse_args()
    open_findings = list(range(args.findings))
    next_id = args.findings
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "history.db"
        started = time.perf_counter()
        for n in range(args.nights):
            with open_history(path) as store:
                store.append(night(n, args.accounts, args.users, open_findings, args.migrate))
            turn = int(len(open_findings) * args.churn)
            open_findings = open_findings[turn:] + list(range(next_id, next_id + turn))
            next_id += turn
        elapsed = time.perf_counter() - started
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        spans = db.execute("SELECT count(*) FROM finding_spans").fetchone()[0]
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
        try:
            parts = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
        except sqlite3.OperationalError:  # built without SQLITE_ENABLE_DBSTAT_VTAB
            parts = []
        db.close()
        size = path.stat().st_size
    print("| nights | accounts | findings a night | churn | runs | finding spans | file | per night | appends |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.nights} | {args.accounts} | {args.findings:,} | {args.churn:.0%} | {runs} | {spans:,} | "
        f"{size / 1e6:.1f} MB | {size / args.nights / 1e3:.0f} KB | {elapsed:.1f} s "
        f"({elapsed / args.nights * 1e3:.0f} ms each) |"
    )
    if parts:
        print()
        print("| table or index | size |")
        print("|---|---|")
        for name, pages in parts:
            print(f"| {name} | {pages / 1e6:.1f} MB |")


if __name__ == "__main__":
    main()
