"""Where rules come from: built-ins, rule packs installed as separate distributions, and --rules-dir.

The "installed" packs are real distributions as importlib.metadata sees them (tests/distributions.py).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from distributions import install_distribution
from factories import DEV, days_ago, make_account, make_inventory, make_key, make_user

from auditor.engine.config import Config
from auditor.engine.evaluate import evaluate
from auditor.registry import ENTRY_POINT_GROUP, load_rules
from auditor.rules import BUILTIN_PACK

PACK_RULE = """
from auditor.rule import Hit, rule


@rule(
    id="{rule_id}",
    title="Pack rule: user named {user}",
    severity="low",
    area="pack",
    rationale="A team convention.",
    remediation="Rename the user.",
)
def named_user(inventory, context):
    for account in inventory.accounts:
        for user in account.users or []:
            if user.user_name == "{user}":
                yield Hit(
                    account_id=account.account_id,
                    resource_type="AWS::IAM::User",
                    resource_id=user.arn,
                    message=f"User {{user.user_name}} found.",
                )

RULES = [named_user]
"""


def install_pack(
    site: Path, monkeypatch: pytest.MonkeyPatch, name: str, module_source: str, target: str = "RULES"
) -> None:
    install_distribution(site, monkeypatch, name, module_source, ENTRY_POINT_GROUP, target)


def _inventory():
    users = [make_user("legacy-bob", DEV, keys=[make_key(1, created=days_ago(10))])]
    return make_inventory(accounts=[make_account(DEV, "dev", users=users)])


def test_builtin_rules_only():
    ruleset = load_rules([BUILTIN_PACK], use_entry_points=False)
    assert [r.id for r in ruleset.rules] == sorted(r.id for r in BUILTIN_PACK.rules)
    assert ruleset.manual_checks == list(BUILTIN_PACK.manual_checks)
    assert set(ruleset.origin.values()) == {"builtin"}
    assert ruleset.problems == []


def test_installed_pack_is_discovered_and_its_findings_sit_next_to_builtin_ones(tmp_path, monkeypatch):
    install_pack(tmp_path / "site", monkeypatch, "acmepack", PACK_RULE.format(rule_id="ACME-001", user="legacy-bob"))
    ruleset = load_rules([BUILTIN_PACK])
    assert ruleset.problems == []
    assert ruleset.origin["ACME-001"] == "rule pack 'acmepack' (acmepack:RULES)"
    evaluation = evaluate(_inventory(), ruleset, Config())
    ids = {f.rule_id for f in evaluation.findings}
    assert {"ACME-001", "KEY-001"} <= ids
    [pack_finding] = [f for f in evaluation.findings if f.rule_id == "ACME-001"]
    assert pack_finding.message == "User legacy-bob found."
    assert pack_finding.resource_id == f"arn:aws:iam::{DEV}:user/legacy-bob"


def test_broken_pack_is_a_problem_and_builtin_rules_still_run(tmp_path, monkeypatch):
    install_pack(tmp_path / "site", monkeypatch, "brokenpack", "raise RuntimeError('pack bug')\n")
    ruleset = load_rules([BUILTIN_PACK])
    assert any(
        p.startswith("rule pack 'brokenpack' (brokenpack:RULES) failed to load: RuntimeError: pack bug")
        for p in ruleset.problems
    )
    evaluation = evaluate(_inventory(), ruleset, Config())
    assert "KEY-001" in {f.rule_id for f in evaluation.findings}
    assert any("brokenpack" in e.message and e.error_code == "RulePackError" for e in evaluation.errors)


def test_pack_exporting_something_else_than_rules_is_a_problem(tmp_path, monkeypatch):
    install_pack(tmp_path / "site", monkeypatch, "oddpack", "RULES = ['not a rule']\n")
    ruleset = load_rules([BUILTIN_PACK])
    assert any("oddpack" in p and "expected rules, got str" in p for p in ruleset.problems)
    assert ruleset.get("KEY-001") is not None


def test_duplicate_ids_are_refused(tmp_path, monkeypatch):
    install_pack(tmp_path / "site", monkeypatch, "clashpack", PACK_RULE.format(rule_id="KEY-001", user="x"))
    ruleset = load_rules([BUILTIN_PACK])
    assert ruleset.origin["KEY-001"] == "builtin"
    assert ruleset.get("KEY-001").title == "Active long-lived access key"
    assert [r.id for r in ruleset.rules].count("KEY-001") == 1
    assert any(
        p.startswith("rule KEY-001 from rule pack 'clashpack'") and "already defined by builtin" in p
        for p in ruleset.problems
    )


def test_rules_dir_loads_python_files(tmp_path):
    rules_dir = tmp_path / "team-rules"
    rules_dir.mkdir()
    (rules_dir / "naming.py").write_text(PACK_RULE.format(rule_id="TEAM-001", user="legacy-bob"), encoding="utf-8")
    (rules_dir / "_helpers.py").write_text(
        "raise RuntimeError('private modules are not rule files')\n", encoding="utf-8"
    )
    ruleset = load_rules([BUILTIN_PACK], [rules_dir], use_entry_points=False)
    assert ruleset.problems == []
    assert ruleset.origin["TEAM-001"] == str(rules_dir / "naming.py")
    evaluation = evaluate(_inventory(), ruleset, Config())
    assert "TEAM-001" in {f.rule_id for f in evaluation.findings}


def test_rules_dir_file_that_fails_and_duplicates_between_files(tmp_path):
    rules_dir = tmp_path / "team-rules"
    rules_dir.mkdir()
    (rules_dir / "a.py").write_text(PACK_RULE.format(rule_id="TEAM-001", user="a"), encoding="utf-8")
    (rules_dir / "b.py").write_text(PACK_RULE.format(rule_id="TEAM-001", user="b"), encoding="utf-8")
    (rules_dir / "c.py").write_text(textwrap.dedent("import does_not_exist_anywhere\n"), encoding="utf-8")
    ruleset = load_rules([BUILTIN_PACK], [rules_dir], use_entry_points=False)
    assert ruleset.origin["TEAM-001"] == str(rules_dir / "a.py")
    assert any(p.startswith(f"rule TEAM-001 from {rules_dir / 'b.py'} ignored") for p in ruleset.problems)
    assert any(
        p.startswith(f"rules file {rules_dir / 'c.py'} failed to load: ModuleNotFoundError") for p in ruleset.problems
    )
    assert ruleset.get("ROOT-001") is not None


def test_rules_dir_must_exist(tmp_path):
    from auditor.errors import InputError

    with pytest.raises(InputError, match="not a directory"):
        load_rules([BUILTIN_PACK], [tmp_path / "missing"], use_entry_points=False)
