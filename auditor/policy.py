"""The least-privilege IAM policy for the audit role, derived from the collectors' own operation listing.

Because the collectors refuse any call that ``auditor.collect.operations`` does not list, this policy is
exactly what a scan needs: it cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.operations import iam_actions

ASSUME_ROLE_ACTION = "sts:AssumeRole"


def audit_role_policy(role_name: str = "OrganizationAccountAccessRole") -> dict[str, Any]:
    """One policy for the principal that runs the scan; the member roles need only the read statement."""
    reads = [action for action in iam_actions() if action != ASSUME_ROLE_ACTION]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "IdentityPostureReadOnly", "Effect": "Allow", "Action": reads, "Resource": "*"},
            {
                "Sid": "AssumeAuditRoleInMemberAccounts",
                "Effect": "Allow",
                "Action": ASSUME_ROLE_ACTION,
                "Resource": f"arn:aws:iam::*:role/{role_name}",
            },
        ],
    }
