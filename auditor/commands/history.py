"""``auditor history FILE``: the runs ``--history FILE`` recorded, as a table, JSON or a one-line summary, and
one finding's first seen / last seen / fixed dates. Also what the commands that take ``--history`` share: the
run recorded at the end, its failure turned into one line and exit 2 after the reports are written."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.options import Commands, exit_codes
from auditor.commands.values import calendar_date
from auditor.errors import ExitCode

if TYPE_CHECKING:
    from auditor.findings import Trend
    from auditor.history.models import ScanRecord

FORMATS = ("table", "json", "summary")


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "history",
        help="the runs recorded in a history file: a table, JSON, a one-line summary, a finding's dates",
        description="Read the history file that `auditor scan --history FILE`, `auditor demo --history FILE` and "
        "`auditor readiness --history FILE` append to: one line "
        "per run (newest last), the same as JSON (oldest first), or the one line a CI job summary shows (the "
        "newest run against the oldest one selected). --finding gives a finding's first seen, last seen and fixed "
        "dates. See docs/history.md.",
        epilog=exit_codes(
            (0, "printed"),
            (2, "usage, a history file that is missing, damaged or not an auditor history file, or an unknown finding"),
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the history file (SQLite) a run wrote")
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="table, json or summary (default: %(default)s)"
    )
    parser.add_argument(
        "--since", type=calendar_date, metavar="DATE", help="only runs collected on or after DATE (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--scope",
        metavar="SCOPE",
        help="only the runs of this scope (the table's scope column), or of the one scope containing SCOPE "
        "(an organization id, an OU path such as /Root/Prod)",
    )
    parser.add_argument(
        "--accounts",
        action="store_true",
        help="each account's readiness verdict in the first run selected (--since) and in the newest, and since "
        "when it holds the newest; the accounts that changed first (one scope: --scope, else the newest run's)",
    )
    parser.add_argument(
        "--finding", metavar="FINGERPRINT", help="one finding's first seen, last seen and fixed dates (a unique prefix)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.history.models import HistoryReport
    from auditor.history.schema import SCHEMA_VERSION
    from auditor.history.store import HistoryError, open_history
    from auditor.history.summary import account_lines, account_verdicts, finding_lines, summary_line, table

    with open_history(args.file, create=False) as store:
        if args.finding:
            found = store.finding(args.finding)
            if found is None:
                raise HistoryError(f"--finding {args.finding}: no such finding in {args.file}")
            sys.stdout.write(
                found.model_dump_json(indent=2) + "\n" if args.format == "json" else _lines(finding_lines(found))
            )
            return ExitCode.OK
        scope = _scope(args.scope, store.scopes(), args.file) if args.scope is not None else None
        if args.accounts:
            every = store.scans(scope=scope if scope is not None else store.latest_scope())
        scans = store.scans(since=args.since, scope=scope)
    if args.accounts:
        since = datetime.combine(args.since, time(), UTC) if args.since is not None else None
        verdicts = account_verdicts(every, since) if scans else None
        if verdicts is None:
            sys.stdout.write("no runs recorded\n" if args.since is None else _none_since(args.since))
        elif args.format == "json":
            sys.stdout.write(verdicts.model_dump_json(indent=2) + "\n")
        else:
            sys.stdout.write(_lines(account_lines(verdicts)))
        return ExitCode.OK
    if not scans and args.since is not None and args.format != "json":
        sys.stdout.write(_none_since(args.since))  # not "no runs recorded"
        return ExitCode.OK
    if args.format == "json":
        sys.stdout.write(HistoryReport(history_schema_version=SCHEMA_VERSION, scans=scans).model_dump_json(indent=2))
        sys.stdout.write("\n")
    elif args.format == "summary":
        sys.stdout.write(_lines(summary_line(scans)))
    else:
        sys.stdout.write(_lines(table(scans)))
    return ExitCode.OK


def _lines(text: str) -> str:
    """Text for a terminal or a CI log: a scope or an account name is text from AWS (an OU's name may hold any
    character), so no control character reaches the terminal (``util/text.py``)."""
    from auditor.util.text import terminal_text

    return "".join(terminal_text(line) + "\n" for line in text.splitlines())


def _none_since(since: date) -> str:
    return f"no run collected on or after {since.isoformat()}\n"


def _scope(wanted: str, scopes: list[str], path: Path) -> str:
    """``--scope``: a scope as the table names it, or the one scope that contains the text (``o-abc123``,
    ``/Root/Prod``), so that a person need not quote the whole key. Several matches: an error naming them."""
    from auditor.history.store import HistoryError
    from auditor.util.suggest import did_you_mean

    if wanted in scopes:
        return wanted
    matches = [s for s in scopes if wanted in s]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise HistoryError(f"--scope {wanted}: matches {len(matches)} scopes ({'; '.join(matches)}); give one whole")
    raise HistoryError(f"--scope {wanted}: no run of that scope in {path}" + did_you_mean(wanted, scopes))


def record_run(path: Path, record: ScanRecord) -> tuple[str | None, Trend | None]:
    """Append ``record`` to the history file, and read back the trend of its scope (this run last) for the
    report. On a file that cannot take it: the error line and no trend (the caller writes its reports first,
    then prints the line and exits 2)."""
    from auditor.history.store import HistoryError, open_history
    from auditor.history.summary import trend

    try:
        with open_history(path) as store:
            store.append(record)
            scans = store.scans(scope=record.scope)
            first_seen = store.first_seen(record.scope, [f.fingerprint for f in record.findings or []])
    except HistoryError as exc:
        return f"--history {exc}", None
    return None, trend(record.scope, scans, first_seen)
