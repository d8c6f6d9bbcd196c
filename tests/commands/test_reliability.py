"""Faults and bad input that must neither end nor hang a run, nor lose its reports (docs/reliability.md).

Rules here are untrusted code in a ``--rules-dir``; inventories are saved files, so the pipeline after collection
is the same one a live scan runs. Each test names the failure it reproduces.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from factories import (
    fake_key_id,
    key_user_inventory,
    make_inventory,
    read_account,
)

import auditor.commands.sources
from auditor.cli import build_parser, main
from auditor.collect.options import DEFAULT_ACCOUNT_TIMEOUT_SECONDS, DEFAULT_CONCURRENCY
from auditor.commands.formats import report_options
from auditor.errors import InputError
from auditor.inventory import Inventory
from auditor.reports.sarif import DEFAULT_CATEGORY
from auditor.util.isolation import DEFAULT_RULE_TIMEOUT_SECONDS
from auditor.util.redact import redact
from auditor.util.safefile import write_atomic

ACCOUNT = "210987654321"
FILE_FORMATS = ("findings.json", "report.html", "findings.sarif")


def _inventory() -> Inventory:
    """One account with an active key used yesterday and created 30 days ago: KEY-001 (high) fires."""
    return key_user_inventory(ACCOUNT)


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    _inventory().save(path)
    return path


def rules_dir(tmp_path: Path, body: str, name: str = "team_rules.py") -> Path:
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    header = "import sys, time\nfrom auditor.rule import Hit, rule\n\n"
    (directory / name).write_text(header + textwrap.dedent(body), encoding="utf-8")
    return directory


TEAM_RULE = """
@rule(id="TEAM-{n:03d}", title="team rule {n}", severity="high", area="team", rationale="r", remediation="m")
def team_rule_{n}(inventory, context):
{body}
"""


def team_rule(n: int, body: str) -> str:
    return TEAM_RULE.format(n=n, body=textwrap.indent(textwrap.dedent(body).strip(), "    "))


def scan(inventory: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "scan",
            "--from-inventory",
            str(inventory),
            "--format",
            "json,html,sarif",
            "--output-dir",
            str(out),
            *extra,
        ]
    )


def findings_doc(out: Path) -> dict[str, Any]:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def rule_errors(doc: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [e for e in doc["errors"] if e["operation"] == f"evaluate {rule_id}"]


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in doc["rules"]}


# --------------------------------------------------------------------------------------- rule isolation


def test_sys_exit_in_a_check_is_a_gap_and_the_gate_still_fails(inventory_file: Path, tmp_path: Path) -> None:
    """Was: exit 0, no reports, past --fail-on. Now: the rule failed, the built-in findings fail the gate."""
    rules = rules_dir(tmp_path, team_rule(1, "sys.exit(0)\nyield"))
    out = tmp_path / "out"

    code = scan(inventory_file, out, "--rules-dir", str(rules), "--fail-on", "high")

    assert code == 1  # KEY-001 (high) still fails the gate
    assert all((out / name).is_file() for name in FILE_FORMATS)
    doc = findings_doc(out)
    assert statuses(doc)["TEAM-001"] == "failed"
    assert [(e["error_code"], e["message"]) for e in rule_errors(doc, "TEAM-001")] == [("SystemExit", "0")]
    assert "KEY-001" in {f["rule_id"] for f in doc["findings"]}


def test_sys_exit_at_import_is_a_pack_problem_with_exit_3(tmp_path: Path) -> None:
    """Was: exit 0 and no reports. Now: the pack is a coverage gap; nothing failing the gate gives exit 3."""
    clean = tmp_path / "clean.json"
    make_inventory(accounts=[read_account(ACCOUNT, "workloads")]).save(clean)
    rules = rules_dir(tmp_path, "sys.exit(0)\n")
    out = tmp_path / "out"

    code = scan(clean, out, "--rules-dir", str(rules), "--fail-on", "high")

    assert code == 3
    assert all((out / name).is_file() for name in FILE_FORMATS)
    (problem,) = [e for e in findings_doc(out)["errors"] if e["operation"] == "load rules"]
    assert "team_rules.py failed to load: SystemExit: 0" in problem["message"]


def test_keyboard_interrupt_raised_by_a_rule_is_the_rule_s_failure(inventory_file: Path, tmp_path: Path) -> None:
    """A rule's own ``raise KeyboardInterrupt`` is not the user's Ctrl-C (that one arrives in the main thread)."""
    rules = rules_dir(tmp_path, team_rule(1, "raise KeyboardInterrupt\nyield"))
    out = tmp_path / "out"

    assert scan(inventory_file, out, "--rules-dir", str(rules)) == 3
    assert statuses(findings_doc(out))["TEAM-001"] == "failed"


def test_invalid_hits_are_dropped_with_a_gap_naming_the_rule(inventory_file: Path, tmp_path: Path) -> None:
    """Was: exit 2 and every report lost after a full collection. Now: the bad hits go, the good one stays."""
    body = team_rule(
        1,
        """
        acct = inventory.accounts[0].account_id
        user = "AWS::IAM::User"
        yield "not a hit"
        yield Hit(account_id=acct, resource_type=user, resource_id=42, message="m")
        yield Hit(account_id=acct, resource_type=user, resource_id="a", message="m", evidence={"x": object()})
        yield Hit(account_id=acct, resource_type=user, resource_id="b", message="m", evidence={"n": float("nan")})
        yield Hit(account_id=acct, resource_type=user, resource_id="good", message="kept")
        """,
    )
    out = tmp_path / "out"

    code = scan(inventory_file, out, "--rules-dir", str(rules_dir(tmp_path, body)), "--fail-on", "critical")

    assert code == 3
    doc = findings_doc(out)
    assert [f["resource_id"] for f in doc["findings"] if f["rule_id"] == "TEAM-001"] == ["good"]
    (gap,) = rule_errors(doc, "TEAM-001")
    assert gap["error_code"] == "InvalidHit"
    assert gap["message"].startswith("4 invalid hit(s) dropped; the first: yielded a str, not a Hit")
    assert statuses(doc)["TEAM-001"] == "evaluated"
    assert all((out / name).is_file() for name in FILE_FORMATS)


def test_hits_with_lone_surrogates_are_dropped_before_they_reach_a_report(inventory_file: Path, tmp_path: Path) -> None:
    """UTF-8 cannot encode a lone surrogate: a hit carrying one (in a field or in its evidence) would break
    findings.json and SARIF. It is dropped as invalid, like a mistyped hit; the good one stays."""
    body = team_rule(
        1,
        """
        acct = inventory.accounts[0].account_id
        user = "AWS::IAM::User"
        yield Hit(account_id=acct, resource_type=user, resource_id="a", message="bad \\ud800 text")
        yield Hit(account_id=acct, resource_type=user, resource_id="b", message="m", evidence={"k": ["\\udfff"]})
        yield Hit(account_id=acct, resource_type=user, resource_id="c\\udc80", message="m")
        yield Hit(account_id=acct, resource_type=user, resource_id="good", message="kept \u00e9")
        """,
    )
    out = tmp_path / "out"

    code = scan(inventory_file, out, "--rules-dir", str(rules_dir(tmp_path, body)), "--fail-on", "critical")

    assert code == 3
    doc = findings_doc(out)
    assert [f["resource_id"] for f in doc["findings"] if f["rule_id"] == "TEAM-001"] == ["good"]
    (gap,) = rule_errors(doc, "TEAM-001")
    assert gap["message"].startswith("3 invalid hit(s) dropped; the first: UnicodeEncodeError")
    assert all((out / name).is_file() for name in FILE_FORMATS)


def test_a_looping_rule_is_abandoned_at_its_time_limit(inventory_file: Path, tmp_path: Path) -> None:
    """Was: the scan hung forever. The rule runs in its pack's process, which is killed at the limit."""
    rules = rules_dir(tmp_path, team_rule(1, "while True:\n    time.sleep(0.01)\nyield"))
    out = tmp_path / "out"
    started = time.monotonic()
    code = scan(inventory_file, out, "--rules-dir", str(rules), "--rule-timeout", "0.5", "--fail-on", "high")
    elapsed = time.monotonic() - started

    assert code == 1
    assert elapsed < 30  # a bound, not a speed measurement: without the limit this never returns
    doc = findings_doc(out)
    assert statuses(doc)["TEAM-001"] == "failed"
    (gap,) = rule_errors(doc, "TEAM-001")
    assert (gap["error_code"], gap["message"]) == (
        "RuleTimeout",
        "did not finish within 0.5 s (--rule-timeout); abandoned",
    )
    assert "KEY-001" in {f["rule_id"] for f in doc["findings"]}


def test_an_import_that_never_returns_is_a_pack_problem(inventory_file: Path, tmp_path: Path) -> None:
    rules = rules_dir(tmp_path, "import threading\nthreading.Event().wait(3600)\n", name="hangs.py")
    out = tmp_path / "out"

    assert scan(inventory_file, out, "--rules-dir", str(rules), "--rule-timeout", "0.5") == 3
    (problem,) = [e for e in findings_doc(out)["errors"] if e["operation"] == "load rules"]
    assert "hangs.py failed to load: did not finish importing within 0.5 s" in problem["message"]


def test_the_cli_s_defaults_are_the_stages_own() -> None:
    """Each default has one source: the parser (or, for the collection options, which the parser leaves None so
    that one given beside --from-inventory is told apart, ``collect_options``) takes the stage's constant, it
    keeps no copy to drift."""
    from auditor.commands.sources import collect_options

    scan = build_parser().parse_args(["scan"])
    assert scan.rule_timeout is DEFAULT_RULE_TIMEOUT_SECONDS
    assert (scan.account_timeout, scan.concurrency) == (None, None)
    options = collect_options(scan)
    assert options.account_timeout is DEFAULT_ACCOUNT_TIMEOUT_SECONDS
    assert options.concurrency is DEFAULT_CONCURRENCY
    for command, suffix in (("scan", ""), ("local", "-local"), ("scan-code", "-code")):
        args = build_parser().parse_args([command])
        assert report_options("sarif", args)["category"] == DEFAULT_CATEGORY + suffix


# ---------------------------------------------------------------------------------------- zero accounts


def test_an_inventory_of_zero_accounts_is_exit_2_even_under_fail_on_low(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: exit 0, passing --fail-on low. A file-only inventory (no aws source) is not held to this."""
    empty = tmp_path / "empty.json"
    make_inventory(accounts=[]).save(empty)
    out = tmp_path / "out"

    assert scan(empty, out, "--fail-on", "low") == 2
    assert "no account was read" in capsys.readouterr().err
    assert (out / "findings.json").is_file()  # the reports still say what was (not) read


def test_accounts_option_naming_nothing_is_exit_2_before_any_account_is_read(
    moto_session: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["scan", "--accounts", "", "--format", "json", "--output-dir", str(tmp_path / "o")]) == 2
    assert "--accounts names no account id" in capsys.readouterr().err
    assert main(["scan", "--accounts", "999999999999", "--format", "json", "--output-dir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no account to scan" in err and "use --org" in err


# ------------------------------------------------------------------------------------ outputs and writes


def test_unwritable_outputs_fail_before_collection(
    inventory_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: the failure came after the whole collection and nothing was kept."""

    def must_not_collect(_: Any) -> Any:
        raise AssertionError("collected before checking the outputs")

    monkeypatch.setattr(auditor.commands.sources, "collect", must_not_collect)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")

    assert main(["scan", "--format", "json", "--output-dir", str(a_file)]) == 2
    assert "--output-dir" in capsys.readouterr().err
    assert main(["scan", "--format", "json", "--save-inventory", str(a_file / "inv.json")]) == 2
    assert "--save-inventory" in capsys.readouterr().err
    assert main(["collect", "-o", str(a_file / "inv.json")]) == 2
    assert "-o/--output" in capsys.readouterr().err
    assert main(["collect", "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_a_symlink_at_a_report_path_is_replaced_not_followed(inventory_file: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").symlink_to(victim)
    saved = tmp_path / "saved.json"
    saved.symlink_to(victim)

    main(["scan", "--from-inventory", str(inventory_file), "--format", "json", "--output-dir", str(out)])
    Inventory.load(inventory_file).save(saved)

    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (out / "findings.json").is_symlink() and findings_doc(out)["findings"]
    assert not saved.is_symlink() and Inventory.load(saved).accounts


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "findings.json"
    target.write_text("old", encoding="utf-8")

    def disk_full(*_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(InputError, match="No space left on device"):
        write_atomic(target, b"new")

    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json"]


# ------------------------------------------------------------------------------- debug and error lines


@pytest.mark.slow  # the whole CLI in a subprocess
def test_debug_keeps_the_documented_exit_code(tmp_path: Path) -> None:
    """Was: --debug re-raised, and Python's exit 1 read as "gate failed"."""
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "--debug", "scan", "--from-inventory", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "no such inventory file" in result.stderr


def test_redaction_patterns_cover_botocore_s_wire_log() -> None:
    secret, token, key_id = (
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY",
        "IQoJb3JpZ2luX2VjEXAMPLETOKEN//",
        fake_key_id("EXAMPLE123456789", prefix="ASIA"),
    )
    lines = [
        f"Response body:\nb'<Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
        f"<SessionToken>{token}</SessionToken></Credentials>'",
        f"headers={{'Authorization': b'AWS4-HMAC-SHA256 Credential={key_id}/20250101', "
        f"'X-Amz-Security-Token': b'{token}'}}",
        f"CanonicalRequest:\nPOST\n/\n\nhost:iam.amazonaws.com\nx-amz-security-token:{token}\n",
        f'{{"roleCredentials": {{"accessKeyId": "{key_id}", "secretAccessKey": "{secret}", '
        f'"sessionToken": "{token}"}}}}',
        f"Action=CreateLoginProfile&UserName=bob&Password={secret}",
        f"https://portal.sso/federation?X-Amz-Security-Token={token}&X-Amz-Signature=abc",
    ]
    for line in lines:
        cleaned = redact(line)
        assert secret not in cleaned and token not in cleaned and key_id not in cleaned, cleaned
    kept = "Making request for OperationModel(name=ListUsers) with params: {'url': 'https://iam.amazonaws.com/'}"
    assert redact(kept) == kept
    assert (
        redact("Retry needed, retrying request after delay of: 0.42")
        == "Retry needed, retrying request after delay of: 0.42"
    )


def test_a_config_number_that_is_a_boolean_or_huge_is_one_capped_line(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``unused_days = true`` read as 1; 99999999999 crashed the rules into exit 3."""
    config = tmp_path / "auditor.toml"
    for value, expected in [
        ("true", "thresholds.unused_days: Input should be a valid integer (got True)"),
        ("99999999999", "thresholds.unused_days: Input should be less than or equal to 3650"),
        ('"45"', "thresholds.unused_days: Input should be a valid integer"),
        ("0", "thresholds.unused_days: Input should be greater than or equal to 1"),
    ]:
        config.write_text(f"[thresholds]\nunused_days = {value}\n", encoding="utf-8")
        assert scan(inventory_file, tmp_path / "out", "--config", str(config)) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert str(config) in line and expected in line and len(line) <= 300
    config.write_text('[thresholds]\nrole_session_max = "P400D"\n', encoding="utf-8")
    assert scan(inventory_file, tmp_path / "out", "--config", str(config)) == 2
    assert "outside PT15M..PT12H" in capsys.readouterr().err


def test_the_wrong_kind_of_json_file_is_one_short_line(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: a 36-199 KB "one-line" error holding the whole file."""
    assert main(["diff", str(inventory_file), str(inventory_file)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("this is an auditor inventory file, expected a findings file") and len(line) <= 300

    big = tmp_path / "big.json"
    big.write_text(json.dumps({"schema_version": "1", "tool": {"name": "x" * 200_000}}), encoding="utf-8")
    assert main(["scan", "--from-inventory", str(big), "--format", "json", "--output-dir", str(tmp_path / "o")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert len(line) <= 300 and str(big) in line


def test_lone_surrogates_in_an_inventory_do_not_break_any_report(tmp_path: Path) -> None:
    """Was: the table reporter crashed (UTF-8 cannot encode a lone surrogate); JSON and SARIF did too."""
    text = (
        _inventory().dump_json().replace('"deployer"', '"deploy\\ud800er"').replace('"workloads"', '"work\\udfffloads"')
    )
    crafted = tmp_path / "crafted.json"
    crafted.write_text(text, encoding="utf-8")
    out = tmp_path / "out"

    code = main(
        ["scan", "--from-inventory", str(crafted), "--format", "json,html,sarif,table", "--output-dir", str(out)]
    )

    assert code == 0
    assert all((out / name).is_file() for name in FILE_FORMATS)
    assert "deploy\ufffder" in (out / "findings.json").read_text(encoding="utf-8")


def test_a_handler_added_after_the_setup_still_gets_redacted_records() -> None:
    import io
    import logging

    from auditor.util.redact import install

    original = logging.getLogRecordFactory()
    stream = io.StringIO()
    late = logging.StreamHandler(stream)
    logger = logging.getLogger("test.redaction.late")
    try:
        install([])
        logger.addHandler(late)
        logger.propagate = False
        logger.warning("Response body:\nb'<SessionToken>%s</SessionToken>'", "IQoJsecretTOKEN")
        try:
            raise ValueError("X-Amz-Security-Token=IQoJsecretTOKEN")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(late)
        logging.setLogRecordFactory(original)
    assert "IQoJsecretTOKEN" not in stream.getvalue()
    assert "<SessionToken>***</SessionToken>" in stream.getvalue() and "ValueError" in stream.getvalue()


def test_the_table_shows_a_lone_surrogate_escaped() -> None:
    """A document built in memory (a library caller's) can hold one even though loaded files cannot."""
    from report_fixtures import make_document

    from auditor.reports.table import TableReporter

    document = make_document()
    document.findings[0].account_name = "work\ud800loads"

    # A fixed width: the default follows the terminal (COLUMNS), which other tests in the same worker may narrow.
    assert b"work\\ud800loads" in TableReporter(color=False, width=200).render(document)


def test_a_rule_yielding_forever_is_abandoned_and_its_thread_stops(inventory_file: Path, tmp_path: Path) -> None:
    """An endless generator must not fill memory in the background once abandoned: it stops at its next hit."""
    import threading

    body = team_rule(
        1,
        """
        n = 0
        while True:
            n += 1
            yield Hit(account_id=None, resource_type="AWS::IAM::User", resource_id=str(n), message="m")
        """,
    )
    out = tmp_path / "out"

    assert scan(inventory_file, out, "--rules-dir", str(rules_dir(tmp_path, body)), "--rule-timeout", "0.5") == 3

    doc = findings_doc(out)
    assert [e["error_code"] for e in rule_errors(doc, "TEAM-001")] == ["RuleTimeout"]
    assert not [f for f in doc["findings"] if f["rule_id"] == "TEAM-001"]
    for worker in [t for t in threading.enumerate() if t.name == "auditor-isolated-TEAM-001"]:
        worker.join(timeout=60)  # a bound on the wait, not a sleep: it returns as soon as the thread ends
        assert not worker.is_alive()
