"""What ``auditor history`` prints from the runs it reads: the table of runs, the one line a CI job summary
shows ("IAM users 212 → 198 since 2026-11-28"), and which accounts changed readiness verdict (``--accounts``:
the question "which accounts have migrated since last month" answered by name, not by a count). Pure: runs in,
text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from auditor.findings import Trend, TrendAccount, TrendPoint
from auditor.history.models import (
    AccountCounts,
    AccountVerdictChange,
    AccountVerdicts,
    FindingHistory,
    HistoryScan,
)

UNKNOWN = "?"  # a count some account could not give: never printed as 0

COLUMNS = (
    "run",
    "scanned at (UTC)",
    "scope",
    "accounts",
    "IAM users",
    "active keys",
    "old keys",
    "findings",
    "new",
    "fixed",
    "gaps",
    "readiness",
)


def table(scans: Sequence[HistoryScan]) -> str:
    """The runs, oldest first and newest last, one line each; ``?`` where a count is unknown."""
    if not scans:
        return "no runs recorded\n"
    rows = [COLUMNS] + [
        (
            str(s.run),
            s.scanned_at.strftime("%Y-%m-%d %H:%M"),
            s.scope,
            str(s.accounts),
            _count(s.iam_users),
            _count(s.active_access_keys),
            _count(s.old_access_keys),
            _count(sum(s.findings.values()) if s.findings is not None else None) if s.findings is not None else "-",
            _count(s.new),
            _count(s.fixed),
            _count(s.gaps),
            ", ".join(f"{n} {verdict}" for verdict, n in (s.readiness or {}).items()) or "-",
        )
        for s in scans
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in rows
    )


def summary_line(scans: Sequence[HistoryScan]) -> str:
    """The newest run against the oldest one of ``scans`` (one scope: the newest run's), for a CI job summary:
    ``IAM users 212 → 198, active access keys 40 → 31, findings 57 → 49 since 2026-11-28 (7 days, scope o-...)``.
    A count unknown in either run is shown as ``?``, not left out: a reader must not take a gap for progress."""
    if not scans:
        return "no runs recorded"
    latest = scans[-1]
    same = [s for s in scans if s.scope == latest.scope]
    first = same[0]
    if first.run == latest.run:
        return (
            f"IAM users {_count(latest.iam_users)}, active access keys {_count(latest.active_access_keys)}: "
            f"the first run recorded (scope {latest.scope})"
        )
    parts = [
        f"IAM users {_count(first.iam_users)} → {_count(latest.iam_users)}",
        f"active access keys {_count(first.active_access_keys)} → {_count(latest.active_access_keys)}",
    ]
    if first.findings is not None and latest.findings is not None:
        parts.append(f"findings {sum(first.findings.values())} → {sum(latest.findings.values())}")
    if latest.readiness is not None:
        migrated = latest.readiness.get("migrated", 0)
        parts.append(f"accounts migrated {(first.readiness or {}).get('migrated', 0)} → {migrated}")
    days = (latest.scanned_at - first.scanned_at).days
    return (
        ", ".join(parts)
        + f" since {first.scanned_at.date().isoformat()} ({days} day{'s' if days != 1 else ''}, scope {latest.scope})"
    )


def finding_lines(history: FindingHistory) -> str:
    lines = [
        f"{history.fingerprint}  {history.rule_id} ({history.severity})"
        + (f" in account {history.account_id}" if history.account_id else ""),
        f"first seen {history.first_seen.isoformat()}",
        f"last seen  {history.last_seen.isoformat()}",
        f"fixed      {history.fixed.isoformat() if history.fixed else 'no (still open)'}",
    ]
    if len(history.spans) > 1:
        lines.append(f"{len(history.spans)} spans (fixed and seen again, or in several scopes):")
        lines += [
            f"  {s.scope}: {s.first_seen.date()} .. {s.last_seen.date()}, "
            f"{'fixed ' + s.fixed.date().isoformat() if s.fixed else 'open'}"
            for s in history.spans
        ]
    return "".join(line + "\n" for line in lines)


def account_verdicts(scans: Sequence[HistoryScan], since: datetime | None = None) -> AccountVerdicts | None:
    """Each account's verdict in the first run at or after ``since`` (else the first run) and in the newest, and
    since when it holds the newest: ``scans`` are every run of one scope, oldest first. ``since`` only chooses
    the "then" run; "since when" looks back over every run, so an account migrated two months ago says so."""
    if not scans:
        return None
    latest = scans[-1]
    then = next((s for s in scans if since is None or s.scanned_at >= since), latest)
    states = [{a.account_id: a for a in s.per_account} for s in scans]
    ids = list(dict.fromkeys([a.account_id for a in then.per_account] + [a.account_id for a in latest.per_account]))
    rows = []
    for account_id in ids:
        before, now = states[scans.index(then)].get(account_id), states[-1].get(account_id)

        def state(run: dict[str, AccountCounts], account_id: str = account_id) -> tuple[bool, str | None]:
            account = run.get(account_id)
            return account is not None, account.verdict if account is not None else None

        current = state(states[-1])
        start = len(scans) - 1
        while start > 0 and state(states[start - 1]) == current:
            start -= 1
        named = now or before
        rows.append(
            AccountVerdictChange(
                account_id=account_id,
                account_name=named.account_name if named is not None else None,
                in_first=before is not None,
                in_latest=now is not None,
                verdict_then=before.verdict if before is not None else None,
                verdict_now=now.verdict if now is not None else None,
                changed=state(states[scans.index(then)]) != current,
                since=scans[start].scanned_at,
            )
        )
    rows.sort(key=lambda r: (not r.changed, r.account_name or "", r.account_id))
    return AccountVerdicts(scope=latest.scope, then=then.scanned_at, now=latest.scanned_at, accounts=rows)


def account_lines(verdicts: AccountVerdicts) -> str:
    """``--accounts`` as a table: the accounts whose verdict changed first (marked ``*``), then the others."""
    rows = [("", "account", "name", f"then ({verdicts.then:%Y-%m-%d})", f"now ({verdicts.now:%Y-%m-%d})", "since")]
    for a in verdicts.accounts:
        rows.append(
            (
                "*" if a.changed else "",
                a.account_id,
                a.account_name or "",
                _verdict(a.verdict_then, a.in_first),
                _verdict(a.verdict_now, a.in_latest),
                a.since.strftime("%Y-%m-%d %H:%M") if a.since is not None else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    changed = sum(1 for a in verdicts.accounts if a.changed)
    head = f"scope {verdicts.scope}: {changed} of {len(verdicts.accounts)} account(s) changed verdict\n"
    return head + "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in rows
    )


def _verdict(verdict: str | None, present: bool) -> str:
    if not present:
        return "not in the run"
    return verdict or "not assessed"


def _count(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def trend(scope: str, scans: Sequence[HistoryScan], first_seen: Mapping[str, datetime]) -> Trend:
    """The report's Trend section from the runs of one scope (oldest first, this run last)."""
    first = {a.account_id: a.verdict for a in scans[0].per_account} if scans else {}
    latest = scans[-1].per_account if scans else []
    return Trend(
        scope=scope,
        points=[
            TrendPoint(
                scanned_at=s.scanned_at,
                iam_users=s.iam_users,
                active_access_keys=s.active_access_keys,
                findings=sum(s.findings.values()) if s.findings is not None else None,
                new=s.new,
                fixed=s.fixed,
                readiness=s.readiness,
            )
            for s in scans
        ],
        accounts=[
            TrendAccount(
                account_id=a.account_id,
                account_name=a.account_name,
                first_verdict=first.get(a.account_id),
                verdict=a.verdict,
            )
            for a in latest
        ],
        first_seen=dict(first_seen),
    )
