"""Benchmark of the HTML report: render time, file size, and load + interaction time in headless Chromium.

    python bench/html_report.py                      # 1,000 / 10,000 / 50,000 findings
    python bench/html_report.py --sizes 50000 --runs 5 --keep /tmp/reports

For each size it builds a findings document of realistic shape (an organization of many accounts, the registry's
built-in AWS rules, IAM user and access key ARNs, evidence dicts, a few suppressed findings and a baseline), then
measures:

* render      - ``reports.html.render`` wall time (best of ``--runs``);
* size        - bytes of ``report.html``;
* load        - navigation start to the load event, as the page's Navigation Timing reports it;
* first rows  - navigation start to ``performance.mark("findings-rendered")``, set by the report's script once
                the first window of rows is in the DOM;
* search index - navigation start to ``performance.mark("search-index-built")``: the script builds the search
                text of every finding in idle slices after the first rows (a search before that still works,
                it builds what is missing);
* filter      - time to apply a severity filter, then an account filter, then a search term, each including
                the forced layout of the new rows (so the browser really did the work);
* show more   - appending the next window of rows.

Chromium figures are medians over ``--runs`` fresh page loads. Not a test: nothing here asserts a time.
Needs Debian's chromium (``apt-get install -y chromium``); without it only render time and size are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.findings import (  # noqa: E402
    Finding,
    FindingsDocument,
    ManualCheck,
    RuleInfo,
    Scope,
    ScopeAccount,
    SuppressionRecord,
    display_name,
    make_fingerprint,
    summarize,
)
from auditor.inventory import CollectionError, ToolInfo  # noqa: E402
from auditor.registry import load_rules  # noqa: E402
from auditor.reports.html import HtmlReporter  # noqa: E402
from auditor.rule import Rule  # noqa: E402
from auditor.rules import BUILTIN_PACK  # noqa: E402
from auditor.source import AWS_SOURCE  # noqa: E402
from bench.browser import Browser, BrowserError, find_chromium  # noqa: E402

# Findings are mostly about users and keys, as in a real legacy organization: each rule's weight, by its area.
WEIGHT_BY_AREA = {"access-keys": 9, "users": 5, "roles": 6, "identity-center": 1, "organization": 1, "root": 1}
# The resource type a finding names, by its rule's area; a rule of another area names an IAM user.
RESOURCE_TYPE_BY_AREA = {
    "root": "AWS::IAM::RootUser",
    "organization": "AWS::Organizations::Account",
    "identity-center": "AWS::SSO::Assignment",
    "users": "AWS::IAM::User",
    "access-keys": "AWS::IAM::AccessKey",
    "roles": "AWS::IAM::Role",
}
FALLBACK_RESOURCE_TYPE = "AWS::IAM::User"
FIRST = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
]
LAST = ["smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "anderson", "thomas", "moore"]
TEAMS = ["payments", "checkout", "search", "platform", "data", "ml", "identity", "mobile", "web", "billing"]
ENVS = ["dev", "staging", "prod", "sandbox", "shared"]
AS_OF = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)


def aws_rules() -> list[Rule]:
    """The built-in rules about an organization's identities, from the registry (the findings here name IAM
    users in accounts, so only rules reading the AWS source)."""
    return [rule for rule in load_rules([BUILTIN_PACK], use_entry_points=False).rules if AWS_SOURCE in rule.sources]


def make_document(n: int, seed: int = 7) -> FindingsDocument:
    """A findings document with ``n`` findings; deterministic for a given seed."""
    rng = random.Random(seed)
    account_count = max(5, min(400, n // 120))
    accounts = [
        ScopeAccount(
            account_id=f"{100000000000 + i * 7919:012d}",
            account_name=f"{rng.choice(TEAMS)}-{rng.choice(ENVS)}-{i:03d}",
            is_management=i == 0,
        )
        for i in range(account_count)
    ]
    catalog = aws_rules()
    rules = [
        RuleInfo(
            id=rule.id,
            title=rule.title,
            severity=rule.severity,
            area=rule.area,
            rationale=f"{rule.title}: long-lived credentials and console users outside IAM Identity Center are the "
            "most common path to account takeover. Short-term credentials expire on their own.",
            remediation=f"Fix {rule.id}: move the people behind this resource to IAM Identity Center (one login, MFA, "
            "permission sets), then delete the IAM user's access keys and login profile.",
            references=[
                "CIS AWS Foundations Benchmark v3.0.0 1.4",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
            ],
            fix=rule.fix.placeholders() if rule.fix is not None else None,  # as the document carries it
        )
        for rule in catalog
    ]
    weights = [WEIGHT_BY_AREA.get(rule.area, 1) for rule in catalog]
    findings: list[Finding] = []
    seen: set[str] = set()
    while len(findings) < n:
        k = rng.choices(range(len(catalog)), weights)[0]
        rule = catalog[k]
        rtype = RESOURCE_TYPE_BY_AREA.get(rule.area, FALLBACK_RESOURCE_TYPE)
        account = rng.choice(accounts)
        user = f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 999)}"
        key_id = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        age = rng.randint(1, 2200)
        last_used = AS_OF - timedelta(days=rng.randint(0, age))
        resource_id = f"arn:aws:iam::{account.account_id}:user/{rng.choice(TEAMS)}/{user}"
        discriminator = key_id if rtype == "AWS::IAM::AccessKey" else ""
        fingerprint = make_fingerprint(rule.id, account.account_id, resource_id, discriminator)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        evidence = {
            "user_name": user,
            "access_key_id": key_id,
            "status": "Active",
            "create_date": (AS_OF - timedelta(days=age)).isoformat(),
            "age_days": age,
            "last_used_date": last_used.isoformat(),
            "last_used_service": rng.choice(["s3", "ec2", "sts", "iam", "lambda", None]),
            "groups": rng.sample(["developers", "admins", "readonly", "ci", "ops"], rng.randint(0, 3)),
            "tags": {"team": rng.choice(TEAMS), "owner": f"{user}@example.com"},
        }
        suppressed = rng.random() < 0.03
        facts = {**evidence, "account_id": account.account_id, "account_name": account.account_name}
        fix = rule.fix.fill(facts) if rule.fix is not None else None  # as evaluation fills it, per finding
        findings.append(
            Finding(
                fingerprint=fingerprint,
                rule_id=rule.id,
                title=rule.title,
                severity=rule.severity,
                account_id=account.account_id,
                account_name=account.account_name,
                region=None,
                resource_type=rtype,
                resource_id=resource_id,
                display_name=display_name(resource_id, evidence, None),
                message=f"{rule.title}: IAM user {user} in {account.account_name} has access key {key_id} "
                f"created {age} days ago, last used {(AS_OF - last_used).days} days ago.",
                evidence=evidence,
                remediation=rules[k].remediation,
                fix=fix,
                references=list(rules[k].references),
                suppressed=suppressed,
                suppression=SuppressionRecord(
                    reason="break-glass user, reviewed quarterly", owner="secops", expires=date(2027, 1, 31)
                )
                if suppressed
                else None,
                baseline_state="new" if rng.random() < 0.1 else "unchanged",
            )
        )
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.account_id or "", f.resource_id))
    return FindingsDocument(
        tool=ToolInfo(name="aws-identity-auditor", version="0.1.0"),
        generated_at=AS_OF + timedelta(minutes=3),
        inventory_collected_at=AS_OF,
        scope=Scope(
            organization_id="o-bench00001",
            management_account_id=accounts[0].account_id,
            sources=["org:OrganizationAccountAccessRole"],
            accounts_scanned=accounts,
        ),
        summary=summarize(findings, [], with_baseline=True),
        findings=findings,
        errors=[
            CollectionError(
                account_id=accounts[-1].account_id,
                service="sts",
                operation="AssumeRole",
                error_code="AccessDenied",
                message="not authorized to perform sts:AssumeRole",
            ),
        ],
        manual_checks=[
            ManualCheck(
                id="IDC-MFA",
                title="Identity Center MFA settings",
                rationale="No public API reads them.",
                steps=["Open the IAM Identity Center console", "Settings > Authentication > MFA"],
            ),
        ],
        rules=rules,
    )


# The interaction measured: three filter changes, each timed with the forced layout of its rows.
INTERACTION = """
(function () {
  function timed(action) {
    var t0 = performance.now();
    action();
    document.getElementById('rows').getBoundingClientRect();
    return performance.now() - t0;
  }
  function set(id, value, type) {
    var c = document.getElementById(id);
    c.value = value;
    c.dispatchEvent(new Event(type, {bubbles: true}));
  }
  var account = document.getElementById('f-account').options[2].value;
  var out = {};
  out.severity = timed(function () { set('f-severity', 'high', 'change'); });
  out.account = timed(function () { set('f-account', account, 'change'); });
  out.reset = timed(function () { document.getElementById('f-reset').click(); });
  out.search = timed(function () { set('f-search', 'alice', 'input'); });
  out.search2 = timed(function () { set('f-search', 'alice s3', 'input'); });
  set('f-search', '', 'input');
  out.more = timed(function () { document.getElementById('more').click(); });
  out.matching = Number(document.getElementById('status').getAttribute('data-matching'));
  out.rows = document.querySelectorAll('#rows tr.row').length;
  return out;
})()
"""


def measure_browser(browser: Browser, path: Path) -> dict[str, float]:
    page = browser.new_page()
    try:
        page.goto(path.as_uri(), timeout=120)
        page.wait_for("document.getElementById('findings').dataset.state === 'ready'", timeout=60)
        page.wait_for("document.getElementById('findings').dataset.search === 'ready'", timeout=60)
        timing = page.evaluate(
            "(function () { var n = performance.getEntriesByType('navigation')[0];"
            " function mark(name) { var m = performance.getEntriesByName(name)[0]; return m ? m.startTime : null; }"
            " return {load: n.loadEventEnd, first_rows: mark('findings-rendered'),"
            " index: mark('search-index-built')}; })()"
        )
        interaction = page.evaluate(INTERACTION, timeout=120)
        problems = page.console_errors() + [{"text": e} for e in page.exceptions]
        if problems:
            raise BrowserError(f"page reported errors: {problems[:3]}")
        return {**timing, **interaction}
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated finding counts")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per size (best render, median browser)")
    parser.add_argument("--keep", type=Path, help="write the reports into this directory and keep them")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    chromium = find_chromium()
    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="auditor-bench-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    browser = Browser.launch(chromium) if chromium else None
    try:
        for n in sizes:
            document = make_document(n)
            render_times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                html = HtmlReporter().render(document)
                render_times.append(time.perf_counter() - t0)
            path = out_dir / f"report-{n}.html"
            path.write_bytes(html)
            row: dict[str, object] = {"n": n, "render_s": min(render_times), "size": len(html)}
            if browser is not None:
                samples = [measure_browser(browser, path) for _ in range(args.runs)]
                for key in ("first_rows", "load", "index", "severity", "account", "reset", "search", "search2", "more"):
                    row[key] = statistics.median(s[key] for s in samples)
                row["matching"] = samples[0]["matching"]
            rows.append(row)
            print(f"  measured {n:,} findings", file=sys.stderr)
    finally:
        if browser is not None:
            browser.close()
        if args.keep is None:
            for p in out_dir.iterdir():
                p.unlink()
            out_dir.rmdir()

    print_table(rows, chromium)
    return 0


def print_table(rows: list[dict[str, object]], chromium: str | None) -> None:
    headers = [
        "findings",
        "render",
        "size",
        "first rows",
        "load event",
        "search index",
        "filter sev",
        "filter acct",
        "reset",
        "search",
        "search 2 terms",
        "show more",
    ]
    lines = []
    for r in rows:
        line = [f"{r['n']:,}", f"{r['render_s'] * 1000:.0f} ms", f"{r['size'] / 1e6:.2f} MB"]  # type: ignore[operator]
        if "load" in r:
            line += [f"{r[k]:.0f} ms" for k in ("first_rows", "load", "index")]
            line += [f"{r[k]:.1f} ms" for k in ("severity", "account", "reset", "search", "search2", "more")]
        else:
            line += ["-"] * (len(headers) - 3)
        lines.append(line)
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) + " |")
    if chromium is None:
        print("(chromium not found: browser columns skipped; apt-get install -y chromium)")


if __name__ == "__main__":
    raise SystemExit(main())
