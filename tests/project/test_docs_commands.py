"""Every ```sh block of README.md and docs/*.md runs as written, or says why it cannot (issue 21).

Each block is one of three kinds, and ``test_every_sh_block_is_run_or_says_why`` fails on a block that is none:

* **run here** (``RUN_HERE``): through bash, as written, against the demo organization built on a moto server
  (the reader's AWS: ``AWS_ENDPOINT_URL``, the management account's credentials), in a fresh HOME whose
  ``~/.aws`` has the profiles the README names, each block in a fresh git checkout. ``auditor`` is this
  interpreter's ``python -m auditor``; ``pip install -e .`` is a stand-in that installs nothing (the suite runs
  from the installed checkout, and pip would need the network). Ids that stand for the reader's own
  (``READERS_IDS``: an OU, an account to exclude) are replaced by the demo's. A command may end 0, or 3 when it
  says its coverage is incomplete (moto lacks some read APIs: ``aws-facts``); anything else fails.
* **run by another test** (``RUN_ELSEWHERE``): that test file exists and reads the document.
* **not run**: the block's first line is ``# Not run by the suite: <why>`` (a real organization, the network,
  minutes of benchmark, a change to the reader's machine).

docs/rules.md is not read here: it is the catalog generated from the rules (``python -m auditor.rules``), whose
blocks are fix templates with ``<placeholders>``; the demo's filled fixes are run with the real AWS CLI against
moto by tests/remediation/test_aws_commands.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import moto_demo_server
import pytest
from conftest import REPO
from moto_demo_server import build_demo

from auditor.demo.built import BuiltOrganization
from auditor.demo.sandbox import FAKE_CREDENTIAL, REGION

moto_endpoint = moto_demo_server.moto_endpoint  # the module fixture, under its name here

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
GENERATED = {"docs/rules.md"}  # the rule catalog (see the module docstring)
NOT_RUN = re.compile(r"# Not run by the suite: \S")

# (document, the block's first command line) -> what runs it
RUN_HERE = {
    ("README.md", "pip install -e ."),  # scanning real accounts
    ("README.md", "auditor local"),  # keys outside AWS
    ("README.md", "auditor readiness --demo --output-dir demo-plan"),
    ("docs/migration.md", "auditor readiness --demo --output-dir demo-plan"),
    ("docs/migration.md", "auditor collect --org --identity-center-region eu-west-1 -o inventory.json"),
    ("docs/migration.md", "jq -r"),
}
RUN_ELSEWHERE = {
    ("README.md", "auditor demo --output-dir demo-report"): "tests/project/test_readme_tour.py",
    ("README.md", "auditor demo --history history.db --output-dir night-1"): "tests/project/test_readme_history.py",
    ("docs/benchmarks.md", "python bench/rule_packs.py"): "tests/commands/test_hostile_packs.py",
    ("docs/history.md", "auditor history history.db"): "tests/history/test_history_command.py",
    ("docs/ci.md", "mkdir -p .auditor"): "tests/project/test_ci_recipes.py",
    ("docs/extending.md", "auditor rules --rules-dir team-rules"): "tests/project/test_extending_guide.py",
    ("docs/extending.md", 'PYTHONPATH="$AUDITOR_CHECKOUT/tests:team-rules"'): "tests/project/test_extending_guide.py",
    ("docs/extending.md", "pip install ./auditor-markdown"): "tests/project/test_extending_guide.py",
    ("docs/migration.md", "auditor readiness --demo --output-dir plan --start"): (
        "tests/project/test_migration_walkthrough.py"
    ),
    ("docs/migration.md", '( [ "$(aws sts get-caller-identity'): "tests/project/test_migration_walkthrough.py",
    ("docs/migration.md", "auditor sso-config --user alice@acme.example"): "tests/readiness/test_sso_config.py",
    ("docs/migration.md", "auditor sso-config --demo"): "tests/readiness/test_sso_config.py",
    ("docs/release.md", "python -m pip install build twine"): "tests/project/test_release.py",
    ("docs/release.md", "docker build"): "tests/project/test_container.py",
}
# What a block's text assumes was done before it, run first in its checkout (said in the text around it).
BEFORE = {
    ("docs/migration.md", "jq -r"): "auditor scan --org",  # "... auditor-report/findings.json" of a scan
}


@dataclass(frozen=True)
class Block:
    document: str  # relative to the repository
    line: int  # of the opening fence
    text: str

    @property
    def first_comment(self) -> str:
        return self.text.lstrip().splitlines()[0]

    @property
    def commands(self) -> list[str]:
        """The block's commands: comment lines dropped, a trailing comment kept (bash ignores it), lines ending
        in a backslash joined to the next."""
        commands: list[str] = []
        pending = ""
        for raw in self.text.splitlines():
            line = raw.strip()
            if not line or (line.startswith("#") and not pending):
                continue
            pending += line
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            commands.append(pending)
            pending = ""
        return commands

    def key(self, known: set[tuple[str, str]]) -> tuple[str, str] | None:
        """The entry of ``RUN_HERE`` / ``RUN_ELSEWHERE`` whose first-line prefix this block's first command has
        (the longest, so ``--output-dir plan --start`` is told from ``--output-dir demo-plan``)."""
        first = self.commands[0] if self.commands else ""
        found = [k for k in known if k[0] == self.document and first.startswith(k[1])]
        return max(found, key=lambda k: len(k[1])) if found else None


def sh_blocks() -> list[Block]:
    blocks = []
    for path in DOCS:
        document = path.relative_to(REPO).as_posix()
        if document in GENERATED:
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^[ \t]*```sh\n(.*?)^[ \t]*```", text, flags=re.DOTALL | re.MULTILINE):
            blocks.append(Block(document, text[: match.start()].count("\n") + 1, match.group(1)))
    return blocks


KNOWN = RUN_HERE | set(RUN_ELSEWHERE)


def test_every_sh_block_is_run_or_says_why() -> None:
    blocks = sh_blocks()
    assert len(blocks) >= 25  # the pattern keeps finding them
    unaccounted = []
    used: set[tuple[str, str]] = set()
    for block in blocks:
        key = block.key(KNOWN)
        marked = NOT_RUN.match(block.first_comment) is not None
        if key is not None:
            assert not marked, f"{block.document}:{block.line} is run, yet says it is not"
            used.add(key)
        elif not marked:
            unaccounted.append(f"{block.document}:{block.line}: {block.text.splitlines()[0]}")
    assert unaccounted == [], "blocks neither run nor saying why (# Not run by the suite: ...)"
    assert used == KNOWN, f"entries that match no block any more: {KNOWN - used}"
    for (document, _), test in RUN_ELSEWHERE.items():
        assert Path(document).name in (REPO / test).read_text(encoding="utf-8"), (test, document)


# ------------------------------------------------------------------------------------------- run here


def readers_ids(built: BuiltOrganization) -> dict[str, str]:
    """Ids that stand for the reader's own, and the demo's in their place."""
    return {
        "ou-abcd-12345678": built.ou_ids["/Root/Workloads"],
        "111122223333": built.account_ids["acme-development"],  # in that OU: excluding it means something
    }


def home_with_profiles(home: Path, built: BuiltOrganization) -> None:
    """The README's ``--profile acme-prod --profile acme-dev``: each a role in its account, from base keys."""
    aws = home / ".aws"
    aws.mkdir(parents=True)
    profiles = {"acme-prod": "acme-production", "acme-dev": "acme-development"}
    config = [f"[profile acme-base]\nregion = {REGION}\n"]
    for profile, account in profiles.items():
        arn = f"arn:aws:iam::{built.account_ids[account]}:role/OrganizationAccountAccessRole"
        config.append(f"[profile {profile}]\nrole_arn = {arn}\nsource_profile = acme-base\nregion = {REGION}\n")
    (aws / "config").write_text("\n".join(config), encoding="utf-8")
    credentials = f"[acme-base]\naws_access_key_id = {FAKE_CREDENTIAL}\naws_secret_access_key = {FAKE_CREDENTIAL}\n"
    (aws / "credentials").write_text(credentials, encoding="utf-8")


def checkout(path: Path) -> Path:
    """A git repository with one commit and an ``origin/main`` ref (``scan-code . --since origin/main``)."""
    path.mkdir()
    (path / "app.py").write_text("print('hello')\n", encoding="utf-8")
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "app.py"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first"],
        ["git", "update-ref", "refs/remotes/origin/main", "HEAD"],
    ):
        subprocess.run(argv, cwd=path, check=True, capture_output=True)
    return path


PRELUDE = """\
auditor() { "$PYTHON" -m auditor "$@"; }
pip() {  # stand-in: the auditor is installed already, and pip would need the network
  if [ "$*" = "install -e ." ]; then echo "pip (stand-in): already installed"; return 0; fi
  echo "pip (stand-in): unexpected: pip $*" >&2; return 2
}
"""


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", PRELUDE + command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow  # builds the demo on a moto server, then runs each command of six blocks in a subprocess
def test_the_blocks_run_as_written(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    built = build_demo(moto_endpoint, monkeypatch)
    home = tmp_path / "home"
    home_with_profiles(home, built)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PYTHON": sys.executable,
        "PYTHONPATH": str(REPO),
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,  # the management account's
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
    }
    ids = readers_ids(built)
    blocks = [b for b in sh_blocks() if b.key(KNOWN) in RUN_HERE]
    assert {b.key(KNOWN) for b in blocks} == RUN_HERE
    failures = []
    outputs: dict[str, str] = {}
    scanned: dict[str, set[str]] = {}  # command -> the accounts its findings.json says it scanned
    for n, block in enumerate(blocks):
        where = checkout(tmp_path / f"block{n}")
        key = block.key(KNOWN)
        for command in ([BEFORE[key]] if key in BEFORE else []) + block.commands:
            for reader, demo in ids.items():
                command = command.replace(reader, demo)
            report = where / "auditor-report" / "findings.json"
            if command.startswith("auditor "):
                report.unlink(missing_ok=True)  # so what is read after it is this command's
            done = run(command, where, env)
            outputs[command] = done.stdout
            if report.is_file():
                scope = json.loads(report.read_text(encoding="utf-8"))["scope"]["accounts_scanned"]
                scanned[command.split("#")[0].strip()] = {a["account_id"] for a in scope}
            incomplete = done.returncode == 3 and "coverage gap(s)" in done.stderr
            if done.returncode != 0 and not incomplete:
                failures.append(f"{block.document}:{block.line}: {command} -> {done.returncode}\n{done.stderr[-800:]}")
    assert failures == [], "\n\n".join(failures)

    # and they do what the text around them says
    ids = dict(built.account_ids)
    assert scanned["auditor scan"] == {built.management_account_id}  # the account of the current credentials
    assert scanned["auditor scan --profile acme-prod --profile acme-dev"] == {
        ids["acme-production"],
        ids["acme-development"],
    }
    assert scanned["auditor scan --org --role-name OrganizationAccountAccessRole"] == set(ids.values())
    [scoped] = [accounts for command, accounts in scanned.items() if "--ou" in command]
    assert scoped == {ids["acme-production"]}  # the OU's accounts less the one excluded
    assert scanned["auditor scan --org --local"] == set(ids.values())
    sso = next(out for command, out in outputs.items() if "sso-config --org --group Developers" in command)
    assert f"sso_account_id = {built.account_ids['acme-development']}" in sso  # the group's account
    administrators = next(out for command, out in outputs.items() if command.startswith("jq -r"))
    rows = [line.split("\t") for line in administrators.splitlines()]
    assert rows and all(len(row) == 4 for row in rows), administrators  # user, account, permission set, via
