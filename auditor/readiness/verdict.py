"""One account's verdict: ``migrated``, ``ready`` or ``blocked`` (with every blocker), plus its side tracks.

* ``blocked``: something must be done before the IAM users can go: Identity Center is not enabled, the
  account has no assignment (nobody could sign in to it through the portal), a person's IAM user has no
  identity-store user (``human-unmatched``) or several (``human-ambiguous``), or a person would lose access
  (``access-gap``: Identity Center gives less in this account than their IAM user has today).
* ``migrated``: no IAM user with a console password or an active key remains, apart from break-glass users
  and declared exceptions, and the account has assignments.
* ``ready``: credentials remain (people's, stale users', workloads'), but switching the people's off locks
  nobody out. Workloads never block: they are their own track, with the replacement to use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from auditor.inventory import AccountInventory, IamUser
from auditor.readiness.models import Blocker, IamUserReadiness, RootHygiene, Verdict, WorkloadUser

_CI_WORDS = ("ci", "cd", "deploy", "github", "gitlab", "jenkins", "pipeline", "circleci", "buildkite", "terraform")


def has_credentials(user: IamUser) -> bool:
    return bool(user.password_enabled) or bool(user.active_keys)


def blockers_for(users: Sequence[IamUserReadiness]) -> list[Blocker]:
    """The people-level blockers: unmatched, ambiguous, access gaps (humans only, exceptions excepted)."""
    blockers: list[Blocker] = []
    for user in users:
        if user.user_class != "human" or user.exception is not None:
            continue
        if user.match == "unmatched":
            blockers.append(
                Blocker(
                    code="human-unmatched",
                    subject=user.arn,
                    message=f"{user.user_name} has no Identity Center user (no e-mail or user name matches)",
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
                    message=(
                        f"{user.user_name} has {user.iam_access} access today; Identity Center gives "
                        f"{user.identity_center_user} {user.identity_center_access or 'none'} here"
                    ),
                )
            )
    return blockers


def verdict_of(blockers: Sequence[Blocker], users: Sequence[IamUserReadiness], remaining: set[str]) -> Verdict:
    """``remaining``: ARNs of users that still hold a console password or an active key."""
    if blockers:
        return "blocked"
    kept = {u.arn for u in users if u.user_class == "break-glass" or u.exception is not None}
    return "ready" if remaining - kept else "migrated"


def workload_replacement(user: IamUser) -> str:
    """What to use instead of the key: an OIDC role for CI systems, a role where the code runs in AWS, Roles
    Anywhere outside AWS; services that only take IAM user credentials are named."""
    services = {key.last_used_service for key in user.active_keys if key.last_used_service}
    words = user.user_name.lower().replace("_", "-").split("-")
    if any(word in _CI_WORDS for word in words) or any(w in user.user_name.lower() for w in ("github", "gitlab")):
        return "an IAM role the CI system assumes through OIDC (no stored key)"
    if "ses" in services or "smtp" in user.user_name.lower():
        return "SES SMTP credentials need an IAM user: declare it in readiness.exceptions"
    if "codecommit" in services:
        return "CodeCommit through the git-remote-codecommit helper with Identity Center or role credentials"
    return "an instance profile or task role if it runs in AWS; IAM Roles Anywhere if it runs outside AWS"


def workloads_of(users: Sequence[tuple[IamUser, IamUserReadiness]]) -> list[WorkloadUser]:
    return [
        WorkloadUser(
            user_name=user.user_name,
            arn=user.arn,
            active_keys=[key.access_key_id for key in user.active_keys],
            last_used_service=next(
                (
                    k.last_used_service
                    for k in sorted(user.active_keys, key=lambda k: k.last_used_date or k.create_date, reverse=True)
                    if k.last_used_service
                ),
                None,
            ),
            replacement=workload_replacement(user),
        )
        for user, readiness in users
        if readiness.user_class == "workload" and readiness.exception is None
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
