"""The CLI's surface: global options before or after the command, `auditor rules ID`, help on every argument,
the demo taking the scan's options, credential hints that never suggest creating an access key."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from distributions import install_distribution

from auditor.cli import build_parser, main
from auditor.reporter import ENTRY_POINT_GROUP as REPORTERS_GROUP


def test_debug_is_accepted_before_and_after_the_command() -> None:
    parser = build_parser()
    assert parser.parse_args(["--debug", "rules"]).debug is True
    assert parser.parse_args(["rules", "--debug"]).debug is True
    assert parser.parse_args(["scan", "--debug", "--org"]).debug is True
    assert parser.parse_args(["--debug", "scan"]).debug is True  # not reset by the command's own default
    assert parser.parse_args(["scan"]).debug is False


def test_rules_id_shows_one_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "KEY-001"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("KEY-001: Active long-lived access key")
    assert main(["rules", "show", "key-001"]) == 0
    assert capsys.readouterr().out == shown
    assert main(["rules", "NOPE-001"]) == 2
    assert "unknown rule id 'NOPE-001'" in capsys.readouterr().err


def test_every_argument_of_every_command_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, command in [("auditor", parser), *subparsers.choices.items()]:
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            if not action.help or action.help.startswith("("):
                missing.append(f"{name} {action.dest}")
    assert missing == []


def test_demo_takes_the_scan_options(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.json"
    out = tmp_path / "out"
    code = main(
        ["demo", "--save-inventory", str(inventory), "--format", "json", "--output-dir", str(out), "--fail-on", "high"]
    )
    assert code == 1  # the demo organization has high findings, and says so in its exit code
    assert json.loads(inventory.read_text(encoding="utf-8"))["accounts"]
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert findings["errors"] == []
    assert main(["demo", "--format", "json", "--output-dir", str(out)]) == 0  # no gate, no gap: 0


def test_unknown_scenario_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--scenario", "nope"])
    assert exited.value.code == 2
    assert "new-admin" in capsys.readouterr().err


def test_credential_hint_points_to_sso_never_to_access_keys() -> None:
    from auditor.collect.session import _no_credentials_message

    hint = _no_credentials_message(None)
    assert "aws configure sso" in hint and "aws sso login" in hint
    assert "`aws configure`" not in hint


def test_an_unknown_format_with_installed_formats_is_one_line_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Installed formats load when the command runs, and one is named by its class, not its entry point: until
    then a name that is not built in cannot be checked. It is checked first thing: exit 2, before the inventory
    is read, with the warning that may say why."""
    install_distribution(tmp_path / "site", monkeypatch, "oddformat", "NOT_A_REPORTER = 1\n", REPORTERS_GROUP,
                         "NOT_A_REPORTER")  # fmt: skip

    assert main(["scan", "--from-inventory", str(tmp_path / "missing.json"), "--format", "json,pdf"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "auditor: warning: report format 'oddformat' (oddformat:NOT_A_REPORTER) ignored: "
        "not a subclass of auditor.reporter.Reporter",
        "auditor: error: --format: unknown format 'pdf' (choose from html, json, sarif, table)",
    ]
