"""Checks no public API can answer, listed in every report with console steps instead of being guessed.

IAM Identity Center has no read API for its MFA settings, its identity source type or the access-portal
session length. Centralized root access is readable only from the management account (or an IAM delegated
administrator); ORG-002 checks it when it can, and MANUAL-006 covers the case where it could not. Manual check ids are stable, like rule ids.
"""

from __future__ import annotations

from auditor.findings import ManualCheck
from auditor.remediation import actions
from auditor.rules._common import CENTRALIZED_ROOT_ACCESS, IDC_IDENTITY_SOURCE, IDC_MFA, IDC_USER_SESSIONS

_MFA_SETTINGS = (
    "Open the IAM Identity Center console in the Identity Center home region (as the management account or "
    "the delegated administrator)."
)

MANUAL_CHECKS: list[ManualCheck] = [
    ManualCheck(
        id="MANUAL-001",
        title="Identity Center asks for MFA at sign-in",
        rationale=(
            "Identity Center users reach every account of the organization with one sign-in, so that sign-in "
            "must require a second factor. 'Every time they sign in (always-on)' is the strictest; 'Only when "
            "their sign-in context changes (context-aware)' is an acceptable balance. 'Never (disabled)' "
            "leaves the whole organization behind a password."
        ),
        steps=[
            _MFA_SETTINGS,
            "Go to Settings > Authentication tab > Multi-factor authentication and choose Configure.",
            "Check 'Prompt users for MFA': it must be 'Every time they sign in (always-on)' or 'Only when their "
            "sign-in context changes (context-aware)', never 'Never (disabled)'.",
            "If you use an external identity provider, confirm that the provider enforces MFA instead.",
        ],
        references=[IDC_MFA],
    ),
    ManualCheck(
        id="MANUAL-002",
        title="Identity Center allows only strong MFA device types",
        rationale=(
            "Security keys and built-in authenticators (FIDO2 / WebAuthn passkeys) resist phishing; "
            "authenticator apps (TOTP) are acceptable. Keep at least one of them enabled and prefer security "
            "keys for administrators."
        ),
        steps=[
            _MFA_SETTINGS,
            "Go to Settings > Authentication tab > Multi-factor authentication and choose Configure.",
            "Under 'Users can authenticate with these MFA types', keep 'Security keys and built-in "
            "authenticators' enabled (and 'Authenticator apps' if your users need them).",
        ],
        references=[IDC_MFA],
    ),
    ManualCheck(
        id="MANUAL-003",
        title="Identity Center requires MFA registration at sign-in",
        rationale=(
            "Requiring MFA means little if a user without a device is simply let in. New users should be "
            "made to register a device at their first sign-in."
        ),
        steps=[
            _MFA_SETTINGS,
            "Go to Settings > Authentication tab > Multi-factor authentication and choose Configure.",
            "Under 'If a user does not have a registered MFA device', choose 'Require them to register an MFA "
            "device at sign in' (not 'Allow them to sign in').",
            "Keep 'Users can add and manage their own MFA devices' enabled so users can replace a lost device.",
        ],
        references=[IDC_MFA],
    ),
    ManualCheck(
        id="MANUAL-004",
        title="Identity Center identity source fits the organization",
        rationale=(
            "The identity source decides where people are created and, more importantly, removed. For a "
            "company, an external identity provider (or Active Directory) means a leaver loses AWS access the "
            "moment they leave the corporate directory; the built-in Identity Center directory suits "
            "individuals and small teams. Users and groups carrying ExternalIds in the inventory were "
            "provisioned from an external provider."
        ),
        steps=[
            _MFA_SETTINGS,
            "Go to Settings > Identity source tab and read 'Identity source' (Identity Center directory, "
            "Active Directory or External identity provider) and 'Provisioning method'.",
            "If your company has a corporate directory and the source is 'Identity Center directory', plan "
            "Actions > Change identity source to your identity provider with automatic (SCIM) provisioning.",
        ],
        references=[IDC_IDENTITY_SOURCE],
    ),
    ManualCheck(
        id="MANUAL-005",
        title="Access-portal session length is bounded",
        rationale=(
            "The access-portal session decides how long a user stays signed in to Identity Center before "
            "signing in (and passing MFA) again; each account session it hands out is bounded separately by "
            "the permission set's session duration (IDC-003, IDC-004). A working day (8 to 12 hours) is a "
            "sensible bound; many days of silent re-authentication is not."
        ),
        steps=[
            _MFA_SETTINGS,
            "Go to Settings > Authentication tab > Session settings and choose Configure.",
            "Check the session duration of user interactive sessions: keep it at a working day or less.",
        ],
        references=[IDC_USER_SESSIONS],
    ),
    ManualCheck(
        id="MANUAL-006",
        title="Centralized root access is enabled (when ORG-002 could not read it)",
        rationale=(
            "ORG-002 checks centralized root access automatically through iam:ListOrganizationsFeatures, "
            "which only the management account or an IAM delegated administrator may call. When the scan "
            "could not call it (see the report's errors), confirm it by hand: with it, member accounts need "
            "no root credentials at all."
        ),
        steps=[
            "Sign in to the management account and open the IAM console > Root access management.",
            "Confirm that both 'Root credentials management' and 'Privileged root actions in member accounts' "
            f"are enabled, or run: {actions.check_centralized_root_access()} (EnabledFeatures must list "
            "RootCredentialsManagement and RootSessions).",
        ],
        references=["CIS AWS Foundations Benchmark v7.0.0 2.1.1", CENTRALIZED_ROOT_ACCESS],
    ),
]
