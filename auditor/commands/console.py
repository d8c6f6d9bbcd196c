"""What a run says on stderr: progress for a person at a terminal, warnings, the coverage-gap summary.

stdout carries only what a command prints as its result (a table, a policy, a config), so it can be piped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.inventory import CollectionError


def say(message: str) -> None:
    print(message, file=sys.stderr)


def warn(message: str) -> None:
    print(f"auditor: warning: {message}", file=sys.stderr)


def report_gaps(errors: Sequence[CollectionError]) -> None:
    if errors:
        warn(f"coverage is incomplete: {len(errors)} account(s)/API call(s) could not be read (see the reports)")


def progress_printer() -> Callable[[int, int, str], None] | None:
    """A one-line progress indicator on stderr, only for a person watching a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, account_id: str) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r\033[Kcollected {done}/{total} accounts (last: {account_id}){end}")
        sys.stderr.flush()

    return show
