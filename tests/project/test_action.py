"""The GitHub Action (``action.yml``), run locally with the inputs docs/ci.md's "Using the action" block gives it.

Each ``run:`` step's script runs in bash as the runner would run it (``bash -e -o pipefail``), the step's
``env:`` filled from the inputs and ``github.action_path`` (this checkout); ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY`` and ``RUNNER_TEMP`` are files and a directory of the test. What only a runner provides is
stood in for: ``actions/setup-python`` is this interpreter; ``python -m pip install PATH`` installs nothing (the
auditor under test is installed) but checks that PATH is the action's own checkout; ``upload-sarif`` validates the
file as GitHub would accept it. ``if:`` conditions are those of action.yml, evaluated for the two cases they
name (``always()`` and the ``upload-sarif`` input with the file present).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from factories import fake_key_id
from sarif_checks import check_sarif

ACTION = REPO / "action.yml"
DOC = REPO / "docs" / "ci.md"
# The current (Node 24) majors, as docs/ci.md's recipes use them.
CURRENT = {"actions/setup-python": "v6", "github/codeql-action/upload-sarif": "v4"}


def action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def documented_inputs() -> dict[str, str]:
    """The ``with:`` of the step in docs/ci.md that uses this repository as an action."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### Using the action\n") :]
    block = re.search(r"```yaml\n(.*?)```", section, flags=re.DOTALL).group(1)  # type: ignore[union-attr]
    workflow = yaml.safe_load(block)
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    (step,) = [step for step in steps if step.get("uses") == "<owner>/<auditor-repo>@<commit-sha>"]
    return {key: str(value) for key, value in step["with"].items()}


def test_the_action_is_composite_and_installs_its_own_checkout() -> None:
    loaded = action()
    assert loaded["runs"]["using"] == "composite"
    assert set(loaded["inputs"]) == {"args", "upload-sarif", "sarif-file", "job-summary", "python-version"}
    (install,) = [step for step in loaded["runs"]["steps"] if "pip install" in step.get("run", "")]
    assert install["env"] == {"AUDITOR_ACTION_PATH": "${{ github.action_path }}"}
    for step in loaded["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), "run: steps take expressions through env:, never inline"
        if "uses" in step:
            name, _, version = step["uses"].partition("@")
            assert CURRENT.get(name) == version, step["uses"]
    assert set(documented_inputs()) <= set(loaded["inputs"])


PYTHON_STAND_IN = textwrap.dedent(
    f"""\
    #!/bin/bash
    # python: pip install of the action's checkout stands in for itself (the auditor under test is installed)
    if [ "$1 $2 $3" = "-m pip install" ]; then
        [ "${{@: -1}}" = "$EXPECTED_ACTION_PATH" ] || {{ echo "installs ${{@: -1}}, not the action" >&2; exit 9; }}
        exit 0
    fi
    exec {sys.executable} "$@"
    """
)


def expression(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    replacements = {"${{ github.action_path }}": str(REPO)}
    replacements |= {f"${{{{ inputs.{name} }}}}": text for name, text in inputs.items()}
    replacements |= {f"${{{{ steps.run.outputs.{name} }}}}": text for name, text in outputs.items()}
    for pattern, replacement in replacements.items():
        value = value.replace(pattern, replacement)
    assert "${{" not in value, value
    return value


def run_action(tree: Path, tmp_path: Path, inputs: dict[str, str]) -> tuple[int, list[Path], str]:
    """The job's result (the last failing step's code, or 0), the SARIF files uploaded, the job summary."""
    loaded = action()
    given = {name: str(spec.get("default", "")) for name, spec in loaded["inputs"].items()} | inputs
    bin_dir, temp = tmp_path / "bin", tmp_path / "runner-temp"
    bin_dir.mkdir(parents=True)
    temp.mkdir()
    (bin_dir / "python").write_text(PYTHON_STAND_IN, encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    (bin_dir / "auditor").write_text(f'#!/bin/sh\nexec {sys.executable} -m auditor "$@"\n', encoding="utf-8")
    (bin_dir / "auditor").chmod(0o755)
    output, summary = tmp_path / "github-output", tmp_path / "step-summary"
    output.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    base_env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",  # what a runner sets: the auditor writes its annotations and summary
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        "EXPECTED_ACTION_PATH": str(REPO),
    }
    failed, uploads = 0, []
    for step in loaded["runs"]["steps"]:
        condition = str(step.get("if", ""))
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
        if failed and "always()" not in condition:
            continue
        if "uses" in step:
            name = step["uses"].partition("@")[0]
            if name == "github/codeql-action/upload-sarif":
                assert condition.startswith("always() && inputs.upload-sarif == 'true' && hashFiles(inputs.sarif-file)")
                sarif = tree / expression(step["with"]["sarif_file"], given, outputs)
                if given["upload-sarif"] == "true" and sarif.is_file():
                    check_sarif(json.loads(sarif.read_text(encoding="utf-8")))
                    uploads.append(sarif)
            continue
        env = {**base_env, **{key: expression(str(v), given, outputs) for key, v in (step.get("env") or {}).items()}}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode in (0, 1, 3), f"{step.get('name')}: {done.returncode}\n{done.stdout}{done.stderr}"
        failed = failed or done.returncode
    return failed, uploads, summary.read_text(encoding="utf-8")


def git_tree(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *command], cwd=path, check=True, capture_output=True)
    return path


@pytest.mark.slow  # the auditor in subprocesses, four times
def test_the_documented_action_fails_on_a_key_and_passes_without(tmp_path: Path) -> None:
    inputs = documented_inputs()
    assert inputs["args"].startswith("scan-code . --fail-on high")

    with_key = git_tree(tmp_path / "with-key", {"deploy.py": f'ACCESS_KEY_ID = "{fake_key_id("QWERTYUIOPASDFG7")}"\n'})
    code, uploads, summary = run_action(with_key, tmp_path / "a", inputs)
    assert code == 1  # the job fails with the auditor's code, after the upload
    assert uploads == [with_key / "code-report" / "findings.sarif"]
    assert f"`auditor {inputs['args']}` exited **1**: failed: findings at or above --fail-on" in summary
    # one summary: the auditor's verdict table under the action's heading, no log tail beside it
    assert summary.count("### aws-identity-auditor") == 1 and "~~~text" not in summary
    assert summary.count("**gate failed: 1 finding(s) at or above high (--fail-on high)** (exit 1)") == 1
    assert "| high | SECRET-001 | - | deploy.py:1 |" in summary
    results = json.loads((with_key / "code-report" / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert [(f["rule_id"], f["severity"]) for f in results] == [("SECRET-001", "high")]

    clean = git_tree(tmp_path / "clean", {"deploy.py": "ACCESS_KEY_ID = None\n"})
    code, uploads, summary = run_action(clean, tmp_path / "b", inputs)
    assert code == 0
    assert uploads == [clean / "code-report" / "findings.sarif"]
    assert "exited **0**: passed" in summary and "**gate passed: no finding at or above high" in summary

    # switched off: no upload, no summary; quoted arguments stay one word
    quiet = {**inputs, "upload-sarif": "false", "job-summary": "false"}
    quiet["args"] = "scan-code . --format json --output-dir 'code report'"
    code, uploads, summary = run_action(clean, tmp_path / "c", quiet)
    assert (code, uploads, summary) == (0, [], "")
    assert (clean / "code report" / "findings.json").is_file()
