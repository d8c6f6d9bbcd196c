"""IAM in one account: root signals, users (with keys), groups, roles and customer-managed policies.

Call budget per account: a constant handful (credential report, summary, virtual MFA, authorization details,
ListRoles) plus one ``ListAccessKeys`` per user that has keys. ``GetAccessKeyLastUsed`` per key is not needed:
the credential report already says when and where each key slot was last used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from auditor.collect.calls import CallContext, call, call_paginated
from auditor.collect.responses import result_list, tag_dict
from auditor.inventory import (
    AccessKey,
    AttachedPolicy,
    CredentialReport,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
)
from auditor.util.timestamps import as_utc

AUTHORIZATION_DETAIL_FILTER = ["User", "Group", "Role", "LocalManagedPolicy"]


@dataclass(frozen=True)
class IamPrincipals:
    users: list[IamUser]
    groups: list[IamGroup]
    roles: list[IamRole]
    managed_policies: list[ManagedPolicy]


# ------------------------------------------------------------------------------------------ root signals


def account_summary(ctx: CallContext, iam: Any) -> dict[str, int] | None:
    response = call(ctx, iam, "GetAccountSummary")
    return dict(sorted(response["SummaryMap"].items())) if response else None


def root_has_virtual_mfa(ctx: CallContext, iam: Any, account_id: str) -> bool | None:
    """True when a virtual MFA device is bound to root (ROOT-003). Matched on the ARN, never the serial's name."""
    response = call_paginated(ctx, iam, "ListVirtualMFADevices", AssignmentStatus="Assigned")
    if response is None:
        return None
    root_arn = f"arn:aws:iam::{account_id}:root"
    return any(device.get("User", {}).get("Arn") == root_arn for device in response.get("VirtualMFADevices", []))


# ------------------------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class AuthorizationDetails:
    """What ``GetAccountAuthorizationDetails`` and ``ListRoles`` returned, before the access keys are listed."""

    details: dict[str, Any]
    max_session_by_role: dict[str, int]


def read_authorization_details(ctx: CallContext, iam: Any) -> AuthorizationDetails | None:
    """Users, groups, roles and local policies (``None`` when unreadable), and the roles' session limits."""
    details = call_paginated(ctx, iam, "GetAccountAuthorizationDetails", Filter=AUTHORIZATION_DETAIL_FILTER)
    if details is None:
        return None
    return AuthorizationDetails(details, _max_session_by_role(ctx, iam))


def collect_principals(
    ctx: CallContext, iam: Any, report: CredentialReport | None, read: AuthorizationDetails | None = None
) -> IamPrincipals | None:
    """Users, groups, roles and policies from ``GetAccountAuthorizationDetails`` (read now unless ``read``).

    Access keys are listed (one call each) only for users whose report row shows a key, active or rotated.
    For users absent from the report (created after it was generated), or for everyone when the report itself
    is missing, we cannot tell, so their keys are listed too.
    """
    read = read or read_authorization_details(ctx, iam)
    if read is None:
        return None
    details, max_session_by_role = read.details, read.max_session_by_role
    users = [
        _user(ctx, iam, detail, report.row_for(detail["UserName"]) if report else None)
        for detail in details.get("UserDetailList", [])
    ]
    return IamPrincipals(
        users=sorted(users, key=lambda user: user.user_name),
        groups=sorted((_group(detail) for detail in details.get("GroupDetailList", [])), key=lambda g: g.group_name),
        roles=sorted(
            (_role(detail, max_session_by_role) for detail in details.get("RoleDetailList", [])),
            key=lambda role: role.role_name,
        ),
        managed_policies=sorted(
            (_managed_policy(detail) for detail in details.get("Policies", [])), key=lambda p: p.policy_arn
        ),
    )


def _max_session_by_role(ctx: CallContext, iam: Any) -> dict[str, int]:
    """MaxSessionDuration is only in ``ListRoles``, not in the authorization details.

    A role missing here (ListRoles failed, or the role appeared between the two calls) keeps ``None``:
    its limit is unknown, not AWS's 3600-second default.
    """
    return {
        role["RoleName"]: role["MaxSessionDuration"]
        for role in result_list(call_paginated(ctx, iam, "ListRoles"), "Roles")
        if role.get("MaxSessionDuration") is not None
    }


def _user(ctx: CallContext, iam: Any, detail: dict[str, Any], row: CredentialReportRow | None) -> IamUser:
    """The user as IAM describes it; the credential report row is joined when the account is assembled
    (``auditor.inventory.facts``). Here the row only says whether the user has keys worth a ``ListAccessKeys`` call."""
    user_name = detail["UserName"]
    needs_key_listing = row is None or bool(row.access_keys)
    return IamUser(
        user_name=user_name,
        user_id=detail["UserId"],
        arn=detail["Arn"],
        path=detail.get("Path", "/"),
        create_date=as_utc(detail["CreateDate"]),
        groups=sorted(detail.get("GroupList", [])),
        attached_policies=_attached(detail.get("AttachedManagedPolicies", [])),
        inline_policies=_inline(detail.get("UserPolicyList", [])),
        permissions_boundary_arn=detail.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        access_keys=_access_keys(ctx, iam, user_name) if needs_key_listing else [],
        tags=tag_dict(detail.get("Tags", [])),
    )


def _access_keys(ctx: CallContext, iam: Any, user_name: str) -> list[AccessKey]:
    listed = result_list(call_paginated(ctx, iam, "ListAccessKeys", UserName=user_name), "AccessKeyMetadata")
    return [
        AccessKey(access_key_id=key["AccessKeyId"], status=key["Status"], create_date=as_utc(key["CreateDate"]))
        for key in sorted(listed, key=lambda key: (key["CreateDate"], key["AccessKeyId"]))
    ]


def _group(detail: dict[str, Any]) -> IamGroup:
    return IamGroup(
        group_name=detail["GroupName"],
        group_id=detail["GroupId"],
        arn=detail["Arn"],
        path=detail.get("Path", "/"),
        attached_policies=_attached(detail.get("AttachedManagedPolicies", [])),
        inline_policies=_inline(detail.get("GroupPolicyList", [])),
    )


def _role(detail: dict[str, Any], max_session_by_role: dict[str, int]) -> IamRole:
    trust_policy = detail.get("AssumeRolePolicyDocument")
    last_used = detail.get("RoleLastUsed", {}).get("LastUsedDate")
    return IamRole(
        role_name=detail["RoleName"],
        role_id=detail["RoleId"],
        arn=detail["Arn"],
        path=detail.get("Path", "/"),
        create_date=as_utc(detail["CreateDate"]) if detail.get("CreateDate") else None,
        max_session_duration=max_session_by_role.get(detail["RoleName"]),
        attached_policies=_attached(detail.get("AttachedManagedPolicies", [])),
        inline_policies=_inline(detail.get("RolePolicyList", [])),
        trust_policy=policy_document(trust_policy) if trust_policy else None,
        last_used_date=as_utc(last_used) if last_used else None,
        tags=tag_dict(detail.get("Tags", [])),
    )


def _managed_policy(detail: dict[str, Any]) -> ManagedPolicy:
    default_version = next((v for v in detail.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
    document = default_version.get("Document") if default_version else None
    return ManagedPolicy(
        # moto leaves PolicyName out of the authorization details; the ARN always ends with it
        policy_name=detail.get("PolicyName") or detail["Arn"].rsplit("/", 1)[-1],
        policy_arn=detail["Arn"],
        path=detail.get("Path", "/"),
        default_version_id=detail.get("DefaultVersionId"),
        document=policy_document(document) if document else None,
    )


# ----------------------------------------------------------------------------------------------- helpers


def policy_document(document: dict[str, Any] | str) -> dict[str, Any]:
    """IAM returns documents URL-encoded; botocore decodes them to dicts, but accept the raw text too."""
    if isinstance(document, dict):
        return document
    decoded = json.loads(unquote(document))
    if not isinstance(decoded, dict):
        raise ValueError(f"policy document is a JSON {type(decoded).__name__}, not an object")
    return decoded


def _attached(policies: list[dict[str, Any]]) -> list[AttachedPolicy]:
    return sorted(
        (AttachedPolicy(policy_name=p["PolicyName"], policy_arn=p["PolicyArn"]) for p in policies),
        key=lambda policy: policy.policy_arn,
    )


def _inline(policies: list[dict[str, Any]]) -> list[InlinePolicy]:
    return sorted(
        (InlinePolicy(policy_name=p["PolicyName"], document=policy_document(p["PolicyDocument"])) for p in policies),
        key=lambda policy: policy.policy_name,
    )
