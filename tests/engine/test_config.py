"""auditor.toml: loading, discovery in the working directory, and one clear error naming file and key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factories import builtin_rules

from auditor.engine.config import load_config
from auditor.errors import InputError
from auditor.findings import Severity

FULL = """
production_patterns = ["name:*live*", "ou:*/Prod*", "tag:Environment=prod*"]

[thresholds]
unused_days = 30
max_key_age_days = 60
root_usage_days = 120
privileged_session_max = "PT4H"
role_session_max = "PT2H"

[rules]
disabled = ["IDC-004"]
severity = { "USER-004" = "medium" }

[[suppressions]]
rule = "KEY-001"
resource = "arn:aws:iam::*:user/ci/legacy-deployer"
reason = "Migrating to OIDC in Q1 (TICKET-123)"
owner = "platform-team"
expires = 2027-03-31
"""


def write(directory: Path, text: str, name: str = "auditor.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    config = load_config(cwd=tmp_path)
    assert config.source is None
    assert config.thresholds.unused_days == 45
    assert config.thresholds.max_key_age_days == 90
    assert config.thresholds.root_usage_days == 90
    assert config.thresholds.privileged_session_max_seconds == 8 * 3600
    assert config.thresholds.role_session_max_seconds == 4 * 3600
    assert config.suppressions == []


def test_full_file(tmp_path):
    path = write(tmp_path, FULL)
    config = load_config(path)
    assert config.source == path
    assert config.thresholds.unused_days == 30
    assert config.thresholds.privileged_session_max_seconds == 4 * 3600
    assert config.thresholds.role_session_max_seconds == 2 * 3600
    assert config.production_patterns == ["name:*live*", "ou:*/Prod*", "tag:Environment=prod*"]
    assert config.rules.disabled == ["IDC-004"]
    assert config.rules.severity == {"USER-004": Severity.MEDIUM}
    [suppression] = config.suppressions
    assert suppression.expires == date(2027, 3, 31)
    assert suppression.owner == "platform-team"
    config.check_rule_ids(builtin_rules().ids)  # every id in it is known


def test_auditor_toml_in_working_directory_is_picked_up(tmp_path, monkeypatch):
    write(tmp_path, "[thresholds]\nunused_days = 10\n")
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.thresholds.unused_days == 10
    assert config.source is not None and config.source.name == "auditor.toml"


def test_explicit_path_wins_over_working_directory(tmp_path, monkeypatch):
    write(tmp_path, "[thresholds]\nunused_days = 10\n")
    other = write(tmp_path, "[thresholds]\nunused_days = 20\n", name="ci.toml")
    monkeypatch.chdir(tmp_path)
    assert load_config(other).thresholds.unused_days == 20


def test_missing_explicit_file(tmp_path):
    with pytest.raises(InputError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("thresholdz = {}\n", "thresholdz: unknown key"),
        ("[thresholds]\nunused_dayz = 3\n", "thresholds.unused_dayz: unknown key"),
        ("[rules]\nenabled = []\n", "rules.enabled: unknown key"),
        (
            '[[suppressions]]\nrule = "KEY-001"\nreason = "x"\nresourse = "arn:*"\n',
            "suppressions.0.resourse: unknown key",
        ),
    ],
)
def test_unknown_keys_name_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    assert str(excinfo.value).startswith(f"{path}: ")
    assert key in str(excinfo.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[[suppressions]]\nrule = "KEY-001"\nreason = "x"\nexpires = "2027-02-30"\n', "suppressions.0.expires"),
        ('[[suppressions]]\nrule = "KEY-001"\nreason = "x"\nexpires = "next spring"\n', "suppressions.0.expires"),
        # not even TOML: tomllib only gives a line number, the loader adds the key
        ('[[suppressions]]\nrule = "KEY-001"\nreason = "x"\nexpires = 2027-13-01\n', "suppressions.expires"),
    ],
)
def test_bad_dates_name_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    assert str(excinfo.value).startswith(f"{path}: {key}")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[thresholds]\nprivileged_session_max = "8 hours"\n', "thresholds.privileged_session_max"),
        ("[thresholds]\nunused_days = 0\n", "thresholds.unused_days"),
        ('[rules]\nseverity = { "USER-004" = "urgent" }\n', "rules.severity.USER-004"),
        ('[[suppressions]]\nrule = "KEY-001"\nreason = "x"\ntag = "team"\n', "suppressions.0.tag"),
        ('[[suppressions]]\nrule = "KEY-001"\n', "suppressions.0.reason"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    assert str(excinfo.value).startswith(f"{path}: {key}")


def test_not_toml(tmp_path):
    path = write(tmp_path, "[thresholds\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[rules]\ndisabled = ["KEY-999"]\n', "rules.disabled: unknown rule id 'KEY-999'"),
        (  # a near miss: the closest ids are suggested (difflib)
            '[rules]\nseverity = { "KEY-01" = "low" }\n',
            "rules.severity: unknown rule id 'KEY-01' (did you mean 'KEY-001' or 'KEY-005' or 'KEY-004'?)",
        ),
        (
            '[[suppressions]]\nrule = "*"\nreason = "x"\n[[suppressions]]\nrule = "ROOT-9"\nreason = "y"\n',
            "suppressions[1].rule: unknown rule id 'ROOT-9' (did you mean 'ROOT-004' or 'ROOT-003' or 'ROOT-002'?)",
        ),
    ],
)
def test_unknown_rule_ids_name_file_and_key(tmp_path, text, where):
    path = write(tmp_path, text)
    config = load_config(path)
    with pytest.raises(InputError) as excinfo:
        config.check_rule_ids(builtin_rules().ids)
    assert str(excinfo.value) == f"{path}: {where}"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("nmae:*prod*", "unknown kind 'nmae' (use name:, ou: or tag:)"),
        ("tag:Environment", "must be of the form Key=ValueGlob"),
        ("tag:=prod", "must be of the form Key=ValueGlob"),
    ],
)
def test_a_mistyped_production_pattern_stops_the_run(tmp_path, pattern, message):
    """A typo would otherwise match nothing, and IDC-005 would quietly stop seeing production."""
    path = tmp_path / "auditor.toml"
    path.write_text(f'production_patterns = ["name:*live*", "{pattern}"]\n', encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_config(path)
    assert str(excinfo.value).startswith(f"{path}: production_patterns: ")
    assert message in str(excinfo.value)
