"""AWS Organizations rules (ORG-001, ORG-002).

Account-level findings use ``resource_type`` ``AWS::Organizations::Account`` and the account's principal
ARN ``arn:aws:iam::<account>:root`` as ``resource_id``: it exists whether or not the account belongs to an
organization, so a finding keeps its fingerprint when the account joins or leaves one. Organization-level
findings use ``AWS::Organizations::Organization`` and the organization ARN, in the management account.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.inventory import Inventory
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import (
    CENTRALIZED_ROOT_ACCESS,
    CIS_CENTRAL,
    ENABLE_IDENTITY_CENTER,
    INVITE_ACCOUNT,
    account_label,
    account_resource,
    organization_arn,
)

CENTRALIZED_ROOT_FEATURES = ("RootCredentialsManagement", "RootSessions")


@rule(
    id="ORG-001",
    fix=fixes.ORG_INVITE,
    title="Account not in an AWS Organization",
    severity="medium",
    area="organization",
    rationale="""
        IAM Identity Center hands out short-lived credentials to the accounts of one organization. A
        stand-alone account cannot be reached that way, so the people who work in it keep IAM users,
        passwords and long-lived access keys, and its root user cannot be managed centrally. The migration
        starts here: create (or join) an organization first, then enable Identity Center on top of it.
    """,
    remediation="""
        From the organization's management account, invite the account: AWS Organizations console > AWS
        accounts > Add an AWS account > Invite an existing AWS account, then accept the invitation in the
        invited account (AWS Organizations console > Invitations, or the link in the e-mail): the fix's second
        command runs there. If there is no organization yet, create one (AWS Organizations console > Create an
        organization, all features) in the account that will be the management account. Then assign Identity Center access to the account (IDC-002) and retire its IAM users.
    """,
    references=[*CIS_CENTRAL, INVITE_ACCOUNT, ENABLE_IDENTITY_CENTER],
)
def account_not_in_organization(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires for a scanned account that read its own organization membership and has none
    (`in_organization` = false; `DescribeOrganization` answered "not in use"). Unknown membership: no finding."""
    for account in inventory.accounts:
        if account.in_organization is not False:
            continue
        yield Hit(
            account_id=account.account_id,
            resource_type="AWS::Organizations::Account",
            resource_id=account_resource(inventory, account.account_id),
            message=f"Account {account_label(inventory, account.account_id)} is not a member of any AWS Organization.",
            evidence={"in_organization": False, "collected_via": account.collected_via},
        )


@rule(
    id="ORG-002",
    fix=fixes.ORG_ROOT_ACCESS,
    title="Centralized root access not enabled",
    severity="medium",
    area="organization",
    rationale="""
        Centralized root access (IAM, since November 2024) has two parts. RootCredentialsManagement lets the
        management account delete and audit the root credentials of member accounts and stops new member
        accounts from getting root credentials at all. RootSessions lets it run the few tasks that truly
        need root (unlocking a bucket policy, for example) through short, task-scoped sts:AssumeRoot
        sessions. Together they remove dozens of root passwords, MFA devices and recovery e-mails that
        would otherwise have to be guarded, and they make "root is never used day to day" enforceable.

        When the feature list cannot be read (the call is only allowed from the management account or an
        IAM delegated administrator), the rule does not guess: the report's manual check MANUAL-006 asks
        for a look instead.
    """,
    remediation="""
        Console (management account): IAM > Root access management > Enable, and select both "Root
        credentials management" and "Privileged root actions in member accounts".
        Then delete the root credentials of existing member accounts (ROOT-001, ROOT-002). Enabling the
        feature does not delete them by itself.
    """,
    references=[
        "CIS AWS Foundations Benchmark v7.0.0 2.1.1",
        CENTRALIZED_ROOT_ACCESS,
    ],
)
def centralized_root_access(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Fires when `iam:ListOrganizationsFeatures` was read and its `EnabledFeatures` lack
    `RootCredentialsManagement` or `RootSessions`. Unreadable (None): no finding; manual check MANUAL-006."""
    organization = inventory.organization
    if organization is None or organization.organizations_features is None:
        return
    enabled = list(organization.organizations_features)
    missing = [feature for feature in CENTRALIZED_ROOT_FEATURES if feature not in enabled]
    if not missing:
        return
    yield Hit(
        account_id=organization.management_account_id,
        resource_type="AWS::Organizations::Organization",
        resource_id=organization_arn(organization),
        message=(
            f"Organization {organization.id} (management account "
            f"{account_label(inventory, organization.management_account_id)}) does not have centralized root "
            f"access fully enabled: missing {', '.join(missing)}."
        ),
        evidence={"enabled_features": enabled, "missing_features": missing},
    )
