"""docs/ci.md's job-summary step under GitHub Actions' own environment: ``GITHUB_ACTIONS=true`` and
``GITHUB_STEP_SUMMARY`` naming a file, as the runner sets them. The scan step writes its verdict to that file
(``commands/github.py``) and the next step appends the history line; the line must be its own paragraph after
the verdict's markdown, read "IAM users 1 → 2, active access keys 1 → 2" and count the days.

Two nights are two ``scan --from-inventory`` runs of saved inventories collected a day apart (yesterday and
now: the step selects the last seven days by the real clock, ``date -u -d '7 days ago'``), the second with one
more IAM user holding one more active key. The step's ``run`` text is taken from docs/ci.md and run by bash as
written, with ``auditor`` standing for ``python -m auditor``; no network, no AWS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from factories import DEV, make_inventory, make_key, make_user, read_account

from auditor.cli import main

LINE = re.compile(
    r"^IAM users 1 → 2, active access keys 1 → 2, findings \d+ → \d+ since (\d{4}-\d{2}-\d{2}) "
    r"\(1 day, scope (.+)\)$"
)


def summary_step() -> str:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## Keeping a history between nightly runs") :]
    workflow = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, flags=re.DOTALL).group(1))  # type: ignore[union-attr]
    [step] = [s for s in workflow["jobs"]["scan"]["steps"] if s.get("name") == "Job summary"]
    assert "$GITHUB_STEP_SUMMARY" in step["run"]
    return str(step["run"])


def test_the_job_summary_gets_the_verdict_then_the_history_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    alice = make_user("alice", DEV, password=False, keys=[make_key(1)])
    bob = make_user("bob", DEV, password=False, keys=[make_key(2)])
    for night, (as_of, users) in enumerate([(now - timedelta(days=1), [alice]), (now, [alice, bob])], 1):
        saved = tmp_path / f"inventory-{night}.json"
        make_inventory(as_of=as_of, accounts=[read_account(DEV, users=users)]).save(saved)
        argv = ["scan", "--from-inventory", str(saved), "--fail-on", "high", "--history", "auditor-history.db"]
        assert main([*argv, "--output-dir", f"report-{night}"]) in (0, 1)
    capsys.readouterr()
    verdicts = summary.read_text(encoding="utf-8")
    assert verdicts.count("(exit ") == 2  # each scan wrote its verdict under GitHub Actions

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "auditor").write_text(f'#!/bin/sh\nexec {sys.executable} -m auditor "$@"\n', encoding="utf-8")
    (bin_dir / "auditor").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-e", "-c", summary_step()], cwd=tmp_path, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()

    text = summary.read_text(encoding="utf-8")
    assert text.startswith(verdicts)  # appended: the earlier steps' summary stays
    added = text[len(verdicts) :]
    assert verdicts.endswith("\n\n")  # so the line is a paragraph of its own, not a row of the verdict's table
    assert added.count("\n") == 1
    line = LINE.match(added.rstrip("\n"))
    assert line is not None, added
    assert line.group(1) == (now - timedelta(days=1)).date().isoformat()
    assert line.group(2) == f"{DEV} aws"
