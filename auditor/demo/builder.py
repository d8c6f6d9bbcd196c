"""Build a described organization inside an active ``moto.mock_aws()``, with the calls an administrator makes.

Everything is created through ordinary boto3 calls (CreateOrganization, CreateAccount, AssumeRole into the
new member, CreateUser...), so what the collectors later read is what moto answers to real API traffic. Two
exceptions, both kept in their own modules: Identity Center (``identity_center_builder``), where the builder
also does what AWS does on its own and moto does not, and history (``history``), which moto has no API for.

The calls come in a fixed order: the organization; then the OUs and member accounts in the description's
order (an OU before its accounts, its accounts before its child OUs), each member entered with AssumeRole
as soon as it exists; then every account's IAM; then Identity Center; then history. moto draws every id
(accounts, OUs, access keys, permission sets) from one random generator, so with the generator started from a
fixed value this order *is* the ids: reordering calls changes the demo's account ids and so its finding fingerprints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3

from auditor.demo.built import BuiltOrganization
from auditor.demo.description import (
    MockAccount,
    MockIamUser,
    MockOrganization,
    MockOu,
    MockRole,
    PolicyDocument,
    aws_managed_policy_arn,
)
from auditor.demo.history import give_history
from auditor.demo.identity_center_builder import build_identity_center

MOCK_PASSWORD = "mock-only-not-a-secret-1A!"  # moto requires a value; nothing ever signs in with it
SETUP_SESSION_NAME = "mock-organization-setup"


def build_organization(
    description: MockOrganization, session: boto3.Session, *, now: datetime | None = None
) -> BuiltOrganization:
    """Create ``description`` inside an active ``moto.mock_aws()``; ``now`` anchors the ages it gives.

    ``session`` must carry credentials of moto's default account, which becomes the management account.
    """
    names = [account.name for account in description.accounts()]
    if len(set(names)) != len(names):
        raise ValueError(f"account names are not unique: {names}")
    built = _OrganizationBuilder(description, session).build()
    for account in description.accounts():
        _build_iam(built.client(account.name, "iam"), account, built.account_ids)
    if description.identity_center is not None:
        built = replace(built, identity_center=build_identity_center(description.identity_center, built))
    give_history(description, built, now=now or datetime.now(UTC).replace(microsecond=0))
    return built


class _OrganizationBuilder:
    """The organization, its OUs and member accounts; each member entered once, right after it is created."""

    def __init__(self, description: MockOrganization, session: boto3.Session) -> None:
        self.description = description
        self.session = session
        self.organizations = session.client("organizations")
        self.sts = session.client("sts")
        self.account_ids: dict[str, str] = {}
        self.ou_ids: dict[str, str] = {}
        self.member_credentials: dict[str, dict[str, str]] = {}
        self.root_id = ""

    def build(self) -> BuiltOrganization:
        organization = self.organizations.create_organization(FeatureSet="ALL")["Organization"]
        self.root_id = self.organizations.list_roots()["Roots"][0]["Id"]
        management_id = organization["MasterAccountId"]
        self.account_ids[self.description.management.name] = management_id
        for account in self.description.members:
            self._create_member(account, self.root_id)
        for unit in self.description.ous:
            self._create_unit(unit, self.root_id, "/Root")
        return BuiltOrganization(
            session=self.session,
            organization_id=organization["Id"],
            root_id=self.root_id,
            management_account_id=management_id,
            account_ids=self.account_ids,
            ou_ids=self.ou_ids,
            member_credentials=self.member_credentials,
        )

    def _create_unit(self, unit: MockOu, parent_id: str, parent_path: str) -> None:
        path = f"{parent_path}/{unit.name}"
        unit_id = self.organizations.create_organizational_unit(ParentId=parent_id, Name=unit.name)[
            "OrganizationalUnit"
        ]["Id"]
        self.ou_ids[path] = unit_id
        for account in unit.accounts:
            self._create_member(account, unit_id)
        for child in unit.children:
            self._create_unit(child, unit_id, path)

    def _create_member(self, account: MockAccount, parent_id: str) -> None:
        status = self.organizations.create_account(
            AccountName=account.name,
            Email=account.email,
            RoleName=self.description.member_role,
            Tags=_tag_list(account.tags),
        )["CreateAccountStatus"]
        account_id = self.account_ids[account.name] = status["AccountId"]
        if parent_id != self.root_id:  # Organizations creates every account under the root
            self.organizations.move_account(
                AccountId=account_id, SourceParentId=self.root_id, DestinationParentId=parent_id
            )
        # Credentials inside the member, as an administrator gets them: AssumeRole into the member role.
        issued = self.sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{self.description.member_role}", RoleSessionName=SETUP_SESSION_NAME
        )["Credentials"]
        self.member_credentials[account.name] = {
            "aws_access_key_id": issued["AccessKeyId"],
            "aws_secret_access_key": issued["SecretAccessKey"],
            "aws_session_token": issued["SessionToken"],
        }
        if self.description.member_role_managed_policies:
            iam = self.session.client("iam", **self.member_credentials[account.name])
            for policy in self.description.member_role_managed_policies:
                iam.attach_role_policy(RoleName=self.description.member_role, PolicyArn=aws_managed_policy_arn(policy))


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


# ------------------------------------------------------------------------------------------------ IAM


def build_account_additions(built: BuiltOrganization, account: MockAccount) -> None:
    """Build ``account``'s IAM policies, groups, users and roles into the existing account of that name (a demo
    scenario's additions, after the whole organization is built). Nothing gets an age: created now."""
    _build_iam(built.client(account.name, "iam"), account, built.account_ids)


def _build_iam(iam: Any, account: MockAccount, account_ids: Mapping[str, str]) -> None:
    policy_arns: dict[str, str] = {}
    for customer_policy in account.policies:
        text = json.dumps(customer_policy.document)
        created = iam.create_policy(PolicyName=customer_policy.name, Path=customer_policy.path, PolicyDocument=text)
        policy_arns[customer_policy.name] = created["Policy"]["Arn"]
    for group in account.groups:
        iam.create_group(GroupName=group.name)
        for policy in group.managed_policies:
            iam.attach_group_policy(GroupName=group.name, PolicyArn=aws_managed_policy_arn(policy))
        for policy_name, document in group.inline_policies.items():
            iam.put_group_policy(GroupName=group.name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    for user in account.users:
        _build_user(iam, user, policy_arns)
    for role in account.roles:
        _build_role(iam, role, account_ids)


def _build_user(iam: Any, user: MockIamUser, policy_arns: Mapping[str, str]) -> None:
    options: dict[str, Any] = {}
    if user.permissions_boundary is not None:
        options["PermissionsBoundary"] = policy_arns[user.permissions_boundary]
    if user.tags:
        options["Tags"] = _tag_list(user.tags)
    iam.create_user(UserName=user.name, **options)
    if user.console_password:
        iam.create_login_profile(UserName=user.name, Password=MOCK_PASSWORD)
    if user.virtual_mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=user.name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    for group_name in user.groups:
        iam.add_user_to_group(GroupName=group_name, UserName=user.name)
    attached = [aws_managed_policy_arn(name) for name in user.managed_policies]
    attached += [policy_arns[name] for name in user.customer_managed_policies]
    for policy_arn in attached:
        iam.attach_user_policy(UserName=user.name, PolicyArn=policy_arn)
    for policy_name, document in user.inline_policies.items():
        iam.put_user_policy(UserName=user.name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    for key in user.access_keys:
        key_id = iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]
        if key.status != "Active":
            iam.update_access_key(UserName=user.name, AccessKeyId=key_id, Status=key.status)
    for body in user.ssh_public_keys:
        iam.upload_ssh_public_key(UserName=user.name, SSHPublicKeyBody=body)


def _build_role(iam: Any, role: MockRole, account_ids: Mapping[str, str]) -> None:
    if role.trusted_account is not None:
        principal = {"AWS": f"arn:aws:iam::{account_ids[role.trusted_account]}:root"}
    else:
        principal = {"Service": str(role.trusted_service)}
    trust: PolicyDocument = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(
        RoleName=role.name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=role.max_session_duration
    )
    for policy in role.managed_policies:
        iam.attach_role_policy(RoleName=role.name, PolicyArn=aws_managed_policy_arn(policy))
    for policy_name, document in role.inline_policies.items():
        iam.put_role_policy(RoleName=role.name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
