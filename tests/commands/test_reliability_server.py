"""The two failures only a real process shows: secrets in ``--debug`` output, and Ctrl-C during a scan.

The auditor runs as a subprocess against a moto *server* (``AWS_ENDPOINT_URL``), as it would against AWS. For
Ctrl-C, latency is injected into every request of the subprocess (a wrapper around botocore's
``Endpoint._send``), and the wrapper prints a progress line once three member accounts have been entered: the
test waits for that line, not for a fixed time, before it sends SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from conftest import REGION, build_organization
from moto.sts.models import sts_backends
from moto_server import running_moto_server

from auditor.inventory import Inventory

# A ThreadedMotoServer per test and the whole CLI in a subprocess against it: deselected by -m "not slow".
pytestmark = pytest.mark.slow


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running_moto_server(monkeypatch) as endpoint:
        yield endpoint


def issued_role_secrets() -> list[str]:  # moto files each session under the caller's and the target's account
    """Every secret moto handed out for AssumeRole: key id, secret key and session token of each session."""
    secrets = []
    for account_backends in sts_backends.values():
        for backend in account_backends.values():
            for role in backend.assumed_roles:
                secrets += [role.access_key_id, role.secret_access_key, role.session_token]
    return secrets


def test_debug_output_shows_no_secret_of_the_assumed_roles(moto_endpoint: str, tmp_path: Path) -> None:
    """Was: the full AssumeRole responses of every member and X-Amz-Security-Token headers, in CI logs."""
    world = build_organization(boto3.Session(region_name=REGION))

    result = subprocess.run(
        [sys.executable, "-m", "auditor", "--debug", "scan", "--org", "--format", "json", "--output-dir", "out"],
        env=dict(os.environ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode in (0, 1, 3), result.stderr[-2000:]
    secrets = set(issued_role_secrets())
    assert len(secrets) >= 3 * (len(world.account_ids) - 1)  # at least one session per member account
    leaked = [secret for secret in secrets if secret in result.stderr]
    assert leaked == []
    assert "x-amz-security-token:***" in result.stderr.lower()  # the signed requests were logged, redacted
    assert "<SecretAccessKey>***</SecretAccessKey>" in result.stderr
    # what --debug is for is still there: operations, the endpoint, retry decisions
    assert "OperationModel(name=AssumeRole)" in result.stderr
    assert moto_endpoint in result.stderr
    assert "Max attempts of 1 reached" in result.stderr  # the retry decision on moto's 500 for what it lacks


SLOW_AUDITOR = textwrap.dedent(
    """
    import signal, sys, threading, time
    import botocore.endpoint

    # Ctrl-C in a terminal: a suite started as a background job of a non-interactive shell hands its children
    # SIGINT ignored, and Python then keeps it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    real_send = botocore.endpoint.Endpoint._send
    entered = []
    lock = threading.Lock()

    def slow_send(self, request):
        time.sleep(0.2)  # every AWS request takes 200 ms
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        if b"Action=AssumeRole" in body:
            with lock:
                entered.append(1)
                if len(entered) == 3:
                    sys.stderr.write("test-progress: 3 member accounts entered\\n")
                    sys.stderr.flush()
        return real_send(self, request)

    botocore.endpoint.Endpoint._send = slow_send
    sys.argv = ["auditor", *sys.argv[1:]]
    from auditor.cli import main
    sys.exit(main())
    """
)


def test_ctrl_c_stops_a_30_account_scan_at_once_and_saves_a_partial_inventory(
    moto_endpoint: str, tmp_path: Path
) -> None:
    """Was: every queued account still ran, then exit 130 and everything thrown away."""
    organizations = boto3.Session(region_name=REGION).client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    for n in range(29):
        organizations.create_account(AccountName=f"member-{n:02d}", Email=f"member-{n:02d}@example.com")
    script = tmp_path / "slow_auditor.py"
    script.write_text(SLOW_AUDITOR, encoding="utf-8")
    partial = tmp_path / "partial.json"

    process = subprocess.Popen(
        [sys.executable, str(script), "scan", "--org", "--concurrency", "2", "--save-inventory", str(partial)]
        + ["--format", "json", "--output-dir", "out"],
        env=dict(os.environ),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:  # the progress signal, not a sleep
            lines.append(line)
            if line.startswith("test-progress:"):
                break
        assert lines and lines[-1].startswith("test-progress:"), "".join(lines)[-2000:]
        interrupted_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        stopped_after = time.monotonic() - interrupted_at
        rest = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 130, rest
    assert stopped_after < 2.0  # the bound: without cancellation the 27 queued accounts all ran (~40 s)
    assert "partial inventory written to" in rest and "auditor: interrupted" in rest
    inventory = Inventory.load(partial)
    assert len(inventory.organization.accounts if inventory.organization else []) == 30
    not_read = {e.account_id for e in inventory.errors if e.error_code == "Interrupted" and e.account_id}
    read = {a.account_id for a in inventory.accounts}
    assert len(not_read) >= 20 and not (not_read & read)
    assert len(read) + len(not_read) + sum(1 for e in inventory.errors if e.operation == "AssumeRole") >= 30
    assert any(e.operation == "scan" and e.error_code == "Interrupted" for e in inventory.errors)
    assert not (tmp_path / "out" / "findings.json").exists()  # nothing was evaluated: no report pretends otherwise
