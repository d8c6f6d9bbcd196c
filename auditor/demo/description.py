"""The vocabulary for describing a mock AWS Organization: frozen data (and views of it), no AWS.

The demo's story, the test suite's organization and the collection benchmark's generated organizations are
all written in these terms and built by one builder (``auditor.demo.builder``), so a fact moto needs help
with (provisioning a permission set, a key's age) is handled once, for all three.

Names are what the builder resolves: an account is referred to by its name, an AWS managed policy by its name
(``"ReadOnlyAccess"``), a customer-managed policy by its name within the account, an Identity Center
principal by its user name or group display name. Ages are in days before the build's ``now``; ``None`` leaves
moto's own value (created at build time, never used), which is all a test that checks shapes needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PolicyDocument = dict[str, Any]

# moto's fixed name and e-mail for the management account: a description that keeps them needs no backend edit.
MOTO_MANAGEMENT_NAME = "master"
MOTO_MANAGEMENT_EMAIL = "master@example.com"
DEFAULT_MEMBER_ROLE = "OrganizationAccountAccessRole"


def aws_managed_policy_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


def allow(actions: str | list[str], resource: str = "*") -> PolicyDocument:
    """The one-statement policy most mock worlds need: allow ``actions`` on ``resource``."""
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}


# ------------------------------------------------------------------------------------------------ IAM


@dataclass(frozen=True)
class MockAccessKey:
    age_days: int | None = None
    last_used_days_ago: int | None = None  # None: never used
    last_used_service: str = "s3"
    status: Literal["Active", "Inactive"] = "Active"


@dataclass(frozen=True)
class MockIamUser:
    name: str
    age_days: int | None = None
    console_password: bool = False
    password_last_used_days_ago: int | None = None  # None: never used (with a password: "no_information")
    virtual_mfa: bool = False
    groups: tuple[str, ...] = ()
    managed_policies: tuple[str, ...] = ()  # AWS managed, by name
    customer_managed_policies: tuple[str, ...] = ()  # the account's own (MockAccount.policies), by name
    inline_policies: dict[str, PolicyDocument] = field(default_factory=dict)
    permissions_boundary: str | None = None  # one of the account's own policies, by name
    tags: dict[str, str] = field(default_factory=dict)
    access_keys: tuple[MockAccessKey, ...] = ()
    # SSH public keys for git over SSH to CodeCommit, as `ssh-keygen` writes them (public: no secret)
    ssh_public_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class MockIamGroup:
    name: str
    managed_policies: tuple[str, ...] = ()
    inline_policies: dict[str, PolicyDocument] = field(default_factory=dict)


@dataclass(frozen=True)
class MockRole:
    """A role trusted by exactly one principal: an account of the organization (by name) or an AWS service."""

    name: str
    trusted_account: str | None = None
    trusted_service: str | None = None  # e.g. "ec2.amazonaws.com"
    max_session_duration: int = 3600
    managed_policies: tuple[str, ...] = ()
    inline_policies: dict[str, PolicyDocument] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.trusted_account is None) == (self.trusted_service is None):
            raise ValueError(f"role {self.name}: trust exactly one of an account or a service")


@dataclass(frozen=True)
class MockPolicy:
    """A customer-managed policy of one account."""

    name: str
    document: PolicyDocument
    path: str = "/"


# ------------------------------------------------------------------------------------- organization


@dataclass(frozen=True)
class MockAccount:
    name: str
    email: str
    age_days: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    invited: bool = False  # joined by invitation (an older account) rather than created by Organizations
    policies: tuple[MockPolicy, ...] = ()
    groups: tuple[MockIamGroup, ...] = ()
    users: tuple[MockIamUser, ...] = ()
    roles: tuple[MockRole, ...] = ()


@dataclass(frozen=True)
class MockOu:
    """An organizational unit, its accounts and its child units."""

    name: str
    accounts: tuple[MockAccount, ...] = ()
    children: tuple[MockOu, ...] = ()


# ------------------------------------------------------------------------------------ Identity Center


@dataclass(frozen=True)
class MockIdentityCenterUser:
    user_name: str
    given_name: str
    family_name: str
    display_name: str | None = None  # None: "given family"
    emails: tuple[str, ...] = ()  # the first is the primary one
    groups: tuple[str, ...] = ()  # display names of MockIdentityCenter.groups


@dataclass(frozen=True)
class MockIdentityCenterGroup:
    display_name: str
    description: str | None = None


@dataclass(frozen=True)
class MockPermissionSet:
    name: str
    description: str | None = None
    # None leaves it out; moto then answers the integer 3600 where AWS answers "PT1H".
    session_duration: str | None = None
    managed_policies: tuple[str, ...] = ()  # AWS managed, by name
    inline_policy: PolicyDocument | None = None
    customer_managed_policy_references: tuple[tuple[str, str], ...] = ()  # (name, path) in each assigned account


@dataclass(frozen=True)
class MockAssignment:
    permission_set: str
    principal_type: Literal["USER", "GROUP"]
    principal: str  # identity-store user name or group display name
    accounts: tuple[str, ...]  # account names


@dataclass(frozen=True)
class MockIdentityCenter:
    """moto's ready instance in the management account (home region ``us-east-1``), filled with this.

    Two things AWS does and moto does not are opt-in, so a world can match what its readers expect:
    ``trusted_access`` enables Organizations trusted access for ``sso.amazonaws.com`` (AWS does so when
    Identity Center is enabled in an organization), and ``reserved_roles`` creates the
    ``AWSReservedSSO_<set>_<hex>`` role AWS creates in an account when it provisions a permission set there.
    """

    users: tuple[MockIdentityCenterUser, ...] = ()
    groups: tuple[MockIdentityCenterGroup, ...] = ()
    permission_sets: tuple[MockPermissionSet, ...] = ()
    assignments: tuple[MockAssignment, ...] = ()
    trusted_access: bool = False
    reserved_roles: bool = False


@dataclass(frozen=True)
class MockOrganization:
    """An ALL-features organization whose management account is moto's default account.

    ``members`` sit directly under the root; ``ous`` hold the rest. The builder creates OUs and accounts in
    the order written here (an OU, then its accounts, then its children), which matters: moto draws ids from
    one random generator, so the order of creation decides which ids a repeatable run produces.
    """

    management: MockAccount = field(
        default_factory=lambda: MockAccount(name=MOTO_MANAGEMENT_NAME, email=MOTO_MANAGEMENT_EMAIL)
    )
    members: tuple[MockAccount, ...] = ()
    ous: tuple[MockOu, ...] = ()
    member_role: str = DEFAULT_MEMBER_ROLE
    # AWS attaches AdministratorAccess to the role it creates in a new member account; moto attaches nothing.
    member_role_managed_policies: tuple[str, ...] = ()
    identity_center: MockIdentityCenter | None = None

    def accounts(self) -> list[MockAccount]:
        """The management account, then the members in build order."""
        return [self.management, *self.members, *_accounts_in(self.ous)]

    def aws_managed_policies(self) -> set[str]:
        """Every AWS managed policy the description attaches: moto need load no other (see ``sandbox``)."""
        names = set(self.member_role_managed_policies)
        for account in self.accounts():
            holders: list[MockIamUser | MockIamGroup | MockRole] = [*account.users, *account.groups, *account.roles]
            for holder in holders:
                names.update(holder.managed_policies)
        if self.identity_center is not None:
            for permission_set in self.identity_center.permission_sets:
                names.update(permission_set.managed_policies)
        return names


def _accounts_in(units: tuple[MockOu, ...]) -> list[MockAccount]:
    return [account for unit in units for account in (*unit.accounts, *_accounts_in(unit.children))]
