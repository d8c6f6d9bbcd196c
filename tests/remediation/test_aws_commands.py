"""Every AWS CLI command the product prints is written once, in ``auditor.remediation.aws_commands``, and works.

* No other module of the product (``auditor/``, ``rules/``, ``reports/`` and its templates) holds AWS CLI text,
  and ``aws_commands.py`` writes each operation once: correcting a command is one change.
* Every command the demo prints (each finding's fix, each rule's template, each step of the migration plan) is
  one the real AWS CLI accepts: its own parser and botocore's parameter validation say so (``aws_cli.py``).
* Each finding's fix block, run in order against a moto server holding the demo organization, meets no error
  but the operations moto does not implement, named below; the lines left out are those holding a value the
  reader chooses (``<group-id>``), named below too. The organization is built afresh for every block.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import moto_demo_server
import pytest
from aws_cli import AwsCli, parse, placeholders
from conftest import REPO
from factories import builtin_rules
from moto_demo_server import build_demo, environment

from auditor.demo.scan import demo_inventory
from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FindingsDocument
from auditor.readiness.assess import assess_readiness
from auditor.readiness.plan import MigrationPlan, build_plan

COMMANDS = REPO / "auditor" / "remediation" / "aws_commands.py"
AWS_TEXT = re.compile(r"\baws\s+([a-z0-9-]+)\s+([a-z0-9-]+)")


def aws_cli_words() -> set[str]:
    """What may follow ``aws``: every service botocore knows, and the CLI's own ``configure`` and ``sso``."""
    return set(botocore.session.get_session().get_available_services()) | {"configure", "sso"}


def aws_text(source: str, words: set[str]) -> list[str]:
    """AWS CLI command text in the string constants of a Python source (f-string parts included)."""
    return [
        match.group(0)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for match in AWS_TEXT.finditer(node.value)
        if match.group(1) in words
    ]


def product_files() -> list[Path]:
    return sorted([*(REPO / "auditor").rglob("*.py"), *(REPO / "rules").glob("*.py"), *(REPO / "reports").glob("*.py")])


def written_operations() -> list[tuple[str, str]]:
    """``(service, operation)`` of every ``aws(...)`` call in ``aws_commands.py``."""
    return [
        (node.args[0].value, node.args[1].value)
        for node in ast.walk(ast.parse(COMMANDS.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "aws"
        and len(node.args) >= 2
        and all(isinstance(arg, ast.Constant) for arg in node.args[:2])
    ]


def test_no_module_but_aws_commands_writes_aws_cli_text() -> None:
    words = aws_cli_words()
    assert aws_text("x = f'run {a}: aws iam delete-user --user-name {b}'", words)  # the check sees text where it is
    found = {
        str(path.relative_to(REPO)): text
        for path in product_files()
        if path != COMMANDS and (text := aws_text(path.read_text(encoding="utf-8"), words))
    }
    templates = {
        str(path.relative_to(REPO)): [m.group(0) for m in AWS_TEXT.finditer(path.read_text()) if m.group(1) in words]
        for path in (REPO / "reports" / "templates").iterdir()
    }
    assert len(product_files()) > 60
    assert found == {}
    assert {path: text for path, text in templates.items() if text} == {}


def test_each_operation_is_written_once() -> None:
    operations = written_operations()
    assert len(operations) > 35
    assert sorted(op for op in set(operations) if operations.count(op) > 1) == []
    # and nothing in aws_commands.py writes command text without aws(): the one place it is assembled
    assert aws_text(COMMANDS.read_text(encoding="utf-8"), aws_cli_words()) == []


# ------------------------------------------------------------------------------------------- the demo's commands


@pytest.fixture(scope="module")
def demo() -> tuple[FindingsDocument, MigrationPlan]:
    inventory = demo_inventory()
    plan = build_plan(inventory, assess_readiness(inventory, Config()))
    return findings_for(inventory, builtin_rules(), Config()), plan


def printed_lines(document: FindingsDocument, plan: MigrationPlan) -> list[str]:
    """Every CLI line the demo prints: findings' fixes, the rules' templates, the plan's steps."""
    lines = [line for f in document.findings if f.fix is not None for line in f.fix.cli]
    lines += [line for r in document.rules if r.fix is not None for line in r.fix.cli]
    lines += [line for step in plan.steps for line in (step.command or "").splitlines()]
    return list(dict.fromkeys(lines))


@pytest.fixture(scope="module")
def aws_cli() -> Iterator[AwsCli]:
    cli = AwsCli()
    try:
        yield cli
    finally:
        cli.close()


@pytest.mark.slow
def test_every_command_the_demo_prints_is_one_the_aws_cli_accepts(
    demo: tuple[FindingsDocument, MigrationPlan], aws_cli: AwsCli
) -> None:
    document, plan = demo
    lines = printed_lines(document, plan)
    assert len(lines) > 60
    refused: list[tuple[str, str]] = []
    printed: set[tuple[str, str]] = set()
    for line in lines:
        answer = aws_cli.check(line)
        if not answer["aws"]:
            # the plan's one command of this tool's own, and git's (a CodeCommit clone moved to Identity Center)
            assert line.startswith(("auditor sso-config ", "git remote set-url origin codecommit::")), line
            continue
        for command in answer["commands"]:
            printed.add((command["argv"][0], command["argv"][1]))
            if not command["ok"]:
                refused.append((line, command["error"]))
    assert refused == []
    assert printed <= set(written_operations())
    assert {("iam", "delete-user"), ("sso-admin", "create-account-assignment"), ("sso", "login")} <= printed


# ------------------------------------------------------------------------------------------- run in order


moto_endpoint = moto_demo_server.moto_endpoint  # the module fixture, under its name here

NOT_IMPLEMENTED_BY_MOTO = {
    "AssumeRoot",  # sts (centralized root access)
    "LookupEvents",  # cloudtrail
    "EnableOrganizationsRootCredentialsManagement",  # iam
    "EnableOrganizationsRootSessions",  # iam
    "ListServiceSpecificCredentials",  # iam: so its loop's deletes never run
}
# moto's list of trusted-access service principals lacks IAM's, which AWS documents for centralized root access
# (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-iam.html)
REFUSED_BY_MOTO_ONLY = {("EnableAWSServiceAccess", "You specified an unrecognized service principal.")}
# Lines run with the root session assume-root returns, which moto cannot issue (it does not implement AssumeRoot)
NEED_A_ROOT_SESSION = {("ROOT-001", "list-access-keys"), ("ROOT-002", "delete-login-profile")}
LEFT_FOR_THE_READER = {  # (rule, operation) of lines holding a value the reader chooses
    ("IDC-002", "create-account-assignment"),  # which group, which permission set
    ("IDC-006", "create-account-assignment"),  # which group
    ("IDC-007", "register-delegated-administrator"),  # which member account
    ("USER-004", "add-user-to-group"),  # which group
}


@pytest.mark.slow
def test_each_fix_block_of_the_demo_runs_in_order_against_moto(
    demo: tuple[FindingsDocument, MigrationPlan],
    aws_cli: AwsCli,
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document, _ = demo
    blocks = [f for f in document.findings if f.fix is not None and f.fix.cli]
    assert len(blocks) >= 35
    failed: list[tuple[str, str, str, str]] = []
    not_implemented: set[str] = set()
    refused_by_moto: set[tuple[str, str]] = set()
    left_out: set[tuple[str, str]] = set()
    root_session: set[tuple[str, str]] = set()
    ran = 0
    for finding in blocks:
        built = build_demo(moto_endpoint, monkeypatch)
        in_root_session = False
        for line in finding.fix.cli:  # type: ignore[union-attr]
            _, listing, command = parse(line)
            first = listing or command
            assert first is not None, line
            if placeholders(line):
                left_out.add((finding.rule_id, first.argv[1]))
                continue
            if in_root_session:
                root_session.add((finding.rule_id, first.argv[1]))
                continue
            answer = aws_cli.run(line, environment(built, moto_endpoint, finding.account_id, line))
            for result in answer["commands"]:
                stderr = result.get("stderr", "")
                if result.get("skipped") or result["rc"] == 0:
                    ran += result["rc"] == 0
                elif "500 Internal Server Error" in stderr or "(500)" in stderr:
                    # moto's server answers an operation it lacks with HTTP 500 (its log says NotImplementedError)
                    not_implemented.add(result["operation"])
                    in_root_session = result["operation"] == "AssumeRoot"
                elif (refusal := stderr.rpartition(": ")[2]) and (result["operation"], refusal) in REFUSED_BY_MOTO_ONLY:
                    refused_by_moto.add((result["operation"], refusal))
                else:
                    failed.append((finding.rule_id, finding.resource_id, line, stderr[:300]))
    assert failed == []
    assert not_implemented == NOT_IMPLEMENTED_BY_MOTO
    assert refused_by_moto == REFUSED_BY_MOTO_ONLY
    assert root_session == NEED_A_ROOT_SESSION
    assert left_out == LEFT_FOR_THE_READER
    assert ran > 80
