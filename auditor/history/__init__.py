"""Scan history: each run appended to an embedded SQLite file (``--history FILE``), read back by ``auditor
history`` and drawn as the Trend section of report.html.

Why a database and not a folder of findings.json files: what a nightly scan's owners ask is the direction (IAM
users and long-lived keys going down, accounts migrating, when a finding first appeared), which needs a few
numbers per run kept for a year, not a year of full documents. So a run stores counts and fingerprints only,
never the findings document and never a secret. SQLite is in the standard library, one file a CI cache can
keep, and takes two writers at once (WAL and a busy timeout).

Modules: ``models`` (what a run stores and what ``auditor history`` prints), ``record`` (a run's record built
from the inventory and the findings document: pure), ``schema`` (the versioned schema and its migrations),
``store`` (the file: opened, checked, migrated, appended to, read), ``summary`` (the trend, the one-line CI
summary and the table).
"""
