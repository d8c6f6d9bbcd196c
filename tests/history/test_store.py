"""The history file: first run, new and fixed against the previous run of the same scope, two scopes in one file,
a finding's dates, migration from schema version 1, corrupt and foreign files, and two processes appending at
once. Records are built by hand (``ScanRecord``): what the store does with them is what is tested here; what a
run's record holds is tested in test_record.py."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from auditor.history.models import AccountCounts, FindingRef, ScanRecord
from auditor.history.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from auditor.history.store import HistoryError, open_history

DAY0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
ORG = "o-exampleorg1 aws"


def record(
    day: int,
    fingerprints: list[str] | None,
    *,
    scope: str = ORG,
    users: int | None = 10,
    keys: int = 4,
    verdict: str = "blocked",
    rules: list[str] | None = None,
    verified: list[str] | None = None,
) -> ScanRecord:
    return ScanRecord(
        scanned_at=DAY0 + timedelta(days=day),
        command="scan",
        scope=scope,
        organization_id="o-exampleorg1",
        sources=["aws"],
        tool_version="0.1.0",
        accounts=[
            AccountCounts(account_id="111111111111", iam_users=users, active_access_keys=keys, verdict=verdict),
            AccountCounts(account_id="222222222222", iam_users=2, active_access_keys=1, verdict="migrated"),
        ],
        findings=None if fingerprints is None else [finding(f) for f in fingerprints],
        rules_evaluated=["KEY-001"] if rules is None else rules,
        accounts_verified=["111111111111", "222222222222"] if verified is None else verified,
    )


def finding(fingerprint: str) -> FindingRef:
    return FindingRef(fingerprint=fingerprint, rule_id="KEY-001", severity="high", account_id="111111111111")


def test_a_first_run_creates_the_file_and_has_nothing_to_be_new_against(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "history.db"
    path.parent.mkdir()
    with open_history(path) as store:
        assert store.append(record(0, ["fp-a", "fp-b"])) == 1
        [scan] = store.scans()
    assert (scan.iam_users, scan.active_access_keys, scan.findings) == (12, 5, {"high": 2})
    assert (scan.new, scan.fixed) == (None, None)  # no earlier run: unknown, not "0 new"
    assert scan.readiness == {"blocked": 1, "migrated": 1}
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_new_and_fixed_are_counted_against_the_previous_run_of_the_scope(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.db") as store:
        store.append(record(0, ["fp-a", "fp-b"]))
        store.append(record(1, None))  # a readiness run: no rules evaluated, changes no finding
        store.append(record(7, ["fp-b", "fp-c"], users=9))
        scans = store.scans()
        first_seen = store.first_seen(ORG, ["fp-b", "fp-c"])
        fixed = store.finding("fp-a")
    assert [(s.new, s.fixed) for s in scans] == [(None, None), (None, None), (1, 1)]
    assert scans[1].findings is None  # not evaluated: never shown as zero findings
    assert [s.iam_users for s in scans] == [12, 12, 11]
    assert first_seen == {"fp-b": DAY0, "fp-c": DAY0 + timedelta(days=7)}
    assert fixed is not None
    assert (fixed.first_seen, fixed.last_seen, fixed.fixed) == (DAY0, DAY0, DAY0 + timedelta(days=7))


def test_a_finding_not_rechecked_is_not_fixed(tmp_path: Path) -> None:
    """Its rule did not run, or its account had a coverage gap: it stays open (never read as fixed)."""
    with open_history(tmp_path / "h.db") as store:
        store.append(record(0, ["fp-a"]))
        store.append(record(1, [], rules=[]))
        store.append(record(2, [], verified=["222222222222"]))
        assert [s.fixed for s in store.scans()][1:] == [0, 0]
        store.append(record(3, []))
        assert store.scans()[-1].fixed == 1
        found = store.finding("fp-a")
    assert found is not None and found.last_seen == DAY0 and found.fixed == DAY0 + timedelta(days=3)


def test_a_finding_fixed_and_seen_again_has_two_spans(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.db") as store:
        for day, seen in enumerate((["fp-a"], [], ["fp-a"])):
            store.append(record(day, seen))
        found = store.finding("fp-")
    assert found is not None
    assert [(s.first_seen.day, s.fixed.day if s.fixed else None) for s in found.spans] == [(1, 2), (3, None)]
    assert found.fixed is None  # open again


def test_two_scopes_in_one_file_are_compared_each_within_itself(tmp_path: Path) -> None:
    one_account = "111111111111 aws"
    with open_history(tmp_path / "h.db") as store:
        store.append(record(0, ["fp-a", "fp-b"]))
        store.append(record(1, ["fp-a"], scope=one_account))
        store.append(record(2, ["fp-a", "fp-b"]))
        store.append(record(3, [], scope=one_account))
        assert store.scopes() == [one_account, ORG]
        organization = store.scans(scope=ORG)
        account = store.scans(scope=one_account)
        since = store.scans(since=date(2026, 11, 3))
    assert [(s.new, s.fixed) for s in organization] == [(None, None), (0, 0)]  # not "fp-b fixed, then new again"
    assert [(s.new, s.fixed) for s in account] == [(None, None), (0, 1)]
    assert [s.run for s in since] == [3, 4]


def test_unknown_counts_stay_unknown_in_the_totals(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.db") as store:
        store.append(record(0, [], users=None))
        [scan] = store.scans()
    assert scan.iam_users is None and scan.active_access_keys == 5


def test_a_file_of_schema_version_1_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    """Version 1 is built here from its own migration, as an auditor of that version left it, with one run."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO runs VALUES (1, ?, 'scan', ?, 'o-exampleorg1', 'aws', '0.0.9', 1, 1, NULL, NULL)",
        (DAY0.isoformat(), ORG),
    )
    db.execute("INSERT INTO account_counts VALUES (1, '111111111111', 'dev', 7, NULL, 3, 1, 0, 0, 'blocked')")
    db.execute("INSERT INTO rule_counts VALUES (1, 'KEY-001', 'high', 1)")
    db.execute("INSERT INTO finding_spans VALUES (1, ?, 'fp-a', 'KEY-001', 'high', '111111111111', 1, 1, NULL)", (ORG,))
    db.close()
    with open_history(path) as store:
        store.append(record(1, ["fp-a", "fp-b"]))
        old, new = store.scans()
    assert (old.iam_users, old.findings, old.gaps) == (7, {"high": 1}, None)  # gaps: not kept then, unknown
    assert (new.new, new.fixed, new.gaps) == (1, 0, 0)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


HEX_A, HEX_B = "2aa27b167987c0bccdd40b2ebdef5ef7", "0f" * 16


def version_2_file(path: Path) -> Path:
    """A version 2 file (texts on every row), built from its own migrations, with rows as the version-2 store
    wrote them: a hex fingerprint, one that is not hex, a finding of no account, an account without a name."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in MIGRATIONS[0] + MIGRATIONS[1]:
        db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO runs VALUES (1, ?, 'scan', ?, 'o-exampleorg1', 'aws', '0.1.0', 2, 1, NULL, NULL, 1)",
        (DAY0.isoformat(), ORG),
    )
    db.execute(
        "INSERT INTO account_counts VALUES (1, '111111111111', 'dev', 7, '{\"human\": 7}', 3, 1, 0, 0, 'blocked')"
    )
    db.execute("INSERT INTO account_counts VALUES (1, '222222222222', NULL, 2, NULL, 1, 0, NULL, NULL, 'migrated')")
    db.execute("INSERT INTO rule_counts VALUES (1, 'KEY-001', 'high', 2)")
    db.execute("INSERT INTO rule_counts VALUES (1, 'ORG-001', 'low', 1)")
    db.execute("INSERT INTO gaps VALUES (1, '111111111111', 'iam', 'ListUsers', 'AccessDenied')")
    spans = [(HEX_A, "KEY-001", "high", "111111111111"), (HEX_B, "KEY-001", "high", "111111111111")]
    spans.append(("Not-Hex-Legacy", "ORG-001", "low", None))
    for number, (fingerprint, rule, severity, account) in enumerate(spans, 1):
        db.execute(
            "INSERT INTO finding_spans VALUES (?, ?, ?, ?, ?, ?, 1, 1, NULL)",
            (number, ORG, fingerprint, rule, severity, account),
        )
    db.close()

    return path


def test_a_file_of_schema_version_2_is_migrated_to_ids_and_bytes_and_reads_the_same(tmp_path: Path) -> None:
    """After the migration every run, count and span reads as before, a new run matches the migrated fingerprints
    (not new, and the one gone is fixed), and the rows hold integer ids and 16-byte fingerprints."""
    path = version_2_file(tmp_path / "v2.db")
    with open_history(path) as store:
        [before] = store.scans()
        assert store.finding("2aa27b") is not None and store.finding("Not-Hex") is not None
        later = record(1, [HEX_A], rules=["KEY-001"])  # HEX_B gone and re-checked: fixed; ORG-001 not run: open
        store.append(later)
        old, new = store.scans()
        found = store.finding(HEX_B)
        legacy = store.finding("Not-Hex-Legacy")
    assert old == before
    assert (old.iam_users, old.findings, old.findings_by_rule, old.gaps) == (
        9,
        {"high": 2, "low": 1},
        {"KEY-001": 2, "ORG-001": 1},
        1,
    )
    assert [(a.account_id, a.account_name, a.users_by_class) for a in old.per_account] == [
        ("111111111111", "dev", {"human": 7}),
        ("222222222222", None, None),
    ]
    assert (new.new, new.fixed) == (0, 1)
    assert found is not None and found.fixed == DAY0 + timedelta(days=1) and found.account_id == "111111111111"
    assert legacy is not None and legacy.fixed is None and legacy.account_id is None
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    kinds = raw.execute(
        "SELECT typeof(fingerprint), length(fingerprint), typeof(scope) FROM spans ORDER BY id"
    ).fetchall()
    assert kinds == [("blob", 16, "integer"), ("blob", 16, "integer"), ("text", 14, "integer")]
    assert "finding_spans" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_reading_an_older_file_migrates_a_copy_and_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """``auditor history`` on a CI artifact must not leave a file the nightly job's older auditor refuses."""
    path = version_2_file(tmp_path / "v2.db")
    before = path.read_bytes()
    with open_history(path, create=False) as store:
        [scan] = store.scans()
        found = store.finding(HEX_A[:8])
    assert scan.findings == {"high": 2, "low": 1} and found is not None and found.fingerprint == HEX_A
    assert path.read_bytes() == before
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database, just text\n" * 100, "not an auditor history file (not a SQLite database)"),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "not an auditor history file (not a SQLite database)"),
    ],
)
def test_a_corrupt_file_is_one_error_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(content)
    with pytest.raises(HistoryError) as raised, open_history(path):
        pass
    assert str(raised.value) == f"{path}: {message}"
    assert path.read_bytes() == content  # left as it was


def test_another_program_s_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE orders (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="another program, not an auditor history file"), open_history(path):
        pass
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == [("orders",)]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with open_history(path):
        pass
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="written by a newer auditor"), open_history(path):
        pass


def test_reading_a_missing_file_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no such history file"), open_history(tmp_path / "h.db", create=False):
        pass
    assert not (tmp_path / "h.db").exists()


def _append_many(path: str, worker: int, runs: int, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    for n in range(runs):
        with open_history(Path(path)) as store:
            store.append(record(n, [f"w{worker}-{n}"], scope=f"scope-{worker}"))


def test_two_processes_appending_at_once_both_land(tmp_path: Path) -> None:
    """Two processes (not threads: SQLite's locks are per process) open the same new file and append 20 runs
    each, released together by an event, so creation, migration and appends race."""
    path = tmp_path / "h.db"
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_append_many, args=(str(path), w, 20, start)) for w in (1, 2)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with open_history(path) as store:
        scans = store.scans()
        assert {s.scope for s in scans} == {"scope-1", "scope-2"}
        for scope in ("scope-1", "scope-2"):
            mine = store.scans(scope=scope)
            assert len(mine) == 20
            assert [(s.new, s.fixed) for s in mine[1:]] == [(1, 1)] * 19
    assert len(scans) == 40
