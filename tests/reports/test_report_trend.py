"""report.html's Trend section (``--history``): three inline SVG charts with titles and descriptions, a table
with the same numbers, no style attribute or script added (the CSP holds), unknown counts drawn as gaps and
written as "?", hostile names escaped, "first seen" in each finding's details, and, in Chromium at 800 px, no
horizontal overflow and no console error. A single run draws no trend."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import report_fixtures
from html_checks import data_block, parse, texts_by

from auditor.findings import FindingsDocument, Trend, TrendAccount, TrendPoint
from auditor.reports.html import HtmlReporter
from bench.browser import Page

DAY0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script>"&'


def points() -> list[TrendPoint]:
    return [
        TrendPoint(scanned_at=DAY0, iam_users=212, active_access_keys=40, findings=57, readiness={"blocked": 3}),
        TrendPoint(
            scanned_at=DAY0 + timedelta(days=1),
            iam_users=None,  # an account not read that night
            active_access_keys=None,
            findings=None,
            readiness=None,
        ),
        TrendPoint(
            scanned_at=DAY0 + timedelta(days=7),
            iam_users=198,
            active_access_keys=31,
            findings=49,
            new=2,
            fixed=10,
            readiness={"blocked": 1, "migrated": 2},
        ),
    ]


def with_trend(trend_points: list[TrendPoint]) -> FindingsDocument:
    document = report_fixtures.make_document()
    document.trend = Trend(
        scope=f"o-exampleorg1 aws {HOSTILE}",
        points=trend_points,
        accounts=[
            TrendAccount(account_id="111111111111", account_name=HOSTILE, first_verdict="blocked", verdict="migrated")
        ],
        first_seen={document.findings[0].fingerprint: DAY0},
    )
    return document


def test_the_trend_is_drawn_as_three_svg_charts_with_the_numbers_in_a_table() -> None:
    page = HtmlReporter().render(with_trend(points())).decode()
    section = page[page.index('<section id="trend">') : page.index("</section>", page.index('<section id="trend">'))]
    assert section.count('<svg class="trend-chart"') == 3 and section.count('role="img"') == 3
    for chart in ("trend-users", "trend-verdicts", "trend-findings"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in section
    assert "IAM users 212 to 198, active access keys 40 to 31, from 2026-11-01 to 2026-11-08." in section
    rows = texts_by(section, "table", "id")["trend-table"].split()
    assert "212" in rows and "198" in rows and rows.count("?") >= 4  # the unknown night, and the first run's new
    assert " style=" not in section and "<script" not in section  # the CSP allows neither
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert '<a href="#trend">Trend</a>' in page


def test_an_unknown_count_breaks_the_line_instead_of_dropping_to_zero() -> None:
    page = HtmlReporter().render(with_trend(points())).decode()
    users = page[page.index('id="trend-users"') : page.index("</svg>", page.index('id="trend-users"'))]
    assert len(re.findall(r"<polyline ", users)) == 4  # two series, each in two pieces around the unknown night
    assert "IAM users 0," not in users


def test_each_finding_carries_its_first_seen_date() -> None:
    document = with_trend(points())
    data = json.loads(data_block(HtmlReporter().render(document).decode()))
    first = next(f for f in data["findings"] if f["p"] == document.findings[0].fingerprint)
    assert first["fs"] == "2026-11-01"
    assert all("fs" not in f for f in data["findings"] if f["p"] != first["p"])


def test_one_run_draws_no_trend() -> None:
    page = HtmlReporter().render(with_trend(points()[:1])).decode()
    assert 'id="trend"' not in page and 'href="#trend"' not in page
    assert 'id="trend"' not in HtmlReporter().render(report_fixtures.make_document()).decode()


def test_the_page_stays_valid_with_the_trend() -> None:
    parsed = parse(HtmlReporter().render(with_trend(points())).decode())
    assert parsed is not None


@pytest.mark.slow
def test_the_trend_reads_at_800_pixels_without_overflow_or_console_error(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    document = with_trend(points())
    path.write_bytes(HtmlReporter().render(document))
    metrics = {"width": 800, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    page.call("Emulation.setDeviceMetricsOverride", metrics)
    page.goto(path.as_uri())
    page.wait_for("document.getElementById('findings').dataset.state === 'ready'")
    sizes = page.evaluate(
        "JSON.stringify({page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " charts: Array.prototype.map.call(document.querySelectorAll('svg.trend-chart'),"
        " function (s) { return s.getBoundingClientRect().width; })})"
    )
    measured = json.loads(sizes)
    assert measured["page"] <= measured["view"] == 800
    assert len(measured["charts"]) == 3 and all(600 <= w <= 800 for w in measured["charts"])  # legible, not shrunk
    assert page.console_errors() == [] and page.exceptions == []
    assert page.requests == [path.as_uri()]  # nothing loaded from elsewhere
    page.evaluate("document.querySelector('#rows tr.row').click()")
    details = page.evaluate("document.querySelector('#rows tr.detail').textContent")
    shown = [f.fingerprint for f in document.findings if f.fingerprint in details]
    assert len(shown) == 1
    assert ("First seen2026-11-01" in details) == (shown[0] == document.findings[0].fingerprint)


def test_the_accounts_whose_verdict_changed_come_first_in_bold() -> None:
    document = with_trend(points())
    assert document.trend is not None
    document.trend.accounts = [
        TrendAccount(account_id="111111111111", account_name="steady", first_verdict="blocked", verdict="blocked"),
        TrendAccount(account_id="222222222222", account_name="moved", first_verdict="ready", verdict="migrated"),
        TrendAccount(account_id="333333333333", account_name="joined", first_verdict=None, verdict="ready"),
    ]
    page = HtmlReporter().render(document).decode()
    table = page[page.index('id="trend-accounts"') : page.index("</table>", page.index('id="trend-accounts"'))]
    rows = re.findall(r"<tr( class=\"trend-changed\")?><td>(\w+) ", table)
    assert rows == [(' class="trend-changed"', "moved"), (' class="trend-changed"', "joined"), ("", "steady")]
    assert "<strong>migrated</strong>" in table and "<strong>blocked</strong>" not in table
    assert "auditor history FILE --accounts" in table
