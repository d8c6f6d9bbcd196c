"""Paths to access that go through an IAM user by name: role trust policies that name the user as a principal.

A person may hold little in their own account and still reach production by assuming a role whose trust policy
names their IAM user (by ARN, or by the unique id AWS writes there once the user is recreated or deleted). Their
Identity Center identity is another principal: delete the IAM user and that path is gone. The roles' trust
policies are in the inventory (``IamRole.trust_policy``), for every account the scan read; an account it did not
read may hold more, which its coverage gap says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.inventory import Inventory

_USER_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:user/")


def roles_trusting_users(inventory: Inventory) -> dict[str, list[str]]:
    """IAM user ARN -> the ARNs of the roles whose trust policy allows that user (sorted, each once)."""
    arn_by_id = {user.user_id: user.arn for account in inventory.accounts for user in account.users or []}
    trusted: dict[str, set[str]] = {}
    for account in inventory.accounts:
        for role in account.roles or []:
            for principal in allowed_aws_principals(role.trust_policy):
                arn = principal if _USER_ARN.match(principal) else arn_by_id.get(principal)
                if arn is not None:
                    trusted.setdefault(arn, set()).add(role.arn)
    return {arn: sorted(roles) for arn, roles in trusted.items()}


def allowed_aws_principals(policy: Mapping[str, Any] | None) -> Iterator[str]:
    """The ``Principal.AWS`` entries of the policy's Allow statements (a string, or a list of strings)."""
    statements = (policy or {}).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, Mapping) else None
        for entry in aws if isinstance(aws, list) else [aws]:
            if isinstance(entry, str):
                yield entry
