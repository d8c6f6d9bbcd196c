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
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import Field

from auditor.inventory import AccountInventory, IamUser, IdentityCenter, Inventory
from auditor.model import Model
from auditor.readiness.access import AccessMap
from auditor.readiness.comparison import AccessComparison
from auditor.readiness.models import (
    AccountReadiness,
    IamUserReadiness,
    Readiness,
)
from auditor.readiness.proposal import Proposal, propose
from auditor.readiness.sso_config import session_name
from auditor.readiness.verdict import actions_text
from auditor.remediation import actions
from auditor.remediation.aws_commands import field
from auditor.remediation.facts import iam_user_facts
from auditor.remediation.template import FixTemplate, compose

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


def account_order(inventory: Inventory, readiness: Readiness) -> list[AccountReadiness]:
    rank = {"ready": 0, "needs-review": 1, "blocked": 2, "migrated": 3}
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
    enabled = idc if idc is not None and idc.status == "enabled" else None
    # the same comparison the readiness stage made, again (its findings list at most ACTIONS_LISTED per service):
    # the plan proposes a grant for exactly what would be lost
    access = _Access(inventory, enabled) if enabled is not None else None
    users_by_account: dict[str, list[IamUserReadiness]] = {}
    for user in readiness.iam_users:
        users_by_account.setdefault(user.account_id, []).append(user)
    for account_readiness in account_order(inventory, readiness):
        account = inventory.account(account_readiness.account_id)
        if account is None:
            continue
        plan = _AccountPlan(readiness, enabled, account, account_readiness, access)
        steps += plan.steps(users_by_account.get(account.account_id, []))
    for number, step in enumerate(steps, start=1):
        step.step = number
    return MigrationPlan(readiness=readiness, steps=steps)


class _Access:
    """The readiness stage's access comparison, for the plan's proposals."""

    def __init__(self, inventory: Inventory, idc: IdentityCenter) -> None:
        self.inventory = inventory
        self.comparison = AccessComparison(inventory)
        self.access_map = AccessMap(inventory, idc, set())

    def proposal(self, account: AccountInventory, iam_user: IamUser, person: IamUserReadiness) -> Proposal | None:
        user_id = person.identity_center_user_id
        if user_id is None:
            return None
        arns = self.access_map.permission_set_arns_in(user_id, account.account_id)
        sets = [self.comparison.set_side(account, arn) for arn in arns]
        gap = self.comparison.compare(self.comparison.iam_side(account, iam_user), sets, iam_user.service_use)
        return propose(self.inventory, self.comparison, account, iam_user, user_id, gap) if gap.lost else None


def _command(template: FixTemplate, facts: dict[str, Any]) -> str:
    """An action's CLI lines, filled: every command comes from ``auditor.remediation.actions``."""
    return "\n".join(template.fill(facts).cli)


class _AccountPlan:
    """One account's steps, in the order that locks nobody out: who each person is in Identity Center, the
    assignments they lack, their own sign-in through the portal, and only then their IAM users switched off;
    then workloads, break-glass users and the root user."""

    def __init__(
        self,
        readiness: Readiness,
        idc: IdentityCenter | None,
        account: AccountInventory,
        verdict: AccountReadiness,
        access: _Access | None,
    ) -> None:
        self.readiness = readiness
        self.idc = idc  # None unless Identity Center is enabled
        self.account = account
        self.verdict = verdict
        self.access = access
        self.by_name = {user.user_name: user for user in account.users or []}
        self.out: list[PlanStep] = []

    def steps(self, users: Sequence[IamUserReadiness]) -> list[PlanStep]:
        people = [u for u in users if u.user_class == "human" and u.exception is None]
        matched = [u for u in people if u.match == "matched"]
        stale = [u for u in users if u.user_class == "stale" and u.exception is None]
        for user in people:
            self._identify(user)
        self._assign(people)
        for user in matched:
            self._sign_in(user)
        for user in matched:
            self._review(user)
        if matched or stale or self.verdict.workloads:
            self._resource_policies()
        # A person without exactly one Identity Center user keeps their IAM user until the steps above are done
        # and a new `auditor readiness` run matches them: switching it off now would lock them out.
        for user in [*matched, *stale]:
            iam_user = self.by_name.get(user.user_name)
            if iam_user is not None:
                note = f"stale: {'; '.join(user.evidence.reasons)}" if user.user_class == "stale" else None
                self._replace_trust(user)
                self._switch_off(iam_user, "people", note)
        for workload in self.verdict.workloads:
            iam_user = self.by_name.get(workload.user_name)
            if iam_user is not None:
                self._add(
                    "workloads",
                    workload.arn,
                    f"Move {workload.user_name} to {workload.replacement}; deploy it and check it works",
                )
                record = next((u for u in users if u.arn == workload.arn), None)
                if record is not None:
                    self._replace_trust(record, "workloads")
                self._switch_off(iam_user, "workloads")
        for user in users:
            if user.user_class == "break-glass":
                self._keep_break_glass(user)
        self._root()
        return self.out

    # ------------------------------------------------------------------------------------------- helpers

    def _facts(self, **facts: Any) -> dict[str, Any]:
        return {"account_id": self.account.account_id, "account_name": self.account.account_name, **facts}

    def _add(self, track: str, subject: str, action: str, command: str | None = None, note: str | None = None) -> None:
        self.out.append(
            PlanStep(
                account_id=self.account.account_id,
                account_name=self.account.account_name,
                track=track,
                subject=subject,
                action=action,
                command=command,
                note=note,
            )
        )

    # ------------------------------------------------------------------------------------------- steps

    def _identify(self, user: IamUserReadiness) -> None:
        """A person the readiness stage could not tie to exactly one Identity Center user."""
        if user.match == "unmatched" and self.idc is not None:
            email = user.evidence.email
            # a value the reader must supply is template text, not a fact: it is written as it is, unquoted
            create = actions.create_identity_center_user(
                field("new_user_name"), field("email") if email else "<e-mail>"
            )
            facts = self._facts(
                identity_store_id=self.idc.identity_store_id, new_user_name=email or user.user_name, email=email
            )
            tag = _command(actions.tag_user("email", "<their-e-mail>"), self._facts(user_name=user.user_name))
            self._add(
                "identity-center",
                user.arn,
                f"Create {user.user_name}'s Identity Center user (or, if they already have one, tag the IAM user "
                f"with its e-mail: {tag}), then run `auditor readiness` again",
                _command(create, facts),
            )
        elif user.match == "ambiguous":
            self._add(
                "identity-center",
                user.arn,
                f"Decide which Identity Center user is {user.user_name}: {', '.join(user.candidates)}; tag the IAM "
                "user with that user's e-mail, then run `auditor readiness` again",
                _command(actions.tag_user("email", "<chosen-user-e-mail>"), self._facts(user_name=user.user_name)),
            )

    def _assign(self, people: Sequence[IamUserReadiness]) -> None:
        """The assignments people lack here; a group assignment when the account has none at all."""
        idc = self.idc
        if idc is None:
            return
        for user in people:
            if user.match == "matched" and user.access_gap:
                self._assign_person(idc, user)
        if not self.verdict.identity_center_assignments and not any(u.access_gap for u in people):
            self._add(
                "identity-center",
                self.account.account_id,
                f"Assign a group and permission set to {self.account.display_name} so that its team can reach it "
                "through the portal",
                _command(actions.assign_group(), self._facts(instance_arn=idc.instance_arn)),
            )

    def _assign_person(self, idc: IdentityCenter, user: IamUserReadiness) -> None:
        """The smallest grant that covers what the person would lose (``auditor.readiness.proposal``)."""
        iam_user = self.by_name.get(user.user_name)
        proposal = self.access.proposal(self.account, iam_user, user) if self.access and iam_user else None
        if proposal is None:
            return
        facts = self._facts(
            instance_arn=idc.instance_arn,
            principal_type=proposal.principal_type,
            principal_id=proposal.principal_id,
            principal_name=proposal.principal_name,
            permission_set_name=proposal.permission_set_name,
        )
        who = f"{user.identity_center_user}" + (
            f" (through group {proposal.principal_name})" if proposal.principal_type == "GROUP" else ""
        )
        lost = f"what {user.user_name} would lose: {actions_text(user.would_lose, user.would_lose_count)}"
        note = (
            f"IAM allows {len(proposal.conditional)} of these only on some resources or under a condition "
            f"({', '.join(proposal.conditional[:5])}{'...' if len(proposal.conditional) > 5 else ''}): copy those "
            "statements, with their Resource and Condition, into the set's inline policy"
            if proposal.conditional
            else None
        )
        if proposal.permission_set_arn is not None:
            self._add(
                "identity-center",
                user.arn,
                f"Give {who} the permission set {proposal.permission_set_name} in {self.account.display_name}, for "
                f"{lost} (picked: {proposal.rule})",
                _command(actions.assign_permission_set(), {**facts, "permission_set_arn": proposal.permission_set_arn}),
                note=note,
            )
            return
        template = actions.create_permission_set(inline=proposal.inline_policy is not None)
        self._add(
            "identity-center",
            user.arn,
            f"Create the permission set {proposal.permission_set_name} and give it to {who} in "
            f"{self.account.display_name}, for {lost} (picked: {proposal.rule})",
            _command(
                template,
                {
                    **facts,
                    "permission_set_description": f"What {user.user_name} did as an IAM user in "
                    f"{self.account.display_name} (auditor readiness)",
                    "inline_policy": proposal.inline_policy,
                    "managed_policy_arn": proposal.managed_policy_arn,
                },
            ),
            note=note,
        )

    def _review(self, user: IamUserReadiness) -> None:
        """What the tool could not decide for a person: looked at before their IAM user goes."""
        if not (user.needs_review or user.unknown_policies):
            return
        items = []
        if user.needs_review:
            conditional = actions_text(user.needs_review, user.needs_review_count)
            items.append(f"Identity Center allows only under a condition or on some resources: {conditional}")
        if user.unknown_policies:
            items.append(f"unknown policy documents: {', '.join(user.unknown_policies)}")
        self._add(
            "people",
            user.arn,
            f"Review {user.user_name}'s access before the IAM user is switched off ({'; '.join(items)})",
            note="do not go on with this person until reviewed: the tool cannot tell that nothing is lost",
        )

    def _replace_trust(self, user: IamUserReadiness, track: str = "people") -> None:
        for role_arn in user.trusted_by_roles:
            role_account, _, role = role_arn.partition(":role/")
            facts = self._facts(
                user_arn=user.arn,
                role_name=role.rsplit("/", 1)[-1],
                role_account_id=role_account.rsplit(":", 1)[-1],
                person=user.identity_center_user or user.user_name,
            )
            self._add(
                track,
                user.arn,
                f"Replace the path through {role_arn}: its trust policy names {user.user_name}'s IAM user "
                "(run in the role's account)",
                _command(actions.replace_trusted_user(), facts),
                note=actions.replace_trusted_user().fill(facts).console[0],
            )

    def _resource_policies(self) -> None:
        needle = f"arn:aws:iam::{self.account.account_id}:user/"
        self._add(
            "people",
            self.account.account_id,
            f"Manual check: resource policies (S3 buckets, KMS keys, Secrets Manager secrets) that name IAM users of "
            f"{self.account.display_name} ({needle}...), in every account: an identity scan does not read them",
            _command(actions.find_resource_policies_naming(), self._facts(needle=needle)),
        )

    def _sign_in(self, user: IamUserReadiness) -> None:
        config_file = f"~/.aws/config-{self.account.account_id}"
        session = session_name(self.idc) if self.idc else "<session>"
        check = actions.sign_in_through_the_portal(field("person"), config_file, field("sso_session"))
        self._add(
            "people",
            user.arn,
            f"{user.identity_center_user} signs in at {self.readiness.start_url or 'the access portal'}, opens "
            f"{self.account.display_name} and confirms they can do their work before their IAM user is switched off",
            _command(check, {"person": user.identity_center_user or "", "sso_session": session}),
            note="the sso-config profiles name the account and permission set; any of them works for the test",
        )

    def _switch_off(self, iam_user: IamUser, track: str, note: str | None = None) -> None:
        """Keys deactivated and watched first (reversible), then the password, then the user with everything
        ``DeleteUser`` requires gone first."""
        facts = self._facts(**iam_user_facts(iam_user))
        first = len(self.out)
        for key in iam_user.active_keys:
            key_facts = {**facts, "access_key_id": key.access_key_id}
            self._add(
                track,
                iam_user.arn,
                f"Deactivate {iam_user.user_name}'s access key {key.access_key_id} (reversible)",
                _command(actions.deactivate_key(), key_facts),
            )
            self._add(
                track,
                iam_user.arn,
                f"Watch {key.access_key_id} for {WATCH_DAYS} days: its last use must not move; if something broke, "
                "reactivate it (--status Active) and find the caller",
                _command(actions.watch_key(), key_facts),
            )
        if iam_user.password_enabled:
            self._add(
                track,
                iam_user.arn,
                f"Delete {iam_user.user_name}'s console password",
                _command(actions.remove_console_password(), facts),
            )
        self._add(
            track,
            iam_user.arn,
            f"Delete the IAM user {iam_user.user_name}",
            _command(actions.delete_user(with_login_profile=not iam_user.password_enabled), facts),
        )
        if note is not None:
            self.out[first].note = note

    def _keep_break_glass(self, user: IamUserReadiness) -> None:
        if user.evidence.active_keys:
            keys = [key.access_key_id for key in user.evidence.active_keys]
            self._add(
                "break-glass",
                user.arn,
                f"Keep {user.user_name} for emergencies, but with a console password only: delete its access key(s)",
                _command(actions.delete_key(), self._facts(user_name=user.user_name, access_key_id=keys)),
            )
        if user.evidence.mfa_active is False:
            self._add(
                "break-glass",
                user.arn,
                f"Register a FIDO security key as {user.user_name}'s MFA device (console: IAM > Users > "
                f"{user.user_name} > Security credentials > Assign MFA device), keep it in a safe",
            )

    def _root(self) -> None:
        root = self.verdict.root
        subject = f"arn:aws:iam::{self.account.account_id}:root"
        if root is not None and root.active_access_keys:
            self._add(
                "root",
                subject,
                "Delete the root user's access key: sign in as root, Security credentials > Access keys > Delete "
                "(with centralized root access: from the management account, assume-root, then delete every root "
                "key with the credentials it returns)",
                _command(
                    compose(actions.assume_root("IAMDeleteRootUserCredentials"), actions.delete_root_keys()),
                    self._facts(),
                ),
            )
        if root is not None and root.mfa_active is False:
            self._add(
                "root",
                subject,
                "Enable MFA on the root user (a FIDO security key), or remove its password with centralized root "
                "access",
            )


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
        "| accounts migrated | ready | needs review | blocked | people matched | access gaps | people to review "
        "| active IAM user keys |",
        "|---|---|---|---|---|---|---|---|",
        f"| {summary.accounts_by_verdict.get('migrated', 0)} | {summary.accounts_by_verdict.get('ready', 0)} | "
        f"{summary.accounts_by_verdict.get('needs-review', 0)} | {summary.accounts_by_verdict.get('blocked', 0)} | "
        f"{summary.humans_matched} of {summary.humans} | {summary.access_gaps} | {summary.needs_review} | "
        f"{summary.active_keys_left} |",
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
    lines += [f"- to review `{r.code}`: {r.message}" for r in account.reviews]
    return [*lines, ""] if account.blockers or account.reviews else lines


def plan_files(plan: MigrationPlan) -> Iterable[tuple[str, str]]:
    yield "migration-plan.md", render_markdown(plan)
    yield "migration-plan.csv", render_csv(plan)
