"""Shared fixtures: a sealed-off AWS environment, and a moto organization shaped like the seeds' story.

No test may reach real AWS: every test runs with fake credentials, no profile, and config/credentials files
that do not exist, so a developer's own ``~/.aws`` can neither leak in nor be used by accident.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import moto.iam.models
import pytest
from moto import mock_aws

from auditor.demo.sandbox import SEALED_VALUES, trimmed_managed_policy_data, variables_to_clear

MANAGEMENT_ACCOUNT_ID = "123456789012"  # moto's default account: the organization's management account
REGION = "us-east-1"
AUDIT_ROLE = "OrganizationAccountAccessRole"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

# The AWS-managed policies tests attach (the "privileged" ones of rules/_privilege.py, plus read-only ones).
AWS_MANAGED_POLICIES_FOR_TESTS = (
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "ReadOnlyAccess",
    "SecurityAudit",
    "ViewOnlyAccess",
)
TRIMMED_MANAGED_POLICY_DATA = trimmed_managed_policy_data(AWS_MANAGED_POLICIES_FOR_TESTS)

FIXTURES = Path(__file__).resolve().parent / "fixtures"  # test data lives in the repository, nowhere else


def seal_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sealed environment of ``auditor.demo.sandbox``, undone by ``monkeypatch`` when the test ends."""
    for name in variables_to_clear(list(os.environ)):
        monkeypatch.delenv(name)
    for name, value in SEALED_VALUES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(moto.iam.models, "aws_managed_policies_data", TRIMMED_MANAGED_POLICY_DATA)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    seal_aws_env(monkeypatch)


@pytest.fixture(scope="module")
def module_moto_session() -> Iterator[boto3.Session]:
    """One moto world for a whole module whose tests only read it: seeding an organization is the slow part.

    A module using this must not also use the function-scoped ``moto_session``: nested moto contexts share
    state, so the inner one would see (and collide with) the module's organization.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        seal_aws_env(monkeypatch)
        with mock_aws():
            yield boto3.Session(region_name=REGION)


@pytest.fixture
def moto_session() -> Iterator[boto3.Session]:
    """A base session inside an in-process moto world; the world is wiped when the test ends."""
    with mock_aws():
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def no_sleep() -> list[float]:
    """Pass ``no_sleep.append`` as ``sleep=``: records the backoff delays instead of waiting them out."""
    return []


# ------------------------------------------------------------------------------------ the organization


@dataclass
class OrgWorld:
    """What the seeded organization contains, for assertions."""

    session: boto3.Session
    organization_id: str
    root_id: str
    ou_ids: dict[str, str] = field(default_factory=dict)  # OU name -> id
    account_ids: dict[str, str] = field(default_factory=dict)  # "management" | "dev" | "prod" | "sandbox" -> id

    def member_client(self, name: str, service: str) -> Any:
        """A client into a member account, made from the world's session (reusing its loaded API models)."""
        return self.session.client(service, **assumed_credentials(self.session, self.account_ids[name]))

    def member_session(self, name: str) -> boto3.Session:
        return boto3.Session(region_name=REGION, **assumed_credentials(self.session, self.account_ids[name]))


def assumed_credentials(session: boto3.Session, account_id: str) -> dict[str, str]:
    """moto gives assumed-role credentials the member account's own state (it does not check the role)."""
    issued = session.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{AUDIT_ROLE}", RoleSessionName="test-seeding"
    )["Credentials"]
    return {
        "aws_access_key_id": issued["AccessKeyId"],
        "aws_secret_access_key": issued["SecretAccessKey"],
        "aws_session_token": issued["SessionToken"],
    }


def policy(actions: str, resource: str = "*") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}
    )


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def build_organization(session: boto3.Session) -> OrgWorld:
    """Management + dev, prod, sandbox members in ``/Root/Workloads/{Dev,Prod}`` and ``/Root/Sandbox``.

    Each account gets IAM state of its own, so a test can tell whose state ended up where.
    """
    organizations = session.client("organizations")
    organization_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    world = OrgWorld(session=session, organization_id=organization_id, root_id=root_id)
    world.account_ids["management"] = MANAGEMENT_ACCOUNT_ID
    for name, parent in (("Workloads", None), ("Dev", "Workloads"), ("Prod", "Workloads"), ("Sandbox", None)):
        parent_id = world.ou_ids[parent] if parent else root_id
        unit = organizations.create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"]
        world.ou_ids[name] = unit["Id"]
    for name, ou_name, tags in (
        ("dev", "Dev", {"env": "dev", "owner": "team-a"}),
        ("prod", "Prod", {"env": "prod"}),
        ("sandbox", "Sandbox", {}),
    ):
        created = organizations.create_account(
            Email=f"{name}@example.com",
            AccountName=name,
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
        )["CreateAccountStatus"]
        world.account_ids[name] = created["AccountId"]
        organizations.move_account(
            AccountId=created["AccountId"], SourceParentId=root_id, DestinationParentId=world.ou_ids[ou_name]
        )
    _seed_management_iam(session.client("iam"))
    _seed_dev_iam(world.member_client("dev", "iam"))
    _seed_prod_iam(world.member_client("prod", "iam"))
    return world


def _seed_management_iam(iam: Any) -> None:
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn=ADMIN_POLICY_ARN)
    iam.create_user(UserName="mgmt-admin", Tags=[{"Key": "team", "Value": "platform"}])
    iam.add_user_to_group(GroupName="Admins", UserName="mgmt-admin")
    iam.create_access_key(UserName="mgmt-admin")


def _seed_dev_iam(iam: Any) -> None:
    iam.create_group(GroupName="developers")
    iam.put_group_policy(GroupName="developers", PolicyName="s3-dev", PolicyDocument=policy("s3:*"))
    boundary = iam.create_policy(PolicyName="dev-boundary", Path="/boundaries/", PolicyDocument=policy("ec2:*"))
    iam.create_user(UserName="dev-alice", PermissionsBoundary=boundary["Policy"]["Arn"])
    iam.create_login_profile(UserName="dev-alice", Password="Correct-Horse-1")
    iam.add_user_to_group(GroupName="developers", UserName="dev-alice")
    iam.attach_user_policy(UserName="dev-alice", PolicyArn=ADMIN_POLICY_ARN)
    iam.put_user_policy(UserName="dev-alice", PolicyName="read-logs", PolicyDocument=policy("logs:Get*"))
    iam.create_access_key(UserName="dev-alice")
    iam.create_user(UserName="dev-ci")
    first_key = iam.create_access_key(UserName="dev-ci")["AccessKey"]["AccessKeyId"]
    iam.create_access_key(UserName="dev-ci")
    iam.update_access_key(UserName="dev-ci", AccessKeyId=first_key, Status="Inactive")
    iam.create_role(
        RoleName="deployer", AssumeRolePolicyDocument=trust("codebuild.amazonaws.com"), MaxSessionDuration=43200
    )
    iam.put_role_policy(RoleName="deployer", PolicyName="deploy", PolicyDocument=policy("cloudformation:*"))


def _seed_prod_iam(iam: Any) -> None:
    iam.create_user(UserName="prod-breakglass")
    iam.create_login_profile(UserName="prod-breakglass", Password="Correct-Horse-2")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))


@pytest.fixture
def org_world(moto_session: boto3.Session) -> OrgWorld:
    return build_organization(moto_session)


@pytest.fixture(scope="module")
def module_org_world(module_moto_session: boto3.Session) -> OrgWorld:
    return build_organization(module_moto_session)


# ------------------------------------------------------------------------------------ Identity Center


@dataclass
class IdentityCenterWorld:
    instance_arn: str
    identity_store_id: str
    admin_set_arn: str
    read_only_set_arn: str
    user_ids: dict[str, str] = field(default_factory=dict)  # user name -> id
    group_ids: dict[str, str] = field(default_factory=dict)  # display name -> id


def build_identity_center(session: boto3.Session, account_ids: dict[str, str]) -> IdentityCenterWorld:
    """The seeds' target state: an AdministratorAccess set at 12 h, a default-length read-only set,
    a group assigned in dev and prod, and one user assigned directly (IDC-006's case)."""
    sso_admin = session.client("sso-admin")
    instance = sso_admin.list_instances()["Instances"][0]
    instance_arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    admin_set = sso_admin.create_permission_set(
        InstanceArn=instance_arn, Name="AdministratorAccess", SessionDuration="PT12H", Description="admins"
    )["PermissionSet"]["PermissionSetArn"]
    sso_admin.attach_managed_policy_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=admin_set, ManagedPolicyArn=ADMIN_POLICY_ARN
    )
    read_only_set = sso_admin.create_permission_set(InstanceArn=instance_arn, Name="ReadOnly")["PermissionSet"][
        "PermissionSetArn"
    ]
    sso_admin.put_inline_policy_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=read_only_set, InlinePolicy=policy("s3:Get*")
    )
    sso_admin.attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=instance_arn,
        PermissionSetArn=read_only_set,
        CustomerManagedPolicyReference={"Name": "team-read", "Path": "/teams/"},
    )
    world = IdentityCenterWorld(instance_arn, store_id, admin_set, read_only_set)
    identitystore = session.client("identitystore")
    for user_name, email in (("alice", "alice@example.com"), ("bob", "bob@example.com")):
        world.user_ids[user_name] = identitystore.create_user(
            IdentityStoreId=store_id,
            UserName=user_name,
            DisplayName=user_name.title(),
            Name={"GivenName": user_name.title(), "FamilyName": "Example"},
            Emails=[{"Value": email, "Primary": True}],
        )["UserId"]
    world.group_ids["Platform"] = identitystore.create_group(
        IdentityStoreId=store_id, DisplayName="Platform", Description="platform team"
    )["GroupId"]
    identitystore.create_group_membership(
        IdentityStoreId=store_id, GroupId=world.group_ids["Platform"], MemberId={"UserId": world.user_ids["alice"]}
    )
    for account_name in ("dev", "prod"):
        _assign(sso_admin, instance_arn, account_ids[account_name], admin_set, "GROUP", world.group_ids["Platform"])
    _assign(sso_admin, instance_arn, account_ids["dev"], read_only_set, "USER", world.user_ids["bob"])
    return world


def _assign(sso_admin: Any, instance_arn: str, account_id: str, set_arn: str, kind: str, principal_id: str) -> None:
    sso_admin.create_account_assignment(
        InstanceArn=instance_arn,
        TargetId=account_id,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=set_arn,
        PrincipalType=kind,
        PrincipalId=principal_id,
    )
    # AWS provisions the set to the account as part of every assignment; moto does not, and the collector
    # only lists assignments of the sets ListPermissionSetsProvisionedToAccount names. (moto ignores the
    # target and answers every set provisioned in the instance: a superset, which the collector tolerates.)
    sso_admin.provision_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=set_arn, TargetType="AWS_ACCOUNT", TargetId=account_id
    )
