"""The pre-commit hook (``.pre-commit-hooks.yaml``, id ``aws-key-scan``): ``scan-code`` on the staged files,
run by pre-commit itself in a temporary repository, and ``scan-code``'s file arguments it relies on.

Offline: the hook's ``language: python`` would make pre-commit ``pip install`` this repository and its
dependencies into a virtualenv of its own, which needs the package index. The consumer configuration here
overrides ``language`` to ``unsupported`` (pre-commit's name for ``system``), so the manifest's own ``entry``,
file selection and file passing run against the ``auditor`` under test, put first on ``PATH``. The hooks
repository is a temporary one holding this checkout's ``.pre-commit-hooks.yaml`` as it is on disk, so the test
reads the manifest being changed, committed or not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from factories import fake_key_id
from git_repos import git, git_env

from auditor.cli import main
from auditor.codescan.source import CodeSource

KEY = fake_key_id("J7QRT2XW5KZL3MPV")
OTHER_KEY = fake_key_id("H6WNC4YQ2TGJ5RLX")
MANIFEST = REPO / ".pre-commit-hooks.yaml"


def test_the_manifest_runs_scan_code_on_the_files_it_is_given() -> None:
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert hook["id"] == "aws-key-scan" and hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["auditor", "scan-code"] and "--fail-on" in hook["entry"]
    assert hook.get("pass_filenames", True) is True


def documented_config(repo: str, rev: str) -> dict[str, Any]:
    """docs/ci.md's ``.pre-commit-config.yaml``, pointed at ``repo`` and ``rev``; ``language`` overridden (see
    the module's docstring)."""
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL) if "pre-commit-config" in b]
    config: dict[str, Any] = yaml.safe_load(block)
    (entry,) = config["repos"]
    assert entry["rev"] == "<commit>" and [hook["id"] for hook in entry["hooks"]] == ["aws-key-scan"]
    entry["repo"], entry["rev"] = repo, rev
    entry["hooks"][0]["language"] = "unsupported"
    return config


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository using the hook; pre-commit installed in it, its cache under the test's directory."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    shutil.copy(MANIFEST, hooks / ".pre-commit-hooks.yaml")
    git(hooks, "init", "-q", "-b", "main")
    git(hooks, "add", "-A")
    git(hooks, "commit", "-q", "-m", "hooks")
    rev = git(hooks, "rev-parse", "HEAD").strip()
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    root = tmp_path / "project"
    root.mkdir()
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(documented_config(str(hooks), rev)), "utf-8")
    (root / "README.md").write_text("a project\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=root, env=git_env(root), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def commit(root: Path, *names: str) -> subprocess.CompletedProcess[str]:
    """``git commit`` of the staged files, through the installed hook."""
    git(root, "add", *names)
    env = {**git_env(root), "COLUMNS": "200"}  # the table fits the terminal's width: a fixed one here
    return subprocess.run(["git", "commit", "-m", "change"], cwd=root, env=env, capture_output=True, text=True)


@pytest.mark.slow  # pre-commit, git hooks and one auditor process per commit
def test_a_commit_that_stages_a_key_is_refused(project: Path) -> None:
    (project / "src").mkdir()
    (project / "src" / "deploy settings.py").write_text(f'ID = "{KEY}"\n', encoding="utf-8")
    done = commit(project, "src/deploy settings.py")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "AWS access keys (auditor scan-code)" in output and "Failed" in output
    assert "src/deploy settings.py:1  AWS access key in source files" in output
    assert git(project, "rev-list", "--count", "HEAD").strip() == "1"  # nothing committed


@pytest.mark.slow
def test_only_what_is_staged_is_judged(project: Path) -> None:
    """A key in the work tree but not staged is not being committed: pre-commit sets it aside, the hook passes;
    a key committed earlier (``--no-verify``) in a file this commit does not touch is not re-judged."""
    (project / "old.py").write_text(f'OLD = "{OTHER_KEY}"\n', encoding="utf-8")
    git(project, "add", "old.py")
    git(project, "commit", "-q", "--no-verify", "-m", "an old key")
    (project / "app.py").write_text("x = 1\n", encoding="utf-8")
    git(project, "add", "app.py")
    (project / "app.py").write_text(f'x = 1\nKEY = "{KEY}"\n', encoding="utf-8")  # not staged
    done = commit(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(project, "show", "HEAD:app.py") == "x = 1\n"
    assert (project / "app.py").read_text(encoding="utf-8").endswith(f'KEY = "{KEY}"\n')  # given back untouched


# ---------------------------------------------------------------------------------- scan-code FILE...


def test_scan_code_reads_only_the_files_it_is_given(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.py").write_text(f"K = '{KEY}'\n", encoding="utf-8")
    (root / "two.py").write_text(f"K = '{OTHER_KEY}'\n", encoding="utf-8")
    (root / "three.py").write_text(f"K = '{OTHER_KEY}'\n", encoding="utf-8")
    scan = CodeSource(root, only=["a/one.py", "two.py"]).collect().code_scan
    assert scan is not None
    assert sorted((h.path, h.key_id) for h in scan.hits) == [("a/one.py", KEY), ("two.py", OTHER_KEY)]


def test_scan_code_on_files_reports_paths_from_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "one.py").write_text(f"K = '{KEY}'\n", encoding="utf-8")
    (root / "other.py").write_text(f"K = '{OTHER_KEY}'\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root / "src")
    code = main(["scan-code", "one.py", "--format", "table", "--fail-on", "high"])
    assert code == 1
    out = capsys.readouterr().out
    assert "src/one.py:1" in out and OTHER_KEY not in out
    assert main(["scan-code", "one.py", str(root)]) == 2
    assert "is a directory: give one directory, or files" in capsys.readouterr().err
