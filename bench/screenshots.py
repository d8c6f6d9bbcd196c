"""Screenshots of the demo's HTML report in headless Chromium, for the README (docs/img/).

    python bench/screenshots.py                # writes docs/img/report-*.png
    python bench/screenshots.py --out /tmp/img

It runs the demo (moto, in-process), renders report.html exactly as ``auditor demo`` does, opens it in headless
Chromium and captures: the top of the page (summary and "fix first") at 1280 px, the findings table filtered
through the URL (``#findings?rule=KEY-001``), the page at 800 px, and the migration readiness section. Re-run
it when the report's look changes. Needs Debian's chromium (``apt-get install -y chromium``) and moto
(``pip install -e '.[test]'``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from auditor.demo.scan import demo_inventory  # noqa: E402
from auditor.engine.config import Config  # noqa: E402
from auditor.engine.pipeline import findings_for  # noqa: E402
from auditor.registry import load_rules  # noqa: E402
from auditor.reports.html import Gate, HtmlReporter  # noqa: E402
from auditor.rules import BUILTIN_PACK  # noqa: E402
from bench.browser import Browser, Page, find_chromium  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "img"
READY = "document.getElementById('findings').dataset.state === 'ready'"


def shoot(browser: Browser, url: str, path: Path, *, width: int, height: int, script: str = "") -> None:
    page: Page = browser.new_page(width=width, height=height)
    try:
        page.goto(url)
        page.wait_for(READY)
        if script:
            page.evaluate(script)
        page.wait_for("document.fonts.status === 'loaded'")
        page.screenshot(path)
        if page.console_errors() or page.exceptions:
            raise SystemExit(f"{url}: the page reported errors: {page.console_errors()} {page.exceptions}")
    finally:
        page.close()
    print(f"wrote {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the PNG files")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("chromium not found (apt-get install -y chromium)", file=sys.stderr)
        return 2
    document = findings_for(demo_inventory(), load_rules([BUILTIN_PACK]), Config())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="auditor-shots-") as tmp:
        report = Path(tmp) / "report.html"
        report.write_bytes(HtmlReporter(gate=Gate(fail_on=None)).render(document))  # `auditor demo`: no --fail-on
        url = report.as_uri()
        with Browser.launch(chromium) as browser:
            shoot(
                browser,
                url,
                args.out / "report-fix-first.png",
                width=1280,
                height=1100,
            )
            shoot(
                browser,
                url + "#findings?rule=KEY-001",
                args.out / "report-findings-filtered.png",
                width=1280,
                height=800,
                script="document.querySelector('#rows tr.row').click();"
                "document.getElementById('filters').scrollIntoView()",
            )
            shoot(browser, url, args.out / "report-800px.png", width=800, height=1000)
            shoot(
                browser,
                url,
                args.out / "report-readiness.png",
                width=1280,
                height=1700,
                script="document.getElementById('readiness').scrollIntoView()",
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
