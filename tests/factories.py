"""Hand-made inventories, built concisely, for rule and engine tests.

Everything defaults to the values of the inventory model itself, so a field left out is "not collected"
(``None``) exactly as in a real scan: tests of "does not fire on unknown data" simply leave it out.
All times are relative to ``AS_OF``, the inventory's collection time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from auditor.engine.config import Config
from auditor.inventory import (
    ROOT_USER,
    AccessKey,
    AccountAssignment,
    AccountInventory,
    AttachedPolicy,
    CollectionError,
    CollectionInfo,
    CredentialReport,
    CredentialReportKey,
    CredentialReportRow,
    CustomerManagedPolicyReference,
    GroupMembership,
    IamGroup,
    IamRole,
    IamUser,
    IdentityCenter,
    IdentityStoreGroup,
    IdentityStoreUser,
    InlinePolicy,
    Inventory,
    ManagedPolicy,
    OrgAccount,
    Organization,
    PermissionSet,
    ToolInfo,
)
from auditor.registry import RuleSet, load_rules
from auditor.rule import Hit, Rule, RuleContext
from auditor.rules import BUILTIN_PACK
from auditor.util.isoduration import parse_duration

AS_OF = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
MGMT = "111111111111"
DEV = "222222222222"
PROD = "333333333333"
ORG_ID = "o-abc123defg"
INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-1234567890abcdef"

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}


def days_ago(days: float, as_of: datetime = AS_OF) -> datetime:
    return as_of - timedelta(days=days)


def key_id(n: int) -> str:
    """A long-lived key id shaped like AWS's (AKIA + 16), clearly a test value."""
    return fake_key_id(f"TEST{n:012d}")


def fake_key_id(body: str, prefix: str = "AKIA") -> str:
    """An invented access key id, ``prefix`` + the 16-character ``body``: never a real key.

    Built at run time so that no key-shaped literal sits in the test sources: a secret scanner run over this
    repository (our own ``auditor scan-code`` in the pull-request gate included) has nothing to report, and
    the only literal key ids in the code are AWS's documentation example, ``AKIAIOSFODNN7EXAMPLE``.
    """
    assert len(body) == 16, body
    return prefix + body


# ------------------------------------------------------------------------------------------- inventory


ATTACHED = "attached"  # make_inventory: the AWS managed policies the inventory attaches, with their real documents


def make_inventory(
    *,
    as_of: datetime = AS_OF,
    accounts: Iterable[AccountInventory] = (),
    organization: Organization | None = None,
    identity_center: IdentityCenter | None = None,
    errors: Iterable[CollectionError] = (),
    aws_managed_policies: list[ManagedPolicy] | str | None = ATTACHED,
) -> Inventory:
    """``aws_managed_policies``: by default the documents of every AWS managed policy the inventory attaches (to
    users, groups, permission sets, as boundaries), as a scan reads them once; ``None``: not read (unknown)."""
    accounts = list(accounts)
    if aws_managed_policies == ATTACHED:
        aws_managed_policies = aws_managed_documents(_attached_aws_managed(accounts, identity_center))
    return Inventory(
        tool=ToolInfo(name="aws-identity-auditor", version="test"),
        collection=CollectionInfo(started_at=as_of, finished_at=as_of),
        organization=organization,
        identity_center=identity_center,
        accounts=accounts,
        errors=list(errors),
        aws_managed_policies=aws_managed_policies,  # type: ignore[arg-type]
    )


def aws_managed_documents(arns: Iterable[str]) -> list[ManagedPolicy]:
    """The real documents (moto's copy of AWS's managed policies, by name) of the ARNs; unknown names are left out."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    known = json.loads(aws_managed_policies_data)
    policies = []
    for arn in sorted(set(arns)):
        name = arn.rsplit("/", 1)[-1]
        if name in known:
            policies.append(
                ManagedPolicy(
                    policy_name=name,
                    policy_arn=arn,
                    path=known[name].get("Path") or "/",
                    default_version_id=known[name]["DefaultVersionId"],
                    document=known[name]["Document"],
                )
            )
    return policies


def _attached_aws_managed(accounts: list[AccountInventory], identity_center: IdentityCenter | None) -> set[str]:
    arns: set[str] = set()
    for account in accounts:
        for user in account.users or []:
            arns.update(p.policy_arn for p in user.attached_policies)
            arns.update([user.permissions_boundary_arn] if user.permissions_boundary_arn else [])
        for group in account.groups or []:
            arns.update(p.policy_arn for p in group.attached_policies)
    for ps in (identity_center.permission_sets if identity_center is not None else None) or []:
        arns.update(p.policy_arn for p in ps.managed_policies)
        if ps.permissions_boundary is not None and ps.permissions_boundary.managed_policy_arn:
            arns.add(ps.permissions_boundary.managed_policy_arn)
    return {arn for arn in arns if ":iam::aws:policy/" in arn}


def make_account(account_id: str = DEV, name: str | None = "dev", **fields: Any) -> AccountInventory:
    """Any ``AccountInventory`` field may be given; ``users``/``roles``/... left out stay ``None`` (unknown)."""
    return AccountInventory(account_id=account_id, account_name=name, **fields)


def read_account(account_id: str = DEV, name: str | None = "dev", **fields: Any) -> AccountInventory:
    """An account whose IAM lists were all read (empty unless given): what a saved inventory without an error
    entry about the account must hold, since the CLI refuses a ``null`` list nothing explains."""
    lists: dict[str, Any] = {"users": [], "groups": [], "roles": [], "managed_policies": []}
    return make_account(account_id, name, **{**lists, **fields})


def collection_error(operation: str, service: str = "iam", account_id: str | None = None) -> CollectionError:
    return CollectionError(
        account_id=account_id, service=service, operation=operation, error_code="AccessDenied", message="denied"
    )


# ------------------------------------------------------------------------------------------------- IAM


def aws_policy(name: str) -> AttachedPolicy:
    return AttachedPolicy(policy_name=name, policy_arn=f"arn:aws:iam::aws:policy/{name}")


def customer_policy(
    name: str, account_id: str = DEV, document: dict[str, Any] | None = None, path: str = "/"
) -> ManagedPolicy:
    return ManagedPolicy(
        policy_name=name, policy_arn=f"arn:aws:iam::{account_id}:policy{path}{name}", path=path, document=document
    )


def attached(policy: ManagedPolicy) -> AttachedPolicy:
    return AttachedPolicy(policy_name=policy.policy_name, policy_arn=policy.policy_arn)


def inline(name: str, document: dict[str, Any]) -> InlinePolicy:
    return InlinePolicy(policy_name=name, document=document)


def make_key(
    n: int = 1,
    *,
    created: datetime | None = None,
    last_used: datetime | None = None,
    status: str = "Active",
    access_key_id: str | None = None,
    service: str | None = None,
    region: str | None = None,
) -> AccessKey:
    return AccessKey(
        access_key_id=access_key_id or key_id(n),
        status=status,
        create_date=created or days_ago(10),
        last_used_date=last_used,
        last_used_service=service,
        last_used_region=region,
    )


def make_user(
    name: str = "alice",
    account_id: str = DEV,
    *,
    created: datetime | None = None,
    password: bool | None = None,
    password_last_used: datetime | None = None,
    mfa: bool | None = None,
    keys: Iterable[AccessKey] = (),
    groups: Iterable[str] = (),
    policies: Iterable[AttachedPolicy] = (),
    inline_policies: Iterable[InlinePolicy] = (),
    tags: dict[str, str] | None = None,
    path: str = "/",
) -> IamUser:
    return IamUser(
        user_name=name,
        user_id=f"AIDA{name.upper():0>17}"[:21],
        arn=f"arn:aws:iam::{account_id}:user{path}{name}",
        path=path,
        create_date=created or days_ago(400),
        password_enabled=password,
        password_last_used=password_last_used,
        mfa_active=mfa,
        groups=list(groups),
        attached_policies=list(policies),
        inline_policies=list(inline_policies),
        access_keys=list(keys),
        tags=tags or {},
        ssh_public_keys=[],
        service_specific_credentials=[],
        signing_certificates=[],
    )


def make_group(
    name: str,
    account_id: str = DEV,
    *,
    policies: Iterable[AttachedPolicy] = (),
    inline_policies: Iterable[InlinePolicy] = (),
) -> IamGroup:
    return IamGroup(
        group_name=name,
        group_id=f"AGPA{name.upper():0>17}"[:21],
        arn=f"arn:aws:iam::{account_id}:group/{name}",
        attached_policies=list(policies),
        inline_policies=list(inline_policies),
    )


def make_role(
    name: str,
    account_id: str = DEV,
    *,
    max_session: int | None = 3600,
    path: str = "/",
    tags: dict[str, str] | None = None,
) -> IamRole:
    return IamRole(
        role_name=name,
        role_id=f"AROA{name.upper():0>17}"[:21],
        arn=f"arn:aws:iam::{account_id}:role{path}{name}",
        path=path,
        max_session_duration=max_session,
        tags=tags or {},
    )


def management_access_role(account_id: str) -> IamRole:
    """The role Organizations creates in a member account it creates (``OrganizationAccountAccessRole``): the
    management account may assume it, which is the member's emergency way in (readiness's break-glass check)."""
    role = make_role("OrganizationAccountAccessRole", account_id)
    role.trust_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    return role


# ------------------------------------------------------------------------------------ credential report


def report_key(
    slot: int, *, active: bool = True, last_rotated: datetime | None = None, last_used: datetime | None = None
) -> CredentialReportKey:
    return CredentialReportKey(slot=slot, active=active, last_rotated=last_rotated, last_used_date=last_used)


def root_row(
    account_id: str = DEV,
    *,
    mfa: bool = True,
    password_enabled: bool | None = None,
    password_last_used: datetime | None = None,
    keys: Iterable[CredentialReportKey] = (),
) -> CredentialReportRow:
    """The ``<root_account>`` row; ``password_enabled`` None is AWS's usual ``not_supported``."""
    return CredentialReportRow(
        user=ROOT_USER,
        arn=f"arn:aws:iam::{account_id}:root",
        user_creation_time=days_ago(2000),
        password_enabled=password_enabled,
        password_last_used=password_last_used,
        mfa_active=mfa,
        access_keys=list(keys),
    )


def user_row(
    user: IamUser,
    *,
    password_enabled: bool | None = None,
    password_last_used: datetime | None = None,
    password_last_changed: datetime | None = None,
    mfa: bool = False,
    keys: Iterable[CredentialReportKey] = (),
) -> CredentialReportRow:
    return CredentialReportRow(
        user=user.user_name,
        arn=user.arn,
        user_creation_time=user.create_date,
        password_enabled=password_enabled,
        password_last_used=password_last_used,
        password_last_changed=password_last_changed,
        mfa_active=mfa,
        access_keys=list(keys),
    )


def credential_report(*rows: CredentialReportRow) -> CredentialReport:
    return CredentialReport(generated_time=AS_OF, rows=list(rows))


# --------------------------------------------------------------------------------------- organization


def org_account(
    account_id: str,
    name: str,
    *,
    state: str = "ACTIVE",
    ou_path: str | None = None,
    tags: Mapping[str, str] | None = MappingProxyType({}),
) -> OrgAccount:
    """Tags default to "read, none"; ``tags=None`` is an account whose tags were not read (out of scope)."""
    return OrgAccount(
        id=account_id,
        arn=f"arn:aws:organizations::{MGMT}:account/{ORG_ID}/{account_id}",
        name=name,
        state=state,
        ou_path=ou_path,
        tags=dict(tags) if tags is not None else None,
    )


def default_org_accounts() -> list[OrgAccount]:
    return [
        org_account(MGMT, "management", ou_path="/Root"),
        org_account(DEV, "dev", ou_path="/Root/Workloads/Dev"),
        org_account(PROD, "prod", ou_path="/Root/Workloads/Prod"),
    ]


def make_org(
    accounts: Iterable[OrgAccount] | None = None,
    *,
    features: list[str] | None = None,
    delegated: dict[str, list[str]] | None = None,
) -> Organization:
    return Organization(
        id=ORG_ID,
        arn=f"arn:aws:organizations::{MGMT}:organization/{ORG_ID}",
        feature_set="ALL",
        management_account_id=MGMT,
        accounts=list(accounts) if accounts is not None else default_org_accounts(),
        organizations_features=features,
        delegated_administrators=delegated,
    )


# ------------------------------------------------------------------------------------ Identity Center


def permission_set(
    name: str,
    *,
    session: str = "PT1H",
    managed: Iterable[AttachedPolicy] = (),
    inline_policy: dict[str, Any] | None = None,
    customer_managed: Iterable[tuple[str, str]] = (),
    suffix: str | None = None,
) -> PermissionSet:
    return PermissionSet(
        arn=f"{INSTANCE_ARN.replace(':instance/', ':permissionSet/')}/ps-{suffix or name.lower()}",
        name=name,
        session_duration=session,
        session_duration_seconds=parse_duration(session),
        managed_policies=list(managed),
        inline_policy=inline_policy,
        customer_managed_policies=[CustomerManagedPolicyReference(name=n, path=p) for n, p in customer_managed],
    )


def admin_set(session: str = "PT12H") -> PermissionSet:
    return permission_set("AdministratorAccess", session=session, managed=[aws_policy("AdministratorAccess")])


def assignment(
    account_id: str, ps: PermissionSet, principal_id: str = "g-admins", principal_type: str = "GROUP"
) -> AccountAssignment:
    return AccountAssignment(
        account_id=account_id, permission_set_arn=ps.arn, principal_type=principal_type, principal_id=principal_id
    )


def idc_user(user_id: str, user_name: str, email: str | None = None) -> IdentityStoreUser:
    return IdentityStoreUser(
        user_id=user_id, user_name=user_name, display_name=user_name, emails=[email] if email else []
    )


def idc_group(group_id: str, name: str) -> IdentityStoreGroup:
    return IdentityStoreGroup(group_id=group_id, display_name=name)


def make_identity_center(
    status: str = "enabled",
    *,
    permission_sets: Iterable[PermissionSet] | None = (),
    assignments: Iterable[AccountAssignment] | None = (),
    users: Iterable[IdentityStoreUser] | None = (),
    groups: Iterable[IdentityStoreGroup] | None = (),
    memberships: Iterable[GroupMembership] | None = (),
    assignments_unreadable_accounts: Iterable[str] = (),
    assignments_listed_accounts: Iterable[str] | None = None,
    owner: str = MGMT,
) -> IdentityCenter:
    """Lists left out are what a scan records for the status: empty when enabled, ``None`` (unknown) otherwise.
    Pass ``None`` for a list whose listing failed; a non-empty list is kept whatever the status.

    ``assignments_listed_accounts`` left out is, when enabled, a scan of the whole default organization:
    ``MGMT``, ``DEV``, ``PROD`` plus every account of ``assignments`` and ``assignments_unreadable_accounts``.
    """
    enabled = status == "enabled"
    assignment_list = None if assignments is None else list(assignments)
    unreadable = sorted(assignments_unreadable_accounts)
    listed_accounts: list[str] | None = None
    if assignments_listed_accounts is not None:
        listed_accounts = sorted(set(assignments_listed_accounts))
    elif enabled:
        in_assignments = {a.account_id for a in assignment_list or []}
        listed_accounts = sorted({MGMT, DEV, PROD} | in_assignments | set(unreadable))

    def listed(items: Iterable[Any] | None) -> list[Any] | None:
        if items is None:
            return None
        as_list = list(items)
        return as_list if as_list or enabled else None

    return IdentityCenter(
        status=status,
        regions_checked=["us-east-1", "eu-west-1"],
        instance_arn=INSTANCE_ARN if enabled else None,
        identity_store_id="d-1234567890" if enabled else None,
        owner_account_id=owner if enabled else None,
        home_region="eu-west-1" if enabled else None,
        permission_sets=listed(permission_sets),
        assignments=listed(assignment_list),
        assignments_listed_accounts=listed_accounts,
        assignments_unreadable_accounts=unreadable,
        users=listed(users),
        groups=listed(groups),
        memberships=listed(memberships),
    )


# ----------------------------------------------------------------------------------------------- running


def hits(rule: Rule, inventory: Inventory, config: Config | None = None) -> list[Hit]:
    """Run one rule's check and return its hits (checks are generators)."""
    return list(rule.check(inventory, RuleContext.for_inventory(inventory, config or Config())))


def builtin_rules() -> RuleSet:
    """The built-in pack alone: no installed pack of the machine running the tests can change what they see."""
    return load_rules([BUILTIN_PACK], use_entry_points=False)


def config_with(**thresholds: Any) -> Config:
    return Config.model_validate({"thresholds": thresholds})


# ------------------------------------------------------------------------------------- ready-made inventories


def key_user_inventory(
    account_id: str = "210987654321",
    *,
    with_key: bool = True,
    errors: bool = False,
    user_name: str = "deployer",
    account_name: str = "workloads",
) -> Inventory:
    """The command-line tests' inventory: one account whose one user has an active key created 30 days ago and
    used yesterday, so KEY-001 (high) fires; ``with_key=False`` leaves it without findings of that kind and
    ``errors`` adds a coverage gap (ListRoles denied in that account)."""
    keys = [make_key(1, created=days_ago(30), last_used=days_ago(1))] if with_key else []
    user = make_user(user_name, account_id, password=False, mfa=False, keys=keys)
    account = make_account(
        account_id,
        account_name,
        users=[user],
        groups=[],
        roles=[],
        managed_policies=[],
        credential_report=credential_report(user_row(user)),
    )
    gaps = [collection_error("ListRoles", account_id=account_id)] if errors else []
    return make_inventory(accounts=[account], errors=gaps)
