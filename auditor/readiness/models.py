"""The readiness section of ``findings.json``: what stands between each account and "no more IAM users".

These models are a public contract like rule ids: ``Verdict`` and ``BlockerCode`` values, and the fields of
``AccountReadiness`` and ``IamUserReadiness``, are read by scripts. They are plain data (no inventory objects),
so a findings document can be written, read back and merged without the inventory it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import ConfigDict, Field

from auditor.model import Model

UserClass = Literal["human", "workload", "break-glass", "stale"]
Verdict = Literal["migrated", "ready", "needs-review", "blocked"]
BlockerCode = Literal[
    "identity-center-disabled",
    "no-assignments",
    "human-unmatched",
    "human-ambiguous",
    "access-gap",
    "trusted-by-role",
    "identity-center-user-disabled",
    "no-break-glass",
]
# What keeps an account at needs-review: the tool cannot tell, so a person must look (never read as ready).
ReviewCode = Literal["access-depends", "policy-unknown", "match-unconfirmed", "credentials-unknown"]
# What a person's access was compared on: the actions used in IAM's tracking window, or (use unknown) every action
# IAM allows them today, which is the conservative side.
AccessBasis = Literal["used", "granted"]
AccessLevel = Literal["administrator", "other", "read-only", "none"]
# "disabled": the one identity-store user that fits is disabled (UserStatus): it is no match, it blocks
MatchStatus = Literal["matched", "unmatched", "ambiguous", "disabled"]
# "confirmed": auditor.toml's readiness.confirmed names the identity-store user for this IAM user
MatchedBy = Literal["email", "tag", "user-name", "confirmed"]
# Where the identity store's users come from: users carrying ExternalIds were provisioned by an external identity
# provider (SCIM), which Identity Center does not write back to; "unknown" when no user could be read.
IdentitySource = Literal["identity-center", "external", "unknown"]
# One fact about an IAM user, and which class it points to ("neither": recorded, decides nothing alone)
SignalName = Literal[
    "console-password",
    "mfa",
    "email-user-name",
    "email-tag",
    "identity-store-match",
    "identity-store-suggestion",
    "path",
    "tag",
    "name",
    "access-key",
    "key-last-used",
    "ssh-public-key",
    "service-specific-credential",
    "signing-certificate",
    "last-use",
]
PointsTo = Literal["human", "workload", "stale", "neither"]

USER_CLASSES: tuple[UserClass, ...] = ("human", "workload", "break-glass", "stale")
VERDICTS: tuple[Verdict, ...] = ("migrated", "ready", "needs-review", "blocked")
BLOCKER_CODES: tuple[BlockerCode, ...] = (
    "identity-center-disabled",
    "no-assignments",
    "human-unmatched",
    "human-ambiguous",
    "access-gap",
    "trusted-by-role",
    "identity-center-user-disabled",
    "no-break-glass",
)
REVIEW_CODES: tuple[ReviewCode, ...] = ("access-depends", "policy-unknown", "match-unconfirmed", "credentials-unknown")
ACTIONS_LISTED = 20  # per service, in a person's access comparison; the count says how many there are
# services per list, those with the most actions first: someone with AdministratorAccess and no permission set
# would otherwise carry 445 services (190 MB of findings.json at 100 accounts x 200 users); ActionCount has all
SERVICES_LISTED = 10
# What each verdict, blocker and review code means and what to do: the HTML report's legend and docs/migration.md
# (a test keeps the two in step) say the same.
VERDICT_MEANINGS: dict[Verdict, str] = {
    "migrated": "no IAM user with a password or an active key remains (break-glass users and exceptions apart)",
    "ready": "every person is matched and keeps, action by action, what they use: their IAM users can go now",
    "needs-review": "nothing known blocks, but the tool cannot tell that nobody loses access: look at each review",
    "blocked": "something must be done first: each blocker says what",
}
BLOCKER_MEANINGS: dict[BlockerCode, str] = {
    "identity-center-disabled": "Identity Center is not enabled: enable it (the plan starts there)",
    "no-assignments": "no Identity Center assignment in the account: nobody could reach it through the portal",
    "human-unmatched": "a person with no Identity Center user: create it, or tag the IAM user with its e-mail",
    "human-ambiguous": "several Identity Center users fit a person: tag the IAM user with the right one's e-mail",
    "access-gap": "a person would lose the actions named: assign a permission set that allows them (the plan "
    "proposes the smallest)",
    "trusted-by-role": "a role's trust policy names the IAM user: give the person another way in before it goes",
    "identity-center-user-disabled": "the person's Identity Center user is disabled: enable it (in the identity "
    "provider when it is external) before the IAM user goes",
    "no-break-glass": "no emergency way in would be left once the IAM users go: create a break-glass user, or "
    "declare the path in readiness.emergency_access",
}
REVIEW_MEANINGS: dict[ReviewCode, str] = {
    "access-depends": "a permission set allows the actions named only under a condition or on some resources: "
    "check they cover the person's work",
    "policy-unknown": "a policy's document could not be read: the comparison is incomplete until it is",
    "match-unconfirmed": "a person was matched by bare user name only: confirm it in readiness.confirmed (or tag the "
    "IAM user with the e-mail)",
    "credentials-unknown": "a user's SSH keys, service-specific credentials or signing certificates could not be read: "
    "it may still be in use",
}
# How much an access level lets its holder do: a gap is Identity Center giving less than IAM gives today.
ACCESS_RANK: dict[AccessLevel, int] = {"none": 0, "read-only": 1, "other": 2, "administrator": 3}
# The other values a reader meets in the readiness section, each explained once, like the codes above: the HTML
# report's legend reads them, and a test fails when a value of this module has no meaning here.
CLASS_MEANINGS: dict[UserClass, str] = {
    "human": "a person signs in with it (their marks are its signals): it goes once they are in Identity Center",
    "workload": "software on long-lived keys: its own track, replaced by a role; never blocks the people's cut-over",
    "break-glass": "the emergency way in (readiness.break_glass): kept, with a console password and MFA, no keys",
    "stale": "nothing to sign in with, or no use within thresholds.unused_days: it can go, after a look",
}
MATCH_MEANINGS: dict[MatchStatus, str] = {
    "matched": "one Identity Center user is this person",
    "unmatched": "no Identity Center user fits: a person with nowhere to sign in",
    "ambiguous": "several Identity Center users fit: which one is this person is not known",
    "disabled": "the one Identity Center user that fits is disabled: the person could not sign in",
}
MATCHED_BY_MEANINGS: dict[MatchedBy, str] = {
    "confirmed": "a pair written down in readiness.confirmed",
    "email": "the IAM user name is an e-mail address of the Identity Center user",
    "tag": "the IAM user's e-mail tag (readiness.email_tag) holds an e-mail address of the Identity Center user",
    "user-name": "the same user name only, which a shared login also has: to confirm (match-unconfirmed)",
}
GROUPED_BY_MEANINGS: dict[Literal["matched", "suggested", "email", "name"], str] = {
    "matched": "every IAM user of the person is matched to the same Identity Center user",
    "suggested": "an IAM user joined the person by likeness (a suggestion): confirm in readiness.confirmed",
    "email": "the IAM users carry the same e-mail, and no Identity Center user has it",
    "name": "the same IAM user name, nothing else known",
}
IDENTITY_SOURCE_MEANINGS: dict[IdentitySource, str] = {
    "identity-center": "people are created in Identity Center itself (its identity store)",
    "external": "people come from an external identity provider through SCIM (their users carry ExternalIds): add "
    "a person in the identity provider, never in Identity Center, which does not write back to it",
    "unknown": "no identity-store user could be read: where people come from is not known",
}
EMERGENCY_KIND_MEANINGS: dict[Literal["break-glass-user", "management-role", "declared"], str] = {
    "break-glass-user": "an IAM user kept for emergencies (readiness.break_glass) that can sign in to the console",
    "management-role": "a role the management account can assume (OrganizationAccountAccessRole or a trust on it)",
    "declared": "a path written down in readiness.emergency_access",
}
ACCESS_LEVEL_MEANINGS: dict[AccessLevel, str] = {
    "administrator": "a privileged grant (AdministratorAccess, or a policy that can escalate): a summary, not the "
    "comparison",
    "other": "something granted that is neither privileged nor only AWS's read-only policies (PowerUserAccess too)",
    "read-only": "AWS's read-only policies only (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit)",
    "none": "no policy at all",
}
ACCESS_BASIS_MEANINGS: dict[AccessBasis, str] = {
    "used": "compared on the actions used in IAM's tracking window",
    "granted": "use unknown: compared on every action IAM allows today, the conservative side",
}


class KeyEvidence(Model):
    """An active access key: its id (never the secret) and when and for which service it was last used."""

    access_key_id: str
    created: datetime
    last_used: datetime | None = None
    last_used_service: str | None = None


class Signal(Model):
    """One fact the class was decided on, and the class it points to."""

    signal: SignalName
    points_to: PointsTo
    detail: str  # in words: "path /service/", "key AKIA... last used by s3 in eu-west-1, 400 days old"


class OtherCredentials(Model):
    """Active credentials other than a password and access keys (``None``: not read)."""

    ssh_public_keys: int | None = None
    service_specific_credentials: list[str] | None = None  # their services: "codecommit.amazonaws.com"
    signing_certificates: int | None = None

    @property
    def any_active(self) -> bool:
        """Something to sign in with (git, Keyspaces, SOAP) that is neither a password nor an access key."""
        return bool(self.ssh_public_keys or self.service_specific_credentials or self.signing_certificates)


class UserEvidence(Model):
    """The facts a user's class was decided on, each as collected (``None``: not known)."""

    console_password: bool | None = None
    password_last_used: datetime | None = None
    mfa_active: bool | None = None
    active_keys: list[KeyEvidence] = Field(default_factory=list)
    email: str | None = None  # the e-mail the user name is, or the e-mail tag holds
    email_from: Literal["user-name", "tag"] | None = None
    last_used: datetime | None = None  # latest of password and key use
    used_within_unused_days: bool | None = None  # None: last use unknown (no credential report row)
    class_source: Literal["evidence", "break-glass", "override"] = "evidence"
    reasons: list[str] = Field(default_factory=list)  # why this class, in words
    path: str = "/"
    other_credentials: OtherCredentials | None = None  # None: not collected (an inventory from before they were)
    signals: list[Signal] = Field(default_factory=list)  # every fact looked at, decisive or not


class ServiceActions(Model):
    """Actions of one service in a person's access comparison (at most ``ACTIONS_LISTED`` named, all counted)."""

    service: str  # the IAM prefix: "s3"
    actions: list[str]  # "s3:GetObject", sorted
    count: int  # how many actions in all (the list names the first ones)
    last_used: datetime | None = None  # the latest use of any of them (actions compared on use only)


class ActionCount(Model):
    """How many actions, in how many services, a list of ``ServiceActions`` stands for (it names at most
    ``SERVICES_LISTED`` services)."""

    actions: int
    services: int


class IamUserReadiness(Model):
    """One IAM user: its class, who it is in Identity Center, and its access today and there."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    account_id: str
    account_name: str | None = None
    user_name: str
    arn: str
    user_class: UserClass = Field(alias="class")
    evidence: UserEvidence
    identity_center_user: str | None = None  # the identity-store user name when matched
    identity_center_user_id: str | None = None
    match: MatchStatus | None = None  # humans (and stale users) only
    matched_by: MatchedBy | None = None
    candidates: list[str] = Field(default_factory=list)  # every candidate when ambiguous
    # True: by e-mail, tag or auditor.toml; False: by bare user name, to confirm; None: not matched
    match_confirmed: bool | None = None
    # identity-store users that may be this person (e-mail local part, name without a suffix such as -admin,
    # display name): suggested, never applied
    suggestions: list[str] = Field(default_factory=list)
    # a person by a weak signal only (a keys-only user whose name fits an identity-store user): confirm the class
    class_unconfirmed: bool = False
    person: str | None = None  # the key of this user's entry in readiness.people (humans and stale users)
    iam_access: AccessLevel = "none"  # from its policies, directly and through its groups
    identity_center_access: AccessLevel | None = None  # what the matched user gets in this account
    access_gap: bool = False  # would_lose is not empty (or, in documents written before it, by access level)
    exception: str | None = None  # the reason, when auditor.toml declares this user an exception
    # The comparison, action by action, for a matched person (None/empty otherwise): what they used (or could use)
    # under IAM that no permission set assigned to them in this account allows outright.
    access_basis: AccessBasis | None = None
    # The services with the most actions first, at most SERVICES_LISTED; the counts are of every one.
    would_lose: list[ServiceActions] = Field(default_factory=list)  # no permission set allows them
    would_lose_count: ActionCount | None = None  # None when not compared
    # allowed only under a condition or on some resources
    needs_review: list[ServiceActions] = Field(default_factory=list)
    needs_review_count: ActionCount | None = None
    unknown_policies: list[str] = Field(default_factory=list)  # policies (either side) whose document is unknown
    trusted_by_roles: list[str] = Field(default_factory=list)  # role ARNs whose trust policy names this IAM user


class Blocker(Model):
    code: BlockerCode
    subject: str  # the account id, or the IAM user's ARN
    message: str


class Review(Model):
    """Something the tool cannot decide for an account: a person must look before the verdict can be ``ready``."""

    code: ReviewCode
    subject: str  # the IAM user's ARN
    message: str


class WorkloadUser(Model):
    """A workload on long-lived keys: its own track, with the replacement to use."""

    user_name: str
    arn: str
    active_keys: list[str] = Field(default_factory=list)
    last_used_service: str | None = None
    replacement: str


class RootHygiene(Model):
    """The root user, from the credential report (``None``: not known)."""

    mfa_active: bool | None = None
    active_access_keys: int | None = None
    password_last_used: datetime | None = None
    used_within_days: bool | None = None  # used within thresholds.root_usage_days


class EmergencyAccess(Model):
    """A way into the account that does not depend on Identity Center."""

    kind: Literal["break-glass-user", "management-role", "declared"]
    subject: str  # the user's or role's ARN, or the declared description
    note: str | None = None  # what to check about it: "no MFA device", "access keys present"


class AccountReadiness(Model):
    account_id: str
    account_name: str | None = None
    is_production: bool = False
    verdict: Verdict
    blockers: list[Blocker] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)  # what keeps it at needs-review (listed when blocked too)
    humans: int = 0
    humans_matched: int = 0
    identity_center_assignments: int = 0
    workloads: list[WorkloadUser] = Field(default_factory=list)
    root: RootHygiene | None = None
    is_management: bool = False
    emergency_access: list[EmergencyAccess] | None = None  # None: could not be told (roles not read)


class AccountNotAssessed(Model):
    account_id: str
    account_name: str | None = None
    reason: str


class AccessGrant(Model):
    """One way an Identity Center user reaches an account."""

    account_id: str
    account_name: str | None = None
    permission_set_arn: str
    permission_set: str
    via: str  # "direct" or "group <name>"
    level: AccessLevel
    privileged: bool
    production: bool


class IdentityCenterUserAccess(Model):
    user_id: str
    user_name: str
    display_name: str | None = None
    emails: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    access: list[AccessGrant] = Field(default_factory=list)


class Person(Model):
    """One person and every IAM user of theirs, in one account or many (``alice``, ``alice-admin``)."""

    person: str  # the identity-store user name when known, else the e-mail, else the IAM user name
    identity_center_user: str | None = None
    identity_center_user_id: str | None = None
    # how the IAM users were tied to this person: matched (each user matched), suggested (a suggestion, to
    # confirm), email (the same e-mail, no identity-store user), name (one IAM user, nothing else known)
    grouped_by: Literal["matched", "suggested", "email", "name"]
    iam_users: list[str] = Field(default_factory=list)  # ARNs
    accounts: list[str] = Field(default_factory=list)  # account ids


class ProductionAdministrator(Model):
    """Answers "who can reach administrator in production", one row per user x account x permission set."""

    user_name: str
    account_id: str
    account_name: str | None = None
    permission_set: str
    via: str


class ReadinessSummary(Model):
    accounts_by_verdict: dict[str, int] = Field(default_factory=dict)
    users_by_class: dict[str, int] = Field(default_factory=dict)
    humans: int = 0
    humans_matched: int = 0
    humans_unmatched: int = 0
    humans_ambiguous: int = 0
    humans_disabled: int = 0  # matched to a disabled identity-store user
    humans_unconfirmed: int = 0  # matched by bare user name, not confirmed
    people: int = 0  # distinct people among the humans (one person may have several IAM users)
    access_gaps: int = 0
    needs_review: int = 0  # people whose comparison left something a person must review
    active_keys_left: int = 0  # active keys of IAM users (root keys are under each account's root)
    blockers_by_code: dict[str, int] = Field(default_factory=dict)
    reviews_by_code: dict[str, int] = Field(default_factory=dict)


class Readiness(Model):
    """``findings.json`` ``readiness``: per-account verdicts, every IAM user's class and match, the access map."""

    identity_center_status: str
    identity_store_id: str | None = None
    identity_source: IdentitySource = "unknown"
    email_tag: str = "email"  # the IAM user tag read as the person's e-mail (readiness.email_tag): the plan writes it
    start_url: str | None = None  # the default portal URL; a custom one is not readable through any API
    summary: ReadinessSummary
    accounts: list[AccountReadiness] = Field(default_factory=list)
    accounts_not_assessed: list[AccountNotAssessed] = Field(default_factory=list)
    iam_users: list[IamUserReadiness] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    identity_center_users: list[IdentityCenterUserAccess] = Field(default_factory=list)
    production_administrators: list[ProductionAdministrator] = Field(default_factory=list)


Record = TypeVar("Record", IamUserReadiness, UserEvidence, KeyEvidence, ServiceActions, ActionCount, WorkloadUser)
# per class, the one fields set of its records: every field is given, as validation would record it
_EVERY_FIELD: dict[type[Model], set[str]] = {}


def built(cls: type[Record], fields: dict[str, Any]) -> Record:
    """A record of the stage's own making, from ``fields`` (every field, by name), without validating them again.

    Why: the stage builds these fields itself, from an inventory that was validated when it was loaded, and
    validating them once more was the largest single cost of the stage (0.19 s of 0.74 s at 100 accounts x 200
    users: 20,000 user records with their evidence and keys, 15,000 lists of actions of the comparisons, 6,000
    workloads).
    The instance is what validation would give for values of the declared types: the same ``__dict__``, every
    field set, no extra and no private attributes. Lists are taken as they are, so the caller hands in lists of
    the record's own. ``tests/readiness/test_golden_outputs.py`` re-validates every record built here from its
    JSON and compares, so a wrong key or a value of the wrong type fails there, not in a reader.
    """
    record = object.__new__(cls)
    fields_set = _EVERY_FIELD.get(cls)
    if fields_set is None:
        fields_set = _EVERY_FIELD[cls] = set(cls.model_fields)
    object.__setattr__(record, "__dict__", fields)
    object.__setattr__(record, "__pydantic_fields_set__", fields_set)
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record
