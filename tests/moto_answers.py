"""Answers moto cannot give on its own, through botocore ``before-call`` hooks on the base session.

Every client of a scan is made from that session, so a hook sees every call (the mechanism botocore's Stubber is
built on; Stubber itself cannot be used because the collectors create their own clients). ``refuse`` makes an
operation fail with AccessDenied; ``answer_what_moto_lacks`` answers the three read APIs a real organization
answers and moto does not (iam:ListOrganizationsFeatures is not implemented, organizations:
ListDelegatedAdministrators refuses sso.amazonaws.com, sso-admin:GetPermissionsBoundaryForPermissionSet is not
implemented), with responses validated against the real API model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.model import OperationModel
from botocore.validate import validate_parameters


def refuse(session: boto3.Session, service: str, operation: str, when: Callable[[str], bool] = lambda _: True) -> None:
    """Make ``service:operation`` fail with AccessDenied for requests whose body matches ``when``."""

    def access_denied(params: dict[str, Any], **_: Any) -> None:
        if when(str(params.get("body", ""))):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied by test"}}, operation)

    session.events.register(f"before-call.{service}.{operation}", access_denied)


@dataclass
class _Http:
    status_code: int


def answer_what_moto_lacks(session: boto3.Session, organization_id: str) -> None:
    answers: dict[str, tuple[int, dict[str, Any]]] = {
        "before-call.iam.ListOrganizationsFeatures": (
            200,
            {"OrganizationId": organization_id, "EnabledFeatures": ["RootCredentialsManagement", "RootSessions"]},
        ),
        "before-call.organizations.ListDelegatedAdministrators": (200, {"DelegatedAdministrators": []}),
        "before-call.sso-admin.GetPermissionsBoundaryForPermissionSet": (
            404,
            {"Error": {"Code": "ResourceNotFoundException", "Message": "no permissions boundary"}},
        ),
    }
    for event, (status, parsed) in answers.items():
        session.events.register(event, _answer(status, parsed))


def _answer(status: int, parsed: dict[str, Any]) -> Any:
    def handler(model: OperationModel, **_: Any) -> tuple[_Http, dict[str, Any]]:
        if status < 300:  # validated against the real output shape, as Stubber validates its responses
            validate_parameters(parsed, model.output_shape)
        return _Http(status), parsed

    return handler
