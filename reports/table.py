"""Console summary: what was scanned, how bad it is, the worst findings, and what could not be read.

Everything printed that came from AWS or from files (names, messages, evidence) goes through ``clean``:
control characters are shown escaped, so a hostile resource name cannot move the cursor, recolour the
terminal or break the table. Colour (severities only) is added by this module alone, when asked.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Iterable, Sequence

from tabulate import tabulate
from wcwidth import wcswidth  # what tabulate measures with, so our truncation agrees with its columns

from auditor.findings import Finding, FindingsDocument, Severity, finding_order
from auditor.reporter import Reporter

DEFAULT_WIDTH = 120
TOP_ACCOUNTS = 10
FIRST_GAPS = 5
RESOURCE_COLUMN = 3
MIN_TITLE = 16  # a rule title is cut to this before a resource name is cut at all
MIN_RESOURCE = 12

_COLOR = {
    Severity.CRITICAL: "\x1b[1;97;41m",  # bold white on red
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")  # + lone surrogates


class TableReporter(Reporter):
    name = "table"
    default_filename = None  # printed on the console
    description = "a summary for the console"

    def __init__(self, *, color: bool = False, max_rows: int = 25, width: int | None = None) -> None:
        """``color``: ANSI colours for severities (for a terminal); ``width``: default, the terminal's."""
        self.color = color
        self.max_rows = max_rows
        self.width = width

    def render(self, document: FindingsDocument) -> bytes:
        width = self.width or shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns or DEFAULT_WIDTH
        return render_text(document, color=self.color, max_rows=self.max_rows, width=width).encode("utf-8")


def render_text(
    document: FindingsDocument, *, color: bool = False, max_rows: int = 25, width: int = DEFAULT_WIDTH
) -> str:
    width = max(width, 60)
    sections = [
        _header(document),
        _counts(document, color),
        _accounts(document),
        _top_findings(document, color, max_rows, width),
        _coverage(document, width),
        _simulated(document, width),
        _notices(document, width),
        _not_evaluated(document, width),
        _manual_checks(document),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def clean(value: object) -> str:
    """One printable line: control and bidi-override characters escaped (``\\n``, ``\\x1b``, ``\\u202e``)."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(_escape, text)


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide characters and most emoji take two (as tabulate counts them)."""
    width = wcswidth(text)
    return width if width >= 0 else len(text)  # -1: a control character; those are escaped before display


def truncate(text: str, width: int) -> str:
    """At most ``width`` terminal columns, with an ellipsis when something was cut."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    kept, used = [], 0
    for char in text:
        columns = display_width(char)
        if used + columns > width - 1:
            break
        kept.append(char)
        used += columns
    return "".join(kept) + "…"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _paint(severity: Severity, text: str, color: bool) -> str:
    return f"{_COLOR[severity]}{text}{_RESET}" if color else text


# ----------------------------------------------------------------------------------------------- sections


def _header(document: FindingsDocument) -> str:
    scope = document.scope
    org = clean(scope.organization_id) if scope.organization_id else "no organization"
    accounts = len(scope.accounts_scanned)
    collected = document.inventory_collected_at or document.generated_at
    line = (
        f"{clean(document.tool.name)} {clean(document.tool.version)} | {org} | "
        f"{accounts} account{'s' if accounts != 1 else ''} | collected {collected:%Y-%m-%d %H:%M} UTC"
    )
    if scope.sources:
        line += f"\nsources: {clean(', '.join(scope.sources))}"
    return line


def _counts(document: FindingsDocument, color: bool) -> str:
    summary = document.summary
    by_severity = " ".join(
        _paint(s, f"{s.value} {summary.by_severity.get(s.value, 0)}", color and bool(summary.by_severity.get(s.value)))
        for s in Severity
    )
    line = f"Findings: {summary.active} active ({by_severity})"
    if summary.suppressed:
        line += f", {summary.suppressed} suppressed"
    if summary.new is not None:
        line += f"\nBaseline: {summary.new} new, {summary.unchanged or 0} unchanged, {summary.fixed or 0} fixed"
        if summary.not_reverified:
            line += f", {summary.not_reverified} not re-verified (carried forward, still open)"
    return line


def _accounts(document: FindingsDocument) -> str:
    counts = document.summary.by_account
    if not counts:
        return ""
    names = {a.account_id: a.account_name for a in document.scope.accounts_scanned}
    for f in document.findings:
        if f.account_id and f.account_name:
            names.setdefault(f.account_id, f.account_name)
    worst: dict[str, Severity] = {}
    for f in _active(document.findings):
        key = f.account_id or "-"
        if key not in worst or f.severity.rank > worst[key].rank:
            worst[key] = f.severity
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows = [
        [
            clean(account),
            truncate(clean(names.get(account) or ("(no account: local files)" if account == "-" else "")), 40),
            count,
            worst[account].value if account in worst else "",
        ]
        for account, count in ranked[:TOP_ACCOUNTS]
    ]
    title = "By account" + (f" (top {TOP_ACCOUNTS} of {len(ranked)})" if len(ranked) > TOP_ACCOUNTS else "")
    return title + "\n" + tabulate(rows, headers=["account", "name", "findings", "worst"], disable_numparse=True)


def _top_findings(document: FindingsDocument, color: bool, max_rows: int, width: int) -> str:
    active = _worst_first(_active(document.findings))
    if not active:
        return "No active findings."
    shown = active[: max(0, max_rows)]
    title = f"Top findings ({len(shown)} of {len(active)}, worst first)"
    more = f"\n... {len(active) - len(shown)} more in findings.json / report.html" if len(active) > len(shown) else ""
    return f"{title}\n{findings_table(shown, width, color=color)}{more}"


def findings_table(
    findings: Sequence[Finding], width: int, *, color: bool = False, state_column: bool | None = None
) -> str:
    """Findings worst first, one line each, fitted to ``width`` columns (the console summary and ``diff``).

    ``state_column``: show the baseline state; by default when some finding has one (``diff`` groups by it).
    """
    ordered = _worst_first(findings)
    with_state = any(f.baseline_state for f in ordered) if state_column is None else state_column
    narrow = width < 100
    headers = ["severity", "rule", "account", "resource", *(["state"] if with_state else []), "finding"]
    rows = []
    for f in ordered:
        row = [
            f.severity.value + (" (suppressed)" if f.suppressed else "") + (" (simulated)" if f.simulated else ""),
            clean(f.rule_id),
            truncate(clean(f.account_name or f.account_id or "-"), 14 if narrow else 24),
            clean(f.display_name),
        ]
        if with_state:
            row.append(f.baseline_state or "")
        rows.append(row)

    # tabulate pads headers by 2 and separates columns by 2.
    def column_width(i: int) -> int:
        return max(len(headers[i]) + 2, *(display_width(row[i]) for row in rows)) + 2

    # The title, not the message: the message repeats the account and resource the other columns already show,
    # and would be cut before its specific part. The title gets what the terminal has left, and is cut first:
    # the resource (a user and key id, say) is cut only when the title is down to MIN_TITLE columns.
    others = sum(column_width(i) for i in range(len(headers) - 1) if i != RESOURCE_COLUMN)
    resource_room = max(MIN_RESOURCE, width - others - MIN_TITLE - 2)
    for row in rows:
        row[RESOURCE_COLUMN] = truncate(row[RESOURCE_COLUMN], resource_room)
    fixed_width = others + column_width(RESOURCE_COLUMN)
    title_width = max(MIN_TITLE, width - fixed_width)
    for f, row in zip(ordered, rows, strict=True):
        row.append(truncate(clean(f.title), title_width))
        row[0] = _paint(f.severity, row[0], color)
    return tabulate(rows, headers=headers, disable_numparse=True)


def render_diff(document: FindingsDocument, width: int | None = None) -> str:
    """``auditor diff``: counts, then a table of new and of fixed findings (worst first); unchanged are counted.

    ``document`` is the newer document compared with a baseline (each finding marked new or unchanged, the
    baseline's vanished findings in ``fixed``). ``width`` is the line length to fit into; by default the
    terminal's (120 when not a terminal).
    """
    width = max(width or shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, 60)
    new = [f for f in document.findings if f.baseline_state == "new"]
    unchanged = [f for f in document.findings if f.baseline_state == "unchanged"]
    carried = [f for f in document.findings if f.baseline_state == "not_reverified"]
    fixed = document.fixed
    suppressed_new = sum(1 for f in new if f.suppressed)
    first = f"{len(new)} new, {len(fixed)} fixed, {len(unchanged)} unchanged"
    if carried:
        first += f", {len(carried)} not re-verified (still open)"
    if suppressed_new:
        first += f" ({suppressed_new} of the new are suppressed)"
    lines = [first]
    if new:
        lines += ["", f"New ({_count_by_severity(new)})", findings_table(new, width, state_column=False)]
    if fixed:
        lines += ["", f"Fixed ({_count_by_severity(fixed)})", findings_table(fixed, width, state_column=False)]
    if carried:
        lines += [
            "",
            f"Not re-verified, carried forward as open ({_count_by_severity(carried)})",
            findings_table(carried, width, state_column=False),
        ]
    if not new and not fixed and not carried:
        lines += ["", "No change."]
    return "\n".join(lines)


def _count_by_severity(findings: Sequence[Finding]) -> str:
    counts = [(s, sum(1 for f in findings if f.severity == s)) for s in Severity]
    return ", ".join(f"{severity.value} {count}" for severity, count in counts if count)


def _coverage(document: FindingsDocument, width: int) -> str:
    if not document.errors:
        return "Coverage: complete (nothing failed to be read)."
    lines = [f"Coverage gaps: {len(document.errors)} (the scan is incomplete; exit code 3 unless findings fail it)"]
    for error in document.errors[:FIRST_GAPS]:
        where = ", ".join(part for part in (error.account_id, error.region) if part) or "-"
        text = f"{error.service} {error.operation} [{where}]: {error.error_code}: {error.message}"
        lines.append("  - " + truncate(clean(text), width - 4))
    if len(document.errors) > FIRST_GAPS:
        lines.append(f"  ... {len(document.errors) - FIRST_GAPS} more in findings.json")
    return "\n".join(lines)


def _simulated(document: FindingsDocument, width: int) -> str:
    """Facts put in rather than collected (``auditor demo``): said before any notice, since findings rest on them."""
    facts = document.simulated
    if not facts:
        return ""
    resting = sum(1 for f in _active(document.findings) if f.simulated)
    title = f"Simulated data: {len(facts)} fact{'s' if len(facts) != 1 else ''} injected, not collected from AWS"
    if resting:
        title += f" ({resting} active finding{'s rest' if resting != 1 else ' rests'} on them, marked simulated)"
    return "\n".join([title, *(line for fact in facts for line in _bullet(clean(fact.note), width))])


def _notices(document: FindingsDocument, width: int) -> str:
    if not document.notices:
        return ""
    return "\n".join(["Notices:", *(line for n in document.notices for line in _bullet(clean(n), width))])


def _bullet(text: str, width: int) -> list[str]:
    """``  - text`` wrapped to ``width`` (continuation lines indented under the text), never cut."""
    return textwrap.wrap(
        text, width=max(20, width), initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False
    ) or ["  -"]


def _not_evaluated(document: FindingsDocument, width: int) -> str:
    """Rules that did not run: their silence is not a pass, so the summary names them."""
    skipped = document.rules_not_evaluated
    if not skipped:
        return ""
    lines = [f"Rules not evaluated: {len(skipped)} (no findings from them here; that is not a pass)"]
    for r in skipped:
        text = f"{r.id} {r.status.replace('_', ' ')}: {r.status_reason or r.title}"
        lines.append("  - " + truncate(clean(text), width - 4))
    return "\n".join(lines)


def _manual_checks(document: FindingsDocument) -> str:
    count = len(document.manual_checks)
    if not count:
        return ""
    return f"Manual checks: {count} (no API can read these; steps in report.html and findings.json)"


def _worst_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_order)


def _active(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.suppressed]
