"""``auditor --help`` and every ``auditor COMMAND --help`` load none of the stages' heavy dependencies: boto3 and
botocore (collection), jinja2 (the HTML report), moto (the demo), policy_sentry (the IAM action database).

Every invocation builds every command's parser, so one command module importing its stage at the top would cost
each command, ``--help`` and usage errors included, a third of a second. Run as a person runs it, in a fresh
process with ``-X importtime``, from a temporary directory and from the repository's root (where Python finds
``./auditor`` before the installed package).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import REPO

from auditor.cli import build_parser

HEAVY = ("boto3", "botocore", "jinja2", "moto", "policy_sentry")


def every_help() -> list[list[str]]:
    """``--help`` of the program and of each command the parser has (so a new command is covered too)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [["--help"], *([name, "--help"] for name in commands.choices)]


def imported_modules(importtime: str) -> set[str]:
    """The modules named in ``-X importtime``'s lines: ``import time: self [us] | cumulative | name``."""
    return {
        line.split("|")[-1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def run_help(argv: list[str], cwd: Path) -> tuple[int, str, set[str]]:
    finished = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "auditor", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return finished.returncode, finished.stdout, imported_modules(finished.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["a temporary directory", "the repository root"])
def test_no_help_loads_boto3_jinja2_or_moto(where: str, tmp_path: Path) -> None:
    cwd = REPO if where == "the repository root" else tmp_path
    helps = every_help()
    assert len(helps) == 15  # the program and its fourteen commands

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(map(" ".join, helps), pool.map(lambda argv: run_help(argv, cwd), helps), strict=True))

    for argv, (code, out, modules) in results.items():
        assert code == 0, f"auditor {argv}: exit {code}"
        assert out.startswith("usage: auditor"), f"auditor {argv}: {out[:200]!r}"
        assert "auditor.cli" in modules, f"auditor {argv}: no importtime lines parsed"
    heavy = {argv: sorted(m for m in modules if m.split(".")[0] in HEAVY) for argv, (_, _, modules) in results.items()}
    assert {argv: found for argv, found in heavy.items() if found} == {}
