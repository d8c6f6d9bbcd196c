"""``auditor merge``: the findings documents of parallel scan jobs (one per OU, say) combined into one."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.commands.console import say
from auditor.commands.options import Commands, exit_codes
from auditor.errors import ExitCode


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "merge",
        help="combine findings.json shards into one",
        description="Combine the findings.json files of parallel scan jobs (e.g. one per OU) into one document.",
        epilog=exit_codes(
            (0, "written"),
            (2, "usage, a findings.json that cannot be read or combined, or an unwritable -o/--output"),
        ),
    )
    parser.add_argument("inputs", type=Path, nargs="+", metavar="FILE", help="the findings.json files to combine")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="where to write the result")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.engine.merge import merge
    from auditor.findings import FindingsDocument
    from auditor.util.safefile import check_writable_file

    check_writable_file(args.output, "-o/--output")
    merged = merge([FindingsDocument.load(path) for path in args.inputs])
    merged.save(args.output)
    say(f"merged {len(args.inputs)} file(s), {len(merged.findings)} finding(s) into {args.output}")
    return ExitCode.OK
