"""docs/extending.md runs as written: its rule fires on the demo, its rule tests pass, its report format installs
and writes what the page says.

Each file the guide shows follows a ``<!-- extending: PATH -->`` marker and is written to ``PATH`` under a
temporary directory; each ``sh`` block follows a ``<!-- extending: NAME -->`` marker and runs there with bash,
line by line as written. ``auditor``, ``python`` and ``pip`` on its PATH are this interpreter's (small shims).
Two things differ from a reader's machine, both by configuration rather than by editing the commands:

* ``$AUDITOR_CHECKOUT`` is this checkout (the guide asks the reader to have one for ``tests/factories.py``);
* ``pip install ./auditor-markdown`` is configured through pip's environment variables to install into a
  directory of the test (``PIP_TARGET``), offline (``PIP_NO_INDEX``, no build isolation: setuptools is taken
  from this environment, as tests/project/test_packaging.py does) and without dependencies (the auditor is
  already importable). Installing into this interpreter's own site-packages would add the format to every
  other test's ``--format`` list. That directory is on ``PYTHONPATH`` for the commands after it, so the
  auditor finds the package's entry point exactly as it would in site-packages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

GUIDE = REPO / "docs" / "extending.md"
BLOCK = re.compile(r"<!-- extending: (\S+) -->\n```(\w+)\n(.*?)```", flags=re.DOTALL)

FILES = {
    "team-rules/owner_tag.py",
    "team-rules-tests/test_owner_tag.py",
    "auditor-markdown/pyproject.toml",
    "auditor-markdown/auditor_markdown.py",
}
CONFIG = "auditor.toml"  # written only by the test of what it does: the other runs use the defaults
EXAMPLE = "dave-finding"  # a finding of the demo run, in part
COMMANDS = {"run-rule", "test-rule", "run-reporter"}

# The demo's IAM users without an owner or email tag (auditor/demo/story.py), by account name
UNOWNED = {
    ("acme-management", "break-glass"),
    ("acme-legacy", "alice"),
    ("acme-legacy", "dave"),
    ("acme-legacy", "ci-deployer"),
}


def blocks() -> dict[str, tuple[str, str]]:
    """``{marker name: (fence language, body)}`` for every marked block of the guide."""
    return {name: (language, body) for name, language, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8"))}


def test_the_guide_marks_every_block_it_runs() -> None:
    """The pattern must keep finding the blocks: a changed fence or marker would make the tests run nothing."""
    found = blocks()
    assert set(found) == FILES | COMMANDS | {CONFIG, EXAMPLE}
    assert {name: found[name][0] for name in COMMANDS} == dict.fromkeys(COMMANDS, "sh")
    assert found["auditor-markdown/pyproject.toml"][0] == found[CONFIG][0] == "toml"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The guide's files written where it says, and shims putting this interpreter behind its commands."""
    for name, (_, body) in blocks().items():
        if name in FILES:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(body, encoding="utf-8")
    shims = tmp_path / ".bin"
    shims.mkdir()
    for command, target in {"auditor": "-m auditor", "python": "", "pip": "-m pip"}.items():
        shim = shims / command
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {target} "$@"\n', encoding="utf-8")
        shim.chmod(0o755)
    return tmp_path


def run_block(workspace: Path, name: str, **env: str) -> list[subprocess.CompletedProcess[str]]:
    """Each line of sh block ``name``, run by bash in ``workspace``; every line must exit 0."""
    environment = {
        **os.environ,
        "PATH": f"{workspace / '.bin'}{os.pathsep}{os.environ['PATH']}",
        "AUDITOR_CHECKOUT": str(REPO),
        **env,
    }
    finished = []
    for line in blocks()[name][1].strip().splitlines():
        done = subprocess.run(
            ["bash", "-c", line], cwd=workspace, env=environment, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        finished.append(done)
    return finished


def team_findings(report_dir: Path) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    """findings.json, and TEAM-001's findings in it as ``(account name, user name)``."""
    document = json.loads((report_dir / "findings.json").read_text(encoding="utf-8"))
    team = [f for f in document["findings"] if f["rule_id"] == "TEAM-001"]
    return document, {(f["account_name"], f["evidence"]["user_name"]) for f in team}


@pytest.mark.slow  # two CLI runs in subprocesses, one of them building the demo organization
def test_the_rule_fires_on_the_demo_as_the_guide_says(workspace: Path) -> None:
    listing, demo = run_block(workspace, "run-rule")

    [catalog_line] = [line for line in listing.stdout.splitlines() if line.startswith("TEAM-001")]
    assert catalog_line.split()[:3] == ["TEAM-001", "low", "team"]
    document, found = team_findings(workspace / "demo-report")
    assert found == UNOWNED  # admin, bob and carol carry an email tag
    [dave] = [f for f in document["findings"] if f["rule_id"] == "TEAM-001" and f["display_name"] == "dave"]
    shown = json.loads(blocks()[EXAMPLE][1])  # the guide's excerpt of this very finding
    assert {key: dave[key] for key in shown if key != "evidence"} == {k: v for k, v in shown.items() if k != "evidence"}
    assert {key: dave["evidence"][key] for key in shown["evidence"]} == shown["evidence"]
    assert dave["resource_id"] == f"arn:aws:iam::{dave['account_id']}:user/dave"
    [status] = [r for r in document["rules"] if r["id"] == "TEAM-001"]
    assert status["status"] == "evaluated"
    assert "TEAM-001" not in demo.stderr  # loaded without a problem line


@pytest.mark.slow  # two CLI runs in subprocesses
def test_the_guides_auditor_toml_does_what_it_says_to_the_rule(workspace: Path) -> None:
    """Found in the working directory, as the guide runs it: TEAM-001 raised to medium, break-glass suppressed."""
    (workspace / CONFIG).write_text(blocks()[CONFIG][1], encoding="utf-8")

    run_block(workspace, "run-rule")

    document, found = team_findings(workspace / "demo-report")
    assert found == UNOWNED
    team = [f for f in document["findings"] if f["rule_id"] == "TEAM-001"]
    assert {f["severity"] for f in team} == {"medium"}
    assert {f["display_name"] for f in team if f["suppressed"]} == {"break-glass"}
    [suppressed] = [f for f in team if f["suppressed"]]
    assert suppressed["suppression"]["owner"] == "security-team"


@pytest.mark.slow  # pytest in a subprocess
def test_the_rules_tests_pass_as_the_guide_runs_them(workspace: Path) -> None:
    [tests] = run_block(workspace, "test-rule")

    assert re.search(r"\b3 passed\b", tests.stdout), tests.stdout


@pytest.mark.slow  # pip builds and installs the package, then two CLI runs in subprocesses
def test_the_report_format_installs_and_writes_findings_md(workspace: Path) -> None:
    site = workspace / ".site"
    offline_into_site = {
        "PIP_TARGET": str(site),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of "no build isolation"
        "PIP_NO_DEPS": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONPATH": str(site),
    }
    install, demo, head = run_block(workspace, "run-reporter", **offline_into_site)

    [entry_points] = site.glob("auditor_markdown-*.dist-info/entry_points.txt")
    assert "[auditor.reporters]\nmarkdown = auditor_markdown:MarkdownReporter" in entry_points.read_text()
    report = (workspace / "demo-report" / "findings.md").read_text(encoding="utf-8").splitlines()
    document, _ = team_findings(workspace / "demo-report")
    active = document["summary"]["active"]
    assert report[:7] == [
        "# Identity findings",
        "",
        f"{active} active finding(s), 0 suppressed; {len(document['errors'])} coverage gap(s).",
        "",
        "| severity | rule | account | resource | finding |",
        "|---|---|---|---|---|",
        report[6],
    ]
    rows = [line for line in report if line.startswith("| ") and not line.startswith("| severity")]
    assert len(rows) == active
    assert rows[0].startswith("| critical | ")  # worst first
    assert "| low | TEAM-001 | acme-legacy | dave | IAM user dave has no owner or email tag. |" in rows
    assert head.stdout.splitlines() == report[:8]

    help_text = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--help"],
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "markdown (findings.md)" in " ".join(help_text.split())
