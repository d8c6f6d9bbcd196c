"""``--history`` on demo and readiness, and ``auditor history``: two demo runs into one file (the second with
the new-admin scenario) give both runs in JSON, one more IAM user and one more active key; a corrupt file is one
error line and exit 2 with the reports written; the table, summary and --finding outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main


@pytest.fixture(scope="module")
def two_demo_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("history")
    history = directory / "history.db"
    assert main(["demo", "--history", str(history), "--output-dir", str(directory / "r1")]) == 0
    second = ["demo", "--scenario", "new-admin", "--history", str(history), "--output-dir", str(directory / "r2")]
    assert main(second) in (0, 1, 3)  # the scenario's exit code is the demo's business, tested elsewhere
    return history


def _json(history: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["history", str(history), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.mark.slow  # two demo builds in moto
def test_two_demo_runs_show_one_more_iam_user_and_one_more_active_key(
    two_demo_runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = _json(two_demo_runs, capsys)["scans"]
    assert second["iam_users"] == first["iam_users"] + 1
    assert second["active_access_keys"] == first["active_access_keys"] + 1
    assert first["scope"] == second["scope"] and first["scope"].startswith("o-")
    assert first["new"] is None and second["new"] > 0
    assert sum(first["readiness"].values()) == first["accounts"] == 4
    assert set(second) >= {"scanned_at", "accounts", "iam_users", "active_access_keys", "findings", "readiness"}
    assert main(["history", str(two_demo_runs), "--format", "summary"]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"IAM users {first['iam_users']} → {second['iam_users']}, active access keys ")
    assert line.count("\n") == 1
    second_page = (two_demo_runs.parent / "r2" / "report.html").read_text(encoding="utf-8")
    assert second_page.count('<svg class="trend-chart"') == 3  # the second report draws the trend
    assert '<section id="trend">' not in (two_demo_runs.parent / "r1" / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_table_lists_the_runs_newest_last_and_a_finding_has_its_dates(
    two_demo_runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", str(two_demo_runs)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["run", "scanned", "at"] and [line.split()[0] for line in lines[1:]] == ["1", "2"]
    report = json.loads((two_demo_runs.parent / "r2" / "findings.json").read_text(encoding="utf-8"))
    fingerprint = report["findings"][0]["fingerprint"]
    found = _json(two_demo_runs, capsys, "--finding", fingerprint)
    assert found["fingerprint"] == fingerprint and found["fixed"] is None
    assert main(["history", str(two_demo_runs), "--finding", "no-such-finding"]) == 2
    assert capsys.readouterr().err.startswith("auditor: error: --finding no-such-finding: no such finding in ")
    assert main(["history", str(two_demo_runs), "--scope", "o-nothere aws"]) == 2
    capsys.readouterr()
    assert main(["history", str(two_demo_runs), "--since", "2999-01-01", "--format", "summary"]) == 0
    assert capsys.readouterr().out == "no run collected on or after 2999-01-01\n"


@pytest.mark.slow
def test_a_corrupt_history_file_is_one_error_line_and_exit_2_with_the_reports_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.db"
    history.write_bytes(b"not a database\n" * 200)
    assert main(["demo", "--history", str(history), "--output-dir", str(tmp_path / "out")]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("auditor: error")]
    assert errors == [f"auditor: error: --history {history}: not an auditor history file (not a SQLite database)"]
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"report.html", "findings.json", "findings.sarif"}
    assert history.read_bytes() == b"not a database\n" * 200


@pytest.mark.slow
def test_readiness_records_verdicts_and_no_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.db"
    assert main(["readiness", "--demo", "--history", str(history), "--output-dir", str(tmp_path / "plan")]) in (0, 3)
    [scan] = _json(history, capsys)["scans"]
    assert scan["command"] == "readiness" and scan["findings"] is None  # not evaluated, never "no findings"
    assert sum(scan["readiness"].values()) == scan["accounts"]
    assert scan["users_by_class"]["human"] >= 1


@pytest.mark.slow
def test_docs_history_md_reading_lines_run_as_written(two_demo_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/history.md's "Reading it" block, each line against the two demo runs' file (its name substituted);
    the fingerprint prefix it shows is a demo finding's."""
    import re
    import shlex

    from conftest import REPO

    text = (REPO / "docs" / "history.md").read_text(encoding="utf-8")
    block = re.search(r"## Reading it\n\n```sh\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None
    lines = [line.partition("#")[0].strip() for line in block.group(1).strip().splitlines()]
    assert len(lines) == 6
    for line in lines:
        argv = shlex.split(line.replace("history.db", str(two_demo_runs)))
        assert argv[0] == "auditor"
        capsys.readouterr()
        assert main(argv[1:]) == 0, (line, capsys.readouterr().err)
        assert capsys.readouterr().out.strip(), line


def test_scan_from_a_saved_inventory_records_the_run_and_its_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scan --history``: the same saved inventory scanned twice is one scope, nothing new and nothing fixed."""
    from factories import DEV, make_inventory, make_key, make_user, read_account

    inventory = tmp_path / "inventory.json"
    make_inventory(
        accounts=[read_account(DEV, users=[make_user("alice", DEV, password=False, keys=[make_key(1)])])]
    ).save(inventory)
    history = tmp_path / "history.db"
    for night in ("1", "2"):
        argv = [
            "scan",
            "--from-inventory",
            str(inventory),
            "--history",
            str(history),
            "--output-dir",
            str(tmp_path / night),
        ]
        assert main(argv) in (0, 1, 3)
    first, second = _json(history, capsys)["scans"]
    assert first["command"] == second["command"] == "scan" and first["scope"] == second["scope"]
    assert (first["iam_users"], first["active_access_keys"]) == (1, 1)
    assert first["findings"] == second["findings"] and sum(first["findings"].values()) > 0
    assert (first["new"], second["new"], second["fixed"]) == (None, 0, 0)
    document = json.loads((tmp_path / "2" / "findings.json").read_text(encoding="utf-8"))
    trend = document["trend"]
    assert len(trend["points"]) == 2
    active = {f["fingerprint"] for f in document["findings"] if not f["suppressed"]}
    assert set(trend["first_seen"]) == active and set(trend["first_seen"].values()) == {first["scanned_at"]}


@pytest.mark.slow
def test_readiness_with_a_foreign_history_file_writes_the_plan_then_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    history = tmp_path / "app.db"
    db = sqlite3.connect(history)
    db.execute("CREATE TABLE orders (id INTEGER)")
    db.commit()
    db.close()
    assert main(["readiness", "--demo", "--history", str(history), "--output-dir", str(tmp_path / "plan")]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("auditor: error")]
    assert errors == [
        f"auditor: error: --history {history}: a SQLite database of another program, not an auditor history file"
    ]
    assert (tmp_path / "plan" / "migration-plan.md").is_file() and (tmp_path / "plan" / "migration-plan.csv").is_file()
