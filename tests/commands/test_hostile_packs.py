"""A hostile or broken third-party rule pack cannot change what the run reports (issue 20).

Each case is ``auditor demo --rules-dir PACK --fail-on high --rule-timeout 1`` run in this process, so what the
pack would do to the auditor itself (its gate, its working directory, its stdout) is observed here. Every case
must end in bounded time with exit 1 (the demo's built-in high findings fail the gate), every built-in high
finding still in findings.json, and the pack's failure a coverage gap naming its rule (``evaluate ZZZ-001``).
The pack runs in its own process (``auditor/engine/packs.py``); each line of docs/reliability.md's "Hostile rule
packs" table names its case here.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import auditor.engine.gate
from auditor.cli import main

HEADER = """
import os, re, sys, signal
from collections.abc import Mapping
from auditor.rule import FixTemplate, Hit, rule

def _hit(inventory, **fields):
    account = inventory.accounts[0]
    base = dict(account_id=account.account_id, resource_type="AWS::IAM::User", resource_id="zzz", message="m")
    return Hit(**{**base, **fields})
"""

RULE = """
@rule(id="ZZZ-001", title="hostile", severity="high", area="zzz", rationale="r", remediation="m"{fix})
def hostile(inventory, context):
{body}
"""


def pack(body: str, *, fix: str = "", prelude: str = "") -> str:
    rule = RULE.format(fix=fix, body=textwrap.indent(textwrap.dedent(body).strip(), "    "))
    return HEADER + textwrap.dedent(prelude) + rule


EXITING_STR = """
class Boom(Exception):
    def __str__(self):
        {action}
"""

EVIL_EVIDENCE = """
class Evil(Mapping):
    def __getitem__(self, key):
        return 1
    def __len__(self):
        return 1
    def __iter__(self):
        {action}
"""

EXIT = "sys.exit(0)"
LOOP = "while True:\n            pass"

CASES: dict[str, tuple[str, str | None]] = {
    # name: (pack source, the gap's error code for ZZZ-001, or None when the rule runs and its hit is dropped)
    "exit from __str__": (pack("raise Boom()\nyield", prelude=EXITING_STR.format(action=EXIT)), "Boom"),
    "exit from derive": (
        pack("yield _hit(inventory)", fix=', fix=FixTemplate(cli=["x {a}"], derive=lambda f: sys.exit(0))'),
        "InvalidHit",
    ),
    "exit from evidence iteration": (
        pack("yield _hit(inventory, evidence=Evil())", prelude=EVIL_EVIDENCE.format(action=EXIT)),
        "InvalidHit",
    ),
    "loop in __str__": (pack("raise Boom()\nyield", prelude=EXITING_STR.format(action=LOOP)), "RuleTimeout"),
    "loop in derive": (
        pack(
            "yield _hit(inventory)",
            prelude="def forever(facts):\n    while True:\n        pass\n",
            fix=', fix=FixTemplate(cli=["x {a}"], derive=forever)',
        ),
        "RuleTimeout",
    ),
    "loop in evidence iteration": (
        pack("yield _hit(inventory, evidence=Evil())", prelude=EVIL_EVIDENCE.format(action=LOOP)),
        "RuleTimeout",
    ),
    "ReDoS": (pack("re.match(r'(a+)+$', 'a' * 64 + 'b')\nyield"), "RuleTimeout"),
    "big integer": (pack("x = 10 ** (10 ** 9)\nyield"), "RuleTimeout"),
    "inventory mutation": (
        pack(
            """
            for account in inventory.accounts:
                account.users = []
                account.roles = []
                account.credential_report = None
            raise RuntimeError("emptied the inventory")
            yield
            """
        ),
        "RuntimeError",
    ),
    "gate patched at import": (
        pack(
            "raise RuntimeError('and fails')\nyield",
            prelude="import auditor.engine.gate\nauditor.engine.gate.gate = lambda d, f: 0\n",
        ),
        "RuntimeError",
    ),
    "os._exit": (pack("os._exit(0)\nyield"), "RuleProcessExit"),
    "os.chdir": (pack("os.chdir('/')\nraise RuntimeError('moved')\nyield", prelude="os.chdir('/')\n"), "RuntimeError"),
    "printing to stdout": (
        pack(
            "print('PACK-NOISE')\nos.write(1, b'PACK-NOISE')\nsys.__stdout__.write('PACK-NOISE')\n"
            "raise RuntimeError('printed')\nyield",
            prelude="print('PACK-NOISE')\n",
        ),
        "RuntimeError",
    ),
    "a signal to itself": (pack("os.kill(os.getpid(), signal.SIGKILL)\nyield"), "RuleProcessExit"),
    # The auditor is this test's process: before the stand-in (pack_child._behind_a_stand_in) these ended pytest.
    "a signal to its parent: SIGKILL": (
        pack("os.kill(os.getppid(), signal.SIGKILL)\nraise RuntimeError('signalled its parent')\nyield"),
        "RuntimeError",
    ),
    "a signal to its parent: SIGTERM": (
        pack(
            "os.kill(os.getppid(), signal.SIGTERM)\nraise RuntimeError('signalled its parent')\nyield",
            prelude="os.kill(os.getppid(), signal.SIGTERM)\n",
        ),
        "RuntimeError",
    ),
    "a signal to its parent: SIGINT": (
        pack("os.kill(os.getppid(), signal.SIGINT)\nraise RuntimeError('signalled its parent')\nyield"),
        "RuntimeError",
    ),
    "flooding stdout and stderr": (
        pack(
            "while True:\n    print('PACK-NOISE' * 999)\n"
            "    os.write(1, b'PACK-NOISE')\n    os.write(2, b'PACK-NOISE')\nyield"
        ),
        "RuleTimeout",
    ),
    "memory in one go": (pack("x = bytearray(64 * 1024**3)\nyield"), "RuleOutOfMemory"),
}


@pytest.fixture(scope="module")
def builtin_high(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The fingerprints of the demo's high and critical findings without any pack."""
    out = tmp_path_factory.mktemp("plain") / "out"
    assert main(["demo", "--format", "json", "--output-dir", str(out), "--fail-on", "high"]) == 1
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    high = {f["fingerprint"] for f in findings if f["severity"] in ("high", "critical")}
    assert len(high) >= 10  # the demo's story: a gate with something to lose
    return high


POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX's")
LINUX_ONLY = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory cap is RLIMIT_AS: Linux")


def _marks(case: str) -> list[pytest.MarkDecorator]:
    return [POSIX_ONLY] if "signal" in case else [LINUX_ONLY] if "memory" in case else []


@pytest.mark.parametrize("case", [pytest.param(case, marks=_marks(case)) for case in CASES])
def test_a_hostile_pack_cannot_change_what_the_run_reports(
    case: str,
    builtin_high: set[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    source, code = CASES[case]
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "hostile.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    gate = auditor.engine.gate.gate
    started = time.monotonic()

    exit_code = main(
        ["demo", "--rules-dir", "pack", "--fail-on", "high", "--rule-timeout", "1", "--format", "json,table"]
        + ["--output-dir", "out"]
    )

    elapsed = time.monotonic() - started
    assert elapsed < 60  # a bound, not a speed figure: before, several of these never returned
    assert exit_code == 1
    assert auditor.engine.gate.gate is gate
    assert Path.cwd() == tmp_path
    assert "auditor_local_rules.hostile" not in sys.modules  # the parent never imported the pack
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert builtin_high <= {f["fingerprint"] for f in doc["findings"]}
    gaps = [e for e in doc["errors"] if e["operation"] == "evaluate ZZZ-001"]
    assert [e["error_code"] for e in gaps] == [code]
    status = {r["id"]: r["status"] for r in doc["rules"]}["ZZZ-001"]
    assert status == ("evaluated" if code == "InvalidHit" else "failed")
    assert "ZZZ-001" not in {f["rule_id"] for f in doc["findings"]}
    captured = capfd.readouterr()
    assert "PACK-NOISE" not in captured.out + captured.err


def test_a_pack_that_exits_at_import_is_a_named_gap_with_exit_3(tmp_path: Path) -> None:
    """Nothing fails the gate (no --fail-on): the pack's failure alone makes coverage incomplete, exit 3."""
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "hostile.py").write_text("import os\nos._exit(0)\n", encoding="utf-8")
    out = tmp_path / "out"

    assert main(["demo", "--rules-dir", str(rules), "--format", "json", "--output-dir", str(out)]) == 3

    doc: dict[str, Any] = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    (problem,) = [e for e in doc["errors"] if e["operation"] == "load rules"]
    assert problem["message"] == f"rules file {rules / 'hostile.py'} failed to load: its process exited (exit code 0)"


def test_a_rule_after_a_killed_one_still_runs_in_a_fresh_process(tmp_path: Path) -> None:
    """The pack's process is killed with the rule that overran; the pack's next rule runs in a new one."""
    source = pack("while True:\n    pass\nyield") + textwrap.dedent(
        """
        @rule(id="ZZZ-002", title="fine", severity="low", area="zzz", rationale="r", remediation="m")
        def fine(inventory, context):
            yield _hit(inventory, resource_id="after", message="still here")
        """
    )
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "pack.py").write_text(source, encoding="utf-8")
    out = tmp_path / "out"

    assert (
        main(["demo", "--rules-dir", str(rules), "--format", "json", "--output-dir", str(out), "--rule-timeout", "1"])
        == 3
    )

    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert [e["error_code"] for e in doc["errors"] if e["operation"] == "evaluate ZZZ-001"] == ["RuleTimeout"]
    assert [(f["resource_id"], f["message"]) for f in doc["findings"] if f["rule_id"] == "ZZZ-002"] == [
        ("after", "still here")
    ]


def test_the_pack_benchmark_runs_as_documented() -> None:
    """docs/benchmarks.md's smoke command, as written there (the default one takes minutes: not run here)."""
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    command = "python bench/rule_packs.py --rules 2 --accounts 2 --users 2 --runs 1"
    assert command in (repo / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    argv = [sys.executable, *command.split()[1:]]
    ran = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=300, check=False)

    assert ran.returncode == 0, ran.stderr
    assert "demo: 2 pack rules" in ran.stdout
    assert "synthetic 2 accounts x 2 users: 2 pack rules, 4 pack findings" in ran.stdout


@LINUX_ONLY
def test_a_pack_allocating_without_bound_fails_at_its_memory_cap(tmp_path: Path) -> None:
    """A rule that appends 256 MB blocks forever gets MemoryError at the child's cap (1 GiB more than the child
    held when the pack was imported; RLIMIT_AS) instead of taking the machine's memory: a gap naming the rule and
    the limit. The generous --rule-timeout makes sure it is the cap, not the clock, that stops it."""
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "hungry.py").write_text(
        pack("x = []\nwhile True:\n    x.append(bytearray(2**28))\nyield"), encoding="utf-8"
    )
    out = tmp_path / "out"

    argv = ["demo", "--rules-dir", str(rules), "--format", "json", "--output-dir", str(out), "--rule-timeout", "120"]
    assert main(argv) == 3

    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    gaps = [(e["error_code"], e["message"]) for e in doc["errors"] if e["operation"] == "evaluate ZZZ-001"]
    assert gaps == [("RuleOutOfMemory", "ran out of memory (limit 1 GiB)")]


@LINUX_ONLY
def test_a_pack_allocating_without_bound_at_import_is_a_named_problem(tmp_path: Path) -> None:
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "hungry.py").write_text("x = bytearray(64 * 1024**3)\n", encoding="utf-8")
    out = tmp_path / "out"

    assert main(["demo", "--rules-dir", str(rules), "--format", "json", "--output-dir", str(out)]) == 3

    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    (problem,) = [e for e in doc["errors"] if e["operation"] == "load rules"]
    assert problem["message"] == f"rules file {rules / 'hungry.py'} failed to load: ran out of memory (limit 1 GiB)"


@LINUX_ONLY  # /proc
def test_what_a_killed_pack_started_is_killed_with_it(tmp_path: Path) -> None:
    """A rule that starts a process and then loops: at its time limit the whole process group of the pack goes,
    the process it started included (``packs.stop``), so nothing of the pack outlives the run."""
    pid_file = tmp_path / "started.pid"
    body = (
        "import subprocess\n"
        f"started = subprocess.Popen(['sleep', '600'])\nopen({str(pid_file)!r}, 'w').write(str(started.pid))\n"
        "while True:\n    pass\nyield"
    )
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "spawner.py").write_text(pack(body), encoding="utf-8")
    out = tmp_path / "out"

    argv = ["demo", "--rules-dir", str(rules), "--format", "json", "--output-dir", str(out), "--rule-timeout", "1"]
    assert main(argv) == 3

    stat = Path(f"/proc/{pid_file.read_text()}/stat")
    state = stat.read_text().split(") ", 1)[1][0] if stat.exists() else "gone"
    assert state in ("gone", "Z")  # a zombie is dead, waiting for init to reap it
