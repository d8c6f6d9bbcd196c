"""Fill moto's Identity Center instance with a described identity store, permission sets and assignments.

moto gives every account and region one ACTIVE instance, as if Identity Center had been enabled; this adds
what the description holds, then does what AWS does on its own when a permission set is assigned and moto
does not: provision the set to the account (the collector asks only about the sets
``ListPermissionSetsProvisionedToAccount`` names) and, when the description asks for it, create the
``AWSReservedSSO_<set>_<hex>`` role in that account.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.demo.built import BuiltIdentityCenter, BuiltOrganization
from auditor.demo.description import (
    MockIdentityCenter,
    MockIdentityCenterUser,
    MockPermissionSet,
    PolicyDocument,
    aws_managed_policy_arn,
)
from auditor.inventory import IDENTITY_CENTER_PRINCIPAL, IDENTITY_CENTER_ROLE_PATH


def build_identity_center(description: MockIdentityCenter, organization: BuiltOrganization) -> BuiltIdentityCenter:
    """Build ``description`` in the management account of ``organization``; its accounts are named there."""
    session = organization.session
    if description.trusted_access:
        session.client("organizations").enable_aws_service_access(ServicePrincipal=IDENTITY_CENTER_PRINCIPAL)
    sso_admin = session.client("sso-admin")
    identity_store = session.client("identitystore")
    instance = sso_admin.list_instances()["Instances"][0]
    instance_arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]

    group_ids: dict[str, str] = {}
    for group in description.groups:
        options = {} if group.description is None else {"Description": group.description}
        group_ids[group.display_name] = identity_store.create_group(
            IdentityStoreId=store_id, DisplayName=group.display_name, **options
        )["GroupId"]
    user_ids: dict[str, str] = {}
    for user in description.users:
        user_ids[user.user_name] = _create_user(identity_store, store_id, user)
        for group_name in user.groups:
            identity_store.create_group_membership(
                IdentityStoreId=store_id, GroupId=group_ids[group_name], MemberId={"UserId": user_ids[user.user_name]}
            )
    permission_sets = {permission_set.name: permission_set for permission_set in description.permission_sets}
    set_arns = {name: _create_permission_set(sso_admin, instance_arn, ps) for name, ps in permission_sets.items()}

    provisioned: set[tuple[str, str]] = set()
    for assignment in description.assignments:
        principal_ids = user_ids if assignment.principal_type == "USER" else group_ids
        for account_name in assignment.accounts:
            account_id = organization.account_ids[account_name]
            sso_admin.create_account_assignment(
                InstanceArn=instance_arn,
                TargetId=account_id,
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=set_arns[assignment.permission_set],
                PrincipalType=assignment.principal_type,
                PrincipalId=principal_ids[assignment.principal],
            )
            if (account_name, assignment.permission_set) in provisioned:
                continue
            provisioned.add((account_name, assignment.permission_set))
            # AWS provisions a permission set to an account whenever it is assigned there; moto needs it asked
            # for. (moto then answers every set provisioned anywhere in the instance as provisioned to every
            # account: a superset, which the collector tolerates.)
            sso_admin.provision_permission_set(
                InstanceArn=instance_arn,
                PermissionSetArn=set_arns[assignment.permission_set],
                TargetType="AWS_ACCOUNT",
                TargetId=account_id,
            )
            if description.reserved_roles:
                _create_reserved_role(
                    organization.client(account_name, "iam"), account_id, permission_sets[assignment.permission_set]
                )
    return BuiltIdentityCenter(
        instance_arn=instance_arn,
        identity_store_id=store_id,
        permission_set_arns=set_arns,
        user_ids=user_ids,
        group_ids=group_ids,
    )


def _create_user(identity_store: Any, store_id: str, user: MockIdentityCenterUser) -> str:
    options: dict[str, Any] = {}
    if user.emails:
        options["Emails"] = [
            {"Value": email, "Type": "work", "Primary": index == 0} for index, email in enumerate(user.emails)
        ]
    created = identity_store.create_user(
        IdentityStoreId=store_id,
        UserName=user.user_name,
        DisplayName=user.display_name or f"{user.given_name} {user.family_name}",
        Name={"GivenName": user.given_name, "FamilyName": user.family_name},
        **options,
    )
    return str(created["UserId"])


def _create_permission_set(sso_admin: Any, instance_arn: str, permission_set: MockPermissionSet) -> str:
    options = {"Description": permission_set.description, "SessionDuration": permission_set.session_duration}
    arn = str(
        sso_admin.create_permission_set(
            InstanceArn=instance_arn,
            Name=permission_set.name,
            **{name: value for name, value in options.items() if value is not None},
        )["PermissionSet"]["PermissionSetArn"]
    )
    for policy in permission_set.managed_policies:
        sso_admin.attach_managed_policy_to_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=aws_managed_policy_arn(policy)
        )
    if permission_set.inline_policy is not None:
        sso_admin.put_inline_policy_to_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn, InlinePolicy=json.dumps(permission_set.inline_policy)
        )
    for name, path in permission_set.customer_managed_policy_references:
        sso_admin.attach_customer_managed_policy_reference_to_permission_set(
            InstanceArn=instance_arn,
            PermissionSetArn=arn,
            CustomerManagedPolicyReference={"Name": name, "Path": path},
        )
    return arn


def _create_reserved_role(iam: Any, account_id: str, permission_set: MockPermissionSet) -> None:
    """The role AWS creates when it provisions a permission set into an account (moto does not)."""
    suffix = hashlib.sha256(f"{account_id}/{permission_set.name}".encode()).hexdigest()[:16]
    provider = f"arn:aws:iam::{account_id}:saml-provider/AWSSSO_{suffix}_DO_NOT_DELETE"
    trust: PolicyDocument = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    role_name = f"AWSReservedSSO_{permission_set.name}_{suffix}"
    iam.create_role(
        RoleName=role_name,
        Path=IDENTITY_CENTER_ROLE_PATH,
        AssumeRolePolicyDocument=json.dumps(trust),
        MaxSessionDuration=43200,  # always 12 h on these roles: the permission set's SessionDuration is the limit
    )
    for policy in permission_set.managed_policies:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=aws_managed_policy_arn(policy))
