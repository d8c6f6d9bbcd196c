"""AWS managed policies: the documents of every one the scan found attached, each read once per scan.

An AWS managed policy (``arn:<partition>:iam::aws:policy/...``) is the same document in every account, and the
authorization details list only an account's own policies with their documents. The readiness stage needs the
documents to compare access action by action, so once the accounts and Identity Center are read, the ARNs
attached to IAM users and groups, used as users' permissions boundaries, attached to permission sets or used
as their boundaries are gathered over the whole scan, and each is read once (``GetPolicy`` for its default
version, ``GetPolicyVersion`` for the document) with the scanning account's credentials.

A policy that cannot be read is a gap and is left out of ``Inventory.aws_managed_policies``, so
``Inventory.aws_managed_policy(arn)`` answers ``None`` (unknown) for it, never a policy without a document. A
``NoSuchEntity`` is that one policy's gap; any other failure (denied, throttled past the retries) would recur
for every policy: the scan stops asking, and one entry says how many were not read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from auditor.collect.calls import CallContext, attempt, guarded, is_about_one_item, not_read
from auditor.collect.concurrency import map_concurrently
from auditor.collect.iam import policy_document
from auditor.inventory import AccountInventory, CollectionError, IdentityCenter, ManagedPolicy

# Every partition's (aws, aws-cn, aws-us-gov, ...): the account part of the ARN is the literal "aws"
AWS_MANAGED_ARN = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/")
OPERATION = "collect_aws_managed_policies"


def is_aws_managed(policy_arn: str) -> bool:
    return AWS_MANAGED_ARN.match(policy_arn) is not None


def attached_aws_managed_policies(
    accounts: Iterable[AccountInventory], identity_center: IdentityCenter | None
) -> list[str]:
    """The distinct AWS managed policy ARNs the scan found in use, sorted.

    Roles' policies are not gathered: the readiness stage compares IAM users with permission sets, and an
    organization's roles attach hundreds of service policies nobody asked about.
    """
    found: set[str] = set()
    for account in accounts:
        for user in account.users or []:
            found.update(policy.policy_arn for policy in user.attached_policies)
            if user.permissions_boundary_arn:
                found.add(user.permissions_boundary_arn)
        for group in account.groups or []:
            found.update(policy.policy_arn for policy in group.attached_policies)
    if identity_center is not None:
        for permission_set in identity_center.permission_sets or []:
            found.update(policy.policy_arn for policy in permission_set.managed_policies)
            boundary = permission_set.permissions_boundary
            if boundary is not None and boundary.managed_policy_arn:
                found.add(boundary.managed_policy_arn)
    return sorted(arn for arn in found if is_aws_managed(arn))


def read_aws_managed_policies(
    ctx: CallContext, iam: Any, policy_arns: list[str], concurrency: int
) -> list[ManagedPolicy]:
    """Each policy's default version with its document, sorted by ARN; the unreadable ones are left out."""
    reader = _Reader(ctx, iam)
    read = map_concurrently(reader.read_guarded, policy_arns, concurrency)
    reader.record_unread(len(policy_arns))
    return sorted((policy for policy in read if policy is not None), key=lambda policy: policy.policy_arn)


class _Reader:
    """Reads policies from several threads; after the first failure that is not one policy's, asks no more."""

    def __init__(self, ctx: CallContext, iam: Any) -> None:
        self._ctx = ctx
        self._iam = iam
        self._lock = threading.Lock()
        self._stopped_by: CollectionError | None = None
        self._unread = 0

    def read_guarded(self, policy_arn: str) -> ManagedPolicy | None:
        """``read``, with a surprise in one policy (a malformed document) that policy's gap, not the phase's."""
        part = f"AWS managed policy {policy_arn}"
        return guarded(self._ctx, part, lambda: self.read(policy_arn), operation=OPERATION)

    def read(self, policy_arn: str) -> ManagedPolicy | None:
        if self._stopped():
            return None
        described = attempt(self._ctx, self._iam, "GetPolicy", PolicyArn=policy_arn)
        if isinstance(described, CollectionError):
            self._failed(described)
            return None
        policy = described["Policy"]
        version_id = policy["DefaultVersionId"]
        version = attempt(self._ctx, self._iam, "GetPolicyVersion", PolicyArn=policy_arn, VersionId=version_id)
        if isinstance(version, CollectionError):
            self._failed(version)
            return None
        return ManagedPolicy(
            policy_name=policy.get("PolicyName") or policy_arn.rsplit("/", 1)[-1],
            policy_arn=policy_arn,
            path=policy.get("Path", "/"),
            default_version_id=version_id,
            document=policy_document(version["PolicyVersion"]["Document"]),
        )

    def _stopped(self) -> bool:
        with self._lock:
            if self._stopped_by is None:
                return False
            self._unread += 1
            return True

    def _failed(self, failure: CollectionError) -> None:
        if is_about_one_item(failure):
            self._ctx.errors.add(failure)
            return
        with self._lock:
            self._stopped_by = self._stopped_by or failure
            self._unread += 1

    def record_unread(self, total: int) -> None:
        if self._stopped_by is not None:
            what = f"{self._unread} of {total} AWS managed policies (their documents stay unknown)"
            self._ctx.errors.add(not_read(self._stopped_by, what))
