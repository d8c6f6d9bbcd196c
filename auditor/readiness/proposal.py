"""What the migration plan proposes when a person would lose access: the smallest grant that covers it, never more.

For one person in one account, from the actions they would lose (``comparison``), in this order:

1. **An existing permission set** that allows every one of those actions outright in the account: the one that
   allows the fewest actions in all (least privilege), assigned to a group of theirs when an Identity Center
   group carries the name of one of their IAM groups, else to them.
2. **A new permission set with an inline policy** listing exactly those actions (a service every action of which is
   lost is written ``service:*``), when it fits the API's limit (``PutInlinePolicyToPermissionSet``: 32,768
   characters). Actions IAM allows only on some resources or under a condition are not written there with
   ``Resource: *`` (that would give more than the person has): the proposal names them, to copy their statements.
3. **An AWS managed job-function policy**, the smallest (fewest actions allowed) of those whose documents the
   scan read that covers them, when the inline policy would not fit.

A privileged grant (the project's one test: AdministratorAccess, PowerUserAccess, IAMFullAccess, or ``*`` on
``*``) is proposed only when the person would lose administrator-only actions: access-management actions of IAM,
Organizations or Identity Center. Anything else would be an escalation dressed as a migration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.inventory import AccountInventory, IamUser, IdentityCenter, Inventory
from auditor.permissions.actions import access_level, service_actions
from auditor.permissions.evaluator import Decision
from auditor.permissions.privilege import PRIVILEGED_MANAGED_POLICIES, admin_statements, permission_set_privilege
from auditor.readiness.comparison import AccessComparison, Comparison

INLINE_POLICY_LIMIT = 32_768  # sso-admin PutInlinePolicyToPermissionSet: InlinePolicy, at most 32,768 characters
NAME_LIMIT = 32  # sso-admin CreatePermissionSet: Name, [\w+=,.@-]{1,32}
ADMINISTRATION = frozenset({"iam", "organizations", "sso", "sso-directory", "identitystore", "identity-sync"})
JOB_FUNCTIONS = frozenset(
    {
        "AdministratorAccess",
        "PowerUserAccess",
        "SecurityAudit",
        "Billing",
        "DatabaseAdministrator",
        "DataScientist",
        "NetworkAdministrator",
        "SupportUser",
        "SystemAdministrator",
        "ViewOnlyAccess",
    }
)


@dataclass(frozen=True)
class Proposal:
    """One grant for one person in one account, and the rule that picked it."""

    rule: str  # why this one, in words (for the plan)
    principal_type: str  # "GROUP" or "USER"
    principal_id: str
    principal_name: str
    permission_set_arn: str | None = None  # an existing set
    permission_set_name: str = ""
    inline_policy: str | None = None  # a new set's inline policy (JSON)
    managed_policy_arn: str | None = None  # a new set's AWS managed policy
    conditional: list[str] = field(default_factory=list)  # lost actions IAM allows only on some resources

    @property
    def creates_a_set(self) -> bool:
        return self.permission_set_arn is None


def propose(
    inventory: Inventory,
    comparison: AccessComparison,
    account: AccountInventory,
    iam_user: IamUser,
    identity_center_user_id: str,
    gap: Comparison,
) -> Proposal:
    idc = inventory.identity_center
    assert idc is not None  # a gap is found only against an enabled Identity Center
    principal_type, principal_id, principal_name = _principal(idc, iam_user, identity_center_user_id)
    lost = sorted(gap.lost)
    # An access-management action IAM allowed only under a condition or on some resources is not administrator
    # access (AWSCodeCommitPowerUser's iam:CreateServiceLinkedRole, for one service's role only): it is copied
    # with its limits (``conditional``), never a reason to propose AdministratorAccess.
    administration = [a for a in lost if _administrator_only(a) and a not in gap.lost_conditional]
    may_be_privileged = bool(administration)
    existing = _covering_set(inventory, comparison, account, lost, may_be_privileged)
    if existing is not None:
        arn, name = existing
        return Proposal(
            rule="the existing permission set that allows every lost action outright here and the fewest actions "
            "in all",
            principal_type=principal_type,
            principal_id=principal_id,
            principal_name=principal_name,
            permission_set_arn=arn,
            permission_set_name=name,
        )
    outright = [a for a in lost if a not in gap.lost_conditional]
    conditional = [a for a in lost if a in gap.lost_conditional]
    name = _set_name(iam_user.user_name)
    policy = _inline_policy(outright)
    if policy is not None and (may_be_privileged or not _privileged_document(json.loads(policy))):
        return Proposal(
            rule="a new permission set whose inline policy allows exactly the actions that would be lost",
            principal_type=principal_type,
            principal_id=principal_id,
            principal_name=principal_name,
            permission_set_name=name,
            inline_policy=policy,
            conditional=conditional,
        )
    managed = _covering_job_function(inventory, comparison, account, outright, may_be_privileged)
    if managed is not None:
        return Proposal(
            rule="the smallest AWS managed job-function policy that allows every lost action (the exact list does "
            "not fit an inline policy)",
            principal_type=principal_type,
            principal_id=principal_id,
            principal_name=principal_name,
            permission_set_name=name,
            managed_policy_arn=managed,
            conditional=conditional,
        )
    return Proposal(
        rule="a new permission set allowing the lost services whole: the exact list does not fit an inline policy "
        "and no job-function policy the scan read covers it; narrow it before use",
        principal_type=principal_type,
        principal_id=principal_id,
        principal_name=principal_name,
        permission_set_name=name,
        inline_policy=_document(sorted({f"{a.split(':', 1)[0]}:*" for a in outright})),
        conditional=conditional,
    )


def _administrator_only(action: str) -> bool:
    """Access management of IAM, Organizations or Identity Center: what only an administrator grant gives."""
    return action.split(":", 1)[0].lower() in ADMINISTRATION and access_level(action) == "Permissions management"


def _principal(idc: IdentityCenter, iam_user: IamUser, user_id: str) -> tuple[str, str, str]:
    """A group the person is a member of that carries the name of one of their IAM groups, else the person."""
    iam_groups = {name.lower() for name in iam_user.groups}
    member_of = {m.group_id for m in idc.memberships or [] if m.user_id == user_id}
    for group in idc.groups or []:
        if group.group_id in member_of and group.display_name.lower() in iam_groups:
            return "GROUP", group.group_id, group.display_name
    person = idc.user(user_id)
    return "USER", user_id, person.user_name if person is not None else user_id


def _covering_set(
    inventory: Inventory,
    comparison: AccessComparison,
    account: AccountInventory,
    lost: list[str],
    may_be_privileged: bool,
) -> tuple[str, str] | None:
    idc = inventory.identity_center
    candidates = []
    for permission_set in (idc.permission_sets if idc is not None else None) or []:
        if not may_be_privileged and permission_set_privilege(permission_set, [account]):
            continue
        side = comparison.set_side(account, permission_set.arn)
        if side.unknown or not all(side.grants.decision(a) is Decision.ALLOWED for a in lost):
            continue
        candidates.append((len(side.grants), permission_set.name, permission_set.arn))
    if not candidates:
        return None
    _, name, arn = min(candidates)
    return arn, name


def _covering_job_function(
    inventory: Inventory,
    comparison: AccessComparison,
    account: AccountInventory,
    lost: list[str],
    may_be_privileged: bool,
) -> str | None:
    candidates = []
    for policy in inventory.aws_managed_policies or []:
        if policy.policy_name not in JOB_FUNCTIONS or policy.document is None:
            continue
        if not may_be_privileged and policy.policy_name in PRIVILEGED_MANAGED_POLICIES:
            continue
        grants = comparison.policy_grants(policy.document)
        if all(grants.decision(a) is Decision.ALLOWED for a in lost):
            candidates.append((len(grants), policy.policy_name, policy.policy_arn))
    return min(candidates)[2] if candidates else None


def _inline_policy(actions: list[str]) -> str | None:
    """The inline policy allowing exactly ``actions`` (whole services as ``service:*``), or None if too long."""
    by_service: dict[str, list[str]] = {}
    for action in actions:
        by_service.setdefault(action.split(":", 1)[0].lower(), []).append(action)
    patterns = []
    for service, names in sorted(by_service.items()):
        everything = service_actions(service)
        patterns += [f"{service}:*"] if everything and len(set(names)) >= len(everything) else sorted(names)
    document = _document(patterns)
    return document if len(document) <= INLINE_POLICY_LIMIT else None


def _document(actions: Iterable[str]) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]},
        separators=(",", ":"),
    )


def _privileged_document(document: dict[str, object]) -> bool:
    return bool(admin_statements(document))


def _set_name(user_name: str) -> str:
    """A permission set name AWS accepts ([\\w+=,.@-], at most 32), from the IAM user's."""
    base = re.sub(r"[^\w+=,.@-]", "-", user_name)
    return f"{base[: NAME_LIMIT - len('-from-iam')]}-from-iam"
