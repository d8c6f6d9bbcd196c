"""report.html with a baseline and a gate: the findings new since the baseline are marked and come first in "Fix
first", those that fail ``--fail-on`` before them, and the threshold is said above the list (issue 21).

The documents are the demo organization's (tests/fixtures/demo-inventory.json), evaluated against a baseline that
lacks one resource's findings, so exactly those are new. Browser fixtures come from conftest.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES

from auditor.cli import main
from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FindingsDocument, Severity
from auditor.inventory import Inventory
from auditor.registry import load_rules
from auditor.reports.html import Gate, HtmlReporter, fix_first
from auditor.rules import BUILTIN_PACK
from bench.browser import Browser, Page


@pytest.fixture(scope="module")
def demo() -> tuple[Inventory, FindingsDocument]:
    inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    return inventory, findings_for(inventory, load_rules([BUILTIN_PACK]), Config())


def last_ranked(document: FindingsDocument) -> str:
    """The resource "Fix first" ranks last without a baseline: the one whose findings we make new."""
    actions, _ = fix_first(document.findings, limit=1000)
    return actions[-1].name


@pytest.fixture(scope="module")
def baselined(demo: tuple[Inventory, FindingsDocument]) -> tuple[FindingsDocument, str]:
    """The demo evaluated against a baseline without the last-ranked resource's findings: those are new."""
    inventory, document = demo
    name = last_ranked(document)
    old = document.model_copy(update={"findings": [f for f in document.findings if f.display_name != name]})
    again = findings_for(inventory, load_rules([BUILTIN_PACK]), Config(), baseline=old)
    new = [f for f in again.findings if f.baseline_state == "new"]
    assert new and {f.display_name for f in new} == {name}
    return again, name


def test_new_findings_come_first_and_failing_ones_before_them(baselined: tuple[FindingsDocument, str]) -> None:
    document, name = baselined
    new = [f for f in document.findings if f.baseline_state == "new"]
    worst_new = max(f.severity for f in new if not f.suppressed)
    assert worst_new.rank < Severity.CRITICAL.rank  # it ranked last: not the worst resource

    ranked, _ = fix_first(document.findings)
    assert ranked[0].name == name and ranked[0].new == len([f for f in new if not f.suppressed])
    assert ranked[0].findings[0].baseline_state == "new"

    # a gate at the new findings' worst severity: they fail it, and lead the list
    failing, _ = fix_first(document.findings, fail_on=worst_new)
    assert failing[0].name == name and failing[0].failing >= 1
    assert all(a.failing == 0 for a in failing[1:])  # baseline findings never fail the gate
    assert failing[0].findings[0].fails_gate(worst_new)


def test_the_gate_is_said_above_fix_first(baselined: tuple[FindingsDocument, str]) -> None:
    document, name = baselined
    worst_new = max(f.severity for f in document.findings if f.baseline_state == "new" and not f.suppressed)
    count = sum(1 for f in document.findings if f.fails_gate(worst_new))

    def gate_line(gate: Gate | None) -> str | None:
        page = HtmlReporter(gate=gate).render(document).decode()
        found = re.search(r'<p class="gate[^"]*" id="gate">(.*?)</p>', page, re.S)
        return re.sub(r"<[^>]+>", "", found.group(1)) if found else None

    failed = gate_line(Gate(fail_on=worst_new))
    assert failed is not None
    plural = "s fail" if count != 1 else " fails"
    assert f"--fail-on {worst_new.value}. {count} new finding{plural} this run" in failed.replace(
        f" at or above {worst_new.value}", ""
    )
    assert gate_line(Gate(fail_on=Severity.CRITICAL)) == (
        "Gate: --fail-on critical. No new finding at or above critical: this run passes the gate "
        "(findings already in the baseline never fail it)."
    )
    assert gate_line(Gate(fail_on=None)) == "Gate: no --fail-on threshold was given, so no finding fails this run."
    assert gate_line(None) is None  # rendered outside a gated run: the page claims nothing about a gate


def test_the_cli_hands_the_gate_to_the_page(tmp_path: Path) -> None:
    """The README's CI flow: a baseline, then the new-admin scenario gated on high. The page says the threshold,
    and the new user's findings that failed it lead "Fix first"."""
    assert main(["demo", "--format", "json", "--output-dir", str(tmp_path / "base")]) == 0
    code = main(
        [
            "demo", "--scenario", "new-admin", "--baseline", str(tmp_path / "base" / "findings.json"),
            "--fail-on", "high", "--format", "html,json", "--output-dir", str(tmp_path / "new"),
        ]
    )  # fmt: skip
    assert code == 1
    page = (tmp_path / "new" / "report.html").read_text()
    assert "Gate: <code>--fail-on high</code>. <strong>2 new findings at or above high fail this run</strong>" in page
    assert page.count('<span class="gate-mark" title=') == 2  # the README: the new user's two findings
    first = page.split('<li class="action">')[1]
    assert ">eve</strong>" in first
    assert 'new</span> <span class="gate-mark"' in first and "fails the gate" in first


@pytest.mark.slow  # drives headless Chromium
def test_the_first_entry_is_marked_in_the_browser(
    browser: Browser,  # noqa: F811
    tmp_path: Path,
    baselined: tuple[FindingsDocument, str],
) -> None:
    """At 800 px, as the other checks of issue 21."""
    page = browser.new_page(width=800, height=900)
    try:
        marked_first(page, tmp_path, baselined)
    finally:
        page.close()


def marked_first(page: Page, tmp_path: Path, baselined: tuple[FindingsDocument, str]) -> None:
    document, name = baselined
    worst_new = max(f.severity for f in document.findings if f.baseline_state == "new" and not f.suppressed)
    path = tmp_path / "report.html"
    path.write_bytes(HtmlReporter(gate=Gate(fail_on=worst_new)).render(document))
    page.goto(path.as_uri())
    page.wait_for("document.getElementById('findings').dataset.state === 'ready'")
    first = page.evaluate(
        "(function () { var s = document.querySelector('#fix-first li.action summary');"
        " return [s.querySelector('strong').textContent, Array.from(s.querySelectorAll('.state-new, .gate-mark'))"
        ".map(n => n.textContent)]; })()"
    )
    new_active = sum(1 for f in document.findings if f.baseline_state == "new" and not f.suppressed)
    assert first == [name, [f"{new_active} new", "fails the gate"]]
    marks = page.evaluate(
        "Array.from(document.querySelectorAll('#fix-first li.action')).slice(1)"
        ".map(li => li.querySelectorAll('.gate-mark, .state-new').length)"
    )
    assert marks and set(marks) == {0}  # nothing else is marked: baseline findings never fail the gate
    gate = page.evaluate("document.getElementById('gate').textContent")
    assert gate.startswith(f"Gate: --fail-on {worst_new.value}. ") and "fail" in gate
    assert page.console_errors() == [] and page.exceptions == []
