"""The exit code a run ends with: the contract scripts and CI jobs depend on (``auditor.errors.ExitCode``)."""

from __future__ import annotations

from auditor.errors import ExitCode
from auditor.findings import Finding, FindingsDocument, Severity


def failing(finding: Finding, fail_on: Severity) -> bool:
    """Whether ``finding`` fails a ``--fail-on`` gate. ``Finding.fails_gate`` is the one definition; the exit
    code, the CI log's verdict (``commands/verdict.py``) and report.html's "Fix first" all read it."""
    return finding.fails_gate(fail_on)


def gate_failures(document: FindingsDocument, fail_on: Severity | None) -> list[Finding]:
    """The findings that fail the gate, in the document's order (worst first); none without ``fail_on``."""
    if fail_on is None:
        return []
    return [f for f in document.findings if failing(f, fail_on)]


def gate(document: FindingsDocument, fail_on: Severity | None) -> ExitCode:
    """The exit code: 1 if an active finding not already in the baseline is at or above ``fail_on``; else 3 if
    coverage is incomplete; else 0. Without ``fail_on`` findings never fail the run (but gaps still give 3)."""
    if fail_on is not None and any(failing(f, fail_on) for f in document.findings):
        return ExitCode.FINDINGS
    if document.errors:
        return ExitCode.INCOMPLETE
    return ExitCode.OK
