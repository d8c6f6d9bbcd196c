"""Each IAM user's class (human, workload, break-glass, stale) and the signals it was decided on.

Order of precedence: a class set in ``auditor.toml`` wins; then the break-glass patterns; then "stale"
(nothing to sign in with, or nothing used within ``unused_days``: switching it off locks nobody out); then a
person's marks (a console password, an MFA device, an e-mail-shaped name or tag, a match in the identity store,
a path or tag that says person, an SSH key or CodeCommit credential for git); then a likeness to an
identity-store user (``jsmith`` and ``jsmith@corp.example``): a person still, with the class to confirm, since
calling a person a workload is the mistake that locks them out (workloads never block); then a workload.

Every signal looked at is recorded, decisive or not (a path such as ``/service/``, the service and region each
key was last used from, each key's age), so a reader can see why and overrule it in ``readiness.classes``.
Last use that is not known (no credential report row) is never read as "unused"; an SSH key or service-specific
credential has no last use AWS reports, so a user holding one active is never stale by age.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from auditor.engine.config import ReadinessConfig
from auditor.engine.patterns import glob_match
from auditor.inventory import AccessKey, IamUser
from auditor.readiness.match import Match, is_email
from auditor.readiness.models import (
    KeyEvidence,
    MatchedBy,
    OtherCredentials,
    PointsTo,
    Signal,
    SignalName,
    UserClass,
    UserEvidence,
    built,
)


class UserPatterns:
    """Globs on an IAM user's ARN or name (``auditor.engine.patterns.glob_match``: case ignored), asked of every user.

    One combined regular expression rejects the users no pattern matches (nearly all of them) in one step; for
    the others, ``glob_match`` names the first pattern that matches, so the answer is the project's matcher's.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = list(patterns)
        combined = "|".join(f"(?:{fnmatch.translate(p.lower())})" for p in self.patterns)
        self._any = re.compile(combined) if self.patterns else None

    def first(self, user: IamUser) -> str | None:
        """The first pattern that matches ``user``'s ARN or name."""
        if self._any is None or not (self._any.match(user.arn.lower()) or self._any.match(user.user_name.lower())):
            return None
        return next((p for p in self.patterns if glob_match(p, user.arn) or glob_match(p, user.user_name)), None)


@dataclass(frozen=True)
class ClassPatterns:
    """``auditor.toml``'s ``[readiness]`` patterns, compiled once per assessment."""

    config: ReadinessConfig
    classes: UserPatterns
    break_glass: UserPatterns
    exceptions: UserPatterns

    @classmethod
    def of(cls, config: ReadinessConfig) -> ClassPatterns:
        return cls(
            config,
            UserPatterns(config.classes),
            UserPatterns(config.break_glass),
            UserPatterns(e.user for e in config.exceptions),
        )

    def exception(self, user: IamUser) -> str | None:
        """The reason of the first declared exception ``user`` matches."""
        pattern = self.exceptions.first(user)
        return next((e.reason for e in self.config.exceptions if e.user == pattern), None) if pattern else None


def last_use(user: IamUser) -> datetime | None:
    """The latest password or key use (the inventory's datetimes are timezone-aware: they compare as they are)."""
    uses = [key.last_used_date for key in user.access_keys if key.last_used_date is not None]
    if user.password_last_used is not None:
        uses.append(user.password_last_used)
    return max(uses) if uses else None


def used_within(user: IamUser, used: datetime | None, cutoff: datetime) -> bool | None:
    """Whether ``user`` (last used at ``used``) was used since ``cutoff``: ``None`` when last use is unknown; a
    user created since ``cutoff`` counts as used (it is new)."""
    if used is not None and used >= cutoff:
        return True
    if user.create_date >= cutoff:
        return True
    if used is None and not user.in_credential_report:
        return None
    return False


# words in a path, tag value or user name that say what the user is
_WORKLOAD_WORDS = frozenset(
    "service services svc system bot bots robot ci cd deploy deployer deployment automation app apps application "
    "workload workloads machine pipeline terraform jenkins github gitlab integration integrations etl batch cron "
    "job jobs backup sync monitoring exporter".split()
)
_HUMAN_WORDS = frozenset(
    "people person persons human humans user users employee employees staff developer developers engineer engineers "
    "admins contractor contractors".split()
)
# tag keys whose value says what the principal is (type=service, user-type=human)
_KIND_TAGS = frozenset(("type", "user-type", "usertype", "user_type", "kind", "principal-type", "category", "purpose"))
_WORDS = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> set[str]:
    return {word for word in _WORDS.split(text.lower()) if word}


def _kind(text: str) -> PointsTo:
    words = _words(text)
    if words & _WORKLOAD_WORDS:
        return "workload"
    return "human" if words & _HUMAN_WORDS else "neither"


@lru_cache(maxsize=65536)
def _signal(signal: SignalName, points_to: PointsTo, detail: str) -> Signal:
    """One ``Signal``, shared by every user it describes: most repeat across users and accounts ("MFA device",
    the same console-password date, a person's identity-store match in each of their accounts), and the records
    that hold them were a third of the stage's validation (68,000 signals, 20,000 distinct, at 100 accounts x
    200 users). A shared model is never changed (evidence is read, not written), like ``_NONE_HELD``; the bound
    keeps a long-lived caller's memory in check."""
    return Signal(signal=signal, points_to=points_to, detail=detail)


# Read, and none held. Shared by every user who holds none: never modified (evidence is read, not written).
_NONE_HELD = OtherCredentials(ssh_public_keys=0, service_specific_credentials=[], signing_certificates=0)


def other_credentials(user: IamUser, as_of: datetime) -> OtherCredentials | None:
    """Active SSH keys, service-specific credentials and signing certificates; ``None`` when any of the three
    was not read (unknown is not "none"). A service-specific credential past its expiration date (Bedrock API
    keys) still reads "Active" in IAM but no longer works: it is not counted."""
    ssh, service, certificates = user.ssh_public_keys, user.service_specific_credentials, user.signing_certificates
    if ssh is None or service is None or certificates is None:
        return None
    if not (ssh or service or certificates):
        return _NONE_HELD  # nearly every user: one shared answer instead of a model per user
    return OtherCredentials(
        ssh_public_keys=sum(1 for key in ssh if key.is_active),
        service_specific_credentials=sorted(
            c.service_name for c in service if c.is_active and (c.expiration_date is None or c.expiration_date > as_of)
        ),
        signing_certificates=sum(1 for cert in certificates if cert.is_active),
    )


def _credential_signals(other: OtherCredentials | None) -> list[Signal]:
    if other is None:
        return []
    out = []
    if other.ssh_public_keys:
        out.append(
            _signal(
                "ssh-public-key",
                "human",
                f"{other.ssh_public_keys} active SSH public key(s): git over SSH to CodeCommit, a person's",
            )
        )
    for service in other.service_specific_credentials or []:
        points: PointsTo = (
            "human"
            if service.startswith("codecommit")
            else ("neither" if service.startswith("bedrock") else "workload")
        )
        out.append(_signal("service-specific-credential", points, f"active service-specific credential for {service}"))
    if other.signing_certificates:
        out.append(
            _signal(
                "signing-certificate",
                "workload",
                f"{other.signing_certificates} active signing certificate(s): SOAP and legacy tools",
            )
        )
    return out


def _key_signals(active: list[AccessKey], as_of: datetime) -> list[Signal]:
    out = []
    for key in active:
        age = (as_of - key.create_date).days
        out.append(
            _signal("access-key", "neither", f"{key.access_key_id} created {key.create_date.date()} ({age} days)")
        )
        if key.last_used_date is not None:
            where = "".join(
                (
                    f" by {key.last_used_service}" if key.last_used_service else "",
                    f" in {key.last_used_region}" if key.last_used_region else "",
                )
            )
            out.append(
                _signal("key-last-used", "neither", f"{key.access_key_id} last used {key.last_used_date.date()}{where}")
            )
    return out


def signals_of(
    user: IamUser,
    active: list[AccessKey],
    *,
    as_of: datetime,
    email: str | None,
    email_from: MatchedBy | None,
    match: Match,
    suggestions: list[str],
    other: OtherCredentials | None,
) -> list[Signal]:
    """Every fact about ``user`` that says person or workload."""
    out = []
    if user.password_enabled:
        used = f", last used {user.password_last_used.date()}" if user.password_last_used else ", never used"
        out.append(_signal("console-password", "human", "console password" + used))
    if user.mfa_active:
        out.append(_signal("mfa", "human", "MFA device"))
    if email is not None:
        if email_from == "email":
            out.append(_signal("email-user-name", "human", f"user name is an e-mail address: {email}"))
        else:
            out.append(_signal("email-tag", "human", f"e-mail tag {email}"))
    if match.status != "unmatched" or match.matched_by == "confirmed":
        how = f" by {match.matched_by}" if match.matched_by else ""
        out.append(
            _signal(
                "identity-store-match",
                "human",
                f"identity store {match.status}{how}: {', '.join(match.candidates) or '-'}",
            )
        )
    if suggestions:
        out.append(
            _signal("identity-store-suggestion", "human", f"like identity-store user(s) {', '.join(suggestions)}")
        )
    if user.path not in ("/", ""):
        out.append(_signal("path", _kind(user.path), f"path {user.path}"))
    for key, value in sorted((user.tags or {}).items()):
        if key.lower() in _KIND_TAGS and (kind := _kind(value)) != "neither":
            out.append(_signal("tag", kind, f"tag {key}={value}"))
    if not is_email(user.user_name) and _words(user.user_name) & _WORKLOAD_WORDS:
        out.append(_signal("name", "workload", f"user name {user.user_name}"))
    return [*out, *_key_signals(active, as_of), *_credential_signals(other)]


def classify(
    user: IamUser,
    *,
    as_of: datetime,
    cutoff: datetime,
    unused_days: int,
    patterns: ClassPatterns,
    email: str | None,
    email_from: MatchedBy | None,
    match: Match,
    suggestions: list[str],
) -> tuple[UserClass, bool, UserEvidence]:
    """The class, whether it is to be confirmed (a person by likeness only), and its ``UserEvidence``.
    ``cutoff``: the collection time less ``unused_days`` (computed once per assessment)."""
    keys = user.access_keys
    active = [key for key in keys if key.status == "Active"] if keys else []
    used = last_use(user) if keys else user.password_last_used
    recent = used_within(user, used, cutoff)
    other = other_credentials(user, as_of)
    signals = signals_of(
        user, active, as_of=as_of, email=email, email_from=email_from, match=match, suggestions=suggestions, other=other
    )
    user_class, source, reasons, unconfirmed = _decide(user, active, recent, unused_days, patterns, other, signals)
    # built, not validated again: every value comes from the validated inventory or from this module (built())
    fields: dict[str, Any] = {
        "console_password": user.password_enabled,
        "password_last_used": user.password_last_used,
        "mfa_active": user.mfa_active,
        "active_keys": [
            built(
                KeyEvidence,
                {
                    "access_key_id": key.access_key_id,
                    "created": key.create_date,
                    "last_used": key.last_used_date,
                    "last_used_service": key.last_used_service,
                },
            )
            for key in active
        ],
        "email": email,
        "email_from": ("user-name" if email_from == "email" else "tag") if email else None,
        "last_used": used,
        "used_within_unused_days": recent,
        "class_source": source,
        "reasons": reasons,
        "path": user.path,
        "other_credentials": other,
        "signals": signals,
    }
    return user_class, unconfirmed, built(UserEvidence, fields)


ClassSource = Literal["evidence", "break-glass", "override"]
UNREAD = " (its SSH keys, service-specific credentials or signing certificates were not read)"


def _decide(
    user: IamUser,
    active: list[AccessKey],
    recent: bool | None,
    unused_days: int,
    patterns: ClassPatterns,
    other: OtherCredentials | None,
    signals: list[Signal],
) -> tuple[UserClass, ClassSource, list[str], bool]:
    override = patterns.classes.first(user)
    if override is not None:
        return patterns.config.classes[override], "override", [f"auditor.toml readiness.classes {override!r}"], False
    pattern = patterns.break_glass.first(user)
    if pattern is not None:
        return "break-glass", "break-glass", [f"matches readiness.break_glass {pattern!r}"], False
    unread = "" if other is not None else UNREAD
    if not user.password_enabled and not active and not (other is not None and other.any_active):
        return "stale", "evidence", ["no console password and no active access key" + unread], False
    if recent is False and not (other is not None and other.any_active):
        return "stale", "evidence", [f"no password or key use within {unused_days} days" + unread], False
    strong = [s.detail for s in signals if s.points_to == "human" and s.signal != "identity-store-suggestion"]
    if strong:
        return "human", "evidence", strong, False
    weak = [s.detail for s in signals if s.signal == "identity-store-suggestion"]
    if weak:
        return "human", "evidence", [*weak, "access keys only: confirm this is a person (readiness.classes)"], True
    services = sorted({key.last_used_service for key in active if key.last_used_service})
    reason = "active access key(s) and no console password" + (
        f"; keys last used by {', '.join(services)}" if services else ""
    )
    return "workload", "evidence", [reason, *(s.detail for s in signals if s.points_to == "workload")], False
