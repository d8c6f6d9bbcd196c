"""``auditor rules``: the rule catalog, or one rule with its rationale, remediation and references."""

from __future__ import annotations

import argparse

from auditor.commands.console import warn
from auditor.commands.evaluation import load_rules
from auditor.commands.options import Commands, add_rules_dir, exit_codes
from auditor.errors import ExitCode, InputError


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "rules",
        help="list the rule catalog, or show one rule",
        description="List the rules (`auditor rules`), or show one with its rationale, remediation and references "
        "(`auditor rules KEY-001`, or `auditor rules show KEY-001`).",
        epilog=exit_codes(
            (0, "listed or shown (a --rules-dir file that fails to load is a warning)"),
            (2, "usage, or an unknown rule id (the closest ids are suggested)"),
        ),
    )
    parser.add_argument(
        "action",
        nargs="?",
        default="list",
        metavar="list|show|ID",
        help="`list` (the default) lists every rule; `show ID` or just `ID` shows one rule",
    )
    parser.add_argument("rule_id", nargs="?", metavar="ID", help="the rule to show with `show`, e.g. KEY-001")
    add_rules_dir(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from auditor.engine.catalog import CATALOG_HEADERS, catalog_rows, render_rule_text

    ruleset = load_rules(args.rules_dirs)
    for problem in ruleset.problems:
        warn(problem)
    if args.action not in ("list", "show"):  # `auditor rules KEY-001`
        if args.rule_id:
            raise InputError(f"rules: unexpected {args.rule_id!r} (e.g. `auditor rules KEY-001`)")
        args.rule_id = args.action
    if args.action != "list" or args.rule_id:
        if not args.rule_id:
            raise InputError("rules show: which rule? e.g. `auditor rules KEY-001`")
        rule = ruleset.get(args.rule_id.upper())
        if rule is None:
            from auditor.util.suggest import did_you_mean

            hint = did_you_mean(args.rule_id, ruleset.ids) or " (see `auditor rules`)"
            raise InputError(f"unknown rule id {args.rule_id!r}{hint}")
        print(render_rule_text(rule))
        return ExitCode.OK
    print(tabulate(catalog_rows(ruleset), headers=list(CATALOG_HEADERS)))
    return ExitCode.OK
