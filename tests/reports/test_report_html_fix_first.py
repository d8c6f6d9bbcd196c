"""The demo's report as a person meets it, in headless Chromium: "fix first" right after the summary, accounts
worst first, a filter that survives a reload through the URL, and an 800 px window with no horizontal scroll.

The document is the demo organization's (from the saved demo inventory in tests/fixtures), so the page is the one
`auditor demo` writes. Browser fixtures come from conftest (skip without Chromium, fail in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FindingsDocument
from auditor.inventory import Inventory
from auditor.registry import load_rules
from auditor.reports.html import HtmlReporter, fix_first
from auditor.rules import BUILTIN_PACK
from bench.browser import Browser, Page


@pytest.fixture(scope="module")
def demo_document() -> FindingsDocument:
    inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    return findings_for(inventory, load_rules([BUILTIN_PACK]), Config())


def open_demo(tab: Page, tmp_path: Path, document: FindingsDocument) -> Path:
    path = tmp_path / "report.html"
    path.write_bytes(HtmlReporter().render(document))
    tab.goto(path.as_uri())
    tab.wait_for("document.getElementById('findings').dataset.state === 'ready'")
    return path


def no_errors(tab: Page) -> None:
    assert tab.console_errors() == []
    assert tab.exceptions == []


def test_fix_first_groups_a_users_findings_and_ranks_worst_first(demo_document: FindingsDocument) -> None:
    actions, more = fix_first(demo_document.findings)
    ranks = [a.worst.rank for a in actions]
    assert ranks == sorted(ranks, reverse=True)
    assert actions[0].worst.value == "critical" and actions[0].name == "root"
    [admin] = [a for a in actions if a.name == "admin"]
    rules = [f.rule_id for f in admin.findings]
    assert "KEY-001" in rules and "USER-002" in rules  # the user's key findings are under the user
    assert len(admin.findings) >= 6
    assert more == 0 or len(actions) == 15


@pytest.mark.slow  # drives headless Chromium
def test_fix_first_is_the_first_thing_after_the_summary(
    page: Page,  # noqa: F811
    tmp_path: Path,
    demo_document,
) -> None:
    open_demo(page, tmp_path, demo_document)
    order = page.evaluate("Array.prototype.map.call(document.querySelectorAll('main > section'), s => s.id)")
    assert order[:2] == ["summary", "fix-first"]
    first = page.evaluate(
        "(function () { var li = document.querySelector('#fix-first .action');"
        " return [li.querySelector('summary').textContent, li.querySelector('details').open,"
        " li.querySelector('pre.fix-cli') ? li.querySelector('pre.fix-cli').textContent : ''] })()"
    )
    assert "critical" in first[0] and "root" in first[0] and first[1] is True
    assert "aws sts assume-root --target-principal" in first[2]
    # accounts worst first in the by-account table
    worst = page.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#by-account tbody tr'),"
        " r => r.cells[0].textContent.trim())"
    )
    assert worst[0].startswith("acme-legacy")
    no_errors(page)


@pytest.mark.slow  # drives headless Chromium
def test_a_filter_survives_a_reload_through_the_url(
    page: Page,  # noqa: F811
    tmp_path: Path,
    demo_document,
) -> None:
    path = open_demo(page, tmp_path, demo_document)
    page.evaluate(
        "(function () { var c = document.getElementById('f-rule'); c.value = 'KEY-001';"
        " c.dispatchEvent(new Event('change', {bubbles: true}));"
        " var s = document.getElementById('f-search'); s.value = 'ci-deployer';"
        " s.dispatchEvent(new Event('input', {bubbles: true})); })()"
    )
    assert page.evaluate("location.hash") == "#findings?search=ci-deployer&rule=KEY-001"
    before = page.evaluate("document.getElementById('status').getAttribute('data-matching')")
    assert before == "2"

    start = len(page.browser.events)
    page.call("Page.reload", {"ignoreCache": True})
    page.browser.wait_event(
        lambda e: e.method == "Page.loadEventFired" and e.session_id == page.session_id, timeout=30, start=start
    )
    page.wait_for("document.getElementById('findings').dataset.state === 'ready'")
    state = page.evaluate(
        "[document.getElementById('f-rule').value, document.getElementById('f-search').value,"
        " document.getElementById('status').getAttribute('data-matching'),"
        " Array.prototype.map.call(document.querySelectorAll('#rows tr.row'), r => r.cells[1].textContent)]"
    )
    assert state == ["KEY-001", "ci-deployer", "2", ["KEY-001", "KEY-001"]]
    # a shared link opened fresh gives the same view
    fresh = page.browser.new_page()
    try:
        fresh.goto(path.as_uri() + "#findings?severity=critical")
        fresh.wait_for("document.getElementById('findings').dataset.state === 'ready'")
        severities = fresh.evaluate(
            "Array.prototype.map.call(document.querySelectorAll('#rows tr.row .badge'), b => b.textContent)"
        )
        assert severities and set(severities) == {"critical"}
        no_errors(fresh)
    finally:
        fresh.close()
    no_errors(page)


@pytest.mark.slow  # drives headless Chromium
def test_800_pixels_wide_has_no_horizontal_page_scroll(browser: Browser, tmp_path: Path, demo_document) -> None:  # noqa: F811
    narrow = browser.new_page(width=800, height=900)
    try:
        open_demo(narrow, tmp_path, demo_document)
        # open everything a reader could open: every fix-first entry and Terraform block, a finding's details
        narrow.evaluate(
            "document.querySelectorAll('details').forEach(d => d.open = true);"
            "document.querySelector('#rows tr.row').click();"
        )
        widths = narrow.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1] and widths[1] > 760, widths  # as wide as the window (less its scrollbar)
        no_errors(narrow)
    finally:
        narrow.close()


@pytest.mark.slow  # drives headless Chromium
@pytest.mark.parametrize("reloaded", [False, True], ids=["as-evaluated", "read-from-findings-json"])
def test_each_findings_details_show_its_own_fix(page: Page, tmp_path: Path, demo_document, reloaded: bool) -> None:  # noqa: F811
    """report.js rebuilds each fix from its rule's template and the finding's values: exactly the fix the
    finding has in findings.json, for every demo finding; also for a document read back from findings.json,
    where the values are recovered from the filled lines."""
    if reloaded:
        demo_document = FindingsDocument.model_validate_json(demo_document.dump_json())
        assert all(f.fix is None or f.fix.template_values() is None for f in demo_document.findings)
    open_demo(page, tmp_path, demo_document)
    shown = page.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#rows tr.row'), function (tr) {"
        "  tr.click(); var d = tr.nextElementSibling;"
        "  var text = function (sel) { var n = d.querySelector(sel); return n ? n.textContent : ''; };"
        "  return [tr.cells[1].textContent,"
        "          Array.prototype.map.call(d.querySelectorAll('ol.fix-console li'), li => li.textContent),"
        "          text('pre.fix-cli'), text('pre.fix-terraform')];"
        "})"
    )
    active = [f for f in demo_document.findings if not f.suppressed]
    assert len(shown) == len(active)
    for (rule_id, console, cli, terraform), f in zip(shown, active, strict=True):
        assert rule_id == f.rule_id and f.fix is not None
        assert console == f.fix.console
        assert cli == "\n".join(f.fix.cli)
        assert terraform == (f.fix.terraform or "")
    no_errors(page)
