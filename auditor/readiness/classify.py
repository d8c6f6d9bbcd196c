"""Each IAM user's class (human, workload, break-glass, stale) and the evidence it was decided on.

Order of precedence: a class set in ``auditor.toml`` wins; then the break-glass patterns; then "stale"
(nothing used within ``unused_days``: switching it off locks nobody out); then a person's marks (a console
password, an MFA device, an e-mail-shaped name or tag, a match in the identity store); then a workload (active
keys, no person's marks). A user with no password and no active key can sign in with nothing: stale.
Last use that is not known (no credential report row) is never read as "unused".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from auditor.config import ReadinessConfig
from auditor.inventory import IamUser
from auditor.patterns import glob_match
from auditor.readiness.match import Match
from auditor.readiness.models import KeyEvidence, MatchedBy, UserClass, UserEvidence
from auditor.timestamps import as_utc


def configured(patterns: Iterable[str], user: IamUser) -> str | None:
    """The first pattern (a glob on the ARN or the user name) that matches ``user``."""
    return next((p for p in patterns if glob_match(p, user.arn) or glob_match(p, user.user_name)), None)


def last_use(user: IamUser) -> datetime | None:
    uses = [user.password_last_used, *(key.last_used_date for key in user.access_keys)]
    known = [as_utc(use) for use in uses if use is not None]
    return max(known) if known else None


def used_within(user: IamUser, as_of: datetime, days: int) -> bool | None:
    """``None`` when last use is unknown; a user created within ``days`` counts as used (it is new)."""
    cutoff = as_of - timedelta(days=days)
    used = last_use(user)
    if used is not None and used >= cutoff:
        return True
    if as_utc(user.create_date) >= cutoff:
        return True
    if used is None and not user.in_credential_report:
        return None
    return False


def classify(
    user: IamUser,
    *,
    as_of: datetime,
    unused_days: int,
    config: ReadinessConfig,
    email: str | None,
    email_from: MatchedBy | None,
    match: Match,
) -> tuple[UserClass, UserEvidence]:
    active = user.active_keys
    evidence = UserEvidence(
        console_password=user.password_enabled,
        password_last_used=user.password_last_used,
        mfa_active=user.mfa_active,
        active_keys=[
            KeyEvidence(
                access_key_id=key.access_key_id,
                created=key.create_date,
                last_used=key.last_used_date,
                last_used_service=key.last_used_service,
            )
            for key in active
        ],
        email=email,
        email_from=("user-name" if email_from == "email" else "tag") if email else None,
        last_used=last_use(user),
        used_within_unused_days=used_within(user, as_of, unused_days),
    )
    reasons = evidence.reasons
    override = configured(config.classes, user)
    if override is not None:
        evidence.class_source = "override"
        reasons.append(f"auditor.toml readiness.classes {override!r}")
        return config.classes[override], evidence
    pattern = configured(config.break_glass, user)
    if pattern is not None:
        evidence.class_source = "break-glass"
        reasons.append(f"matches readiness.break_glass {pattern!r}")
        return "break-glass", evidence
    if not user.password_enabled and not active:
        reasons.append("no console password and no active access key")
        return "stale", evidence
    if evidence.used_within_unused_days is False:
        reasons.append(f"no password or key use within {unused_days} days")
        return "stale", evidence
    if user.password_enabled:
        reasons.append("console password")
    if user.mfa_active:
        reasons.append("MFA device")
    if email is not None:
        reasons.append(f"e-mail {'user name' if email_from == 'email' else 'tag'} {email}")
    if match.status != "unmatched":
        reasons.append(f"identity store {match.status} ({', '.join(match.candidates)})")
    if reasons:
        return "human", evidence
    services = sorted({key.last_used_service for key in active if key.last_used_service})
    reasons.append(
        "active access key(s) and no console password"
        + (f"; keys last used by {', '.join(services)}" if services else "")
    )
    return "workload", evidence
