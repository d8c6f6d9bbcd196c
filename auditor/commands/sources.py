"""The sources a run reads, assembled into one inventory, and what a run says when it read no account."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.console import say
from auditor.commands.progress import progress_for
from auditor.errors import ExitCode, InputError
from auditor.launch import terminated

if TYPE_CHECKING:  # boto3 loads only for the commands that collect, when they run
    from auditor.collect.options import CollectOptions
    from auditor.inventory import Inventory


def collect_options(
    args: argparse.Namespace, progress: Callable[[int, int, str], None] | None = None
) -> CollectOptions:
    """The collection options given, the defaults for the others (the parser leaves them None, so that an
    option given beside ``--from-inventory`` or ``--demo`` is told apart from its default: ``options.py``)."""
    from auditor.collect.options import (
        DEFAULT_ACCOUNT_TIMEOUT_SECONDS,
        DEFAULT_CONCURRENCY,
        DEFAULT_ROLE_NAME,
        CollectOptions,
    )

    return CollectOptions(
        org=args.org,
        role_name=args.role_name or DEFAULT_ROLE_NAME,
        external_id=args.external_id,
        profiles=list(args.profiles),
        accounts=args.accounts,
        exclude_accounts=list(args.exclude_accounts),
        ous=list(args.ous),
        concurrency=args.concurrency or DEFAULT_CONCURRENCY,
        region=args.region,
        identity_center_region=args.identity_center_region,
        progress=progress,
        account_timeout=args.account_timeout or DEFAULT_ACCOUNT_TIMEOUT_SECONDS,
        timeout=args.timeout,
    )


def collect(args: argparse.Namespace) -> Inventory:
    """The sources this run reads, assembled into one inventory: a saved inventory (``scan --from-inventory``,
    which carries the sources it was collected from), or the AWS source."""
    from auditor.collect.runner import AwsSource
    from auditor.source import assemble_inventory

    saved = getattr(args, "from_inventory", None)
    if saved:
        parts = [load_saved(saved, stdin=getattr(args, "from_inventory_stdin", False))]
    else:
        with progress_for(args) as progress:
            parts = [AwsSource(collect_options(args, progress.account_done)).collect()]
    if getattr(args, "local", False):
        from auditor.clifiles.source import CliFilesSource

        if any(part.cli_files is not None for part in parts):
            raise InputError("--local: the saved inventory already holds AWS CLI files (it was collected with --local)")
        parts.append(CliFilesSource().collect())
    return assemble_inventory(parts)


def load_saved(path: Path, *, stdin: bool = False) -> Inventory:
    """A saved inventory (``--from-inventory``; ``-`` with ``stdin``), refused (exit 2, the reason) when it
    contradicts itself."""
    from auditor.inventory import Inventory
    from auditor.util.inputfile import STDIN, STDIN_NAME

    inventory = Inventory.load(path, stdin=stdin)
    problem = inventory.contradiction()
    if problem is not None:
        name = STDIN_NAME if stdin and path == STDIN else path
        raise InputError(f"{name}: the inventory contradicts itself: {problem}")
    return inventory


def collect_or_save_partial(args: argparse.Namespace, save_to: Path | None) -> Inventory:
    """The collected inventory; on Ctrl-C or SIGTERM, what was read is saved to ``save_to`` (marked partial) first."""
    from auditor.collect.runner import ScanInterrupted

    try:
        return collect(args)
    except ScanInterrupted as interrupted:
        if save_to is not None:
            interrupted.inventory.save(save_to)
            missing = sum(1 for e in interrupted.inventory.errors if e.error_code == "Interrupted" and e.account_id)
            stopped = "terminated" if terminated() else "interrupted"
            say(f"{stopped}: partial inventory written to {save_to} ({missing} account(s) not read, listed as errors)")
        raise


def read_no_account(inventory: Inventory) -> bool:
    """An AWS scan that read no account audited nothing: it must not pass a gate (a file-only scan reads none)."""
    from auditor.source import AWS_SOURCE

    return AWS_SOURCE in inventory.collection.sources_collected and not inventory.accounts


def accounts_entered(inventory: Inventory) -> int:
    """Coverage gaps about an account: when none was read, what the one error line points to."""
    return sum(1 for e in inventory.errors if e.account_id)


def no_account_read(entered: int) -> int:
    print(
        f"auditor: error: no account was read ({entered} coverage gap(s) in the reports say why): nothing was audited",
        file=sys.stderr,
    )
    return int(ExitCode.ERROR)
