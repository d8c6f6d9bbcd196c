"""Access levels and the Identity Center access map.

A level is what a principal can do in an account, in four steps: ``administrator``, ``other``, ``read-only``,
``none``. Privilege is the project's one definition (``auditor.rules._privilege``, the test IDC-005 and
USER-005 use): a privileged grant is ``administrator``, except ``PowerUserAccess`` alone (it cannot manage IAM
or Organizations), which is ``other`` while still marked privileged. ``read-only`` is the AWS managed
read-only policies and nothing else; anything else granted is ``other``. A group whose details were not
collected is never guessed to grant nothing: it makes the user's level ``other`` at least.

The access map follows assignments to users directly and through the groups they are members of, as
``sso-admin:ListAccountAssignmentsForPrincipal`` would, from the assignments the inventory holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.inventory import AccountInventory, AttachedPolicy, IamUser, IdentityCenter, Inventory, PermissionSet
from auditor.permissions.privilege import PrivilegeGrant, permission_set_privilege, user_privilege
from auditor.readiness.models import ACCESS_RANK, AccessGrant, AccessLevel

READ_ONLY_POLICIES = frozenset({"ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"})
_NOT_ADMINISTRATOR = "AWS managed policy PowerUserAccess"


def highest(levels: Iterable[AccessLevel]) -> AccessLevel:
    return max(levels, key=lambda level: ACCESS_RANK[level], default="none")


def _level(grants: Sequence[PrivilegeGrant], policies: Sequence[AttachedPolicy], other_grants: bool) -> AccessLevel:
    if any(grant.reason != _NOT_ADMINISTRATOR for grant in grants):
        return "administrator"
    if grants or other_grants:
        return "other"
    if not policies:
        return "none"
    if all(_aws_managed_name(p) in READ_ONLY_POLICIES for p in policies):
        return "read-only"
    return "other"


def _aws_managed_name(policy: AttachedPolicy) -> str | None:
    arn = policy.policy_arn
    return arn.rsplit("/", 1)[-1] if ":iam::aws:policy/" in arn else None


class IamLevels:
    """IAM users' levels in one account. Users with the same groups and attached policies (and no inline
    policy) have the same level: it is computed once per such combination, not once per user."""

    def __init__(self, account: AccountInventory) -> None:
        self._account = account
        self._levels: dict[tuple[tuple[str, ...], tuple[str, ...]], AccessLevel] = {}

    def of(self, user: IamUser) -> AccessLevel:
        if user.inline_policies:
            return iam_user_level(self._account, user)
        policies = user.attached_policies
        key = (tuple(user.groups), tuple([p.policy_arn for p in policies]) if policies else ())
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = iam_user_level(self._account, user)
        return level


def iam_user_level(account: AccountInventory, user: IamUser) -> AccessLevel:
    policies = list(user.attached_policies)
    other = bool(user.inline_policies)
    for group_name in user.groups:
        group = account.group(group_name)
        if group is None:
            other = True
            continue
        policies += group.attached_policies
        other = other or bool(group.inline_policies)
    return _level(user_privilege(account, user), policies, other)


def permission_set_level(permission_set: PermissionSet, accounts: Sequence[AccountInventory]) -> AccessLevel:
    grants = permission_set_privilege(permission_set, accounts)
    other = permission_set.inline_policy is not None or bool(permission_set.customer_managed_policies)
    return _level(grants, permission_set.managed_policies, other)


@dataclass(frozen=True)
class _SetInAccount:
    name: str
    level: AccessLevel
    privileged: bool


class AccessMap:
    """Every Identity Center user's grants, by user id; built once from the inventory's assignments."""

    def __init__(self, inventory: Inventory, identity_center: IdentityCenter, production: set[str]) -> None:
        self._inventory = inventory
        self._idc = identity_center
        self._production = production
        self._account_names: dict[str, str | None] = {}
        self._sets: dict[tuple[str, str], _SetInAccount | None] = {}
        self._grants: dict[tuple[str, str, str], AccessGrant] = {}
        groups_of: dict[str, list[str]] = {}
        for membership in identity_center.memberships or []:
            groups_of.setdefault(membership.user_id, []).append(membership.group_id)
        self.groups_of = groups_of
        by_principal: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for assignment in identity_center.assignments or []:
            by_principal.setdefault((assignment.principal_type, assignment.principal_id), []).append(
                (assignment.account_id, assignment.permission_set_arn)
            )
        self.grants: dict[str, list[AccessGrant]] = {}
        self._levels: dict[tuple[str, str], AccessLevel] = {}  # (user id, account id) -> highest level
        self._set_arns: dict[tuple[str, str], list[str]] = {}  # (user id, account id) -> sets reached, each once
        for user in identity_center.users or []:
            reached = [("direct", target) for target in by_principal.get(("USER", user.user_id), [])]
            for group_id in groups_of.get(user.user_id, []):
                group = identity_center.group(group_id)
                via = f"group {group.display_name if group else group_id}"
                reached += [(via, target) for target in by_principal.get(("GROUP", group_id), [])]
            self.grants[user.user_id] = sorted(
                [self._grant(via, account_id, ps_arn) for via, (account_id, ps_arn) in reached],
                key=lambda g: (g.account_id, g.permission_set, g.via),
            )
            for grant in self.grants[user.user_id]:
                key = (user.user_id, grant.account_id)
                self._levels[key] = highest([self._levels.get(key, "none"), grant.level])
                arns = self._set_arns.setdefault(key, [])
                if grant.permission_set_arn not in arns:
                    arns.append(grant.permission_set_arn)

    def _set_in(self, account_id: str, ps_arn: str) -> _SetInAccount | None:
        key = (account_id, ps_arn)
        if key not in self._sets:
            ps = self._idc.permission_set(ps_arn)
            if ps is None:
                self._sets[key] = None
            else:
                account = self._inventory.account(account_id)
                accounts = [account] if account is not None else []
                level = permission_set_level(ps, accounts)
                privileged = bool(permission_set_privilege(ps, accounts))
                self._sets[key] = _SetInAccount(ps.name, level, privileged)
        return self._sets[key]

    def _grant(self, via: str, account_id: str, ps_arn: str) -> AccessGrant:
        """One grant per way in: the members of a group share it (it is plain data, never changed)."""
        key = (via, account_id, ps_arn)
        grant = self._grants.get(key)
        if grant is None:
            grant = self._grants[key] = self._new_grant(via, account_id, ps_arn)
        return grant

    def _new_grant(self, via: str, account_id: str, ps_arn: str) -> AccessGrant:
        described = self._set_in(account_id, ps_arn)
        return AccessGrant(
            account_id=account_id,
            account_name=self._account_name(account_id),
            permission_set_arn=ps_arn,
            permission_set=described.name if described else ps_arn.rsplit("/", 1)[-1],
            via=via,
            # a set whose description could not be read is not guessed to grant anything
            level=described.level if described else "other",
            privileged=described.privileged if described else False,
            production=account_id in self._production,
        )

    def _account_name(self, account_id: str) -> str | None:
        if account_id not in self._account_names:
            self._account_names[account_id] = self._inventory.account_name(account_id)
        return self._account_names[account_id]

    def permission_set_arns_in(self, user_id: str, account_id: str) -> list[str]:
        """The permission sets the user reaches in the account, directly or through groups, each once."""
        return list(self._set_arns.get((user_id, account_id), ()))

    def level_in(self, user_id: str, account_id: str) -> AccessLevel:
        return self._levels.get((user_id, account_id), "none")
