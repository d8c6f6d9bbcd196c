"""The history file's schema, versioned, and the migrations that bring an older file up to date.

SQLite's ``user_version`` holds the schema version and ``application_id`` marks the file as ours, so a SQLite
file from another program is refused rather than written into. A migration is a list of statements run in the
transaction that also sets the new version: a file is at one version or the next, never in between, and two
processes opening an old file at once migrate it once (the second finds it done under the write lock).

Version 1: runs, per-account counts, per-rule counts, finding spans (a fingerprint's stretches of being open).
Version 2: coverage gaps per run (service, operation, error code; never the message), and their count on the run
(NULL for runs recorded before: unknown, not zero).
Version 3: a third of the size. Most of the file is one row per finding per stretch it was open, and most of
each row was text repeated on every row: the scope, the rule id, the severity and the account are now integer
ids into ``labels`` (each text once), and a fingerprint of hex digits is stored as the bytes they spell (16
instead of 32; one that is not hex stays text). The per-run tables use the same ids. The index on fingerprints
is gone (``--finding`` matches a prefix, which reads every row anyway) and the open spans' index holds only the
open ones. Views named after version 2's tables (``finding_spans``, ``account_counts``, ``rule_counts``) read
as they did, texts and hex, so the queries (and a person with the ``sqlite3`` shell) see the same columns.
The migration needs ``FINGERPRINT_BYTES``, a SQL function the store registers on every connection.
"""

from __future__ import annotations

APPLICATION_ID = 0x41554448  # "AUDH": a file with another id is not an auditor history file

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # to version 1
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            scanned_at TEXT NOT NULL,
            command TEXT NOT NULL,
            scope TEXT NOT NULL,
            organization_id TEXT,
            sources TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            accounts INTEGER NOT NULL,
            evaluated INTEGER NOT NULL,
            new INTEGER,
            fixed INTEGER
        )""",
        "CREATE INDEX runs_by_scope ON runs (scope, scanned_at)",
        """CREATE TABLE account_counts (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            account_id TEXT NOT NULL,
            account_name TEXT,
            iam_users INTEGER,
            users_by_class TEXT,
            active_access_keys INTEGER,
            old_access_keys INTEGER,
            console_without_mfa INTEGER,
            root_used INTEGER,
            verdict TEXT,
            PRIMARY KEY (run_id, account_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE rule_counts (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            rule_id TEXT NOT NULL,
            severity TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (run_id, rule_id, severity)
        ) WITHOUT ROWID""",
        """CREATE TABLE finding_spans (
            id INTEGER PRIMARY KEY,
            scope TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            severity TEXT NOT NULL,
            account_id TEXT,
            opened_run INTEGER NOT NULL REFERENCES runs (id),
            last_seen_run INTEGER NOT NULL REFERENCES runs (id),
            closed_run INTEGER REFERENCES runs (id)
        )""",
        "CREATE INDEX open_spans ON finding_spans (scope, closed_run)",
        "CREATE INDEX spans_by_fingerprint ON finding_spans (fingerprint)",
    ),
    (  # to version 2
        """CREATE TABLE gaps (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            account_id TEXT,
            service TEXT NOT NULL,
            operation TEXT NOT NULL,
            error_code TEXT NOT NULL
        )""",
        "CREATE INDEX gaps_by_run ON gaps (run_id)",
        "ALTER TABLE runs ADD COLUMN gaps INTEGER",
    ),
    (  # to version 3
        "CREATE TABLE labels (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)",
        """INSERT INTO labels (text) SELECT text FROM (
            SELECT scope AS text FROM finding_spans UNION SELECT rule_id FROM finding_spans
            UNION SELECT severity FROM finding_spans UNION SELECT account_id FROM finding_spans
            UNION SELECT account_id FROM account_counts UNION SELECT account_name FROM account_counts
            UNION SELECT rule_id FROM rule_counts UNION SELECT severity FROM rule_counts
        ) WHERE text IS NOT NULL ORDER BY text""",
        """CREATE TABLE spans (
            id INTEGER PRIMARY KEY,
            scope INTEGER NOT NULL REFERENCES labels (id),
            fingerprint BLOB NOT NULL,
            rule INTEGER NOT NULL REFERENCES labels (id),
            severity INTEGER NOT NULL REFERENCES labels (id),
            account INTEGER REFERENCES labels (id),
            opened_run INTEGER NOT NULL REFERENCES runs (id),
            last_seen_run INTEGER NOT NULL REFERENCES runs (id),
            closed_run INTEGER REFERENCES runs (id)
        )""",
        """INSERT INTO spans
            SELECT s.id, sc.id, fingerprint_bytes(s.fingerprint), r.id, sv.id, a.id, s.opened_run, s.last_seen_run,
                s.closed_run
            FROM finding_spans s JOIN labels sc ON sc.text = s.scope JOIN labels r ON r.text = s.rule_id
            JOIN labels sv ON sv.text = s.severity LEFT JOIN labels a ON a.text = s.account_id""",
        "DROP TABLE finding_spans",
        "CREATE INDEX open_spans ON spans (scope) WHERE closed_run IS NULL",
        """CREATE VIEW finding_spans AS
            SELECT s.id, sc.text AS scope,
                CASE typeof(s.fingerprint) WHEN 'blob' THEN lower(hex(s.fingerprint)) ELSE s.fingerprint END
                    AS fingerprint,
                r.text AS rule_id, sv.text AS severity, a.text AS account_id, s.opened_run, s.last_seen_run,
                s.closed_run
            FROM spans s JOIN labels sc ON sc.id = s.scope JOIN labels r ON r.id = s.rule
            JOIN labels sv ON sv.id = s.severity LEFT JOIN labels a ON a.id = s.account""",
        """CREATE TABLE account_rows (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            account INTEGER NOT NULL REFERENCES labels (id),
            account_name INTEGER REFERENCES labels (id),
            iam_users INTEGER,
            users_by_class TEXT,
            active_access_keys INTEGER,
            old_access_keys INTEGER,
            console_without_mfa INTEGER,
            root_used INTEGER,
            verdict TEXT,
            PRIMARY KEY (run_id, account)
        ) WITHOUT ROWID""",
        """INSERT INTO account_rows
            SELECT c.run_id, a.id, n.id, c.iam_users, c.users_by_class, c.active_access_keys, c.old_access_keys,
                c.console_without_mfa, c.root_used, c.verdict
            FROM account_counts c JOIN labels a ON a.text = c.account_id
            LEFT JOIN labels n ON n.text = c.account_name""",
        "DROP TABLE account_counts",
        """CREATE VIEW account_counts AS
            SELECT c.run_id, a.text AS account_id, n.text AS account_name, c.iam_users, c.users_by_class,
                c.active_access_keys, c.old_access_keys, c.console_without_mfa, c.root_used, c.verdict
            FROM account_rows c JOIN labels a ON a.id = c.account LEFT JOIN labels n ON n.id = c.account_name""",
        """CREATE TABLE rule_rows (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            rule INTEGER NOT NULL REFERENCES labels (id),
            severity INTEGER NOT NULL REFERENCES labels (id),
            count INTEGER NOT NULL,
            PRIMARY KEY (run_id, rule, severity)
        ) WITHOUT ROWID""",
        """INSERT INTO rule_rows
            SELECT c.run_id, r.id, sv.id, c.count
            FROM rule_counts c JOIN labels r ON r.text = c.rule_id JOIN labels sv ON sv.text = c.severity""",
        "DROP TABLE rule_counts",
        """CREATE VIEW rule_counts AS
            SELECT c.run_id, r.text AS rule_id, sv.text AS severity, c.count
            FROM rule_rows c JOIN labels r ON r.id = c.rule JOIN labels sv ON sv.id = c.severity""",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def fingerprint_bytes(fingerprint: str) -> bytes | str:
    """A fingerprint as stored from version 3 on: the bytes its lowercase hex digits spell, so that reading it back
    as lowercase hex (``finding_spans``) gives it unchanged; any other text (an odd length, capitals, a third
    party's key) is kept as it is. Registered on each connection as the SQL function ``fingerprint_bytes``."""
    if len(fingerprint) % 2 == 0 and fingerprint and all(c in "0123456789abcdef" for c in fingerprint):
        return bytes.fromhex(fingerprint)
    return fingerprint  # what this version of the tool writes
