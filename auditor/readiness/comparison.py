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

Statements that only let an IAM user manage itself are left out of the IAM side: those whose every resource is
the user's own ARN (``arn:aws:iam::*:user/${aws:username}``) or an MFA device's (``:mfa/``, a resource only IAM
users and root have), as in AWS's self-service MFA and credential policies. They manage the IAM user and its MFA,
which the migration deletes (Identity Center has its own MFA). A policy variable elsewhere (an S3 home folder
``home/${aws:username}/``) is access to data, and stays.

The comparison of a policy combination is computed once: people whose IAM policies come to the same statements
and boundary, with permission sets that do too, share it in every account (when their use is unknown; a
comparison on use is the person's own, over the few actions they used).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Final, TypeAlias

from auditor.inventory import AccountInventory, IamUser, Inventory, PermissionSet, ServiceUse
from auditor.permissions.evaluator import (
    BOUNDARY_UNREADABLE,
    Decision,
    Grants,
    PolicyCache,
    PolicySet,
    Unreadable,
    best_of,
    covers,
    grants,
    not_covered,
)
from auditor.readiness.models import (
    ACTIONS_LISTED,
    SERVICES_LISTED,
    AccessBasis,
    ActionCount,
    ServiceActions,
    built,
)

IAM_ARN = "arn:aws:iam::"  # only IAM resources: a bucket path with ${aws:username} in it is data, kept
SELF = "/${aws:username}"  # at the end of a user ARN: the IAM user itself (user/${aws:username}, under any path)
MFA_DEVICE = ":mfa/"  # an IAM MFA device's ARN: IAM users' (and root's) MFA, not Identity Center's
KEPT = (Decision.ALLOWED, Decision.DEPENDS)


@dataclass(frozen=True, eq=False)
class Side:
    """What one principal's policies allow (``Grants``), and the policies whose document is unknown."""

    grants: Grants
    unknown: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[Any, ...]:
        """Equal for equal statements, boundary and unknown policies, whatever the account: the comparison cache's
        key (a ``PolicySet`` is a value; ``Grants`` is a mapping and hashes by nothing)."""
        return self.grants.identity, self.grants.boundary, self.unknown


@dataclass
class _Service:
    """One service's actions in a comparison's list, and the latest use of any of them."""

    actions: list[str]
    last_used: datetime | None


@dataclass
class Comparison:
    basis: AccessBasis
    lost: dict[str, datetime | None] = field(default_factory=dict)  # action -> its last use (used basis)
    review: dict[str, datetime | None] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    # lost actions IAM allows only on some resources or under a condition: a new grant must keep those limits
    lost_conditional: set[str] = field(default_factory=set)
    # the same, by service prefix, kept as they are recorded (the lists in the findings are by service)
    _lost_services: dict[str, _Service] = field(default_factory=dict, repr=False)
    _review_services: dict[str, _Service] = field(default_factory=dict, repr=False)

    def record(self, action: str, last_used: datetime | None, mine: Decision, theirs: Decision, unsure: bool) -> None:
        """No set allows ``action`` outright: lost, or to review when a set allows it under a condition or on some
        resources (conditions are not compared, so also when IAM does too), or when a set's documents are
        unknown."""
        prefix = action.split(":", 1)[0].lower()
        if theirs is Decision.DEPENDS or unsure:
            self.review[action] = last_used
            _add(self._review_services, prefix, [action], last_used)
            return
        self.lost[action] = last_used
        _add(self._lost_services, prefix, [action], last_used)
        if mine is Decision.DEPENDS:
            self.lost_conditional.add(action)

    def record_service(self, prefix: str, part: _ServicePart, last_used: datetime | None) -> None:
        """One service's actions at once, all used at ``last_used``: ``AccessComparison._whole_service``."""
        lost, review, conditional = part
        if lost:
            self.lost.update(dict.fromkeys(lost, last_used))
            _add(self._lost_services, prefix, lost, last_used)
            self.lost_conditional.update(conditional)
        if review:
            self.review.update(dict.fromkeys(review, last_used))
            _add(self._review_services, prefix, review, last_used)

    # Read when the comparison is complete: people who share a comparison share these lists and counts.

    @cached_property
    def would_lose(self) -> tuple[list[ServiceActions], ActionCount]:
        return _listed(self._lost_services, len(self.lost))

    @cached_property
    def needs_review(self) -> tuple[list[ServiceActions], ActionCount]:
        return _listed(self._review_services, len(self.review))


NO_ACTIONS: Final = ActionCount(actions=0, services=0)  # shared: a model is never changed once built
_ServicePart: TypeAlias = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # lost, review, conditional


def _add(services: dict[str, _Service], prefix: str, actions: Sequence[str], last_used: datetime | None) -> None:
    found = services.get(prefix)
    if found is None:
        services[prefix] = _Service(list(actions), last_used)
        return
    found.actions.extend(actions)
    if last_used is not None and (found.last_used is None or last_used > found.last_used):
        found.last_used = last_used


def _listed(services: dict[str, _Service], actions: int) -> tuple[list[ServiceActions], ActionCount]:
    """The ``SERVICES_LISTED`` services with the most actions (then by name), each naming its first
    ``ACTIONS_LISTED`` actions, and the count of them all."""
    if not services:
        return [], NO_ACTIONS
    listed = sorted(services.items(), key=lambda item: (-len(item[1].actions), item[0]))[:SERVICES_LISTED]
    return (
        [  # built, not validated again (models.built): the stage's own values, of the declared types
            built(
                ServiceActions,
                {
                    "service": prefix,
                    "actions": sorted(service.actions)[:ACTIONS_LISTED],
                    "count": len(service.actions),
                    "last_used": service.last_used,
                },
            )
            for prefix, service in listed
        ],
        built(ActionCount, {"actions": actions, "services": len(services)}),
    )


class AccessComparison:
    """The comparisons of one inventory: each document read once, each policy combination evaluated once."""

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._documents = PolicyCache()
        self._without_self: dict[int, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
        self._iam: dict[tuple[Any, ...], Side] = {}
        self._sets: dict[tuple[str, str], Side] = {}
        self._granted: dict[tuple[Any, ...], Comparison] = {}
        self._services: dict[tuple[Any, ...], _ServicePart] = {}
        self._combinations: dict[tuple[int, ...], tuple[tuple[Any, ...], tuple[str, ...], bool, tuple[Side, ...]]] = {}

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
        key, unknown, unsure = self._combination(iam, sets)
        if use is None:
            found = self._granted.get(key)
            if found is None:
                found = Comparison(basis="granted", unknown=list(unknown))
                for action, mine, theirs in not_covered(iam.grants, [s.grants for s in sets]):
                    if not _same_condition(iam, sets, action, mine, theirs):
                        found.record(action, None, mine, theirs, unsure)
                self._granted[key] = found
            return found
        comparison = Comparison(basis="used", unknown=list(unknown))
        named, whole = _used(use)
        theirs_all = [s.grants for s in sets]
        # a service tracked only as a whole: every action of it IAM allows may have been used
        for prefix, service_used in whole.items():
            comparison.record_service(prefix, self._whole_service(iam, sets, unsure, prefix), service_used)
        for action, last_used in named.items():
            mine = iam.grants.decision(action)
            if mine not in KEPT or action in comparison.lost or action in comparison.review:
                continue  # used once, not allowed now: nothing to lose
            theirs = best_of(theirs_all, action)
            if theirs is not Decision.ALLOWED and not _same_condition(iam, sets, action, mine, theirs):
                comparison.record(action, last_used, mine, theirs, unsure)
        return comparison

    def _combination(self, iam: Side, sets: Sequence[Side]) -> tuple[tuple[Any, ...], tuple[str, ...], bool]:
        """The cache key of one IAM side against some sets (equal policies, equal key, in any account), the
        unknown documents of either side, and whether an action no set allows may still be allowed by one whose
        documents are unknown (then it is to review, not lost). Once per combination of side objects."""
        by_objects = (id(iam), *map(id, sets))
        found = self._combinations.get(by_objects)
        if found is None:
            unknown = tuple(sorted({*iam.unknown, *(u for s in sets for u in s.unknown)}))
            key = (iam.key, frozenset(s.key for s in sets))
            # the sides are kept in the entry: an id is not reused while its object lives
            found = self._combinations[by_objects] = (key, unknown, any(s.unknown for s in sets), (iam, *sets))
        return found[0], found[1], found[2]

    def _whole_service(self, iam: Side, sets: Sequence[Side], unsure: bool, prefix: str) -> _ServicePart:
        """(lost, to review, lost and conditional in IAM) of one service's actions, on the masks: the same for
        everyone with these policies who used the service, so computed once for them."""
        key = (self._combination(iam, sets)[0], prefix)
        found = self._services.get(key)
        if found is None:
            part = Comparison(basis="used")
            for action, mine, theirs in not_covered(iam.grants, [s.grants for s in sets], [prefix]):
                if not _same_condition(iam, sets, action, mine, theirs):
                    part.record(action, None, mine, theirs, unsure)
            found = (tuple(sorted(part.lost)), tuple(sorted(part.review)), tuple(part.lost_conditional))
            self._services[key] = found
        return found

    def policy_grants(self, document: Mapping[str, Any]) -> Grants:
        """What one policy document allows on its own (a job-function policy the plan may propose)."""
        return grants(self._documents.policy_set([document]))


def _same_condition(iam: Side, sets: Sequence[Side], action: str, mine: Decision, theirs: Decision) -> bool:
    """Both sides allow ``action`` only under a condition or on some resources, and a set does by the same
    statements (``covers``): kept, not to review."""
    both = mine is Decision.DEPENDS and theirs is Decision.DEPENDS
    return both and any(covers(s.grants, iam.grants, action) for s in sets)


def _used(use: list[ServiceUse]) -> tuple[dict[str, datetime | None], dict[str, datetime]]:
    """The actions used, where AWS records them by name, and (lower-case prefix -> last use) the services it tracks
    only as a whole: for those, which of the actions IAM allows were used is not known, so all of them count."""
    named: dict[str, datetime | None] = {}
    whole: dict[str, datetime] = {}
    for service in use:
        if service.actions is None:
            whole[service.namespace.lower()] = service.last_accessed
        else:
            named.update((used.action, used.last_accessed) for used in service.actions)
    return named, whole


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
    return bool(resources) and all(isinstance(r, str) and _names_itself(r) for r in resources)


def _names_itself(resource: str) -> bool:
    """The IAM user's own ARN (``arn:aws:iam::*:user/${aws:username}``, under any path) or an MFA device's."""
    if not resource.startswith(IAM_ARN):
        return False
    return MFA_DEVICE in resource or (":user/" in resource and resource.endswith(SELF))
