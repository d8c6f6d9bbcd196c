"""The call budget (docs/architecture.md, "Sources"): per account a constant, plus two calls per IAM user, plus
one per IAM user with keys, one per IAM user with a signing certificate, and two per IAM user holding a
credential; per scan, two per distinct AWS managed policy found attached.

The collectors read users, groups, roles and policies from ``GetAccountAuthorizationDetails`` and per-user
facts from the credential report, so the per-user calls are ``ListAccessKeys``, only for users whose report
row shows a key, and the last-accessed job (``GenerateServiceLastAccessedDetails`` and one
``GetServiceLastAccessedDetails`` when it is done), only for users the report shows with a console password or
an active key. An organization of 500 accounts x 50 users must not cost 25,000 more calls because someone added
``ListUserPolicies`` or ``GetLoginProfile`` per user: that change must fail here, with a readable diff of the
budget below. AWS managed policies are the same in every account: their documents are read once per scan
(``GetPolicy``, ``GetPolicyVersion``), however many users, groups, accounts and permission sets attach them.
Each user's other credentials (``auditor/collect/user_credentials.py``) cost ``ListSSHPublicKeys`` and
``ListServiceSpecificCredentials`` for every user (neither the report nor the authorization details show them),
and ``ListSigningCertificates`` only for users whose report row shows a certificate.

moto implements neither last-accessed operation nor ``ListServiceSpecificCredentials``: they are answered through
``before-call`` hooks on the base session, validated against the real output shape
(``tests/moto_answers.LastAccessedJobs``, ``ServiceSpecificCredentials``).

How calls are attributed to an account, from a ``before-call`` recorder on the base session (which sees every
call of the scan: see ``auditor/collect/session.py``):

* a call naming an account in its parameters is that account's (``sts:AssumeRole`` by ``RoleArn``,
  ``organizations:ListTagsForResource`` by ``ResourceId``, ``sso-admin`` assignment listings by ``AccountId``),
  even though the management account's credentials send it;
* any other call belongs to the account whose credentials signed it: a member's ``ASIA...`` key is mapped to
  the member by the ``sts:AssumeRole`` answer that issued it.

Calls signed with the management account's own credentials that name no account are left unattributed and
not asserted here: the once-per-scan listings (organization, permission sets, identity store) and the
management account's own IAM reads, which follow the same budget minus ``AssumeRole``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.model
from conftest import signing_certificate_pem
from moto_answers import LastAccessedJobs, ServiceSpecificCredentials

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.demo.builder import build_organization
from auditor.demo.description import (
    MOTO_MANAGEMENT_NAME,
    MockAccessKey,
    MockAccount,
    MockAssignment,
    MockIamGroup,
    MockIamUser,
    MockIdentityCenter,
    MockIdentityCenterGroup,
    MockOrganization,
    MockPermissionSet,
    MockRole,
    allow,
)

# What one member account with no IAM users costs in an --org scan, with one permission set provisioned to
# it. Add an entry here only with a reason a reviewer accepts: every account of every scan pays it.
EMPTY_MEMBER_BUDGET = {
    "sts:AssumeRole": 1,  # enter the account (sent with the management account's credentials)
    "organizations:ListTagsForResource": 1,  # its tags, part of the organization listing
    "iam:GenerateCredentialReport": 2,  # moto answers STARTED, then COMPLETE; on AWS 1 + polls (7 at most)
    "iam:GetCredentialReport": 1,
    "iam:GetAccountSummary": 1,
    "iam:ListVirtualMFADevices": 1,
    "iam:GetAccountAuthorizationDetails": 1,  # users, groups, roles, local policies (one page here)
    "iam:ListRoles": 1,  # MaxSessionDuration is not in the authorization details
    "sso-admin:ListPermissionSetsProvisionedToAccount": 1,
    "sso-admin:ListAccountAssignments": 1,  # one per permission set provisioned to the account
}

# The per-user calls, for each user holding a credential; ListAccessKeys only for users with keys.
PER_CREDENTIAL_HOLDER = ("iam:GenerateServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails")
# For every user: what no report or listing says a user has none of.
PER_USER = ("iam:ListSSHPublicKeys", "iam:ListServiceSpecificCredentials")
# users with a signing certificate (uploaded after the build): ListSigningCertificates for them alone
CERTIFICATE_USERS = frozenset({"many-nokey-1"})

# member -> (users with access keys, users without); a user listed in KEYS_PER_USER has two keys
KEYS_PER_USER = {"few-0": 2, "many-0": 2, "many-1": 2}
# users without keys who hold a console password: a last-accessed job each, no ListAccessKeys
PASSWORD_USERS = frozenset({"few-nokey-0", "many-nokey-0"})
# attached in every account and to the permission set: each read once per scan
AWS_MANAGED = ("PowerUserAccess", "ReadOnlyAccess", "SecurityAudit")
MEMBERS: dict[str, tuple[list[str], list[str]]] = {
    "empty": ([], []),
    "few": ([f"few-{n}" for n in range(2)], [f"few-nokey-{n}" for n in range(3)]),
    "many": ([f"many-{n}" for n in range(6)], [f"many-nokey-{n}" for n in range(3)]),
}


@dataclass
class CallRecorder:
    """Every API call of a scan, with the credentials that signed it and the account its parameters name."""

    _account_by_key: dict[str, str] = field(default_factory=dict)
    _calls: list[tuple[str, str | None, str | None, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, session: boto3.Session) -> None:
        session.events.register("before-parameter-build.*.*", self._keep_params)
        session.events.register("before-call.*.*", self._record)
        session.events.register("after-call.sts.AssumeRole", self._learn_key)

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["call_budget_params"] = dict(params)  # the same dict reaches before-call as its context

    def _record(
        self, model: botocore.model.OperationModel, request_signer: Any, context: dict[str, Any], **_: Any
    ) -> None:
        params = context.get("call_budget_params", {})
        credentials = request_signer._credentials  # botocore keeps them there; public ones are per session
        access_key = credentials.get_frozen_credentials().access_key if credentials else None
        operation = f"{model.service_model.service_name}:{model.name}"
        with self._lock:
            self._calls.append((operation, access_key, _account_named_in(params), params))

    def _learn_key(self, parsed: dict[str, Any], **_: Any) -> None:
        if "Credentials" not in parsed:
            return
        account_id = parsed["AssumedRoleUser"]["Arn"].split(":")[4]
        with self._lock:
            self._account_by_key[parsed["Credentials"]["AccessKeyId"]] = account_id

    def by_account(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """Calls per account; calls of the scan as a whole are under ``"scan"``."""
        attributed: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for operation, access_key, named_account, params in self._calls:
            signer_account = self._account_by_key.get(access_key or "")
            account = named_account or signer_account or "scan"
            attributed.setdefault(account, []).append((operation, params))
        return attributed


def _account_named_in(params: dict[str, Any]) -> str | None:
    if "RoleArn" in params:
        return str(params["RoleArn"]).split(":")[4]
    for name in ("AccountId", "ResourceId"):
        if name in params:
            return str(params[name])
    return None


def operation_counts(calls: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    return dict(sorted(Counter(operation for operation, _ in calls).items()))


def member(name: str, with_keys: list[str], without_keys: list[str]) -> MockAccount:
    if not (with_keys or without_keys):
        return MockAccount(name=name, email=f"{name}@example.com")
    keys = {user_name: KEYS_PER_USER.get(user_name, 1) for user_name in with_keys}
    return MockAccount(
        name=name,
        email=f"{name}@example.com",
        groups=(MockIamGroup("team", managed_policies=("SecurityAudit",), inline_policies={"read": allow("s3:Get*")}),),
        roles=(MockRole("app", trusted_service="ec2.amazonaws.com"),),
        users=tuple(
            MockIamUser(
                user_name,
                groups=("team",),
                managed_policies=("ReadOnlyAccess",),
                inline_policies={"own": allow("sqs:*")},
                console_password=user_name in PASSWORD_USERS,
                access_keys=(MockAccessKey(),) * keys.get(user_name, 0),
            )
            for user_name in with_keys + without_keys
        ),
    )


def seed_organization(session: boto3.Session) -> dict[str, str]:
    """An organization whose members differ only in how many IAM users have access keys.

    One permission set is assigned (and so provisioned, as AWS does implicitly) in every account.
    """
    organization = MockOrganization(
        members=tuple(member(name, with_keys, without_keys) for name, (with_keys, without_keys) in MEMBERS.items()),
        identity_center=MockIdentityCenter(
            groups=(MockIdentityCenterGroup("Auditors"),),
            permission_sets=(MockPermissionSet("ReadOnly", managed_policies=("PowerUserAccess",)),),
            assignments=(MockAssignment("ReadOnly", "GROUP", "Auditors", (MOTO_MANAGEMENT_NAME, *MEMBERS)),),
        ),
    )
    built = build_organization(organization, session)
    for name, (with_keys, without_keys) in MEMBERS.items():
        for user_name in CERTIFICATE_USERS & {*with_keys, *without_keys}:
            built.client(name, "iam").upload_signing_certificate(
                UserName=user_name, CertificateBody=signing_certificate_pem()
            )
    return {name: built.account_ids[name] for name in MEMBERS}


def test_calls_per_account_are_a_constant_plus_one_per_user_with_keys(moto_session: boto3.Session) -> None:
    account_ids = seed_organization(moto_session)
    recorder = CallRecorder()
    recorder.attach(moto_session)  # first: the hooks that answer end the event for the hooks after them
    jobs = LastAccessedJobs().attach(moto_session)
    ServiceSpecificCredentials().attach(moto_session)

    inventory = collect(CollectOptions(org=True), moto_session, sleep=lambda _: None)

    # a real, complete scan: every member entered, every user seen, keys read, every credential holder's use read
    collected = {account.account_id: account for account in inventory.accounts}
    for name, (with_keys, without_keys) in MEMBERS.items():
        users = collected[account_ids[name]].users
        assert users is not None and sorted(u.user_name for u in users) == sorted(with_keys + without_keys)
        assert {u.user_name: len(u.access_keys) for u in users if u.access_keys} == {
            user_name: KEYS_PER_USER.get(user_name, 1) for user_name in with_keys
        }
        assert sorted(u.user_name for u in users if u.service_use is not None) == credential_holders(name)
    assert inventory.identity_center is not None and inventory.identity_center.assignments
    assert [e for e in inventory.errors if e.account_id in account_ids.values()] == []

    calls = recorder.by_account()
    budget = {name: operation_counts(calls[account_id]) for name, account_id in account_ids.items()}

    assert budget["empty"] == EMPTY_MEMBER_BUDGET
    for name in ("few", "many"):
        with_keys, holders = MEMBERS[name][0], credential_holders(name)
        users = sorted(with_keys + MEMBERS[name][1])
        per_holder = dict.fromkeys(PER_CREDENTIAL_HOLDER, len(holders))
        per_user = dict.fromkeys(PER_USER, len(users))
        certificates = {"iam:ListSigningCertificates": n} if (n := len(CERTIFICATE_USERS & set(users))) else {}
        expected = {**EMPTY_MEMBER_BUDGET, "iam:ListAccessKeys": len(with_keys), **per_holder, **per_user}
        assert budget[name] == dict(sorted({**expected, **certificates}.items())), name
        # one call per user for each list no report shows, one for a certificate the report shows, none besides
        for operation in PER_USER:
            asked_about = sorted(params["UserName"] for op, params in calls[account_ids[name]] if op == operation)
            assert asked_about == users, (name, operation)
        # one ListAccessKeys per user with keys (two keys: still one call), none for users without
        listed = sorted(params["UserName"] for op, params in calls[account_ids[name]] if op == "iam:ListAccessKeys")
        assert listed == sorted(with_keys), name
        # one job per user holding a credential (keys or a password), none for the others
        asked = sorted(
            str(params["Arn"]).rsplit("/", 1)[-1]
            for op, params in calls[account_ids[name]]
            if op == "iam:GenerateServiceLastAccessedDetails"
        )
        assert asked == holders, name
    # 4 more users with keys (and the same 3 without, one of them with a certificate) cost exactly 4 x 5 + 1 more
    per_user_with_keys = 1 + len(PER_CREDENTIAL_HOLDER) + len(PER_USER)
    assert sum(budget["many"].values()) - sum(budget["few"].values()) == 4 * per_user_with_keys + 1
    assert len(jobs.generated) == len(set(jobs.generated))  # no user asked about twice

    # AWS managed policies: attached by 8 users and 2 groups in 2 accounts and by a permission set, read once each
    per_scan = operation_counts(calls["scan"])
    assert per_scan["iam:GetPolicy"] == per_scan["iam:GetPolicyVersion"] == len(AWS_MANAGED)
    read = sorted(str(params["PolicyArn"]) for op, params in calls["scan"] if op == "iam:GetPolicy")
    assert read == [f"arn:aws:iam::aws:policy/{name}" for name in AWS_MANAGED]
    assert inventory.aws_managed_policies is not None
    assert [policy.policy_arn for policy in inventory.aws_managed_policies] == read
    assert all(policy.document and policy.document["Statement"] for policy in inventory.aws_managed_policies)
    assert [e for e in inventory.errors if e.operation in ("GetPolicy", "GetPolicyVersion")] == []


def credential_holders(member_name: str) -> list[str]:
    with_keys, without_keys = MEMBERS[member_name]
    return sorted([*with_keys, *(user for user in without_keys if user in PASSWORD_USERS)])
