"""The command line's contract: exit codes 0/1/2/3, one-line errors, offline re-evaluation and baselines.

Scans here run on saved inventories (``--from-inventory``), which is the same pipeline as a live scan after
collection; the live paths are covered by the collector and demo tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from factories import (
    key_user_inventory,
)

from auditor.cli import main
from auditor.inventory import Inventory

ACCOUNT = "210987654321"


def _inventory(*, with_key: bool = True, errors: bool = False) -> Inventory:
    """One account; with_key gives a high finding (KEY-001, an active AKIA key); errors a coverage gap."""
    return key_user_inventory(ACCOUNT, with_key=with_key, errors=errors)


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    _inventory().save(path)
    return path


def _scan(inventory: Path, out: Path, *extra: str) -> int:
    return main(["scan", "--from-inventory", str(inventory), "--format", "json", "--output-dir", str(out), *extra])


def _findings(out: Path) -> dict:
    return json.loads((out / "findings.json").read_text())


# ------------------------------------------------------------------------------------------ exit codes


def test_exit_0_without_a_gate_and_1_when_a_finding_reaches_fail_on(inventory_file: Path, tmp_path: Path) -> None:
    assert _scan(inventory_file, tmp_path / "a") == 0
    assert "KEY-001" in {f["rule_id"] for f in _findings(tmp_path / "a")["findings"]}
    assert _scan(inventory_file, tmp_path / "b", "--fail-on", "high") == 1
    assert _scan(inventory_file, tmp_path / "c", "--fail-on", "critical") == 0


def test_exit_3_when_coverage_is_incomplete_and_nothing_fails(tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    _inventory(with_key=False, errors=True).save(path)
    assert _scan(path, tmp_path / "out", "--fail-on", "high") == 3
    document = _findings(tmp_path / "out")
    assert [e["operation"] for e in document["errors"]] == ["ListRoles"]


def test_findings_failing_the_gate_win_over_incomplete_coverage(tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    _inventory(with_key=True, errors=True).save(path)
    assert _scan(path, tmp_path / "out", "--fail-on", "high") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["scan", "--from-inventory", "missing.json"], "missing.json: no such inventory file"),
        (["scan", "--format", "pdf"], "unknown format 'pdf'"),
        (["scan", "--fail-on", "severe"], "unknown severity 'severe'"),
        (["scan", "--concurrency", "0"], "expected a positive whole number"),
        (["rules", "show", "NOPE-999"], "unknown rule id 'NOPE-999'"),
        (["diff", "a.json", "b.json"], "a.json"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = _run(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert expected in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def _run(argv: list[str]) -> int | str | None:
    """argparse reports usage errors by raising SystemExit; everything else returns the code."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_corrupt_inventory_and_bad_config_name_the_file_and_key(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json")
    assert _scan(corrupt, tmp_path / "out") == 2
    assert "corrupt.json: not JSON" in capsys.readouterr().err

    config = tmp_path / "auditor.toml"
    config.write_text("[thresholds]\nunused_dayz = 10\n")
    assert _scan(inventory_file, tmp_path / "out", "--config", str(config)) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"auditor: error: {config}: thresholds.unused_dayz: unknown key"

    config.write_text('[rules]\ndisabled = ["KEY-999"]\n')
    assert _scan(inventory_file, tmp_path / "out", "--config", str(config)) == 2
    assert "rules.disabled: unknown rule id 'KEY-999'" in capsys.readouterr().err


def test_no_credentials_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["collect", "-o", "never-written.json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditor: error:") and "credentials" in err
    assert len(err.splitlines()) == 1


def test_unknown_profile_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--profile", "no-such-profile", "--format", "json"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no-such-profile" in err and len(err.splitlines()) == 1


@pytest.mark.slow  # the whole CLI in a subprocess
def test_debug_shows_the_traceback(inventory_file: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "--debug", "scan", "--from-inventory", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "InputError" in result.stderr


# ------------------------------------------------------------------------------ determinism, baseline


def test_saved_inventory_gives_the_same_fingerprints_every_run(inventory_file: Path, tmp_path: Path) -> None:
    _scan(inventory_file, tmp_path / "one")
    _scan(inventory_file, tmp_path / "two")
    one, two = _findings(tmp_path / "one"), _findings(tmp_path / "two")
    assert one["findings"] and [f["fingerprint"] for f in one["findings"]] == [
        f["fingerprint"] for f in two["findings"]
    ]
    assert one["findings"] == two["findings"]


def test_baseline_of_an_unchanged_scan_makes_everything_unchanged_and_passes(
    inventory_file: Path, tmp_path: Path
) -> None:
    assert _scan(inventory_file, tmp_path / "first", "--fail-on", "high") == 1
    baseline = tmp_path / "first" / "findings.json"
    assert _scan(inventory_file, tmp_path / "second", "--fail-on", "high", "--baseline", str(baseline)) == 0
    second = _findings(tmp_path / "second")
    assert {f["baseline_state"] for f in second["findings"]} == {"unchanged"}
    assert second["summary"]["new"] == 0 and second["summary"]["fixed"] == 0


def test_suppressed_findings_never_fail_the_gate(inventory_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "auditor.toml"
    config.write_text('[[suppressions]]\nrule = "*"\naccount = "workloads"\nreason = "accepted for the test"\n')
    assert _scan(inventory_file, tmp_path / "out", "--fail-on", "info", "--config", str(config)) == 0
    findings = _findings(tmp_path / "out")["findings"]
    assert findings and all(f["suppressed"] and f["suppression"]["reason"] == "accepted for the test" for f in findings)


def test_all_formats_land_in_the_output_dir(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert (
        main(
            [
                "scan",
                "--from-inventory",
                str(inventory_file),
                "--output-dir",
                str(out),
                "--format",
                "html,json,sarif,table",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "findings.sarif", "report.html"]
    assert "KEY-001" in capsys.readouterr().out  # the table goes to stdout


# -------------------------------------------------------------------------------- other commands


def test_rules_lists_the_catalog_and_shows_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines()[0].split() == ["id", "severity", "area", "source", "title"]
    for rule_id in ("ROOT-001", "IDC-007", "KEY-005", "ROLE-001"):
        assert rule_id in listing
    assert main(["rules", "show", "key-001"]) == 0
    shown = capsys.readouterr().out
    assert "Active long-lived access key" in shown and "CIS" in shown


def test_policy_is_read_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "--role-name", "IdentityAuditor"]) == 0
    policy = json.loads(capsys.readouterr().out)
    actions = [a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    verbs = {a.split(":")[1] for a in actions}
    # the report jobs IAM builds on request (read back by their Get), entering a member, who the scan runs as
    allowed_extra = {
        "GenerateCredentialReport",
        "GenerateServiceLastAccessedDetails",
        "AssumeRole",
        "GetCallerIdentity",
    }
    assert all(v.startswith(("List", "Get", "Describe")) or v in allowed_extra for v in verbs)
    # each IAM user's last-accessed data, and the AWS managed policies' documents
    assert {
        "iam:GenerateServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetails",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
    } <= set(actions)
    assume = [s for s in policy["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume[0]["Resource"] == "arn:aws:iam::*:role/IdentityAuditor"


def test_schema_prints_json_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "FindingsDocument"
    assert main(["schema", "inventory"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Inventory"


@pytest.mark.slow  # the whole CLI in a subprocess
def test_python_dash_m_auditor_works() -> None:
    result = subprocess.run([sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("aws-identity-auditor ")
