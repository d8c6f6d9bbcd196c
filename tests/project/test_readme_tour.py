"""The README's demo tour runs as written: scan, save a baseline, scan again (exit 0), change the mock
organization with a scenario (exit 1). The commands are read from README.md (the sh block after the
``demo-tour`` marker), so the README cannot drift from what the tool does; each line's comment states its exit
code, and that is what is checked. ``auditor`` runs as ``python -m auditor`` of this interpreter.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

README = REPO / "README.md"
MARKER = "<!-- demo-tour:"


def tour() -> list[tuple[str, int]]:
    """``(command, expected exit code)`` for each line of the tour."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index(MARKER) :]
    body = block[block.index("```sh\n") + len("```sh\n") :]
    lines = body[: body.index("```")].strip().splitlines()
    steps = []
    for line in lines:
        command, _, comment = line.partition("#")
        stated = re.search(r"exit (\d)", comment)
        steps.append((command.strip(), int(stated.group(1)) if stated else 0))
    return steps


def test_the_tour_has_the_four_steps_of_the_ci_flow() -> None:
    commands = [command for command, _ in tour()]
    assert len(commands) == 4
    assert commands[1].startswith("cp ") and "--baseline" in commands[2] and "--scenario" in commands[3]
    assert [code for _, code in tour()] == [0, 0, 0, 1]


@pytest.mark.slow  # four runs of the whole CLI in subprocesses
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    for command, expected in tour():
        argv = shlex.split(command)
        if argv[0] == "auditor":
            argv = [sys.executable, "-m", "auditor", *argv[1:]]
        finished = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
        assert finished.returncode == expected, f"{command}\n{finished.stdout}\n{finished.stderr}"
        if "--baseline" in command:
            findings = (tmp_path / "auditor-report" / "findings.json").read_text(encoding="utf-8")
            new = findings.count('"baseline_state": "new"')
            assert (new > 0) == (expected == 1), command  # only the scenario's findings are new
        if expected == 1:  # the log names what failed the gate (tests/commands/test_verdict.py: line by line)
            assert "auditor: gate failed: 2 new finding(s) at or above high" in finished.stderr
            assert finished.stderr.rstrip().splitlines()[-1].startswith("  reports: auditor-report/report.html")
    assert (tmp_path / "demo-report" / "report.html").is_file()
