"""``auditor schema``: the JSON Schema of findings.json or of inventory.json."""

from __future__ import annotations

import argparse
import sys

from auditor.commands.options import Commands, exit_codes
from auditor.errors import ExitCode


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "schema",
        help="print a JSON Schema",
        description="Print the JSON Schema of findings.json (as published in docs/findings.schema.json) or of "
        "inventory.json.",
        epilog=exit_codes((0, "printed"), (2, "usage")),
    )
    parser.add_argument(
        "which",
        nargs="?",
        choices=["findings", "inventory"],
        default="findings",
        help="findings (the default: findings.json) or inventory (inventory.json)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.findings import FindingsDocument
    from auditor.inventory import Inventory
    from auditor.util.jsonfile import schema_text

    sys.stdout.write(schema_text(FindingsDocument if args.which == "findings" else Inventory))
    return ExitCode.OK
