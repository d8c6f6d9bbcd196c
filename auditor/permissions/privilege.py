"""What "privileged" means, defined once for every rule (USER-005, IDC-003, IDC-005, ...) and for the readiness stage.

A principal or permission set is privileged when it is granted any of:

* one of the AWS managed policies ``AdministratorAccess``, ``PowerUserAccess`` or ``IAMFullAccess``
  (recognised by ARN in any partition; ``IAMFullAccess`` is here because it lets its holder grant
  themselves anything else);
* a policy with a statement that has ``"Effect": "Allow"``, ``"Action": "*"`` (or ``"*:*"``) and
  ``"Resource": "*"`` (a string or an element of a list). Conditions are not weighed, as in CIS 1.16 and
  Security Hub IAM.1: an admin grant behind a condition is still an admin grant to review.

Sources looked at: for an IAM user, its attached and inline policies and those of each of its groups
(customer-managed policies are resolved through ``account.managed_policies``); for an Identity Center
permission set, its AWS managed policies, its inline policy and its customer-managed policy references,
resolved by name and path in the accounts it is provisioned to. A policy whose document was not collected
is never guessed to be privileged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.inventory import AccountInventory, AttachedPolicy, IamUser, PermissionSet

PRIVILEGED_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
_AWS_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(?P<name>[^/]+)$")
_WILDCARD_ACTIONS = {"*", "*:*"}


@dataclass(frozen=True)
class PrivilegeGrant:
    """One reason a principal is privileged: which policy, reached how, and why it counts."""

    source: str  # "attached to user", "inline on group admins", "permission set managed policy", ...
    policy_name: str
    policy_arn: str | None
    reason: str  # "AWS managed policy AdministratorAccess" | "statement allows Action * on Resource *"

    def as_evidence(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "policy_name": self.policy_name,
            "policy_arn": self.policy_arn,
            "reason": self.reason,
        }


# ------------------------------------------------------------------------------------ policy documents


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def admin_statements(document: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Statements of ``document`` that allow every action on every resource."""
    if not isinstance(document, Mapping):
        return []
    found = []
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = {str(a) for a in _as_list(statement.get("Action"))}
        resources = {str(r) for r in _as_list(statement.get("Resource"))}
        if actions & _WILDCARD_ACTIONS and "*" in resources:
            found.append(dict(statement))
    return found


def _statement_reason(statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    where = f"statement {sid!r}" if sid else "a statement"
    return f"{where} allows Action * on Resource *"


def aws_managed_privileged_name(policy_arn: str | None) -> str | None:
    """``AdministratorAccess`` for ``arn:aws:iam::aws:policy/AdministratorAccess``; None for anything else."""
    match = _AWS_MANAGED_ARN.match(policy_arn or "")
    if match and match.group("name") in PRIVILEGED_MANAGED_POLICIES:
        return match.group("name")
    return None


def _document_grants(
    source: str, name: str, arn: str | None, document: Mapping[str, Any] | None
) -> list[PrivilegeGrant]:
    return [PrivilegeGrant(source, name, arn, _statement_reason(s)) for s in admin_statements(document)[:1]]


def _attached_grants(source: str, policy: AttachedPolicy, account: AccountInventory | None) -> list[PrivilegeGrant]:
    """``account`` resolves customer-managed policies to their documents (``None``: AWS managed ones only)."""
    aws_name = aws_managed_privileged_name(policy.policy_arn)
    if aws_name:
        return [PrivilegeGrant(source, policy.policy_name, policy.policy_arn, f"AWS managed policy {aws_name}")]
    managed = account.managed_policy(policy.policy_arn) if account is not None else None
    document = managed.document if managed is not None else None
    return _document_grants(source, policy.policy_name, policy.policy_arn, document)


# ------------------------------------------------------------------------------------------ IAM users


def user_privilege(account: AccountInventory, user: IamUser) -> list[PrivilegeGrant]:
    """Every grant that makes ``user`` privileged, through its own policies or its groups' (empty: none known)."""
    grants: list[PrivilegeGrant] = []
    for policy in user.attached_policies:
        grants += _attached_grants("attached to user", policy, account)
    for inline in user.inline_policies:
        grants += _document_grants("inline on user", inline.policy_name, None, inline.document)
    for group_name in user.groups:
        group = account.group(group_name)
        if group is None:
            continue  # group details not collected: do not guess
        for policy in group.attached_policies:
            grants += _attached_grants(f"attached to group {group_name}", policy, account)
        for inline in group.inline_policies:
            grants += _document_grants(f"inline on group {group_name}", inline.policy_name, None, inline.document)
    return grants


# ------------------------------------------------------------------------------------- permission sets


def _customer_managed_documents(
    permission_set: PermissionSet, accounts: Iterable[AccountInventory]
) -> Iterator[tuple[str, str, Mapping[str, Any] | None]]:
    for reference in permission_set.customer_managed_policies:
        for account in accounts:
            policy = account.managed_policy_named(reference.name, reference.path)
            if policy is not None:
                yield account.account_id, policy.policy_arn, policy.document


def permission_set_privilege(
    permission_set: PermissionSet, accounts: Iterable[AccountInventory] = ()
) -> list[PrivilegeGrant]:
    """Every grant that makes ``permission_set`` privileged.

    ``accounts`` are the accounts whose customer-managed policies resolve the set's references (the accounts
    it is provisioned to); without them only the AWS managed and inline policies are weighed.
    """
    grants: list[PrivilegeGrant] = []
    for policy in permission_set.managed_policies:
        grants += _attached_grants("permission set managed policy", policy, None)
    grants += _document_grants("permission set inline policy", "inline policy", None, permission_set.inline_policy)
    seen: set[str] = set()
    for account_id, arn, document in _customer_managed_documents(permission_set, accounts):
        for grant in _document_grants(
            f"permission set customer managed policy (in account {account_id})", arn.rsplit("/", 1)[-1], arn, document
        ):
            if grant.policy_arn not in seen:
                seen.add(grant.policy_arn or "")
                grants.append(grant)
    return grants


def grants_evidence(grants: Iterable[PrivilegeGrant]) -> list[dict[str, Any]]:
    return [g.as_evidence() for g in grants]
