"""The README's history walkthrough runs as written: two demo runs into one history file (the second with the
new-admin scenario), then ``auditor history`` as a table, JSON and the summary line. The commands are read from
README.md (the sh block after the ``demo-history`` marker); each line's comment states its exit code, which is
checked, and what the README says the lines show is checked against their output. ``auditor`` runs as
``python -m auditor`` of this interpreter.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

README = REPO / "README.md"
MARKER = "<!-- demo-history:"


def walkthrough() -> list[tuple[str, int]]:
    text = README.read_text(encoding="utf-8")
    block = text[text.index(MARKER) :]
    body = block[block.index("```sh\n") + len("```sh\n") :]
    steps = []
    for line in body[: body.index("```")].strip().splitlines():
        command, _, comment = line.partition("#")
        stated = re.search(r"exit (\d)", comment)
        steps.append((command.strip(), int(stated.group(1)) if stated else 0))
    return steps


def test_the_walkthrough_is_two_runs_then_the_three_readings() -> None:
    commands = [command for command, _ in walkthrough()]
    assert len(commands) == 5
    assert all("--history history.db" in c for c in commands[:2]) and "--scenario new-admin" in commands[1]
    assert [c.split()[:3] for c in commands[2:]] == [["auditor", "history", "history.db"]] * 3


@pytest.mark.slow  # two demo builds and three readings, each a CLI subprocess
def test_the_readme_history_walkthrough_runs_as_written(tmp_path: Path) -> None:
    outputs = []
    for command, expected in walkthrough():
        argv = shlex.split(command)
        argv = [sys.executable, "-m", "auditor", *argv[1:]]
        finished = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
        assert finished.returncode == expected, f"{command}\n{finished.stdout}\n{finished.stderr}"
        outputs.append(finished.stdout)
    first, second = json.loads(outputs[3])["scans"]
    assert (second["iam_users"], second["active_access_keys"]) == (
        first["iam_users"] + 1,
        first["active_access_keys"] + 1,
    )
    stated = re.search(r"Step 5 prints `([^`]*), …`", README.read_text(encoding="utf-8"))
    assert stated is not None and outputs[4].startswith(stated.group(1))
    assert [line.split()[0] for line in outputs[2].splitlines()] == ["run", "1", "2"]
    assert '<section id="trend">' in (tmp_path / "night-2" / "report.html").read_text(encoding="utf-8")
