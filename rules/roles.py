"""IAM role rules (ROLE-001).

Identity Center's own ``AWSReservedSSO_*`` roles (path ``/aws-reserved/sso.amazonaws.com/``) always have a
12-hour MaxSessionDuration that AWS sets and nobody can change; the permission set's session duration is the
real limit there (IDC-003). Service-linked roles are AWS's to manage. Both are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.inventory import Inventory
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import ROLE_SESSION_DURATION, USE_TEMPORARY_CREDENTIALS, account_label
from auditor.util.isoduration import format_duration


@rule(
    id="ROLE-001",
    fix=fixes.ROLE_SESSION,
    title="Role allows long sessions",
    severity="low",
    area="roles",
    rationale="""
        A role's MaxSessionDuration caps how long credentials from one AssumeRole call stay valid, so it is
        also how long a leaked set of temporary credentials stays useful. Short-lived credentials are the
        point of moving away from access keys; a role that allows 12-hour sessions gives much of that
        back. The default threshold is 4
        hours; raise it in auditor.toml for roles that genuinely run long jobs, or suppress them by ARN.
    """,
    remediation="""
        Lower the role's maximum session duration to what its callers need.
        Console: IAM > Roles > select the role > Summary > Maximum session duration > Edit.
        Callers asking for longer sessions (DurationSeconds) will then get an error and must re-assume the role.
    """,
    references=[ROLE_SESSION_DURATION, USE_TEMPORARY_CREDENTIALS],
    config_keys=("thresholds.role_session_max",),
)
def long_role_sessions(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for each IAM role whose MaxSessionDuration is longer than `role_session_max`, except Identity
    Center reserved roles (path `/aws-reserved/sso.amazonaws.com/`) and service-linked roles. A role whose
    MaxSessionDuration could not be read (ListRoles failed) is skipped."""
    limit = context.thresholds.role_session_max_seconds
    for account in inventory.accounts:
        for role in sorted(account.roles or [], key=lambda r: r.arn):
            if role.is_identity_center_role or role.is_service_linked:
                continue
            if role.max_session_duration is None or role.max_session_duration <= limit:
                continue
            yield Hit(
                account_id=account.account_id,
                resource_type="AWS::IAM::Role",
                resource_id=role.arn,
                message=(
                    f"IAM role {role.role_name} in account {account_label(inventory, account.account_id)} allows "
                    f"{format_duration(role.max_session_duration)} sessions, longer than "
                    f"{context.thresholds.role_session_max}."
                ),
                evidence={
                    "role_name": role.role_name,
                    "path": role.path,
                    "max_session_duration_seconds": role.max_session_duration,
                    "max_session_duration": format_duration(role.max_session_duration),
                    "role_session_max": context.thresholds.role_session_max,
                },
                tags=dict(role.tags),
            )
