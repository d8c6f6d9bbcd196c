"""Which accounts changed verdict (``auditor history FILE --accounts``), and scopes a person can read and name:
the prod OU and the sandbox OU nightly into one file, each seen and filtered on its own, an account joining an
OU staying in its scope, and a night on which one account refuses the role not starting a new scope.

Records for the command are built by hand (``ScanRecord``) and appended through the real store; the scope keys
come from inventories built by ``tests/factories.py`` through ``scan_record``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import DEV, MGMT, ORG_ID, PROD, collection_error, make_account, make_inventory, make_org, org_account

from auditor.cli import main
from auditor.engine.config import Config
from auditor.history.models import AccountCounts, ScanRecord
from auditor.history.record import scan_record, scope_key
from auditor.history.store import open_history

DAY0 = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)
SANDBOX = "444444444444"
NEW_PROD = "555555555555"


def org_accounts() -> list:  # type: ignore[type-arg]
    return [
        org_account(MGMT, "management", ou_path="/Root"),
        org_account(DEV, "dev", ou_path="/Root/Workloads/Dev"),
        org_account(PROD, "prod", ou_path="/Root/Workloads/Prod"),
        org_account(SANDBOX, "sandbox", ou_path="/Root/Sandbox"),
    ]


def test_an_ou_scan_is_named_by_its_ou_and_an_accounts_list_by_a_hash() -> None:
    org = make_org(org_accounts())
    prod = make_inventory(organization=org, accounts=[make_account(PROD, "prod")])
    workloads = make_inventory(organization=org, accounts=[make_account(DEV), make_account(PROD, "prod")])
    two_ous = make_inventory(organization=org, accounts=[make_account(PROD, "prod"), make_account(SANDBOX, "sandbox")])
    picked = make_inventory(organization=org, accounts=[make_account(MGMT, "management"), make_account(DEV)])
    assert scope_key(prod) == f"{ORG_ID} ou:/Root/Workloads/Prod aws"
    assert scope_key(workloads) == f"{ORG_ID} ou:/Root/Workloads aws"
    assert scope_key(two_ous) == f"{ORG_ID} ou:/Root/Sandbox+/Root/Workloads/Prod aws"
    # the management account sits in /Root itself: with dev only, no set of whole OUs is the selection
    assert scope_key(picked).startswith(f"{ORG_ID} accounts:")


def test_an_account_joining_the_ou_stays_in_the_scope() -> None:
    before = make_inventory(organization=make_org(org_accounts()), accounts=[make_account(PROD, "prod")])
    grown = make_org([*org_accounts(), org_account(NEW_PROD, "prod-2", ou_path="/Root/Workloads/Prod")])
    after = make_inventory(organization=grown, accounts=[make_account(PROD, "prod"), make_account(NEW_PROD, "prod-2")])
    assert scope_key(before) == scope_key(after) == f"{ORG_ID} ou:/Root/Workloads/Prod aws"


def test_an_account_that_refused_the_role_keeps_the_night_in_its_scope() -> None:
    """Accounts not entered are absent from the inventory, with an STS error filed under their id."""
    org = make_org(org_accounts())
    everyone = [make_account(a) for a in (MGMT, DEV, PROD, SANDBOX)]
    refused = make_inventory(
        organization=org,
        accounts=everyone[:3],
        errors=[collection_error("AssumeRole", service="sts", account_id=SANDBOX)],
    )
    assert scope_key(refused) == scope_key(make_inventory(organization=org, accounts=everyone)) == f"{ORG_ID} aws"
    # an IAM error under an account is not "meant but not entered": that account was read
    partial = make_inventory(organization=org, accounts=everyone[:3], errors=[collection_error("ListUsers")])
    assert scope_key(partial) != f"{ORG_ID} aws"


def _run(day: int, scope: str, verdicts: dict[str, str | None]) -> ScanRecord:
    return ScanRecord(
        scanned_at=DAY0 + timedelta(days=day),
        command="scan",
        scope=scope,
        organization_id=ORG_ID,
        sources=["aws"],
        tool_version="0.1.0",
        accounts=[
            AccountCounts(account_id=a, account_name=f"name-{a[:3]}", iam_users=1, active_access_keys=0, verdict=v)
            for a, v in verdicts.items()
        ],
        findings=[],
    )


@pytest.fixture
def two_nightlies(tmp_path: Path) -> Path:
    """The prod OU and the sandbox OU, scanned each night into one file, their scope keys as scan_record makes
    them. In prod, PROD migrates on day 20; DEV falls back on day 35 (a new IAM user); NEW_PROD joins on day 40."""
    org = make_org(org_accounts())
    prod_scope = scan_record(
        make_inventory(organization=org, accounts=[make_account(PROD, "prod")]), Config(), command="scan"
    ).scope
    sandbox_scope = scope_key(make_inventory(organization=org, accounts=[make_account(SANDBOX, "sandbox")]))
    path = tmp_path / "h.db"
    with open_history(path) as store:
        for day in range(0, 50, 5):
            prod: dict[str, str | None] = {
                PROD: "migrated" if day >= 20 else "blocked",
                DEV: "ready" if day >= 35 else "migrated",
            }
            if day >= 40:
                prod[NEW_PROD] = None  # joined, not assessed
            store.append(_run(day, prod_scope, prod))
            store.append(_run(day, sandbox_scope, {SANDBOX: "ready"}))
    return path


def _out(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["history", *args]) == 0
    return capsys.readouterr().out


def test_two_scopes_in_one_file_are_listed_and_each_filtered_by_a_readable_name(
    two_nightlies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _out(capsys, str(two_nightlies))
    assert f"{ORG_ID} ou:/Root/Workloads/Prod aws" in table and f"{ORG_ID} ou:/Root/Sandbox aws" in table
    sandbox = json.loads(_out(capsys, str(two_nightlies), "--scope", "/Root/Sandbox", "--format", "json"))
    assert {s["scope"] for s in sandbox["scans"]} == {f"{ORG_ID} ou:/Root/Sandbox aws"} and len(sandbox["scans"]) == 10
    prod = json.loads(
        _out(capsys, str(two_nightlies), "--scope", f"{ORG_ID} ou:/Root/Workloads/Prod aws", "--format", "json")
    )
    assert [s["run"] for s in prod["scans"]] == list(range(1, 20, 2))
    assert main(["history", str(two_nightlies), "--scope", ORG_ID]) == 2  # in both: which one is not guessed
    assert capsys.readouterr().err.startswith(f"auditor: error: --scope {ORG_ID}: matches 2 scopes (")


def test_accounts_names_who_changed_verdict_and_since_when(
    two_nightlies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = json.loads(
        _out(capsys, str(two_nightlies), "--accounts", "--scope", "Prod", "--since", "2026-10-10", "--format", "json")
    )
    assert found["scope"] == f"{ORG_ID} ou:/Root/Workloads/Prod aws"
    assert found["then"].startswith("2026-10-11") and found["now"].startswith("2026-11-15")
    rows = {a["account_id"]: a for a in found["accounts"]}
    assert (rows[PROD]["verdict_then"], rows[PROD]["verdict_now"], rows[PROD]["since"][:10]) == (
        "blocked",
        "migrated",
        "2026-10-21",
    )
    assert (rows[DEV]["verdict_then"], rows[DEV]["verdict_now"], rows[DEV]["changed"]) == ("migrated", "ready", True)
    assert (rows[NEW_PROD]["in_first"], rows[NEW_PROD]["verdict_now"], rows[NEW_PROD]["changed"]) == (False, None, True)
    assert [a["changed"] for a in found["accounts"]] == [True, True, True]
    # the window after the migration: PROD unchanged, and "since" still looks back before the window
    later = json.loads(
        _out(capsys, str(two_nightlies), "--accounts", "--scope", "Prod", "--since", "2026-10-25", "--format", "json")
    )
    prod = next(a for a in later["accounts"] if a["account_id"] == PROD)
    assert (prod["changed"], prod["since"][:10]) == (False, "2026-10-21")

    text = _out(capsys, str(two_nightlies), "--accounts", "--scope", "Prod", "--since", "2026-10-10")
    lines = text.splitlines()
    assert lines[0] == f"scope {ORG_ID} ou:/Root/Workloads/Prod aws: 3 of 3 account(s) changed verdict"
    assert lines[1].split() == ["account", "name", "then", "(2026-10-11)", "now", "(2026-11-15)", "since"]
    prod_line = next(line for line in lines if PROD in line)
    assert prod_line.split()[:5] == ["*", PROD, "name-333", "blocked", "migrated"]
    new_line = next(line for line in lines if NEW_PROD in line)
    assert "not in the run" in new_line and "not assessed" in new_line


def test_accounts_without_scope_reads_the_newest_run_s_scope(
    two_nightlies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = json.loads(_out(capsys, str(two_nightlies), "--accounts", "--format", "json"))
    assert found["scope"] == f"{ORG_ID} ou:/Root/Sandbox aws"  # appended last each night
    assert [(a["account_id"], a["changed"]) for a in found["accounts"]] == [(SANDBOX, False)]
