"""The demo organization on a moto server, for tests that run printed commands with the real AWS CLI
(``aws_cli.py``): the server (a module fixture), a fresh build of the demo with the ids its findings and plan name,
and the environment a line runs in (the credentials of the account it is meant for)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from aws_cli import parse
from moto_server import reset_moto, running_moto_server

from auditor.demo.builder import build_organization
from auditor.demo.built import BuiltOrganization
from auditor.demo.sandbox import FAKE_CREDENTIAL, REGION, fixed_moto_random, only_aws_managed_policies
from auditor.demo.scan import MOTO_RANDOM_START
from auditor.demo.story import ACME

# Run from the account that administers them, as a person would; everything else runs in the line's account.
ORGANIZATION_SERVICES = {"sso-admin", "identitystore", "organizations"}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """One server for the module (a test module runs many printed lines); each build_demo wipes it first."""
    with running_moto_server() as endpoint:
        yield endpoint


def build_demo(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> BuiltOrganization:
    """The demo's organization on the server, with the ids the demo's findings name (the same build, in the same
    order, from the same start of moto's random generator)."""
    reset_moto(endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    with fixed_moto_random(MOTO_RANDOM_START), only_aws_managed_policies(ACME.aws_managed_policies()):
        session = boto3.Session(
            aws_access_key_id=FAKE_CREDENTIAL, aws_secret_access_key=FAKE_CREDENTIAL, region_name=REGION
        )
        return build_organization(ACME, session, now=datetime.now(UTC))


def environment(built: BuiltOrganization, endpoint: str, account_id: str | None, line: str) -> dict[str, str]:
    """The endpoint, and the credentials of the account the line is run in."""
    _, listing, command = parse(line)
    service = (listing or command).argv[0] if (listing or command) else ""  # type: ignore[union-attr]
    names = {account: name for name, account in built.account_ids.items()}
    member = names.get(account_id or "") if service not in ORGANIZATION_SERVICES else None
    credentials = built.member_credentials.get(member or "", {})
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ACCESS_KEY_ID": credentials.get("aws_access_key_id", FAKE_CREDENTIAL),
        "AWS_SECRET_ACCESS_KEY": credentials.get("aws_secret_access_key", FAKE_CREDENTIAL),
        **({"AWS_SESSION_TOKEN": credentials["aws_session_token"]} if "aws_session_token" in credentials else {}),
    }


def add_aws_managed_policy(built: BuiltOrganization, name: str) -> None:
    """One more AWS managed policy in every account of a build, added after it (moto loads them when an account's
    IAM is first used, and policies loaded during the build would change the ids moto's generator gives)."""
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)[name]
    for account_id in built.account_ids.values():
        backend = iam_backends[account_id]["global"]
        policy = AWSManagedPolicy.from_data(name, account_id, backend.region_name, data)
        backend.aws_managed_policies.append(policy)
        backend.managed_policies[policy.arn] = policy
