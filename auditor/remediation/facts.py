"""The facts the actions are filled with, read from inventory records.

A rule passes them as ``Hit.fix_facts`` (they are not evidence of its finding, and are never written to a
report); the migration plan fills the same actions with them. One reading, so a fix block and a plan step say
the same thing about the same user.
"""

from __future__ import annotations

from typing import Any

from auditor.inventory import IamUser


def iam_user_facts(user: IamUser) -> dict[str, Any]:
    """What :func:`auditor.remediation.actions.delete_user` needs: every key (inactive ones too: ``DeleteUser``
    refuses while any remains), the policies and groups, and whether a password, an MFA device or a permissions
    boundary is known to be there (``None``: unknown, so the step is kept)."""
    return {
        "user_name": user.user_name,
        "key_ids": [key.access_key_id for key in user.access_keys],
        "password_enabled": user.password_enabled,
        "mfa_active": user.mfa_active,
        "inline_policy_names": [policy.policy_name for policy in user.inline_policies],
        "policy_arns": [policy.policy_arn for policy in user.attached_policies],
        "group_names": list(user.groups),
        "permissions_boundary_arn": user.permissions_boundary_arn,
    }
