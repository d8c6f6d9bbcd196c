"""Signals as CI systems send them (issue 20, deliverable 3): SIGTERM handled like Ctrl-C, and Ctrl-C during the
start-up imports. The auditor runs as a real child process (``python -m auditor``); each test waits for a line
the child prints at the moment that matters (a hook put in by the test), never for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import boto3
import pytest
from conftest import REGION
from test_reliability_server import SLOW_AUDITOR, moto_endpoint  # noqa: F401 (a fixture, used by name)

from auditor.inventory import Inventory

pytestmark = pytest.mark.slow  # the CLI in a subprocess

# Put first on the child's sys.path: a finder that, when auditor.cli is about to be imported (the heavy part of
# the start-up), says so on stderr and waits for a line on stdin, so the test can signal it right there.
HOLD_AT_IMPORT = textwrap.dedent(
    """
    import signal, sys

    # a suite run as a background job hands its children SIGINT ignored; a terminal's Ctrl-C is what is tested
    signal.signal(signal.SIGINT, signal.default_int_handler)

    class HoldAtImport:
        def find_spec(self, name, path=None, target=None):
            if name == "auditor.cli":
                sys.meta_path.remove(self)
                sys.stderr.write("test-importing auditor.cli\\n")
                sys.stderr.flush()
                sys.stdin.readline()
            return None

    sys.meta_path.insert(0, HoldAtImport())
    """
)

# A child whose HTML report, the second file of the run, stops half-written until the test signals it.
HOLD_IN_REPORT = textwrap.dedent(
    """
    import signal, sys
    from auditor.reports.html import HtmlReporter

    def held_write(self, document, stream):
        stream.write(b"<!doctype html>" * 1000)
        stream.flush()
        sys.stderr.write("test-writing report.html\\n")
        sys.stderr.flush()
        sys.stdin.readline()

    HtmlReporter.write = held_write
    sys.argv = ["auditor", *sys.argv[1:]]
    from auditor.launch import run
    run()
    """
)


def _wait_for(process: subprocess.Popen[str], prefix: str) -> str:
    """stderr up to and including the first line starting with ``prefix``."""
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith(prefix):
            return "".join(lines)
    raise AssertionError("".join(lines)[-2000:])


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        code = process.wait(timeout=60)
        assert process.stderr is not None
        return code, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize(
    ("signum", "code", "line"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_a_signal_during_the_start_up_imports_is_one_line(
    tmp_path: Path, signum: signal.Signals, code: int, line: str
) -> None:
    """Was: Ctrl-C while ``auditor.cli`` was being imported printed a KeyboardInterrupt traceback."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOLD_AT_IMPORT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "rules"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    _wait_for(process, "test-importing")
    process.send_signal(signum)
    returned, rest = _finish(process)

    assert returned == code
    assert rest.splitlines() == [f"auditor: {line}" + (" (SIGTERM)" if signum == signal.SIGTERM else "")]


def test_sigterm_while_the_reports_are_written_removes_every_temporary_file(tmp_path: Path) -> None:
    """Was: SIGTERM killed the process at once and left ``.findings.json.*.tmp`` files (up to 23 MB) behind."""
    from factories import make_inventory, read_account

    inventory = tmp_path / "inventory.json"
    make_inventory(accounts=[read_account("210987654321", "workloads")]).save(inventory)
    script = tmp_path / "held_auditor.py"
    script.write_text(HOLD_IN_REPORT, encoding="utf-8")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, str(script), "scan", "--from-inventory", str(inventory), "--format", "json,html"]
        + ["--output-dir", str(out)],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    _wait_for(process, "test-writing")
    assert sorted(p.name.split(".")[1] for p in out.iterdir()) == ["findings", "report"]  # both temporaries exist
    process.send_signal(signal.SIGTERM)
    code, rest = _finish(process)

    assert code == 143, rest
    assert "auditor: terminated (SIGTERM)" in rest and "Traceback" not in rest
    assert list(out.iterdir()) == []  # neither temporary is left, and no report of the set was written


def test_sigterm_stops_a_scan_and_saves_the_partial_inventory(moto_endpoint: str, tmp_path: Path) -> None:  # noqa: F811
    """Was: exit 143 with no message and no partial inventory: what CI's cancel button sends was a kill."""
    organizations = boto3.Session(region_name=REGION).client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    for n in range(19):
        organizations.create_account(AccountName=f"member-{n:02d}", Email=f"member-{n:02d}@example.com")
    script = tmp_path / "slow_auditor.py"
    through_the_entry_point = SLOW_AUDITOR.replace(
        "from auditor.cli import main\nsys.exit(main())", "from auditor.launch import run\nrun()"
    )
    assert through_the_entry_point != SLOW_AUDITOR
    script.write_text(through_the_entry_point, encoding="utf-8")
    partial = tmp_path / "partial.json"

    process = subprocess.Popen(
        [sys.executable, str(script), "scan", "--org", "--concurrency", "2", "--save-inventory", str(partial)]
        + ["--format", "json", "--output-dir", "out"],
        env=dict(os.environ),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(process, "test-progress:")
    signalled_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code, rest = _finish(process)

    assert code == 143, rest
    assert time.monotonic() - signalled_at < 5.0
    assert "terminated: partial inventory written to" in rest and "auditor: terminated (SIGTERM)" in rest
    assert "Ctrl-C" not in rest
    inventory = Inventory.load(partial)
    (scan,) = [e for e in inventory.errors if e.operation == "scan" and e.error_code == "Interrupted"]
    assert scan.message == "the scan was terminated (SIGTERM): this inventory is partial"
    not_read = [e for e in inventory.errors if e.error_code == "Interrupted" and e.account_id]
    assert not_read
    assert all("terminated (SIGTERM)" in e.message and "Ctrl-C" not in e.message for e in not_read)
    assert not (tmp_path / "out" / "findings.json").exists()
