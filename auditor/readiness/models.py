"""The readiness section of ``findings.json``: what stands between each account and "no more IAM users".

These models are a public contract like rule ids: ``Verdict`` and ``BlockerCode`` values, and the fields of
``AccountReadiness`` and ``IamUserReadiness``, are read by scripts. They are plain data (no inventory objects),
so a findings document can be written, read back and merged without the inventory it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from auditor.model import Model

UserClass = Literal["human", "workload", "break-glass", "stale"]
Verdict = Literal["migrated", "ready", "needs-review", "blocked"]
BlockerCode = Literal[
    "identity-center-disabled", "no-assignments", "human-unmatched", "human-ambiguous", "access-gap", "trusted-by-role"
]
# What keeps an account at needs-review: the tool cannot tell, so a person must look (never read as ready).
ReviewCode = Literal["access-depends", "policy-unknown"]
# What a person's access was compared on: the actions used in IAM's tracking window, or (use unknown) every action
# IAM allows them today, which is the conservative side.
AccessBasis = Literal["used", "granted"]
AccessLevel = Literal["administrator", "other", "read-only", "none"]
MatchStatus = Literal["matched", "unmatched", "ambiguous"]
MatchedBy = Literal["email", "tag", "user-name"]

USER_CLASSES: tuple[UserClass, ...] = ("human", "workload", "break-glass", "stale")
VERDICTS: tuple[Verdict, ...] = ("migrated", "ready", "needs-review", "blocked")
BLOCKER_CODES: tuple[BlockerCode, ...] = (
    "identity-center-disabled",
    "no-assignments",
    "human-unmatched",
    "human-ambiguous",
    "access-gap",
    "trusted-by-role",
)
REVIEW_CODES: tuple[ReviewCode, ...] = ("access-depends", "policy-unknown")
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
}
REVIEW_MEANINGS: dict[ReviewCode, str] = {
    "access-depends": "a permission set allows the actions named only under a condition or on some resources: "
    "check they cover the person's work",
    "policy-unknown": "a policy's document could not be read: the comparison is incomplete until it is",
}
# How much an access level lets its holder do: a gap is Identity Center giving less than IAM gives today.
ACCESS_RANK: dict[AccessLevel, int] = {"none": 0, "read-only": 1, "other": 2, "administrator": 3}


class KeyEvidence(Model):
    """An active access key: its id (never the secret) and when and for which service it was last used."""

    access_key_id: str
    created: datetime
    last_used: datetime | None = None
    last_used_service: str | None = None


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
    access_gaps: int = 0
    needs_review: int = 0  # people whose comparison left something a person must review
    active_keys_left: int = 0  # active keys of IAM users (root keys are under each account's root)
    blockers_by_code: dict[str, int] = Field(default_factory=dict)
    reviews_by_code: dict[str, int] = Field(default_factory=dict)


class Readiness(Model):
    """``findings.json`` ``readiness``: per-account verdicts, every IAM user's class and match, the access map."""

    identity_center_status: str
    identity_store_id: str | None = None
    start_url: str | None = None  # the default portal URL; a custom one is not readable through any API
    summary: ReadinessSummary
    accounts: list[AccountReadiness] = Field(default_factory=list)
    accounts_not_assessed: list[AccountNotAssessed] = Field(default_factory=list)
    iam_users: list[IamUserReadiness] = Field(default_factory=list)
    identity_center_users: list[IdentityCenterUserAccess] = Field(default_factory=list)
    production_administrators: list[ProductionAdministrator] = Field(default_factory=list)
