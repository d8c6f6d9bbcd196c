"""The Inventory: everything the collectors learned about an organization, as one versioned document.

The inventory is the boundary between the only stage that talks to AWS (collect) and the pure stages
(evaluate, report). It is saved as ``inventory.json`` and can be re-evaluated offline months later, so:

* every field is plain data (no boto3 objects), and datetimes are timezone-aware UTC;
* ``None`` always means "not collected / unknown", never "false" or "empty" - rules must not fire on it;
* anything the collectors could not read is an entry in ``errors`` (coverage gaps are facts too);
* facts known from two places (an account's name and tags, a user's credential report row) are reconciled
  once, by the models' validators (``auditor.inventory.facts``), so readers read one field;
* an assembled inventory is read-only: lookups (``Inventory.account``, ``CredentialReport.row_for``...) use
  dictionaries built on first use. To change an inventory, build a new one (or replace a list, never edit it
  in place), so that the validators and the dictionaries see the change.

Bump ``SCHEMA_VERSION`` on any incompatible change; loading refuses other versions with a clear message.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, Self

from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from auditor.inventory.facts import AccountFacts, account_facts_by_id, join_credential_report, merge_account_facts
from auditor.model import IndexedModel, Model
from auditor.util.jsonfile import load_versioned, splice_json_lists
from auditor.util.safefile import write_atomic_with

SCHEMA_VERSION: Literal["1"] = "1"

ROOT_USER = "<root_account>"
IDENTITY_CENTER_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
# Identity Center's service principal: the key of its delegated administrators in Organization.delegated_administrators
IDENTITY_CENTER_PRINCIPAL = "sso.amazonaws.com"


# ---------------------------------------------------------------------------------------------- errors


class CollectionError(Model):
    """One thing that could not be read. Reports show these as coverage gaps; exit code 3 comes from them.

    ``account_id`` is the account whose credentials made the call. An organization-level read (Identity Center
    from the account that owns the instance, the organization's account and OU listing from the management
    account, AWS managed policies with the scanning credentials) is about other accounts too: ``covers_accounts``
    lists the accounts whose findings it would have produced, and ``covers_areas`` the rule areas it feeds
    (``None``: every area, as when an account's OU path or tags, which production patterns read, are unknown).
    A baseline reads them: those accounts' findings in those areas are not re-verified, never fixed
    (``auditor/engine/baseline.py``). ``covers_accounts`` ``None``: the read was about ``account_id`` alone.
    """

    account_id: str | None = None
    region: str | None = None
    service: str
    operation: str
    error_code: str
    message: str
    covers_accounts: list[str] | None = None
    covers_areas: list[str] | None = None

    def covers(self, account_id: str, area: str | None) -> bool:
        """Whether this gap may hide findings of ``account_id`` in rule area ``area`` (``None``: unknown area)."""
        if account_id != self.account_id and account_id not in (self.covers_accounts or ()):
            return False
        return self.covers_areas is None or area is None or area in self.covers_areas

    def sort_key(self) -> tuple[str, ...]:
        """The order errors are reported in: by account, region, then what failed (deterministic output)."""
        return (self.account_id or "", self.region or "", self.service, self.operation, self.error_code, self.message)


# ----------------------------------------------------------------------------------- credential report


class CredentialReportKey(Model):
    """One of the two access-key slots of a credential report row (``access_key_1_*`` / ``access_key_2_*``)."""

    slot: int
    active: bool
    last_rotated: datetime | None = None
    last_used_date: datetime | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None


class CredentialReportCert(Model):
    slot: int
    active: bool
    last_rotated: datetime | None = None


class CredentialReportRow(Model):
    """A parsed row. Sentinels (``N/A``, ``no_information``, ``not_supported``) become ``None``, never dates.

    ``password_enabled`` is ``None`` for the root row in most accounts (AWS writes ``not_supported``).
    """

    user: str
    arn: str
    user_creation_time: datetime | None = None
    password_enabled: bool | None = None
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None
    password_next_rotation: datetime | None = None
    mfa_active: bool = False
    access_keys: list[CredentialReportKey] = Field(default_factory=list)
    certs: list[CredentialReportCert] = Field(default_factory=list)

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER

    @property
    def active_keys(self) -> list[CredentialReportKey]:
        return [k for k in self.access_keys if k.active]


class CredentialReport(IndexedModel):
    generated_time: datetime | None = None
    rows: list[CredentialReportRow] = Field(default_factory=list)

    @property
    def root(self) -> CredentialReportRow | None:
        return self.row_for(ROOT_USER)

    def row_for(self, user_name: str) -> CredentialReportRow | None:
        return self._index("rows", self.rows, lambda row: row.user).get(user_name)


# ------------------------------------------------------------------------------------------------ IAM


class AttachedPolicy(Model):
    policy_name: str
    policy_arn: str


class InlinePolicy(Model):
    policy_name: str
    document: dict[str, Any]


class ManagedPolicy(Model):
    """A managed policy with its default version's document: an account's own (``AccountInventory.managed_policies``),
    or an AWS managed one (``Inventory.aws_managed_policies``, read once per scan)."""

    policy_name: str
    policy_arn: str
    path: str = "/"
    default_version_id: str | None = None
    document: dict[str, Any] | None = None


class AccessKey(Model):
    """An access key's metadata. The secret is never read: AWS does not return it after creation anyway."""

    access_key_id: str
    status: str  # Active | Inactive | Expired
    create_date: datetime
    last_used_date: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "Active"

    @property
    def is_long_lived(self) -> bool:
        return self.access_key_id.startswith("AKIA")


class ActionUse(Model):
    """One action a principal used, as IAM's action-level last-accessed data records it."""

    action: str  # "s3:GetObject": the service's IAM prefix and the action name
    last_accessed: datetime | None = None
    region: str | None = None


class ServiceUse(Model):
    """One service a principal used within IAM's tracking window (``GetServiceLastAccessedDetails``)."""

    namespace: str  # the IAM prefix: "s3", "ec2"
    last_accessed: datetime
    # The actions used, for the services AWS tracks action by action (S3, EC2, IAM, Lambda, ...); None for the
    # others: the service was used, which actions is not recorded.
    actions: list[ActionUse] | None = None


class OtherCredential(Model):
    """A credential besides the password and access keys: an IAM user holding one cannot be deleted until it is
    removed (``DeleteConflict``), and whoever uses it loses that access when the user goes."""

    status: str  # "Active" | "Inactive" (a service-specific credential may also read "Expired")

    @property
    def is_active(self) -> bool:
        return self.status == "Active"


class SshPublicKey(OtherCredential):
    """An SSH public key for git over SSH to CodeCommit (``ListSSHPublicKeys``)."""

    ssh_public_key_id: str
    upload_date: datetime | None = None


class ServiceSpecificCredential(OtherCredential):
    """A user name and password (or API key) for one service: CodeCommit HTTPS git, Amazon Keyspaces, Bedrock
    (``ListServiceSpecificCredentials``)."""

    service_specific_credential_id: str
    service_name: str  # "codecommit.amazonaws.com"
    service_user_name: str | None = None
    create_date: datetime | None = None
    expiration_date: datetime | None = None  # Bedrock API keys expire; the others do not


class SigningCertificate(OtherCredential):
    """An X.509 signing certificate for SOAP and legacy tools (``ListSigningCertificates``)."""

    certificate_id: str
    upload_date: datetime | None = None


class IamUser(Model):
    """An IAM user, its credential report row joined in (``auditor.inventory.facts.join_credential_report``)."""

    user_name: str
    user_id: str
    arn: str
    path: str = "/"
    create_date: datetime
    password_enabled: bool | None = None
    password_last_used: datetime | None = None  # the latest console sign-in either source knows
    password_last_changed: datetime | None = None  # when the password was set (credential report)
    mfa_active: bool | None = None
    # The account's credential report has a row for this user: a password or key without a last-use date was
    # then never used. Without a row, last use is unknown.
    in_credential_report: bool = False
    groups: list[str] = Field(default_factory=list)
    attached_policies: list[AttachedPolicy] = Field(default_factory=list)
    inline_policies: list[InlinePolicy] = Field(default_factory=list)
    permissions_boundary_arn: str | None = None
    access_keys: list[AccessKey] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    # The services (and, where AWS records them, actions) the user used in IAM's tracking window: only those used.
    # None: not read (denied, not implemented, or the user holds no credential to use anything with).
    service_use: list[ServiceUse] | None = None
    service_use_tracked_since: datetime | None = None  # the start of the tracking window the data covers
    # Credentials besides the password and keys. None: not read (denied, not implemented, or not collected);
    # readiness then cannot say the user holds nothing else ("credentials-unknown").
    ssh_public_keys: list[SshPublicKey] | None = None
    service_specific_credentials: list[ServiceSpecificCredential] | None = None
    signing_certificates: list[SigningCertificate] | None = None

    @property
    def active_keys(self) -> list[AccessKey]:
        return [k for k in self.access_keys if k.is_active]


class IamGroup(Model):
    group_name: str
    group_id: str
    arn: str
    path: str = "/"
    attached_policies: list[AttachedPolicy] = Field(default_factory=list)
    inline_policies: list[InlinePolicy] = Field(default_factory=list)


class IamRole(Model):
    role_name: str
    role_id: str
    arn: str
    path: str = "/"
    create_date: datetime | None = None
    max_session_duration: int | None = None  # from ListRoles only; None = ListRoles could not be read
    attached_policies: list[AttachedPolicy] = Field(default_factory=list)
    inline_policies: list[InlinePolicy] = Field(default_factory=list)
    trust_policy: dict[str, Any] | None = None
    last_used_date: datetime | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def is_identity_center_role(self) -> bool:
        """``AWSReservedSSO_*`` roles: their MaxSessionDuration is fixed at 12 h; the permission set is the limit."""
        return self.path.startswith(IDENTITY_CENTER_ROLE_PATH)

    @property
    def is_service_linked(self) -> bool:
        return self.path.startswith("/aws-service-role/")


# ------------------------------------------------------------------------------------------ accounts


class AccountInventory(IndexedModel):
    """One account as the collectors saw it. Org metadata (name, OU, tags) is filled from Organizations."""

    account_id: str
    account_name: str | None = None
    email: str | None = None
    state: str | None = None
    is_management: bool = False
    ou_path: str | None = None
    # From Organizations (ListTagsForResource); None = not read: no organization listing, or the call failed
    tags: dict[str, str] | None = None
    collected_via: str = "default"
    caller_arn: str | None = None
    # Organization membership as the account itself sees it (ORG-001). None = not read.
    organization_id: str | None = None
    in_organization: bool | None = None
    credential_report: CredentialReport | None = None
    account_summary: dict[str, int] | None = None
    root_virtual_mfa: bool | None = None
    users: list[IamUser] | None = None
    groups: list[IamGroup] | None = None
    roles: list[IamRole] | None = None
    managed_policies: list[ManagedPolicy] | None = None

    @model_validator(mode="after")
    def _join_credential_report(self) -> Self:
        join_credential_report(self.users or [], self.credential_report)
        return self

    @property
    def display_name(self) -> str:
        return self.account_name or self.account_id

    def group(self, group_name: str) -> IamGroup | None:
        """``None`` also when the groups were not collected: callers must not read that as "no such group"."""
        return self._index("groups", self.groups, lambda group: group.group_name).get(group_name)

    def managed_policy(self, policy_arn: str) -> ManagedPolicy | None:
        return self._index("policies", self.managed_policies, lambda policy: policy.policy_arn).get(policy_arn)

    def managed_policy_named(self, name: str, path: str = "/") -> ManagedPolicy | None:
        """A customer-managed policy by name and path, as permission sets reference them."""
        return self._index("policies by name", self.managed_policies, lambda p: (p.policy_name, p.path or "/")).get(
            (name, path or "/")
        )


# -------------------------------------------------------------------------------------- organization


class OrganizationalUnit(Model):
    id: str
    name: str
    parent_id: str
    path: str  # "/Root/Workloads/Prod"


class OrgAccount(Model):
    id: str
    arn: str | None = None
    name: str
    email: str | None = None
    state: str | None = None  # ACTIVE | SUSPENDED | PENDING_CLOSURE | CLOSED
    joined_method: str | None = None
    joined_timestamp: datetime | None = None
    parent_id: str | None = None
    ou_path: str | None = None
    # None = not read: tags are read only for the accounts in the scan's scope (--accounts, --exclude-accounts,
    # --ou), or the call failed (an error entry says why). Unknown tags match no tag pattern.
    tags: dict[str, str] | None = None


class Organization(Model):
    id: str
    arn: str | None = None
    feature_set: str | None = None
    management_account_id: str
    management_account_email: str | None = None
    root_id: str | None = None
    organizational_units: list[OrganizationalUnit] = Field(default_factory=list)
    accounts: list[OrgAccount] = Field(default_factory=list)
    # service principal -> account ids; None where the call could not be made
    delegated_administrators: dict[str, list[str]] | None = None
    enabled_service_access: list[str] | None = None
    # iam:ListOrganizationsFeatures EnabledFeatures (RootCredentialsManagement, RootSessions); None = unreadable
    organizations_features: list[str] | None = None


# ------------------------------------------------------------------------------------ Identity Center


class CustomerManagedPolicyReference(Model):
    name: str
    path: str = "/"


class PermissionsBoundary(Model):
    managed_policy_arn: str | None = None
    customer_managed_policy: CustomerManagedPolicyReference | None = None


class PermissionSet(Model):
    arn: str
    name: str
    description: str | None = None
    session_duration: str = "PT1H"  # ISO-8601 as AWS returns it
    session_duration_seconds: int = 3600
    relay_state: str | None = None
    created_date: datetime | None = None
    managed_policies: list[AttachedPolicy] = Field(default_factory=list)
    customer_managed_policies: list[CustomerManagedPolicyReference] = Field(default_factory=list)
    inline_policy: dict[str, Any] | None = None
    permissions_boundary: PermissionsBoundary | None = None
    # True when GetPermissionsBoundaryForPermissionSet could not be read: the set may be capped by a boundary
    # nobody knows (``permissions_boundary`` None then means "unknown", not "none").
    permissions_boundary_unreadable: bool = False


class AccountAssignment(Model):
    account_id: str
    permission_set_arn: str
    principal_type: Literal["USER", "GROUP"]
    principal_id: str


class ExternalId(Model):
    issuer: str
    id: str


class IdentityStoreUser(Model):
    user_id: str
    user_name: str
    display_name: str | None = None
    emails: list[str] = Field(default_factory=list)
    external_ids: list[ExternalId] = Field(default_factory=list)
    status: str | None = None


class IdentityStoreGroup(Model):
    group_id: str
    display_name: str
    description: str | None = None
    external_ids: list[ExternalId] = Field(default_factory=list)


class GroupMembership(Model):
    group_id: str
    user_id: str


class IdentityCenter(IndexedModel):
    """The organization's IAM Identity Center instance.

    ``status`` distinguishes "we looked and there is none" (``not_enabled``, IDC-001 fires) from "we could not
    look" (``unknown``, an error entry explains why): the two must never be confused.

    The lists are ``None`` unless ``status`` is ``enabled`` and their listing call succeeded (an error entry
    says why one is missing): ``permission_sets`` needs ``ListPermissionSets``, ``assignments`` are found per
    account through ``ListPermissionSetsProvisionedToAccount`` and ``ListAccountAssignments``, ``users`` needs
    ``ListUsers``, ``groups`` needs ``ListGroups``, and ``memberships`` needs ``ListGroups`` plus every
    group's ``ListGroupMemberships``. ``assignments`` covers only the accounts in
    ``assignments_listed_accounts``: the accounts in the scan's scope (the selected ACTIVE organization
    accounts with ``--org``, the scanned accounts without an organization). For any other account, the absence
    of an assignment proves nothing. Accounts whose assignments could not be read (or only partly) are also
    in ``assignments_unreadable_accounts``: for them too, the absence of an assignment proves nothing.
    """

    status: Literal["enabled", "not_enabled", "unknown"]
    regions_checked: list[str] = Field(default_factory=list)
    instance_arn: str | None = None
    identity_store_id: str | None = None
    owner_account_id: str | None = None
    home_region: str | None = None
    instance_status: str | None = None
    name: str | None = None
    created_date: datetime | None = None
    permission_sets: list[PermissionSet] | None = None
    assignments: list[AccountAssignment] | None = None
    # sorted account ids whose assignments were asked for (unreadable ones included). None = not recorded:
    # inventories written before this field existed asked about every ACTIVE account of the organization
    # (or every scanned account without one).
    assignments_listed_accounts: list[str] | None = None
    # sorted account ids whose ListPermissionSetsProvisionedToAccount or ListAccountAssignments failed
    assignments_unreadable_accounts: list[str] = Field(default_factory=list)
    users: list[IdentityStoreUser] | None = None
    groups: list[IdentityStoreGroup] | None = None
    memberships: list[GroupMembership] | None = None

    def permission_set(self, arn: str) -> PermissionSet | None:
        return self._index("permission sets", self.permission_sets, lambda ps: ps.arn).get(arn)

    def user(self, user_id: str) -> IdentityStoreUser | None:
        return self._index("users", self.users, lambda user: user.user_id).get(user_id)

    def group(self, group_id: str) -> IdentityStoreGroup | None:
        return self._index("groups", self.groups, lambda group: group.group_id).get(group_id)


# ------------------------------------------------------------------------------------- local sources

# The names of the two local sources (``auditor.source``): what rules list in ``sources``.
CLI_FILES_SOURCE = "local"
CODE_SOURCE = "code"

CliProfileKind = Literal[
    "static_key", "legacy_sso", "sso_session", "assume_role", "credential_process", "web_identity", "other"
]


class CliProfile(Model):
    """One profile section of an AWS CLI file (``~/.aws/credentials`` or ``~/.aws/config``), as read line by line.

    Only facts, never secrets: ``key_id`` is the access key *id* (it names the key, it does not sign
    anything), ``secret_present`` only records that an ``aws_secret_access_key`` line has a value. ``kind``:
    ``static_key`` (an access key in the file), ``legacy_sso`` (``sso_start_url`` in the profile itself rather
    than in an ``[sso-session]``), ``sso_session``, ``assume_role`` (``role_arn``), ``credential_process``,
    ``web_identity``, or ``other`` (region and output settings only, say).
    """

    file: str  # the path as read (the environment variable's value, or the default under ~/.aws)
    line: int  # of the section header
    profile: str  # "default", "dev" (for "[profile dev]" in config)
    kind: CliProfileKind
    key_id: str | None = None
    key_id_line: int | None = None
    secret_present: bool = False
    session_token_present: bool = False
    sso_session: str | None = None


class CliFiles(Model):
    """The AWS CLI files of the machine the auditor ran on (the ``local`` source)."""

    files_read: list[str] = Field(default_factory=list)
    files_missing: list[str] = Field(default_factory=list)
    profiles: list[CliProfile] = Field(default_factory=list)


class CodeKeyHit(Model):
    """An AWS access key id found in a source tree (the ``code`` source). The secret is never kept: only whether
    a secret-looking 40-character value sits near it."""

    path: str  # relative to the scanned root, forward slashes
    line: int
    column: int  # 1-based, in characters
    key_id: str
    secret_nearby: bool = False
    example: bool = False  # one of AWS's documentation example keys (ends in EXAMPLE)
    placeholder: str | None = None  # why the id is taken for no key: "placeholder", "dictionary word", ...
    encoding: str | None = None  # how it was written when not as plain text: "base64", "utf-16-le", ...


class CodeScan(Model):
    """What ``auditor scan-code`` read: which files, which were skipped, and the key ids found."""

    root: str
    since: str | None = None  # only lines added since this git ref were reported
    git: bool = False  # the file list came from git (tracked, or untracked and not ignored)
    files_scanned: int = 0
    binary_files: int = 0  # of those, files with NUL bytes read as bytes (an ASCII key id in them is found)
    decoded_files: int = 0  # of those, UTF-16 or UTF-32 text, decoded
    skipped_binary: int = 0  # no longer: binaries are read (kept for inventories written before)
    skipped_large: list[str] = Field(default_factory=list)  # over an explicit --max-file-size: also an error entry
    hits: list[CodeKeyHit] = Field(default_factory=list)


# ----------------------------------------------------------------------------------------- top level


class CallerIdentity(Model):
    account_id: str
    arn: str
    user_id: str


class ToolInfo(Model):
    name: str
    version: str
    information_uri: str | None = None  # the tool's home page (README); SARIF's driver informationUri


class SimulatedFact(Model):
    """A fact that was put in rather than collected: the demo's root user (moto cannot model root) or the true
    answer behind a moto error it dropped. Data, not a line of text, so that each finding can name the facts
    it rests on (:meth:`affects`) and every report shows them the same way.

    An inventory saved before this model existed holds plain strings: each loads as a fact with only its
    ``note``. What such a fact touched was never recorded, so it is shown, but no finding is said to rest on it.
    """

    model_config = ConfigDict(frozen=True)  # hashable: sources and merges unite them like the strings they were

    account_id: str | None = None  # the account it is about; None: organization-wide
    # The resource types of the findings that rest on it: AWS::IAM::Root for a simulated root row; for a dropped
    # moto error, the type of what its true answer decides (AWS::Organizations::Organization for the
    # organization's features).
    resource_types: tuple[str, ...] = ()
    note: str  # for people: what was simulated, and why

    @model_validator(mode="before")
    @classmethod
    def _from_a_line(cls, data: Any) -> Any:
        return {"note": data} if isinstance(data, str) else data

    def affects(self, account_id: str | None, resource_type: str) -> bool:
        """Whether a finding about ``resource_type`` in ``account_id`` rests on this fact."""
        return resource_type in self.resource_types and (self.account_id is None or self.account_id == account_id)


class CollectionInfo(Model):
    started_at: datetime
    finished_at: datetime | None = None
    caller: CallerIdentity | None = None
    # How the AWS source reached the accounts: "org:OrganizationAccountAccessRole", "profile:dev", "default"
    sources: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    # Facts injected rather than collected (the demo's simulated root row). Reports must show these; findings
    # name the ones they rest on.
    simulated: list[SimulatedFact] = Field(default_factory=list)
    # The sources whose facts this inventory holds (``auditor.source``): a rule needing another one is reported
    # as not evaluated. Inventories written before this field existed came from the AWS source alone.
    sources_collected: list[str] = Field(default_factory=lambda: ["aws"])


class Inventory(IndexedModel):
    schema_version: Literal["1"] = SCHEMA_VERSION
    tool: ToolInfo
    collection: CollectionInfo
    organization: Organization | None = None
    identity_center: IdentityCenter | None = None
    accounts: list[AccountInventory] = Field(default_factory=list)
    errors: list[CollectionError] = Field(default_factory=list)
    cli_files: CliFiles | None = None  # the ``local`` source
    code_scan: CodeScan | None = None  # the ``code`` source
    # The default version of every AWS managed policy the scan found attached (to users, groups, permission sets,
    # as boundaries), read once per scan: they are the same in every account. None: not read.
    aws_managed_policies: list[ManagedPolicy] | None = None

    @model_validator(mode="after")
    def _merge_account_facts(self) -> Self:
        merge_account_facts(self.organization, self.accounts)
        return self

    @property
    def as_of(self) -> datetime:
        """The clock rules use: ages are measured at collection time, so a saved snapshot re-evaluates identically."""
        return self.collection.started_at

    def account(self, account_id: str) -> AccountInventory | None:
        """The scanned account (``None``: not entered by the scan, perhaps listed by the organization)."""
        return self._index("accounts", self.accounts, lambda account: account.account_id).get(account_id)

    def account_facts(self, account_id: str) -> AccountFacts | None:
        """Name, OU, tags and state of any account the scan entered or the organization lists."""
        sources = (self.organization, self.organization.accounts if self.organization else None, self.accounts)
        facts = self._cached("account facts", sources, lambda: account_facts_by_id(self.organization, self.accounts))
        return facts.get(account_id)

    def aws_managed_policy(self, policy_arn: str) -> ManagedPolicy | None:
        """An AWS managed policy's document, by ARN (``None``: not read, or not attached anywhere)."""
        return self._index("aws managed policies", self.aws_managed_policies, lambda p: p.policy_arn).get(policy_arn)

    def account_name(self, account_id: str) -> str | None:
        facts = self.account_facts(account_id)
        return facts.name if facts is not None else None

    @property
    def management_account_id(self) -> str | None:
        if self.organization is not None:
            return self.organization.management_account_id
        return next((account.account_id for account in self.accounts if account.is_management), None)

    # ------------------------------------------------------------------------------------------ file I/O

    def dump_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=False)

    def save(self, path: Path) -> None:
        """The bytes of ``dump_json()``, an account at a time: the text (31 MB at 100 accounts x 200 users) and
        its UTF-8 copy are never held whole. Atomically; a symlink at ``path`` is replaced, not followed
        (``auditor.util.safefile``)."""
        skeleton = self.model_copy(update={"accounts": []}).dump_json().encode()

        def write(stream: BinaryIO) -> None:
            batches = (_ACCOUNTS.dump_json([account], indent=2) for account in self.accounts)
            for chunk in splice_json_lists(skeleton, [(("accounts",), batches)]):
                stream.write(chunk)
            stream.write(b"\n")

        write_atomic_with(path, write)

    @classmethod
    def load(cls, path: Path, *, stdin: bool = False) -> Inventory:
        """Load a saved inventory; raise ``InputError`` (exit 2) with one clear line on anything wrong. With
        ``stdin``, ``-`` is standard input (``--from-inventory -``)."""
        return load_versioned(path, cls, kind="inventory", schema_version=SCHEMA_VERSION, stdin=stdin)

    def contradiction(self) -> str | None:
        """Why this inventory contradicts itself, or ``None``. A saved inventory is user input and may have been
        edited: accounts from no collected source make every rule "not evaluated" (a pass under any gate), and a
        list that is ``null`` with no coverage gap about its account turns that account's findings into "fixed".
        The collectors never write either; a run must refuse such a file rather than pass it."""
        if self.accounts and AWS_SOURCE_NAME not in self.collection.sources_collected:
            return (
                f"{len(self.accounts)} account(s) but collection.sources_collected is "
                f"{self.collection.sources_collected!r}: no source they could come from"
            )
        explained = {e.account_id for e in self.errors if e.account_id}
        explained |= {account for e in self.errors for account in e.covers_accounts or ()}
        for account in self.accounts:
            if account.account_id in explained:
                continue
            for name in _ACCOUNT_LISTS:
                if getattr(account, name) is None:
                    return (
                        f"accounts[{account.account_id}].{name} is null (not collected) but no error entry about "
                        "that account says why"
                    )
        return None


AWS_SOURCE_NAME = "aws"  # auditor.source.AWS_SOURCE (the inventory models do not import the source interface)
_ACCOUNT_LISTS = ("users", "groups", "roles", "managed_policies")  # null only with an error entry saying why


_ACCOUNTS = TypeAdapter(list[AccountInventory])
