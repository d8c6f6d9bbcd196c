"""Read-only proof: a full ``--org`` scan (with Identity Center) calls nothing but reads.

A ``before-call`` recorder on the base session sees every request of the scan, whichever account it goes
to, because the collectors create all their clients from that session (see ``auditor/collect/session.py``).
moto implements neither of IAM's last-accessed operations: they are answered through ``before-call`` hooks
validated against the real output shape (``tests/moto_answers.LastAccessedJobs``), so that the scan reaches
``GetServiceLastAccessedDetails`` as it does on AWS; likewise ``ListServiceSpecificCredentials``
(``ServiceSpecificCredentials``). A user is given a signing certificate, so that the scan has a reason to send
``ListSigningCertificates`` (users whose credential report row shows none are not asked).
"""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from conftest import OrgWorld, build_identity_center, signing_certificate_pem
from moto_answers import LastAccessedJobs, ServiceSpecificCredentials

from auditor.collect.calls import CallContext, ErrorSink, call
from auditor.collect.operations import (
    OPERATIONS_BY_SERVICE,
    UnlistedOperationError,
    iam_actions,
    is_listed,
    is_read_only,
)
from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect


def record_operations(session: boto3.Session) -> set[tuple[str, str]]:
    called: set[tuple[str, str]] = set()

    def recorder(model: botocore.model.OperationModel, **_: object) -> None:
        called.add((model.service_model.service_name, model.name))

    session.events.register("before-call.*.*", recorder)
    return called


def test_full_org_scan_only_reads_and_only_calls_listed_operations(org_world: OrgWorld) -> None:
    build_identity_center(org_world)
    org_world.member_client("dev", "iam").upload_signing_certificate(
        UserName="dev-ci", CertificateBody=signing_certificate_pem()
    )
    called = record_operations(org_world.session)
    LastAccessedJobs().attach(org_world.session)
    ServiceSpecificCredentials().attach(org_world.session)

    inventory = collect(CollectOptions(org=True), org_world.session, sleep=lambda _: None)

    assert len(inventory.accounts) == 4 and inventory.identity_center is not None  # a real, full scan
    writes = sorted(f"{service}:{op}" for service, op in called if not is_read_only(op))
    assert writes == []
    unlisted = sorted(f"{service}:{op}" for service, op in called if not is_listed(service, op))
    assert unlisted == []
    # and the listing is not stale: a full scan uses every permission `auditor policy` will ask for
    listed = {(service, op) for service, operations in OPERATIONS_BY_SERVICE.items() for op in operations}
    assert called == listed


def test_every_listed_operation_is_read_only_and_exists_in_botocore() -> None:
    loader = botocore.session.get_session()
    for service, operations in OPERATIONS_BY_SERVICE.items():
        model_operations = set(loader.get_service_model(service).operation_names)
        assert operations <= model_operations, f"{service}: {sorted(operations - model_operations)} not in botocore"
        assert all(is_read_only(op) for op in operations), service


def test_iam_actions_use_the_iam_prefixes() -> None:
    actions = iam_actions()
    assert "sso:ListInstances" in actions and "sso-admin:ListInstances" not in actions
    assert "iam:GenerateCredentialReport" in actions and "identitystore:ListUsers" in actions
    assert actions == sorted(actions) and len(actions) == sum(len(ops) for ops in OPERATIONS_BY_SERVICE.values())


def test_an_unlisted_operation_is_refused_before_it_is_sent() -> None:
    iam = boto3.Session().client("iam", region_name="us-east-1")
    sent: list[str] = []
    iam.meta.events.register("before-call.*.*", lambda model, **_: sent.append(model.name))

    with pytest.raises(UnlistedOperationError, match="iam:DeleteUser"):
        call(CallContext(ErrorSink(), "123456789012"), iam, "DeleteUser", UserName="alice")
    assert sent == []


def test_the_audit_roles_reads_are_all_in_aws_securityaudit() -> None:
    """An organization that gives its audit role AWS's SecurityAudit managed policy needs nothing more but
    ``sts:AssumeRole`` (``GetCallerIdentity`` needs no permission). Checked against moto's copy of the real
    policy (``moto/iam/aws_managed_policies.py``): it grants ``iam:GenerateServiceLastAccessedDetails``,
    ``iam:Get*`` and the rest, with no Deny."""
    import fnmatch
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data

    statements = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]["Statement"]
    assert all(statement["Effect"] == "Allow" for statement in statements)
    granted = [
        pattern.lower()
        for statement in statements
        if statement.get("Resource") == "*"
        for pattern in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]
    missing = [
        action
        for action in iam_actions()
        if not action.startswith("sts:") and not any(fnmatch.fnmatchcase(action.lower(), p) for p in granted)
    ]
    assert missing == []
