"""Every AWS CLI command the product prints, each operation written once.

A function per operation returns one template line (``auditor.remediation.template``). Its arguments are the
text that follows each option: a ``{fact}`` field (filled and shell-quoted per finding or plan step), literal
text that needs no quoting (``Inactive``), or a shell variable of a loop (``"$id"``). Defaults are the usual
facts, so ``delete_access_key()`` deletes ``{access_key_id}`` of ``{user_name}`` and
``delete_access_key(key=field("retire_key_id"))`` another one.

:func:`for_each` writes the one loop the product prints, for credentials the inventory cannot list (a user's
SSH public keys and MFA devices, a root user's access keys): it lists them and acts on each, so the line runs as
written whatever is there, with no placeholder to fill in.

``tests/remediation/test_aws_commands.py`` checks that no other module writes AWS CLI text, that no operation is
written twice here, and that every line the demo prints is one the AWS CLI accepts.
"""

from __future__ import annotations


def field(name: str) -> str:
    """The template text of the fact ``name``."""
    return "{" + name + "}"


USER = field("user_name")
ACCOUNT = field("account_id")
INSTANCE = field("instance_arn")
PERMISSION_SET = field("permission_set_arn")
PROFILE = field("profile")


def aws(service: str, operation: str, **options: str | bool) -> str:
    """``aws SERVICE OPERATION --option value ...``; ``True`` writes a bare flag. Keyword names are the CLI's
    option names with underscores (``user_name`` is ``--user-name``)."""
    words = ["aws", service, operation]
    for name, value in options.items():
        words.append("--" + name.replace("_", "-"))
        if value is not True:
            words.append(str(value))
    return " ".join(words)


def for_each(listing: str, query: str, variable: str, command: str) -> str:
    """``for VARIABLE in $(LISTING --query 'QUERY' --output text); do COMMAND; done``: ``command`` uses
    ``"$VARIABLE"``. Runs in bash and zsh; nothing listed, nothing done."""
    return f"for {variable} in $({listing} --query '{query}' --output text); do {command}; done"


def capture(variable: str, command: str, query: str) -> str:
    """``VARIABLE=$(COMMAND --query 'QUERY' --output text)``: what the next lines use as ``"$VARIABLE"`` (the ARN a
    create call returns, a request id to follow)."""
    return f"{variable}=$({command} --query '{query}' --output text)"


def _naming(command: str, needle: str, variable: str) -> str:
    """``COMMAND`` (a policy document on stdout) piped to a search for ``needle``; the item is printed on a hit."""
    return f'{command} 2>/dev/null | grep -qF {needle} && echo "${variable}"'


# ------------------------------------------------------------------------------------------- IAM users


def update_access_key(status: str, user: str = USER, key: str = field("access_key_id")) -> str:
    return aws("iam", "update-access-key", user_name=user, access_key_id=key, status=status)


def delete_access_key(user: str | None = USER, key: str = field("access_key_id")) -> str:
    """``user`` None: the caller's own key (the root user's, with assume-root credentials)."""
    return aws("iam", "delete-access-key", **({"user_name": user} if user else {}), access_key_id=key)


def delete_every_access_key(user: str | None = None) -> str:
    """Every access key of ``user`` (None: the caller's, e.g. root's, whose key ids no report lists)."""
    listing = aws("iam", "list-access-keys", **({"user_name": user} if user else {}))
    return for_each(listing, "AccessKeyMetadata[].AccessKeyId", "key", delete_access_key(user, '"$key"'))


def create_access_key(user: str = USER) -> str:
    return aws("iam", "create-access-key", user_name=user)


def get_access_key_last_used(key: str = field("access_key_id")) -> str:
    return aws("iam", "get-access-key-last-used", access_key_id=key)


def delete_login_profile(user: str | None = USER) -> str:
    """``user`` None: the caller's own password (the root user's, with assume-root credentials)."""
    return aws("iam", "delete-login-profile", **({"user_name": user} if user else {}))


def delete_user_policy(policy: str = field("inline_policy_name"), user: str = USER) -> str:
    return aws("iam", "delete-user-policy", user_name=user, policy_name=policy)


def detach_user_policy(policy: str = field("policy_arn"), user: str = USER) -> str:
    return aws("iam", "detach-user-policy", user_name=user, policy_arn=policy)


def add_user_to_group(group: str, user: str = USER) -> str:
    return aws("iam", "add-user-to-group", group_name=group, user_name=user)


def remove_user_from_group(group: str = field("group_name"), user: str = USER) -> str:
    return aws("iam", "remove-user-from-group", group_name=group, user_name=user)


def _list_mfa_devices(user: str) -> str:
    return aws("iam", "list-mfa-devices", user_name=user)


def _deactivate_mfa_device(user: str) -> str:
    return aws("iam", "deactivate-mfa-device", user_name=user, serial_number='"$serial"')


def deactivate_every_mfa_device(user: str = USER) -> str:
    """No inventory holds MFA serial numbers (a virtual device's is an ARN, a security key's is not): list them.
    Run after :func:`delete_every_virtual_mfa_device`, this deactivates what is left (security keys, hardware)."""
    return for_each(_list_mfa_devices(user), "MFADevices[].SerialNumber", "serial", _deactivate_mfa_device(user))


def delete_every_virtual_mfa_device(user: str = USER) -> str:
    """A user's virtual MFA devices (serial numbers that are ARNs) deactivated and deleted: once deactivated, a
    device no longer names its user, so it is deleted in the same pass or left behind unassigned."""
    delete = aws("iam", "delete-virtual-mfa-device", serial_number='"$serial"')
    query = 'MFADevices[?starts_with(SerialNumber, `"arn:"`)].SerialNumber'
    return for_each(_list_mfa_devices(user), query, "serial", f"{_deactivate_mfa_device(user)} && {delete}")


def delete_every_signing_certificate(user: str = USER) -> str:
    delete = aws("iam", "delete-signing-certificate", user_name=user, certificate_id='"$id"')
    return for_each(
        aws("iam", "list-signing-certificates", user_name=user), "Certificates[].CertificateId", "id", delete
    )


def delete_every_ssh_public_key(user: str = USER) -> str:
    delete = aws("iam", "delete-ssh-public-key", user_name=user, ssh_public_key_id='"$id"')
    return for_each(aws("iam", "list-ssh-public-keys", user_name=user), "SSHPublicKeys[].SSHPublicKeyId", "id", delete)


def delete_every_service_specific_credential(user: str = USER) -> str:
    delete = aws("iam", "delete-service-specific-credential", user_name=user, service_specific_credential_id='"$id"')
    listing = aws("iam", "list-service-specific-credentials", user_name=user)
    return for_each(listing, "ServiceSpecificCredentials[].ServiceSpecificCredentialId", "id", delete)


def delete_user_permissions_boundary(user: str = USER) -> str:
    return aws("iam", "delete-user-permissions-boundary", user_name=user)


def delete_user(user: str = USER) -> str:
    return aws("iam", "delete-user", user_name=user)


def create_user(user: str = USER, path: str | None = None) -> str:
    return aws("iam", "create-user", user_name=user, **({"path": path} if path else {}))


def attach_user_policy(policy: str = field("policy_arn"), user: str = USER) -> str:
    return aws("iam", "attach-user-policy", user_name=user, policy_arn=policy)


def create_login_profile(password: str, user: str = USER, *, reset_required: bool) -> str:
    """``password``: a shell variable a person typed (``"$password"``), never a value the product knows."""
    return aws(
        "iam",
        "create-login-profile",
        user_name=user,
        password=password,
        **({"password_reset_required": True} if reset_required else {}),
    )


def tag_user(key: str, value: str, user: str = USER) -> str:
    return aws("iam", "tag-user", user_name=user, tags=f"Key={key},Value={value}")


def update_role_max_session(role: str = field("role_name"), seconds: str = field("max_session_seconds")) -> str:
    return aws("iam", "update-role", role_name=role, max_session_duration=seconds)


# ------------------------------------------------------------------------------------------- root, STS, CloudTrail


def assume_root(task_policy: str, account: str = ACCOUNT) -> str:
    """``task_policy``: the name of an AWS managed root-task policy (``IAMDeleteRootUserCredentials``, ...)."""
    return aws(
        "sts",
        "assume-root",
        target_principal=account,
        task_policy_arn=f"arn=arn:aws:iam::aws:policy/root-task/{task_policy}",
    )


def get_caller_identity(profile: str | None = PROFILE, query: str | None = None) -> str:
    options: dict[str, str] = {"profile": profile} if profile else {}
    return aws("sts", "get-caller-identity", **options, **({"query": query, "output": "text"} if query else {}))


def in_account(account: str, command: str) -> str:
    """``command`` run only when the caller's credentials are those of ``account``: the guard every destructive
    line of the plan carries. A subshell, so the failed check's ``exit`` ends it and not the reader's shell; it
    says why nothing was done."""
    check = get_caller_identity(profile=None, query="Account")
    refuse = f"{{ echo 'not account {account}: nothing done' >&2; exit 1; }}"
    return f'( [ "$({check})" = {account} ] || {refuse}; {command} )'


# ------------------------------------------------------------------------------------------- alarms


def create_sns_topic(name: str, region: str) -> str:
    return aws("sns", "create-topic", region=region, name=name)


def set_topic_policy(topic: str, policy: str, region: str) -> str:
    """``policy``: the topic policy's JSON (as one shell word)."""
    return aws(
        "sns", "set-topic-attributes", region=region, topic_arn=topic, attribute_name="Policy", attribute_value=policy
    )


def subscribe_email(topic: str, email: str, region: str) -> str:
    return aws("sns", "subscribe", region=region, topic_arn=topic, protocol="email", notification_endpoint=email)


def put_event_rule(name: str, pattern: str, region: str) -> str:
    """``pattern``: the EventBridge event pattern's JSON (as one shell word)."""
    return aws("events", "put-rule", region=region, name=name, event_pattern=pattern)


def put_event_target(rule: str, target_arn: str, region: str) -> str:
    return aws("events", "put-targets", region=region, rule=rule, targets=f"Id=alarm,Arn={target_arn}")


def get_access_key_info(key: str = field("key_id")) -> str:
    return aws("sts", "get-access-key-info", access_key_id=key)


def lookup_events(attribute: str, value: str, region: str | None = None) -> str:
    """CloudTrail's event history by one attribute (``AccessKeyId``, ``Username``)."""
    return aws(
        "cloudtrail",
        "lookup-events",
        **({"region": region} if region else {}),
        lookup_attributes=f"AttributeKey={attribute},AttributeValue={value}",
    )


# ------------------------------------------------------------------------------------------- the AWS CLI's own


def configure_sso(profile: str | None = PROFILE) -> str:
    """AWS CLI v2's own ``configure sso`` command (not an API operation): writes an Identity Center profile."""
    return aws("configure", "sso", **({"profile": profile} if profile else {}))


def sso_login(profile: str | None = None, sso_session: str | None = None) -> str:
    """AWS CLI v2. Neither given: the default profile."""
    options = {"profile": profile} if profile else {"sso_session": sso_session} if sso_session else {}
    return aws("sso", "login", **options)


# ------------------------------------------------------------------------------------------- Organizations


def create_organization() -> str:
    return aws("organizations", "create-organization", feature_set="ALL")


def invite_account_to_organization(account: str = ACCOUNT) -> str:
    return aws("organizations", "invite-account-to-organization", target=f"Id={account},Type=ACCOUNT")


def accept_handshake(handshake: str = field("handshake_id")) -> str:
    return aws("organizations", "accept-handshake", handshake_id=handshake)


def enable_aws_service_access(principal: str) -> str:
    return aws("organizations", "enable-aws-service-access", service_principal=principal)


def register_delegated_administrator(principal: str, account: str) -> str:
    return aws("organizations", "register-delegated-administrator", account_id=account, service_principal=principal)


def enable_root_credentials_management() -> str:
    return aws("iam", "enable-organizations-root-credentials-management")


def enable_root_sessions() -> str:
    return aws("iam", "enable-organizations-root-sessions")


def list_organizations_features() -> str:
    return aws("iam", "list-organizations-features")


# ------------------------------------------------------------------------------------------- IAM Identity Center


def _assignment(account: str, permission_set: str, principal_type: str, principal: str) -> dict[str, str]:
    """The options that name one account assignment (create and delete take the same)."""
    return {
        "instance_arn": INSTANCE,
        "target_id": account,
        "target_type": "AWS_ACCOUNT",
        "permission_set_arn": permission_set,
        "principal_type": principal_type,
        "principal_id": principal,
    }


def create_account_assignment(
    principal_type: str = "GROUP",
    principal: str = field("principal_id"),
    account: str = ACCOUNT,
    permission_set: str = PERMISSION_SET,
) -> str:
    options = _assignment(account, permission_set, principal_type, principal)
    return aws("sso-admin", "create-account-assignment", **options)


def delete_account_assignment(
    principal_type: str = field("principal_type"),
    principal: str = field("principal_id"),
    account: str = ACCOUNT,
    permission_set: str = PERMISSION_SET,
) -> str:
    options = _assignment(account, permission_set, principal_type, principal)
    return aws("sso-admin", "delete-account-assignment", **options)


def list_account_assignments_for_principal(principal_type: str, principal: str = field("principal_id")) -> str:
    return aws(
        "sso-admin",
        "list-account-assignments-for-principal",
        instance_arn=INSTANCE,
        principal_id=principal,
        principal_type=principal_type,
    )


def update_permission_set_session(duration: str) -> str:
    return aws(
        "sso-admin",
        "update-permission-set",
        instance_arn=INSTANCE,
        permission_set_arn=PERMISSION_SET,
        session_duration=duration,
    )


def provision_permission_set(permission_set: str = PERMISSION_SET, account: str | None = None) -> str:
    """To the accounts it is provisioned to already (after a change), or to one account (a new set)."""
    target: dict[str, str] = {"target_type": "AWS_ACCOUNT", "target_id": account} if account else {}
    return aws(
        "sso-admin",
        "provision-permission-set",
        instance_arn=INSTANCE,
        permission_set_arn=permission_set,
        **(target or {"target_type": "ALL_PROVISIONED_ACCOUNTS"}),
    )


def provision_permission_set_request(variable: str, permission_set: str, account: str = ACCOUNT) -> str:
    """Provisioning is asynchronous: its request id in ``"$VARIABLE"``, to follow with
    :func:`describe_permission_set_provisioning_status`."""
    return capture(
        variable, provision_permission_set(permission_set, account), "PermissionSetProvisioningStatus.RequestId"
    )


def describe_permission_set_provisioning_status(request: str) -> str:
    return aws(
        "sso-admin",
        "describe-permission-set-provisioning-status",
        instance_arn=INSTANCE,
        provision_permission_set_request_id=request,
    )


def create_permission_set(variable: str, name: str, description: str) -> str:
    """The new set's ARN in ``"$VARIABLE"`` for the commands that follow."""
    create = aws("sso-admin", "create-permission-set", instance_arn=INSTANCE, name=name, description=description)
    return capture(variable, create, "PermissionSet.PermissionSetArn")


def put_inline_policy_to_permission_set(permission_set: str, policy: str) -> str:
    """``policy``: the document's JSON (as one shell word)."""
    return aws(
        "sso-admin",
        "put-inline-policy-to-permission-set",
        instance_arn=INSTANCE,
        permission_set_arn=permission_set,
        inline_policy=policy,
    )


def attach_managed_policy_to_permission_set(permission_set: str, policy_arn: str) -> str:
    return aws(
        "sso-admin",
        "attach-managed-policy-to-permission-set",
        instance_arn=INSTANCE,
        permission_set_arn=permission_set,
        managed_policy_arn=policy_arn,
    )


def create_account_assignment_request(
    variable: str, principal_type: str, principal: str, permission_set: str, account: str = ACCOUNT
) -> str:
    """The assignment is created asynchronously: its request id in ``"$VARIABLE"``, to follow with
    :func:`describe_account_assignment_creation_status`."""
    create = create_account_assignment(principal_type, principal, account, permission_set)
    return capture(variable, create, "AccountAssignmentCreationStatus.RequestId")


def describe_account_assignment_creation_status(request: str) -> str:
    return aws(
        "sso-admin",
        "describe-account-assignment-creation-status",
        instance_arn=INSTANCE,
        account_assignment_creation_request_id=request,
    )


def get_role_trust_policy(role: str = field("role_name")) -> str:
    return aws("iam", "get-role", role_name=role, query="Role.AssumeRolePolicyDocument")


def buckets_whose_policy_names(needle: str) -> str:
    """The S3 buckets whose bucket policy contains ``needle`` (an IAM user's ARN), one per line."""
    policy = aws("s3api", "get-bucket-policy", bucket='"$bucket"', query="Policy", output="text")
    return for_each(aws("s3api", "list-buckets"), "Buckets[].Name", "bucket", _naming(policy, needle, "bucket"))


def keys_whose_policy_names(needle: str) -> str:
    """The KMS keys whose key policy contains ``needle``, one per line."""
    policy = aws("kms", "get-key-policy", key_id='"$key"', policy_name="default", query="Policy", output="text")
    return for_each(aws("kms", "list-keys"), "Keys[].KeyId", "key", _naming(policy, needle, "key"))


def secrets_whose_policy_names(needle: str) -> str:
    """The Secrets Manager secrets whose resource policy contains ``needle``, one per line."""
    policy = aws("secretsmanager", "get-resource-policy", secret_id='"$secret"', query="ResourcePolicy", output="text")
    return for_each(
        aws("secretsmanager", "list-secrets"), "SecretList[].ARN", "secret", _naming(policy, needle, "secret")
    )


def create_identity_store_user(user_name: str, email: str) -> str:
    """The person's names are in no inventory: ``<Given>`` and ``<Family>`` are the reader's to fill in."""
    return aws(
        "identitystore",
        "create-user",
        identity_store_id=field("identity_store_id"),
        user_name=user_name,
        display_name="'<Given Family>'",
        name="GivenName='<Given>',FamilyName='<Family>'",
        emails=f"Value={email},Type=work,Primary=true",
    )
