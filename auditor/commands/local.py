"""``auditor local``: this machine's AWS CLI files, evaluated by the rules that read them (no AWS call)."""

from __future__ import annotations

import argparse

from auditor.commands.console import say
from auditor.commands.evaluation import check_outputs, evaluate_and_report, prepare, rules_for_sources
from auditor.commands.options import Commands, add_evaluation_options, gate_exit_codes


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "local",
        help="check this machine's AWS CLI files (no AWS call)",
        description="Read the AWS CLI's shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE and\n"
        "AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config) and report long-lived keys (LOCAL-001)\n"
        "and profiles not on an sso-session (LOCAL-002). Secret values are never read into any output.",
        epilog=gate_exit_codes("usage, configuration, unreadable input, an unwritable output path"),
    )
    add_evaluation_options(parser, sarif_category_suffix="-local", config_from_ref=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.clifiles.source import CliFilesSource

    ruleset, config, baseline = prepare(args)
    check_outputs(args)
    inventory = CliFilesSource().collect()
    files = inventory.cli_files
    if files is not None:
        read = ", ".join(files.files_read) or "none"
        say(f"AWS CLI files read: {read}; {len(files.profiles)} profile(s)")
    return evaluate_and_report(args, inventory, rules_for_sources(ruleset, inventory), config, baseline)
