"""Each built-in rule's remediation as console steps, CLI commands and Terraform, filled per finding.

``{field}`` is a fact of the finding (its evidence, ``account_id``, ``account_name``, ``resource_id``) or one a
``derive`` function computes from them; what the finding cannot know (the group to grant, a dedicated
administrator account) is written ``<like-this>`` and left for the reader. Terraform is given where the fix is
configuration a team would keep in code (a session length, an assignment, a delegated administrator); a fix
that only deletes something (a key, a password) has none: delete the block that manages it, if any.
"""

from __future__ import annotations

from typing import Any

from auditor.rule import Facts, FixTemplate
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


def _user_policies(facts: Facts) -> Facts:
    inline = facts.get("inline_policies")
    return {
        "policy_arn": [p.get("policy_arn") for p in _items(facts, "attached_policies")],
        "inline_policy_name": list(inline) if isinstance(inline, list) else [],
    }


def _admin_sources(facts: Facts) -> Facts:
    """USER-005: the administrator policies attached to the user, and the groups that grant them."""
    direct = [p.get("policy_arn") for p in _items(facts, "privileged_by") if p.get("source") == "attached to user"]
    groups = [
        str(p.get("source")).removeprefix("attached to group ").strip()
        for p in _items(facts, "privileged_by")
        if str(p.get("source", "")).startswith("attached to group ")
    ]
    return {"admin_policy_arn": direct, "admin_group": list(dict.fromkeys(groups))}


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

RETIRE_USER_CLI = (
    "aws iam list-access-keys --user-name {user_name}",
    "aws iam delete-login-profile --user-name {user_name}",
    "aws iam delete-access-key --user-name {user_name} --access-key-id <key-id-from-the-list>",
    "aws iam delete-user --user-name {user_name}",
)
RETIRE_USER_CONSOLE = (
    "Give the person an IAM Identity Center user in a group whose permission set covers what {user_name} can do, "
    "and check they can work through the access portal and `aws sso login`.",
    "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Delete.",
)
ASSUME_ROOT = (
    "aws sts assume-root --target-principal {account_id} "
    "--task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
)


def _deactivate_and_delete(key: str) -> tuple[str, ...]:
    return (
        f"aws iam update-access-key --user-name {{user_name}} --access-key-id {{{key}}} --status Inactive",
        f"aws iam delete-access-key --user-name {{user_name}} --access-key-id {{{key}}}",
    )


def _permission_set_duration(duration: str) -> FixTemplate:
    return FixTemplate(
        console=(
            "IAM Identity Center console > Multi-account permissions > Permission sets > {permission_set_name} > "
            f"Edit > Session duration: {duration}.",
            "Save, then re-provision the set to its accounts (the console offers it after the edit).",
        ),
        cli=(
            "aws sso-admin update-permission-set --instance-arn {instance_arn} "
            f"--permission-set-arn {{permission_set_arn}} --session-duration {duration}",
            "aws sso-admin provision-permission-set --instance-arn {instance_arn} "
            "--permission-set-arn {permission_set_arn} --target-type ALL_PROVISIONED_ACCOUNTS",
        ),
        terraform=f"""
resource "aws_ssoadmin_permission_set" "this" {{
  instance_arn     = "{{instance_arn}}"
  name             = "{{permission_set_name}}"
  session_duration = "{duration}"
}}
""",
        derive=instance_arn,
    )


# ------------------------------------------------------------------------------------------------ access keys

KEY_REPLACE = FixTemplate(
    console=(
        "Find what uses {access_key_id}: CloudTrail > Event history, filter by AWS access key = {access_key_id}.",
        "Move it to short-lived credentials: a person to `aws configure sso` / `aws sso login`, a workload to an "
        "IAM role (instance profile, task role, OIDC federation for CI).",
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Security credentials > "
        "{access_key_id} > Deactivate; once nothing breaks, Delete.",
    ),
    cli=_deactivate_and_delete("access_key_id"),
)
KEY_ROTATE = FixTemplate(
    console=(
        "Best: replace the key (KEY-001). If it must stay for now: IAM console (account {account_name}, "
        "{account_id}) > Users > {user_name} > Security credentials > Create access key.",
        "Deploy the new key wherever {access_key_id} is used, then deactivate and delete {access_key_id}.",
    ),
    cli=("aws iam create-access-key --user-name {user_name}", *_deactivate_and_delete("access_key_id")),
)
KEY_UNUSED = FixTemplate(
    console=(
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Security credentials > "
        "{access_key_id} > Deactivate.",
        "Wait to see that nothing breaks, then Delete.",
    ),
    cli=_deactivate_and_delete("access_key_id"),
)
KEY_TWO_ACTIVE = FixTemplate(
    console=(
        "Compare the last-used dates: {keep_key_id} is the one in use, {retire_key_id} the one to retire.",
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Security credentials > "
        "{retire_key_id} > Deactivate, then Delete.",
    ),
    cli=_deactivate_and_delete("retire_key_id"),
    derive=_retire_key,
)
KEY_SETUP = FixTemplate(
    console=(
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Security credentials > "
        "{access_key_id} > Delete (it was never used, so nothing depends on it).",
        "When creating users, leave programmatic access off; people use `aws sso login`.",
    ),
    cli=("aws iam delete-access-key --user-name {user_name} --access-key-id {access_key_id}",),
)

# ------------------------------------------------------------------------------------------------ users

USER_PASSWORD = FixTemplate(
    console=(
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Security credentials > "
        "Console sign-in > Disable console access.",
        *RETIRE_USER_CONSOLE,
    ),
    cli=("aws iam delete-login-profile --user-name {user_name}", *RETIRE_USER_CLI[1:]),
)
USER_NO_MFA = FixTemplate(
    console=(
        "Until {user_name} is migrated: IAM console (account {account_name}, {account_id}) > Users > {user_name} > "
        "Security credentials > Assign MFA device (prefer a passkey or security key).",
        "Or, if {user_name} does not need the console, remove the password (CLI below).",
        *RETIRE_USER_CONSOLE,
    ),
    cli=("aws iam delete-login-profile --user-name {user_name}", *RETIRE_USER_CLI[1:]),
)
USER_DIRECT_POLICIES = FixTemplate(
    console=(
        "Put {user_name} in a group that carries the policy (or better, an Identity Center group with a matching "
        "permission set).",
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Permissions > Remove.",
    ),
    cli=(
        "aws iam add-user-to-group --group-name <group-name> --user-name {user_name}",
        "aws iam detach-user-policy --user-name {user_name} --policy-arn {policy_arn}",
        "aws iam delete-user-policy --user-name {user_name} --policy-name {inline_policy_name}",
    ),
    derive=_user_policies,
)
USER_ADMIN = FixTemplate(
    console=(
        "Give the person administrator access through an Identity Center permission set assigned to a group.",
        "IAM console (account {account_name}, {account_id}) > Users > {user_name} > Permissions: remove "
        "the administrator policy or the group that grants it; then retire the user.",
        *RETIRE_USER_CONSOLE[1:],
    ),
    cli=(
        "aws iam detach-user-policy --user-name {user_name} --policy-arn {admin_policy_arn}",
        "aws iam remove-user-from-group --group-name {admin_group} --user-name {user_name}",
        *RETIRE_USER_CLI,
    ),
    derive=_admin_sources,
)
USER_IN_MANAGEMENT = FixTemplate(
    console=(
        "Assign the people who need the management account an Identity Center permission set there; move "
        "automation to a member account or an IAM role.",
        *RETIRE_USER_CONSOLE,
    ),
    cli=RETIRE_USER_CLI,
)

# ------------------------------------------------------------------------------------------------ root

ROOT_KEYS = FixTemplate(
    console=(
        "Sign in to account {account_name} ({account_id}) as the root user > account menu > Security credentials "
        "> Access keys > Actions > Deactivate, then Delete.",
        "Or, with centralized root access (ORG-002), from the management account with the CLI below (run the "
        "last two commands with the credentials assume-root returns).",
    ),
    cli=(
        ASSUME_ROOT,
        "aws iam list-access-keys",
        "aws iam delete-access-key --access-key-id <root-key-id-from-the-list>",
    ),
)
ROOT_MFA = FixTemplate(
    console=(
        "Sign in to account {account_name} ({account_id}) as the root user > account menu > Security credentials "
        "> Multi-factor authentication (MFA) > Assign MFA device: a passkey or security key; register a second one.",
        "For a member account, better: remove the root password altogether (CLI below, with centralized root "
        "access enabled, ORG-002).",
    ),
    cli=(ASSUME_ROOT, "aws iam delete-login-profile"),
)
ROOT_HARDWARE_MFA = FixTemplate(
    console=(
        "Sign in to account {account_name} ({account_id}) as the root user > account menu > Security credentials "
        '> Assign MFA device > "Passkey or security key"; register a second key, then remove the virtual device.',
    ),
)
ROOT_USED = FixTemplate(
    console=(
        "In account {account_name} ({account_id}): CloudTrail > Event history, filter User name = root (console "
        "sign-ins are recorded in us-east-1): find who used root and why.",
        "Give that person or workload an Identity Center permission set or a role for the task; delete any root "
        "access keys (ROOT-001); keep the root password and MFA device in a safe.",
    ),
    cli=(
        "aws cloudtrail lookup-events --region us-east-1 --lookup-attributes AttributeKey=Username,AttributeValue=root",
        "aws sts assume-root --target-principal {account_id} "
        "--task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials",
    ),
)

# ------------------------------------------------------------------------------------------------ organization

ORG_INVITE = FixTemplate(
    console=(
        "From the organization's management account: AWS Organizations > AWS accounts > Add an AWS account > "
        "Invite an existing AWS account: {account_id}.",
        "In account {account_name} ({account_id}): AWS Organizations > Invitations > Accept.",
    ),
    cli=(
        "aws organizations invite-account-to-organization --target Id={account_id},Type=ACCOUNT",
        "aws organizations accept-handshake --handshake-id <handshake-id>",
    ),
)
ORG_ROOT_ACCESS = FixTemplate(
    console=(
        "Management account {account_name} ({account_id}): IAM > Root access management > Enable: select "
        '"Root credentials management" and "Privileged root actions in member accounts".',
        "Then delete the member accounts' root credentials (ROOT-001, ROOT-002): enabling does not delete them.",
    ),
    cli=(
        "aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
        "aws iam enable-organizations-root-credentials-management",
        "aws iam enable-organizations-root-sessions",
    ),
    terraform="""
resource "aws_iam_organizations_features" "this" {
  enabled_features = ["RootCredentialsManagement", "RootSessions"]
}
""",
)

# ------------------------------------------------------------------------------------------------ Identity Center

IDC_ENABLE = FixTemplate(
    console=(
        "Management account {account_id}: IAM Identity Center console > Enable > Enable with AWS Organizations, in "
        "the region you want as its home region.",
        "Then choose the identity source (MANUAL-004), require MFA (MANUAL-001..003), delegate administration "
        "(IDC-007), create groups and permission sets, and assign them to accounts (IDC-002).",
    ),
)
IDC_ASSIGN = FixTemplate(
    console=(
        "IAM Identity Center console > Multi-account permissions > AWS accounts > {account_name} ({account_id}) > "
        "Assign users or groups > a group > a permission set > Submit.",
        "Then move the account's IAM users to Identity Center users in that group and delete them (USER-*).",
    ),
    cli=(
        "aws sso-admin create-account-assignment --instance-arn {instance_arn} --target-id {account_id} "
        "--target-type AWS_ACCOUNT --permission-set-arn <permission-set-arn> --principal-type GROUP "
        "--principal-id <group-id>",
    ),
    terraform="""
resource "aws_ssoadmin_account_assignment" "this" {
  instance_arn       = "{instance_arn}"
  target_id          = "{account_id}"
  target_type        = "AWS_ACCOUNT"
  permission_set_arn = "<permission-set-arn>"
  principal_type     = "GROUP"
  principal_id       = "<group-id>"
}
""",
    derive=instance_arn,
)
IDC_PRIVILEGED_SESSION = FixTemplate(
    console=(
        "IAM Identity Center console > Multi-account permissions > Permission sets > {permission_set_name} > Edit "
        "> Session duration: {privileged_session_max} or less.",
        "Save, then re-provision the set to its accounts.",
    ),
    cli=(
        "aws sso-admin update-permission-set --instance-arn {instance_arn} --permission-set-arn {permission_set_arn} "
        "--session-duration {privileged_session_max}",
        "aws sso-admin provision-permission-set --instance-arn {instance_arn} "
        "--permission-set-arn {permission_set_arn} --target-type ALL_PROVISIONED_ACCOUNTS",
    ),
    terraform="""
resource "aws_ssoadmin_permission_set" "this" {
  instance_arn     = "{instance_arn}"
  name             = "{permission_set_name}"
  session_duration = "{privileged_session_max}"
}
""",
    derive=instance_arn,
)
IDC_SHORT_SESSION = _permission_set_duration("PT8H")
IDC_ADMIN_IN_PRODUCTION = FixTemplate(
    console=(
        "Review who needs {permission_set_name} in {account_name} ({account_id}); give daily work a narrower "
        "permission set and keep administrator access for a small, reviewed group.",
        "IAM Identity Center console > Multi-account permissions > AWS accounts > {account_name} > Users and "
        "groups > remove the {permission_set_name} assignment.",
    ),
    cli=(
        "aws sso-admin delete-account-assignment --instance-arn {instance_arn} --target-id {account_id} "
        "--target-type AWS_ACCOUNT --permission-set-arn {permission_set_arn} --principal-type {principal_type} "
        "--principal-id {principal_id}",
    ),
    derive=_principals,
)
IDC_USER_ASSIGNMENT = FixTemplate(
    console=(
        "IAM Identity Center console > Groups > create (or reuse) a group for the job; add {user_name}.",
        "Multi-account permissions > AWS accounts > each account where {user_name} has {permission_set_name} > "
        "assign the group the same permission set, then remove the direct user assignment.",
    ),
    cli=(
        "aws sso-admin list-account-assignments-for-principal --instance-arn {instance_arn} "
        "--principal-id {principal_id} --principal-type USER",
        "aws sso-admin create-account-assignment --instance-arn {instance_arn} --target-id <account-id> "
        "--target-type AWS_ACCOUNT --permission-set-arn {permission_set_arn} --principal-type GROUP "
        "--principal-id <group-id>",
        "aws sso-admin delete-account-assignment --instance-arn {instance_arn} --target-id <account-id> "
        "--target-type AWS_ACCOUNT --permission-set-arn {permission_set_arn} --principal-type USER "
        "--principal-id {principal_id}",
    ),
    derive=instance_arn,
)
IDC_DELEGATE = FixTemplate(
    console=(
        "Management account {management_account_id}: IAM Identity Center console > Settings > Management > "
        "Delegated administrator > Register account: a dedicated security or identity account.",
    ),
    cli=(
        "aws organizations register-delegated-administrator --account-id <member-account-id> "
        "--service-principal sso.amazonaws.com",
    ),
    terraform="""
resource "aws_organizations_delegated_administrator" "identity_center" {
  account_id        = "<member-account-id>"
  service_principal = "sso.amazonaws.com"
}
""",
)

# ------------------------------------------------------------------------------------------------ roles

ROLE_SESSION = FixTemplate(
    console=(
        "IAM console (account {account_name}, {account_id}) > Roles > {role_name} > Summary > Maximum session "
        "duration > Edit: {role_session_max} or less.",
        "Callers asking for longer sessions (DurationSeconds) then get an error and must ask for less.",
    ),
    cli=("aws iam update-role --role-name {role_name} --max-session-duration {max_session_seconds}",),
    terraform="""
resource "aws_iam_role" "this" {
  name                 = "{role_name}"
  max_session_duration = {max_session_seconds}
}
""",
    derive=_role_seconds,
)

# ------------------------------------------------------------------------------------------------ keys outside AWS

_USER_FROM_KEY = "<user-name-from-get-caller-identity>"

LOCAL_FILE_KEY = FixTemplate(
    console=(
        "Find whose key it is: `aws sts get-caller-identity --profile {profile}` prints the IAM user's ARN "
        "(account and user name).",
        "Move the profile to IAM Identity Center: `aws configure sso --profile {profile}` writes it on the "
        "[sso-session] form; then `aws sso login --profile {profile}`.",
        "Delete the aws_access_key_id and aws_secret_access_key lines of [{profile}] in {file} (line {line}).",
        f"IAM console > Users > {_USER_FROM_KEY} > Security credentials > {{key_id}} > Deactivate; once nothing "
        "breaks, Delete.",
    ),
    cli=(
        "aws sts get-caller-identity --profile {profile}",
        "aws configure sso --profile {profile}",
        f"aws iam update-access-key --user-name {_USER_FROM_KEY} --access-key-id {{key_id}} --status Inactive",
        f"aws iam delete-access-key --user-name {_USER_FROM_KEY} --access-key-id {{key_id}}",
    ),
)
LOCAL_PROFILE_FORM = FixTemplate(
    console=(
        "Run `aws configure sso --profile {profile}`: it rewrites the profile to point at a shared [sso-session] "
        "section (sso_session, sso_account_id, sso_role_name).",
        "Remove the profile's old sso_start_url and sso_region lines, or its static keys, from {file} (section "
        "[{profile}], line {line}).",
        "One sign-in then serves every profile of the session: `aws sso login --sso-session <session-name>`.",
    ),
    cli=(
        "aws configure sso --profile {profile}",
        "aws sso login --profile {profile}",
    ),
)
SOURCE_KEY = FixTemplate(
    console=(
        "Treat {key_id} as compromised, whatever happens to this change: `aws sts get-access-key-info "
        "--access-key-id {key_id}` names its account, and CloudTrail > Event history filtered by access key "
        "{key_id} shows its user and what it did.",
        "Deactivate it at once (IAM console > Users > <user-name> > Security credentials > {key_id} > "
        "Deactivate), look for use you do not recognise, then Delete.",
        "Remove it from {file} (line {line}, column {column}); load credentials from the environment instead "
        "(`aws sso login` for people, an IAM role for workloads). Rewriting git history does not un-publish a "
        "key that was pushed: deactivate first.",
    ),
    cli=(
        "aws sts get-access-key-info --access-key-id {key_id}",
        "aws iam update-access-key --user-name <user-name> --access-key-id {key_id} --status Inactive",
        "aws iam delete-access-key --user-name <user-name> --access-key-id {key_id}",
    ),
)
