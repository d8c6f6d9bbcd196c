"""The migration plan: per account, the steps that switch IAM users off without locking anybody out.

Order is the point. Across accounts: the ones ready now first, then the blocked ones (their fixes first), and
the management account last, since its IAM administrators are the ones who can still repair Identity Center if
something goes wrong. Within an account (``plan_steps.py``): an emergency way in first, what is missing created,
each person's own sign-in, then their IAM users switched off reversibly, watched, and only then deleted
(``plan_switch_off.py``). Every step has a stage, a date (``--start``, ``--watch-days``) and, when reversible, its
rollback (``plan_model.py``); the files are written by ``plan_render.py``. A value no API can tell (a new
person's name, which of two candidates is right) is written ``<like-this>``.
"""

from __future__ import annotations

import json
from datetime import date

from auditor.inventory import Inventory
from auditor.readiness.models import AccountReadiness, IamUserReadiness, Readiness
from auditor.readiness.plan_model import CSV_COLUMNS, WATCH_DAYS, MigrationPlan, PlanStep, Suggestion
from auditor.readiness.plan_render import plan_files, render_csv, render_markdown
from auditor.readiness.plan_steps import Access, AccountPlan
from auditor.readiness.plan_switch_off import BREAK_GLASS_USER
from auditor.remediation.actions import BREAK_GLASS_PATH

__all__ = [
    "CSV_COLUMNS",
    "WATCH_DAYS",
    "MigrationPlan",
    "PlanStep",
    "account_order",
    "build_plan",
    "plan_files",
    "render_csv",
    "render_markdown",
]


def account_order(inventory: Inventory, readiness: Readiness) -> list[AccountReadiness]:
    rank = {"ready": 0, "needs-review": 1, "blocked": 2, "migrated": 3}
    management = inventory.management_account_id
    return sorted(
        readiness.accounts,
        key=lambda a: (a.account_id == management, rank[a.verdict], a.account_name or "", a.account_id),
    )


def build_plan(
    inventory: Inventory,
    readiness: Readiness,
    *,
    start: date | None = None,
    watch_days: int = WATCH_DAYS,
    inventory_path: str | None = None,
) -> MigrationPlan:
    """``start``: the plan's first day (default: the day the inventory was collected); ``inventory_path``: the
    saved inventory the plan comes from, which the sign-in steps hand to ``auditor sso-config``."""
    start = start or inventory.as_of.date()
    idc = inventory.identity_center
    steps: list[PlanStep] = []
    if readiness.identity_center_status == "not_enabled":
        steps.append(
            PlanStep(
                track="organization",
                stage="prepare",
                subject=inventory.management_account_id or "management account",
                action="Enable IAM Identity Center (organization instance) in the management account: console, "
                "IAM Identity Center > Enable; choose the home region and the identity source. Then collect "
                "and run `auditor readiness` again: the next steps need its ids.",
                not_before=start,
            )
        )
    enabled = idc if idc is not None and idc.status == "enabled" else None
    access = Access(inventory, enabled) if enabled is not None else None
    users_by_account: dict[str, list[IamUserReadiness]] = {}
    for user in readiness.iam_users:
        users_by_account.setdefault(user.account_id, []).append(user)
    suggestions = []
    for account_readiness in account_order(inventory, readiness):
        account = inventory.account(account_readiness.account_id)
        if account is None:
            continue
        if account_readiness.verdict == "migrated":
            suggestions.append(preventive_scp(account_readiness))
        plan = AccountPlan(
            inventory,
            readiness,
            enabled,
            account,
            account_readiness,
            access,
            start=start,
            watch_days=watch_days,
            inventory_path=inventory_path,
        )
        steps += plan.steps(users_by_account.get(account.account_id, []))
    for number, step in enumerate(steps, start=1):
        step.step = number
    return MigrationPlan(
        readiness=readiness,
        steps=steps,
        suggestions=suggestions,
        start=start,
        watch_days=watch_days,
        inventory_path=inventory_path,
    )


def preventive_scp(account: AccountReadiness) -> Suggestion:
    """Once an account is migrated, nobody should bring IAM users back: a service control policy denying new IAM
    users outside the break-glass path, and new access keys for anyone. Advice, never a step: an SCP applies to
    every principal of the account, and the organization decides where it is attached."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoIamUsersButBreakGlass",
                "Effect": "Deny",
                "Action": "iam:CreateUser",
                "NotResource": f"arn:aws:iam::*:user{BREAK_GLASS_PATH}*",
            },
            {"Sid": "NoAccessKeys", "Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"},
        ],
    }
    return Suggestion(
        account_id=account.account_id,
        account_name=account.account_name,
        title="keep it migrated with a preventive SCP",
        text=f"Consider a service control policy on the account (or its OU) that denies iam:CreateUser except under "
        f"the break-glass path {BREAK_GLASS_PATH} (where the plan creates {BREAK_GLASS_USER}), and iam:CreateAccessKey "
        "for everyone (break-glass users sign in with a password and MFA). Test it on one account first: a workload "
        "that still creates keys will fail",
        document=json.dumps(document, indent=2),
    )
