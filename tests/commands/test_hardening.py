"""Issue 20, deliverables 2 to 6: outputs checked before collection, reports written as a set, paths anchored
against a rule's ``os.chdir``, inputs bounded and named, self-contradicting inventories refused, and round two
of redaction and escaping (docs/reliability.md lists each case with its test).

Each test reproduces one probe of the issue and fails on the code before it.
"""

from __future__ import annotations

import errno
import json
import os
import textwrap
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from factories import credential_report, days_ago, make_account, make_inventory, make_key, make_user, user_row

import auditor.commands.readiness
import auditor.commands.sources
from auditor.cli import main
from auditor.inventory import Inventory

ACCOUNT = "210987654321"


def _inventory() -> Inventory:
    """One account with an active key used yesterday and created 30 days ago: KEY-001 (high) fires."""
    user = make_user(
        "deployer", ACCOUNT, password=False, mfa=False, keys=[make_key(1, created=days_ago(30), last_used=days_ago(1))]
    )
    account = make_account(
        ACCOUNT,
        "workloads",
        users=[user],
        groups=[],
        roles=[],
        managed_policies=[],
        credential_report=credential_report(user_row(user)),
    )
    return make_inventory(accounts=[account])


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    _inventory().save(path)
    return path


@pytest.fixture
def no_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any collection fails the test: the outputs must be refused before it."""

    def must_not_collect(_: Any) -> Any:
        raise AssertionError("collected before checking the outputs")

    monkeypatch.setattr(auditor.commands.sources, "collect", must_not_collect)
    monkeypatch.setattr(auditor.commands.readiness, "collect", must_not_collect)


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("auditor: error:")]


# ------------------------------------------------------------------------ 2. outputs checked before collection


@pytest.mark.usefixtures("no_collection")
def test_a_directory_where_a_report_file_goes_fails_before_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``out/findings.sarif/`` was found only after the whole collection."""
    out = tmp_path / "out"
    (out / "findings.sarif").mkdir(parents=True)

    assert main(["scan", "--org", "--format", "json,sarif", "--output-dir", str(out)]) == 2

    [line] = error_lines(capsys)
    assert "findings.sarif" in line and "is a directory" in line and "sarif report" in line
    assert not (out / "findings.json").exists()


@pytest.mark.usefixtures("no_collection")
def test_a_fifo_where_a_report_file_goes_fails_before_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "report.html")

    assert main(["scan", "--org", "--format", "html", "--output-dir", str(out)]) == 2

    [line] = error_lines(capsys)
    assert "report.html" in line and "FIFO" in line


@pytest.mark.usefixtures("no_collection")
def test_save_inventory_onto_a_report_file_is_refused_before_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``--save-inventory out/findings.json`` was silently overwritten by the report."""
    out = tmp_path / "out"
    argv = ["--org", "--format", "json", "--output-dir", str(out), "--save-inventory", str(out / "findings.json")]

    assert main(["scan", *argv]) == 2

    [line] = error_lines(capsys)
    assert "--save-inventory" in line and "the same file as" in line and "json report" in line


def test_demo_checks_its_outputs_before_building_the_organization(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import auditor.demo.scan

    def must_not_build(**_: Any) -> Any:
        raise AssertionError("built the demo before checking the outputs")

    monkeypatch.setattr(auditor.demo.scan, "demo_inventory", must_not_build)
    out = tmp_path / "out"

    argv = ["--format", "html", "--output-dir", str(out), "--save-inventory", str(out / "report.html")]

    assert main(["demo", *argv]) == 2
    [line] = error_lines(capsys)
    assert "the same file as" in line


@pytest.mark.usefixtures("no_collection")
def test_a_directory_where_a_plan_file_goes_fails_before_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan"
    (plan / "migration-plan.csv").mkdir(parents=True)

    assert main(["readiness", "--org", "--output-dir", str(plan)]) == 2

    [line] = error_lines(capsys)
    assert "migration-plan.csv" in line and "is a directory" in line


# ----------------------------------------------------------------------------- 6. the reports are one set


def test_a_full_disk_on_the_second_report_leaves_the_old_set_whole(
    inventory_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: findings.json was replaced, then report.html failed: a new findings.json beside an old report.html."""
    from auditor.reports.html import HtmlReporter

    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").write_text("old findings", encoding="utf-8")
    (out / "report.html").write_text("old page", encoding="utf-8")

    def disk_full(self: HtmlReporter, document: Any, stream: BinaryIO) -> None:
        stream.write(b"<!doctype html>")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(HtmlReporter, "write", disk_full)
    argv = ["scan", "--from-inventory", str(inventory_file), "--format", "json,html", "--output-dir", str(out)]

    assert main(argv) == 2

    assert (out / "findings.json").read_text(encoding="utf-8") == "old findings"
    assert (out / "report.html").read_text(encoding="utf-8") == "old page"
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "report.html"]  # no temporary left
    [line] = error_lines(capsys)
    assert "report.html" in line and "No space left on device" in line


def test_a_rule_calling_chdir_does_not_move_a_relative_output_dir(
    inventory_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: a pack's ``os.chdir`` at import moved where ``--output-dir out`` was written."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "wanders.py").write_text(
        textwrap.dedent(
            f"""
            import os
            from auditor.rule import rule

            os.chdir({str(elsewhere)!r})

            @rule(id="TEAM-001", title="t", severity="low", area="team", rationale="r", remediation="m")
            def wanders(inventory, context):
                os.chdir({str(elsewhere)!r})
                return []
            """
        ),
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    argv = ["scan", "--from-inventory", str(inventory_file), "--rules-dir", str(rules)]
    main([*argv, "--format", "json", "--output-dir", "out", "--save-inventory", "saved.json"])

    assert json.loads((work / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert Inventory.load(work / "saved.json").accounts
    assert not (elsewhere / "out").exists() and not (elsewhere / "saved.json").exists()
