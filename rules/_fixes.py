"""Each built-in rule's fix: the actions it takes, in an order AWS accepts, and the advice around them.

Every console step, CLI line and Terraform block of an action comes from ``auditor.remediation.actions``; this
module only says which actions a rule's fix is made of, adds the narrative a person needs around them (what to
check first, what to keep), and derives facts the actions use from the finding's (e.g. the instance ARN inside
a permission set ARN). No AWS CLI text is written here.
"""

from __future__ import annotations

from typing import Any

from auditor.remediation import actions
from auditor.remediation.aws_commands import field
from auditor.remediation.template import Facts, FixTemplate, Line, TemplateLine, compose, only_when
from auditor.rules._common import CONFIGURE_SSO, SSO_LOGIN
from auditor.util.isoduration import parse_duration

# ------------------------------------------------------------------------------------------------ derived facts


def _items(facts: Facts, key: str) -> list[dict[str, Any]]:
    value = facts.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def instance_arn(facts: Facts) -> Facts:
    """The Identity Center instance ARN, from the fact that has it or from inside a permission set ARN."""
    for key in ("instance_arn", "identity_center_instance_arn"):
        if facts.get(key):
            return {"instance_arn": facts[key]}
    ps_arn = str(facts.get("permission_set_arn") or "")
    instance = next((part for part in ps_arn.split("/") if part.startswith("ssoins-")), None)
    return {"instance_arn": f"arn:aws:sso:::instance/{instance}"} if instance else {}


def _retire_key(facts: Facts) -> Facts:
    """KEY-004: the key to retire is the one used least recently (never used counts as least)."""
    keys = _items(facts, "active_keys")
    if not keys:
        return {}
    keys.sort(key=lambda k: (k.get("last_used") not in (None, "unknown"), str(k.get("last_used") or "")))
    return {"retire_key_id": keys[0].get("access_key_id"), "keep_key_id": keys[-1].get("access_key_id")}


def _admin_sources(facts: Facts) -> Facts:
    """USER-005: the administrator policies attached to the user and the groups that grant them, and what else
    the user holds (removed afterwards, when the user is deleted, without repeating a step)."""
    direct = [p.get("policy_arn") for p in _items(facts, "privileged_by") if p.get("source") == "attached to user"]
    groups = [
        str(p.get("source")).removeprefix("attached to group ").strip()
        for p in _items(facts, "privileged_by")
        if str(p.get("source", "")).startswith("attached to group ")
    ]
    groups = list(dict.fromkeys(groups))
    policy_arns = facts.get("policy_arns")
    group_names = facts.get("group_names")
    return {
        "admin_policy_arn": direct,
        "admin_group": groups,
        "other_policy_arns": [arn for arn in policy_arns if arn not in direct]
        if isinstance(policy_arns, list)
        else None,
        "other_group_names": [g for g in group_names if g not in groups] if isinstance(group_names, list) else None,
    }


def _principals(facts: Facts) -> Facts:
    principals = _items(facts, "principals")
    return {
        **instance_arn(facts),
        "principal_type": [p.get("principal_type") for p in principals],
        "principal_id": [p.get("principal_id") for p in principals],
    }


def _role_seconds(facts: Facts) -> Facts:
    try:
        return {"max_session_seconds": parse_duration(str(facts.get("role_session_max")))}
    except (TypeError, ValueError):
        return {}


# ------------------------------------------------------------------------------------------------ shared parts

MIGRATE_FIRST = (
    "Give the person an IAM Identity Center user in a group whose permission set covers what {user_name} can do, "
    f"and check they can work through the access portal and `{SSO_LOGIN}`."
)
TO_SHORT_LIVED = (
    f"Move it to short-lived credentials: a person to `{CONFIGURE_SSO}` / `{SSO_LOGIN}`, a workload to an IAM role "
    "(instance profile, task role, OIDC federation for CI)."
)
ROOT_SESSION = (
    "Or, with centralized root access (ORG-002), from the management account with the CLI below: assume-root, then "
    "run the next command with the credentials it returns."
)


def _retire_user(
    console: tuple[TemplateLine, ...], *first: FixTemplate, login_profile_deleted: bool = False
) -> FixTemplate:
    """``first`` (the finding's own fix), then the user deleted with everything AWS requires gone first."""
    return compose(*first, actions.delete_user(with_login_profile=not login_profile_deleted), console=console)


# ------------------------------------------------------------------------------------------------ access keys

_DEACTIVATE_THEN_DELETE = "Once nothing breaks, Delete it on the same page."

KEY_REPLACE = compose(
    actions.find_key_use(),
    actions.deactivate_key(),
    actions.delete_key(),
    console=(
        *actions.find_key_use().console,
        TO_SHORT_LIVED,
        *actions.deactivate_key().console,
        _DEACTIVATE_THEN_DELETE,
    ),
)
_NEW_KEY = only_when(actions.create_key(), "key_slot_free")  # AWS allows two keys per user
KEY_ROTATE = compose(
    _NEW_KEY,
    actions.deactivate_key(),
    actions.delete_key(),
    console=(
        "Best: replace the key (KEY-001). If it must stay for now, create a second one:",
        *_NEW_KEY.console,
        Line(
            "{user_name} already has a second key, {other_key_id} (AWS allows two): use it, or delete it first (KEY-004).",
            when="other_key_id",
        ),
        "Deploy the new key wherever {access_key_id} is used, then deactivate and delete {access_key_id}.",
    ),
)
KEY_UNUSED = compose(
    actions.deactivate_key(),
    actions.delete_key(),
    console=(*actions.deactivate_key().console, "Wait to see that nothing breaks, then Delete."),
)
KEY_TWO_ACTIVE = compose(
    actions.deactivate_key(field("retire_key_id")),
    actions.delete_key(field("retire_key_id")),
    console=(
        "Compare the last-used dates: {keep_key_id} is the one in use, {retire_key_id} the one to retire.",
        *actions.deactivate_key(field("retire_key_id")).console,
        _DEACTIVATE_THEN_DELETE,
    ),
    derive=_retire_key,
)
KEY_SETUP = compose(
    actions.delete_key(),
    console=(
        *actions.delete_key().console,
        "It was never used, so nothing depends on it. When creating users, leave programmatic access off; people "
        f"use `{SSO_LOGIN}`.",
    ),
)

# ------------------------------------------------------------------------------------------------ users

USER_PASSWORD = _retire_user(
    (*actions.remove_console_password().console, MIGRATE_FIRST, *actions.delete_user().console),
    actions.remove_console_password(),
    login_profile_deleted=True,
)
USER_NO_MFA = _retire_user(
    (
        "Until {user_name} is migrated: IAM console (account {account_name}, {account_id}) > Users > {user_name} > "
        "Security credentials > Assign MFA device (prefer a passkey or security key).",
        "Or, if {user_name} does not need the console, remove the password (the first CLI line).",
        MIGRATE_FIRST,
        *actions.delete_user().console,
    ),
    actions.remove_console_password(),
    login_profile_deleted=True,
)
USER_DIRECT_POLICIES = compose(
    actions.add_to_group(),
    actions.detach_user_policies(field("policy_arns")),
    actions.delete_user_inline_policies(field("inline_policy_names")),
    console=(
        "Put {user_name} in a group that carries the policy (or better, an Identity Center group with a matching "
        "permission set).",
        *actions.detach_user_policies().console,
    ),
)
USER_ADMIN = compose(
    actions.detach_user_policies(field("admin_policy_arn")),
    actions.remove_from_groups(field("admin_group")),
    actions.delete_user(policies=field("other_policy_arns"), groups=field("other_group_names")),
    console=(
        "Give the person administrator access through an Identity Center permission set assigned to a group.",
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Permissions: remove the "
        "administrator policy or the group that grants it; then retire the user.",
        *actions.delete_user().console,
    ),
    derive=_admin_sources,
)
USER_IN_MANAGEMENT = _retire_user(
    (
        "Assign the people who need the management account an Identity Center permission set there; move "
        "automation to a member account or an IAM role.",
        MIGRATE_FIRST,
        *actions.delete_user().console,
    ),
)

# ------------------------------------------------------------------------------------------------ root

ROOT_KEYS = compose(
    actions.assume_root("IAMDeleteRootUserCredentials"),
    actions.delete_root_keys(),
    console=(*actions.delete_root_keys().console, ROOT_SESSION),
)
ROOT_MFA = compose(
    actions.assume_root("IAMDeleteRootUserCredentials"),
    actions.delete_root_password(),
    console=(
        "Sign in to account {account_name} ({account_id}) as the root user > account menu > Security credentials "
        "> Multi-factor authentication (MFA) > Assign MFA device: a passkey or security key; register a second one.",
        "For a member account, better: remove the root password altogether (CLI below, with centralized root "
        "access enabled, ORG-002).",
    ),
)
ROOT_HARDWARE_MFA = FixTemplate(
    console=(
        "Sign in to account {account_name} ({account_id}) as the root user > account menu > Security credentials "
        '> Assign MFA device > "Passkey or security key"; register a second key, then remove the virtual device.',
    ),
)
ROOT_USED = compose(
    actions.find_root_use(),
    actions.assume_root("IAMAuditRootUserCredentials"),
    console=(
        *actions.find_root_use().console,
        "Give that person or workload an Identity Center permission set or a role for the task; delete any root "
        "access keys (ROOT-001); keep the root password and MFA device in a safe.",
    ),
)

# ------------------------------------------------------------------------------------------------ organization

ORG_INVITE = actions.invite_to_organization()
ORG_ROOT_ACCESS = compose(
    actions.enable_centralized_root_access(),
    console=(
        *actions.enable_centralized_root_access().console,
        "Then delete the member accounts' root credentials (ROOT-001, ROOT-002): enabling does not delete them.",
    ),
)

# ------------------------------------------------------------------------------------------------ Identity Center

IDC_ENABLE = FixTemplate(
    console=(
        "Management account {account_id}: IAM Identity Center console > Enable > Enable with AWS Organizations, in "
        "the region you want as its home region (an organization instance: the CLI can create only account "
        "instances).",
        "Then choose the identity source (MANUAL-004), require MFA (MANUAL-001..003), delegate administration "
        "(IDC-007), create groups and permission sets, and assign them to accounts (IDC-002).",
    ),
)
IDC_ASSIGN = compose(
    actions.assign_group(),
    console=(
        *actions.assign_group().console,
        "Then move the account's IAM users to Identity Center users in that group and delete them (USER-*).",
    ),
    derive=instance_arn,
)
IDC_PRIVILEGED_SESSION = compose(actions.set_session_duration(field("privileged_session_max")), derive=instance_arn)
IDC_SHORT_SESSION = compose(actions.set_session_duration("PT8H"), derive=instance_arn)
IDC_ADMIN_IN_PRODUCTION = compose(
    actions.remove_assignments(),
    console=(
        "Review who needs {permission_set_name} in {account_name} ({account_id}); give daily work a narrower "
        "permission set and keep administrator access for a small, reviewed group.",
        *actions.remove_assignments().console,
    ),
    derive=_principals,
)
IDC_USER_ASSIGNMENT = compose(actions.move_user_assignments_to_group(), derive=instance_arn)
IDC_DELEGATE = actions.delegate_identity_center_administration()

# ------------------------------------------------------------------------------------------------ roles

ROLE_SESSION = compose(
    actions.set_role_session(),
    console=(
        *actions.set_role_session().console,
        "Callers asking for longer sessions (DurationSeconds) then get an error and must ask for less.",
    ),
    derive=_role_seconds,
)

# ------------------------------------------------------------------------------------------------ keys outside AWS

_KEY_PAGE = "IAM console > Users > " + actions.USER_OF_KEY

LOCAL_FILE_KEY = compose(
    actions.identify_profile_key(),
    actions.move_profile_to_sso(),
    actions.deactivate_key(field("key_id"), actions.USER_OF_KEY, _KEY_PAGE),
    actions.delete_key(field("key_id"), actions.USER_OF_KEY, _KEY_PAGE),
    console=(
        *actions.identify_profile_key().console,
        *actions.move_profile_to_sso().console,
        "Delete the aws_access_key_id and aws_secret_access_key lines of [{profile}] in {file} (line {line}).",
        *actions.deactivate_key(field("key_id"), actions.USER_OF_KEY, _KEY_PAGE).console,
        _DEACTIVATE_THEN_DELETE,
    ),
)
LOCAL_PROFILE_FORM = compose(
    actions.move_profile_to_sso(),
    actions.sign_in_with_profile(),
    console=(
        *actions.move_profile_to_sso().console,
        "Remove the profile's old sso_start_url and sso_region lines, or its static keys, from {file} (section "
        "[{profile}], line {line}).",
        "One sign-in then serves every profile of the session.",
    ),
)
SOURCE_KEY = compose(
    actions.identify_key(),
    actions.deactivate_key(field("key_id"), "<user-name>", "IAM console > Users > <user-name>"),
    actions.delete_key(field("key_id"), "<user-name>", "IAM console > Users > <user-name>"),
    console=(
        "Treat {key_id} as compromised, whatever happens to this change: the first CLI line names its account, and "
        "CloudTrail > Event history filtered by access key {key_id} shows its user and what it did.",
        *actions.deactivate_key(field("key_id"), "<user-name>", "IAM console > Users > <user-name>").console,
        "Look for use you do not recognise, then Delete.",
        "Remove it from {file} (line {line}, column {column}); load credentials from the environment instead "
        f"(`{SSO_LOGIN}` for people, an IAM role for workloads). Rewriting git history does not un-publish a "
        "key that was pushed: deactivate first.",
    ),
)
