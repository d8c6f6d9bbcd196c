"""``auditor readiness``: who still uses IAM users, who they are in Identity Center, and the migration plan
(``migration-plan.md`` and ``.csv``), from a collection, a saved inventory or the demo organization."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from auditor.commands.console import report_gaps, say
from auditor.commands.options import (
    DEFAULT_OUTPUT_DIR,
    Commands,
    add_demo_input,
    add_history_option,
    add_inventory_input,
    add_source_options,
    exit_codes,
)
from auditor.commands.sources import accounts_entered, collect, no_account_read, read_no_account
from auditor.commands.values import calendar_date, positive_int
from auditor.errors import ExitCode, InputError

if TYPE_CHECKING:
    from datetime import date

    from auditor.engine.config import Config
    from auditor.inventory import Inventory
    from auditor.readiness.models import Readiness


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "readiness",
        help="migration readiness: who still uses IAM users, who they are in Identity Center, the plan",
        description="Classify every IAM user (human, workload, break-glass, stale), match people to Identity Center "
        "users, give each account a verdict (migrated, ready, blocked) and write migration-plan.md and "
        "migration-plan.csv: the steps, in an order that locks nobody out. See docs/migration.md.",
        epilog=exit_codes(
            (0, "the plan was written, every account read"),
            (
                2,
                "could not run: usage, configuration, credentials, an unreadable --from-inventory, an unwritable "
                "--output-dir, or no account read at all",
            ),
            (3, "the plan was written, but coverage is incomplete (what was not read is listed on stderr)"),
        ),
    )
    add_source_options(parser)
    add_inventory_input(parser, stdin=False)  # the plan names the file: sso-config reads it again
    add_demo_input(parser, "assess")
    add_history_option(parser)
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="auditor.toml (default: ./auditor.toml when present)"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        metavar="DIR",
        help="where migration-plan.md and migration-plan.csv are written, and the inventory the plan was built "
        "from (inventory.json, unless --from-inventory names it) (default: %(default)s)",
    )
    parser.add_argument(
        "--start",
        type=calendar_date,
        metavar="DATE",
        help="the plan's first day, YYYY-MM-DD: each step's not-before date counts from it (default: the day the "
        "inventory was collected)",
    )
    parser.add_argument(
        "--watch-days",
        type=positive_int,
        default=7,
        metavar="N",
        help="days between switching an IAM user off (reversibly) and deleting it (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.engine.config import load_config
    from auditor.readiness.plan_render import PLAN_FILE_NAMES
    from auditor.util.inputfile import STDIN
    from auditor.util.safefile import check_output_files, prepare_output_dir
    from auditor.util.text import terminal_text

    if args.from_inventory == STDIN:  # not standard input: the plan's sign-in steps name the file to read again
        raise InputError(
            "--from-inventory -: the plan names the inventory file (auditor sso-config --from-inventory FILE); "
            "save it to a file and name that"
        )
    config = load_config(args.config)
    prepare_output_dir(args.output_dir)
    outputs = [(args.output_dir / name, "--output-dir") for name in PLAN_FILE_NAMES]
    if args.from_inventory is None:
        outputs.append((args.output_dir / "inventory.json", "--output-dir"))
    if args.history:
        outputs.append((args.history, "--history"))
    check_output_files(outputs)  # a directory or FIFO where a plan file goes: before anything is collected
    if args.demo:
        from auditor.demo.scan import demo_inventory

        inventory = demo_inventory()
    else:
        inventory = collect(args)
    if args.from_inventory is not None:
        inventory_path = args.from_inventory
        written_inventory = []
    else:  # the sign-in steps run `auditor sso-config --from-inventory` on the inventory the plan was built from
        inventory_path = args.output_dir / "inventory.json"
        inventory.save(inventory_path)
        written_inventory = [inventory_path]
    readiness, written = write_plan(
        inventory,
        config,
        args.output_dir,
        start=args.start,
        watch_days=args.watch_days,
        inventory_path=inventory_path,
    )
    written = [*written_inventory, *written]
    for line in account_lines(readiness):
        say(terminal_text(line))
    say(terminal_text(summary_line(readiness)))
    for path in written:
        say(f"wrote {path}")
    report_gaps(inventory.errors)
    if args.history:  # after the plan is written: a history file that cannot be used loses only the record
        from auditor.commands.history import record_run
        from auditor.history.record import scan_record

        problem, _ = record_run(args.history, scan_record(inventory, config, command="readiness", readiness=readiness))
        if problem:
            print(f"auditor: error: {problem}", file=sys.stderr)
            return ExitCode.ERROR
    if read_no_account(inventory):  # a plan of no account is not "ready": the same rule as scan
        return no_account_read(accounts_entered(inventory))
    return ExitCode.INCOMPLETE if inventory.errors else ExitCode.OK


def write_plan(
    inventory: Inventory,
    config: Config,
    output_dir: Path,
    *,
    start: date | None = None,
    watch_days: int = 7,
    inventory_path: Path | None = None,
) -> tuple[Readiness, list[Path]]:
    """``migration-plan.md`` and ``migration-plan.csv`` in ``output_dir`` (created; the files are replaced)."""
    from auditor.readiness.assess import assess_readiness
    from auditor.readiness.plan import build_plan, plan_files
    from auditor.util.safefile import prepare_output_dir, write_atomic_set

    readiness = assess_readiness(inventory, config)
    plan = build_plan(
        inventory,
        readiness,
        start=start,
        watch_days=watch_days,
        inventory_path=str(inventory_path) if inventory_path is not None else None,
    )
    prepare_output_dir(output_dir)
    files = [(output_dir / name, _writer(text)) for name, text in plan_files(plan)]
    return readiness, write_atomic_set(files)  # the plan's files as one set: never a new .md beside an old .csv


def _writer(text: str) -> Callable[[BinaryIO], object]:
    data = text.encode("utf-8")
    return lambda handle: handle.write(data)


def summary_line(readiness: Readiness) -> str:
    s = readiness.summary
    verdicts = ", ".join(f"{count} {verdict}" for verdict, count in s.accounts_by_verdict.items())
    return (
        f"accounts: {verdicts}; people: {s.humans_matched} of {s.humans} matched, {s.humans_unmatched} unmatched, "
        f"{s.humans_ambiguous} ambiguous, {s.access_gaps} access gap(s), {s.needs_review} to review; active IAM user "
        f"keys: {s.active_keys_left}"
    )


def account_lines(readiness: Readiness) -> list[str]:
    """One line per account for the terminal: ``acme-legacy (698889862967): blocked: no-assignments, access-gap``."""
    lines = []
    for account in readiness.accounts:
        label = f"{account.account_name} ({account.account_id})" if account.account_name else account.account_id
        codes = ", ".join(dict.fromkeys([*(b.code for b in account.blockers), *(r.code for r in account.reviews)]))
        lines.append(f"{label}: {account.verdict}" + (f": {codes}" if codes else ""))
    for skipped in readiness.accounts_not_assessed:
        lines.append(
            f"{skipped.account_name or skipped.account_id} ({skipped.account_id}): not assessed: {skipped.reason}"
        )
    return lines
