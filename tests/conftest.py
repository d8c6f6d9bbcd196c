"""Shared fixtures: a sealed-off AWS environment, and a small moto organization half-way to Identity Center.

The organization is described in the demo's vocabulary (``auditor.demo.description``) and built by the demo's
builder, so the tests exercise the same construction the demo and the benchmark rely on.

No test may reach real AWS: every test runs with fake credentials, no profile, and config/credentials files
that do not exist, so a developer's own ``~/.aws`` can neither leak in nor be used by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import moto.iam.models
import pytest
from fake_clock import FakeClock
from moto import mock_aws

import auditor.collect.calls
from auditor.demo.builder import build_organization as build_described_organization
from auditor.demo.built import BuiltOrganization
from auditor.demo.description import (
    MOTO_MANAGEMENT_EMAIL,
    MOTO_MANAGEMENT_NAME,
    MockAccessKey,
    MockAccount,
    MockAssignment,
    MockIamGroup,
    MockIamUser,
    MockIdentityCenter,
    MockIdentityCenterGroup,
    MockIdentityCenterUser,
    MockOrganization,
    MockOu,
    MockPermissionSet,
    MockPolicy,
    MockRole,
    allow,
)
from auditor.demo.identity_center_builder import build_identity_center as build_described_identity_center
from auditor.demo.sandbox import SEALED_VALUES, trimmed_managed_policy_data, variables_to_clear
from bench.browser import Browser, find_chromium

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

REPO = Path(__file__).resolve().parents[1]  # the repository root: docs, README.md, pyproject.toml
FIXTURES = REPO / "tests" / "fixtures"  # test data lives in the repository, nowhere else


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


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The scan's clock, advanced only by the test (``fake_clock.FakeClock``)."""
    fake = FakeClock()
    monkeypatch.setattr(auditor.collect.calls, "monotonic_now", fake)
    return fake


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

# Each account gets IAM state of its own, so a test can tell whose state ended up where.
MANAGEMENT_ACCOUNT = MockAccount(
    name=MOTO_MANAGEMENT_NAME,  # moto's own name and e-mail for it, which the tests expect to see listed
    email=MOTO_MANAGEMENT_EMAIL,
    groups=(MockIamGroup("Admins", managed_policies=("AdministratorAccess",)),),
    users=(MockIamUser("mgmt-admin", groups=("Admins",), tags={"team": "platform"}, access_keys=(MockAccessKey(),)),),
)
DEV_ACCOUNT = MockAccount(
    name="dev",
    email="dev@example.com",
    tags={"env": "dev", "owner": "team-a"},
    policies=(MockPolicy("dev-boundary", allow("ec2:*"), path="/boundaries/"),),
    groups=(MockIamGroup("developers", inline_policies={"s3-dev": allow("s3:*")}),),
    users=(
        MockIamUser(
            "dev-alice",
            console_password=True,
            groups=("developers",),
            managed_policies=("AdministratorAccess",),
            inline_policies={"read-logs": allow("logs:Get*")},
            permissions_boundary="dev-boundary",
            access_keys=(MockAccessKey(),),
        ),
        MockIamUser("dev-ci", access_keys=(MockAccessKey(status="Inactive"), MockAccessKey())),
    ),
    roles=(
        MockRole(
            "deployer",
            trusted_service="codebuild.amazonaws.com",
            max_session_duration=43200,
            inline_policies={"deploy": allow("cloudformation:*")},
        ),
    ),
)
PROD_ACCOUNT = MockAccount(
    name="prod",
    email="prod@example.com",
    tags={"env": "prod"},
    users=(MockIamUser("prod-breakglass", console_password=True),),
    roles=(MockRole("app", trusted_service="ec2.amazonaws.com"),),
)
TEST_ORGANIZATION = MockOrganization(
    management=MANAGEMENT_ACCOUNT,
    ous=(
        MockOu(
            "Workloads", children=(MockOu("Dev", accounts=(DEV_ACCOUNT,)), MockOu("Prod", accounts=(PROD_ACCOUNT,)))
        ),
        MockOu("Sandbox", accounts=(MockAccount(name="sandbox", email="sandbox@example.com"),)),
    ),
)

# The target state: an AdministratorAccess set at 12 h, a default-length read-only set, a group
# assigned in dev and prod, and one user assigned directly (IDC-006's case).
TEST_IDENTITY_CENTER = MockIdentityCenter(
    groups=(MockIdentityCenterGroup("Platform", "platform team"),),
    users=(
        MockIdentityCenterUser(
            "alice", "Alice", "Example", display_name="Alice", emails=("alice@example.com",), groups=("Platform",)
        ),
        MockIdentityCenterUser("bob", "Bob", "Example", display_name="Bob", emails=("bob@example.com",)),
    ),
    permission_sets=(
        MockPermissionSet(
            "AdministratorAccess",
            description="admins",
            session_duration="PT12H",
            managed_policies=("AdministratorAccess",),
        ),
        MockPermissionSet(
            "ReadOnly", inline_policy=allow("s3:Get*"), customer_managed_policy_references=(("team-read", "/teams/"),)
        ),
    ),
    assignments=(
        MockAssignment("AdministratorAccess", "GROUP", "Platform", ("dev", "prod")),
        MockAssignment("ReadOnly", "USER", "bob", ("dev",)),
    ),
)


def signing_certificate_pem() -> str:
    """A self-signed X.509 certificate made here, for ``UploadSigningCertificate`` (moto parses what it is given,
    as IAM does). Only its public part is kept; the key is thrown away."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "legacy-soap-client")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.PEM).decode()


@dataclass(frozen=True)
class OrgWorld:
    """What the seeded organization contains, for assertions, under the names the tests use."""

    built: BuiltOrganization

    @property
    def session(self) -> boto3.Session:
        return self.built.session

    @property
    def organization_id(self) -> str:
        return self.built.organization_id

    @property
    def root_id(self) -> str:
        return self.built.root_id

    @property
    def ou_ids(self) -> dict[str, str]:
        """OU name -> id."""
        return self.built.ou_ids_by_name

    @property
    def account_ids(self) -> dict[str, str]:
        """The tests' account names ("management", "dev", "prod", "sandbox") -> id."""
        return {self._name_in_tests(name): account_id for name, account_id in self.built.account_ids.items()}

    def member_client(self, name: str, service: str) -> Any:
        """A client into a member account, made from the world's session (reusing its loaded API models)."""
        return self.built.client(self._described_name(name), service)

    def member_session(self, name: str) -> boto3.Session:
        return self.built.member_session(self._described_name(name))

    @staticmethod
    def _name_in_tests(name: str) -> str:
        return "management" if name == MOTO_MANAGEMENT_NAME else name

    @staticmethod
    def _described_name(name: str) -> str:
        return MOTO_MANAGEMENT_NAME if name == "management" else name


def build_organization(session: boto3.Session) -> OrgWorld:
    """Management + dev, prod, sandbox members in ``/Root/Workloads/{Dev,Prod}`` and ``/Root/Sandbox``."""
    return OrgWorld(build_described_organization(TEST_ORGANIZATION, session))


@pytest.fixture
def org_world(moto_session: boto3.Session) -> OrgWorld:
    return build_organization(moto_session)


@pytest.fixture(scope="module")
def module_org_world(module_moto_session: boto3.Session) -> OrgWorld:
    return build_organization(module_moto_session)


# ------------------------------------------------------------------------------------ Identity Center


@dataclass(frozen=True)
class IdentityCenterWorld:
    instance_arn: str
    identity_store_id: str
    admin_set_arn: str
    read_only_set_arn: str
    user_ids: Mapping[str, str]  # user name -> id
    group_ids: Mapping[str, str]  # display name -> id


def build_identity_center(world: OrgWorld) -> IdentityCenterWorld:
    """``TEST_IDENTITY_CENTER`` in the world's organization."""
    built = build_described_identity_center(TEST_IDENTITY_CENTER, world.built)
    return IdentityCenterWorld(
        instance_arn=built.instance_arn,
        identity_store_id=built.identity_store_id,
        admin_set_arn=built.permission_set_arns["AdministratorAccess"],
        read_only_set_arn=built.permission_set_arns["ReadOnly"],
        user_ids=built.user_ids,
        group_ids=built.group_ids,
    )


# ------------------------------------------------------------------------- the real browser (report.html)
# Debian's chromium over the DevTools protocol (bench/browser.py). Tests that use these fixtures skip, saying why,
# where chromium is not installed, and fail instead when AUDITOR_REQUIRE_BROWSER=1 (CI, which installs it).


@pytest.fixture(scope="module")
def chromium() -> str:
    """Chromium's path; the browser tests skip without it, or fail when AUDITOR_REQUIRE_BROWSER=1 (CI)."""
    path = find_chromium()
    if path is None:
        reason = "chromium not installed (apt-get install -y chromium)"
        if os.environ.get("AUDITOR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and AUDITOR_REQUIRE_BROWSER=1")
        pytest.skip(f"{reason}: browser tests skipped")
    return path


@pytest.fixture(scope="module")
def browser(chromium: str) -> Any:
    instance = Browser.launch(chromium)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Any:
    tab = browser.new_page()
    try:
        yield tab
    finally:
        tab.close()
