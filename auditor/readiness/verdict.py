"""One account's verdict: ``migrated``, ``ready``, ``needs-review`` or ``blocked``, plus its side tracks.

* ``blocked``: something must be done before the IAM users can go: Identity Center is not enabled, the
  account has no assignment (nobody could sign in to it through the portal), a person's IAM user has no
  identity-store user (``human-unmatched``) or several (``human-ambiguous``), a person would lose actions they
  used (or, their use unknown, could use) under IAM (``access-gap``, naming the actions), or a role's trust
  policy names an IAM user the migration deletes (``trusted-by-role``), the person's Identity Center user is
  disabled (``identity-center-user-disabled``), or no emergency way in would be left (``no-break-glass``).
* ``needs-review``: nothing is known to block, but the tool cannot tell that nobody loses access: Identity Center
  allows some of a person's actions only under a condition or on some resources (``access-depends``), a
  policy's document is unknown (``policy-unknown``), a person was matched by bare user name only
  (``match-unconfirmed``), or a user's other credentials could not be read (``credentials-unknown``). A person
  must look; it never reads as ready.
* ``migrated``: no IAM user with a console password or an active key remains, apart from break-glass users
  and declared exceptions, and the account has assignments.
* ``ready``: credentials remain (people's, stale users', workloads'), but switching the people's off locks
  nobody out: every action each person uses (or could use) is allowed outright by a permission set assigned to
  them there. Workloads never block: they are their own track, with the replacement to use.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from auditor.inventory import AccountInventory
from auditor.readiness.models import (
    ActionCount,
    Blocker,
    IamUserReadiness,
    Review,
    RootHygiene,
    ServiceActions,
    Verdict,
    WorkloadUser,
    built,
)

_CI_WORDS = frozenset(
    ("ci", "cd", "deploy", "github", "gitlab", "jenkins", "pipeline", "circleci", "buildkite", "terraform")
)


def blockers_for(users: Sequence[IamUserReadiness], account: str) -> list[Blocker]:
    """The people-level blockers (exceptions excepted): unmatched, ambiguous, access they would lose, and roles
    whose trust policy names an IAM user that the migration deletes (break-glass users stay)."""
    blockers: list[Blocker] = []
    for user in users:
        if user.exception is not None or user.user_class == "break-glass":
            continue
        if user.trusted_by_roles:
            blockers.append(
                Blocker(
                    code="trusted-by-role",
                    subject=user.arn,
                    message=f"{user.user_name} is named in the trust policy of {', '.join(user.trusted_by_roles)}: "
                    "deleting the IAM user breaks that path",
                )
            )
        if user.user_class != "human":
            continue
        if user.match == "unmatched":
            maybe = f"; maybe {', '.join(user.suggestions)} (confirm in readiness.confirmed)" * bool(user.suggestions)
            blockers.append(
                Blocker(
                    code="human-unmatched",
                    subject=user.arn,
                    message=f"{user.user_name} has no Identity Center user "
                    + (
                        "(readiness.confirmed names one the identity store does not hold)"
                        if user.matched_by == "confirmed"
                        else "(no e-mail or user name matches)"
                    )
                    + maybe
                    + (" (a person by likeness only: confirm the class)" if user.class_unconfirmed else ""),
                )
            )
        elif user.match == "disabled":
            blockers.append(
                Blocker(
                    code="identity-center-user-disabled",
                    subject=user.arn,
                    message=f"{user.user_name}'s Identity Center user {user.identity_center_user} is disabled: "
                    "they could not sign in through the portal",
                )
            )
        elif user.match == "ambiguous":
            blockers.append(
                Blocker(
                    code="human-ambiguous",
                    subject=user.arn,
                    message=f"{user.user_name} matches several Identity Center users: {', '.join(user.candidates)}",
                )
            )
        elif user.access_gap:
            blockers.append(
                Blocker(
                    code="access-gap",
                    subject=user.arn,
                    message=f"{user.user_name} would lose in {account}: "
                    + actions_text(user.would_lose, user.would_lose_count)
                    + ("" if user.access_basis == "used" else " (use unknown: compared on what IAM allows today)"),
                )
            )
    return blockers


def reviews_for(users: Sequence[IamUserReadiness], account: str) -> list[Review]:
    """What a person must look at before a matched person's IAM user can go (the tool cannot decide it)."""
    reviews: list[Review] = []
    for user in users:
        if user.exception is None and user.user_class != "break-glass" and user.evidence.other_credentials is None:
            reviews.append(
                Review(
                    code="credentials-unknown",
                    subject=user.arn,
                    message=f"{user.user_name}'s SSH public keys, service-specific credentials or signing "
                    "certificates could not be read: it may still be in use, and DeleteUser fails while they exist",
                )
            )
        if user.user_class != "human" or user.exception is not None or user.match != "matched":
            continue
        if user.match_confirmed is False:
            reviews.append(
                Review(
                    code="match-unconfirmed",
                    subject=user.arn,
                    message=f"{user.user_name} was matched to {user.identity_center_user} by user name only (a "
                    f'shared login?): confirm with readiness.confirmed = ["{user.user_name}='
                    f'{user.identity_center_user}"], or tag the IAM user with the e-mail',
                )
            )
        if user.needs_review:
            reviews.append(
                Review(
                    code="access-depends",
                    subject=user.arn,
                    message=f"Identity Center gives {user.identity_center_user} in {account} only under a condition "
                    f"or on some resources: {actions_text(user.needs_review, user.needs_review_count)}",
                )
            )
        if user.unknown_policies:
            reviews.append(
                Review(
                    code="policy-unknown",
                    subject=user.arn,
                    message=f"{user.user_name}'s access could not be compared in full: the documents of "
                    f"{', '.join(user.unknown_policies)} are unknown",
                )
            )
    return reviews


def actions_text(services: Sequence[ServiceActions], count: ActionCount | None, limit: int = 3) -> str:
    """``s3: GetObject, PutObject (last used 2026-11-30); ec2: RunInstances``; past ``limit`` services, the counts
    (``count``: of every service, the list names only some) and the services with the most actions
    (``19,872 actions in 445 services, the most in ec2 (712), ...``)."""
    if count is None:
        count = ActionCount(actions=sum(s.count for s in services), services=len(services))
    if count.services > limit:
        most = sorted(services, key=lambda s: (-s.count, s.service))[:limit]
        return f"{count.actions:,} actions in {count.services} services, the most in " + ", ".join(
            f"{s.service} ({s.count:,})" for s in most
        )
    parts = []
    for service in services:
        names = ", ".join(a.split(":", 1)[1] for a in service.actions[:5])
        more = service.count - min(len(service.actions), 5)
        text = f"{service.service}: {names}" + (f" and {more} more" if more > 0 else "")
        if service.last_used is not None:
            text += f" (last used {service.last_used.date().isoformat()})"
        parts.append(text)
    return "; ".join(parts)


def verdict_of(
    blockers: Sequence[Blocker], reviews: Sequence[Review], users: Sequence[IamUserReadiness], remaining: set[str]
) -> Verdict:
    """``remaining``: ARNs of users that still hold a console password or an active key."""
    if blockers:
        return "blocked"
    if reviews:
        return "needs-review"
    kept = {u.arn for u in users if u.user_class == "break-glass" or u.exception is not None}
    return "ready" if remaining - kept else "migrated"


def workload_replacement(user_name: str, services: Collection[str]) -> str:
    """What to use instead of the key: an OIDC role for CI systems, a role where the code runs in AWS, Roles
    Anywhere outside AWS; services that only take IAM user credentials are named. ``services``: those the
    user's active keys were last used for."""
    name = user_name.lower()
    words = name.replace("_", "-").split("-")
    if not _CI_WORDS.isdisjoint(words) or "github" in name or "gitlab" in name:
        return "an IAM role the CI system assumes through OIDC (no stored key)"
    if "ses" in services or "smtp" in name:
        return "SES SMTP credentials need an IAM user: declare it in readiness.exceptions"
    if "codecommit" in services:
        return "CodeCommit through the git-remote-codecommit helper with Identity Center or role credentials"
    return "an instance profile or task role if it runs in AWS; IAM Roles Anywhere if it runs outside AWS"


def workloads_of(users: Sequence[IamUserReadiness]) -> list[WorkloadUser]:
    """The workloads' track, from each user's evidence (its active keys as collected); built, not validated
    again (``models.built``): the values are the records' own."""
    return [
        built(
            WorkloadUser,
            {
                "user_name": user.user_name,
                "arn": user.arn,
                "active_keys": [key.access_key_id for key in keys],
                # the service of the most recently used (or created) key that names one
                "last_used_service": next(
                    (
                        k.last_used_service
                        for k in (
                            sorted(keys, key=lambda k: k.last_used or k.created, reverse=True)
                            if len(keys) > 1
                            else keys
                        )
                        if k.last_used_service
                    ),
                    None,
                ),
                "replacement": workload_replacement(
                    user.user_name, {k.last_used_service for k in keys if k.last_used_service}
                ),
            },
        )
        for user in users
        if user.user_class == "workload" and user.exception is None
        for keys in [user.evidence.active_keys]
    ]


def root_hygiene(account: AccountInventory, as_of: datetime, root_usage_days: int) -> RootHygiene | None:
    report = account.credential_report
    row = next((r for r in report.rows if r.is_root), None) if report is not None else None
    if row is None:
        return None
    used = row.password_last_used
    key_uses = [k.last_used_date for k in row.access_keys if k.last_used_date is not None]
    latest = max([u for u in (used, *key_uses) if u is not None], default=None)
    return RootHygiene(
        mfa_active=row.mfa_active,
        active_access_keys=len(row.active_keys),
        password_last_used=used,
        used_within_days=latest is not None and latest >= as_of - timedelta(days=root_usage_days),
    )
