"""Command line: parses arguments and wires the stages together. No business logic lives here.

This is the one module that names the plug-ins: the built-in rule pack (``auditor.rules``) and the built-in
report formats (``auditor.reports``). The core stages take them as arguments.

Exit codes (a contract scripts depend on): 0 nothing at or above --fail-on; 1 findings at or above it;
2 could not run (usage, config, credentials, unreadable input, an output path that cannot be written, or a
scan that read no account at all); 3 ran and nothing failed the gate, but coverage is incomplete (some account,
API, rule pack or rule could not be read or run); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import TOOL_NAME, __version__
from auditor.errors import AuditorError, ExitCode, InputError
from auditor.findings import Severity

if TYPE_CHECKING:  # the heavy modules (boto3, jinja2) load only for the commands that need them
    from auditor.collect.options import CollectOptions
    from auditor.demo.scenarios import Scenario
    from auditor.engine.config import Config
    from auditor.findings import FindingsDocument
    from auditor.inventory import CollectionError, Inventory
    from auditor.registry import RuleSet
    from auditor.reporter import Formats, Reporter

DEFAULT_OUTPUT_DIR = Path("auditor-report")
# Mirrors of auditor.engine.evaluate's and auditor.collect's defaults (those modules are heavy to import for --help);
# tests/commands/test_reliability.py checks they agree.
DEFAULT_RULE_TIMEOUT_SECONDS = 60.0
DEFAULT_ACCOUNT_TIMEOUT_SECONDS = 900.0
DEFAULT_CONCURRENCY = 16  # auditor.collect.options says why (not imported: --help stays fast)
DEFAULT_SARIF_CATEGORY = "aws-identity-auditor"
CONSOLE_FORMAT = "table"  # printed by default when stdout is a terminal

EPILOG = """\
exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on (suppressed and baseline findings never count)
  2  could not run: usage, configuration, credentials, unreadable input, an unwritable output
     path, or no account read at all
  3  ran and nothing failed the gate, but coverage is incomplete (see "errors" in the reports)
130  interrupted (Ctrl-C); with --save-inventory the partial inventory is saved
"""

MAX_ERROR_LINE = 300  # an error is one line a person can read, whatever the input held


# ------------------------------------------------------------------------------------------- parsing


def _csv_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _format_list(known: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(value: str) -> list[str]:
        formats = _csv_list(value)
        unknown = [f for f in formats if f not in known]
        if unknown or not formats:
            raise argparse.ArgumentTypeError(
                f"unknown format {', '.join(unknown) or value!r} (choose from {', '.join(known)})"
            )
        return list(dict.fromkeys(formats))

    return parse


def _format_help(formats: Formats) -> str:
    described = "; ".join(
        f"{name} ({reporter.default_filename or 'printed'}): {reporter.description}"
        for name, reporter in formats.by_name.items()
    )
    defaults = ",".join(_builtin_file_formats())
    return f"comma-separated formats: {described}. Default: {defaults}, plus {CONSOLE_FORMAT} on a terminal"


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _positive_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number <= 86400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds between 0 and 86400, got {value!r}")
    return number


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line plus the usage hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.ERROR, f"{self.prog}: {message} (see --help)\n")


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what to collect (default: the account of the current credentials)")
    group.add_argument(
        "--org",
        action="store_true",
        help="discover the organization's accounts (from the management account or a delegated administrator) "
        "and assume --role-name in each member",
    )
    group.add_argument(
        "--role-name",
        default="OrganizationAccountAccessRole",
        help="role to assume in member accounts with --org (default: %(default)s)",
    )
    group.add_argument("--external-id", help="ExternalId to pass when assuming --role-name")
    group.add_argument(
        "--profile",
        dest="profiles",
        action="append",
        default=[],
        metavar="NAME",
        help="collect the account behind this ~/.aws/config profile (SSO profiles work); repeatable",
    )
    group.add_argument("--accounts", type=_csv_list, action="extend", metavar="ID[,ID]", help="only these account ids")
    group.add_argument(
        "--exclude-accounts",
        type=_csv_list,
        action="extend",
        default=[],
        metavar="ID[,ID]",
        help="skip these account ids",
    )
    group.add_argument(
        "--ou",
        dest="ous",
        type=_csv_list,
        action="extend",
        default=[],
        metavar="OU[,OU]",
        help="only accounts under these OUs (ids or names, nested OUs included)",
    )
    group.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"accounts collected at once (default: {DEFAULT_CONCURRENCY})",
    )
    group.add_argument("--region", help="region for regional API calls (default: the profile's region or us-east-1)")
    group.add_argument(
        "--identity-center-region", metavar="REGION", help="the Identity Center home region (default: --region)"
    )
    group.add_argument(
        "--account-timeout",
        type=_positive_seconds,
        default=DEFAULT_ACCOUNT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="time one account may take; past it the account is a coverage gap (default: %(default)g)",
    )
    group.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help="time the whole collection may take; what is not read by then is a coverage gap, and the reports "
        "are still written (default: no limit)",
    )


def _add_evaluation_options(
    parser: argparse.ArgumentParser, formats: Formats, sarif_category: str = DEFAULT_SARIF_CATEGORY
) -> None:
    group = parser.add_argument_group("evaluation and reports")
    group.add_argument(
        "--config", type=Path, metavar="FILE", help="auditor.toml (default: ./auditor.toml when present)"
    )
    group.add_argument(
        "--rules-dir",
        dest="rules_dirs",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also load rules from the *.py files in DIR; repeatable",
    )
    group.add_argument(
        "--rule-timeout",
        type=_positive_seconds,
        default=DEFAULT_RULE_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="time one rule (or one rule pack's import) may take; past it the rule is abandoned and "
        "reported as failed (default: %(default)g)",
    )
    group.add_argument(
        "--format",
        dest="formats",
        type=_format_list(formats.names),
        metavar="LIST",
        help=_format_help(formats),
    )
    group.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        metavar="DIR",
        help="where report files go (default: %(default)s)",
    )
    group.add_argument(
        "--fail-on",
        type=_severity,
        metavar="SEVERITY",
        help="exit 1 when an active, non-baseline finding is at or above this severity "
        "(critical, high, medium, low, info)",
    )
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD.json",
        help="a previous findings.json: mark findings new or unchanged, list fixed ones; only new ones fail",
    )
    group.add_argument(
        "--baseline-missing-ok",
        action="store_true",
        help="when the --baseline file does not exist yet (the first run), start from none: every finding is new",
    )
    group.add_argument(
        "--sarif-omit-suppressed",
        action="store_true",
        help="leave suppressed findings out of the SARIF (GitHub shows SARIF-suppressed results as open alerts)",
    )
    group.add_argument(
        "--sarif-category",
        default=sarif_category,
        metavar="NAME",
        help="SARIF automationDetails.id prefix (the scan's organization or account, and a shard's --ou/--accounts/"
        "--exclude-accounts selection, are appended); uploads with the same id replace each other",
    )


def _add_global_options(parser: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    """Options every command takes, before or after its name (``auditor --debug scan``, ``auditor scan --debug``).

    After the command they default to "not given" (SUPPRESS), so they never overwrite a value given before it.
    """
    default: Any = argparse.SUPPRESS if after_command else False
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show tracebacks and botocore's log (retries, endpoints), every secret redacted",
    )


def _add_demo_options(parser: argparse.ArgumentParser) -> None:
    from auditor.demo.scenarios import SCENARIOS

    group = parser.add_argument_group("the mock organization")
    group.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        metavar="NAME",
        help="change the mock organization before scanning: "
        + "; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS.values()),
    )
    group.add_argument("--save-inventory", type=Path, metavar="FILE", help="also write the collected inventory")


def build_parser(formats: Formats | None = None) -> argparse.ArgumentParser:
    formats = formats or _formats()  # loaded once: --format's choices and help, then the reporters it builds
    parser = _Parser(
        prog="auditor",
        description="Audit the identity security posture of an AWS Organization: IAM users, access keys, root, "
        "MFA, session lengths and IAM Identity Center. Read-only.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    parser.set_defaults(format_table=formats)
    _add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    scan = commands.add_parser(
        "scan",
        help="collect, evaluate and report",
        description="Collect the identity posture of one or more accounts, evaluate the rules, write reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(scan)
    snapshot = scan.add_argument_group("snapshots")
    snapshot.add_argument(
        "--from-inventory", type=Path, metavar="FILE", help="evaluate a saved inventory.json instead of calling AWS"
    )
    snapshot.add_argument("--save-inventory", type=Path, metavar="FILE", help="also write the collected inventory")
    scan.add_argument(
        "--local",
        action="store_true",
        help="also read this machine's AWS CLI files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, else ~/.aws): "
        "LOCAL-001, LOCAL-002",
    )
    _add_evaluation_options(scan, formats)
    scan.set_defaults(handler=_cmd_scan)

    local = commands.add_parser(
        "local",
        help="check this machine's AWS CLI files (no AWS call)",
        description="Read the AWS CLI's shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE and\n"
        "AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config) and report long-lived keys (LOCAL-001)\n"
        "and profiles not on an sso-session (LOCAL-002). Secret values are never read into any output.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_evaluation_options(local, formats, sarif_category=f"{DEFAULT_SARIF_CATEGORY}-local")
    local.set_defaults(handler=_cmd_local)

    scan_code = commands.add_parser(
        "scan-code",
        help="find AWS access keys in a source tree (no AWS call)",
        description="Report every AKIA/ASIA access key id in PATH (SECRET-001) with file, line and column:\n"
        "critical with a secret-looking value next to it, high alone, info for AWS's documentation examples.\n"
        "In a git work tree the files git tracks or would track are read (so .gitignore is respected);\n"
        "elsewhere the tree is walked honouring .gitignore files. Binaries, files over --max-file-size and\n"
        "symbolic links are skipped.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan_code.add_argument(
        "path", type=Path, nargs="?", default=Path("."), metavar="PATH", help="the directory to scan (default: .)"
    )
    scan_code.add_argument(
        "--since",
        metavar="REF",
        help="report only lines added since this git ref (e.g. the pull request's base: origin/main)",
    )
    scan_code.add_argument(
        "--max-file-size",
        type=_positive_int,
        default=5 * 1024 * 1024,
        metavar="BYTES",
        help="skip larger files (default: %(default)s)",
    )
    _add_evaluation_options(scan_code, formats, sarif_category=f"{DEFAULT_SARIF_CATEGORY}-code")
    scan_code.set_defaults(handler=_cmd_scan_code)

    collect = commands.add_parser(
        "collect",
        help="collect only and write inventory.json",
        description="Collect the identity posture and write the inventory (evaluate it later, offline, with "
        "`auditor scan --from-inventory`).",
    )
    _add_source_options(collect)
    collect.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("inventory.json"),
        metavar="FILE",
        help="where to write the inventory (default: %(default)s)",
    )
    collect.set_defaults(handler=_cmd_collect)

    demo = commands.add_parser(
        "demo",
        help="scan a built-in mock organization (no AWS account needed)",
        description="Build an in-process mock organization (moto) shaped like a company moving from IAM users to "
        "IAM Identity Center, and run the full scan on it. Root-user facts, which moto cannot model, are "
        "simulated and labelled as such in every report. Takes the scan's report and gate options, so the CI "
        "flow (baseline, --fail-on) can be tried without AWS; --scenario changes the organization.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_demo_options(demo)
    _add_evaluation_options(demo, formats)
    demo.set_defaults(handler=_cmd_demo)

    rules = commands.add_parser(
        "rules",
        help="list the rule catalog, or show one rule",
        description="List the rules (`auditor rules`), or show one with its rationale, remediation and references "
        "(`auditor rules KEY-001`, or `auditor rules show KEY-001`).",
    )
    rules.add_argument(
        "action",
        nargs="?",
        default="list",
        metavar="list|show|ID",
        help="`list` (the default) lists every rule; `show ID` or just `ID` shows one rule",
    )
    rules.add_argument("rule_id", nargs="?", metavar="ID", help="the rule to show with `show`, e.g. KEY-001")
    rules.add_argument(
        "--rules-dir",
        dest="rules_dirs",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also load rules from the *.py files in DIR; repeatable",
    )
    rules.set_defaults(handler=_cmd_rules)

    diff = commands.add_parser(
        "diff", help="compare two findings.json files", description="Print what is new, fixed and unchanged."
    )
    diff.add_argument("old", type=Path, metavar="OLD.json", help="the earlier findings.json (e.g. last week's)")
    diff.add_argument("new", type=Path, metavar="NEW.json", help="the later findings.json")
    diff.set_defaults(handler=_cmd_diff)

    merge = commands.add_parser(
        "merge",
        help="combine findings.json shards into one",
        description="Combine the findings.json files of parallel scan jobs (e.g. one per OU) into one document.",
    )
    merge.add_argument("inputs", type=Path, nargs="+", metavar="FILE", help="the findings.json files to combine")
    merge.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="where to write the result")
    merge.set_defaults(handler=_cmd_merge)

    policy = commands.add_parser(
        "policy",
        help="print the least-privilege IAM policy for the audit role",
        description="Print the IAM policy the audit role needs: exactly the read-only operations the collectors "
        "call (derived from the collectors' own list, so it cannot drift).",
    )
    policy.add_argument(
        "--role-name",
        default="OrganizationAccountAccessRole",
        help="the member-account role the scanner assumes (default: %(default)s)",
    )
    policy.add_argument(
        "--member-template",
        action="store_true",
        help="print instead a CloudFormation template (for a StackSet) of the read-only member-account role",
    )
    policy.set_defaults(handler=_cmd_policy)

    readiness = commands.add_parser(
        "readiness",
        help="migration readiness: who still uses IAM users, who they are in Identity Center, the plan",
        description="Classify every IAM user (human, workload, break-glass, stale), match people to Identity Center "
        "users, give each account a verdict (migrated, ready, blocked) and write migration-plan.md and "
        "migration-plan.csv: the steps, in an order that locks nobody out. See docs/migration.md.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(readiness)
    _add_inventory_input(readiness)
    readiness.add_argument(
        "--demo", action="store_true", help="assess the built-in demo organization (moto; no AWS account needed)"
    )
    readiness.add_argument(
        "--config", type=Path, metavar="FILE", help="auditor.toml (default: ./auditor.toml when present)"
    )
    readiness.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        metavar="DIR",
        help="where migration-plan.md and migration-plan.csv are written (default: %(default)s)",
    )
    readiness.set_defaults(handler=_cmd_readiness)

    sso_config = commands.add_parser(
        "sso-config",
        help="print the ~/.aws/config for an Identity Center user, a group or everyone",
        description="Print an AWS CLI config: one [sso-session] and one [profile] per account and permission set "
        "the principal reaches in Identity Center (directly or through groups).",
    )
    _add_source_options(sso_config)
    _add_inventory_input(sso_config)
    principal = sso_config.add_mutually_exclusive_group(required=True)
    principal.add_argument("--user", metavar="NAME", help="an identity-store user name (or user id)")
    principal.add_argument("--group", metavar="NAME", help="an identity-store group name (or group id)")
    principal.add_argument("--all", action="store_true", help="every account x permission set assigned to anyone")
    sso_config.add_argument(
        "--start-url",
        metavar="URL",
        help="the access portal URL (default: https://<identity-store-id>.awsapps.com/start)",
    )
    sso_config.add_argument(
        "--session-name", metavar="NAME", help="the [sso-session] name (default: the instance name)"
    )
    sso_config.add_argument(
        "--profile-region", metavar="REGION", help="each profile's region (default: the Identity Center home region)"
    )
    sso_config.add_argument(
        "--profile-template",
        default="<account-name>-<permission-set>",
        metavar="TEMPLATE",
        help="profile names from <account-name>, <account-id>, <permission-set> (default: %(default)s)",
    )
    sso_config.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    sso_config.add_argument("--force", action="store_true", help="replace FILE if it exists")
    sso_config.set_defaults(handler=_cmd_sso_config)

    schema = commands.add_parser(
        "schema",
        help="print a JSON Schema",
        description="Print the JSON Schema of findings.json (as published in docs/findings.schema.json) or of "
        "inventory.json.",
    )
    schema.add_argument(
        "which",
        nargs="?",
        choices=["findings", "inventory"],
        default="findings",
        help="findings (the default: findings.json) or inventory (inventory.json)",
    )
    schema.set_defaults(handler=_cmd_schema)
    for command in commands.choices.values():  # global options work after the command too
        _add_global_options(command, after_command=True)
    return parser


def _add_inventory_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from-inventory", type=Path, metavar="FILE", help="read a saved inventory.json instead of calling AWS"
    )


# ------------------------------------------------------------------------------------------ commands


def _collect_options(args: argparse.Namespace) -> CollectOptions:
    from auditor.collect.options import CollectOptions

    return CollectOptions(
        org=args.org,
        role_name=args.role_name,
        external_id=args.external_id,
        profiles=list(args.profiles),
        accounts=args.accounts,
        exclude_accounts=list(args.exclude_accounts),
        ous=list(args.ous),
        concurrency=args.concurrency,
        region=args.region,
        identity_center_region=args.identity_center_region,
        progress=_progress_printer(),
        account_timeout=args.account_timeout,
        timeout=args.timeout,
    )


def _progress_printer() -> Callable[[int, int, str], None] | None:
    """A one-line progress indicator on stderr, only for a person watching a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, account_id: str) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r\033[Kcollected {done}/{total} accounts (last: {account_id}){end}")
        sys.stderr.flush()

    return show


def _collect(args: argparse.Namespace) -> Inventory:
    """The sources this run reads, assembled into one inventory: a saved inventory (``scan --from-inventory``,
    which carries the sources it was collected from), or the AWS source."""
    from auditor.collect.runner import AwsSource
    from auditor.inventory import Inventory
    from auditor.source import assemble_inventory

    saved = getattr(args, "from_inventory", None)
    parts = [Inventory.load(saved)] if saved else [AwsSource(_collect_options(args)).collect()]
    if getattr(args, "local", False):
        from auditor.clifiles.source import CliFilesSource

        if any(part.cli_files is not None for part in parts):
            raise InputError("--local: the saved inventory already holds AWS CLI files (it was collected with --local)")
        parts.append(CliFilesSource().collect())
    return assemble_inventory(parts)


def _cmd_collect(args: argparse.Namespace) -> int:
    from auditor.util.safefile import check_writable_file

    check_writable_file(args.output, "-o/--output")  # before the collection, not an hour after it
    inventory = _collect_or_save_partial(args, args.output)
    inventory.save(args.output)
    _say(f"inventory of {len(inventory.accounts)} account(s) written to {args.output}")
    _report_gaps(inventory.errors)
    if _read_no_account(inventory):
        return _no_account_read(_accounts_entered(inventory))
    return ExitCode.INCOMPLETE if inventory.errors else ExitCode.OK


def _cmd_scan(args: argparse.Namespace) -> int:
    ruleset, config, baseline = _prepare_evaluation(args)
    _check_outputs(args)
    # Handed over, not kept in this frame: _evaluate_and_report lets it go before the reports are written.
    return _evaluate_and_report(args, _collected_and_saved(args), ruleset, config, baseline)


def _collected_and_saved(args: argparse.Namespace) -> Inventory:
    inventory = _collect_or_save_partial(args, args.save_inventory)
    if args.save_inventory:
        inventory.save(args.save_inventory)
    return inventory


def _check_outputs(args: argparse.Namespace) -> None:
    """Every path this run will write is checked (and its directories created) before anything is collected."""
    from auditor.util.safefile import check_writable_file, prepare_output_dir

    if getattr(args, "save_inventory", None):
        check_writable_file(args.save_inventory, "--save-inventory")
    if any(args.format_table.by_name[name].default_filename for name in _format_names(args)):
        prepare_output_dir(args.output_dir)


def _collect_or_save_partial(args: argparse.Namespace, save_to: Path | None) -> Inventory:
    """The collected inventory; on Ctrl-C, what was read is saved to ``save_to`` (marked partial) first."""
    from auditor.collect.runner import ScanInterrupted

    try:
        return _collect(args)
    except ScanInterrupted as interrupted:
        if save_to is not None:
            interrupted.inventory.save(save_to)
            missing = sum(1 for e in interrupted.inventory.errors if e.error_code == "Interrupted" and e.account_id)
            _say(
                f"interrupted: partial inventory written to {save_to} ({missing} account(s) not read, listed as errors)"
            )
        raise


def _read_no_account(inventory: Inventory) -> bool:
    """An AWS scan that read no account audited nothing: it must not pass a gate (a file-only scan reads none)."""
    from auditor.source import AWS_SOURCE

    return AWS_SOURCE in inventory.collection.sources_collected and not inventory.accounts


def _accounts_entered(inventory: Inventory) -> int:
    """Coverage gaps about an account: when none was read, what the one error line points to."""
    return sum(1 for e in inventory.errors if e.account_id)


def _no_account_read(entered: int) -> int:
    print(
        f"auditor: error: no account was read ({entered} coverage gap(s) in the reports say why): nothing was audited",
        file=sys.stderr,
    )
    return int(ExitCode.ERROR)


def _cmd_local(args: argparse.Namespace) -> int:
    from auditor.clifiles.source import CliFilesSource

    ruleset, config, baseline = _prepare_evaluation(args)
    _check_outputs(args)
    inventory = CliFilesSource().collect()
    files = inventory.cli_files
    if files is not None:
        read = ", ".join(files.files_read) or "none"
        _say(f"AWS CLI files read: {read}; {len(files.profiles)} profile(s)")
    return _evaluate_and_report(args, inventory, _rules_for_sources(ruleset, inventory), config, baseline)


def _cmd_scan_code(args: argparse.Namespace) -> int:
    from auditor.codescan.source import CodeSource

    ruleset, config, baseline = _prepare_evaluation(args)
    _check_outputs(args)
    inventory = CodeSource(args.path, since=args.since, max_file_bytes=args.max_file_size).collect()
    scan = inventory.code_scan
    if scan is not None:
        how = "files git tracks or would track" if scan.git else "files not excluded by .gitignore"
        _say(
            f"scanned {scan.files_scanned} file(s) ({how}"
            + (f", lines added since {scan.since}" if scan.since else "")
            + f"); skipped {scan.skipped_binary} binary and {len(scan.skipped_large)} large file(s)"
        )
    return _evaluate_and_report(args, inventory, _rules_for_sources(ruleset, inventory), config, baseline)


def _rules_for_sources(ruleset: RuleSet, inventory: Inventory) -> RuleSet:
    """Only the rules whose sources this run read: a source-tree report lists no cloud rule as "not evaluated"
    (nobody asked for them), and cloud manual checks do not belong in it."""
    from auditor.registry import RuleSet

    collected = set(inventory.collection.sources_collected)
    return RuleSet(
        rules=[rule for rule in ruleset.rules if set(rule.sources) <= collected],
        problems=list(ruleset.problems),
        origin=dict(ruleset.origin),
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    from auditor.demo.scenarios import scenario_named

    ruleset, config, baseline = _prepare_evaluation(args)
    scenario = scenario_named(args.scenario) if args.scenario else None
    _say(
        "building the demo organization (moto, in-process; no AWS account is used)"
        + (f", scenario {scenario.name}" if scenario else "")
        + "..."
    )
    # The exit code is the real one, as for a scan: the demo's reports say which gaps the simulator causes.
    return _evaluate_and_report(args, _demo_saved(args, scenario), ruleset, config, baseline)


def _demo_saved(args: argparse.Namespace, scenario: Scenario | None) -> Inventory:
    from auditor.demo.scan import demo_inventory

    inventory = demo_inventory(progress=_progress_printer(), scenario=scenario)
    if args.save_inventory:
        inventory.save(args.save_inventory)
    return inventory


def _prepare_evaluation(args: argparse.Namespace) -> tuple[RuleSet, Config, FindingsDocument | None]:
    """Rules, config and baseline are read (and checked) before any AWS call: a typo fails fast."""
    from auditor.engine.config import load_config
    from auditor.findings import FindingsDocument

    config = load_config(args.config)
    ruleset = _load_rules(args.rules_dirs, getattr(args, "rule_timeout", DEFAULT_RULE_TIMEOUT_SECONDS))
    config.check_rule_ids(ruleset.ids)
    baseline = None
    if args.baseline and args.baseline_missing_ok and not args.baseline.exists():
        _warn(f"no baseline at {args.baseline} yet (--baseline-missing-ok): every finding counts as new")
    elif args.baseline:
        baseline = FindingsDocument.load(args.baseline)
    for problem in ruleset.problems:
        _warn(problem)
    return ruleset, config, baseline


def _load_rules(rules_dirs: Sequence[Path], timeout: float | None = DEFAULT_RULE_TIMEOUT_SECONDS) -> RuleSet:
    from auditor.registry import load_rules
    from auditor.rules import BUILTIN_PACK

    return load_rules([BUILTIN_PACK], rules_dirs, timeout=timeout)


def _formats() -> Formats:
    from auditor.reporter import load_formats
    from auditor.reports import BUILTIN_REPORTERS

    return load_formats(BUILTIN_REPORTERS)


def _builtin_file_formats() -> list[str]:
    from auditor.reports import BUILTIN_REPORTERS

    return [reporter.name for reporter in BUILTIN_REPORTERS if reporter.default_filename is not None]


def _reporters(names: Sequence[str], formats: Formats, args: argparse.Namespace) -> list[Reporter]:
    return [formats.by_name[name](**_report_options(name, args)) for name in names]


def _report_options(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """The CLI's report flags, handed to the constructors of the built-in formats they configure."""
    if name == "sarif":
        return {"category": args.sarif_category, "omit_suppressed": args.sarif_omit_suppressed}
    if name == CONSOLE_FORMAT:
        return {"color": sys.stdout.isatty()}
    return {}


def _evaluate_and_report(
    args: argparse.Namespace,
    inventory: Inventory,
    ruleset: RuleSet,
    config: Config,
    baseline: FindingsDocument | None,
) -> int:
    from auditor.engine.gate import gate
    from auditor.engine.pipeline import findings_for
    from auditor.reporter import write_reports

    formats: Formats = args.format_table
    for problem in formats.problems:
        _warn(problem)
    names = _format_names(args)
    reporters = _reporters(names, formats, args)
    import gc

    # The inventory (and everything loaded so far) lives until the process ends: move it out of the cyclic
    # garbage collector's reach, or each of its full passes during evaluation and readiness re-walks hundreds of
    # thousands of objects that cannot be garbage (0.5 s of evaluation, and up to 40 % of readiness, at 100
    # accounts x 200 users: docs/benchmarks.md). A process-level choice, so here and not in findings_for: a
    # library caller keeps the collector as it is. Objects created from here on are collected as usual.
    gc.freeze()
    document = findings_for(inventory, ruleset, config, baseline=baseline, rule_timeout=args.rule_timeout)
    read_no_account = _read_no_account(inventory)
    entered = _accounts_entered(inventory)
    # The reports need only the document. The callers hand the inventory over rather than keep it, so this
    # frees it (about 50 MB at 20,000 users: docs/benchmarks.md) before the reports are written.
    del inventory
    for reporter in reporters:
        if reporter.default_filename is None:
            sys.stdout.write(reporter.render(document).decode("utf-8"))
            sys.stdout.flush()
    for path in write_reports(document, reporters, args.output_dir):
        _say(f"wrote {path}")
    if "sarif" in names:
        _warn_sarif_aggregation(document)
    _report_gaps(document.errors)
    if read_no_account:
        return _no_account_read(entered)
    return gate(document, args.fail_on)


def _format_names(args: argparse.Namespace) -> list[str]:
    return list(args.formats or [*_builtin_file_formats(), *([CONSOLE_FORMAT] if sys.stdout.isatty() else [])])


def _warn_sarif_aggregation(document: FindingsDocument) -> None:
    from auditor.reports.sarif import MAX_ALERTS_KEPT

    if len(document.findings) > MAX_ALERTS_KEPT:
        _warn(
            f"{len(document.findings)} findings: more than the {MAX_ALERTS_KEPT} alerts GitHub keeps per SARIF run, so "
            "findings.sarif has every critical and high finding as its own result and the others aggregated per "
            "rule and account (findings.json has them all)"
        )


def _cmd_rules(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from auditor.engine.catalog import CATALOG_HEADERS, catalog_rows, render_rule_text

    ruleset = _load_rules(args.rules_dirs)
    for problem in ruleset.problems:
        _warn(problem)
    if args.action not in ("list", "show"):  # `auditor rules KEY-001`
        if args.rule_id:
            raise InputError(f"rules: unexpected {args.rule_id!r} (e.g. `auditor rules KEY-001`)")
        args.rule_id = args.action
    if args.action != "list" or args.rule_id:
        if not args.rule_id:
            raise InputError("rules show: which rule? e.g. `auditor rules KEY-001`")
        rule = ruleset.get(args.rule_id.upper())
        if rule is None:
            raise InputError(f"unknown rule id {args.rule_id!r} (see `auditor rules`)")
        print(render_rule_text(rule))
        return ExitCode.OK
    print(tabulate(catalog_rows(ruleset), headers=list(CATALOG_HEADERS)))
    return ExitCode.OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from auditor.engine.baseline import apply_baseline
    from auditor.findings import FindingsDocument
    from auditor.reports.table import render_diff

    old = FindingsDocument.load(args.old)
    print(render_diff(apply_baseline(FindingsDocument.load(args.new), old)))
    return ExitCode.OK


def _cmd_merge(args: argparse.Namespace) -> int:
    from auditor.engine.merge import merge
    from auditor.findings import FindingsDocument
    from auditor.util.safefile import check_writable_file

    check_writable_file(args.output, "-o/--output")
    merged = merge([FindingsDocument.load(path) for path in args.inputs])
    merged.save(args.output)
    _say(f"merged {len(args.inputs)} file(s), {len(merged.findings)} finding(s) into {args.output}")
    return ExitCode.OK


def _cmd_policy(args: argparse.Namespace) -> int:
    from auditor.collect.policy import audit_role_policy, member_role_template

    if args.member_template:
        print(json.dumps(member_role_template(args.role_name), indent=2))
        return ExitCode.OK
    print(json.dumps(audit_role_policy(args.role_name), indent=2))
    return ExitCode.OK


def _cmd_readiness(args: argparse.Namespace) -> int:
    from auditor.engine.config import load_config
    from auditor.readiness.commands import account_lines, summary_line, write_plan
    from auditor.util.safefile import prepare_output_dir

    config = load_config(args.config)
    prepare_output_dir(args.output_dir)
    if args.demo:
        from auditor.demo.scan import demo_inventory

        inventory = demo_inventory()
    else:
        inventory = _collect(args)
    readiness, written = write_plan(inventory, config, args.output_dir)
    for line in account_lines(readiness):
        _say(line)
    _say(summary_line(readiness))
    for path in written:
        _say(f"wrote {path}")
    _report_gaps(inventory.errors)
    if _read_no_account(inventory):  # a plan of no account is not "ready": the same rule as scan
        return _no_account_read(_accounts_entered(inventory))
    return ExitCode.INCOMPLETE if inventory.errors else ExitCode.OK


def _cmd_sso_config(args: argparse.Namespace) -> int:
    from auditor.readiness.commands import check_new_file, write_new_file
    from auditor.readiness.sso_config import check_template, render_sso_config

    check_template(args.profile_template)
    if args.output is not None:
        check_new_file(args.output, args.force)
    text = render_sso_config(
        _collect(args),
        user=args.user,
        group=args.group,
        start_url=args.start_url,
        session=args.session_name,
        region=args.profile_region,
        template=args.profile_template,
    )
    if args.output is None:
        sys.stdout.write(text)
        return ExitCode.OK
    write_new_file(args.output, text, args.force)
    _say(f"wrote {args.output}")
    return ExitCode.OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from auditor.findings import FindingsDocument
    from auditor.inventory import Inventory
    from auditor.util.jsonfile import schema_text

    sys.stdout.write(schema_text(FindingsDocument if args.which == "findings" else Inventory))
    return ExitCode.OK


# ------------------------------------------------------------------------------------------- output


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _warn(message: str) -> None:
    print(f"auditor: warning: {message}", file=sys.stderr)


def _report_gaps(errors: Sequence[CollectionError]) -> None:
    if errors:
        _warn(f"coverage is incomplete: {len(errors)} account(s)/API call(s) could not be read (see the reports)")


def main(argv: Sequence[str] | None = None) -> int:
    """The program. Called without ``argv`` (the ``auditor`` command, ``python -m auditor``), a Ctrl-C ends the
    process at once after the partial inventory is saved: threads still waiting on AWS are not waited for."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.debug = getattr(args, "debug", False)
    _configure_logging(args.debug)
    try:
        return int(args.handler(args))
    except AuditorError as exc:
        if args.debug:
            _print_traceback()
        print(_one_line(f"auditor: error: {exc}"), file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        if argv is None:
            _exit_now(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:  # the contract: one line, never a traceback, unless --debug
        if args.debug:
            _print_traceback()
        print(
            _one_line(f"auditor: error: unexpected {type(exc).__name__}: {exc}")
            + ("" if args.debug else " (run with --debug for details)"),
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _one_line(message: str) -> str:
    """The first line, at most ``MAX_ERROR_LINE`` characters: a 200 KB "line" helps nobody."""
    line = (message.splitlines() or [""])[0]
    return line if len(line) <= MAX_ERROR_LINE else line[: MAX_ERROR_LINE - 1] + "…"


def _print_traceback() -> None:
    """``--debug``: the traceback, redacted like the log, and the exit code stays the documented one."""
    import traceback

    from auditor.util.redact import redact

    sys.stderr.write(redact(traceback.format_exc()))


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _configure_logging(debug: bool) -> None:
    import logging

    from auditor.util.redact import install

    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install(logging.getLogger().handlers)  # every record ends at the root's handlers: none passes unredacted
    if not debug:
        logging.getLogger("botocore").setLevel(logging.ERROR)
