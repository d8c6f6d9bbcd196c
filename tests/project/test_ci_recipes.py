"""docs/ci.md's recipes, run as written: every ``run:`` step of the GitHub workflows and every ``script`` line of
the GitLab jobs is extracted from the document and executed, in order, with bash, against a moto organization
served by ``ThreadedMotoServer`` on 127.0.0.1 (botocore reaches it through ``AWS_ENDPOINT_URL``).

What the runners would provide is stood in for, and nothing else: ``pip install`` is a no-op (the auditor under
test is installed), ``gh`` and ``curl`` hand back the artifact an earlier job stored, and the ``uses:`` steps
are interpreted (upload-artifact stores a directory, upload-sarif validates the file as GitHub would accept it;
checkout, setup-python and configure-aws-credentials are what the test's own environment already is). A step
runs after a failed one only when its ``if:`` says ``always()``, as on GitHub; a GitLab job's script stops at
its first failing line and ``allow_failure: exit_codes`` is honoured.

The seeded organization has high findings, and moto leaves a few read APIs unimplemented (coverage gaps), so:
the first nightly (no baseline yet) exits 1; after the baseline is made the next nightly exits 3 (incomplete,
nothing new); a new access key in a member account makes the next one exit 1 again; a pull request that adds a
key fails the key scan, and the organization gate fails on the nightly's new finding.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from conftest import REGION, REPO, OrgWorld, build_organization
from factories import fake_key_id
from moto_server import running_moto_server
from sarif_checks import check_sarif

DOC = REPO / "docs" / "ci.md"
NEW_KEY = fake_key_id("QWERTYUIOPASDFG7")
# What a pull request adding a key could add beside it: the key scan reads the base commit's auditor.toml.
SELF_SUPPRESSION = '\n[[suppressions]]\nrule = "SECRET-001"\nresource = "deploy.py"\nreason = "trust me"\n'
NODE24_MAJORS = {
    "actions/checkout": "v6",
    "actions/setup-python": "v6",
    "actions/upload-artifact": "v7",
    "aws-actions/configure-aws-credentials": "v6",
    "github/codeql-action/upload-sarif": "v4",
}

# ---------------------------------------------------------------------------------------- the document


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def recipe(first_line: str) -> dict[str, Any]:
    """The YAML block whose first line is ``first_line`` (the file name comment)."""
    found = [block for block in blocks("yaml") if block.splitlines()[0].strip() == first_line]
    assert len(found) == 1, f"docs/ci.md has no single block starting {first_line!r}"
    loaded = yaml.safe_load(found[0])
    assert isinstance(loaded, dict)
    return loaded


def first_baseline_commands() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The first baseline") :]
    return re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL).group(1)  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------- the runners


@dataclass
class Runner:
    """A checkout, a PATH with the stand-ins, and the artifacts jobs stored."""

    repo: Path
    bin: Path
    store: Path
    env: dict[str, str]
    sarif_uploads: list[Path] = field(default_factory=list)

    def bash(self, script: str, extra_env: dict[str, str] | None = None) -> int:
        env = {**self.env, **(extra_env or {})}
        done = subprocess.run(["bash", "-e", "-c", script], cwd=self.repo, env=env, capture_output=True, text=True)
        if done.returncode not in (0, 1, 3):
            print(done.stdout, done.stderr, file=sys.stderr)
        return done.returncode

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.repo, env=self.env, capture_output=True, text=True, check=True)
        return done.stdout.strip()


GITHUB_EXPRESSIONS = {
    "${{ github.token }}": "fake-token",
}


def event_allows(condition: str, event: str) -> bool:
    """Whether an ``if:`` holds for ``event``, as far as it tests ``github.event_name`` (== / != 'name')."""
    tests = re.findall(r"github\.event_name (==|!=) '(\w+)'", condition)
    return all((event == name) == (op == "==") for op, name in tests)


def run_github_job(
    runner: Runner, job: dict[str, Any], expressions: dict[str, str], event: str = "pull_request"
) -> dict[str, int]:
    """Exit code of each ``run:`` step, by step name; the ``uses:`` steps interpreted; ``if:`` on the event
    name honoured for the job and each step."""
    codes: dict[str, int] = {}
    failed = False
    if not event_allows(str(job.get("if", "")), event):
        return codes
    for step in job["steps"]:
        condition = str(step.get("if", ""))
        if not event_allows(condition, event):
            continue
        if failed and "always()" not in condition:
            continue
        files = re.findall(r"hashFiles\('([^']+)'\) != ''", condition)
        if any(not (runner.repo / name).exists() for name in files):
            continue
        if "run" in step:
            env = {}
            for key, value in (step.get("env") or {}).items():
                for expression, replacement in {**GITHUB_EXPRESSIONS, **expressions}.items():
                    value = str(value).replace(expression, replacement)
                assert "${{" not in value, f"unhandled expression in {key}: {value}"
                env[key] = value
            assert "${{" not in step["run"], "run: steps take expressions through env:, never inline"
            code = runner.bash(step["run"], env)
            codes[step.get("name", step["run"].split()[0])] = code
            failed = failed or code != 0
            continue
        action, _, version = step["uses"].partition("@")
        assert NODE24_MAJORS.get(action) == version, f"{step['uses']}: not the current (Node 24) major"
        if action == "actions/upload-artifact":
            assert "always()" in condition
            shutil.copytree(runner.repo / step["with"]["path"], runner.store / step["with"]["name"], dirs_exist_ok=True)
        elif action == "github/codeql-action/upload-sarif":
            assert "always()" in condition
            path = runner.repo / step["with"]["sarif_file"]
            check_sarif(json.loads(path.read_text(encoding="utf-8")))
            runner.sarif_uploads.append(path)
    return codes


def run_gitlab_job(runner: Runner, pipeline: dict[str, Any], name: str, variables: dict[str, str]) -> int:
    """The job's script (after its template's before_script), line by line; artifacts stored when allowed."""
    job = pipeline[name]
    template = pipeline.get(job.get("extends", ""), {})
    env = dict(variables)
    for key, value in (job.get("variables") or {}).items():
        env[key] = os.path.expandvars(str(value).replace("$CI_PROJECT_DIR", str(runner.repo)))
    code = 0
    for line in [*template.get("before_script", []), *job["script"]]:
        code = runner.bash(line, env)
        if code != 0:
            break
    artifacts = job.get("artifacts") or {}
    if code == 0 or artifacts.get("when") == "always":
        store = runner.store / f"gitlab-{name}"
        for path in artifacts.get("paths", []):
            if (runner.repo / path).exists():
                shutil.copytree(runner.repo / path, store / path, dirs_exist_ok=True)
    allowed = (job.get("allow_failure") or {}).get("exit_codes", [])
    return code if code not in allowed else -code  # negative: failed, allowed (the pipeline stays successful)


STAND_INS = {
    "auditor": f'#!/bin/sh\nexec {sys.executable} -m auditor "$@"\n',
    # pip install "NAME @ git+URL@REF": the auditor under test is installed already; the pin is checked as pip
    # would use it: REF must name a commit of the auditor's repository (the documented placeholder stands for
    # this checkout's HEAD); a tag or branch name, or a tag the repository does not have, fails the install.
    "pip": textwrap.dedent(
        f"""\
        #!{sys.executable}
        import os, re, subprocess, sys
        spec = sys.argv[-1]
        name, _, url = spec.partition(" @ git+")
        assert name == "aws-identity-auditor", spec
        ref = url.rsplit("@", 1)[1]
        ref = os.environ["AUDITOR_COMMIT"] if ref == "<commit-sha>" else ref
        known = subprocess.run(["git", "-C", os.environ["AUDITOR_REPO"], "cat-file", "-e", ref + "^{{commit}}"])
        if not re.fullmatch("[0-9a-f]{{40}}", ref) or known.returncode != 0:
            sys.exit(f"pip (stand-in): {{ref!r}} is not a commit of the auditor's repository")
        print("pip (stand-in): would install", name, "at", ref)
        """
    ),
    # gh run list ... -> one run id; gh run download ID --name NAME --dir DIR -> the stored artifact
    "gh": textwrap.dedent(
        f"""\
        #!{sys.executable}
        import shutil, sys, os
        args = sys.argv[1:]
        if args[:2] == ["run", "list"]:
            print("4242")
        elif args[:2] == ["run", "download"]:
            name, target = args[args.index("--name") + 1], args[args.index("--dir") + 1]
            shutil.copytree(os.path.join(os.environ["ARTIFACT_STORE"], name), target, dirs_exist_ok=True)
        else:
            sys.exit(2)
        """
    ),
    # curl ... --output FILE URL?job=NAME -> a zip of the stored artifacts of GitLab job NAME
    "curl": textwrap.dedent(
        f"""\
        #!{sys.executable}
        import os, shutil, sys
        args = sys.argv[1:]
        output = args[args.index("--output") + 1]
        job = args[-1].rsplit("job=", 1)[1]
        source = os.path.join(os.environ["ARTIFACT_STORE"], "gitlab-" + job)
        shutil.make_archive(output[: -len(".zip")], "zip", source)
        """
    ),
}


@pytest.fixture
def moto_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OrgWorld, str]]:
    with running_moto_server(monkeypatch) as endpoint:
        yield build_organization(boto3.Session(region_name=REGION)), endpoint


@pytest.fixture
def runner(tmp_path: Path, moto_org: tuple[OrgWorld, str]) -> Runner:
    repo, bin_dir, store = tmp_path / "repo", tmp_path / "bin", tmp_path / "artifacts"
    for directory in (repo, bin_dir, store):
        directory.mkdir()
    for name, text in STAND_INS.items():
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "ARTIFACT_STORE": str(store),
        "AUDITOR_REPO": str(REPO),
        "AUDITOR_COMMIT": subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        "GIT_AUTHOR_NAME": "ci",
        "GIT_AUTHOR_EMAIL": "ci@example.com",
        "GIT_COMMITTER_NAME": "ci",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = Runner(repo=repo, bin=bin_dir, store=store, env=env)
    result.git("init", "-q", "-b", "main")
    (repo / "auditor.toml").write_text(blocks("toml")[0], encoding="utf-8")  # as the document shows it
    (repo / ".gitignore").write_text("auditor-report/\ncode-report/\ngate-report/\nnightly/\n", encoding="utf-8")
    (repo / "README.md").write_text("posture as code\n", encoding="utf-8")
    result.git("add", "-A")
    result.git("commit", "-q", "-m", "initial")
    return result


def fresh_checkout(runner: Runner, name: str) -> Runner:
    """What actions/checkout (or a GitLab runner) gives a job: a clone of the branch, no earlier job's files."""
    clone = runner.repo.parent / name
    subprocess.run(["git", "clone", "-q", str(runner.repo), str(clone)], env=runner.env, check=True)
    return dataclasses.replace(runner, repo=clone)


def pull_request_checkout(runner: Runner, name: str, job: dict[str, Any], base: str) -> Runner:
    """What actions/checkout gives a pull_request job: the merge commit of the branch into its base
    (refs/pull/N/merge), fetched only as deep as the job's checkout step says (``fetch-depth``, default 1)."""
    (checkout,) = [step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout@")]
    depth = int((checkout.get("with") or {}).get("fetch-depth", 1))
    head = runner.git("rev-parse", "HEAD")
    runner.git("checkout", "-q", "--detach", base)
    runner.git("merge", "-q", "--no-ff", "-m", "Merge pull request", head)
    runner.git("update-ref", "refs/heads/pull-merge", "HEAD")
    runner.git("checkout", "-q", head)
    clone = runner.repo.parent / name
    command = ["git", "clone", "-q", "--branch", "pull-merge", f"file://{runner.repo}", str(clone)]
    if depth:
        command[3:3] = ["--depth", str(depth)]
    subprocess.run(command, env=runner.env, check=True)
    return dataclasses.replace(runner, repo=clone)


def findings(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def add_access_key(world: OrgWorld) -> None:
    iam = world.member_client("sandbox", "iam")
    iam.create_user(UserName="new-deployer")
    iam.create_access_key(UserName="new-deployer")


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.slow  # a ThreadedMotoServer and every recipe step in bash
def test_github_recipes_run_end_to_end(runner: Runner, moto_org: tuple[OrgWorld, str]) -> None:
    world, _endpoint = moto_org
    nightly = recipe("# .github/workflows/identity-posture.yml")
    gate = recipe("# .github/workflows/identity-posture-pr.yml")
    assert nightly["permissions"] == {"contents": "read", "id-token": "write", "security-events": "write"}
    assert gate["permissions"]["security-events"] == "write"
    # every pull request, the merge queue, and the default branch (so code-scanning alerts are tracked after merge)
    assert gate[True] == {"pull_request": None, "merge_group": None, "push": {"branches": ["main"]}}
    scan_job = nightly["jobs"]["scan"]
    report = runner.repo / "auditor-report"

    # 1. First nightly: no baseline yet (--baseline-missing-ok), new high findings: exit 1, everything published.
    codes = run_github_job(runner, scan_job, {})
    assert codes["Scan the organization"] == 1
    assert {p.name for p in report.iterdir()} == {"findings.json", "findings.sarif", "report.html", "inventory.json"}
    assert findings(report / "findings.json")["summary"]["new"] is None  # no baseline: nothing compared
    assert (runner.store / "identity-posture" / "inventory.json").exists()
    assert runner.sarif_uploads == [report / "findings.sarif"]

    # 2. The first baseline, made as the document says, and merged.
    assert runner.bash(first_baseline_commands()) == 0
    assert findings(runner.repo / ".auditor" / "baseline.json") == findings(report / "findings.json")
    runner.git("commit", "-q", "-m", "accept the current posture")

    # 3. Next nightly: nothing new, but moto leaves some APIs unanswered: exit 3, still published.
    shutil.rmtree(report)
    codes = run_github_job(runner, scan_job, {})
    assert codes["Scan the organization"] == 3
    summary = findings(report / "findings.json")["summary"]
    assert summary["new"] == 0 and summary["fixed"] == 0 and summary["unchanged"] > 0
    assert len(runner.sarif_uploads) == 2

    # 4. A new access key in a member account: the nightly fails (1) and still publishes its inventory.
    add_access_key(world)
    codes = run_github_job(runner, scan_job, {})
    assert codes["Scan the organization"] == 1
    new = [f for f in findings(report / "findings.json")["findings"] if f["baseline_state"] == "new"]
    assert new and all("new-deployer" in f["evidence"]["user_arn"] for f in new)  # the key's user

    # 5. A pull request adding a key, and a suppression of it: the key scan fails on it (the base commit's
    # auditor.toml judges it), the organization gate on the nightly's new finding.
    base = runner.git("rev-parse", "HEAD")
    runner.git("checkout", "-q", "-b", "change")
    (runner.repo / "deploy.py").write_text(f'ACCESS_KEY_ID = "{NEW_KEY}"\n', encoding="utf-8")
    with (runner.repo / "auditor.toml").open("a", encoding="utf-8") as config:
        config.write(SELF_SUPPRESSION)
    runner.git("add", "deploy.py", "auditor.toml")
    runner.git("commit", "-q", "-m", "add a deploy script")
    expressions = {"${{ github.event.pull_request.base.sha || github.event.merge_group.base_sha }}": base}
    keys_job = gate["jobs"]["keys-in-the-change"]
    pull_request = pull_request_checkout(runner, "pr-keys", keys_job, base)
    assert pull_request.git("rev-parse", "--is-shallow-repository") == "true"  # fetch-depth 2 is enough
    keys = run_github_job(pull_request, keys_job, expressions)
    assert keys == {"Install the auditor": 0, "Scan the lines this pull request adds": 1}
    code_findings = findings(pull_request.repo / "code-report" / "findings.json")["findings"]
    assert [
        (f["location"]["path"], f["location"]["line"], f["location"]["column"], f["severity"], f["suppressed"])
        for f in code_findings
    ] == [("deploy.py", 1, 18, "high", False)]
    org_gate = fresh_checkout(runner, "pr-org")
    organization = run_github_job(org_gate, gate["jobs"]["organization-gate"], expressions)
    assert organization == {
        "Install the auditor": 0,
        "Fetch the latest nightly inventory": 0,
        "Evaluate the nightly inventory with this pull request's configuration": 1,
    }
    assert (org_gate.repo / "nightly" / "inventory.json").exists()
    assert runner.sarif_uploads[-2:] == [
        pull_request.repo / "code-report" / "findings.sarif",
        org_gate.repo / "gate-report" / "findings.sarif",
    ]

    # 6. A clean pull request passes the key scan.
    runner.git("checkout", "-q", "main")
    runner.git("checkout", "-q", "-b", "clean")
    (runner.repo / "notes.md").write_text("no keys here\n", encoding="utf-8")
    runner.git("add", "notes.md")
    runner.git("commit", "-q", "-m", "notes")
    keys = run_github_job(pull_request_checkout(runner, "pr-clean", keys_job, base), keys_job, expressions)
    assert keys["Scan the lines this pull request adds"] == 0

    # 7. The merge queue runs the same gate (its base through merge_group.base_sha); a push to the default
    # branch scans the whole tree and uploads the same SARIF category, so the alerts live on after the merge.
    queue = run_github_job(pull_request_checkout(runner, "queue", keys_job, base), keys_job, expressions, "merge_group")
    assert queue == {"Install the auditor": 0, "Scan the lines this pull request adds": 0}
    runner.git("checkout", "-q", "change")
    pushed = fresh_checkout(runner, "push-main")
    uploads = len(runner.sarif_uploads)
    # Once merged, the change's own suppression is the default branch's configuration (reviewed with the merge):
    # the key is reported suppressed, not failed, and its alert still reaches GitHub, marked so.
    assert run_github_job(pushed, keys_job, {}, "push") == {"Install the auditor": 0, "Scan the default branch": 0}
    pushed_sarif = json.loads((pushed.repo / "code-report" / "findings.sarif").read_text(encoding="utf-8"))
    (pushed_result,) = [
        r
        for r in pushed_sarif["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy.py"
    ]
    assert [s["kind"] for s in pushed_result["suppressions"]] == ["external"]
    assert run_github_job(pushed, gate["jobs"]["organization-gate"], expressions, "push") == {}
    assert runner.sarif_uploads[uploads:] == [pushed.repo / "code-report" / "findings.sarif"]
    sarifs = [checkout.repo / "code-report" / "findings.sarif" for checkout in (pull_request, pushed)]
    categories = {json.loads(path.read_text(encoding="utf-8"))["runs"][0]["automationDetails"]["id"] for path in sarifs}
    assert len(categories) == 1, categories


@pytest.mark.slow  # a ThreadedMotoServer and every recipe step in bash
def test_gitlab_recipes_run_end_to_end(runner: Runner, moto_org: tuple[OrgWorld, str]) -> None:
    world, _endpoint = moto_org
    pipeline = recipe("# .gitlab-ci.yml")
    assert pipeline[".auditor"]["image"] == "python:3.12"  # the full image: it has git
    ci = {"CI_PROJECT_DIR": str(runner.repo), "CI_JOB_TOKEN": "t", "CI_API_V4_URL": "https://gitlab.example/api/v4",
          "CI_PROJECT_ID": "7", "CI_DEFAULT_BRANCH": "main", "AWS_OIDC_TOKEN": "not-a-real-token"}  # fmt: skip

    # The first nightly has no baseline and high findings: 1, allowed, artifacts kept.
    assert run_gitlab_job(runner, pipeline, "identity-posture", ci) == -1
    stored = runner.store / "gitlab-identity-posture" / "auditor-report"
    assert {p.name for p in stored.iterdir()} == {"findings.json", "findings.sarif", "report.html", "inventory.json"}
    assert pipeline["identity-posture"]["artifacts"]["access"] == "developer"

    assert runner.bash(first_baseline_commands()) == 0
    runner.git("commit", "-q", "-m", "accept the current posture")
    shutil.rmtree(runner.repo / "auditor-report")
    assert run_gitlab_job(runner, pipeline, "identity-posture", ci) == -3  # incomplete (moto), allowed

    add_access_key(world)
    assert run_gitlab_job(runner, pipeline, "identity-posture", ci) == -1

    base = runner.git("rev-parse", "HEAD")
    runner.git("checkout", "-q", "-b", "change")
    (runner.repo / "deploy.py").write_text(f'ACCESS_KEY_ID = "{NEW_KEY}"\n', encoding="utf-8")
    with (runner.repo / "auditor.toml").open("a", encoding="utf-8") as config:
        config.write(SELF_SUPPRESSION)  # judged by the base commit's auditor.toml, so it does not pass
    runner.git("add", "deploy.py", "auditor.toml")
    runner.git("commit", "-q", "-m", "add a deploy script")
    merge_request = {**ci, "CI_MERGE_REQUEST_DIFF_BASE_SHA": base}
    assert run_gitlab_job(fresh_checkout(runner, "mr-keys"), pipeline, "identity-posture-keys", merge_request) == 1
    assert (runner.store / "gitlab-identity-posture-keys" / "code-report" / "findings.sarif").exists()
    org_gate = fresh_checkout(runner, "mr-gate")
    assert run_gitlab_job(org_gate, pipeline, "identity-posture-gate", merge_request) == 1
    gate = findings(org_gate.repo / "gate-report" / "findings.json")
    assert [f["resource_id"] for f in gate["findings"] if f["baseline_state"] == "new" and f["severity"] == "high"]


def test_the_member_role_template_is_the_policy(tmp_path: Path) -> None:
    """The StackSet template the document tells users to generate carries exactly the policy's read statement."""
    from auditor.collect.policy import audit_role_policy, member_role_template

    commands = next(block for block in blocks("sh") if "--member-template" in block)
    assert "auditor policy --role-name IdentityAuditor --member-template" in commands
    template = member_role_template("IdentityAuditor")
    role = template["Resources"]["AuditRole"]["Properties"]
    assert role["RoleName"] == "IdentityAuditor"
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement == audit_role_policy("IdentityAuditor")["Statement"][0]
    assert "sts:AssumeRole" not in statement["Action"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": {"Ref": "ScannerRoleArn"}} and trust["Action"] == "sts:AssumeRole"
    for block in blocks("json"):  # every trust policy shown parses
        json.loads(block)
