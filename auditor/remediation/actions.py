"""Every AWS action the product tells a person to take, its console steps, CLI and Terraform together.

Each function returns a :class:`~auditor.remediation.template.FixTemplate` with ``{fact}`` fields: a rule's fix
composes them (``rules/_fixes.py``) and is filled per finding; the migration plan fills them with a person's
or an account's facts (``auditor.readiness.plan``). Parameters are template text, as in
``auditor.remediation.aws_commands`` (which writes the CLI lines): ``deactivate_key(field("retire_key_id"))``.

Values no inventory knows and the reader must choose are written ``<with-hyphens>`` (the group to grant, a
dedicated administrator account); facts the finding lacks stay ``<field>`` placeholders when filled.
"""

from __future__ import annotations

import shlex

from auditor.remediation import aws_commands as commands
from auditor.remediation.aws_commands import ACCOUNT, USER, field
from auditor.remediation.template import FixTemplate, Line

ACCOUNT_LABEL = "account {account_name}, {account_id}"
USER_PAGE = f"IAM console ({ACCOUNT_LABEL}) > Users > {USER}"
ROOT_SIGN_IN = "Sign in to account {account_name} ({account_id}) as the root user > account menu > Security credentials"
PERMISSION_SET_PAGE = (
    "IAM Identity Center console > Multi-account permissions > Permission sets > {permission_set_name}"
)
ACCOUNT_ASSIGNMENTS_PAGE = "IAM Identity Center console > Multi-account permissions > AWS accounts"
ACCESS_KEY = field("access_key_id")
# Who owns a key found outside AWS (a credentials file, a source tree) is not in the inventory.
USER_OF_KEY = "<user-name-from-get-caller-identity>"

# ------------------------------------------------------------------------------------------- access keys


def deactivate_key(key: str = ACCESS_KEY, user: str = USER, page: str = USER_PAGE) -> FixTemplate:
    """Reversible: ``update-access-key --status Active`` undoes it."""
    return FixTemplate(
        console=(f"{page} > Security credentials > {key} > Deactivate.",),
        cli=(commands.update_access_key("Inactive", user, key),),
    )


def delete_key(key: str = ACCESS_KEY, user: str = USER, page: str = USER_PAGE) -> FixTemplate:
    return FixTemplate(
        console=(f"{page} > Security credentials > {key} > Delete.",),
        cli=(commands.delete_access_key(user, key),),
    )


def create_key() -> FixTemplate:
    return FixTemplate(
        console=(f"{USER_PAGE} > Security credentials > Create access key.",),
        cli=(commands.create_access_key(),),
    )


def reactivate_key(key: str = ACCESS_KEY, user: str = USER) -> FixTemplate:
    """The rollback of :func:`deactivate_key`."""
    return FixTemplate(
        console=(f"{USER_PAGE} > Security credentials > {key} > Activate.",),
        cli=(commands.update_access_key("Active", user, key),),
    )


def find_key_use(key: str = ACCESS_KEY) -> FixTemplate:
    """What a key did lately: CloudTrail's event history (90 days, the region's management events)."""
    return FixTemplate(
        console=(f"CloudTrail > Event history, filter by AWS access key = {key}: what uses it, from where.",),
        cli=(commands.lookup_events("AccessKeyId", key),),
    )


def find_user_use(user: str = USER) -> FixTemplate:
    """What the user did lately, by name: CloudTrail's event history (90 days, the region's management events)."""
    return FixTemplate(
        console=(f"CloudTrail > Event history, filter by User name = {user}.",),
        cli=(commands.lookup_events("Username", user),),
    )


def watch_key(key: str = ACCESS_KEY) -> FixTemplate:
    """After deactivating: the key's last use must not move (an attempt with an inactive key is not recorded as a
    use, so a caller still holding it shows up in its own errors and in CloudTrail, not here)."""
    return FixTemplate(cli=(commands.get_access_key_last_used(key),))


# ------------------------------------------------------------------------------------------- IAM users


def remove_console_password() -> FixTemplate:
    return FixTemplate(
        console=(f"{USER_PAGE} > Security credentials > Console sign-in > Disable console access.",),
        cli=(commands.delete_login_profile(),),
    )


# What a user is left with while being watched: reversible, and stronger than any Allow it holds.
DENY_ALL_POLICY_ARN = "arn:aws:iam::aws:policy/AWSDenyAll"


def deny_all() -> FixTemplate:
    """Attach the AWS managed ``AWSDenyAll`` to the user: every request it makes is denied (an explicit Deny wins),
    yet nothing is deleted. :func:`allow_again` undoes it."""
    return FixTemplate(
        console=(f"{USER_PAGE} > Permissions > Add permissions > Attach policies directly > AWSDenyAll.",),
        cli=(commands.attach_user_policy(DENY_ALL_POLICY_ARN),),
    )


def allow_again() -> FixTemplate:
    """The rollback of :func:`deny_all`."""
    return FixTemplate(cli=(commands.detach_user_policy(DENY_ALL_POLICY_ARN),))


# The password a person types (silently) into a shell variable, for the command on the same line: never printed or
# stored. Plan lines run in a subshell (``aws_commands.in_account``), so the variable ends with the line.
PASSWORD_READ = "read -rs password &&"
PASSWORD = '"$password"'


def restore_console_password() -> FixTemplate:
    """The rollback of :func:`remove_console_password`: a new password the person must change at first sign-in,
    typed by whoever rolls back (nothing prints it)."""
    return FixTemplate(
        console=(f"{USER_PAGE} > Security credentials > Enable console access > Custom password, reset required.",),
        cli=(f"{PASSWORD_READ} {commands.create_login_profile(PASSWORD, reset_required=True)}",),
    )


def detach_user_policies(policy: str = field("policy_arn")) -> FixTemplate:
    """One line per ARN when ``policy`` is a list fact."""
    return FixTemplate(
        console=(f"{USER_PAGE} > Permissions > select the policy > Remove.",),
        cli=(commands.detach_user_policy(policy),),
    )


def delete_user_inline_policies(policy: str = field("inline_policy_name")) -> FixTemplate:
    return FixTemplate(cli=(commands.delete_user_policy(policy),))


def add_to_group(group: str = "<group-name>") -> FixTemplate:
    return FixTemplate(
        console=(f"{USER_PAGE} > Groups > Add user to groups > {group}.",),
        cli=(commands.add_user_to_group(group),),
    )


def remove_from_groups(group: str = field("group_name")) -> FixTemplate:
    return FixTemplate(
        console=(f"{USER_PAGE} > Groups > select the group > Remove.",),
        cli=(commands.remove_user_from_group(group),),
    )


def delete_user(
    *,
    with_login_profile: bool = True,
    policies: str = field("policy_arns"),
    groups: str = field("group_names"),
) -> FixTemplate:
    """``DeleteUser`` with everything it requires gone first, in an order AWS accepts (AWS answers DeleteConflict
    while any remains). Filled with :func:`auditor.remediation.facts.iam_user_facts`: the keys, policies and groups
    the inventory knows are named one per line; what no inventory lists (signing certificates, MFA devices, SSH
    public keys, service-specific credentials) is listed and removed by a loop that does nothing when there is
    none. The console's Delete removes all of it by itself.

    ``with_login_profile`` False when an earlier step of the same fix removed the password; ``policies`` and
    ``groups`` name other list facts when earlier steps detached some policies or left some groups already.
    """
    login_profile = (Line(commands.delete_login_profile(), when="password_enabled", unless_false=True),)
    return FixTemplate(
        console=(
            f"{USER_PAGE} > Delete: the console removes the user's access keys, password, MFA devices, SSH keys, "
            "group memberships and policies with it.",
        ),
        cli=(
            commands.delete_access_key(key=field("key_ids")),
            commands.delete_every_signing_certificate(),
            *(login_profile if with_login_profile else ()),
            Line(commands.delete_every_virtual_mfa_device(), when="mfa_active", unless_false=True),
            Line(commands.deactivate_every_mfa_device(), when="mfa_active", unless_false=True),
            commands.delete_user_policy(field("inline_policy_names")),
            commands.detach_user_policy(policies),
            commands.remove_user_from_group(groups),
            commands.delete_every_ssh_public_key(),
            commands.delete_every_service_specific_credential(),
            Line(commands.delete_user_permissions_boundary(), when="permissions_boundary_arn"),
            commands.delete_user(),
        ),
    )


def tag_user(key: str, value: str) -> FixTemplate:
    return FixTemplate(
        console=(f"{USER_PAGE} > Tags > Add new tag: {key} = {value}.",),
        cli=(commands.tag_user(key, value),),
    )


# ------------------------------------------------------------------------------------------- root user


def assume_root(task_policy: str) -> FixTemplate:
    """Centralized root access (ORG-002): a root session in a member account, limited to one task."""
    return FixTemplate(cli=(commands.assume_root(task_policy),))


def delete_root_keys() -> FixTemplate:
    """Run with the root session's credentials; no report lists a root key's id, so every root key is listed."""
    return FixTemplate(
        console=(f"{ROOT_SIGN_IN} > Access keys > Actions > Deactivate, then Delete.",),
        cli=(commands.delete_every_access_key(),),
    )


def delete_root_password() -> FixTemplate:
    return FixTemplate(cli=(commands.delete_login_profile(user=None),))


def find_root_use() -> FixTemplate:
    return FixTemplate(
        console=(
            "In account {account_name} ({account_id}): CloudTrail > Event history, filter User name = root (console "
            "sign-ins are recorded in us-east-1): find who used root and why.",
        ),
        cli=(commands.lookup_events("Username", "root", region="us-east-1"),),
    )


# ------------------------------------------------------------------------------------------- Organizations


def invite_to_organization() -> FixTemplate:
    return FixTemplate(
        console=(
            "From the organization's management account: AWS Organizations > AWS accounts > Add an AWS account > "
            f"Invite an existing AWS account: {ACCOUNT}.",
            f"In account {{account_name}} ({ACCOUNT}): AWS Organizations > Invitations > Accept.",
        ),
        cli=(commands.invite_account_to_organization(), commands.accept_handshake("<handshake-id>")),
    )


def create_organization() -> FixTemplate:
    return FixTemplate(
        console=("AWS Organizations > Create an organization (all features).",),
        cli=(commands.create_organization(),),
    )


def enable_centralized_root_access() -> FixTemplate:
    return FixTemplate(
        console=(
            f"Management account {{account_name}} ({ACCOUNT}): IAM > Root access management > Enable: select "
            '"Root credentials management" and "Privileged root actions in member accounts".',
        ),
        cli=(
            commands.enable_aws_service_access("iam.amazonaws.com"),
            commands.enable_root_credentials_management(),
            commands.enable_root_sessions(),
        ),
        terraform="""
resource "aws_iam_organizations_features" "this" {
  enabled_features = ["RootCredentialsManagement", "RootSessions"]
}
""",
    )


def check_centralized_root_access() -> str:
    """The read-only command that shows which features are on (a manual check's step, not a fix)."""
    return commands.list_organizations_features()


def delegate_identity_center_administration() -> FixTemplate:
    return FixTemplate(
        console=(
            "Management account {management_account_id}: IAM Identity Center console > Settings > Management > "
            "Delegated administrator > Register account: a dedicated security or identity account.",
        ),
        cli=(commands.register_delegated_administrator("sso.amazonaws.com", "<member-account-id>"),),
        terraform="""
resource "aws_organizations_delegated_administrator" "identity_center" {
  account_id        = "<member-account-id>"
  service_principal = "sso.amazonaws.com"
}
""",
    )


# ------------------------------------------------------------------------------------------- IAM Identity Center


def assign_group(group: str = "<group-id>", permission_set: str = "<permission-set-arn>") -> FixTemplate:
    """A group and a permission set on account ``{account_id}``: what a team reaches the account with."""
    return FixTemplate(
        console=(
            f"{ACCOUNT_ASSIGNMENTS_PAGE} > {{account_name}} ({ACCOUNT}) > Assign users or groups > a group > a "
            "permission set > Submit.",
        ),
        cli=(commands.create_account_assignment("GROUP", group, permission_set=permission_set),),
        terraform=f"""
resource "aws_ssoadmin_account_assignment" "this" {{
  instance_arn       = "{{instance_arn}}"
  target_id          = "{{account_id}}"
  target_type        = "AWS_ACCOUNT"
  permission_set_arn = "{permission_set}"
  principal_type     = "GROUP"
  principal_id       = "{group}"
}}
""",
    )


def assign_user(user_id: str, permission_set: str) -> FixTemplate:
    """A direct assignment (the plan's step for one person; assigning a group they are in is better)."""
    return FixTemplate(cli=(commands.create_account_assignment("USER", user_id, permission_set=permission_set),))


def move_user_assignments_to_group(account: str = ACCOUNT) -> FixTemplate:
    """IDC-006: the same permission set through a group, in each account, then the user's own assignment removed.
    ``account`` is a list fact where the inventory knows the accounts (one pair of lines per account)."""
    return FixTemplate(
        console=(
            "IAM Identity Center console > Groups > create (or reuse) a group for the job; add {user_name}.",
            f"{ACCOUNT_ASSIGNMENTS_PAGE} > each account where {{user_name}} has {{permission_set_name}} > assign the "
            "group the same permission set, then remove the direct user assignment.",
        ),
        cli=(
            commands.list_account_assignments_for_principal("USER"),
            commands.create_account_assignment("GROUP", "<group-id>", account=account),
            commands.delete_account_assignment("USER", account=account),
        ),
    )


def remove_assignments() -> FixTemplate:
    """``{principal_type}`` and ``{principal_id}`` are list facts: one line per principal."""
    return FixTemplate(
        console=(
            f"{ACCOUNT_ASSIGNMENTS_PAGE} > {{account_name}} > Users and groups > remove the {{permission_set_name}} "
            "assignment.",
        ),
        cli=(commands.delete_account_assignment(),),
    )


def set_session_duration(duration: str) -> FixTemplate:
    """``duration``: literal ISO 8601 (``PT8H``) or a field. Re-provisioning applies it to the accounts."""
    return FixTemplate(
        console=(
            f"{PERMISSION_SET_PAGE} > Edit > Session duration: {duration}.",
            "Save, then re-provision the set to its accounts (the console offers it after the edit).",
        ),
        cli=(commands.update_permission_set_session(duration), commands.provision_permission_set()),
        terraform=f"""
resource "aws_ssoadmin_permission_set" "this" {{
  instance_arn     = "{{instance_arn}}"
  name             = "{{permission_set_name}}"
  session_duration = "{duration}"
}}
""",
    )


def assign_permission_set() -> FixTemplate:
    """``{permission_set_arn}`` to ``{principal_type}`` ``{principal_id}`` on ``{account_id}``, then its status:
    AWS creates an assignment asynchronously (and provisions the set to the account with it)."""
    return FixTemplate(
        console=(
            f"{ACCOUNT_ASSIGNMENTS_PAGE} > {{account_name}} ({ACCOUNT}) > Assign users or groups > "
            "{principal_name} > {permission_set_name} > Submit.",
        ),
        cli=(
            commands.create_account_assignment_request(
                "request", field("principal_type"), field("principal_id"), field("permission_set_arn")
            ),
            commands.describe_account_assignment_creation_status('"$request"'),
        ),
    )


def create_permission_set(*, inline: bool) -> FixTemplate:
    """A new permission set (``{permission_set_name}``) holding an inline policy (``{inline_policy}``, JSON) or an AWS
    managed policy (``{managed_policy_arn}``), provisioned to ``{account_id}`` and assigned there to
    ``{principal_type}`` ``{principal_id}``. Provisioning and assignment are both asynchronous: each is followed by
    the call that shows whether it went through."""
    permission_set = '"$permission_set"'
    policy = (
        commands.put_inline_policy_to_permission_set(permission_set, field("inline_policy"))
        if inline
        else commands.attach_managed_policy_to_permission_set(permission_set, field("managed_policy_arn"))
    )
    return FixTemplate(
        console=(
            "IAM Identity Center console > Multi-account permissions > Permission sets > Create permission set > "
            "Custom permission set: "
            + ("an inline policy (the one below)" if inline else "{managed_policy_arn}")
            + ", name {permission_set_name}.",
            f"{ACCOUNT_ASSIGNMENTS_PAGE} > {{account_name}} ({ACCOUNT}) > Assign users or groups > "
            "{principal_name} > {permission_set_name} > Submit.",
        ),
        cli=(
            commands.create_permission_set(
                "permission_set", field("permission_set_name"), field("permission_set_description")
            ),
            policy,
            commands.provision_permission_set_request("provisioning", permission_set),
            commands.describe_permission_set_provisioning_status('"$provisioning"'),
            commands.create_account_assignment_request(
                "request", field("principal_type"), field("principal_id"), permission_set
            ),
            commands.describe_account_assignment_creation_status('"$request"'),
        ),
    )


def replace_trusted_user() -> FixTemplate:
    """A role whose trust policy names an IAM user (``{user_arn}``): what the person reaches it with once the user
    is gone. Run in the role's account (``{role_account_id}``)."""
    return FixTemplate(
        console=(
            "IAM console (account {role_account_id}) > Roles > {role_name} > Trust relationships: it names "
            "{user_arn}. Give {person} a permission set in {role_account_id} for the same work, or change the trust "
            "to the person's Identity Center role: Principal arn:aws:iam::{account_id}:root with a Condition "
            "ArnLike aws:PrincipalArn arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/*/"
            "AWSReservedSSO_<permission-set-name>_* (and the set allowing sts:AssumeRole on the role).",
        ),
        cli=(commands.get_role_trust_policy(),),
    )


def find_resource_policies_naming(needle: str = field("needle")) -> FixTemplate:
    """Resource policies that may name IAM users (``needle``: the account's user ARN prefix): an identity scan does
    not read them. Run in every account (and region, for KMS keys and secrets) of the organization."""
    return FixTemplate(
        console=(
            "No identity API lists the resource policies that name an IAM user: S3 bucket policies, KMS key policies "
            "and Secrets Manager resource policies are the usual places. Each command prints the buckets, keys or "
            f"secrets whose policy names {needle}; run them in every account (and region, for keys and secrets) "
            "and move each to the person's Identity Center role before the user goes.",
        ),
        cli=(
            commands.buckets_whose_policy_names(needle),
            commands.keys_whose_policy_names(needle),
            commands.secrets_whose_policy_names(needle),
        ),
    )


def create_identity_center_user(user_name: str, email: str) -> FixTemplate:
    return FixTemplate(
        console=("IAM Identity Center console > Users > Add user.",),
        cli=(commands.create_identity_store_user(user_name, email),),
    )


def sign_in_through_the_portal(
    user: str, sso_session: str, inventory: str = field("inventory"), profile: str | None = None
) -> FixTemplate:
    """The person's own check: profiles for what Identity Center gives them, merged into their own AWS config
    (from the inventory the plan was built from: no credentials needed to write them; the rest of the file is
    left as it is), a sign-in, then a call under their own profile that answers with their Identity Center role
    (``{profile}`` a list fact: one call per profile)."""
    cli: tuple[str, ...] = (
        f"auditor sso-config --user {user} --from-inventory {inventory} --merge ~/.aws/config",
        commands.sso_login(sso_session=sso_session),
    )
    if profile is not None:
        cli += (commands.get_caller_identity(profile),)
    return FixTemplate(cli=cli)


def sign_in_after_a_new_assignment(profile: str) -> FixTemplate:
    """The same check when the access comes from an assignment the plan creates: the plan's inventory predates it,
    so ``auditor sso-config`` could not write the profile; AWS CLI v2 writes it after the sign-in instead (the
    person picks the account and role it lists)."""
    return FixTemplate(cli=(commands.configure_sso(profile=profile), commands.get_caller_identity(profile)))


def git_through_identity_center(profile: str = field("profile")) -> FixTemplate:
    """CodeCommit without the IAM user's SSH key or Git credentials: git over HTTPS signed with the person's
    Identity Center profile, through AWS's git-remote-codecommit helper (``pip install git-remote-codecommit``).
    The repository and its region are the person's to fill in: no API the scan reads names them."""
    return FixTemplate(cli=(f"git remote set-url origin codecommit::<region>://{profile}@<repository>",))


# ------------------------------------------------------------------------------------------- break-glass

BREAK_GLASS_PATH = "/break-glass/"


def create_break_glass_user() -> FixTemplate:
    """An emergency IAM user (``{break_glass_user}``): a console password a person sets and keeps in the safe,
    administrator access, no access key ever. Its MFA device (a FIDO security key) is registered in the console:
    no API registers one."""
    user = field("break_glass_user")
    return FixTemplate(
        console=(
            f"{USER_PAGE.replace(USER, user)} > Security credentials > Assign MFA device > Security key: register "
            "two FIDO keys, keep them in separate safes.",
        ),
        cli=(
            commands.create_user(user, BREAK_GLASS_PATH),
            f"{PASSWORD_READ} {commands.create_login_profile(PASSWORD, user, reset_required=False)}",
            commands.attach_user_policy("arn:aws:iam::aws:policy/AdministratorAccess", user),
        ),
    )


ALARM_NAME = "break-glass-used"
ALARM_REGION = "us-east-1"  # where console sign-in events through the global endpoint arrive


def alarm_on_sign_in() -> FixTemplate:
    """An EventBridge rule on the break-glass user's console sign-ins and API calls (``{event_pattern}``), sent to
    the SNS topic ``{topic_arn}`` (its policy, ``{topic_policy}``, lets EventBridge publish), mailed to
    ``{alarm_email}``."""
    topic = field("topic_arn")
    return FixTemplate(
        console=(
            f"Amazon EventBridge ({ALARM_REGION}) > Rules > Create rule {ALARM_NAME}: the event pattern below, target "
            "the SNS topic; confirm the subscription e-mail.",
        ),
        cli=(
            commands.create_sns_topic(ALARM_NAME, ALARM_REGION),
            commands.set_topic_policy(topic, field("topic_policy"), ALARM_REGION),
            commands.subscribe_email(topic, field("alarm_email"), ALARM_REGION),
            commands.put_event_rule(ALARM_NAME, field("event_pattern"), ALARM_REGION),
            commands.put_event_target(ALARM_NAME, topic, ALARM_REGION),
        ),
    )


# ------------------------------------------------------------------------------------------- IAM roles


def set_role_session(seconds: str = field("max_session_seconds")) -> FixTemplate:
    return FixTemplate(
        console=(
            f"IAM console ({ACCOUNT_LABEL}) > Roles > {{role_name}} > Summary > Maximum session duration > Edit: "
            "{role_session_max} or less.",
        ),
        cli=(commands.update_role_max_session(seconds=seconds),),
        terraform=f"""
resource "aws_iam_role" "this" {{
  name                 = "{{role_name}}"
  max_session_duration = {seconds}
}}
""",
    )


# ------------------------------------------------------------------------------------------- the AWS CLI


def identify_profile_key() -> FixTemplate:
    return FixTemplate(
        console=(
            "Find whose key it is: `"
            + commands.get_caller_identity()
            + "` prints the IAM user's ARN (account and user name).",
        ),
        cli=(commands.get_caller_identity(),),
    )


def identify_key(key: str = field("key_id")) -> FixTemplate:
    return FixTemplate(cli=(commands.get_access_key_info(key),))


def move_profile_to_sso() -> FixTemplate:
    return FixTemplate(
        console=(
            f"Run `{commands.configure_sso()}`: it writes the profile on the [sso-session] form (sso_session, "
            "sso_account_id, sso_role_name).",
        ),
        cli=(commands.configure_sso(),),
    )


def sign_in_with_profile() -> FixTemplate:
    return FixTemplate(cli=(commands.sso_login(profile=commands.PROFILE),))


def sso_login_hint(profile: str | None = None) -> str:
    """For error messages: the command that renews a profile's expired Identity Center session."""
    return commands.sso_login(profile=shlex.quote(profile) if profile else None)


def configure_sso_hint() -> str:
    """For error messages and prose: the command that creates an Identity Center profile."""
    return commands.configure_sso(profile=None)
