"""Each IAM user's class (human, workload, break-glass, stale) and the evidence it was decided on.

Order of precedence: a class set in ``auditor.toml`` wins; then the break-glass patterns; then "stale"
(nothing used within ``unused_days``: switching it off locks nobody out); then a person's marks (a console
password, an MFA device, an e-mail-shaped name or tag, a match in the identity store); then a workload (active
keys, no person's marks). A user with no password and no active key can sign in with nothing: stale.
Last use that is not known (no credential report row) is never read as "unused".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from auditor.engine.config import ReadinessConfig
from auditor.engine.patterns import glob_match
from auditor.inventory import AccessKey, IamUser
from auditor.readiness.match import Match
from auditor.readiness.models import MatchedBy, UserClass


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


def classify(
    user: IamUser,
    *,
    cutoff: datetime,
    unused_days: int,
    patterns: ClassPatterns,
    email: str | None,
    email_from: MatchedBy | None,
    match: Match,
) -> tuple[UserClass, dict[str, Any]]:
    """The class and the fields of its ``UserEvidence``. ``cutoff``: the collection time less ``unused_days``
    (computed once per assessment, not per user)."""
    keys = user.access_keys
    active = [key for key in keys if key.status == "Active"] if keys else []
    used = last_use(user) if keys else user.password_last_used
    recent = used_within(user, used, cutoff)
    user_class, source, reasons = _decide(user, active, recent, unused_days, patterns, email, email_from, match)
    # the fields of UserEvidence: validated with the user's record (assess.py validates an account at a time)
    evidence = {
        "console_password": user.password_enabled,
        "password_last_used": user.password_last_used,
        "mfa_active": user.mfa_active,
        "active_keys": [
            {
                "access_key_id": key.access_key_id,
                "created": key.create_date,
                "last_used": key.last_used_date,
                "last_used_service": key.last_used_service,
            }
            for key in active
        ],
        "email": email,
        "email_from": ("user-name" if email_from == "email" else "tag") if email else None,
        "last_used": used,
        "used_within_unused_days": recent,
        "class_source": source,
        "reasons": reasons,
    }
    return user_class, evidence


ClassSource = Literal["evidence", "break-glass", "override"]


def _decide(
    user: IamUser,
    active: list[AccessKey],
    recent: bool | None,
    unused_days: int,
    patterns: ClassPatterns,
    email: str | None,
    email_from: MatchedBy | None,
    match: Match,
) -> tuple[UserClass, ClassSource, list[str]]:
    override = patterns.classes.first(user)
    if override is not None:
        return patterns.config.classes[override], "override", [f"auditor.toml readiness.classes {override!r}"]
    pattern = patterns.break_glass.first(user)
    if pattern is not None:
        return "break-glass", "break-glass", [f"matches readiness.break_glass {pattern!r}"]
    if not user.password_enabled and not active:
        return "stale", "evidence", ["no console password and no active access key"]
    if recent is False:
        return "stale", "evidence", [f"no password or key use within {unused_days} days"]
    reasons = []
    if user.password_enabled:
        reasons.append("console password")
    if user.mfa_active:
        reasons.append("MFA device")
    if email is not None:
        reasons.append(f"e-mail {'user name' if email_from == 'email' else 'tag'} {email}")
    if match.status != "unmatched":
        reasons.append(f"identity store {match.status} ({', '.join(match.candidates)})")
    if reasons:
        return "human", "evidence", reasons
    services = sorted({key.last_used_service for key in active if key.last_used_service})
    reason = "active access key(s) and no console password" + (
        f"; keys last used by {', '.join(services)}" if services else ""
    )
    return "workload", "evidence", [reason]
