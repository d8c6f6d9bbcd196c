"""``auditor demo``: the full scan of a mock organization built in moto, in-process (no AWS account)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.console import say
from auditor.commands.evaluation import check_outputs, evaluate_and_report, prepare
from auditor.commands.options import (
    Commands,
    Deferred,
    add_evaluation_options,
    add_history_option,
    gate_exit_codes,
)
from auditor.commands.progress import add_progress_option, progress_for

if TYPE_CHECKING:
    from auditor.demo.scenarios import Scenario
    from auditor.inventory import Inventory


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "demo",
        help="scan a built-in mock organization (no AWS account needed)",
        description="Build an in-process mock organization (moto) shaped like a company moving from IAM users to "
        "IAM Identity Center, and run the full scan on it. Root-user facts, which moto cannot model, are "
        "simulated and labelled as such in every report. Takes the scan's report and gate options, so the CI "
        "flow (baseline, --fail-on) can be tried without AWS; --scenario changes the organization.",
        epilog=gate_exit_codes("usage, configuration, unreadable input, an unwritable output path"),
    )
    parser.calls_aws = True  # boto3's calls, answered by moto in-process: --debug shows botocore's log of them
    group = parser.add_argument_group("the mock organization")
    group.add_argument("--scenario", action=Deferred, describe=_scenario_help, choose=_scenario_names, metavar="NAME")
    group.add_argument("--save-inventory", type=Path, metavar="FILE", help="also write the collected inventory")
    add_progress_option(group)
    add_history_option(parser)
    add_evaluation_options(parser)
    parser.set_defaults(handler=run)


def _scenario_names() -> list[str]:
    from auditor.demo.scenarios import SCENARIOS  # the demo's story (pydantic): read when asked for

    return sorted(SCENARIOS)


def _scenario_help() -> str:
    from auditor.demo.scenarios import SCENARIOS

    return "change the mock organization before scanning: " + "; ".join(
        f"{s.name}: {s.summary}" for s in SCENARIOS.values()
    )


def run(args: argparse.Namespace) -> int:
    from auditor.demo.scenarios import scenario_named

    ruleset, config, baseline = prepare(args)
    check_outputs(args)
    scenario = scenario_named(args.scenario) if args.scenario else None
    say(
        "building the demo organization (moto, in-process; no AWS account is used)"
        + (f", scenario {scenario.name}" if scenario else "")
        + "..."
    )
    # The exit code is the real one, as for a scan: the demo's reports say which gaps the simulator causes.
    return evaluate_and_report(args, _demo_saved(args, scenario), ruleset, config, baseline)


def _demo_saved(args: argparse.Namespace, scenario: Scenario | None) -> Inventory:
    from auditor.demo.scan import demo_inventory

    with progress_for(args) as progress:
        inventory = demo_inventory(progress=progress.account_done, scenario=scenario)
    if args.save_inventory:
        inventory.save(args.save_inventory)
    return inventory
