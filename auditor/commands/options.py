"""The argument groups several commands take, and the parser class they share.

Every invocation builds every command's parser, so this module imports only the stages' light defaults: the
concurrency and account timeout from ``auditor.collect.options``, the rule timeout from
``auditor.util.isolation``. What only an import can tell (the report formats, the demo's scenarios) is read by
:class:`Deferred` when ``--help`` is printed or the option is given.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeAlias

from auditor.collect.options import DEFAULT_ACCOUNT_TIMEOUT_SECONDS, DEFAULT_CONCURRENCY, DEFAULT_ROLE_NAME
from auditor.commands import formats
from auditor.commands.progress import add_progress_option
from auditor.commands.values import csv_list, positive_int, positive_seconds, severity
from auditor.errors import ExitCode
from auditor.launch import EXIT_INTERRUPTED, EXIT_TERMINATED
from auditor.util.isolation import DEFAULT_RULE_TIMEOUT_SECONDS

Commands: TypeAlias = "argparse._SubParsersAction[Parser]"  # what add_parser is called on

DEFAULT_OUTPUT_DIR = Path("auditor-report")


def exit_codes(*codes: tuple[int, str], on_interrupt: str = "") -> str:
    """A command's ``exit codes:`` epilog: the codes it can end with, each in its own words (the contract of them
    all is ``EPILOG``, on ``auditor --help``), then the two every command can end with, from one place:
    ``INTERRUPTED`` (130) and ``TERMINATED`` (143, SIGTERM handled as Ctrl-C: ``auditor.launch``).
    ``on_interrupt`` says what an interruption keeps, when it keeps anything (a partial inventory)."""
    after = f"; {on_interrupt}" if on_interrupt else ""
    signals = ((INTERRUPTED[0], INTERRUPTED[1] + after), (TERMINATED[0], TERMINATED[1] + after))
    lines = (
        textwrap.fill(
            text,
            width=EPILOG_WIDTH,
            initial_indent=f"{code:>3}  ",
            subsequent_indent="     ",
            break_on_hyphens=False,
        )
        for code, text in (*codes, *signals)
    )
    return "exit codes:\n" + "".join(line + "\n" for line in lines)


EPILOG_WIDTH = 110  # the epilog's lines, as sso-config's hand-written one

INTERRUPTED = (EXIT_INTERRUPTED, "interrupted (Ctrl-C)")
TERMINATED = (EXIT_TERMINATED, "terminated (SIGTERM: a CI job cancelled), handled as Ctrl-C")
SAVES_PARTIAL_INVENTORY = "with --save-inventory the partial inventory is saved"


# The lines of ``INTERRUPTED`` and ``TERMINATED``, for an epilog written by hand (sso-config's).
SIGNAL_EXIT_CODES = exit_codes().removeprefix("exit codes:\n")


def gate_exit_codes(could_not_run: str, on_interrupt: str = "") -> str:
    """The exit codes of a command that evaluates the rules and applies ``--fail-on``."""
    return exit_codes(
        (0, "nothing at or above --fail-on"),
        (1, "findings at or above --fail-on (suppressed and --baseline findings never count)"),
        (2, "could not run: " + could_not_run),
        (3, 'ran and nothing failed the gate, but coverage is incomplete (see "errors" in the reports)'),
        on_interrupt=on_interrupt,
    )


EPILOG = gate_exit_codes(
    "usage, configuration, credentials, unreadable input, an unwritable output path, or no account read at all",
    on_interrupt=SAVES_PARTIAL_INVENTORY,
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """A text already laid out in lines (an epilog's table, a description written line by line) is kept as
    written; a one-line text is wrapped to the terminal, as argparse wraps help."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text.strip():
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line plus the usage hint.

    It also refuses options that would be ignored without a word: an input that replaces the collection
    (``--from-inventory``, ``--demo``: :func:`add_inventory_input`, :func:`add_demo_input`) given with a
    collection option (:func:`add_source_options`), or with another such input. One check for every command,
    run when the command's own arguments are parsed, so the line names the command.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.calls_aws = False  # whether --debug's help promises botocore's log: set by add_source_options
        self.collection_inputs: list[argparse.Action] = []  # each replaces the collection
        self.collection_options: list[argparse.Action] = []  # each applies only to a collection

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.ERROR, f"{self.prog}: {message} (see --help)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        problem = conflicting_options(self, parsed)
        if problem:
            self.error(problem)
        return parsed, extras


def conflicting_options(parser: Parser, namespace: argparse.Namespace) -> str | None:
    """The usage error when an input that replaces the collection is given with another one, or with options
    that only a collection reads; None when nothing conflicts.

    "Given" is "not the default": the options concerned default to None, False or an empty list (the
    collection's defaults are applied later, in ``sources.collect_options``), so an option given with its
    default value is still told apart.
    """
    inputs = [action for action in parser.collection_inputs if _given(action, namespace)]
    if len(inputs) > 1:
        return " and ".join(_name(action) for action in inputs) + ": pass one of them"
    if not inputs:
        return None
    ignored = [_name(action) for action in parser.collection_options if _given(action, namespace)]
    if not ignored:
        return None
    what = "reads a saved inventory" if inputs[0].dest == "from_inventory" else "uses the demo organization"
    return (
        f"{_name(inputs[0])} {what}, so nothing is collected: {', '.join(ignored)} would be ignored; "
        f"drop {'it' if len(ignored) == 1 else 'them'}"
    )


def _given(action: argparse.Action, namespace: argparse.Namespace) -> bool:
    return getattr(namespace, action.dest, action.default) not in (None, False, [])


def _name(action: argparse.Action) -> str:
    return max(action.option_strings, key=len)


class Deferred(argparse.Action):
    """A stored option whose help (and choices) only an import can tell: ``describe`` and ``choose`` are called
    when argparse reads them, which is when ``--help`` is printed or the option is given, not when the parser
    is built. So ``auditor scan`` does not import the demo's story to list ``demo --scenario``'s choices.

    Add it to an argument group: from Python 3.14 a parser's own ``add_argument`` expands the help to check it.
    """

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        *,
        describe: Callable[[], str],
        choose: Callable[[], Sequence[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        self._describe = describe
        self._choose = choose
        super().__init__(option_strings, dest, **kwargs)

    @property
    def help(self) -> str:
        return self._describe()

    @help.setter
    def help(self, value: str | None) -> None:
        """argparse's constructor assigns ``help=``; the deferred description stands instead."""

    @property
    def choices(self) -> Iterable[Any] | None:
        return self._choose() if self._choose else None

    @choices.setter
    def choices(self, value: Iterable[Any] | None) -> None:
        """argparse's constructor assigns ``choices=``; the deferred choices stand instead."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)


def add_global_options(parser: Parser, *, after_command: bool = False) -> None:
    """Options every command takes, before or after its name (``auditor --debug scan``, ``auditor scan --debug``).

    After the command they default to "not given" (SUPPRESS), so they never overwrite a value given before it.
    Each command's help says what ``--debug`` shows for it: botocore's log only where AWS is called.
    """
    default: Any = argparse.SUPPRESS if after_command else False
    if not after_command:
        shows = "tracebacks, and botocore's log (retries, endpoints) for the commands that call AWS"
    elif parser.calls_aws:
        shows = "tracebacks and botocore's log (retries, endpoints)"
    else:
        shows = "tracebacks (this command calls no AWS API)"
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help=f"show {shows}, every secret redacted",
    )


def add_source_options(parser: Parser) -> None:
    """The collection options. Their defaults are None, False or empty (the values are applied by
    ``sources.collect_options``), so :func:`conflicting_options` tells one given apart."""
    group = parser.add_argument_group("what to collect (default: the account of the current credentials)")
    parser.calls_aws = True

    def add(*names: str, **kwargs: Any) -> None:
        parser.collection_options.append(group.add_argument(*names, **kwargs))

    add(
        "--org",
        action="store_true",
        help="discover the organization's accounts (from the management account or a delegated administrator) "
        "and assume --role-name in each member",
    )
    add(
        "--role-name",
        help=f"role to assume in member accounts with --org (default: {DEFAULT_ROLE_NAME})",
    )
    add("--external-id", help="ExternalId to pass when assuming --role-name")
    add(
        "--profile",
        dest="profiles",
        action="append",
        default=[],
        metavar="NAME",
        help="the credentials to read with: collect the account behind this ~/.aws/config profile (SSO profiles "
        "work); repeatable",
    )
    add("--accounts", type=csv_list, action="extend", metavar="ID[,ID]", help="only these account ids")
    add(
        "--exclude-accounts",
        type=csv_list,
        action="extend",
        default=[],
        metavar="ID[,ID]",
        help="skip these account ids",
    )
    add(
        "--ou",
        dest="ous",
        type=csv_list,
        action="extend",
        default=[],
        metavar="OU[,OU]",
        help="only accounts under these OUs (ids or names, nested OUs included)",
    )
    add(
        "--concurrency",
        type=positive_int,
        metavar="N",
        help=f"accounts collected at once (default: {DEFAULT_CONCURRENCY})",
    )
    add("--region", help="region for regional API calls (default: the profile's region or us-east-1)")
    add("--identity-center-region", metavar="REGION", help="the Identity Center home region (default: --region)")
    add(
        "--account-timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help=f"time one account may take; past it the account is a coverage gap (default: "
        f"{DEFAULT_ACCOUNT_TIMEOUT_SECONDS:g})",
    )
    add(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="time the whole collection may take; what is not read by then is a coverage gap, and the reports "
        "are still written (default: no limit)",
    )
    add_progress_option(group)  # not a collection option: shown however the inventory is read


def add_inventory_input(parser: Parser, group: argparse._ArgumentGroup | None = None, *, stdin: bool = True) -> None:
    """``--from-inventory``: replaces the collection, so it is refused with a collection option. ``stdin``: ``-``
    reads standard input (a CI job piping a saved inventory in); a command that names the file in what it writes
    (``readiness``) says no."""
    action = (group or parser).add_argument(
        "--from-inventory",
        type=Path,
        metavar="FILE",
        help="read a saved inventory.json instead of calling AWS"
        + (" (- reads standard input; no collection option applies)" if stdin else " (no collection option applies)"),
    )
    parser.set_defaults(from_inventory_stdin=stdin)
    parser.collection_inputs.append(action)


def add_demo_input(parser: Parser, purpose: str) -> None:
    """``--demo``: the built-in demo organization replaces the collection, as ``--from-inventory`` does."""
    action = parser.add_argument(
        "--demo",
        action="store_true",
        help=f"{purpose} the built-in demo organization (moto; no AWS account needed; no collection option applies)",
    )
    parser.collection_inputs.append(action)


def add_rules_dir(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--rules-dir",
        dest="rules_dirs",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also load rules from the *.py files in DIR; repeatable",
    )


def add_evaluation_options(parser: Parser, *, sarif_category_suffix: str = "", config_from_ref: bool = False) -> None:
    """``sarif_category_suffix``: appended to the SARIF reporter's default category (``-local``, ``-code``), so
    uploads of a command that reads other sources do not replace the cloud scan's. ``config_from_ref``: the
    command also takes ``--config-from-ref`` (the gates that read a checkout: ``scan-code``, ``local``)."""
    group = parser.add_argument_group("evaluation and reports")
    config = group.add_mutually_exclusive_group() if config_from_ref else group
    config.add_argument(
        "--config", type=Path, metavar="FILE", help="auditor.toml (default: ./auditor.toml when present)"
    )
    if config_from_ref:
        config.add_argument(
            "--config-from-ref",
            metavar="REF",
            help="read ./auditor.toml as the git commit REF has it (git show REF:./auditor.toml), e.g. a pull "
            "request's base, so the change cannot suppress its own findings; REF without the file: the defaults",
        )
    add_rules_dir(group)
    group.add_argument(
        "--rule-timeout",
        type=positive_seconds,
        default=DEFAULT_RULE_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="time one rule (or one rule pack's import) may take; past it the rule is abandoned and "
        "reported as failed (default: %(default)g)",
    )
    group.add_argument(
        "--format",
        dest="formats",
        action=Deferred,
        describe=formats.describe,
        type=formats.parse_names,
        metavar="LIST",
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
        type=severity,
        metavar="SEVERITY",
        help="exit 1 when an active, non-baseline finding is at or above this severity "
        "(critical, high, medium, low, info)",
    )
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD.json",
        help="a previous findings.json (- reads standard input): mark findings new or unchanged, list fixed ones; "
        "only new ones fail",
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
    appended = (
        "the scan's organization or account, and a shard's --ou/--accounts/--exclude-accounts selection, are appended"
        if parser.collection_options
        else "the organization or account scanned, or 'default', is appended"
    )
    group.add_argument(
        "--sarif-category",
        metavar="NAME",
        help=f"SARIF automationDetails.id prefix ({appended}); uploads with the same id replace each other",
    )
    parser.set_defaults(sarif_category_suffix=sarif_category_suffix)


def add_history_option(parser: Parser) -> None:
    """``--history FILE`` (scan, demo, readiness): the run appended to a SQLite history, read by ``auditor history``."""
    parser.add_argument(
        "--history",
        type=Path,
        metavar="FILE",
        help="also append this run to FILE, a SQLite history created on first use (counts and fingerprints, never "
        "a finding's details or a secret); with earlier runs of the same scope, report.html draws the trend. Read "
        "it with `auditor history FILE`. A file that cannot be used: one error line, exit 2, reports still written",
    )
