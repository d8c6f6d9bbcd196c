"""What a run says on stderr: progress, warnings, the coverage gaps by name, the verdict.

stdout carries only what a command prints as its result (a table, a policy, a config), so it can be piped.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from auditor.util.text import terminal_text

if TYPE_CHECKING:
    from auditor.commands.verdict import Verdict
    from auditor.inventory import CollectionError


def say(message: str) -> None:
    print(message, file=sys.stderr)


def warn(message: str) -> None:
    print(f"auditor: warning: {message}", file=sys.stderr)


def report_gaps(errors: Sequence[CollectionError]) -> None:
    """Each gap by name (account, API, error code; a failed rule as a rule, never as an unreadable account)."""
    if not errors:
        return
    from auditor.commands.verdict import SHOWN_GAPS, gap_count, gaps_of

    gaps = gaps_of(errors)
    warn(f"coverage is incomplete: {gap_count(gaps)}:")
    for gap in gaps[:SHOWN_GAPS]:
        say(terminal_text(f"  {gap.line()}"))
    if len(gaps) > SHOWN_GAPS:
        say(f"  ... and {len(gaps) - SHOWN_GAPS} more (the reports' errors list them all)")


def show_verdict(verdict: Verdict) -> None:
    """The verdict block (``verdict.py``) on stderr, every line terminal-safe; under GitHub Actions also its
    annotations and job summary (``github.py``)."""
    from auditor.commands import github
    from auditor.commands import verdict as verdicts

    # The log names every finding that failed the gate: it is where a CI reader looks. Annotations and the job
    # summary stop at SHOWN_FINDINGS (GitHub caps what a step may annotate; a summary is a glance).
    for line in verdicts.lines(verdict, shown=len(verdict.failing)):
        say(terminal_text(line))
    github.publish(verdict)
