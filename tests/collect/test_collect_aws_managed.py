"""AWS managed policies' documents, read once per scan, and the policies the authorization details already give.

moto answers ``GetPolicy`` and ``GetPolicyVersion`` for the AWS managed policies it loads (the tests load a few,
``conftest.AWS_MANAGED_POLICIES_FOR_TESTS``, with moto's copies of the real documents). Failures are injected
with ``before-call`` hooks on the base session.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ADMIN_POLICY_ARN, MANAGEMENT_ACCOUNT_ID, OrgWorld, build_identity_center
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto_answers import LastAccessedJobs, refuse

from auditor.collect.aws_managed import attached_aws_managed_policies, is_aws_managed
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.inventory import Inventory

READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def scan(session: boto3.Session) -> Inventory:
    return collect(CollectOptions(org=True), session, sleep=lambda _: None)


def policy_reads(session: boto3.Session) -> Counter[tuple[str, str]]:
    """(operation, policy ARN) of every GetPolicy / GetPolicyVersion the scan sends."""
    reads: Counter[tuple[str, str]] = Counter()

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        reads[(model.name, params["body"]["PolicyArn"])] += 1

    session.events.register("before-call.iam.GetPolicy", record)
    session.events.register("before-call.iam.GetPolicyVersion", record)
    return reads


@pytest.fixture
def world(org_world: OrgWorld) -> OrgWorld:
    """The test organization, Identity Center included, with an AWS managed policy as a user's boundary.

    AdministratorAccess is attached to the management account's Admins group, to dev-alice and to a permission
    set; ReadOnlyAccess is prod-breakglass's permissions boundary. moto models no user boundary (CreateUser drops
    it, PutUserPermissionsBoundary is not implemented): an ``after-call`` hook adds it to the authorization details
    in the shape AWS returns.
    """
    build_identity_center(org_world)
    org_world.session.events.register("after-call.iam.GetAccountAuthorizationDetails", _breakglass_bounded)
    LastAccessedJobs().attach(org_world.session)  # moto lacks them; answered so the accounts read whole
    return org_world


def _breakglass_bounded(parsed: dict[str, Any], **_: Any) -> None:
    for user in parsed.get("UserDetailList", []):
        if user["UserName"] == "prod-breakglass":
            user["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": READ_ONLY_ARN,
            }


def test_each_aws_managed_policy_is_read_once_per_scan_with_the_scanning_accounts_credentials(world: OrgWorld) -> None:
    reads = policy_reads(world.session)

    inventory = scan(world.session)

    # AdministratorAccess: a group, a user and a permission set, in two accounts; ReadOnlyAccess: a user's boundary
    assert reads == {
        ("GetPolicy", ADMIN_POLICY_ARN): 1,
        ("GetPolicyVersion", ADMIN_POLICY_ARN): 1,
        ("GetPolicy", READ_ONLY_ARN): 1,
        ("GetPolicyVersion", READ_ONLY_ARN): 1,
    }
    assert inventory.aws_managed_policies is not None
    assert [p.policy_arn for p in inventory.aws_managed_policies] == [ADMIN_POLICY_ARN, READ_ONLY_ARN]
    admin = inventory.aws_managed_policy(ADMIN_POLICY_ARN)
    assert admin is not None and admin.policy_name == "AdministratorAccess" and admin.path == "/"
    expected = json.loads(aws_managed_policies_data)["AdministratorAccess"]
    assert admin.default_version_id == expected["DefaultVersionId"]
    assert admin.document == expected["Document"]
    assert not [e for e in inventory.errors if e.operation in ("GetPolicy", "GetPolicyVersion")]
    prod = inventory.account(world.account_ids["prod"])
    assert prod is not None and [u.permissions_boundary_arn for u in prod.users or []] == [READ_ONLY_ARN]
    # kept as before: the accounts' own policies come with their documents from the authorization details
    dev = inventory.account(world.account_ids["dev"])
    assert dev is not None and [p.policy_name for p in dev.managed_policies or []] == ["dev-boundary"]
    assert dev.managed_policies is not None and dev.managed_policies[0].document is not None


def test_the_authorization_details_give_inline_documents_and_group_attachments(world: OrgWorld) -> None:
    """What the readiness stage reads beside the AWS managed documents, without any call per user or group."""
    inventory = scan(world.session)

    dev = inventory.account(world.account_ids["dev"])
    assert dev is not None and dev.users is not None and dev.groups is not None
    alice = next(u for u in dev.users if u.user_name == "dev-alice")
    assert [(p.policy_name, p.document["Statement"][0]["Action"]) for p in alice.inline_policies] == [
        ("read-logs", "logs:Get*")
    ]
    assert [p.policy_arn for p in alice.attached_policies] == [ADMIN_POLICY_ARN]
    (developers,) = dev.groups
    assert [(p.policy_name, p.document["Statement"][0]["Action"]) for p in developers.inline_policies] == [
        ("s3-dev", "s3:*")
    ]
    management = inventory.account(MANAGEMENT_ACCOUNT_ID)
    assert management is not None and management.groups is not None
    (admins,) = management.groups
    assert [p.policy_arn for p in admins.attached_policies] == [ADMIN_POLICY_ARN]


def test_a_denied_read_is_one_gap_and_leaves_every_document_unknown(world: OrgWorld) -> None:
    refuse(world.session, "iam", "GetPolicyVersion")

    inventory = scan(world.session)

    (gap,) = [e for e in inventory.errors if e.operation in ("GetPolicy", "GetPolicyVersion")]
    assert (gap.account_id, gap.service, gap.error_code) == (MANAGEMENT_ACCOUNT_ID, "iam", "AccessDenied")
    assert gap.message.startswith("2 of 2 AWS managed policies (their documents stay unknown) not read:")
    assert gap.covers_accounts == sorted(a.account_id for a in inventory.accounts)
    # read, found nothing readable: a list without them, so the lookup answers "unknown" (None), never an empty policy
    assert inventory.aws_managed_policies == []
    assert inventory.aws_managed_policy(ADMIN_POLICY_ARN) is None
    assert {a.account_id for a in inventory.accounts} == set(world.account_ids.values())  # nothing else lost


def test_a_policy_that_no_longer_exists_is_its_own_gap(world: OrgWorld) -> None:
    def gone(model: Any, params: dict[str, Any], **_: Any) -> None:
        if params["body"]["PolicyArn"] == READ_ONLY_ARN:
            raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": f"{READ_ONLY_ARN} not found"}}, model.name)

    world.session.events.register("before-call.iam.GetPolicy", gone)

    inventory = scan(world.session)

    (gap,) = [e for e in inventory.errors if e.operation == "GetPolicy"]
    assert gap.error_code == "NoSuchEntity"
    # A policy document decides what is privileged in any account scanned: the gap covers every one of them.
    scanned = sorted(a.account_id for a in inventory.accounts)
    assert (gap.covers_accounts, gap.covers_areas) == (scanned, None)
    assert gap.message == (
        f"{READ_ONLY_ARN} not found (organization-level read: findings of account(s) {', '.join(scanned)} "
        "not re-verified)"
    )
    assert inventory.aws_managed_policies is not None
    assert [p.policy_arn for p in inventory.aws_managed_policies] == [ADMIN_POLICY_ARN]  # the other one is read
    assert inventory.aws_managed_policy(READ_ONLY_ARN) is None


def test_aws_managed_arns_in_every_partition() -> None:
    assert is_aws_managed("arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert is_aws_managed("arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess")
    assert is_aws_managed("arn:aws-cn:iam::aws:policy/service-role/AWSConfigRole")
    assert not is_aws_managed("arn:aws:iam::123456789012:policy/aws/ReadOnlyAccess")
    assert not is_aws_managed("arn:aws:iam::aws:role/x")


def test_only_the_arns_attached_to_users_groups_and_permission_sets_are_gathered() -> None:
    from factories import make_account, make_user

    from auditor.inventory import (
        AttachedPolicy,
        IamGroup,
        IamRole,
        IdentityCenter,
        PermissionsBoundary,
        PermissionSet,
    )

    def attached(name: str, arn: str) -> list[AttachedPolicy]:
        return [AttachedPolicy(policy_name=name, policy_arn=arn)]

    account = make_account(
        users=[
            make_user("alice", policies=attached("Admin", "arn:aws:iam::aws:policy/AdministratorAccess")).model_copy(
                update={"permissions_boundary_arn": "arn:aws:iam::aws:policy/PowerUserAccess"}
            ),
            make_user("bob").model_copy(
                update={"permissions_boundary_arn": "arn:aws:iam::111111111111:policy/own-boundary"}
            ),
        ],
        groups=[
            IamGroup(
                group_name="g",
                group_id="AGPA1",
                arn="arn:aws:iam::111111111111:group/g",
                attached_policies=attached("RO", READ_ONLY_ARN)
                + attached("mine", "arn:aws:iam::111111111111:policy/m"),
            )
        ],
        roles=[
            IamRole(
                role_name="r",
                role_id="AROA1",
                arn="arn:aws:iam::111111111111:role/r",
                attached_policies=attached("Lambda", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"),
            )
        ],
    )
    identity_center = IdentityCenter(
        status="enabled",
        permission_sets=[
            PermissionSet(
                arn="arn:aws:sso:::permissionSet/ssoins-1/ps-1",
                name="Support",
                managed_policies=attached("Support", "arn:aws:iam::aws:policy/job-function/SupportUser"),
                permissions_boundary=PermissionsBoundary(managed_policy_arn="arn:aws:iam::aws:policy/SecurityAudit"),
            )
        ],
    )

    assert attached_aws_managed_policies([account, account], identity_center) == [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/PowerUserAccess",
        READ_ONLY_ARN,
        "arn:aws:iam::aws:policy/SecurityAudit",
        "arn:aws:iam::aws:policy/job-function/SupportUser",
    ]  # the role's is not gathered; each ARN once however often it is attached
