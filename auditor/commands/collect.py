"""``auditor collect``: collect only, and write the inventory (evaluated later, offline, with
``auditor scan --from-inventory``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.commands.console import report_gaps, say
from auditor.commands.options import Commands, add_source_options, exit_codes
from auditor.commands.sources import accounts_entered, collect_or_save_partial, no_account_read, read_no_account
from auditor.errors import ExitCode


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "collect",
        help="collect only and write inventory.json",
        description="Collect the identity posture and write the inventory (evaluate it later, offline, with "
        "`auditor scan --from-inventory`).",
        epilog=exit_codes(
            (0, "the inventory was written, every account read"),
            (2, "could not run: usage, credentials, an unwritable -o/--output, or no account read at all"),
            (3, "the inventory was written, but coverage is incomplete (its errors list what was not read)"),
            on_interrupt="what was read is written to -o/--output, marked partial",
        ),
    )
    add_source_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("inventory.json"),
        metavar="FILE",
        help="where to write the inventory (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.util.safefile import check_writable_file

    check_writable_file(args.output, "-o/--output")  # before the collection, not an hour after it
    inventory = collect_or_save_partial(args, args.output)
    inventory.save(args.output)
    say(f"inventory of {len(inventory.accounts)} account(s) written to {args.output}")
    report_gaps(inventory.errors)
    if read_no_account(inventory):
        return no_account_read(accounts_entered(inventory))
    return ExitCode.INCOMPLETE if inventory.errors else ExitCode.OK
