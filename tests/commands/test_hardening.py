"""Issue 20, deliverables 2 to 6: outputs checked before collection, reports written as a set, paths anchored
against a rule's ``os.chdir``, inputs bounded and named, self-contradicting inventories refused, and round two
of redaction and escaping (docs/reliability.md lists each case with its test).

Each test reproduces one probe of the issue and fails on the code before it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from factories import (
    key_user_inventory,
)

import auditor.commands.readiness
import auditor.commands.sources
from auditor.cli import main
from auditor.inventory import Inventory

ACCOUNT = "210987654321"


def _inventory() -> Inventory:
    """One account with an active key used yesterday and created 30 days ago: KEY-001 (high) fires."""
    return key_user_inventory(ACCOUNT)


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


# ------------------------------------------------------------------------------ 4. inputs bounded and named


def _auditor(
    *argv: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, so that an input that would hang it fails the test at the timeout instead of
    hanging the suite."""
    return subprocess.run(
        [sys.executable, "-m", "auditor", *argv],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow  # child processes
def test_a_fifo_as_an_input_file_is_one_line_never_a_hang(inventory_file: Path, tmp_path: Path) -> None:
    """Was: a FIFO given to --baseline, to diff or as --from-inventory blocked forever in open()."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    out = str(tmp_path / "out")

    runs = {
        "--baseline": _auditor(
            "scan", "--from-inventory", str(inventory_file), "--baseline", str(fifo), "--output-dir", out
        ),
        "diff": _auditor("diff", str(fifo), str(fifo)),
        "--from-inventory": _auditor("scan", "--from-inventory", str(fifo), "--output-dir", out),
        "--config": _auditor("scan", "--from-inventory", str(inventory_file), "--config", str(fifo)),
    }

    for name, run in runs.items():
        assert run.returncode == 2, (name, run.stderr)
        [line] = run.stderr.splitlines()
        assert str(fifo) in line and "FIFO" in line, (name, line)


@pytest.mark.slow  # a child process
def test_dev_zero_as_an_inventory_is_refused_not_read_forever(tmp_path: Path) -> None:
    """Was: memory grew without bound."""
    run = _auditor("scan", "--from-inventory", "/dev/zero", "--output-dir", str(tmp_path / "out"))

    assert run.returncode == 2
    assert run.stderr.strip() == "auditor: error: /dev/zero: is a device, not a regular inventory file"


@pytest.mark.slow  # a child process
def test_a_fifo_as_the_aws_credentials_file_is_one_line_before_any_session(tmp_path: Path) -> None:
    """Was: botocore opened AWS_SHARED_CREDENTIALS_FILE and waited on the FIFO forever."""
    fifo = tmp_path / "credentials"
    os.mkfifo(fifo)

    run = _auditor(
        "scan",
        "--format",
        "json",
        "--output-dir",
        str(tmp_path / "out"),
        env={"AWS_SHARED_CREDENTIALS_FILE": str(fifo)},
    )

    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == f"auditor: error: {fifo}: is a FIFO (named pipe), not a regular AWS CLI file"


def test_a_fifo_as_the_aws_config_file_is_a_gap_of_auditor_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.clifiles.source import CliFilesSource

    fifo = tmp_path / "config"
    os.mkfifo(fifo)
    source = CliFilesSource({"AWS_CONFIG_FILE": str(fifo), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    collected: list[Inventory] = []
    reader = threading.Thread(target=lambda: collected.append(source.collect()), daemon=True)

    reader.start()
    reader.join(timeout=30)  # a bound on a regression (it blocked in open() for ever), not a wait for an event

    assert not reader.is_alive(), "reading the AWS CLI config FIFO hangs"
    [error] = collected[0].errors
    assert str(fifo) in error.operation and "FIFO" in error.message


DEEP_JSON = '{"schema_version": "1", "findings": ' + "[" * 100_000 + "]" * 100_000 + "}"
LONG_NUMBER_JSON = '{"schema_version": "1", "collection": {}, "accounts": [' + "7" * 4301 + "]}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [(DEEP_JSON, "nested too deeply"), (LONG_NUMBER_JSON, "more than 4,300 digits")],
    ids=["nesting", "long-number"],
)
def test_parse_limits_of_a_json_input_name_the_file_and_the_problem(
    inventory_file: Path, tmp_path: Path, text: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: "unexpected RecursionError ..." or "unexpected ValueError: Exceeds the limit ...", no file named."""
    crafted = tmp_path / "crafted.json"
    crafted.write_text(text, encoding="utf-8")

    assert main(["diff", str(crafted), str(crafted)]) == 2
    assert main(["scan", "--from-inventory", str(crafted), "--output-dir", str(tmp_path / "out")]) == 2

    lines = error_lines(capsys)
    assert len(lines) == 2 and all(str(crafted) in line and problem in line for line in lines), lines
    assert not any("unexpected" in line for line in lines)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("a = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"), ("a = " + "7" * 4301, "more than 4,300 digits")],
    ids=["nesting", "long-number"],
)
def test_parse_limits_of_the_config_name_the_file_and_the_problem(
    inventory_file: Path, tmp_path: Path, text: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "auditor.toml"
    config.write_text(text, encoding="utf-8")

    assert main(["scan", "--from-inventory", str(inventory_file), "--config", str(config)]) == 2

    [line] = error_lines(capsys)
    assert str(config) in line and problem in line and "unexpected" not in line


def test_an_input_over_its_size_limit_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    from auditor.util.inputfile import UnreadableInputError, read_input

    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 2048)

    with pytest.raises(UnreadableInputError, match=r"big.toml: larger than 1,024 bytes, the limit for a config file"):
        read_input(big, "config", 1024)
    assert read_input(big, "config", 2048) == b"#" * 2048


# --------------------------------------------------------------------- 4b. standard input, where documented


def _stdin_from(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Standard input redirected from a file (``< path``): what the command reads through ``-``."""
    stream = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the test's end
    monkeypatch.setattr(sys, "stdin", stream)


@pytest.fixture
def findings_file(inventory_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "first"
    assert main(["scan", "--from-inventory", str(inventory_file), "--format", "json", "--output-dir", str(out)]) == 0
    return out / "findings.json"


def test_diff_reads_one_side_from_a_pipe(findings_file: Path) -> None:
    """``aws s3 cp s3://…/findings.json - | auditor diff - new.json``: a real pipe, in a child process."""
    ran = subprocess.run(
        [sys.executable, "-m", "auditor", "diff", "-", str(findings_file)],
        input=findings_file.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "0 new, 0 fixed, 1 unchanged" in ran.stdout


def test_from_inventory_and_baseline_read_standard_input(
    inventory_file: Path, findings_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin_from(monkeypatch, inventory_file)
    argv = ["scan", "--from-inventory", "-", "--baseline", str(findings_file), "--format", "json", "--fail-on", "high"]
    assert main([*argv, "--output-dir", str(tmp_path / "a")]) == 0  # the one finding is in the baseline

    _stdin_from(monkeypatch, findings_file)
    argv = ["scan", "--from-inventory", str(inventory_file), "--baseline", "-", "--format", "json"]
    assert main([*argv, "--fail-on", "high", "--output-dir", str(tmp_path / "b")]) == 0
    doc = json.loads((tmp_path / "b" / "findings.json").read_text(encoding="utf-8"))
    assert [f["baseline_state"] for f in doc["findings"]] == ["unchanged"]


def test_standard_input_is_read_for_one_input_only(
    findings_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin_from(monkeypatch, findings_file)
    assert main(["diff", "-", "-"]) == 2
    assert "OLD.json and NEW.json are both - : standard input can be read for one of them" in capsys.readouterr().err
    argv = ["scan", "--from-inventory", "-", "--baseline", "-", "--output-dir", str(tmp_path / "out")]
    assert main(argv) == 2
    assert "--from-inventory and --baseline are both -" in capsys.readouterr().err


def test_standard_input_has_the_file_s_size_limit_and_is_named(
    findings_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("auditor.util.jsonfile.DOCUMENT_LIMIT", 1024)
    _stdin_from(monkeypatch, findings_file)
    assert main(["diff", "-", str(findings_file)]) == 2
    err = capsys.readouterr().err
    assert "auditor: error: standard input (-): larger than 1,024 bytes, the limit for a findings file" in err


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal is POSIX's")
def test_a_terminal_as_standard_input_is_refused_not_waited_on(
    findings_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pty

    leader, follower = pty.openpty()
    terminal = os.fdopen(follower, encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", terminal)
    try:
        assert main(["diff", "-", str(findings_file)]) == 2
    finally:
        terminal.close()
        os.close(leader)
    assert "standard input (-): is a terminal: pipe the findings file in" in capsys.readouterr().err


def test_readiness_refuses_standard_input_because_its_plan_names_the_file(
    inventory_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin_from(monkeypatch, inventory_file)
    assert main(["readiness", "--from-inventory", "-", "--output-dir", str(tmp_path / "plan")]) == 2
    assert "--from-inventory -: the plan names the inventory file" in capsys.readouterr().err
    assert not (tmp_path / "plan" / "migration-plan.md").exists()


def test_a_config_file_named_dash_is_a_file_not_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the documented inputs read standard input: ``--config -`` is a file named ``-``."""
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--config", "-", "--output-dir", "out"]) == 2
    assert "-: no such config file" in capsys.readouterr().err


# --------------------------------------------------------------------- 5. an inventory contradicting itself


def _edited(inventory_file: Path, tmp_path: Path, edit: Any) -> Path:
    raw = json.loads(inventory_file.read_text(encoding="utf-8"))
    edit(raw)
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(raw), encoding="utf-8")
    return edited


def test_accounts_from_no_collected_source_are_refused(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: every rule "not evaluated" and exit 0 under --fail-on low."""
    edited = _edited(inventory_file, tmp_path, lambda raw: raw["collection"].update(sources_collected=[]))

    assert main(["scan", "--from-inventory", str(edited), "--fail-on", "low", "--output-dir", str(tmp_path)]) == 2

    [line] = error_lines(capsys)
    assert str(edited) in line and "contradicts itself" in line and "sources_collected is []" in line
    assert not (tmp_path / "findings.json").exists()


def test_a_null_user_list_without_an_error_entry_is_refused(
    inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``users: null`` with no gap made every finding on those users "fixed" against a baseline."""
    baseline = tmp_path / "baseline"
    assert (
        main(["scan", "--from-inventory", str(inventory_file), "--format", "json", "--output-dir", str(baseline)]) == 0
    )
    edited = _edited(inventory_file, tmp_path, lambda raw: raw["accounts"][0].update(users=None))
    argv = ["scan", "--from-inventory", str(edited), "--baseline", str(baseline / "findings.json")]
    capsys.readouterr()

    assert main([*argv, "--output-dir", str(tmp_path / "out")]) == 2

    [line] = error_lines(capsys)
    assert f"accounts[{ACCOUNT}].users is null" in line and "no error entry" in line


def test_a_null_list_explained_by_an_error_entry_is_accepted(inventory_file: Path, tmp_path: Path) -> None:
    def unreadable_users(raw: dict[str, Any]) -> None:
        raw["accounts"][0]["users"] = None
        raw["errors"].append(
            {
                "account_id": ACCOUNT,
                "service": "iam",
                "operation": "GetAccountAuthorizationDetails",
                "error_code": "AccessDenied",
                "message": "denied",
            }
        )

    edited = _edited(inventory_file, tmp_path, unreadable_users)

    assert main(["scan", "--from-inventory", str(edited), "--output-dir", str(tmp_path / "out")]) == 3


# ------------------------------------------------------------------------ 6. redaction and escaping, round 2


def test_external_id_is_redacted_in_the_debug_log() -> None:
    """Was: ``--debug`` printed AssumeRole's ExternalId (the shared secret against the confused deputy) in the
    request body botocore logs and in the parameters it logs before the call."""
    from auditor.util.redact import redact

    body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa&ExternalId=s3cr3t-ext-1"
    params = (
        "Making request for OperationModel(name=AssumeRole) with params: {'RoleArn': 'a', 'ExternalId': 's3cr3t-ext-1'}"
    )
    logged = redact(f"{body}\n{params}\n<ExternalId>s3cr3t-ext-1</ExternalId>\n")

    assert "s3cr3t-ext-1" not in logged
    assert "RoleArn=arn%3Aaws" in logged and "OperationModel(name=AssumeRole)" in logged


def test_a_failing_credential_process_is_named_with_its_exit_status_not_its_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: botocore's error, with the helper's whole stderr in it (a password prompt's echo, a token), became
    the error line. The helper runs before any AWS call, so no network is involved."""
    helper = tmp_path / "helper.py"
    helper.write_text("import sys\nsys.stderr.write('login failed for token=hunter2-SECRET\\n')\nsys.exit(7)\n")
    config = tmp_path / "config"
    config.write_text(f"[profile broken]\ncredential_process = {sys.executable} {helper}\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    code = main(["scan", "--profile", "broken", "--format", "json", "--output-dir", str(tmp_path / "out")])

    err = capsys.readouterr().err
    assert code == 2
    assert "credential_process failed (exit 7)" in err
    assert "hunter2" not in err


def test_sarif_markdown_escapes_a_pack_s_references_and_prose() -> None:
    """Was: a pack's reference went into an autolink unescaped (``<https://x> <img ...>``), and its remediation's
    links and a fence in its fix were rendered as markdown."""
    from report_fixtures import make_document, rule_info

    from auditor.findings import Remediation
    from auditor.reports.sarif import SarifReporter

    hostile = rule_info(
        "TEAM-001",
        "Team rule",
        "high",
        "team",
        references=["https://ok.example/a", "https://x.example/> <img src=x onerror=alert(1)>", "[docs](javascript:x)"],
        remediation="Read [the guide](https://evil.example) first.",
    )
    with_fix = rule_info("TEAM-002", "Team rule two", "low", "team", references=[])
    with_fix = with_fix.model_copy(
        update={"fix": Remediation(console=["Open [this](https://evil.example)"], cli=["echo ```", "</x>"])}
    )
    log = json.loads(SarifReporter().render(make_document(findings=[], rules=[hostile, with_fix])))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    markdown = rules["TEAM-001"]["help"]["markdown"]
    fix_markdown = rules["TEAM-002"]["help"]["markdown"]

    assert "<https://ok.example/a>" in markdown  # a plain URL stays a link
    assert not re.search(r"(?<!\\)<img", markdown) and "\\<img src=x onerror=alert(1)\\>" in markdown
    assert "\\[docs\\](javascript:x)" in markdown
    assert "\\[the guide\\](https://evil.example)" in markdown
    assert "\\[this\\](https://evil.example)" in fix_markdown
    assert "````sh\necho ```\n</x>\n````" in fix_markdown  # the fence is longer than any backtick run inside
