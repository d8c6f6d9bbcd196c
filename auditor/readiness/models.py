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
Verdict = Literal["migrated", "ready", "blocked"]
BlockerCode = Literal["identity-center-disabled", "no-assignments", "human-unmatched", "human-ambiguous", "access-gap"]
AccessLevel = Literal["administrator", "other", "read-only", "none"]
MatchStatus = Literal["matched", "unmatched", "ambiguous"]
MatchedBy = Literal["email", "tag", "user-name"]

USER_CLASSES: tuple[UserClass, ...] = ("human", "workload", "break-glass", "stale")
VERDICTS: tuple[Verdict, ...] = ("migrated", "ready", "blocked")
BLOCKER_CODES: tuple[BlockerCode, ...] = (
    "identity-center-disabled",
    "no-assignments",
    "human-unmatched",
    "human-ambiguous",
    "access-gap",
)
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
    access_gap: bool = False
    exception: str | None = None  # the reason, when auditor.toml declares this user an exception


class Blocker(Model):
    code: BlockerCode
    subject: str  # the account id, or the IAM user's ARN
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
    active_keys_left: int = 0  # active keys of IAM users (root keys are under each account's root)
    blockers_by_code: dict[str, int] = Field(default_factory=dict)


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
