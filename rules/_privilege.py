"""What "privileged" means: defined once in ``auditor.privilege`` (the readiness stage uses it too), re-exported
here so the rules keep importing it from their own pack."""

from auditor.privilege import (
    PRIVILEGED_MANAGED_POLICIES,
    PrivilegeGrant,
    admin_statements,
    aws_managed_privileged_name,
    grants_evidence,
    permission_set_privilege,
    user_privilege,
)

__all__ = [
    "PRIVILEGED_MANAGED_POLICIES",
    "PrivilegeGrant",
    "admin_statements",
    "aws_managed_privileged_name",
    "grants_evidence",
    "permission_set_privilege",
    "user_privilege",
]
