"""The built-in report formats: one module per format, each a :class:`auditor.reporter.Reporter`.

``BUILTIN_REPORTERS`` is the one table of formats: the CLI derives ``--format``'s choices and help from it
(plus any installed through the ``auditor.reporters`` entry points). Adding a format is one new module and one
entry here; no reporter knows about another, and each depends on the findings document only.
"""

from __future__ import annotations

from auditor.reporter import Reporter
from auditor.reports.html import HtmlReporter
from auditor.reports.json_report import JsonReporter
from auditor.reports.sarif import SarifReporter
from auditor.reports.table import TableReporter

BUILTIN_REPORTERS: tuple[type[Reporter], ...] = (HtmlReporter, JsonReporter, SarifReporter, TableReporter)

__all__ = ["BUILTIN_REPORTERS"]
