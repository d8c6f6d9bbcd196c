"""The migration plan: per account, the steps that switch IAM users off without locking anybody out.

Order is the point. Across accounts: the ones ready now first, then the blocked ones (their fixes first), and
the management account last, since its IAM administrators are the ones who can still repair Identity Center if
something goes wrong. Within an account: organization-wide prerequisites, then the missing assignments,
then each person signs in through the portal and confirms, and only then are their keys deactivated, watched,
and the login profile, keys and user deleted. Workloads are their own track (replace, then remove the key);
root hygiene comes last. Every step carries the exact command with the real ids the inventory holds; a value
no API can tell (a new person's name, which of two candidates is right) is written ``<like-this>``.
"""

from __future__ import annotations

import csv
import io
import shlex
from collections.abc import Iterable, Sequence

from pydantic import Field

from auditor.inventory import AccountInventory, IamUser, IdentityCenter, Inventory
from auditor.model import Model
from auditor.readiness.access import permission_set_level
from auditor.readiness.models import (
    ACCESS_RANK,
    AccessLevel,
    AccountReadiness,
    IamUserReadiness,
    Readiness,
)
from auditor.readiness.sso_config import session_name

WATCH_DAYS = 7
CSV_COLUMNS = ("step", "account_id", "account_name", "track", "subject", "action", "command")


class PlanStep(Model):
    step: int = 0  # position in the whole plan, from 1
    account_id: str | None = None  # None: organization-wide
    account_name: str | None = None
    track: str  # "organization", "identity-center", "people", "workloads", "root"
    subject: str
    action: str
    command: str | None = None  # shell lines; None for a console-only or manual step
    note: str | None = None


class MigrationPlan(Model):
    readiness: Readiness
    steps: list[PlanStep] = Field(default_factory=list)


def q(value: str) -> str:
    return shlex.quote(value)


def account_order(inventory: Inventory, readiness: Readiness) -> list[AccountReadiness]:
    rank = {"ready": 0, "blocked": 1, "migrated": 2}
    management = inventory.management_account_id
    return sorted(
        readiness.accounts,
        key=lambda a: (a.account_id == management, rank[a.verdict], a.account_name or "", a.account_id),
    )


def build_plan(inventory: Inventory, readiness: Readiness) -> MigrationPlan:
    idc = inventory.identity_center
    steps: list[PlanStep] = []
    if readiness.identity_center_status == "not_enabled":
        steps.append(
            PlanStep(
                track="organization",
                subject=inventory.management_account_id or "management account",
                action="Enable IAM Identity Center (organization instance) in the management account: console, "
                "IAM Identity Center > Enable; choose the home region and the identity source. Then collect "
                "and run `auditor readiness` again: the next steps need its ids.",
            )
        )
    users_by_account: dict[str, list[IamUserReadiness]] = {}
    for user in readiness.iam_users:
        users_by_account.setdefault(user.account_id, []).append(user)
    for account_readiness in account_order(inventory, readiness):
        account = inventory.account(account_readiness.account_id)
        if account is None:
            continue
        users = users_by_account.get(account.account_id, [])
        steps += _account_steps(inventory, idc, readiness, account, account_readiness, users)
    for number, step in enumerate(steps, start=1):
        step.step = number
    return MigrationPlan(readiness=readiness, steps=steps)


def _account_steps(
    inventory: Inventory,
    idc: IdentityCenter | None,
    readiness: Readiness,
    account: AccountInventory,
    verdict: AccountReadiness,
    users: Sequence[IamUserReadiness],
) -> list[PlanStep]:
    enabled = idc if idc is not None and idc.status == "enabled" else None
    steps: list[PlanStep] = []
    by_name = {user.user_name: user for user in account.users or []}

    def step(track: str, subject: str, action: str, command: str | None = None, note: str | None = None) -> None:
        steps.append(
            PlanStep(
                account_id=account.account_id,
                account_name=account.account_name,
                track=track,
                subject=subject,
                action=action,
                command=command,
                note=note,
            )
        )

    people = [u for u in users if u.user_class == "human" and u.exception is None]
    for user in people:
        if user.match == "unmatched" and enabled is not None:
            email = user.evidence.email or "<e-mail>"
            step(
                "identity-center",
                user.arn,
                f"Create {user.user_name}'s Identity Center user (or, if they already have one, tag the IAM user "
                f"with its e-mail: aws iam tag-user --user-name {q(user.user_name)} --tags "
                f"Key=email,Value=<their e-mail>), then run `auditor readiness` again",
                f"aws identitystore create-user --identity-store-id {enabled.identity_store_id} "
                f"--user-name {q(user.evidence.email or user.user_name)} --display-name '<Given Family>' "
                f"--name GivenName='<Given>',FamilyName='<Family>' --emails Value={email},Type=work,Primary=true",
            )
        elif user.match == "ambiguous":
            step(
                "identity-center",
                user.arn,
                f"Decide which Identity Center user is {user.user_name}: {', '.join(user.candidates)}; tag the IAM "
                "user with that user's e-mail, then run `auditor readiness` again",
                f"aws iam tag-user --user-name {q(user.user_name)} --tags Key=email,Value=<chosen user's e-mail>",
            )
    if enabled is not None:
        for user in people:
            if user.match == "matched" and user.access_gap:
                steps.append(_assignment_step(inventory, enabled, account, user))
        if not verdict.identity_center_assignments and not any(u.access_gap for u in people):
            step(
                "identity-center",
                account.account_id,
                f"Assign a group and permission set to {account.display_name} so that its team can reach it "
                "through the portal",
                f"aws sso-admin create-account-assignment --instance-arn {enabled.instance_arn} "
                f"--target-id {account.account_id} --target-type AWS_ACCOUNT --permission-set-arn "
                "<permission-set-arn> --principal-type GROUP --principal-id <group-id>",
            )
    for user in people:
        if user.match != "matched":
            continue
        step(
            "people",
            user.arn,
            f"{user.identity_center_user} signs in at {readiness.start_url or 'the access portal'}, opens "
            f"{account.display_name} and confirms they can do their work before their IAM user is switched off",
            f"auditor sso-config --user {q(user.identity_center_user or '')} -o ~/.aws/config-{account.account_id}\n"
            f"AWS_CONFIG_FILE=~/.aws/config-{account.account_id} aws sso login --sso-session "
            f"{session_name(enabled) if enabled else '<session>'}",
            note="the sso-config profiles name the account and permission set; any of them works for the test",
        )
    # A person without exactly one Identity Center user keeps their IAM user until the steps above are done
    # and a new `auditor readiness` run matches them: switching it off now would lock them out.
    switch_off = [u for u in people if u.match == "matched"]
    switch_off += [u for u in users if u.user_class == "stale" and u.exception is None]
    for user in switch_off:
        iam_user = by_name.get(user.user_name)
        if iam_user is not None:
            switched = _switch_off(account, iam_user, user, "people")
            if user.user_class == "stale" and switched:
                switched[0].note = f"stale: {'; '.join(user.evidence.reasons)}"
            steps += switched
    for workload in verdict.workloads:
        iam_user = by_name.get(workload.user_name)
        if iam_user is None:
            continue
        step(
            "workloads",
            workload.arn,
            f"Move {workload.user_name} to {workload.replacement}; deploy it and check it works",
        )
        steps += _switch_off(account, iam_user, None, "workloads")
    for user in users:
        if user.user_class != "break-glass":
            continue
        if user.evidence.active_keys:
            keys = " ".join(k.access_key_id for k in user.evidence.active_keys)
            step(
                "break-glass",
                user.arn,
                f"Keep {user.user_name} for emergencies, but with a console password only: delete its access key(s)",
                "\n".join(
                    f"aws iam delete-access-key --user-name {q(user.user_name)} --access-key-id {key}"
                    for key in keys.split()
                ),
            )
        if user.evidence.mfa_active is False:
            step(
                "break-glass",
                user.arn,
                f"Register a FIDO security key as {user.user_name}'s MFA device (console: IAM > Users > "
                f"{user.user_name} > Security credentials > Assign MFA device), keep it in a safe",
            )
    root = verdict.root
    if root is not None and root.active_access_keys:
        step(
            "root",
            f"arn:aws:iam::{account.account_id}:root",
            "Delete the root user's access key: sign in as root, Security credentials > Access keys > Delete "
            "(with centralized root access: from the management account, aws sts assume-root, then "
            "aws iam delete-access-key)",
        )
    if root is not None and root.mfa_active is False:
        step(
            "root",
            f"arn:aws:iam::{account.account_id}:root",
            "Enable MFA on the root user (a FIDO security key), or remove its password with centralized root access",
        )
    return steps


def _assignment_step(
    inventory: Inventory, idc: IdentityCenter, account: AccountInventory, user: IamUserReadiness
) -> PlanStep:
    """A permission set at least as strong as the IAM user's access today: the closest existing one."""
    wanted: AccessLevel = user.iam_access
    fitting = sorted(
        (
            (ACCESS_RANK[level] - ACCESS_RANK[wanted], ps.name, ps.arn)
            for ps in idc.permission_sets or []
            if ACCESS_RANK[level := permission_set_level(ps, [account])] >= ACCESS_RANK[wanted]
        ),
    )
    ps_arn = fitting[0][2] if fitting else "<permission-set-arn>"
    ps_name = fitting[0][1] if fitting else f"a new permission set granting {wanted} access"
    return PlanStep(
        account_id=account.account_id,
        account_name=account.account_name,
        track="identity-center",
        subject=user.arn,
        action=(
            f"Give {user.identity_center_user} {ps_name} in {account.display_name} ({user.user_name} has "
            f"{wanted} access today; Identity Center gives {user.identity_center_access or 'none'})"
        ),
        command=(
            f"aws sso-admin create-account-assignment --instance-arn {idc.instance_arn} "
            f"--target-id {account.account_id} --target-type AWS_ACCOUNT --permission-set-arn {ps_arn} "
            f"--principal-type USER --principal-id {user.identity_center_user_id}"
        ),
        note="or assign a group the person is a member of, so the access is managed in one place",
    )


def _switch_off(
    account: AccountInventory, iam_user: IamUser, user: IamUserReadiness | None, track: str
) -> list[PlanStep]:
    name = q(iam_user.user_name)
    steps: list[PlanStep] = []

    def add(action: str, command: str, note: str | None = None) -> None:
        steps.append(
            PlanStep(
                account_id=account.account_id,
                account_name=account.account_name,
                track=track,
                subject=iam_user.arn,
                action=action,
                command=command,
                note=note,
            )
        )

    for key in iam_user.active_keys:
        add(
            f"Deactivate {iam_user.user_name}'s access key {key.access_key_id} (reversible)",
            f"aws iam update-access-key --user-name {name} --access-key-id {key.access_key_id} --status Inactive",
        )
        add(
            f"Watch {key.access_key_id} for {WATCH_DAYS} days: its last use must not move; if something broke, "
            "reactivate it (--status Active) and find the caller",
            f"aws iam get-access-key-last-used --access-key-id {key.access_key_id}",
        )
    if iam_user.password_enabled:
        add(
            f"Delete {iam_user.user_name}'s console password",
            f"aws iam delete-login-profile --user-name {name}",
        )
    add(f"Delete the IAM user {iam_user.user_name}", _delete_user_commands(iam_user))
    return steps


def _delete_user_commands(user: IamUser) -> str:
    """Everything ``DeleteUser`` requires gone first, from what the inventory knows about the user."""
    name = q(user.user_name)
    lines = [
        f"aws iam delete-access-key --user-name {name} --access-key-id {k.access_key_id}" for k in user.access_keys
    ]
    lines += [f"aws iam remove-user-from-group --user-name {name} --group-name {q(g)}" for g in user.groups]
    lines += [
        f"aws iam detach-user-policy --user-name {name} --policy-arn {p.policy_arn}" for p in user.attached_policies
    ]
    lines += [
        f"aws iam delete-user-policy --user-name {name} --policy-name {q(p.policy_name)}" for p in user.inline_policies
    ]
    if user.mfa_active:
        lines += [
            f"aws iam list-mfa-devices --user-name {name}",
            f"aws iam deactivate-mfa-device --user-name {name} --serial-number <serial-number>",
        ]
    if user.permissions_boundary_arn:
        lines.append(f"aws iam delete-user-permissions-boundary --user-name {name}")
    lines.append(f"aws iam delete-user --user-name {name}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- rendering


def render_csv(plan: MigrationPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, "note"])
    for s in plan.steps:
        writer.writerow(
            [
                s.step,
                s.account_id or "",
                s.account_name or "",
                s.track,
                s.subject,
                s.action,
                s.command or "",
                s.note or "",
            ]
        )
    return out.getvalue()


def render_markdown(plan: MigrationPlan) -> str:
    r = plan.readiness
    summary = r.summary
    lines = [
        "# Migration plan: from IAM users to IAM Identity Center",
        "",
        f"Identity Center: {r.identity_center_status}"
        + (f", identity store {r.identity_store_id}, portal {r.start_url}" if r.start_url else ""),
        "",
        "| accounts migrated | ready | blocked | people matched | access gaps | active IAM user keys |",
        "|---|---|---|---|---|---|",
        f"| {summary.accounts_by_verdict.get('migrated', 0)} | {summary.accounts_by_verdict.get('ready', 0)} | "
        f"{summary.accounts_by_verdict.get('blocked', 0)} | {summary.humans_matched} of {summary.humans} | "
        f"{summary.access_gaps} | {summary.active_keys_left} |",
        "",
        "Run each account's commands with credentials for that account (its IAM Identity Center or assignment "
        "commands from the management account or the delegated administrator). Do the steps in order: nobody's "
        "IAM user is switched off before they have signed in through the portal.",
        "",
    ]
    if r.accounts_not_assessed:
        lines += ["Not assessed (no verdict, no steps):", ""]
        lines += [f"- {a.account_name or a.account_id} ({a.account_id}): {a.reason}" for a in r.accounts_not_assessed]
        lines.append("")
    current: tuple[str | None] | None = None
    for s in plan.steps:
        key = (s.account_id,)
        if key != current:
            current = key
            lines += _account_heading(r, s)
        lines.append(f"{s.step}. **{s.track}**: {s.action}" + (f" ({s.note})" if s.note else ""))
        if s.command:
            lines += ["", "   ```sh", *(f"   {line}" for line in s.command.splitlines()), "   ```"]
        lines.append("")
    if not plan.steps:
        lines += ["Nothing to do: every assessed account is migrated.", ""]
    return "\n".join(lines)


def _account_heading(r: Readiness, s: PlanStep) -> list[str]:
    if s.account_id is None:
        return ["## Organization", ""]
    account = next((a for a in r.accounts if a.account_id == s.account_id), None)
    if account is None:
        return [f"## {s.account_name or s.account_id} ({s.account_id})", ""]
    lines = [f"## {account.account_name or account.account_id} ({account.account_id}): {account.verdict}", ""]
    lines += [f"- blocker `{b.code}`: {b.message}" for b in account.blockers]
    return [*lines, ""] if account.blockers else lines


def plan_files(plan: MigrationPlan) -> Iterable[tuple[str, str]]:
    yield "migration-plan.md", render_markdown(plan)
    yield "migration-plan.csv", render_csv(plan)
