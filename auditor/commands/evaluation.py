"""What the commands that evaluate share (``scan``, ``local``, ``scan-code``, ``demo``): the rules, configuration,
baseline and formats read and checked before anything is collected; then evaluate, report and gate.

This is where the built-in rule pack (``auditor.rules``) is named, and where the process-level choice to freeze
the garbage collector is made (docs/architecture.md, "The CLI wiring").
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands import formats
from auditor.commands.console import report_gaps, say, show_verdict, warn
from auditor.commands.sources import accounts_entered, no_account_read, read_no_account
from auditor.errors import ExitCode, InputError
from auditor.util.inputfile import STDIN
from auditor.util.isolation import DEFAULT_RULE_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from auditor.engine.config import Config
    from auditor.findings import FindingsDocument
    from auditor.inventory import Inventory
    from auditor.registry import RuleSet
    from auditor.reporter import Formats


def prepare(args: argparse.Namespace) -> tuple[RuleSet, Config, FindingsDocument | None]:
    """Formats, rules, config and baseline are read (and checked) before any AWS call: a typo fails fast."""
    from auditor.engine.config import DEFAULT_CONFIG_NAME, load_config, load_config_from_ref
    from auditor.findings import FindingsDocument

    formats.load(args)
    ref = getattr(args, "config_from_ref", None)
    config = load_config_from_ref(ref) if ref else load_config(args.config)
    if ref and config.origin is None:
        warn(f"--config-from-ref {ref}: {ref} has no ./{DEFAULT_CONFIG_NAME}; the built-in defaults apply")
    ruleset = load_rules(args.rules_dirs, getattr(args, "rule_timeout", DEFAULT_RULE_TIMEOUT_SECONDS))
    config.check_rule_ids(ruleset.ids)
    baseline = None
    piped = args.baseline == STDIN
    if piped and getattr(args, "from_inventory", None) == STDIN:
        raise InputError("--from-inventory and --baseline are both - : standard input can be read for one of them")
    if args.baseline and args.baseline_missing_ok and not piped and not args.baseline.exists():
        warn(f"no baseline at {args.baseline} yet (--baseline-missing-ok): every finding counts as new")
    elif args.baseline:
        baseline = FindingsDocument.load(args.baseline, stdin=True)
    for problem in ruleset.problems:
        warn(problem)
    return ruleset, config, baseline


def load_rules(rules_dirs: Sequence[Path], timeout: float | None = DEFAULT_RULE_TIMEOUT_SECONDS) -> RuleSet:
    from auditor.registry import load_rules
    from auditor.rules import BUILTIN_PACK

    return load_rules([BUILTIN_PACK], rules_dirs, timeout=timeout)


def rules_for_sources(ruleset: RuleSet, inventory: Inventory) -> RuleSet:
    """Only the rules whose sources this run read: a source-tree report lists no cloud rule as "not evaluated"
    (nobody asked for them), and cloud manual checks do not belong in it."""
    from auditor.registry import RuleSet

    collected = set(inventory.collection.sources_collected)
    return RuleSet(
        rules=[rule for rule in ruleset.rules if set(rule.sources) <= collected],
        problems=list(ruleset.problems),
        origin=dict(ruleset.origin),
        isolated=dict(ruleset.isolated),
    )


def check_outputs(args: argparse.Namespace) -> None:
    """Every path this run will write is checked (and its directories created) before anything is collected:
    the inventory, and each report file (a directory or a FIFO where ``findings.sarif`` goes, or
    ``--save-inventory`` naming a report, would otherwise be found after an hour of collection)."""
    from auditor.util.safefile import check_output_files, prepare_output_dir

    outputs: list[tuple[Path, str]] = []
    if getattr(args, "save_inventory", None):
        outputs.append((args.save_inventory, "--save-inventory"))
    if getattr(args, "history", None):
        outputs.append((args.history, "--history"))
    for name in formats.names(args):
        filename = args.format_table.by_name[name].default_filename
        if filename:
            prepare_output_dir(args.output_dir)
            outputs.append((args.output_dir / filename, f"the {name} report"))
    check_output_files(outputs)


def evaluate_and_report(
    args: argparse.Namespace,
    inventory: Inventory,
    ruleset: RuleSet,
    config: Config,
    baseline: FindingsDocument | None,
) -> int:
    from auditor.commands.verdict import verdict_for
    from auditor.engine.gate import gate
    from auditor.engine.pipeline import findings_for
    from auditor.reporter import write_reports

    table: Formats = args.format_table
    for problem in table.problems:
        warn(problem)
    names = formats.names(args)
    reporters = formats.reporters(names, table, args)
    import gc

    # The inventory (and everything loaded so far) lives until the process ends: move it out of the cyclic
    # garbage collector's reach, or each of its full passes during evaluation and readiness re-walks hundreds of
    # thousands of objects that cannot be garbage (0.5 s of evaluation, and up to 40 % of readiness, at 100
    # accounts x 200 users: docs/benchmarks.md). A process-level choice, so here and not in findings_for: a
    # library caller keeps the collector as it is.
    gc.freeze()
    # And no collection while the stages run: what they build (findings, readiness records) is kept, not garbage,
    # and the passes over it took a third to a half of their CPU (docs/benchmarks.md), for the same peak memory. The
    # collector runs again once the findings document is built.
    gc.disable()
    try:
        document = findings_for(inventory, ruleset, config, baseline=baseline, rule_timeout=args.rule_timeout)
    finally:
        gc.enable()
    history_problem = _record_history(args, inventory, config, document)
    read_none = read_no_account(inventory)
    entered = accounts_entered(inventory)
    # The reports need only the document. The callers hand the inventory over rather than keep it, so this
    # frees it (about 50 MB at 20,000 users: docs/benchmarks.md) before the reports are written.
    del inventory
    for reporter in reporters:
        if reporter.default_filename is None:
            sys.stdout.write(reporter.render(document).decode("utf-8"))
            sys.stdout.flush()
    written = write_reports(document, reporters, args.output_dir)
    for path in written:
        say(f"wrote {path}")
    if "sarif" in names:
        _warn_sarif_aggregation(document)
    if history_problem:  # the reports are written: the run's result is kept, the history file is not
        report_gaps(document.errors)
        print(f"auditor: error: {history_problem}", file=sys.stderr)
        return int(ExitCode.ERROR)
    if read_none:
        report_gaps(document.errors)
        return no_account_read(entered)
    code = gate(document, args.fail_on)
    # The log ends with why it exits so (commands/verdict.py): the CI reader needs no report to know.
    show_verdict(verdict_for(document, code, args.fail_on, args.baseline, written))
    return code


def _record_history(
    args: argparse.Namespace, inventory: Inventory, config: Config, document: FindingsDocument
) -> str | None:
    """``--history FILE`` (scan, demo): this run appended; the error line when the file cannot take it."""
    if not getattr(args, "history", None):
        return None
    from auditor.commands.history import record_run
    from auditor.history.record import scan_record

    problem, trend = record_run(args.history, scan_record(inventory, config, command=args.command, document=document))
    document.trend = trend  # report.html draws it; findings.json carries it
    return problem


def _warn_sarif_aggregation(document: FindingsDocument) -> None:
    from auditor.reports.sarif import MAX_ALERTS_KEPT

    if len(document.findings) > MAX_ALERTS_KEPT:
        warn(
            f"{len(document.findings)} findings: more than the {MAX_ALERTS_KEPT} alerts GitHub keeps per SARIF run, so "
            "findings.sarif has every critical and high finding as its own result and the others aggregated per "
            "rule and account (findings.json has them all)"
        )
