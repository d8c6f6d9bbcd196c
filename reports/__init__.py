"""Reporters: one module per format, each a pure function from the findings document to bytes.

Adding a format is one new module and one line in ``REPORTERS``; no reporter knows about another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.findings import FindingsDocument


@dataclass(frozen=True)
class ReportOptions:
    sarif_omit_suppressed: bool = False  # GitHub shows SARIF-suppressed results as open alerts
    sarif_category: str = "aws-identity-auditor"  # runs[].automationDetails.id prefix
    color: bool = False  # table: ANSI colours (only when writing to a terminal)
    max_rows: int = 25  # table: how many findings to list under the summary


@dataclass(frozen=True)
class Reporter:
    name: str
    filename: str  # file name under --output-dir
    render: Callable[[FindingsDocument, ReportOptions], bytes]


def _registry() -> dict[str, Reporter]:
    from auditor.reports import html, json_report, sarif, table

    return {
        "html": Reporter("html", "report.html", html.render),
        "json": Reporter("json", "findings.json", json_report.render),
        "sarif": Reporter("sarif", "findings.sarif", sarif.render),
        "table": Reporter("table", "findings.txt", table.render),
    }


REPORT_FORMATS = ("html", "json", "sarif", "table")


def get_reporter(name: str) -> Reporter:
    return _registry()[name]
