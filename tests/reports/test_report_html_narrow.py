"""report.html in an 800 px window, as issue 21 found it: names and ids wrap only at separators, the accounts x
areas table has columns only for the sources that ran, the filters list only values present, and a fix's CLI
lines stay one command per line.

The page is the demo organization's (tests/fixtures/demo-inventory.json, the page `auditor demo` writes), checked
in headless Chromium on its rendered layout. Browser fixtures come from conftest (skip without Chromium, fail in
CI).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES

from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FindingsDocument
from auditor.inventory import Inventory
from auditor.registry import load_rules
from auditor.reports.html import HtmlReporter, breakable
from auditor.rules import BUILTIN_PACK
from bench.browser import Browser, Page


@pytest.fixture(scope="module")
def demo_document() -> FindingsDocument:
    inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    return findings_for(inventory, load_rules([BUILTIN_PACK]), Config())


@pytest.fixture
def narrow(browser: Browser, tmp_path: Path, demo_document: FindingsDocument) -> Iterator[Page]:  # noqa: F811
    """The demo's page at 800 px, every finding's details open (the findings table, its fixes)."""
    tab = browser.new_page(width=800, height=900)
    try:
        path = tmp_path / "report.html"
        path.write_bytes(HtmlReporter().render(demo_document))
        tab.goto(path.as_uri())
        tab.wait_for("document.getElementById('findings').dataset.state === 'ready'")
        tab.evaluate(
            "document.querySelectorAll('details').forEach(d => d.open = true);"
            "document.querySelectorAll('#rows tr.row').forEach(tr => tr.click());"
        )
        yield tab
        assert tab.console_errors() == [] and tab.exceptions == []
    finally:
        tab.close()


# Where a rendered text node starts a new line, as "before|after"; a break is allowed after a space or one of
# the separators html.py's breakable marks. Measured character by character (Range.getClientRects).
BREAKS_INSIDE_WORDS = """
(function (selector) {
  var ALLOWED = " -_./:@,=+|";
  function bad(root) {
    var found = [], walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      var text = node.data, prevTop = null, prevChar = null;
      for (var i = 0; i < text.length; i++) {
        if (/\\s/.test(text[i])) { prevChar = " "; continue; }
        var range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        var rects = range.getClientRects();
        if (!rects.length) continue;
        var top = Math.round(rects[0].top);
        if (prevTop !== null && top > prevTop + 2 && ALLOWED.indexOf(prevChar) === -1)
          found.push(text.slice(0, i) + "|" + text.slice(i));
        prevTop = top; prevChar = text[i];
      }
    }
    return found;
  }
  var nodes = document.querySelectorAll(selector);
  var out = [];
  nodes.forEach(function (n) { out = out.concat(bad(n)); });
  return {checked: nodes.length, bad: out};
})
"""


def test_breakable_marks_separators_and_escapes() -> None:
    assert str(breakable("acme-production (827711753676)")) == "acme-<wbr>production (827711753676)"
    assert str(breakable("arn:aws:iam::1:user/a<b>")) == "arn:<wbr>aws:<wbr>iam:<wbr>:<wbr>1:<wbr>user/<wbr>a&lt;b&gt;"
    assert str(breakable("a- b")) == "a- b"  # a space is a break already


@pytest.mark.slow  # drives headless Chromium
def test_names_and_ids_wrap_only_at_separators(narrow: Page) -> None:
    """At 800 px the accounts x areas table broke "acme-management (123456789012)" as "acme-manage" / "ment"
    and the id mid-number; now every name and id wraps at a space or a separator only."""
    selectors = {
        "#overview-table th[scope=row]": 5,  # four accounts and the total
        "#by-account td:first-child": 4,
        "#fix-first summary .name": 2,
        "#rows td.name": 2,
    }
    for selector, at_least in selectors.items():
        result = narrow.evaluate(BREAKS_INSIDE_WORDS + f"({selector!r})")
        assert result["checked"] >= at_least, (selector, result)
        assert result["bad"] == [], (selector, result)
    heights = narrow.evaluate(
        "Array.from(document.querySelectorAll('#overview-table tbody th[scope=row]'))"
        ".map(th => th.getBoundingClientRect().height / parseFloat(getComputedStyle(th).lineHeight))"
    )
    assert heights and max(heights) < 3.5, heights  # "acme-" / "management" / "(123456789012)" at most
    widths = narrow.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths  # and still no horizontal page scroll


def overview_columns(page: str) -> list[str]:
    """The accounts x areas table's header, from the page's markup."""
    table = page.split('id="overview-table"', 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", table)]


def test_columns_only_for_sources_that_ran(demo_document: FindingsDocument) -> None:
    """The demo is a cloud scan: the local source did not run, so its rules are "not evaluated" and the table
    has no all-dots "local" column; every area with a rule that ran keeps its column, findings or not."""
    local = {r.area for r in demo_document.rules if r.status == "not_evaluated"}
    assert local == {"local"}
    page = HtmlReporter().render(demo_document).decode()
    ran = list(dict.fromkeys(r.area for r in demo_document.rules if r.status == "evaluated"))
    assert overview_columns(page) == ["Account", *ran, "Total"]
    assert 'id="not-evaluated"' in page  # where the local rules are said not to have run

    # a local scan the other way round: only the local area has a column
    cloud = {r.id for r in demo_document.rules if r.area != "local"}
    as_local = demo_document.model_copy(
        update={
            "rules": [
                r.model_copy(update={"status": "not_evaluated" if r.id in cloud else "evaluated"})
                for r in demo_document.rules
            ],
            "findings": [],
        }
    )
    assert overview_columns(HtmlReporter().render(as_local).decode()) == ["Account", "local", "Total"]


def test_an_area_whose_rules_all_failed_reads_not_evaluated(demo_document: FindingsDocument) -> None:
    """Its source ran, so it keeps its column, but with a dash, not the dot that means "nothing found"."""
    failed = demo_document.model_copy(
        update={
            "rules": [
                r.model_copy(update={"status": "failed"}) if r.area == "roles" else r for r in demo_document.rules
            ],
            "findings": [f for f in demo_document.findings if not f.rule_id.startswith("ROLE-")],
        }
    )
    assert not any(f.rule_id.startswith("ROLE-") for f in failed.findings)
    page = HtmlReporter().render(failed).decode()
    columns = overview_columns(page)
    assert "roles" in columns
    table = page.split('id="overview-table"', 1)[1].split("</table>", 1)[0]
    at = columns.index("roles")
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        assert cells[at].strip() == "—", row


@pytest.mark.slow  # drives headless Chromium
def test_filters_list_only_values_present(narrow: Page, demo_document: FindingsDocument) -> None:
    """The rule filter listed every rule of the run, most with no findings; now each filter lists only values
    some finding has, and every one of them, with suppressed findings shown, matches at least one finding."""
    options = narrow.evaluate(
        "(function () { var out = {};"
        " ['f-severity', 'f-account', 'f-rule', 'f-area'].forEach(function (id) {"
        "   out[id] = Array.from(document.getElementById(id).options).map(o => o.value).filter(Boolean); });"
        " return out; })()"
    )
    findings = demo_document.findings
    areas = {r.id: r.area for r in demo_document.rules}
    assert set(options["f-rule"]) == {f.rule_id for f in findings}
    assert len(options["f-rule"]) < len(demo_document.rules)  # the demo has rules with no findings
    assert set(options["f-severity"]) == {f.severity.value for f in findings}
    assert set(options["f-account"]) == {f.account_id or "-" for f in findings}
    assert set(options["f-area"]) == {areas[f.rule_id] for f in findings}
    for control, values in options.items():
        for value in values:
            matching = narrow.evaluate(
                "(function (id, value) {"
                "  document.getElementById('f-reset').click();"
                "  var s = document.getElementById('f-suppressed'); s.checked = true;"
                "  s.dispatchEvent(new Event('change', {bubbles: true}));"
                "  var c = document.getElementById(id); c.value = value;"
                "  c.dispatchEvent(new Event('change', {bubbles: true}));"
                "  return Number(document.getElementById('status').dataset.matching);"
                f"}})({control!r}, {value!r})"
            )
            assert matching > 0, (control, value)


def test_the_baseline_filter_lists_only_states_present(demo_document: FindingsDocument) -> None:
    findings = [f.model_copy(update={"baseline_state": "new"}) for f in demo_document.findings]
    summary = demo_document.summary.model_copy(update={"new": len(findings), "unchanged": 0, "fixed": 0})
    all_new = demo_document.model_copy(update={"findings": findings, "summary": summary})
    page = HtmlReporter().render(all_new).decode()
    select = page.split('id="f-baseline"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "new"]


@pytest.mark.slow  # drives headless Chromium
def test_cli_lines_stay_one_command_per_line(narrow: Page, demo_document: FindingsDocument) -> None:
    """At 800 px a long `aws iam ...` line wrapped and read as two commands. Each CLI block (in "Fix first" and in
    every finding's details) now renders one visual line per command; a long one scrolls inside its block,
    and the page itself still has no horizontal scroll."""
    blocks = narrow.evaluate(
        "Array.from(document.querySelectorAll('pre.fix-cli')).map(function (pre) {"
        "  var node = pre.querySelector('code') || pre, text = node.textContent, tops = {}, walker ="
        "    document.createTreeWalker(node, NodeFilter.SHOW_TEXT), t;"
        "  while ((t = walker.nextNode())) {"
        "    for (var i = 0; i < t.data.length; i++) {"
        "      if (/\\s/.test(t.data[i])) continue;"
        "      var r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 1);"
        "      var rects = r.getClientRects(); if (rects.length) tops[Math.round(rects[0].top)] = true;"
        "    }"
        "  }"
        "  return [text.split('\\n').filter(l => l.trim()).length, Object.keys(tops).length,"
        "          pre.scrollWidth > pre.clientWidth];"
        "})"
    )
    with_cli = sum(1 for f in demo_document.findings if f.fix is not None and f.fix.cli)
    assert len(blocks) >= with_cli  # every finding's details are open, and Fix first has more
    assert all(lines == visual for lines, visual, _ in blocks), [b for b in blocks if b[0] != b[1]]
    assert any(scrolls for *_, scrolls in blocks)  # at 800 px some command is wider than its block
    widths = narrow.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
