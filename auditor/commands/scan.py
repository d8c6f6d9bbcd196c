"""``auditor scan``: collect (or load a saved inventory), evaluate the rules, write the reports."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.evaluation import check_outputs, evaluate_and_report, prepare
from auditor.commands.options import (
    SAVES_PARTIAL_INVENTORY,
    Commands,
    add_evaluation_options,
    add_history_option,
    add_inventory_input,
    add_source_options,
    gate_exit_codes,
)
from auditor.commands.sources import collect_or_save_partial

if TYPE_CHECKING:
    from auditor.inventory import Inventory


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "scan",
        help="collect, evaluate and report",
        description="Collect the identity posture of one or more accounts, evaluate the rules, write reports.",
        epilog=gate_exit_codes(
            "usage, configuration, credentials, unreadable input, an unwritable output path, or no account read at all",
            on_interrupt=SAVES_PARTIAL_INVENTORY,
        ),
    )
    add_source_options(parser)
    snapshot = parser.add_argument_group("snapshots")
    add_inventory_input(parser, snapshot)
    snapshot.add_argument("--save-inventory", type=Path, metavar="FILE", help="also write the collected inventory")
    add_history_option(parser)
    parser.add_argument(
        "--local",
        action="store_true",
        help="also read this machine's AWS CLI files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, else ~/.aws): "
        "LOCAL-001, LOCAL-002",
    )
    add_evaluation_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    ruleset, config, baseline = prepare(args)
    check_outputs(args)
    # Handed over, not kept in this frame: evaluate_and_report lets it go before the reports are written.
    return evaluate_and_report(args, _collected_and_saved(args), ruleset, config, baseline)


def _collected_and_saved(args: argparse.Namespace) -> Inventory:
    inventory = collect_or_save_partial(args, args.save_inventory)
    if args.save_inventory:
        inventory.save(args.save_inventory)
    return inventory
