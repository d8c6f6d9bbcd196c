"""The seams: a report format, a source and a rule pack, each added from outside without editing the core.

A format and a pack are installed distributions registering entry points (``auditor.reporters``,
``auditor.rules``; tests/distributions.py lays them out as pip would). The source is a ``Source`` subclass
written here, as a team would write one, with a rule that reads it. A rule whose source did not run is
reported as *not evaluated* in every output, never as passed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributions import install_distribution
from factories import AS_OF, DEV, days_ago, make_account, make_inventory, make_key, make_org, make_user, read_account

from auditor.cli import main
from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.inventory import AccountInventory, CollectionInfo, IamUser, Inventory, ToolInfo
from auditor.registry import RulePack, load_rules
from auditor.reporter import ENTRY_POINT_GROUP as REPORTERS_GROUP
from auditor.reports.html import HtmlReporter
from auditor.reports.sarif import SarifReporter
from auditor.reports.table import TableReporter
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import BUILTIN_PACK
from auditor.source import AWS_SOURCE, Source, assemble_inventory

EXPORTED = "444455556666"

# ------------------------------------------------------------------------------------- a report format

CSV_FORMAT = """
import csv
import io

from auditor.reporter import Reporter


class CsvReporter(Reporter):
    name = "csv"
    default_filename = "findings.csv"
    description = "one line per finding, for spreadsheets"

    def render(self, document):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\\n")
        writer.writerow(["rule_id", "account_id", "resource_id", "severity"])
        for f in document.findings:
            writer.writerow([f.rule_id, f.account_id, f.resource_id, f.severity.value])
        return out.getvalue().encode("utf-8")
"""


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    user = make_user("deployer", DEV, keys=[make_key(1, created=days_ago(30), last_used=days_ago(1))])
    path = tmp_path / "inventory.json"
    make_inventory(accounts=[read_account(DEV, "dev", users=[user])]).save(path)
    return path


def test_an_installed_format_is_offered_and_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], inventory_file: Path
) -> None:
    install_distribution(tmp_path / "site", monkeypatch, "csvformat", CSV_FORMAT, REPORTERS_GROUP, "CsvReporter")
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    assert "csv (findings.csv): one line per finding, for spreadsheets" in " ".join(capsys.readouterr().out.split())

    out = tmp_path / "out"
    code = main(["scan", "--from-inventory", str(inventory_file), "--format", "json,csv", "--output-dir", str(out)])

    assert code == 0
    lines = (out / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "rule_id,account_id,resource_id,severity"
    assert any(line.startswith(f"KEY-001,{DEV},AKIA") and line.endswith(",high") for line in lines)
    assert len(lines) - 1 == len(json.loads((out / "findings.json").read_text())["findings"])


def test_a_broken_installed_format_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], inventory_file: Path
) -> None:
    install_distribution(tmp_path / "site", monkeypatch, "oddformat", "NOT_A_REPORTER = 1\n", REPORTERS_GROUP,
                         "NOT_A_REPORTER")  # fmt: skip
    out = tmp_path / "out"
    assert main(["scan", "--from-inventory", str(inventory_file), "--format", "json", "--output-dir", str(out)]) == 0
    assert "report format 'oddformat' (oddformat:NOT_A_REPORTER) ignored" in capsys.readouterr().err
    assert (out / "findings.json").is_file()


# ------------------------------------------------------------------------------------------ a source

EXPORTED_SOURCE = "exported-users"


class ExportedUsersSource(Source):
    """IAM users from another tool's JSON export: enough facts for a team's own rules about them."""

    name = EXPORTED_SOURCE

    def __init__(self, path: Path) -> None:
        self.path = path

    def collect(self) -> Inventory:
        exported = json.loads(self.path.read_text(encoding="utf-8"))
        users = [
            IamUser(
                user_name=user["name"],
                user_id=user["id"],
                arn=f"arn:aws:iam::{exported['account']}:user/{user['name']}",
                create_date=AS_OF,
                tags=user.get("tags", {}),
            )
            for user in exported["users"]
        ]
        return Inventory(
            tool=ToolInfo(name="exported-users", version="1"),
            collection=CollectionInfo(started_at=AS_OF, finished_at=AS_OF, sources_collected=[self.name]),
            accounts=[AccountInventory(account_id=exported["account"], account_name="exported", users=users)],
        )


@rule(
    id="TEAM-001",
    title="Exported IAM user without an owner tag",
    severity="low",
    area="team",
    rationale="Every user needs an owner who answers for it.",
    remediation="Tag the user with owner=<team>.",
    sources=[EXPORTED_SOURCE],
)
def user_without_owner(inventory: Inventory, context: RuleContext):
    """Fires for each exported user without an ``owner`` tag."""
    for account in inventory.accounts:
        for user in account.users or []:
            if "owner" not in user.tags:
                yield Hit(
                    account_id=account.account_id,
                    resource_type="AWS::IAM::User",
                    resource_id=user.arn,
                    message=f"{user.user_name} has no owner.",
                )


TEAM_PACK = RulePack(origin="team pack", rules=[user_without_owner])


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.json"
    users = [{"name": "ci", "id": "AIDAEXPORTCI", "tags": {"owner": "platform"}}, {"name": "old", "id": "AIDAOLD"}]
    path.write_text(json.dumps({"account": EXPORTED, "users": users}), encoding="utf-8")
    return path


def evaluate_with_team_pack(inventory: Inventory):
    return findings_for(inventory, load_rules([BUILTIN_PACK, TEAM_PACK], use_entry_points=False), Config())


def test_a_source_and_its_rule_added_from_outside(export: Path) -> None:
    document = evaluate_with_team_pack(assemble_inventory([ExportedUsersSource(export).collect()]))

    assert [(f.rule_id, f.resource_id) for f in document.findings] == [
        ("TEAM-001", f"arn:aws:iam::{EXPORTED}:user/old")
    ]
    status = {r.id: (r.status, r.status_reason) for r in document.rules}
    assert status["TEAM-001"] == ("evaluated", None)
    # The AWS source did not run: the built-in rules say so instead of reading as passed.
    assert status["KEY-001"] == ("not_evaluated", "needs the aws source, which did not run in this scan")
    assert {s for rule_id, (s, _) in status.items() if rule_id != "TEAM-001"} == {"not_evaluated"}


def test_parts_of_two_sources_are_assembled_into_one_inventory(export: Path) -> None:
    aws_user = make_user("deployer", DEV, keys=[make_key(1, created=days_ago(30), last_used=days_ago(1))])
    aws_part = make_inventory(organization=make_org(), accounts=[make_account(DEV, "dev", users=[aws_user])])
    inventory = assemble_inventory([aws_part, ExportedUsersSource(export).collect()])

    assert inventory.collection.sources_collected == [AWS_SOURCE, EXPORTED_SOURCE]
    assert [a.account_id for a in inventory.accounts] == [DEV, EXPORTED]
    document = evaluate_with_team_pack(inventory)
    assert {"KEY-001", "TEAM-001"} <= {f.rule_id for f in document.findings}
    statuses = {r.id: r.status for r in document.rules}
    # every rule of the two sources that ran was evaluated; the local-file and source-tree rules say they were not
    assert {rule_id for rule_id, status in statuses.items() if status != "evaluated"} == {
        "LOCAL-001",
        "LOCAL-002",
        "SECRET-001",
    }


def test_two_parts_may_not_claim_the_same_section(export: Path) -> None:
    part = ExportedUsersSource(export).collect()
    with pytest.raises(ValueError, match=f"account {EXPORTED} comes from two parts"):
        assemble_inventory([part, part])
    with pytest.raises(ValueError, match="2 parts fill organization"):
        assemble_inventory([make_inventory(organization=make_org()), make_inventory(organization=make_org())])


# --------------------------------------------------------------------- not evaluated, in every output

LOCAL_RULES = ["LOCAL-001", "LOCAL-002", "SECRET-001"]  # built in, reading the local and code sources


@pytest.fixture
def aws_only_document():
    """The AWS source ran, the team's did not: TEAM-001 is not evaluated; KEY-001 was and fired."""
    user = make_user("deployer", DEV, keys=[make_key(1, created=days_ago(30), last_used=days_ago(1))])
    return evaluate_with_team_pack(make_inventory(accounts=[make_account(DEV, "dev", users=[user])]))


def test_not_evaluated_in_the_findings_document(aws_only_document) -> None:
    team = next(r for r in aws_only_document.rules if r.id == "TEAM-001")
    assert (team.status, team.status_reason) == (
        "not_evaluated",
        "needs the exported-users source, which did not run in this scan",
    )
    assert next(r for r in aws_only_document.rules if r.id == "KEY-001").status == "evaluated"
    assert "KEY-001" in {f.rule_id for f in aws_only_document.findings}


def test_not_evaluated_in_sarif(aws_only_document) -> None:
    run = json.loads(SarifReporter().render(aws_only_document))["runs"][0]
    assert "TEAM-001" not in {r["id"] for r in run["tool"]["driver"]["rules"]}  # not listed as checked
    assert "KEY-001" in {r["id"] for r in run["tool"]["driver"]["rules"]}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    [note] = [n for n in notes if n.get("associatedRule") == {"id": "TEAM-001"}]
    assert note["associatedRule"] == {"id": "TEAM-001"}
    assert note["descriptor"] == {"id": "rule-not-evaluated"}
    assert "not evaluated: needs the exported-users source" in note["message"]["text"]
    # the built-in rules of the local sources (AWS CLI files, source trees) did not run either
    assert sorted(run["properties"]["rules_not_evaluated"]) == [*LOCAL_RULES, "TEAM-001"]
    descriptor = next(d for d in run["tool"]["driver"]["notifications"] if d["id"] == "rule-not-evaluated")
    assert descriptor["fullDescription"]["text"] and descriptor["help"]["text"]


def test_not_evaluated_in_html_and_on_the_console(aws_only_document) -> None:
    html = HtmlReporter().render(aws_only_document).decode("utf-8")
    section = html.split('<section id="not-evaluated">', 1)[1].split("</section>", 1)[0]
    assert "TEAM-001" in section and "not evaluated" in section and "exported-users source" in section
    assert '<a href="#not-evaluated">Rules not evaluated (4)</a>' in html  # TEAM-001 and LOCAL_RULES

    text = TableReporter(width=160).render(aws_only_document).decode("utf-8")
    assert "Rules not evaluated: 4 (no findings from them here; that is not a pass)" in text
    assert "TEAM-001 not evaluated: needs the exported-users source" in text


def test_every_rule_is_evaluated_when_its_sources_ran(aws_only_document) -> None:
    html = HtmlReporter().render(evaluate_with_team_pack(make_inventory())).decode("utf-8")
    assert 'id="not-evaluated"' in html  # TEAM-001 again
    every_source = make_inventory()
    collection = every_source.collection.model_copy(update={"sources_collected": ["aws", "local", "code"]})
    every_source = every_source.model_copy(update={"collection": collection})
    builtin_only = findings_for(every_source, load_rules([BUILTIN_PACK], use_entry_points=False), Config())
    assert {r.status for r in builtin_only.rules} == {"evaluated"}
    assert 'id="not-evaluated"' not in HtmlReporter().render(builtin_only).decode("utf-8")
    assert "Rules not evaluated" not in TableReporter().render(builtin_only).decode("utf-8")


def test_the_catalog_names_each_rules_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules_dir = tmp_path / "team-rules"
    rules_dir.mkdir()
    (rules_dir / "team.py").write_text(
        "from auditor.rule import rule\n\n"
        "@rule(id='TEAM-002', title='Team rule', severity='low', area='team', rationale='r', remediation='f',\n"
        "      sources=['exported-users'])\n"
        "def check(inventory, context):\n"
        "    return iter(())\n",
        encoding="utf-8",
    )
    assert main(["rules", "--rules-dir", str(rules_dir)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert next(line for line in listing if line.startswith("TEAM-002")).split()[:4] == [
        "TEAM-002",
        "low",
        "team",
        "exported-users",
    ]
    assert next(line for line in listing if line.startswith("KEY-001")).split()[3] == "aws"
