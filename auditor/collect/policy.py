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


def member_role_template(role_name: str = "OrganizationAccountAccessRole") -> dict[str, Any]:
    """A CloudFormation template for the read-only role in every member account (deploy it with a StackSet with
    service-managed permissions, so new accounts get it too). Its permissions are the read statement of
    :func:`audit_role_policy`; only the scanning principal, given as a parameter, may assume it."""
    reads = audit_role_policy(role_name)["Statement"][0]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Read-only {role_name} role for the identity posture auditor (from `auditor policy`).",
        "Parameters": {
            "ScannerRoleArn": {
                "Type": "String",
                "Description": "ARN of the role that runs `auditor scan --org` (the CI role in the management or "
                "delegated administrator account)",
            }
        },
        "Resources": {
            "AuditRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role_name,
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": {"Ref": "ScannerRoleArn"}},
                                "Action": ASSUME_ROLE_ACTION,
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "IdentityPostureReadOnly",
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": [reads]},
                        }
                    ],
                },
            }
        },
    }
