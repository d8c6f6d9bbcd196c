"""``auditor scan-code``: AWS access key ids in a source tree, evaluated by SECRET-001 (no AWS call)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from auditor.commands.console import say
from auditor.commands.evaluation import check_outputs, evaluate_and_report, prepare, rules_for_sources
from auditor.commands.options import Commands, add_evaluation_options, gate_exit_codes
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
        epilog=gate_exit_codes("usage, configuration, unreadable input, an unwritable output path"),
    )
    parser.add_argument(
        "paths",
        type=Path,
        nargs="*",
        metavar="PATH",
        help="the directory to scan (default: .), or files to scan (as a pre-commit hook passes the staged ones)",
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="report only lines added since REF, as git diff reads it: REF (a branch or commit, e.g. "
        "origin/main): since the merge base of REF and HEAD, up to the work tree, untracked files included; "
        "A...B: since the merge base of A and B, up to the commit B; A..B: from the commit A to the commit B "
        "(B defaults to HEAD). Renames are followed: a moved file adds only the lines it gained",
    )
    parser.add_argument(
        "--max-file-size",
        type=positive_int,
        default=None,
        metavar="BYTES",
        help="do not read larger files, each a coverage gap (default: every file is read)",
    )
    add_evaluation_options(parser, sarif_category_suffix="-code", config_from_ref=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.codescan.source import CodeSource

    root, only = scan_target(args.paths or [Path(".")])
    source = CodeSource(
        root, since=args.since, max_file_bytes=args.max_file_size, only=only, reports_dir=args.output_dir
    )
    try:
        # The tree is read by worker processes while the rules, the configuration and the report modules load
        # (a third of a second of imports that used to come first); a configuration error still ends the run
        # before any report, and stops the workers.
        source.start()
        ruleset, config, baseline = prepare(args)
        check_outputs(args)
        inventory = source.collect()
    finally:
        source.close()
    scan = inventory.code_scan
    if scan is not None:
        how = "files git tracks or would track" if scan.git else "files not excluded by .gitignore"
        if source.reports_prefix is not None:
            how += f", but not the reports directory {source.reports_prefix}"
        say(
            f"scanned {scan.files_scanned} file(s) ({how}"
            + (f", lines added since {scan.since}" if scan.since else "")
            + f"; {scan.binary_files} binary read as bytes, {scan.decoded_files} decoded from UTF-16/32)"
            + (f"; {len(scan.skipped_large)} over --max-file-size not read" if scan.skipped_large else "")
        )
    return evaluate_and_report(args, inventory, rules_for_sources(ruleset, inventory), config, baseline)


def scan_target(paths: list[Path]) -> tuple[Path, list[str] | None]:
    """One directory: the tree under it. Files: their closest common directory, and their names under it."""
    from auditor.errors import InputError

    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], None
    for path in paths:
        if path.is_dir():
            raise InputError(f"scan-code: {path} is a directory: give one directory, or files")
        if not path.is_file() and not path.is_symlink():
            raise InputError(f"scan-code: {path} is not a directory or a file")
    absolute = [Path(os.path.abspath(path)) for path in paths]  # not resolved: a link is named, never followed
    root = Path(os.path.commonpath([path.parent for path in absolute]))
    return root, [path.relative_to(root).as_posix() for path in absolute]
