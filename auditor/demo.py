"""The embedded default organization behind ``auditor demo``: a mock AWS Organization, scanned for real.

``demo_inventory()`` needs no AWS account and no network. It starts moto in-process, builds an organization
shaped like the seeds' story (a company half-way from IAM users to IAM Identity Center) with ordinary boto3
calls, and then runs the *same* collection a real ``auditor scan --org`` runs. What comes back is an ordinary
``Inventory``: the rules, reports and exit codes downstream cannot tell it from a real one, except through
``inventory.collection.simulated``, which says which facts were injected rather than collected.

The organization (account ids are moto's, made repeatable by seeding moto's random generator):

* ``acme-management`` (moto's default account 123456789012): the organization (ALL features) and the
  Identity Center instance (home region us-east-1). A classic mistake: an IAM user ``admin`` with
  AdministratorAccess, a console password without MFA and a long-lived key from a laptop.
* ``/Root/Workloads``: ``acme-development`` and ``acme-production`` (tag ``Environment=production``).
  Production also holds ``ci-deploy``, a role trusted by the legacy account with MaxSessionDuration 43200.
* ``/Root/Legacy``: ``acme-legacy``, an older account that joined by invitation and still runs on IAM users:
  console users without MFA, ``alice`` with admin rights through the ``admins`` group, ``dave`` (virtual
  MFA, password never used) and ``ci-deployer`` with two ``AKIA`` keys, one ~400 days old and never used.
  It has no Identity Center assignment.
* Identity Center: permission set ``AdministratorAccess`` (PT12H, AWS managed AdministratorAccess) assigned
  directly to the user ``alice@acme.example`` in management, development and production; permission set
  ``ReadOnly`` (ReadOnlyAccess, PT1H) assigned to the group ``Developers`` (bob, carol) in development.
  As AWS does on provisioning, each assigned account gets an ``AWSReservedSSO_<set>_<hex>`` role.

What is not plain API traffic, and why (nothing here is hidden from the report):

* **Edited moto state** (``_edit_moto_backends``). moto stamps every creation and "last used" date from the
  clock, and the age-based rules (key not rotated, password unused, ...) need history. After the API calls,
  that one helper edits moto's backend objects: IAM user creation dates, password and access-key last use,
  access-key creation dates; account join dates and the legacy account's join method (INVITED); the
  management account's name and e-mail (moto hard-codes "master"). The collectors then read them through
  the normal APIs (credential report, ListAccessKeys, ListAccounts, DescribeOrganization): these are the
  mock organization's facts, collected like any other, so they are not listed as simulated.
* **Simulated root facts** (``_inject_simulated_root``). moto has no root user: its credential report has
  no ``<root_account>`` row and its account summary hard-wires the root flags to 0. After collection each
  account gets a root row and matching ``AccountMFAEnabled`` / ``AccountAccessKeysPresent`` /
  ``AccountPasswordPresent`` flags (acme-legacy: an active root access key, no MFA, used days ago; the
  others: MFA, no keys). Every account touched gets a line in ``collection.simulated``, and nothing is
  injected into an account whose credential report or summary was not collected.
* **Coverage gaps are kept, moto's own artefacts are not** (``_replace_moto_artefacts``). An error stays in
  ``inventory.errors`` unless real AWS could never return it *and* the builder knows the true answer; then
  it is dropped, the true answer recorded, and a line in ``collection.simulated`` says which and why. Dropped:
  ``organizations:ListDelegatedAdministrators`` (moto rejects ``sso.amazonaws.com``; the demo registers no
  delegated administrator) and ``sso-admin:GetPermissionsBoundaryForPermissionSet`` (NotImplemented; the demo
  sets no boundary). Kept: ``iam:ListOrganizationsFeatures`` (NotImplemented in moto), because real scans
  meet the same gap (trusted access off, audit role outside the management account): the demo shows how a
  gap is reported, ORG-002 stays a manual check and the scan's coverage is reported as incomplete.

Two things keep it fast and repeatable: moto's random generator is seeded (same account, OU, permission-set
ids on every run, so finding fingerprints are stable), and moto loads only the AWS managed policies the demo
attaches (``_only_used_aws_managed_policies``): about 2 s instead of about 10 s. Both are undone afterwards.

The environment is isolated for the duration (fake credentials, ``AWS_CONFIG_FILE`` and
``AWS_SHARED_CREDENTIALS_FILE`` pointed at ``os.devnull``, every other ``AWS_*`` / ``MOTO_*`` variable
unset, so a user's profile or ``AWS_ENDPOINT_URL`` cannot leak in) and restored afterwards. ``os.environ``
is process-wide: do not run the demo concurrently with real AWS calls in other threads. Nothing is written
to disk; the CLI writes the reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from auditor.errors import AuditorError
from auditor.inventory import (
    ROOT_USER,
    CollectionError,
    CredentialReport,
    CredentialReportKey,
    CredentialReportRow,
    Inventory,
)
from auditor.moto_sandbox import only_aws_managed_policies, sealed_aws_environment

MOTO_MISSING_MESSAGE = "the demo needs moto: pip install 'aws-identity-auditor[demo]'"

REGION = "us-east-1"  # also the Identity Center home region
MANAGEMENT_ACCOUNT_ID = "123456789012"  # moto's default account: the fake credentials below land here
MEMBER_ROLE_NAME = "OrganizationAccountAccessRole"
# Seeds moto's random generator so account, OU and Identity Center ids are the same on every run.
MOTO_RANDOM_SEED = 20240611

AWS_POLICY = "arn:aws:iam::aws:policy/"
IDENTITY_CENTER_PRINCIPAL = "sso.amazonaws.com"
DEMO_PASSWORD = "demo-only-not-a-secret-1A!"  # moto requires a value; nothing ever signs in with it

# ------------------------------------------------------------------------------ the organization, as data


@dataclass(frozen=True)
class DemoAccessKey:
    age_days: int
    last_used_days_ago: int | None = None  # None: never used
    last_used_service: str = "s3"


@dataclass(frozen=True)
class DemoIamUser:
    name: str
    age_days: int
    console_password: bool = False
    password_last_used_days_ago: int | None = None  # None: never used (with a password: "no_information")
    virtual_mfa: bool = False
    groups: tuple[str, ...] = ()
    managed_policies: tuple[str, ...] = ()
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_keys: tuple[DemoAccessKey, ...] = ()


@dataclass(frozen=True)
class DemoIamGroup:
    name: str
    managed_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoRole:
    name: str
    trusted_account: str  # account *name*; resolved to its id when built
    max_session_duration: int
    managed_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimulatedRoot:
    """What the demo claims about an account's root user (moto cannot model root)."""

    mfa_active: bool
    password_last_used_days_ago: int | None = None
    access_key_age_days: int | None = None  # None: no root access key
    access_key_last_used_days_ago: int | None = None


@dataclass(frozen=True)
class DemoAccount:
    name: str
    email: str
    ou: str | None  # OU name under Root; None for the management account
    age_days: int
    root: SimulatedRoot
    tags: dict[str, str] = field(default_factory=dict)
    invited: bool = False  # joined by invitation (older account) rather than created by Organizations
    users: tuple[DemoIamUser, ...] = ()
    groups: tuple[DemoIamGroup, ...] = ()
    roles: tuple[DemoRole, ...] = ()


@dataclass(frozen=True)
class DemoIdentityCenterUser:
    user_name: str
    given_name: str
    family_name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoPermissionSet:
    name: str
    description: str
    session_duration: str
    managed_policies: tuple[str, ...]


@dataclass(frozen=True)
class DemoAssignment:
    permission_set: str
    principal_type: str  # USER | GROUP
    principal: str  # identity-store user name or group display name
    accounts: tuple[str, ...]  # account names


MANAGEMENT = "acme-management"
DEVELOPMENT = "acme-development"
PRODUCTION = "acme-production"
LEGACY = "acme-legacy"

ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        name=MANAGEMENT,
        email="aws-management@acme.example",
        ou=None,
        age_days=1200,
        root=SimulatedRoot(mfa_active=True, password_last_used_days_ago=150),
        users=(
            # The classic mistake from seed 000: an IAM admin user in the management account, with a key on a laptop.
            DemoIamUser(
                name="admin",
                age_days=1100,
                console_password=True,
                password_last_used_days_ago=60,
                managed_policies=("AdministratorAccess",),
                access_keys=(DemoAccessKey(age_days=700, last_used_days_ago=2, last_used_service="sts"),),
            ),
        ),
    ),
    DemoAccount(
        name=DEVELOPMENT,
        email="aws-development@acme.example",
        ou="Workloads",
        age_days=300,
        root=SimulatedRoot(mfa_active=True),
        tags={"Environment": "development"},
    ),
    DemoAccount(
        name=PRODUCTION,
        email="aws-production@acme.example",
        ou="Workloads",
        age_days=300,
        root=SimulatedRoot(mfa_active=True),
        tags={"Environment": "production"},
        roles=(
            DemoRole(
                name="ci-deploy",
                trusted_account=LEGACY,
                max_session_duration=43200,
                managed_policies=("PowerUserAccess",),
            ),
        ),
    ),
    DemoAccount(
        name=LEGACY,
        email="aws-legacy@acme.example",
        ou="Legacy",
        age_days=2200,
        invited=True,
        # The account everyone forgot: root still has an access key, no MFA, and somebody used it last week.
        root=SimulatedRoot(
            mfa_active=False,
            password_last_used_days_ago=20,
            access_key_age_days=2000,
            access_key_last_used_days_ago=6,
        ),
        groups=(DemoIamGroup(name="admins", managed_policies=("AdministratorAccess",)),),
        users=(
            # Moved to Identity Center months ago; the old admin login is still there.
            DemoIamUser(
                name="alice",
                age_days=2000,
                console_password=True,
                password_last_used_days_ago=200,
                groups=("admins",),
            ),
            # Still signs in the old way every week.
            DemoIamUser(
                name="bob",
                age_days=900,
                console_password=True,
                password_last_used_days_ago=5,
                managed_policies=("ReadOnlyAccess",),
            ),
            # Has MFA, never signed in: a leaver or a forgotten invitation.
            DemoIamUser(name="dave", age_days=500, console_password=True, virtual_mfa=True),
            # Deploys to production with long-lived keys; the first key was never used and never removed.
            DemoIamUser(
                name="ci-deployer",
                age_days=400,
                inline_policies={
                    "assume-ci-deploy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/ci-deploy"}
                        ],
                    }
                },
                access_keys=(
                    DemoAccessKey(age_days=400),
                    DemoAccessKey(age_days=120, last_used_days_ago=1, last_used_service="sts"),
                ),
            ),
        ),
    ),
)

IDENTITY_CENTER_USERS: tuple[DemoIdentityCenterUser, ...] = (
    DemoIdentityCenterUser("alice@acme.example", "Alice", "Chen"),
    DemoIdentityCenterUser("bob@acme.example", "Bob", "Okafor", groups=("Developers",)),
    DemoIdentityCenterUser("carol@acme.example", "Carol", "Diaz", groups=("Developers",)),
)
IDENTITY_CENTER_GROUPS: dict[str, str] = {"Developers": "Application developers: read-only in development"}

PERMISSION_SETS: tuple[DemoPermissionSet, ...] = (
    # Seed 000: AdministratorAccess at the 12-hour maximum, so nobody has to sign in twice a day.
    DemoPermissionSet("AdministratorAccess", "Full administrator access", "PT12H", ("AdministratorAccess",)),
    # PT1H is AWS's default; passed explicitly because moto returns the integer 3600 when it is omitted.
    DemoPermissionSet("ReadOnly", "Read-only access", "PT1H", ("ReadOnlyAccess",)),
)

ASSIGNMENTS: tuple[DemoAssignment, ...] = (
    # Seed 000 assigns the admin set to one user, directly, in all three accounts (IDC-005, IDC-006).
    DemoAssignment("AdministratorAccess", "USER", "alice@acme.example", (MANAGEMENT, DEVELOPMENT, PRODUCTION)),
    DemoAssignment("ReadOnly", "GROUP", "Developers", (DEVELOPMENT,)),
)

# ------------------------------------------------------------------------------------------- public API


def demo_inventory(*, progress: Callable[[int, int, str], None] | None = None) -> Inventory:
    """Build the mock organization in-process, scan it with the real collectors and return the Inventory.

    ``progress`` is passed to the collectors unchanged. Raises ``AuditorError`` when moto is not installed.
    """
    try:
        import moto
    except ImportError:
        raise AuditorError(MOTO_MISSING_MESSAGE) from None

    from auditor.collect import CollectOptions, collect

    now = datetime.now(UTC).replace(microsecond=0)
    with (
        sealed_aws_environment(),
        _seeded_moto_random(),
        only_aws_managed_policies(_aws_managed_policies_used()),
        moto.mock_aws(),
    ):
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
        account_ids = build_organization(session, now=now)
        options = CollectOptions(
            org=True,
            role_name=MEMBER_ROLE_NAME,
            region=REGION,
            identity_center_region=REGION,
            progress=progress,
        )
        # moto answers at once: there is nothing to wait for between credential-report polls.
        inventory = collect(options, session=session, sleep=lambda _seconds: None)
    _inject_simulated_root(inventory, account_ids, now=now)
    _replace_moto_artefacts(inventory)
    return inventory


# ---------------------------------------------------------------------------------------- environment


@contextmanager
def _seeded_moto_random() -> Iterator[None]:
    """Make moto's ids repeatable, then hand its generator back in the state we found it."""
    from moto.moto_api._internal import mock_random

    state = mock_random.getstate()
    mock_random.seed(MOTO_RANDOM_SEED)
    try:
        yield
    finally:
        mock_random.setstate(state)


def _aws_managed_policies_used() -> set[str]:
    names = {"AdministratorAccess"}  # on each member's OrganizationAccountAccessRole
    for account in ACCOUNTS:
        holders: list[DemoIamUser | DemoIamGroup | DemoRole] = [*account.users, *account.groups, *account.roles]
        for holder in holders:
            names.update(holder.managed_policies)
    for permission_set in PERMISSION_SETS:
        names.update(permission_set.managed_policies)
    return names


# ------------------------------------------------------------------------------------------- building


def build_organization(session: boto3.Session, *, now: datetime) -> dict[str, str]:
    """Create the demo organization inside an active ``moto.mock_aws()``; return account name -> account id.

    ``session`` must carry credentials of moto's default account, which becomes the management account.
    """
    organizations = session.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_ids: dict[str, str] = {}
    account_ids: dict[str, str] = {MANAGEMENT: MANAGEMENT_ACCOUNT_ID}
    sessions: dict[str, boto3.Session] = {MANAGEMENT: session}
    for account in ACCOUNTS:
        if account.ou is None:
            continue
        if account.ou not in ou_ids:
            ou_ids[account.ou] = organizations.create_organizational_unit(ParentId=root_id, Name=account.ou)[
                "OrganizationalUnit"
            ]["Id"]
        status = organizations.create_account(
            AccountName=account.name,
            Email=account.email,
            RoleName=MEMBER_ROLE_NAME,
            Tags=[{"Key": k, "Value": v} for k, v in account.tags.items()],
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        account_ids[account.name] = account_id
        organizations.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou_ids[account.ou])
        sessions[account.name] = _member_session(session, account_id)
        # Organizations gives the role it creates full administrator rights.
        sessions[account.name].client("iam").attach_role_policy(
            RoleName=MEMBER_ROLE_NAME, PolicyArn=AWS_POLICY + "AdministratorAccess"
        )

    for account in ACCOUNTS:
        _build_iam(sessions[account.name].client("iam"), account, account_ids)
    _build_identity_center(session, sessions, account_ids)
    _edit_moto_backends(account_ids, now=now)
    return account_ids


def _member_session(session: boto3.Session, account_id: str) -> boto3.Session:
    """Credentials inside a member account, as an administrator would get them: AssumeRole into the member role."""
    credentials = session.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{MEMBER_ROLE_NAME}", RoleSessionName="acme-demo-setup"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def _build_iam(iam: Any, account: DemoAccount, account_ids: dict[str, str]) -> None:
    for group in account.groups:
        iam.create_group(GroupName=group.name)
        for policy in group.managed_policies:
            iam.attach_group_policy(GroupName=group.name, PolicyArn=AWS_POLICY + policy)
    for user in account.users:
        iam.create_user(UserName=user.name)
        if user.console_password:
            iam.create_login_profile(UserName=user.name, Password=DEMO_PASSWORD)
        if user.virtual_mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=user.name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
            )
        for group_name in user.groups:
            iam.add_user_to_group(GroupName=group_name, UserName=user.name)
        for policy in user.managed_policies:
            iam.attach_user_policy(UserName=user.name, PolicyArn=AWS_POLICY + policy)
        for policy_name, document in user.inline_policies.items():
            iam.put_user_policy(UserName=user.name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
        for _key in user.access_keys:
            iam.create_access_key(UserName=user.name)
    for role in account.roles:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_ids[role.trusted_account]}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam.create_role(
            RoleName=role.name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=role.max_session_duration
        )
        for policy in role.managed_policies:
            iam.attach_role_policy(RoleName=role.name, PolicyArn=AWS_POLICY + policy)


def _build_identity_center(
    session: boto3.Session, sessions: dict[str, boto3.Session], account_ids: dict[str, str]
) -> None:
    # Enabling Identity Center in an organization turns on its trusted access.
    session.client("organizations").enable_aws_service_access(ServicePrincipal=IDENTITY_CENTER_PRINCIPAL)
    sso_admin = session.client("sso-admin")
    identity_store = session.client("identitystore")
    # moto gives every account and region one ACTIVE instance, as if Identity Center had been enabled.
    instance = sso_admin.list_instances()["Instances"][0]
    instance_arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]

    principal_ids: dict[str, str] = {}
    for group_name, description in IDENTITY_CENTER_GROUPS.items():
        principal_ids[group_name] = identity_store.create_group(
            IdentityStoreId=store_id, DisplayName=group_name, Description=description
        )["GroupId"]
    for user in IDENTITY_CENTER_USERS:
        user_id = identity_store.create_user(
            IdentityStoreId=store_id,
            UserName=user.user_name,
            DisplayName=f"{user.given_name} {user.family_name}",
            Name={"GivenName": user.given_name, "FamilyName": user.family_name},
            Emails=[{"Value": user.user_name, "Type": "work", "Primary": True}],
        )["UserId"]
        principal_ids[user.user_name] = user_id
        for group_name in user.groups:
            identity_store.create_group_membership(
                IdentityStoreId=store_id, GroupId=principal_ids[group_name], MemberId={"UserId": user_id}
            )

    permission_sets: dict[str, DemoPermissionSet] = {}
    permission_set_arns: dict[str, str] = {}
    for permission_set in PERMISSION_SETS:
        arn = sso_admin.create_permission_set(
            InstanceArn=instance_arn,
            Name=permission_set.name,
            Description=permission_set.description,
            SessionDuration=permission_set.session_duration,
        )["PermissionSet"]["PermissionSetArn"]
        for policy in permission_set.managed_policies:
            sso_admin.attach_managed_policy_to_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=AWS_POLICY + policy
            )
        permission_sets[permission_set.name] = permission_set
        permission_set_arns[permission_set.name] = arn

    provisioned: set[tuple[str, str]] = set()
    for assignment in ASSIGNMENTS:
        for account_name in assignment.accounts:
            sso_admin.create_account_assignment(
                InstanceArn=instance_arn,
                TargetId=account_ids[account_name],
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=permission_set_arns[assignment.permission_set],
                PrincipalType=assignment.principal_type,
                PrincipalId=principal_ids[assignment.principal],
            )
            if (account_name, assignment.permission_set) not in provisioned:
                provisioned.add((account_name, assignment.permission_set))
                # AWS provisions a permission set to an account whenever it is assigned there; moto does not,
                # and the collector only asks about the sets ListPermissionSetsProvisionedToAccount names.
                sso_admin.provision_permission_set(
                    InstanceArn=instance_arn,
                    PermissionSetArn=permission_set_arns[assignment.permission_set],
                    TargetType="AWS_ACCOUNT",
                    TargetId=account_ids[account_name],
                )
                _create_reserved_sso_role(
                    sessions[account_name].client("iam"),
                    account_ids[account_name],
                    permission_sets[assignment.permission_set],
                )


def _create_reserved_sso_role(iam: Any, account_id: str, permission_set: DemoPermissionSet) -> None:
    """The role AWS creates when it provisions a permission set into an account (moto does not)."""
    suffix = hashlib.sha256(f"{account_id}/{permission_set.name}".encode()).hexdigest()[:16]
    provider = f"arn:aws:iam::{account_id}:saml-provider/AWSSSO_{suffix}_DO_NOT_DELETE"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    role_name = f"AWSReservedSSO_{permission_set.name}_{suffix}"
    iam.create_role(
        RoleName=role_name,
        Path="/aws-reserved/sso.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(trust),
        MaxSessionDuration=43200,  # always 12 h on these roles: the permission set's SessionDuration is the limit
    )
    for policy in permission_set.managed_policies:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=AWS_POLICY + policy)


def _edit_moto_backends(account_ids: dict[str, str], *, now: datetime) -> None:
    """Give the mock organization a history, and its real names, by editing moto's backend objects directly.

    Why: moto stamps creation and last-use dates from the clock and has no API to set them, but the story
    (a 400-day-old key never used, passwords unused for months) needs history. The alternative, freezegun
    around each create call, is a test dependency, not a runtime one. moto also hard-codes the management
    account's name and e-mail ("master", master@example.com) and the join method (CREATED). The collectors
    read all of these back through the ordinary APIs (credential report, ListAccessKeys, ListAccounts,
    DescribeOrganization).
    """
    from moto.iam.models import AccessKeyLastUsed, iam_backends
    from moto.organizations.models import organizations_backends

    def ago(days: int) -> datetime:
        return (now - timedelta(days=days)).replace(tzinfo=None)  # moto keeps naive UTC datetimes

    organizations = organizations_backends[MANAGEMENT_ACCOUNT_ID]["aws"]
    org_accounts = {a.id: a for a in organizations.accounts}
    for account in ACCOUNTS:
        account_id = account_ids[account.name]
        org_account = org_accounts[account_id]
        org_account.create_time = ago(account.age_days)  # ListAccounts' JoinedTimestamp
        if account.name == MANAGEMENT:
            org_account.name = account.name
            assert organizations.org is not None  # build_organization created it
            org_account.email = organizations.org.master_account_email = account.email
        if account.invited:
            org_account.joined_method = "INVITED"

        iam_users = iam_backends[account_id]["global"].users
        for user in account.users:
            iam_user = iam_users[user.name]
            iam_user.create_date = ago(user.age_days)
            if user.password_last_used_days_ago is not None:
                # moto annotates the attribute as None-only, though it stores a datetime once a password is used
                iam_user.password_last_used = ago(user.password_last_used_days_ago)  # type: ignore[assignment]
            for moto_key, key in zip(iam_user.access_keys, user.access_keys, strict=True):
                moto_key.create_date = ago(key.age_days)
                if key.last_used_days_ago is not None:
                    moto_key.last_used = AccessKeyLastUsed(
                        timestamp=ago(key.last_used_days_ago), service=key.last_used_service, region=REGION
                    )


# --------------------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class MotoArtefact:
    """A collection error that only moto produces, and what the demo organization really has instead."""

    service: str
    operation: str
    error_code: str
    explanation: str
    record_true_answer: Callable[[Inventory], None] = lambda _inventory: None

    def matches(self, error: CollectionError) -> bool:
        return (error.service, error.operation, error.error_code) == (self.service, self.operation, self.error_code)


# Only errors a real AWS account never returns, and only where the builder above knows the true answer.
# Not here on purpose: iam:ListOrganizationsFeatures (moto: NotImplemented). Real scans hit that gap too
# (trusted access off, audit role outside the management account), so the demo shows how a gap is reported.
MOTO_ARTEFACTS: tuple[MotoArtefact, ...] = (
    MotoArtefact(
        "organizations",
        "ListDelegatedAdministrators",
        "InvalidInputException",
        "moto rejects the service principal sso.amazonaws.com, which AWS accepts; the demo organization "
        "registers no delegated administrator, so none is recorded",
        record_true_answer=lambda inventory: _record_no_delegated_admin(inventory),
    ),
    MotoArtefact(
        "sso-admin",
        "GetPermissionsBoundaryForPermissionSet",
        "NotImplemented",
        "moto does not implement it; the demo's permission sets have no permissions boundary, so none is recorded",
    ),
)


def _record_no_delegated_admin(inventory: Inventory) -> None:
    if inventory.organization is not None:
        inventory.organization.delegated_administrators = {IDENTITY_CENTER_PRINCIPAL: []}


def _replace_moto_artefacts(inventory: Inventory) -> None:
    """Drop the errors in ``MOTO_ARTEFACTS``, record the demo's true answer, and say so in ``simulated``."""
    for artefact in MOTO_ARTEFACTS:
        dropped = [error for error in inventory.errors if artefact.matches(error)]
        if not dropped:
            continue
        inventory.errors[:] = [error for error in inventory.errors if not artefact.matches(error)]
        artefact.record_true_answer(inventory)
        inventory.collection.simulated.append(
            f"dropped {len(dropped)} {artefact.service}:{artefact.operation} error(s) ({artefact.error_code}): "
            f"{artefact.explanation}"
        )


def _inject_simulated_root(inventory: Inventory, account_ids: dict[str, str], *, now: datetime) -> None:
    """Add what moto cannot model (the root user) to the collected inventory, and record that we did."""
    for account in ACCOUNTS:
        account_inventory = inventory.account(account_ids[account.name])
        if account_inventory is None:
            continue
        injected = []
        report = account_inventory.credential_report
        if report is not None:
            rows = [
                _root_row(account_inventory.account_id, account, now=now),
                *(r for r in report.rows if not r.is_root),
            ]
            account_inventory.credential_report = CredentialReport(generated_time=report.generated_time, rows=rows)
            injected.append("the root user row of the credential report")
        if account_inventory.account_summary is not None:
            account_inventory.account_summary = {
                **account_inventory.account_summary,
                **_root_summary_flags(account.root),
            }
            injected.append("the root flags of the account summary")
        if injected:
            inventory.collection.simulated.append(
                f"{account.name} ({account_inventory.account_id}): {' and '.join(injected)} are simulated "
                f"({_describe_root(account.root)}); moto cannot model the root user"
            )


def _root_row(account_id: str, account: DemoAccount, *, now: datetime) -> CredentialReportRow:
    """The ``<root_account>`` row as the collectors parse a real one (a slot that never held a key is left out)."""
    root = account.root

    def ago(days: int | None) -> datetime | None:
        return None if days is None else now - timedelta(days=days)

    keys = []
    if root.access_key_age_days is not None:
        used = root.access_key_last_used_days_ago is not None
        keys.append(
            CredentialReportKey(
                slot=1,
                active=True,
                last_rotated=ago(root.access_key_age_days),
                last_used_date=ago(root.access_key_last_used_days_ago),
                last_used_region=REGION if used else None,
                last_used_service="ec2" if used else None,
            )
        )
    return CredentialReportRow(
        user=ROOT_USER,
        arn=f"arn:aws:iam::{account_id}:root",
        user_creation_time=ago(account.age_days),
        password_enabled=None,  # AWS writes "not_supported" for root
        password_last_used=ago(root.password_last_used_days_ago),
        mfa_active=root.mfa_active,
        access_keys=keys,
    )


def _root_summary_flags(root: SimulatedRoot) -> dict[str, int]:
    return {
        "AccountMFAEnabled": int(root.mfa_active),
        "AccountAccessKeysPresent": int(root.access_key_age_days is not None),
        "AccountPasswordPresent": 1,
    }


def _describe_root(root: SimulatedRoot) -> str:
    facts = ["MFA on a hardware key" if root.mfa_active else "no MFA"]
    if root.access_key_age_days is None:
        facts.append("no access key")
    else:
        facts.append("an active access key")
    if root.access_key_last_used_days_ago is not None or root.password_last_used_days_ago is not None:
        last = min(d for d in (root.access_key_last_used_days_ago, root.password_last_used_days_ago) if d is not None)
        facts.append(f"last used {last} days before the scan")
    return ", ".join(facts)
