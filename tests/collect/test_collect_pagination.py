"""Every list call follows NextToken/Marker to the last page.

``auditor.collect.calls.PAGE_SIZE`` is lowered to 1 so a small moto organization spans many pages; the
result must equal a collection with the services' normal page sizes, and the request counts prove that
more than one page was read. moto ignores ``MaxItems`` for ``GetAccountAuthorizationDetails``, so that one
is checked with botocore's ``Stubber`` (responses validated against the real IAM model).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.stub import Stubber
from conftest import MANAGEMENT_ACCOUNT_ID, OrgWorld, build_identity_center

import auditor.collect.calls
from auditor.collect.calls import CallContext, ErrorSink
from auditor.collect.iam import AUTHORIZATION_DETAIL_FILTER, collect_principals, policy_document
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.inventory import Inventory


def comparable(inventory: Inventory) -> dict[str, Any]:
    """The inventory minus what legitimately changes between two scans: collection times, and the audit
    role's RoleLastUsed (moto updates it on every AssumeRole, as AWS does)."""
    dumped = inventory.model_dump(mode="json", exclude={"collection"})
    for account in dumped["accounts"]:
        for role in account["roles"] or []:
            role["last_used_date"] = None
    return dumped


def test_one_item_pages_collect_the_same_inventory(org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    build_identity_center(org_world)
    options = CollectOptions(org=True)
    unpaged = collect(options, org_world.session, sleep=lambda _: None)
    requests: Counter[str] = Counter()
    org_world.session.events.register("before-call.*.*", lambda model, **_: requests.update([model.name]))
    monkeypatch.setattr(auditor.collect.calls, "PAGE_SIZE", 1)

    paged = collect(options, org_world.session, sleep=lambda _: None)

    assert comparable(paged) == comparable(unpaged)
    assert paged.organization is not None and len(paged.organization.accounts) == 4
    assert paged.identity_center is not None
    assert len(paged.identity_center.permission_sets) == 2
    assert len(paged.identity_center.users) == 2
    assert requests["ListAccounts"] >= 4
    assert requests["ListOrganizationalUnitsForParent"] > 5  # 5 parents, two of them with 2 children
    assert requests["ListPermissionSets"] >= 2
    assert requests["ListUsers"] >= 2
    dev = paged.account(org_world.account_ids["dev"])
    assert dev is not None
    assert {role.role_name: role.max_session_duration for role in dev.roles or []}["deployer"] == 43200


def encoded(document: dict[str, Any]) -> str:
    """IAM sends policy documents URL-encoded; botocore's after-call handler decodes them to dicts."""
    return quote(json.dumps(document))


def test_authorization_details_follow_the_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auditor.collect.calls, "PAGE_SIZE", 1)
    iam = boto3.Session().client("iam", region_name="us-east-1")
    created = datetime(2024, 1, 1, tzinfo=UTC)
    statement = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    users = [
        {
            "UserName": name,
            "UserId": f"AIDA{name.upper()}00000000",
            "Arn": f"arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:user/{name}",
            "Path": "/",
            "CreateDate": created,
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": encoded(statement)}],
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": f"arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:policy/boundary",
            },
        }
        for name in ("first", "second")
    ]
    stubber = Stubber(iam)
    base_params = {"Filter": AUTHORIZATION_DETAIL_FILTER, "MaxItems": 1}
    stubber.add_response(
        "get_account_authorization_details",
        {"UserDetailList": [users[0]], "IsTruncated": True, "Marker": "page-2"},
        base_params,
    )
    stubber.add_response(
        "get_account_authorization_details",
        {"UserDetailList": [users[1]], "IsTruncated": False},
        {**base_params, "Marker": "page-2"},
    )
    stubber.add_response("list_roles", {"Roles": [], "IsTruncated": False}, {"MaxItems": 1})
    for user in users:  # without a credential report, every user's keys are listed
        stubber.add_response(
            "list_access_keys",
            {"AccessKeyMetadata": [], "IsTruncated": False},
            {"UserName": user["UserName"], "MaxItems": 1},
        )
    errors = ErrorSink()

    with stubber:
        principals = collect_principals(CallContext(errors, MANAGEMENT_ACCOUNT_ID), iam, report=None)

    stubber.assert_no_pending_responses()
    assert errors.sorted() == []
    assert principals is not None
    assert [user.user_name for user in principals.users] == ["first", "second"]
    assert principals.users[1].inline_policies[0].document == statement
    assert principals.users[1].permissions_boundary_arn.endswith(":policy/boundary")  # type: ignore[union-attr]
    assert all(user.password_enabled is None and user.mfa_active is None for user in principals.users)


def test_policy_documents_arriving_as_text_are_decoded() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    assert policy_document(encoded(document)) == document
    assert policy_document(json.dumps(document)) == document
    with pytest.raises(ValueError, match="not an object"):
        policy_document("[]")
