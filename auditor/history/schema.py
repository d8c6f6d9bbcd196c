"""The history file's schema, versioned, and the migrations that bring an older file up to date.

SQLite's ``user_version`` holds the schema version and ``application_id`` marks the file as ours, so a SQLite
file from another program is refused rather than written into. A migration is a list of statements run in the
transaction that also sets the new version: a file is at one version or the next, never in between, and two
processes opening an old file at once migrate it once (the second finds it done under the write lock).

Version 1: runs, per-account counts, per-rule counts, finding spans (a fingerprint's stretches of being open).
Version 2: coverage gaps per run (service, operation, error code; never the message), and their count on the run
(NULL for runs recorded before: unknown, not zero).
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
)

SCHEMA_VERSION = len(MIGRATIONS)  # what this version of the tool writes
