"""docs/ci.md's "Keeping a history between nightly runs" recipes, run as written, two nights each, against a
moto organization served by ``ThreadedMotoServer`` on 127.0.0.1 (botocore reaches it through
``AWS_ENDPOINT_URL``). Between the nights a member account gains an IAM user with an access key, so the second
night's summary line must read one more of each.

What the runners provide is stood in for, and nothing else: ``pip install`` is a no-op (the auditor under test
is installed) and ``auditor`` is ``python -m auditor``; on GitHub, ``actions/cache/restore`` copies the newest
saved entry whose key starts with a ``restore-keys`` prefix into the empty workspace, ``actions/cache/save``
stores the file under its key (an entry is never overwritten, as on GitHub), ``upload-artifact`` is recorded,
and setup-python and configure-aws-credentials are what the test's own environment already is. Each night runs
in a new, empty workspace, as a runner does. A step after a failed one runs only when its ``if:`` says
``always()``; ``hashFiles('x') != ''`` is whether x exists. On GitLab the script runs in one shell, stopping at
the first failing line, between the cache's restore and (``when: always``) save. GitHub's ``run_id`` is the
night's number; ``$GITHUB_STEP_SUMMARY`` is a file the test reads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from conftest import REGION, REPO, OrgWorld, build_organization
from moto_server import running_moto_server

DOC = REPO / "docs" / "ci.md"
SECTION = "## Keeping a history between nightly runs"
SUMMARY = re.compile(r"^IAM users (\d+) → (\d+), active access keys (\d+) → (\d+), .* since \d{4}-\d{2}-\d{2} ")


def recipes() -> dict[str, dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    found = {}
    for block in re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL):
        name = block.splitlines()[0].lstrip("# ").split()[0]
        found[name] = yaml.safe_load(block)
    assert set(found) == {".github/workflows/identity-history.yml", ".gitlab/identity-history.yml"}
    return found


@pytest.fixture
def moto_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[OrgWorld]:
    with running_moto_server(monkeypatch):
        yield build_organization(boto3.Session(region_name=REGION))


def stand_ins(directory: Path) -> dict[str, str]:
    directory.mkdir()
    for name, text in {
        "auditor": f'#!/bin/sh\nexec {sys.executable} -m auditor "$@"\n',
        "pip": '#!/bin/sh\necho "pip (stand-in): the auditor under test is installed"\n',
    }.items():
        (directory / name).write_text(text, encoding="utf-8")
        (directory / name).chmod(0o755)
    return {**os.environ, "PATH": f"{directory}{os.pathsep}{os.environ['PATH']}"}


def add_user_with_key(world: OrgWorld) -> None:
    iam = world.member_client("sandbox", "iam")
    iam.create_user(UserName="new-deployer")
    iam.create_access_key(UserName="new-deployer")


def github_night(night: int, workflow: dict[str, Any], root: Path, env: dict[str, str]) -> str:
    """One run of the workflow in a new workspace; the job summary it wrote."""
    workspace = root / f"night-{night}"
    workspace.mkdir()
    cache = root / "cache"
    summary = root / f"summary-{night}.md"
    env = {**env, "GITHUB_STEP_SUMMARY": str(summary)}
    failed = False
    for step in workflow["jobs"]["scan"]["steps"]:
        condition = str(step.get("if", ""))
        if failed and "always()" not in condition:
            continue
        if any(not (workspace / f).exists() for f in re.findall(r"hashFiles\('([^']+)'\) != ''", condition)):
            continue
        if "run" in step:
            assert "${{" not in step["run"]
            done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, capture_output=True)
            failed = failed or done.returncode != 0
            assert done.returncode in (0, 1, 3), done.stderr.decode()
            continue
        action, _, version = step["uses"].partition("@")
        given = {k: str(v).replace("${{ github.run_id }}", str(night)) for k, v in (step.get("with") or {}).items()}
        if action == "actions/cache/restore":
            assert version == "v5"
            entries = sorted(cache.glob(f"{given['restore-keys']}*"), key=lambda p: int(p.name.rsplit("-", 1)[1]))
            exact = cache / given["key"]
            chosen = exact if exact.exists() else (entries[-1] if entries else None)
            if chosen is not None:
                shutil.copy(chosen / given["path"], workspace / given["path"])
        elif action == "actions/cache/save":
            assert version == "v5" and "always()" in condition
            entry = cache / given["key"]
            assert not entry.exists(), "a cache entry cannot be overwritten"
            entry.mkdir(parents=True)
            shutil.copy(workspace / given["path"], entry / given["path"])
        elif action == "actions/upload-artifact":
            assert "always()" in condition and "auditor-history.db" in given["path"]
    return summary.read_text(encoding="utf-8") if summary.exists() else ""


def gitlab_night(night: int, job: dict[str, Any], root: Path, env: dict[str, str]) -> tuple[int, str]:
    workspace = root / f"gitlab-{night}"
    workspace.mkdir()
    cache = root / "gitlab-cache" / job["cache"]["key"]
    for path in job["cache"]["paths"]:
        if (cache / path).exists():
            shutil.copy(cache / path, workspace / path)
    variables = {
        key: str(value).replace("$CI_PROJECT_DIR", str(workspace))
        for key, value in (job.get("variables") or {}).items()
    }
    # The token file is written as the recipe says; the test's own credentials come first in botocore's chain,
    # so the web identity is not used (as configure-aws-credentials is not, on GitHub).
    variables["AWS_OIDC_TOKEN"] = "unused-by-moto"
    script = "\n".join(job["script"])
    done = subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env={**env, **variables}, capture_output=True)
    if done.returncode == 0 or job["cache"].get("when") == "always":
        cache.mkdir(parents=True, exist_ok=True)
        for path in job["cache"]["paths"]:
            if (workspace / path).exists():  # GitLab warns and saves what there is
                shutil.copy(workspace / path, cache / path)
    assert done.returncode in (0, 1, 3), done.stderr.decode()
    return done.returncode, done.stdout.decode()


@pytest.mark.slow  # a moto server organization scanned four times through the CLI
def test_the_history_recipes_keep_the_file_and_print_the_summary_line(moto_org: OrgWorld, tmp_path: Path) -> None:
    found = recipes()
    workflow, gitlab = found[".github/workflows/identity-history.yml"], found[".gitlab/identity-history.yml"]
    env = stand_ins(tmp_path / "bin")

    first_github = github_night(1, workflow, tmp_path, env)
    first_gitlab, first_log = gitlab_night(1, gitlab["identity-history"], tmp_path, env)
    add_user_with_key(moto_org)
    second_github = github_night(2, workflow, tmp_path, env)
    second_gitlab, second_log = gitlab_night(2, gitlab["identity-history"], tmp_path, env)

    assert "the first run recorded" in first_github
    line = SUMMARY.match(second_github)
    assert line is not None, second_github
    users_before, users_after, keys_before, keys_after = map(int, line.groups())
    assert (users_after, keys_after) == (users_before + 1, keys_before + 1)
    assert second_github.count("\n") == 1

    allowed = gitlab["identity-history"]["allow_failure"]["exit_codes"]
    assert first_gitlab in [0, *allowed] and second_gitlab in [0, *allowed]
    assert "the first run recorded" in first_log
    last = second_log.strip().splitlines()[-1]
    gitlab_line = SUMMARY.match(last)
    assert gitlab_line is not None and gitlab_line.groups() == line.groups(), last
