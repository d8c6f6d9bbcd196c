"""``auditor diff``: what is new, fixed and unchanged between two findings documents."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.commands.options import Commands, exit_codes
from auditor.errors import ExitCode, InputError


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "diff",
        help="compare two findings.json files",
        description="Print what is new, fixed and unchanged.",
        epilog=exit_codes((0, "printed"), (2, "usage, or a findings.json that cannot be read")),
    )
    parser.add_argument(
        "old",
        type=Path,
        metavar="OLD.json",
        help="the earlier findings.json (e.g. last week's; - reads standard input)",
    )
    parser.add_argument("new", type=Path, metavar="NEW.json", help="the later findings.json (- reads standard input)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.engine.baseline import apply_baseline
    from auditor.findings import FindingsDocument
    from auditor.reports.table import render_diff
    from auditor.util.inputfile import STDIN

    if args.old == STDIN and args.new == STDIN:
        raise InputError("OLD.json and NEW.json are both - : standard input can be read for one of them")
    old = FindingsDocument.load(args.old, stdin=True)
    print(render_diff(apply_baseline(FindingsDocument.load(args.new, stdin=True), old)))
    return ExitCode.OK
