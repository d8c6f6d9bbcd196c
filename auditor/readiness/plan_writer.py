"""One account's plan steps as they are written: the facts every action is filled with, the dates of the gates,
and the account guard on every line that changes the account.

The guard is one form everywhere (``aws_commands.in_account``): the line runs in a subshell that first checks
STS GetCallerIdentity answers this account, and does nothing, saying so, anywhere else. A profile flag
would depend on how each reader named their profiles; the check does not.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from auditor.inventory import AccountInventory
from auditor.readiness.plan_model import PlanStep, Stage
from auditor.remediation.aws_commands import in_account
from auditor.remediation.template import FixTemplate


class StepWriter:
    """The steps of one account, in the order they are added."""

    def __init__(self, account: AccountInventory, start: date | None, watch_days: int) -> None:
        self.account = account
        self.start = start
        self.watch_days = watch_days
        self.out: list[PlanStep] = []

    @property
    def watch_ends(self) -> date | None:
        return self.start + timedelta(days=self.watch_days) if self.start else None

    def facts(self, **facts: Any) -> dict[str, Any]:
        return {"account_id": self.account.account_id, "account_name": self.account.account_name, **facts}

    def guarded(self, lines: str) -> str:
        """Each line runs only in this account."""
        return "\n".join(in_account(self.account.account_id, line) for line in lines.splitlines())

    def add(
        self,
        track: str,
        stage: Stage,
        subject: str,
        action: str,
        command: str | None = None,
        *,
        rollback: str | None = None,
        person: str | None = None,
        note: str | None = None,
        guard: bool = False,
        after_watch: bool | None = None,
    ) -> PlanStep:
        """``guard``: the command and its rollback change this account (run only there). ``after_watch``: the step's
        date is the end of the watch (default: for the watch and irreversible stages)."""
        late = after_watch if after_watch is not None else stage in ("watch", "irreversible")
        step = PlanStep(
            account_id=self.account.account_id,
            account_name=self.account.account_name,
            track=track,
            stage=stage,
            subject=subject,
            action=action,
            command=self.guarded(command) if command and guard else command,
            rollback=self.guarded(rollback) if rollback and guard else rollback,
            not_before=self.watch_ends if late else self.start,
            person=person,
            note=note,
        )
        self.out.append(step)
        return step


def cli(template: FixTemplate, facts: dict[str, Any]) -> str:
    """An action's CLI lines, filled: every command comes from ``auditor.remediation.actions``."""
    return "\n".join(template.fill(facts).cli)
