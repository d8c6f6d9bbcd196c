"""Answers moto cannot give on its own, through botocore ``before-call`` hooks on the base session.

Every client of a scan is made from that session, so a hook sees every call (the mechanism botocore's Stubber is
built on; Stubber itself cannot be used because the collectors create their own clients). ``refuse`` makes an
operation fail with AccessDenied; ``answer_what_moto_lacks`` answers the six read APIs a real organization
answers and moto does not (iam:ListOrganizationsFeatures is not implemented, organizations:
ListDelegatedAdministrators refuses sso.amazonaws.com, sso-admin:GetPermissionsBoundaryForPermissionSet,
iam:GenerateServiceLastAccessedDetails, iam:GetServiceLastAccessedDetails and
iam:ListServiceSpecificCredentials are not implemented), with responses validated against the real API model.
``LastAccessedJobs`` scripts IAM's last-accessed jobs: what each user used, how long each job runs, how its report
is paged. ``ServiceSpecificCredentials`` scripts each user's service-specific credentials (moto can neither create
nor list them), paged by ``MaxItems`` and ``Marker`` as IAM pages them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    }
    for event, (status, parsed) in answers.items():
        session.events.register(event, _answer(status, parsed))
    answer_no_permission_set_boundaries(session)
    LastAccessedJobs().attach(session)  # every user's job completes at once, nothing used
    ServiceSpecificCredentials().attach(session)  # nobody holds one


def answer_no_permission_set_boundaries(session: boto3.Session) -> None:
    """What AWS answers for a permission set without a boundary (moto does not implement the call)."""
    error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no permissions boundary"}}
    session.events.register("before-call.sso-admin.GetPermissionsBoundaryForPermissionSet", _answer(404, error))


def _answer(status: int, parsed: dict[str, Any]) -> Any:
    def handler(model: OperationModel, **_: Any) -> tuple[_Http, dict[str, Any]]:
        if status < 300:  # validated against the real output shape, as Stubber validates its responses
            validate_parameters(parsed, model.output_shape)
        return _Http(status), parsed

    return handler


JOB_DATE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class LastAccessedJobs:
    """IAM's last-accessed jobs as AWS runs them, scripted per user (moto implements neither operation).

    ``services`` holds, by user ARN, the ``ServicesLastAccessed`` entries a user's completed report lists
    (default: none); ``polls_in_progress`` how many ``GetServiceLastAccessedDetails`` answers say
    ``IN_PROGRESS`` before the job completes (default 0; ``None``: it never completes); ``failed`` the ``Error``
    of a job IAM could not build (``FAILED``). A report is paged by ``MaxItems`` with a ``Marker``, as IAM pages
    it. Every answer is validated against the real output shape.
    """

    services: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    polls_in_progress: dict[str, int | None] = field(default_factory=dict)
    failed: dict[str, dict[str, str]] = field(default_factory=dict)
    generated: list[str] = field(default_factory=list)  # user ARNs, in the order their jobs were started
    polled: Counter[str] = field(default_factory=Counter)  # user ARN -> GetServiceLastAccessedDetails calls
    _arn_by_job: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, session: boto3.Session) -> LastAccessedJobs:
        session.events.register("before-call.iam.GenerateServiceLastAccessedDetails", self._generate)
        session.events.register("before-call.iam.GetServiceLastAccessedDetails", self._get)
        return self

    def _generate(self, model: OperationModel, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        body = params["body"]
        assert body["Granularity"] == "ACTION_LEVEL"
        with self._lock:
            job_id = f"job-{len(self.generated):04d}-0000-0000-0000-000000000000"
            self.generated.append(body["Arn"])
            self._arn_by_job[job_id] = body["Arn"]
        return _validated(model, {"JobId": job_id})

    def _get(self, model: OperationModel, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        body = params["body"]
        with self._lock:
            arn = self._arn_by_job[body["JobId"]]
            self.polled[arn] += 1
            polls = self.polled[arn]
        in_progress = self.polls_in_progress.get(arn, 0)
        answer: dict[str, Any] = {
            "JobType": "ACTION_LEVEL",
            "JobCreationDate": JOB_DATE,
            "JobCompletionDate": JOB_DATE,
            "ServicesLastAccessed": [],
        }
        if in_progress is None or polls <= in_progress:
            return _validated(model, {**answer, "JobStatus": "IN_PROGRESS"})
        if arn in self.failed:
            return _validated(model, {**answer, "JobStatus": "FAILED", "Error": self.failed[arn]})
        services = self.services.get(arn, [])
        start = int(body.get("Marker") or 0)
        end = start + int(body.get("MaxItems") or 100)
        page = {**answer, "JobStatus": "COMPLETED", "ServicesLastAccessed": services[start:end]}
        if end < len(services):
            page.update(IsTruncated=True, Marker=str(end))
        return _validated(model, page)


def _validated(model: OperationModel, parsed: dict[str, Any]) -> tuple[_Http, dict[str, Any]]:
    validate_parameters(parsed, model.output_shape)
    return _Http(200), parsed


@dataclass
class ServiceSpecificCredentials:
    """``iam:ListServiceSpecificCredentials`` as AWS answers it, scripted per user name (moto implements neither
    it nor ``CreateServiceSpecificCredential``).

    ``held`` maps a user name to the ``ServiceSpecificCredentials`` entries AWS lists for that user (default:
    none). ``missing`` names users AWS no longer knows (``NoSuchEntity``). A list is paged by ``MaxItems`` with a
    ``Marker``, as IAM pages it; every answer is validated against the real output shape. ``asked`` holds the user
    names asked about, a page at a time.
    """

    held: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()
    asked: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, session: boto3.Session) -> ServiceSpecificCredentials:
        session.events.register("before-call.iam.ListServiceSpecificCredentials", self._list)
        return self

    def _list(self, model: OperationModel, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        body = params["body"]
        user_name = body["UserName"]  # the collector always names the user; AllUsers is not used
        with self._lock:
            self.asked.append(user_name)
        if user_name in self.missing:
            error = {"Error": {"Code": "NoSuchEntity", "Message": f"The user with name {user_name} cannot be found."}}
            return _Http(404), error
        held = self.held.get(user_name, [])
        start = int(body.get("Marker") or 0)
        end = start + int(body.get("MaxItems") or 100)
        page: dict[str, Any] = {"ServiceSpecificCredentials": held[start:end]}
        if end < len(held):
            page.update(IsTruncated=True, Marker=str(end))
        return _validated(model, page)


def service_specific_credential(
    user_name: str, service: str, *, number: int = 1, status: str = "Active", expires: datetime | None = None
) -> dict[str, Any]:
    """One ``ServiceSpecificCredentials`` entry as AWS lists it (no password: AWS returns it only on creation)."""
    entry: dict[str, Any] = {
        "UserName": user_name,
        "Status": status,
        "ServiceUserName": f"{user_name}-at-{number:012d}",
        "CreateDate": JOB_DATE,
        "ServiceSpecificCredentialId": f"ACCA{number:017d}",
        "ServiceName": service,
    }
    if expires is not None:
        entry["ExpirationDate"] = expires
    return entry
