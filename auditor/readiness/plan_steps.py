"""One account's steps, in the order that locks nobody out.

First what is missing is created (a break-glass user when the account has no emergency way in, Identity Center
users or the confirmation of a match, the permission sets and assignments people lack); then each person signs
in with their own profile, and only then are their IAM users switched off (``plan_switch_off.py``): reversible
first, watched, then deleted. Workloads are their own track; root hygiene comes last. A person who is not
matched for certain (unmatched, ambiguous, disabled in Identity Center, or matched by bare user name and not
confirmed) keeps their IAM user: switching it off would lock them out, or someone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from auditor.errors import InputError
from auditor.inventory import (
    AccountAssignment,
    AccountInventory,
    IamUser,
    IdentityCenter,
    Inventory,
    PermissionSet,
)
from auditor.readiness.access import AccessMap
from auditor.readiness.comparison import AccessComparison
from auditor.readiness.models import AccountReadiness, IamUserReadiness, Readiness
from auditor.readiness.plan_model import PlanStep
from auditor.readiness.plan_switch_off import create_break_glass, keep_break_glass, switch_off
from auditor.readiness.plan_writer import StepWriter, cli
from auditor.readiness.proposal import Proposal, propose
from auditor.readiness.sso_config import build_sso_config, session_name
from auditor.readiness.verdict import actions_text
from auditor.remediation import actions
from auditor.remediation.aws_commands import field

INVENTORY_PLACEHOLDER = "<inventory.json>"


class Access:
    """The readiness stage's access comparison again, for the plan's proposals (the findings list at most
    ACTIONS_LISTED actions per service; a proposal covers exactly what would be lost)."""

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


def switched_off_for_certain(user: IamUserReadiness) -> bool:
    """Matched to one enabled Identity Center user, by e-mail, tag or a confirmation in auditor.toml."""
    return user.match == "matched" and user.match_confirmed is not False


class AccountPlan:
    def __init__(
        self,
        inventory: Inventory,
        readiness: Readiness,
        idc: IdentityCenter | None,
        account: AccountInventory,
        verdict: AccountReadiness,
        access: Access | None,
        *,
        start: date | None,
        watch_days: int,
        inventory_path: str | None,
    ) -> None:
        self.inventory = inventory
        self.readiness = readiness
        self.idc = idc  # None unless Identity Center is enabled
        self.account = account
        self.verdict = verdict
        self.access = access
        self.inventory_path = inventory_path
        self.by_name = {user.user_name: user for user in account.users or []}
        self.writer = StepWriter(account, start, watch_days)
        self.new_sets: dict[str, str] = {}  # identity-store user id -> the existing set the plan assigns them here
        self.created_sets: dict[str, str] = {}  # identity-store user id -> the name of the set the plan creates
        # identity-store user ids this plan gives a new assignment here (a set, new or not, to them or a group)
        self.assigned_here: set[str] = set()

    def steps(self, users: Sequence[IamUserReadiness]) -> list[PlanStep]:
        if any(b.code == "no-break-glass" for b in self.verdict.blockers):
            create_break_glass(self.writer)
        people = [u for u in users if u.user_class == "human" and u.exception is None]
        certain = [u for u in people if switched_off_for_certain(u)]
        stale = [u for u in users if u.user_class == "stale" and u.exception is None]
        for user in people:
            self._identify(user)
        self._assign(people)
        for user in certain:
            self._sign_in(user)
        for user in stale:
            self._quiet(user)
        for user in certain:
            self._review(user)
        if certain or stale or self.verdict.workloads:
            self._resource_policies()
        for user in [*certain, *stale]:
            iam_user = self.by_name.get(user.user_name)
            if iam_user is not None:
                note = f"stale: {'; '.join(user.evidence.reasons)}" if user.user_class == "stale" else None
                self._replace_trust(user)
                switch_off(self.writer, iam_user, "people", user.person or user.arn, note)
        for workload in self.verdict.workloads:
            iam_user = self.by_name.get(workload.user_name)
            if iam_user is not None:
                self.writer.add(
                    "workloads",
                    "prepare",
                    workload.arn,
                    f"Move {workload.user_name} to {workload.replacement}; deploy it and check it works",
                    person=workload.arn,
                )
                record = next((u for u in users if u.arn == workload.arn), None)
                if record is not None:
                    self._replace_trust(record, "workloads")
                switch_off(self.writer, iam_user, "workloads", workload.arn)
        for user in users:
            if user.user_class == "break-glass":
                keep_break_glass(self.writer, user)
        self._root()
        return self.writer.out

    # ------------------------------------------------------------------------------------------- prepare

    def _identify(self, user: IamUserReadiness) -> None:
        """A person the readiness stage could not tie, for certain, to one enabled Identity Center user."""
        tag_key = self.readiness.email_tag
        facts = self.writer.facts(user_name=user.user_name)
        external = self.readiness.identity_source == "external"
        if user.match == "unmatched" and self.idc is not None:
            email = user.evidence.email
            tag = cli(actions.tag_user(tag_key, "<their-e-mail>"), facts)
            if external:
                self.writer.add(
                    "identity-center",
                    "prepare",
                    user.arn,
                    f"Add {email or user.user_name} to the identity provider group that provisions IAM Identity "
                    "Center users (SCIM): the identity store is provisioned from there, and a user created in "
                    f"Identity Center would not be synchronised back. If they have a user already, tag the IAM user "
                    f"{user.user_name} with its e-mail; then run `auditor readiness` again",
                    tag,
                    person=user.person,
                )
                return
            # a value the reader must supply is template text, not a fact: it is written as it is, unquoted
            create = actions.create_identity_center_user(
                field("new_user_name"), field("email") if email else "<e-mail>"
            )
            create_facts = self.writer.facts(
                identity_store_id=self.idc.identity_store_id, new_user_name=email or user.user_name, email=email
            )
            self.writer.add(
                "identity-center",
                "prepare",
                user.arn,
                f"Create {user.user_name}'s Identity Center user (or, if they already have one, tag the IAM user "
                f"with its e-mail: {tag}), then run `auditor readiness` again",
                cli(create, create_facts),
                person=user.person,
            )
        elif user.match == "ambiguous":
            self.writer.add(
                "identity-center",
                "prepare",
                user.arn,
                f"Decide which Identity Center user is {user.user_name}: {', '.join(user.candidates)}; tag the IAM "
                "user with that user's e-mail, then run `auditor readiness` again",
                cli(actions.tag_user(tag_key, "<chosen-user-e-mail>"), facts),
                person=user.person,
            )
        elif user.match == "disabled":
            where = (
                "in the identity provider (it provisions Identity Center through SCIM)"
                if external
                else "in the IAM Identity Center console > Users > "
                f"{user.identity_center_user or '<user>'} > Enable user access"
            )
            self.writer.add(
                "identity-center",
                "prepare",
                user.arn,
                f"Enable {user.identity_center_user or user.user_name}'s Identity Center user {where}: it is "
                f"disabled, so {user.user_name} could not sign in. Then run `auditor readiness` again",
                person=user.person,
            )
        elif user.match == "matched" and user.match_confirmed is False:
            pair = f"{user.user_name}={user.identity_center_user}"
            self.writer.add(
                "identity-center",
                "prepare",
                user.arn,
                f"Confirm that the IAM user {user.user_name} is {user.identity_center_user} (matched by user name "
                f'only): add "{pair}" to confirmed under [readiness] in auditor.toml, or tag the IAM user with '
                "their e-mail, then run `auditor readiness` again. Until then it is not switched off",
                cli(actions.tag_user(tag_key, "<their-e-mail>"), facts),
                person=user.person,
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
            self.writer.add(
                "identity-center",
                "prepare",
                self.account.account_id,
                f"Assign a group and permission set to {self.account.display_name} so that its team can reach it "
                "through the portal",
                cli(actions.assign_group(), self.writer.facts(instance_arn=idc.instance_arn)),
            )

    def _assign_person(self, idc: IdentityCenter, user: IamUserReadiness) -> None:
        """The smallest grant that covers what the person would lose (``auditor.readiness.proposal``)."""
        iam_user = self.by_name.get(user.user_name)
        proposal = self.access.proposal(self.account, iam_user, user) if self.access and iam_user else None
        if proposal is None:
            return
        facts = self.writer.facts(
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
        if user.identity_center_user_id:
            self.assigned_here.add(user.identity_center_user_id)
        if proposal.permission_set_arn is not None:
            if user.identity_center_user_id and proposal.principal_type == "USER":
                self.new_sets[user.identity_center_user_id] = proposal.permission_set_arn
            self.writer.add(
                "identity-center",
                "prepare",
                user.arn,
                f"Give {who} the permission set {proposal.permission_set_name} in {self.account.display_name}, for "
                f"{lost} (picked: {proposal.rule})",
                cli(actions.assign_permission_set(), {**facts, "permission_set_arn": proposal.permission_set_arn}),
                person=user.person,
                note=note,
            )
            return
        if user.identity_center_user_id and proposal.principal_type == "USER":
            self.created_sets[user.identity_center_user_id] = proposal.permission_set_name
        template = actions.create_permission_set(inline=proposal.inline_policy is not None)
        self.writer.add(
            "identity-center",
            "prepare",
            user.arn,
            f"Create the permission set {proposal.permission_set_name} and give it to {who} in "
            f"{self.account.display_name}, for {lost} (picked: {proposal.rule})",
            cli(
                template,
                {
                    **facts,
                    "permission_set_description": f"What {user.user_name} did as an IAM user in "
                    f"{self.account.display_name} (auditor readiness)",
                    "inline_policy": proposal.inline_policy,
                    "managed_policy_arn": proposal.managed_policy_arn,
                },
            ),
            person=user.person,
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
        self.writer.add(
            "people",
            "prepare",
            user.arn,
            f"Review {user.user_name}'s access before the IAM user is switched off ({'; '.join(items)})",
            person=user.person,
            note="do not go on with this person until reviewed: the tool cannot tell that nothing is lost",
        )

    def _replace_trust(self, user: IamUserReadiness, track: str = "people") -> None:
        for role_arn in user.trusted_by_roles:
            role_account, _, role = role_arn.partition(":role/")
            facts = self.writer.facts(
                user_arn=user.arn,
                role_name=role.rsplit("/", 1)[-1],
                role_account_id=role_account.rsplit(":", 1)[-1],
                person=user.identity_center_user or user.user_name,
            )
            self.writer.add(
                track,
                "prepare",
                user.arn,
                f"Replace the path through {role_arn}: its trust policy names {user.user_name}'s IAM user "
                "(run in the role's account)",
                cli(actions.replace_trusted_user(), facts),
                person=user.person or user.arn,
                note=actions.replace_trusted_user().fill(facts).console[0],
            )

    def _resource_policies(self) -> None:
        needle = f"arn:aws:iam::{self.account.account_id}:user/"
        self.writer.add(
            "people",
            "prepare",
            self.account.account_id,
            f"Manual check: resource policies (S3 buckets, KMS keys, Secrets Manager secrets) that name IAM users of "
            f"{self.account.display_name} ({needle}...), in every account: an identity scan does not read them",
            cli(actions.find_resource_policies_naming(), self.writer.facts(needle=needle)),
        )

    # ------------------------------------------------------------------------------------------- verify

    def _sign_in(self, user: IamUserReadiness) -> None:
        """The person's own sign-in, with the profiles ``auditor sso-config`` writes from the plan's inventory."""
        person = user.identity_center_user or ""
        session = session_name(self.idc) if self.idc else "<session>"
        profiles = self._profiles(user)
        if user.identity_center_user_id in self.assigned_here:
            # the plan's inventory predates the assignment: sso-config cannot see it, AWS CLI v2 can after sign-in
            name = (
                profiles[0] if profiles else f"{self.account.account_name or self.account.account_id}-<permission-set>"
            )
            command = cli(actions.sign_in_after_a_new_assignment(field("profile")), {"profile": name})
            how = (
                f"writes the profile with {actions.configure_sso_hint()} (pick {self.account.display_name} and the "
                "permission set "
                "the plan assigned: the plan's inventory predates that assignment, so auditor sso-config cannot)"
            )
        else:
            check = actions.sign_in_through_the_portal(
                field("person"), field("sso_session"), field("inventory"), field("profile")
            )
            facts: dict[str, Any] = {
                "person": person,
                "sso_session": session,
                "inventory": self.inventory_path,
                "profile": profiles or None,  # none known: <profile> for the reader
            }
            command = cli(check, facts)
            if self.inventory_path is None:
                command = command.replace("<inventory>", INVENTORY_PLACEHOLDER)
            how = (
                "merges the profiles auditor sso-config writes into ~/.aws/config (between marker lines; the rest of "
                "the file stays as it is)"
            )
        self.writer.add(
            "people",
            "verify",
            user.arn,
            f"{person} signs in at {self.readiness.start_url or 'the access portal'}, opens "
            f"{self.account.display_name} and confirms they can do their work, then checks their own profile "
            "answers with their Identity Center role (AWSReservedSSO_...), before their IAM user is switched off",
            command,
            person=user.person,
            note=f"the person {how}; the last line checks the profile of this account",
        )
        self._git(user, profiles)

    def _git(self, user: IamUserReadiness, profiles: list[str]) -> None:
        """A person who uses git with an SSH key or CodeCommit Git credentials of their IAM user loses git when the
        user goes: they move their clones to their Identity Center profile first, and check a fetch works."""
        other = user.evidence.other_credentials
        if other is None or not (
            other.ssh_public_keys or any(s.startswith("codecommit") for s in other.service_specific_credentials or [])
        ):
            return
        template = actions.git_through_identity_center(field("profile"))
        self.writer.add(
            "people",
            "verify",
            user.arn,
            f"{user.identity_center_user or user.user_name} moves their CodeCommit clones from {user.user_name}'s "
            f"SSH key or Git credentials to their Identity Center profile, and checks that git fetch works, before "
            f"{user.user_name} is switched off",
            cli(template, {"profile": profiles[0] if profiles else None}),
            person=user.person,
            note="install AWS's git-remote-codecommit helper once (pip install git-remote-codecommit), then run the "
            "line in each clone, with the repository's region and name",
        )

    def _profiles(self, user: IamUserReadiness) -> list[str]:
        """The person's profiles for this account, as ``auditor sso-config`` names them (counting the assignment
        this plan creates with an existing permission set)."""
        idc = self.inventory.identity_center
        user_id = user.identity_center_user_id
        if idc is None or user_id is None or idc.assignments is None:
            return []
        inventory = self.inventory
        new_set = self.new_sets.get(user_id)
        created = self.created_sets.get(user_id)
        sets = idc.permission_sets or []
        if new_set is None and created is not None:
            # the set the plan creates: named as the plan names it (its ARN is AWS's to give; a stand-in here)
            new_set = f"{idc.instance_arn or 'arn:aws:sso:::instance/planned'}/planned-{created}"
            sets = [*sets, PermissionSet(arn=new_set, name=created)]
        if new_set is not None:
            added = AccountAssignment(
                account_id=self.account.account_id,
                permission_set_arn=new_set,
                principal_type="USER",
                principal_id=user_id,
            )
            inventory = inventory.model_copy(
                update={
                    "identity_center": idc.model_copy(
                        update={"assignments": [*idc.assignments, added], "permission_sets": sets}
                    )
                }
            )
        try:
            config = build_sso_config(inventory, user=user.identity_center_user)
        except InputError:
            return []
        return [profile.name for profile in config.profiles if profile.account_id == self.account.account_id]

    def _quiet(self, user: IamUserReadiness) -> None:
        """A stale user has nobody to sign in: the verification is that nothing uses it."""
        self.writer.add(
            "people",
            "verify",
            user.arn,
            f"Check that nothing uses {user.user_name}: CloudTrail shows no call of it in the last 90 days (per "
            "region) and nobody claims it",
            cli(actions.find_user_use(), self.writer.facts(user_name=user.user_name)),
            person=user.person or user.arn,
        )

    # ------------------------------------------------------------------------------------------- root

    def _root(self) -> None:
        root = self.verdict.root
        subject = f"arn:aws:iam::{self.account.account_id}:root"
        if root is not None and root.active_access_keys:
            assume, delete = (
                cli(actions.assume_root("IAMDeleteRootUserCredentials"), self.writer.facts()),
                self.writer.guarded(cli(actions.delete_root_keys(), self.writer.facts())),
            )
            self.writer.add(
                "root",
                "irreversible",
                subject,
                "Delete the root user's access key: sign in as root, Security credentials > Access keys > Delete "
                "(with centralized root access: from the management account, assume-root, then delete every root "
                "key with the credentials it returns)",
                f"{assume}\n{delete}",
            )
        if root is not None and root.mfa_active is False:
            self.writer.add(
                "root",
                "prepare",
                subject,
                "Enable MFA on the root user (a FIDO security key), or remove its password with centralized root "
                "access",
            )
