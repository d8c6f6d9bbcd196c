"""``auditor scan-code``: AWS access key ids in a source tree, evaluated by SECRET-001 (no AWS call)."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor.commands.console import say
from auditor.commands.evaluation import check_outputs, evaluate_and_report, prepare, rules_for_sources
from auditor.commands.options import EPILOG, Commands, add_evaluation_options
from auditor.commands.values import positive_int


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "scan-code",
        help="find AWS access keys in a source tree (no AWS call)",
        description="Report every AKIA/ASIA access key id in PATH (SECRET-001) with file, line and column:\n"
        "critical with a secret-looking value next to it, high alone, info for AWS's documentation examples\n"
        "and placeholders. Ids split across string literals, base64-encoded, escaped or in UTF-16 text are found.\n"
        "In a git work tree the files git tracks or would track are read (so .gitignore is respected);\n"
        "elsewhere the tree is walked honouring .gitignore files. Every file is read, binaries as bytes and\n"
        "large files a segment at a time; symbolic links are not followed. A file not read (unreadable, over\n"
        "--max-file-size) is a coverage gap in every report (exit 3 when nothing failed the gate).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path", type=Path, nargs="?", default=Path("."), metavar="PATH", help="the directory to scan (default: .)"
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="report only lines added since this git ref (e.g. the pull request's base: origin/main)",
    )
    parser.add_argument(
        "--max-file-size",
        type=positive_int,
        default=None,
        metavar="BYTES",
        help="do not read larger files, each a coverage gap (default: every file is read)",
    )
    add_evaluation_options(parser, sarif_category_suffix="-code")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.codescan.source import CodeSource

    ruleset, config, baseline = prepare(args)
    check_outputs(args)
    inventory = CodeSource(args.path, since=args.since, max_file_bytes=args.max_file_size).collect()
    scan = inventory.code_scan
    if scan is not None:
        how = "files git tracks or would track" if scan.git else "files not excluded by .gitignore"
        say(
            f"scanned {scan.files_scanned} file(s) ({how}"
            + (f", lines added since {scan.since}" if scan.since else "")
            + f"; {scan.binary_files} binary read as bytes, {scan.decoded_files} decoded from UTF-16/32)"
            + (f"; {len(scan.skipped_large)} over --max-file-size not read" if scan.skipped_large else "")
        )
    return evaluate_and_report(args, inventory, rules_for_sources(ruleset, inventory), config, baseline)
