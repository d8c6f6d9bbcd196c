"""A person's access under IAM against their access through Identity Center, action by action.

For each matched person in each account: the actions they used in IAM's tracking window (or, when their use could
not be read, every action IAM allows them today: the conservative side), each decided twice with IAM's evaluation
logic (``auditor.permissions.evaluator``): by the IAM user's policies (its own, its groups', capped by its
permissions boundary), and by the permission sets Identity Center assigns to the person's identity-store user in
that account (directly or through a group; a set is one role, and the person may use any of them, so the best
answer of any set counts). An action IAM allows that no set allows is lost; one a set allows only under a
condition or on some resources needs review. A policy whose document is unknown is never guessed to allow or to
deny: on the IAM side the comparison is incomplete, on the Identity Center side an action no known set allows
needs review rather than counting as lost.

Statements that only let an IAM user manage itself are left out of the IAM side: those whose every resource
names the user (``${aws:username}``) or an MFA device (``:mfa/``, a resource only IAM users and root have), as in
AWS's self-service MFA and credential policies. They manage the IAM user and its MFA, which the migration deletes
(Identity Center has its own MFA).

The comparison of a policy combination is computed once: users with the same groups, attached policies and
boundary (and no inline policy) share it, and so do people with the same permission sets in an account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.inventory import AccountInventory, IamUser, Inventory, PermissionSet, ServiceUse
from auditor.permissions.evaluator import (
    BOUNDARY_UNREADABLE,
    Decision,
    Grants,
    PolicyCache,
    PolicySet,
    Unreadable,
    best_of,
    beyond_all,
    grants,
)
from auditor.readiness.models import ACTIONS_LISTED, AccessBasis, ServiceActions

SELF = "${aws:username}"  # a resource naming the IAM user itself: gone with the user
MFA_DEVICE = ":mfa/"  # an IAM MFA device's ARN: IAM users' (and root's) MFA, not Identity Center's
KEPT = (Decision.ALLOWED, Decision.DEPENDS)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the comparison cache keys on the objects
class Side:
    """What one principal's policies allow (``Grants``), and the policies whose document is unknown."""

    grants: Grants
    unknown: tuple[str, ...] = ()


@dataclass
class Comparison:
    basis: AccessBasis
    lost: dict[str, datetime | None] = field(default_factory=dict)  # action -> its last use (used basis)
    review: dict[str, datetime | None] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    # lost actions IAM allows only on some resources or under a condition: a new grant must keep those limits
    lost_conditional: set[str] = field(default_factory=set)

    def record(self, action: str, last_used: datetime | None, mine: Decision, theirs: Decision, unsure: bool) -> None:
        """``theirs`` allows less than ``mine``: lost, or (a set allows it under a condition, or a set's documents
        are unknown) to review."""
        if theirs is Decision.DEPENDS or unsure:
            self.review[action] = last_used
            return
        self.lost[action] = last_used
        if mine is Decision.DEPENDS:
            self.lost_conditional.add(action)

    def services(self, actions: Mapping[str, datetime | None]) -> list[ServiceActions]:
        by_service: dict[str, list[str]] = {}
        for action in actions:
            by_service.setdefault(action.split(":", 1)[0].lower(), []).append(action)
        return [
            ServiceActions(
                service=service,
                actions=sorted(names)[:ACTIONS_LISTED],
                count=len(names),
                last_used=max((used for a in names if (used := actions[a]) is not None), default=None),
            )
            for service, names in sorted(by_service.items())
        ]


class AccessComparison:
    """The comparisons of one inventory: each document read once, each policy combination evaluated once."""

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._documents = PolicyCache()
        self._without_self: dict[int, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        self._iam: dict[tuple[Any, ...], Side] = {}
        self._sets: dict[tuple[str, str], Side] = {}
        self._granted: dict[tuple[Side, ...], Comparison] = {}

    # ------------------------------------------------------------------------------------------- IAM side

    def iam_side(self, account: AccountInventory, user: IamUser) -> Side:
        """What the IAM user may do: its policies and its groups', capped by its permissions boundary. Users with
        the same groups, attached policies and boundary (and no inline policy) share one ``Side``."""
        if user.inline_policies:
            return self._new_iam_side(account, user)
        key = (
            account.account_id,
            tuple(user.groups),
            tuple(p.policy_arn for p in user.attached_policies),
            user.permissions_boundary_arn,
        )
        side = self._iam.get(key)
        if side is None:
            side = self._iam[key] = self._new_iam_side(account, user)
        return side

    def _new_iam_side(self, account: AccountInventory, user: IamUser) -> Side:
        documents: list[Mapping[str, Any]] = [policy.document for policy in user.inline_policies]
        unknown: list[str] = []
        for attached in user.attached_policies:
            self._add_managed(account, attached.policy_arn, documents, unknown)
        for group_name in user.groups:
            group = account.group(group_name)
            if group is None:
                unknown.append(f"group {group_name}")
                continue
            documents += [policy.document for policy in group.inline_policies]
            for attached in group.attached_policies:
                self._add_managed(account, attached.policy_arn, documents, unknown)
        boundary: PolicySet | Unreadable | None = None
        if user.permissions_boundary_arn:
            boundary = self._boundary(account, user.permissions_boundary_arn, unknown)
        identity = self._documents.policy_set([self._not_managing_itself(d) for d in documents])
        return Side(grants(identity, boundary), tuple(unknown))

    def _not_managing_itself(self, document: Mapping[str, Any]) -> Mapping[str, Any]:
        """``without_self_management``, once per document object (the same object stays the same compiled one)."""
        entry = self._without_self.get(id(document))
        if entry is None or entry[0] is not document:
            entry = self._without_self[id(document)] = (document, without_self_management(document))
        return entry[1]

    def _add_managed(
        self, account: AccountInventory, arn: str, documents: list[Mapping[str, Any]], unknown: list[str]
    ) -> None:
        policy = self._inventory.aws_managed_policy(arn) if ":iam::aws:policy/" in arn else account.managed_policy(arn)
        if policy is None or policy.document is None:
            unknown.append(arn)
        else:
            documents.append(policy.document)

    def _boundary(self, account: AccountInventory, arn: str, unknown: list[str]) -> PolicySet | Unreadable:
        documents: list[Mapping[str, Any]] = []
        self._add_managed(account, arn, documents, unknown)
        return self._documents.policy_set(documents) if documents else BOUNDARY_UNREADABLE

    # ------------------------------------------------------------------------------------------- Identity Center

    def set_side(self, account: AccountInventory, permission_set_arn: str) -> Side:
        """One permission set as it applies in the account (its customer-managed policies are the account's)."""
        key = (account.account_id, permission_set_arn)
        side = self._sets.get(key)
        if side is None:
            idc = self._inventory.identity_center
            permission_set = idc.permission_set(permission_set_arn) if idc is not None else None
            if permission_set is None:  # assigned, but its description could not be read
                side = Side(grants(PolicySet(frozenset())), (permission_set_arn,))
            else:
                side = self._new_set_side(account, permission_set)
            self._sets[key] = side
        return side

    def _new_set_side(self, account: AccountInventory, permission_set: PermissionSet) -> Side:
        documents: list[Mapping[str, Any]] = []
        unknown: list[str] = []
        for attached in permission_set.managed_policies:
            self._add_managed(account, attached.policy_arn, documents, unknown)
        for reference in permission_set.customer_managed_policies:
            policy = account.managed_policy_named(reference.name, reference.path)
            if policy is None or policy.document is None:  # missing in this account: provisioning fails there
                unknown.append(f"{reference.path}{reference.name} in {account.account_id}")
            else:
                documents.append(policy.document)
        if permission_set.inline_policy is not None:
            documents.append(permission_set.inline_policy)
        boundary: PolicySet | Unreadable | None = None
        bound = permission_set.permissions_boundary
        if permission_set.permissions_boundary_unreadable:
            boundary = BOUNDARY_UNREADABLE
        elif bound is not None and bound.managed_policy_arn:
            boundary = self._boundary(account, bound.managed_policy_arn, unknown)
        elif bound is not None and bound.customer_managed_policy is not None:
            reference = bound.customer_managed_policy
            policy = account.managed_policy_named(reference.name, reference.path)
            if policy is None or policy.document is None:
                unknown.append(f"{reference.path}{reference.name} in {account.account_id}")
                boundary = BOUNDARY_UNREADABLE
            else:
                boundary = self._documents.policy_set([policy.document])
        return Side(grants(self._documents.policy_set(documents), boundary), tuple(unknown))

    # ------------------------------------------------------------------------------------------- the comparison

    def compare(self, iam: Side, sets: Sequence[Side], use: list[ServiceUse] | None) -> Comparison:
        """What the person would lose (no set allows it) or must review (a set allows it only under a condition or
        on some resources), of what they used (``use``) or, use unknown, of all IAM allows them."""
        unknown = sorted({*iam.unknown, *(u for s in sets for u in s.unknown)})
        # an action no known set allows may be allowed by a set whose documents are unknown: review, not lost
        unsure = any(s.unknown for s in sets)
        if use is None:
            key = (iam, *sets)
            found = self._granted.get(key)
            if found is None:
                found = Comparison(basis="granted", unknown=unknown)
                for action, mine, theirs in beyond_all(iam.grants, [s.grants for s in sets]):
                    found.record(action, None, mine, theirs, unsure)
                self._granted[key] = found
            return found
        comparison = Comparison(basis="used", unknown=unknown)
        for action, last_used in _used_actions(use, iam.grants).items():
            mine = iam.grants.decision(action)
            if mine not in KEPT:
                continue  # used once, not allowed now: nothing to lose
            theirs = best_of([s.grants for s in sets], action)
            if theirs is not Decision.ALLOWED:
                comparison.record(action, last_used, mine, theirs, unsure)
        return comparison

    def policy_grants(self, document: Mapping[str, Any]) -> Grants:
        """What one policy document allows on its own (a job-function policy the plan may propose)."""
        return grants(self._documents.policy_set([document]))


def _used_actions(use: list[ServiceUse], granted: Grants) -> dict[str, datetime | None]:
    """The actions used: named where AWS records them; for a service it tracks only as a whole, every action of it
    that IAM allows (which of them were used is not known)."""
    actions: dict[str, datetime | None] = {}
    whole: dict[str, datetime] = {}
    for service in use:
        if service.actions is None:
            whole[service.namespace.lower()] = service.last_accessed
        else:
            actions.update((used.action, used.last_accessed) for used in service.actions)
    if whole:
        for action in granted:
            used_at = whole.get(action.split(":", 1)[0].lower())
            if used_at is not None:
                actions.setdefault(action, used_at)
    return actions


def without_self_management(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document without its Allow statements whose every resource names the IAM user itself or an MFA device."""
    statements = document.get("Statement", [])
    listed = statements if isinstance(statements, list) else [statements]
    kept = [s for s in listed if not _manages_only_itself(s)]
    return document if len(kept) == len(listed) else {**document, "Statement": kept}


def _manages_only_itself(statement: Any) -> bool:
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow" or "Resource" not in statement:
        return False
    resources = statement["Resource"]
    resources = resources if isinstance(resources, list) else [resources]
    return bool(resources) and all(isinstance(r, str) and (SELF in r or MFA_DEVICE in r) for r in resources)
