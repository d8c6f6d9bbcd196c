"""Small helpers the built-in rules share: time arithmetic at the collection time, ARNs, account labels.

Everything here is pure. Two conventions every rule follows:

* **Ages are measured at the inventory's collection time** (``context.as_of``), never at "now".
  "Unused for N days" means *more than* N whole days: last used (or, if never used, created) more than
  ``N`` days before ``as_of``. "Used within N days" is the complement.
* **Unknown is not false.** Facts not collected are ``None``, and rules only fire on facts that are known.
  Facts are read from one field each: the inventory reconciles its sources once, when it is assembled
  (``auditor.inventory.facts``), so no rule re-derives them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta

from auditor.inventory import AccountInventory, IamUser, Inventory, Organization
from auditor.remediation import actions
from auditor.util.timestamps import as_utc

# Public pages the rules cite: every reference a user sees is one they can open. CIS AWS Foundations control ids
# are cited by number (the benchmark needs a free CIS account); Security Hub controls by id and control page.
IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide"
IDC_GUIDE = "https://docs.aws.amazon.com/singlesignon/latest/userguide"

ACCESS_KEYS = f"{IAM_GUIDE}/id_credentials_access-keys.html"
CREDENTIAL_REPORT = f"{IAM_GUIDE}/id_credentials_getting-report.html"
USE_TEMPORARY_CREDENTIALS = f"{IAM_GUIDE}/best-practices.html#bp-users-federation-idp"
ROTATE_CREDENTIALS = f"{IAM_GUIDE}/best-practices.html#rotate-credentials"
REMOVE_UNUSED_CREDENTIALS = f"{IAM_GUIDE}/best-practices.html#remove-credentials"
LEAST_PRIVILEGE = f"{IAM_GUIDE}/best-practices.html#grant-least-privilege"
MFA_SECURITY_KEY = f"{IAM_GUIDE}/id_credentials_mfa_enable_fido.html"
ROOT_BEST_PRACTICES = f"{IAM_GUIDE}/root-user-best-practices.html"
ROOT_TASKS = f"{IAM_GUIDE}/root-user-tasks.html"
ROOT_MFA = f"{IAM_GUIDE}/enable-mfa-for-root.html"
CENTRALIZED_ROOT_ACCESS = f"{IAM_GUIDE}/id_root-user.html#id_root-user-access-management"
ROLE_SESSION_DURATION = f"{IAM_GUIDE}/id_roles_update-role-settings.html#id_roles_update-session-duration"
IDENTITY_CENTER = f"{IDC_GUIDE}/what-is.html"
ENABLE_IDENTITY_CENTER = f"{IDC_GUIDE}/get-set-up-for-idc.html"
ASSIGN_ACCOUNT_ACCESS = f"{IDC_GUIDE}/assignusers.html"
PERMISSION_SETS = f"{IDC_GUIDE}/permissionsets.html"
PERMISSION_SET_SESSION_DURATION = f"{IDC_GUIDE}/howtosessionduration.html"
IDC_DELEGATED_ADMINISTRATION = f"{IDC_GUIDE}/delegated-admin.html"
IDC_MFA = f"{IDC_GUIDE}/enable-mfa.html"
IDC_IDENTITY_SOURCE = f"{IDC_GUIDE}/manage-your-identity-source.html"
IDC_USER_SESSIONS = f"{IDC_GUIDE}/user-interactive-sessions.html"
INVITE_ACCOUNT = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_invites.html"
CLI_SSO = "https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sso.html"
CLI_CONFIG_FILES = "https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html"

# The AWS CLI commands the rules' prose mentions, from the one place commands are written.
SSO_LOGIN = actions.sso_login_hint()
CONFIGURE_SSO = actions.configure_sso_hint()

# CIS 1.21 (v3.0.0) / 1.20 (v5.0.0): IAM users are managed centrally through identity federation or Organizations.
CIS_CENTRAL = ["CIS AWS Foundations Benchmark v3.0.0 1.21", "CIS AWS Foundations Benchmark v5.0.0 1.20"]


def security_hub(control: str) -> list[str]:
    """``AWS Security Hub IAM.3`` and its control page (the id is what Security Hub's console shows)."""
    anchor = control.lower().replace(".", "-")
    return [
        f"AWS Security Hub {control}",
        f"https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#{anchor}",
    ]


SECONDS_PER_DAY = 86400


# ------------------------------------------------------------------------------------------------ text


def paragraphs(*parts: str) -> str:
    """Join separately indented text blocks (a rule's own text plus a shared one) as dedented paragraphs."""
    return "\n\n".join(textwrap.dedent(part).strip() for part in parts)


# ------------------------------------------------------------------------------------------------ time


def age_days(moment: datetime, as_of: datetime) -> int:
    """Whole days from ``moment`` to ``as_of`` (floored; negative if ``moment`` is after ``as_of``)."""
    return int((as_utc(as_of) - as_utc(moment)).total_seconds() // SECONDS_PER_DAY)


def older_than(moment: datetime, as_of: datetime, days: int) -> bool:
    """``moment`` is more than ``days`` days before ``as_of`` (exactly ``days`` days is not older)."""
    return as_utc(as_of) - as_utc(moment) > timedelta(days=days)


def within(moment: datetime, as_of: datetime, days: int) -> bool:
    """``moment`` is at most ``days`` days before ``as_of`` (the complement of :func:`older_than`)."""
    return not older_than(moment, as_of, days)


def unused_for(last_used: datetime | None, created: datetime | None, as_of: datetime, days: int) -> bool | None:
    """Unused for more than ``days``: last use that old, or never used and created that long ago.

    ``None`` when never used and the creation time is unknown: the rule cannot tell, so it must not fire.
    """
    if last_used is not None:
        return older_than(last_used, as_of, days)
    if created is None:
        return None
    return older_than(created, as_of, days)


def iso(moment: datetime | None) -> str | None:
    """A JSON-friendly timestamp for evidence."""
    return as_utc(moment).isoformat() if moment is not None else None


# ------------------------------------------------------------------------------------------------ ARNs


def root_arn(account_id: str) -> str:
    """The account's root principal ARN: used for root findings and, as AWS does in policies, for the account."""
    return f"arn:aws:iam::{account_id}:root"


def account_resource(inventory: Inventory, account_id: str) -> str:
    """How an account-level finding names its resource: the account's Organizations ARN
    (``arn:aws:organizations::<management>:account/o-.../<id>``) when the organization listed it, else the bare
    account id. Never the root principal's ARN, which reads like (and is) the root user."""
    organization = inventory.organization
    if organization is not None:
        for org_account in organization.accounts:
            if org_account.id == account_id:
                return org_account.arn or (
                    f"arn:aws:organizations::{organization.management_account_id}:account/{organization.id}/{account_id}"
                )
    return account_id


def organization_arn(organization: Organization) -> str:
    return organization.arn or (
        f"arn:aws:organizations::{organization.management_account_id}:organization/{organization.id}"
    )


# -------------------------------------------------------------------------------------------- accounts


def account_label(inventory: Inventory, account_id: str | None) -> str:
    """``dev (111122223333)`` when the name is known, the bare id otherwise: for messages."""
    if not account_id:
        return "an unknown account"
    facts = inventory.account_facts(account_id)
    return facts.label if facts is not None else account_id


def accounts_with_users(inventory: Inventory) -> Iterator[tuple[AccountInventory, list[IamUser]]]:
    """Scanned accounts whose IAM users were collected (``users is None`` means unknown: skipped)."""
    for account in inventory.accounts:
        if account.users is not None:
            yield account, account.users
