"""Rules about the developer machine and source trees (LOCAL-001, LOCAL-002, SECRET-001).

Metadata only for now: the collectors that read ``~/.aws/credentials``, ``~/.aws/config`` and source trees
arrive in a later issue, together with the inventory fields they fill. Until then these rules declare
``requires="local"`` and their checks yield nothing, so the catalog, ``auditor rules`` and configuration
(``[rules] disabled``, suppressions) already know their ids.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.config import Config
from auditor.inventory import Inventory
from auditor.rule import Hit, rule
from auditor.rules._common import SEED_000, SEED_001, SEED_002, SEED_004


@rule(
    id="LOCAL-001",
    title="Long-lived key in the AWS credentials file",
    severity="high",
    area="local",
    requires="local",
    rationale="""
        The seeds open with this exact picture: an access key in a text file on a development machine. A
        stolen or lost laptop, a backup, a dotfiles repository or a malicious package reading
        ~/.aws/credentials is enough to take the key, and it keeps working until someone deletes it.
    """,
    remediation="""
        Replace the static profile with an IAM Identity Center profile and remove the key from the file:
        $ aws configure sso
        $ aws sso login --sso-session <session>
        Then delete the [profile] section holding aws_access_key_id / aws_secret_access_key from
        ~/.aws/credentials, and deactivate and delete the key in IAM (KEY-001).
    """,
    references=[SEED_000, SEED_001, SEED_004],
)
def credentials_file_key(inventory: Inventory, config: Config) -> Iterator[Hit]:
    """Will fire for each long-lived (AKIA...) access key found in a shared credentials file. Needs the local
    collector (not yet available): yields nothing today."""
    return iter(())


@rule(
    id="LOCAL-002",
    title="CLI profile without an sso-session",
    severity="low",
    area="local",
    requires="local",
    rationale="""
        Profiles that carry sso_start_url themselves (the legacy form) cannot share one sign-in and do not
        refresh their token automatically; static-key profiles are the problem the migration solves. An
        [sso-session] section shared by all profiles means one `aws sso login` for every account, which is
        the setup the seeds walk through.
    """,
    remediation="""
        Define one [sso-session] in ~/.aws/config and point every profile at it:
            [sso-session my-org]
            sso_start_url = https://<your-portal>.awsapps.com/start
            sso_region = <home-region>
            sso_registration_scopes = sso:account:access
            [profile my-org-dev-admin]
            sso_session = my-org
            sso_account_id = <account-id>
            sso_role_name = <permission-set-name>
        `aws configure sso` writes this form for you. Name profiles <org>-<account>-<permissions> (seed 004).
    """,
    references=[SEED_001, SEED_002, SEED_004],
)
def profile_without_sso_session(inventory: Inventory, config: Config) -> Iterator[Hit]:
    """Will fire for each profile in ~/.aws/config that uses legacy per-profile `sso_start_url` instead of an
    `sso_session`, or static keys. Needs the local collector (not yet available): yields nothing today."""
    return iter(())


@rule(
    id="SECRET-001",
    title="AWS access key in source files",
    severity="critical",
    area="local",
    requires="local",
    rationale="""
        A key committed to a repository is a key published: history keeps it after the line is deleted, and
        public repositories are scanned for keys within minutes (seed 000 describes exactly this ending in
        someone else's crypto-mining bill). A key id with a secret next to it is usable as-is (critical); a
        lone key id still tells an attacker which account and user to aim at (high).
    """,
    remediation="""
        Treat the key as compromised: deactivate it at once, check CloudTrail for its use, then delete it.
        $ aws iam update-access-key --user-name <user> --access-key-id <key-id> --status Inactive
        $ aws sts get-access-key-info --access-key-id <key-id>
        (the second command tells which account owns a key found in a file). Remove it from the code and
        from history, and use `aws sso login` or a role instead of embedded keys.
    """,
    references=[SEED_000],
)
def key_in_source(inventory: Inventory, config: Config) -> Iterator[Hit]:
    """Will fire for each AKIA... key id found in a scanned source tree (critical with a secret nearby, high
    alone). Needs the local collector (not yet available): yields nothing today."""
    return iter(())
