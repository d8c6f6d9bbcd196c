"""The exit code a run ends with: the contract scripts and CI jobs depend on (``auditor.errors.ExitCode``)."""

from __future__ import annotations

from auditor.errors import ExitCode
from auditor.findings import FindingsDocument, Severity


def gate(document: FindingsDocument, fail_on: Severity | None) -> ExitCode:
    """The exit code: 1 if an active finding not already in the baseline is at or above ``fail_on``; else 3 if
    coverage is incomplete; else 0. Without ``fail_on`` findings never fail the run (but gaps still give 3)."""
    if fail_on is not None:
        for f in document.findings:
            if f.fails_gate(fail_on):
                return ExitCode.FINDINGS
    if document.errors:
        return ExitCode.INCOMPLETE
    return ExitCode.OK
