"""The history file: opened, checked, migrated, appended to and read.

Every failure of the file (not SQLite, another program's database, a newer schema, a corrupt page, a lock held
longer than the busy timeout) is a :class:`HistoryError`: one line naming the file, exit 2. Two jobs appending at
once both land: the file is in WAL mode, each connection waits up to ``BUSY_TIMEOUT_SECONDS`` for the other's
write lock, and a run is appended in one ``BEGIN IMMEDIATE`` transaction (all of it or nothing).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from pydantic import TypeAdapter

from auditor.errors import InputError
from auditor.findings import Severity
from auditor.history.models import (
    AccountCounts,
    FindingHistory,
    FindingSpan,
    HistoryScan,
    ScanRecord,
)
from auditor.history.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, fingerprint_bytes

BUSY_TIMEOUT_SECONDS = 60.0  # how long a writer waits for another's lock: a nightly job's append takes milliseconds

_CLASSES = TypeAdapter(dict[str, int])


class HistoryError(InputError):
    """The history file cannot be used: one line, exit 2."""


class HistoryStore:
    """An open history file. Use :func:`open_history`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    # ------------------------------------------------------------------------------------------ writing

    def append(self, record: ScanRecord) -> int:
        """Append one run; returns its number. New and fixed findings are worked out against the open spans of
        the same scope, under the write lock, so two runs appended at once each see the other whole or not at all."""
        db = self._db
        with self._transaction():
            previous = db.execute(
                "SELECT id FROM runs WHERE scope = ? AND evaluated = 1 ORDER BY id DESC LIMIT 1", (record.scope,)
            ).fetchone()
            run = _insert(
                db,
                "runs",
                scanned_at=_moment(record.scanned_at),
                command=record.command,
                scope=record.scope,
                organization_id=record.organization_id,
                sources=",".join(record.sources),
                tool_version=record.tool_version,
                accounts=len(record.accounts),
                evaluated=int(record.findings is not None),
                gaps=len(record.gaps),
            )
            texts = [record.scope]
            texts += [t for a in record.accounts for t in (a.account_id, a.account_name) if t is not None]
            texts += [t for f in record.findings or [] for t in (f.rule_id, f.severity, f.account_id) if t is not None]
            label = self._labels(texts)
            db.executemany(
                "INSERT INTO account_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run,
                        label[a.account_id],
                        None if a.account_name is None else label[a.account_name],
                        a.iam_users,
                        None if a.users_by_class is None else _CLASSES.dump_json(a.users_by_class).decode(),
                        a.active_access_keys,
                        a.old_access_keys,
                        a.console_without_mfa,
                        None if a.root_used is None else int(a.root_used),
                        a.verdict,
                    )
                    for a in record.accounts
                ],
            )
            db.executemany(
                "INSERT INTO gaps VALUES (?, ?, ?, ?, ?)",
                [(run, g.account_id, g.service, g.operation, g.error_code) for g in record.gaps],
            )
            if record.findings is not None:
                self._record_findings(run, record, previous is not None, label)
        return run

    def _labels(self, texts: list[str]) -> dict[str, int]:
        """The ids of ``texts`` in ``labels`` (schema version 3), each added the first time it is seen."""
        db = self._db
        db.executemany("INSERT OR IGNORE INTO labels (text) VALUES (?)", [(t,) for t in sorted(set(texts))])
        return {str(text): int(id_) for id_, text in db.execute("SELECT id, text FROM labels")}

    def _record_findings(self, run: int, record: ScanRecord, has_previous: bool, label: dict[str, int]) -> None:
        db = self._db
        assert record.findings is not None
        current = {fingerprint_bytes(f.fingerprint): f for f in record.findings}
        counts = Counter((f.rule_id, f.severity) for f in current.values())
        db.executemany(
            "INSERT INTO rule_rows VALUES (?, ?, ?, ?)",
            [(run, label[rule], label[severity], count) for (rule, severity), count in sorted(counts.items())],
        )
        scope = label[record.scope]
        open_spans = db.execute(
            "SELECT id, fingerprint, rule, account FROM spans WHERE scope = ? AND closed_run IS NULL", (scope,)
        ).fetchall()
        rules = {label[r] for r in record.rules_evaluated if r in label}  # a rule never seen has no open span
        verified = {label[a] for a in record.accounts_verified if a in label}
        still_open = set()
        seen, fixed = [], []
        for span, fingerprint, rule, account in open_spans:
            still_open.add(fingerprint)
            if fingerprint in current:
                seen.append((run, span))
            elif rule in rules and (account is None or account in verified):
                fixed.append((run, span))
            # else: not re-checked by this run (its rule did not run, its account had a gap): it stays open
        new = [(fingerprint, f) for fingerprint, f in current.items() if fingerprint not in still_open]
        db.executemany("UPDATE spans SET last_seen_run = ? WHERE id = ?", seen)
        db.executemany("UPDATE spans SET closed_run = ? WHERE id = ?", fixed)
        db.executemany(
            "INSERT INTO spans (scope, fingerprint, rule, severity, account, opened_run, last_seen_run) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    scope,
                    fingerprint,
                    label[f.rule_id],
                    label[f.severity],
                    None if f.account_id is None else label[f.account_id],
                    run,
                    run,
                )
                for fingerprint, f in new
            ],
        )
        if has_previous:  # the first run of a scope has nothing to be new against
            db.execute("UPDATE runs SET new = ?, fixed = ? WHERE id = ?", (len(new), len(fixed), run))

    # ------------------------------------------------------------------------------------------ reading

    def scans(self, *, since: date | None = None, scope: str | None = None) -> list[HistoryScan]:
        """The runs, oldest first (by when each inventory was collected, then by the order recorded)."""
        where, values = ["1 = 1"], []
        if since is not None:
            where.append("scanned_at >= ?")
            values.append(since.isoformat())
        if scope is not None:
            where.append("scope = ?")
            values.append(scope)
        rows = self._db.execute(
            "SELECT id, scanned_at, command, scope, organization_id, sources, tool_version, accounts, evaluated, "
            f"new, fixed, gaps FROM runs WHERE {' AND '.join(where)} ORDER BY scanned_at, id",
            values,
        ).fetchall()
        ids = [row[0] for row in rows]
        accounts = self._per_run(
            ids,
            "SELECT run_id, account_id, account_name, iam_users, users_by_class, active_access_keys, "
            "old_access_keys, console_without_mfa, root_used, verdict FROM account_counts",
        )
        rules = self._per_run(ids, "SELECT run_id, rule_id, severity, count FROM rule_counts")
        return [_scan(row, [_account(a) for a in accounts.get(row[0], [])], rules.get(row[0], [])) for row in rows]

    def scopes(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT DISTINCT scope FROM runs ORDER BY scope")]

    def latest_scope(self) -> str | None:
        """The newest run's scope (by collection time, then the order recorded): ``--accounts``' default."""
        row = self._db.execute("SELECT scope FROM runs ORDER BY scanned_at DESC, id DESC LIMIT 1").fetchone()
        return str(row[0]) if row is not None else None

    def first_seen(self, scope: str, fingerprints: Sequence[str]) -> dict[str, datetime]:
        """When each fingerprint was first seen in ``scope`` (its earliest span), for the report's findings."""
        wanted = set(fingerprints)
        rows = self._db.execute(
            "SELECT s.fingerprint, MIN(r.scanned_at) FROM finding_spans s JOIN runs r ON r.id = s.opened_run "
            "WHERE s.scope = ? GROUP BY s.fingerprint",
            (scope,),
        )
        return {fingerprint: datetime.fromisoformat(at) for fingerprint, at in rows if fingerprint in wanted}

    def finding(self, fingerprint: str) -> FindingHistory | None:
        """A finding's spans in every scope: first seen, last seen, fixed. ``fingerprint`` may be a unique prefix."""
        matches = [
            row[0]
            for row in self._db.execute(
                "SELECT DISTINCT fingerprint FROM finding_spans WHERE substr(fingerprint, 1, ?) = ?",
                (len(fingerprint), fingerprint),
            )
        ]
        if fingerprint in matches:
            matches = [fingerprint]
        if len(matches) > 1:
            raise HistoryError(f"--finding {fingerprint}: matches {len(matches)} findings; give more of it")
        if not matches:
            return None
        rows = self._db.execute(
            "SELECT s.scope, s.rule_id, s.severity, s.account_id, o.scanned_at, l.scanned_at, c.scanned_at "
            "FROM finding_spans s JOIN runs o ON o.id = s.opened_run JOIN runs l ON l.id = s.last_seen_run "
            "LEFT JOIN runs c ON c.id = s.closed_run WHERE s.fingerprint = ? ORDER BY o.scanned_at, s.id",
            (matches[0],),
        ).fetchall()
        spans = [
            FindingSpan(
                scope=scope,
                first_seen=datetime.fromisoformat(opened),
                last_seen=datetime.fromisoformat(last),
                fixed=datetime.fromisoformat(closed) if closed else None,
            )
            for scope, _, _, _, opened, last, closed in rows
        ]
        _, rule_id, severity, account_id, *_ = rows[-1]
        still_open = any(span.fixed is None for span in spans)
        return FindingHistory(
            fingerprint=matches[0],
            rule_id=rule_id,
            severity=severity,
            account_id=account_id,
            first_seen=min(span.first_seen for span in spans),
            last_seen=max(span.last_seen for span in spans),
            fixed=None if still_open else max(span.fixed for span in spans if span.fixed is not None),
            spans=spans,
        )

    def _per_run(self, ids: list[int], query: str) -> dict[int, list[tuple[object, ...]]]:
        grouped: dict[int, list[tuple[object, ...]]] = {}
        for start in range(0, len(ids), 500):  # SQLite's limit on bound values is 32,766; stay well under it
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"{query} WHERE run_id IN ({marks})", chunk):
                grouped.setdefault(int(row[0]), []).append(tuple(row[1:]))
        return grouped

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


@contextmanager
def open_history(path: Path, *, create: bool = True) -> Iterator[HistoryStore]:
    """The history file at ``path``: created (``create``) or migrated to this version's schema, to append to.
    With ``create=False`` (``auditor history``) the file is only read and never written: one of an older schema
    is migrated in a copy in memory, so that reading a CI artifact with a newer auditor does not leave a file the
    nightly job's auditor can no longer open.

    Raises :class:`HistoryError` (one line, exit 2) for a file that is not an auditor history file, one written
    by a newer version, a corrupt one, a missing one (``create=False``) or a lock not released in time.
    """
    path = Path(path)
    if not create and not path.is_file():
        raise HistoryError(f"{path}: no such history file")
    try:
        if create:
            connection = _connected(sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None))
        else:
            where = f"{path.resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(where, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: cannot open the history file: {exc}") from None
    try:
        try:
            if create:
                _prepare(connection, path)
            else:
                connection = _readable(connection, path)
            yield HistoryStore(connection, path)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(_describe(path, exc)) from None
    finally:
        connection.close()


def _connected(db: sqlite3.Connection) -> sqlite3.Connection:
    db.create_function("fingerprint_bytes", 1, fingerprint_bytes, deterministic=True)  # schema 3's migration
    return db


def _readable(db: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """The file opened read-only, as it is when its schema is this version's; else a copy in memory, migrated."""
    application_id, version = _identity(db, path)
    if application_id == APPLICATION_ID and version == SCHEMA_VERSION:
        return db
    copy = _connected(sqlite3.connect(":memory:", isolation_level=None))
    try:
        db.backup(copy)
        _prepare(copy, path)
    except BaseException:
        copy.close()
        raise
    db.close()
    return copy


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """WAL, then the schema: checked, created or migrated, in one write transaction."""
    application_id, version = _identity(db, path)
    if application_id == APPLICATION_ID and version == SCHEMA_VERSION:
        db.execute("PRAGMA foreign_keys = ON")
        return
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("BEGIN IMMEDIATE")
    try:
        application_id, version = _identity(db, path)  # again, under the lock: another process may have migrated
        if application_id == 0 and version == 0:
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise HistoryError(f"{path}: a SQLite database of another program, not an auditor history file")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    db.execute("PRAGMA foreign_keys = ON")


def _identity(db: sqlite3.Connection, path: Path) -> tuple[int, int]:
    application_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if application_id not in (0, APPLICATION_ID):
        raise HistoryError(f"{path}: a SQLite database of another program, not an auditor history file")
    if application_id == APPLICATION_ID and version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: history schema version {version}, written by a newer auditor (this one reads up to "
            f"{SCHEMA_VERSION}); upgrade the auditor"
        )
    return application_id, version


def _describe(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text:
        return f"{path}: not an auditor history file (not a SQLite database)"
    if "locked" in text or "busy" in text:
        return f"{path}: still locked by another writer after {BUSY_TIMEOUT_SECONDS:.0f} s"
    return f"{path}: the history file is damaged ({text}); keep it aside and start a new one"


def _insert(db: sqlite3.Connection, table: str, **values: object) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _moment(moment: datetime) -> str:
    return moment.isoformat()


def _account(row: tuple[object, ...]) -> AccountCounts:
    account_id, name, users, classes, keys, old, no_mfa, root_used, verdict = row
    return AccountCounts(
        account_id=str(account_id),
        account_name=name if isinstance(name, str) else None,
        iam_users=users if isinstance(users, int) else None,
        users_by_class=_CLASSES.validate_json(classes) if isinstance(classes, str) else None,
        active_access_keys=keys if isinstance(keys, int) else None,
        old_access_keys=old if isinstance(old, int) else None,
        console_without_mfa=no_mfa if isinstance(no_mfa, int) else None,
        root_used=None if root_used is None else bool(root_used),
        verdict=verdict if isinstance(verdict, str) else None,
    )


def _worst_first(item: tuple[str, int]) -> tuple[int, str]:
    """Severities in the JSON as people read them, critical first; one this version does not know, last."""
    known = [s.value for s in Severity]
    return (known.index(item[0]) if item[0] in known else len(known), item[0])


def _total(values: Sequence[int | None]) -> int | None:
    """A sum over accounts, unknown when any account's is: never an unknown read as zero."""
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _scan(row: Sequence[object], accounts: list[AccountCounts], rules: list[tuple[object, ...]]) -> HistoryScan:
    run, scanned_at, command, scope, organization_id, sources, tool_version, count, evaluated, new, fixed, gaps = row
    by_severity: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    for rule_id, severity, n in rules:
        by_severity[str(severity)] += int(n)  # type: ignore[call-overload]
        by_rule[str(rule_id)] += int(n)  # type: ignore[call-overload]
    classes: Counter[str] | None = None
    for account in accounts:
        if account.users_by_class is not None:
            classes = classes if classes is not None else Counter()
            classes.update(account.users_by_class)
    verdicts = Counter(a.verdict for a in accounts if a.verdict is not None)
    root = [a.root_used for a in accounts]
    return HistoryScan(
        run=int(run),  # type: ignore[call-overload]
        scanned_at=datetime.fromisoformat(str(scanned_at)),
        command=str(command),
        scope=str(scope),
        organization_id=organization_id if isinstance(organization_id, str) else None,
        sources=[s for s in str(sources).split(",") if s],
        tool_version=str(tool_version),
        accounts=int(count),  # type: ignore[call-overload]
        iam_users=_total([a.iam_users for a in accounts]),
        active_access_keys=_total([a.active_access_keys for a in accounts]),
        old_access_keys=_total([a.old_access_keys for a in accounts]),
        console_without_mfa=_total([a.console_without_mfa for a in accounts]),
        root_used_accounts=None if any(r is None for r in root) else sum(1 for r in root if r),
        users_by_class=dict(sorted(classes.items())) if classes is not None else None,
        findings=dict(sorted(by_severity.items(), key=_worst_first)) if evaluated else None,
        findings_by_rule=dict(sorted(by_rule.items())) if evaluated else None,
        new=new if isinstance(new, int) else None,
        fixed=fixed if isinstance(fixed, int) else None,
        readiness=dict(sorted(verdicts.items())) if verdicts else None,
        gaps=gaps if isinstance(gaps, int) else None,
        per_account=accounts,
    )
