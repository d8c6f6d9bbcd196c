"""The verdict a gating run ends its log with: why it exits as it does, in words a CI log reader can act on.

A failing gate used to end with "wrote ..." lines: whoever read the CI log had to download the reports to learn
which finding failed it. So the last thing a gating command (``scan``, ``demo``, ``local``, ``scan-code``)
writes on stderr is its verdict: the threshold, the new findings at or above it (every one of them in the log;
the annotations and the job summary name the first :data:`SHOWN_FINDINGS` and count the rest), what would make
it pass, every coverage gap by name, and where the reports are. A passing gate says so in one line.

Gaps are of two kinds and never counted together: a read that failed (an account, an API, a file: something
the scan could not see) and a rule that failed (it raised or overran ``--rule-timeout``: a bug, not an
unreadable account). The engine files the second as an error entry with ``service="auditor"``
(``auditor/engine/evaluate.py``), which is how they are told apart here; the JSON stays as it is.

Pure: the document, the exit code and the paths in, lines out. ``console.py`` prints them, ``github.py``
turns the same :class:`Verdict` into annotations and a job summary. Every name shown comes from the audited
accounts, so the printer passes each line through ``util/text.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from auditor.errors import ExitCode
from auditor.findings import Finding, FindingsDocument, Severity
from auditor.inventory import CollectionError
from auditor.model import Model

SHOWN_FINDINGS = 20  # findings named in the log; the reports have the rest
SHOWN_GAPS = 20
MESSAGE_WIDTH = 160  # one line each, however long a rule's message or an AWS error is

# How the engine files a rule's own failure (auditor/engine/evaluate.py): a separate kind of gap
RULE_SERVICE = "auditor"
RULE_OPERATION_PREFIX = "evaluate "


class Gap(Model):
    """One coverage gap, named: what could not be read (``read``), or a rule or pack that failed (``rule``)."""

    kind: Literal["read", "rule"]
    account_id: str | None = None
    what: str  # "iam GetAccountAuthorizationDetails (us-east-1)", "rule ZZZ-001", "rule pack"
    error_code: str
    message: str

    def line(self) -> str:
        """``account 111111111111: iam ListUsers: AccessDenied: ...`` or ``rule ZZZ-001 failed: ValueError: ...``."""
        message = one_line(self.message)
        if self.kind == "rule":
            failed = "gave invalid hits" if self.error_code == "InvalidHit" else "failed"
            return f"{self.what} {failed}: {self.error_code}: {message}"
        where = f"account {self.account_id}" if self.account_id else "not about one account"
        return f"{where}: {self.what}: {self.error_code}: {message}"


class Verdict(Model):
    """What a gating run ends with (exit code and why), for the log, the annotations and the job summary."""

    exit_code: int
    fail_on: Severity | None = None
    baseline: str | None = None  # the --baseline file, as given
    failing: list[Finding]  # every finding that failed the gate, worst first
    gaps: list[Gap]
    reports: list[str]  # the files written
    active: int  # active findings in the document, at any severity

    @property
    def read_gaps(self) -> list[Gap]:
        return [gap for gap in self.gaps if gap.kind == "read"]

    @property
    def rule_gaps(self) -> list[Gap]:
        return [gap for gap in self.gaps if gap.kind == "rule"]

    def threshold(self) -> str:
        """``--fail-on high, --baseline old.json``: the gate as the command line gave it."""
        parts = [f"--fail-on {self.fail_on.value}"] if self.fail_on else ["no --fail-on"]
        if self.baseline:
            parts.append(f"--baseline {self.baseline}")
        return ", ".join(parts)

    def headline(self) -> str:
        """The verdict in one line (the job summary's first line, and the log's)."""
        if self.exit_code == ExitCode.FINDINGS:
            new = "new " if self.baseline else ""
            return (
                f"gate failed: {len(self.failing)} {new}finding(s) at or above "
                f"{self.fail_on.value if self.fail_on else '?'} ({self.threshold()})"
            )
        gate = (
            f"gate passed: no {'new ' if self.baseline else ''}finding at or above {self.fail_on.value} "
            f"({self.threshold()})"
            if self.fail_on
            else f"no gate (--fail-on not given): {self.active} active finding(s) reported"
        )
        if self.gaps:
            return f"incomplete: {gate}, but {gap_count(self.gaps)}"
        return gate


def gap_count(gaps: Sequence[Gap]) -> str:
    """``2 unreadable account(s)/API call(s) and 1 failed rule``: the two kinds counted apart."""
    reads = sum(1 for gap in gaps if gap.kind == "read")
    rules = len(gaps) - reads
    parts = []
    if reads:
        parts.append(f"{reads} coverage gap(s) (an account, API call or file not read)")
    if rules:
        parts.append(f"{rules} rule failure(s)")
    return " and ".join(parts)


def one_line(text: str, width: int = MESSAGE_WIDTH) -> str:
    first = (text.strip().splitlines() or [""])[0]
    return first if len(first) <= width else first[: width - 1] + "…"


def gap_of(error: CollectionError) -> Gap:
    """An error entry as a gap of its kind: the engine's own entries are rules, every other one a read."""
    if error.service == RULE_SERVICE:
        if error.operation.startswith(RULE_OPERATION_PREFIX):
            what = f"rule {error.operation[len(RULE_OPERATION_PREFIX) :]}"
        else:  # "load rules": a pack or --rules-dir file that did not load
            what = "rule pack"
        return Gap(kind="rule", what=what, error_code=error.error_code, message=error.message)
    what = f"{error.service} {error.operation}" + (f" ({error.region})" if error.region else "")
    return Gap(kind="read", account_id=error.account_id, what=what, error_code=error.error_code, message=error.message)


def gaps_of(errors: Sequence[CollectionError]) -> list[Gap]:
    """Rule failures first (a bug to fix in a rule), then reads in the document's order."""
    gaps = [gap_of(error) for error in errors]
    return [gap for gap in gaps if gap.kind == "rule"] + [gap for gap in gaps if gap.kind == "read"]


def verdict_for(
    document: FindingsDocument,
    exit_code: int,
    fail_on: Severity | None,
    baseline: Path | None,
    reports: Sequence[Path],
) -> Verdict:
    from auditor.engine.gate import gate_failures

    return Verdict(
        exit_code=int(exit_code),
        fail_on=fail_on,
        baseline=str(baseline) if baseline else None,
        failing=gate_failures(document, fail_on),
        gaps=gaps_of(document.errors),
        reports=[str(path) for path in reports],
        active=document.summary.active,
    )


def account_label(finding: Finding) -> str:
    if finding.account_id and finding.account_name:
        return f"{finding.account_name} ({finding.account_id})"
    return finding.account_id or "-"


def finding_line(finding: Finding) -> str:
    """Rule id, severity, account, resource, one-line message."""
    return (
        f"{finding.severity.value:<8} {finding.rule_id:<10} {account_label(finding)}  {finding.display_name}: "
        f"{one_line(finding.message)}"
    )


def where_the_rest_is(reports: Sequence[str]) -> str:
    for name in ("findings.json", "report.html", "findings.sarif"):
        for path in reports:
            if Path(path).name == name:
                return f"in {path}"
    return "in the reports (add --format json to write findings.json)"


def hint(verdict: Verdict) -> str:
    """What makes the gate pass, other than fixing: the three levers, each by its option or file."""
    accept = (
        f"only findings new since --baseline {verdict.baseline} count"
        if verdict.baseline
        else "--baseline OLD.json (a findings.json of an earlier run) fails only on new findings"
    )
    return (
        "to pass: fix them (each report's fix names the commands); or "
        f"{accept}; --fail-on {_higher(verdict.fail_on)} raises the threshold; an accepted risk is suppressed, "
        "with a reason, in auditor.toml [[suppressions]]"
    )


def _higher(fail_on: Severity | None) -> str:
    order = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
    if fail_on is None or fail_on is Severity.CRITICAL:
        return "critical"
    return order[order.index(fail_on) + 1].value


def reports_line(reports: Sequence[str]) -> str:
    return "reports: " + (", ".join(reports) if reports else "none written (only what was printed above)")


def lines(verdict: Verdict, shown: int = SHOWN_FINDINGS) -> list[str]:
    """The verdict as stderr lines (unsanitised: the printer makes them terminal-safe). A passing gate with
    every account read is one line; a failing or incomplete one is a block that ends with the reports."""
    if verdict.exit_code not in (ExitCode.FINDINGS, ExitCode.INCOMPLETE) and not verdict.gaps:
        return [f"auditor: {verdict.headline()}; {reports_line(verdict.reports)}"]
    out = [f"auditor: {verdict.headline()}"]
    if verdict.failing:
        out += [f"  {finding_line(finding)}" for finding in verdict.failing[:shown]]
        more = len(verdict.failing) - shown
        if more > 0:
            out.append(f"  ... and {more} more {where_the_rest_is(verdict.reports)}")
    if verdict.gaps:
        out.append(f"  {gap_count(verdict.gaps)}:")
        out += [f"    {gap.line()}" for gap in verdict.gaps[:SHOWN_GAPS]]
        more = len(verdict.gaps) - SHOWN_GAPS
        if more > 0:
            out.append(f'    ... and {more} more {where_the_rest_is(verdict.reports)} ("errors")')
    if verdict.failing:
        out.append(f"  {hint(verdict)}")
    out.append(f"  {reports_line(verdict.reports)}")
    return out
