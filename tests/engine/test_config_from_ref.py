"""Where the gate's configuration comes from: ``--config-from-ref REF`` reads ``./auditor.toml`` as a commit has
it, so a pull request cannot suppress its own finding by editing the file; and a SECRET-001 suppression names
files one by one, wherever the configuration is loaded from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import fake_key_id
from git_repos import git

from auditor.cli import main
from auditor.engine.config import Suppression, load_config, load_config_from_ref
from auditor.errors import InputError

KEY = fake_key_id("J7QRT2XW5KZL3MPV")
SUPPRESS_THE_KEY = '[[suppressions]]\nrule = "SECRET-001"\nresource = "deploy.py"\nreason = "trust me"\n'
BASE_CONFIG = "[thresholds]\nunused_days = 30\n"


@pytest.fixture
def pull_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main holds a reviewed auditor.toml; the branch adds a key and a suppression of it; cwd is the checkout."""
    monkeypatch.setenv("HOME", str(tmp_path))
    root = tmp_path / "repo"
    root.mkdir()
    (root / "auditor.toml").write_text(BASE_CONFIG, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "reviewed configuration")
    git(root, "checkout", "-q", "-b", "change")
    (root / "deploy.py").write_text(f'KEY = "{KEY}"\n', encoding="utf-8")
    (root / "auditor.toml").write_text(BASE_CONFIG + SUPPRESS_THE_KEY, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a key, and its suppression")
    monkeypatch.chdir(root)
    return root


def scan_code(root: Path, *extra: str) -> tuple[int, list[tuple[str, bool]]]:
    out = root.parent / "out"
    code = main(["scan-code", ".", "--since", "main", "--fail-on", "high", "--format", "json", "--output-dir",
                 str(out), *extra])  # fmt: skip
    if code == 2:
        return code, []
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return code, [(f["resource_id"], f["suppressed"]) for f in document["findings"]]


def test_the_pull_request_s_own_suppression_does_not_judge_it(pull_request: Path) -> None:
    assert scan_code(pull_request) == (0, [("deploy.py", True)])  # the work tree's auditor.toml: passes
    assert scan_code(pull_request, "--config-from-ref", "main") == (1, [("deploy.py", False)])


def test_the_configuration_read_from_a_ref_is_the_ref_s(pull_request: Path) -> None:
    config = load_config_from_ref("main")
    assert config.origin == "main:auditor.toml" and config.source is None  # no file of the work tree
    assert config.thresholds.unused_days == 30 and config.suppressions == []
    assert load_config_from_ref("change").suppressions[0].resource == "deploy.py"


def test_a_ref_without_the_file_means_the_defaults_said_on_stderr(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(pull_request, "rm", "-q", "auditor.toml")
    git(pull_request, "commit", "-q", "-m", "no configuration")
    git(pull_request, "tag", "bare")
    (pull_request / "auditor.toml").write_text(SUPPRESS_THE_KEY, encoding="utf-8")  # in the work tree only
    assert scan_code(pull_request, "--config-from-ref", "bare") == (1, [("deploy.py", False)])
    assert "--config-from-ref bare: bare has no ./auditor.toml; the built-in defaults apply" in capsys.readouterr().err


def test_an_unknown_ref_is_one_error_line(pull_request: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scan_code(pull_request, "--config-from-ref", "no-such-ref")[0] == 2
    err = capsys.readouterr().err
    assert err.startswith("auditor: error: --config-from-ref no-such-ref: not a commit in the repository at")
    assert len(err.strip().splitlines()) == 1


def test_outside_git_the_option_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="--config-from-ref main: .* is not in a git work tree"):
        load_config_from_ref("main")


def test_config_and_config_from_ref_are_exclusive(pull_request: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        scan_code(pull_request, "--config", "auditor.toml", "--config-from-ref", "main")
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_local_reads_its_configuration_from_a_ref(
    pull_request: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[default]\naws_access_key_id = {KEY}\n", encoding="utf-8")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    (pull_request / "auditor.toml").write_text('[rules]\ndisabled = ["LOCAL-001"]\n', encoding="utf-8")
    args = ["local", "--fail-on", "high", "--format", "json", "--output-dir", str(tmp_path / "local")]
    assert main(args) == 0  # the work tree's auditor.toml disables the rule
    assert main([*args, "--config-from-ref", "main"]) == 1  # main's does not: LOCAL-001 (high)


# ------------------------------------------------------------------- SECRET-001 suppressions name files


@pytest.mark.parametrize("resource", ["*", "**", "*.py", "src/*", "deploy.p?", "deploy.[p]y", None])
def test_a_secret_suppression_with_a_wildcard_resource_is_refused(tmp_path: Path, resource: str | None) -> None:
    path = tmp_path / "auditor.toml"
    line = "" if resource is None else f'resource = "{resource}"\n'
    path.write_text(f'[[suppressions]]\nrule = "SECRET-001"\n{line}reason = "x"\n', encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: suppressions.0: a SECRET-001 suppression names one file, without wildcards")
    assert "\n" not in message


def test_the_refusal_holds_on_the_command_line_and_from_a_ref(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wide = '[[suppressions]]\nrule = "SECRET-001"\nresource = "*"\nreason = "x"\n'
    (pull_request / "auditor.toml").write_text(wide, encoding="utf-8")
    assert scan_code(pull_request)[0] == 2
    assert "auditor.toml: suppressions.0: a SECRET-001 suppression names one file" in capsys.readouterr().err
    git(pull_request, "commit", "-q", "-am", "wide")
    assert scan_code(pull_request, "--config-from-ref", "HEAD")[0] == 2
    assert "HEAD:auditor.toml: suppressions.0: a SECRET-001 suppression" in capsys.readouterr().err


def test_every_rule_does_not_cover_a_key_in_source() -> None:
    everything = Suppression(rule="*", resource="*", reason="x")
    assert everything.matches("KEY-001", None, None, "deploy.py", {})
    assert not everything.matches("SECRET-001", None, None, "deploy.py", {})
    assert Suppression(rule="SECRET-001", resource="deploy.py", reason="x").matches(
        "SECRET-001", None, None, "deploy.py", {}
    )


def test_a_pull_request_suppressing_every_rule_still_fails(pull_request: Path) -> None:
    (pull_request / "auditor.toml").write_text('[[suppressions]]\nrule = "*"\nreason = "x"\n', encoding="utf-8")
    assert scan_code(pull_request) == (1, [("deploy.py", False)])
