"""The migration plan's models: a step, its stage and dates, the suggestions that never run, the whole plan.

They are what ``migration-plan.csv`` and ``migration-plan.md`` are written from; the CSV's columns are a contract
(``CSV_COLUMNS``): new columns go at the end, so a tracker reading by position keeps working.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from auditor.model import Model
from auditor.readiness.models import Readiness

# Where a step stands between "nothing changed" and "nothing to go back to"; the order of a person's steps.
Stage = Literal["prepare", "verify", "reversible", "watch", "irreversible"]
STAGES: tuple[Stage, ...] = ("prepare", "verify", "reversible", "watch", "irreversible")
STAGE_MEANINGS: dict[Stage, str] = {
    "prepare": "create what is missing (Identity Center users, permission sets, assignments, a break-glass user), "
    "confirm what the tool could not: nothing is taken away",
    "verify": "the person signs in with their own Identity Center profile, or the IAM user is shown to be quiet",
    "reversible": "the IAM user is switched off in a way its rollback line undoes: keys deactivated, AWSDenyAll "
    "attached, and after the watch the console password removed",
    "watch": "on the date given, check that nothing used the IAM user since the reversible stage",
    "irreversible": "deleted for good (keys, MFA devices, certificates, policies, the user): only after the watch",
}
WATCH_DAYS = 7
# The columns of migration-plan.csv, in order. The first eight are the original contract; stage, not_before,
# rollback and person were added at the end (issue 18).
CSV_COLUMNS = (
    "step",
    "account_id",
    "account_name",
    "track",
    "subject",
    "action",
    "command",
    "note",
    "stage",
    "not_before",
    "rollback",
    "person",
)


class PlanStep(Model):
    step: int = 0  # position in the whole plan, from 1
    account_id: str | None = None  # None: organization-wide
    account_name: str | None = None
    track: str  # "organization", "identity-center", "break-glass", "people", "workloads", "root"
    stage: Stage = "prepare"
    subject: str
    action: str
    command: str | None = None  # shell lines; None for a console-only or manual step
    rollback: str | None = None  # what undoes a reversible step (shell lines or a console step)
    not_before: date | None = None  # the gate: not to be done before this day
    person: str | None = None  # the readiness.people key (or the IAM user's ARN) the step is about
    note: str | None = None


class Suggestion(Model):
    """Advice for after an account is migrated: shown, never a step that runs (no command)."""

    account_id: str
    account_name: str | None = None
    title: str
    text: str
    document: str | None = None  # a policy document (JSON) to review and adopt


class MigrationPlan(Model):
    readiness: Readiness
    steps: list[PlanStep] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    start: date | None = None  # the first day of the plan
    watch_days: int = WATCH_DAYS
    inventory_path: str | None = None  # the inventory the plan was built from, for the sign-in steps
