"""The ``local`` source (AWS CLI files) and LOCAL-001/LOCAL-002: hand-made files, file/line/profile checked, and
no secret value in any report the run writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import fake_key_id
from sarif_checks import check_sarif

from auditor.cli import main
from auditor.clifiles.source import CliFilesSource, cli_file_paths, parse_cli_file
from auditor.inventory import Inventory

SECRETS = ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzSECRET1", "TopSecretTwoValue", "SessionTokenValueXYZ", "CfgSecret3")

CREDENTIALS = f"""\
# a comment
[default]
aws_access_key_id = {fake_key_id("ZZZZZZZZZZZZZZZ1")}
aws_secret_access_key = {SECRETS[0]}

[ci]
aws_access_key_id={fake_key_id("ZZZZZZZZZZZZZZZ2", prefix="ASIA")}
aws_secret_access_key={SECRETS[1]}
aws_session_token={SECRETS[2]}

[placeholder]
aws_access_key_id = ${{KEY_FROM_ENV}}
"""

CONFIG = f"""\
[default]
region = us-east-1

[profile legacy]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly

[sso-session org]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1

[profile good]
sso_session = org
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile deploy]
role_arn = arn:aws:iam::111122223333:role/Deploy
source_profile = good

[profile inline-key]
aws_access_key_id = {fake_key_id("ZZZZZZZZZZZZZZZ3")}
aws_secret_access_key = {SECRETS[3]}
s3 =
  max_concurrent_requests = 20
"""


@pytest.fixture
def cli_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    credentials = tmp_path / "home" / "creds"
    config = tmp_path / "home" / "cfg"
    credentials.parent.mkdir()
    credentials.write_text(CREDENTIALS, encoding="utf-8")
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return credentials, config


def test_paths_follow_the_environment_then_the_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli_file_paths({"AWS_SHARED_CREDENTIALS_FILE": "/x/c", "AWS_CONFIG_FILE": "/x/f"}) == (
        Path("/x/c"),
        Path("/x/f"),
    )
    monkeypatch.setenv("HOME", "/home/someone")
    assert cli_file_paths({}) == (Path("/home/someone/.aws/credentials"), Path("/home/someone/.aws/config"))


def test_profiles_are_parsed_without_keeping_a_secret(cli_files: tuple[Path, Path]) -> None:
    inventory = CliFilesSource().collect()
    assert inventory.collection.sources_collected == ["local"]
    files = inventory.cli_files
    assert files is not None and files.files_read == [str(p) for p in cli_files]
    by_name = {(Path(p.file).name, p.profile): p for p in files.profiles}
    assert {name: p.kind for name, p in by_name.items()} == {
        ("creds", "default"): "static_key",
        ("creds", "ci"): "static_key",
        ("creds", "placeholder"): "static_key",
        ("cfg", "default"): "other",
        ("cfg", "legacy"): "legacy_sso",
        ("cfg", "good"): "sso_session",
        ("cfg", "deploy"): "assume_role",
        ("cfg", "inline-key"): "static_key",
    }
    default = by_name[("creds", "default")]
    assert (default.line, default.key_id, default.key_id_line, default.secret_present) == (
        2,
        fake_key_id("ZZZZZZZZZZZZZZZ1"),
        3,
        True,
    )
    ci = by_name[("creds", "ci")]
    assert (ci.key_id, ci.session_token_present) == (fake_key_id("ZZZZZZZZZZZZZZZ2", prefix="ASIA"), True)
    assert by_name[("creds", "placeholder")].key_id is None  # not a key id: never echoed
    dumped = inventory.dump_json()
    assert not [secret for secret in SECRETS if secret in dumped]


def test_missing_files_are_a_fact_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none2"))
    inventory = CliFilesSource().collect()
    assert inventory.errors == [] and inventory.cli_files is not None
    assert inventory.cli_files.files_missing == [str(tmp_path / "none"), str(tmp_path / "none2")]
    out = tmp_path / "out"
    assert main(["local", "--format", "json", "--output-dir", str(out), "--fail-on", "low"]) == 0
    rules = {r["id"]: r["status"] for r in json.loads((out / "findings.json").read_text())["rules"]}
    assert rules == {"LOCAL-001": "evaluated", "LOCAL-002": "evaluated"}  # evaluated, passed: no cloud rules listed


def test_config_sections_that_are_not_profiles_are_skipped() -> None:
    parsed = parse_cli_file(
        ["[services s3]", "endpoint_url = x", "[sso-session a]", "sso_region = y"], "f", is_config=True
    )
    assert parsed.profiles == [] and parsed.unparsed_lines == []


def test_local_reports_file_line_profile_and_no_secret(cli_files: tuple[Path, Path], tmp_path: Path) -> None:
    credentials, config = cli_files
    out = tmp_path / "out"
    code = main(["local", "--format", "json,sarif,html", "--output-dir", str(out), "--fail-on", "high"])
    assert code == 1  # LOCAL-001 is high
    document = json.loads((out / "findings.json").read_text())
    local_001 = sorted(
        (f["evidence"]["file"], f["evidence"]["line"], f["evidence"]["profile"], f["evidence"]["key_id"], f["severity"])
        for f in document["findings"]
        if f["rule_id"] == "LOCAL-001"
    )
    assert local_001 == [
        (str(config), 24, "inline-key", fake_key_id("ZZZZZZZZZZZZZZZ3"), "high"),
        (str(credentials), 3, "default", fake_key_id("ZZZZZZZZZZZZZZZ1"), "high"),
    ]  # the ASIA (temporary) key is not LOCAL-001
    local_002 = sorted(
        (Path(f["evidence"]["file"]).name, f["evidence"]["profile"], f["evidence"]["form"])
        for f in document["findings"]
        if f["rule_id"] == "LOCAL-002"
    )
    assert local_002 == [
        ("cfg", "inline-key", "static_key"),
        ("cfg", "legacy", "legacy_sso"),
        ("creds", "ci", "static_key"),
        ("creds", "default", "static_key"),
        ("creds", "placeholder", "static_key"),
    ]
    finding = next(
        f for f in document["findings"] if f["rule_id"] == "LOCAL-001" and f["evidence"]["profile"] == "default"
    )
    assert finding["location"] == {"path": str(credentials), "line": 3, "column": None}
    sarif = json.loads((out / "findings.sarif").read_text())
    check_sarif(sarif)
    assert sarif["runs"][0]["automationDetails"]["id"] == "aws-identity-auditor-local/default/"
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not [secret for secret in SECRETS if secret in text], path.name


def test_scan_local_adds_the_source_to_a_scan(cli_files: tuple[Path, Path], tmp_path: Path) -> None:
    from factories import make_inventory, read_account

    saved = tmp_path / "inventory.json"
    make_inventory(accounts=[read_account()]).save(saved)  # an AWS scan that read no account is exit 2
    out = tmp_path / "out"
    code = main(["scan", "--from-inventory", str(saved), "--local", "--format", "json", "--output-dir", str(out)])
    assert code == 0
    document = json.loads((out / "findings.json").read_text())
    assert {f["rule_id"] for f in document["findings"]} >= {"LOCAL-001", "LOCAL-002"}
    statuses = {r["id"]: r["status"] for r in document["rules"]}
    assert statuses["LOCAL-001"] == "evaluated" and statuses["SECRET-001"] == "not_evaluated"
    assert "cli_files" in Inventory.model_fields


def test_cloud_scan_reports_local_rules_not_evaluated(tmp_path: Path) -> None:
    from factories import make_inventory, read_account

    saved = tmp_path / "inventory.json"
    make_inventory(accounts=[read_account()]).save(saved)  # an AWS scan that read no account is exit 2
    out = tmp_path / "out"
    assert main(["scan", "--from-inventory", str(saved), "--format", "json", "--output-dir", str(out)]) == 0
    statuses = {r["id"]: r["status"] for r in json.loads((out / "findings.json").read_text())["rules"]}
    assert {statuses[i] for i in ("LOCAL-001", "LOCAL-002", "SECRET-001")} == {"not_evaluated"}


def test_save_inventory_creates_its_directory_and_local_is_not_read_twice(
    cli_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from factories import make_inventory, read_account

    saved = tmp_path / "inventory.json"
    make_inventory(accounts=[read_account()]).save(saved)  # an AWS scan that read no account is exit 2
    nested = (
        tmp_path / "not" / "yet" / "inventory.json"
    )  # the nightly's auditor-report/inventory.json on a fresh runner
    args = ["scan", "--from-inventory", str(saved), "--local", "--format", "json", "--output-dir", str(tmp_path / "o")]
    assert main([*args, "--save-inventory", str(nested)]) == 0
    again = Inventory.load(nested)
    assert again.cli_files is not None and again.collection.sources_collected == ["aws", "local"]
    assert main(["scan", "--from-inventory", str(nested), "--local", "--output-dir", str(tmp_path / "p")]) == 2
    assert "already holds AWS CLI files" in capsys.readouterr().err


def _profile_summary(inventory: Inventory) -> list[tuple[str, str, str | None, int | None, bool]]:
    assert inventory.cli_files is not None
    return sorted(
        (Path(p.file).name, p.profile, p.key_id, p.key_id_line, p.secret_present) for p in inventory.cli_files.profiles
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_files_saved_with_a_byte_order_mark_are_decoded(
    encoding: str, cli_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """Notepad's UTF-8 BOM, PowerShell's UTF-16 (``Out-File``, ``>``): the same profiles, lines and key ids as
    the plain UTF-8 files, no error, and the same exit code; no secret in any report."""
    plain = _profile_summary(CliFilesSource().collect())
    credentials, config = cli_files
    for path, text in ((credentials, CREDENTIALS), (config, CONFIG)):
        data = text.encode(encoding)
        if encoding in ("utf-16-le", "utf-16-be"):  # these codecs write no BOM: put it in, as an editor does
            data = "\ufeff".encode(encoding) + data
        path.write_bytes(data)
    inventory = CliFilesSource().collect()
    assert inventory.errors == []
    assert _profile_summary(inventory) == plain and len(plain) == 8
    out = tmp_path / "out"
    assert main(["local", "--format", "json,sarif", "--output-dir", str(out), "--fail-on", "high"]) == 1
    document = json.loads((out / "findings.json").read_text())
    assert sorted(f["evidence"]["profile"] for f in document["findings"] if f["rule_id"] == "LOCAL-001") == [
        "default",
        "inline-key",
    ]
    for path in out.iterdir():
        assert not [secret for secret in SECRETS if secret in path.read_text(encoding="utf-8")], path.name


def test_a_file_that_cannot_be_decoded_is_a_gap_naming_it(cli_files: tuple[Path, Path], tmp_path: Path) -> None:
    """UTF-16 without a byte order mark (NUL bytes, no BOM) is not guessed at: an error entry names the file,
    and the run ends 3 (incomplete), never 0 with zero profiles."""
    credentials, config = cli_files
    credentials.write_bytes(CREDENTIALS.encode("utf-16-le"))
    config.unlink()
    inventory = CliFilesSource().collect()
    assert [(e.service, e.operation, e.error_code) for e in inventory.errors] == [
        ("local", f"read {credentials}", "UndecodableFile")
    ]
    assert "NUL bytes and no byte order mark" in inventory.errors[0].message
    out = tmp_path / "out"
    assert main(["local", "--format", "json", "--output-dir", str(out)]) == 3
    document = json.loads((out / "findings.json").read_text())
    assert [e["operation"] for e in document["errors"]] == [f"read {credentials}"]
    assert not [secret for secret in SECRETS if secret in (out / "findings.json").read_text()]


def test_invalid_utf8_is_a_gap_but_the_rest_of_the_file_is_read(cli_files: tuple[Path, Path]) -> None:
    """A Latin-1 comment (byte 0xE9) makes the file not UTF-8: the error says where, and the profiles the
    file does hold are still reported (LOCAL-001 still sees the key)."""
    credentials, _ = cli_files
    credentials.write_bytes(CREDENTIALS.replace("# a comment", "# caf\u00e9").encode("latin-1"))
    inventory = CliFilesSource().collect()
    assert [(e.operation, e.error_code) for e in inventory.errors] == [(f"read {credentials}", "UndecodableFile")]
    assert "not UTF-8 (invalid bytes on line 1, offset 5)" in inventory.errors[0].message
    assert ("creds", "default", fake_key_id("ZZZZZZZZZZZZZZZ1"), 3, True) in _profile_summary(inventory)


def test_lines_that_are_not_settings_are_a_gap_by_number_never_by_text(
    cli_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """Text before the first section, a stray line (here a pasted secret on its own) and a broken header: the
    AWS CLI's configparser refuses each. The error names the file and the line numbers, never the text; the
    profiles that parse are kept; ``key: value`` is a setting, as configparser reads it."""
    credentials, config = cli_files
    pasted = "PastedSecretValueOnItsOwnLine0123456789"
    credentials.write_text(
        f"aws_access_key_id = {fake_key_id('ZZZZZZZZZZZZZZZ9')}\n"  # line 1: before any section
        f"[default]\naws_access_key_id: {fake_key_id('ZZZZZZZZZZZZZZZ1')}\n{pasted}\n"  # line 4: no delimiter
        "[broken\n",  # line 5
        encoding="utf-8",
    )
    config.unlink()
    inventory = CliFilesSource().collect()
    assert [(e.operation, e.error_code) for e in inventory.errors] == [(f"read {credentials}", "UnparsableLines")]
    assert inventory.errors[0].message.startswith("line(s) 1, 4, 5: ")
    assert _profile_summary(inventory) == [("creds", "default", fake_key_id("ZZZZZZZZZZZZZZZ1"), 3, False)]
    out = tmp_path / "out"
    assert main(["local", "--format", "json,html", "--output-dir", str(out), "--fail-on", "critical"]) == 3
    for path in out.iterdir():
        assert pasted not in path.read_text(encoding="utf-8"), path.name
