"""Rules about a machine's AWS CLI files (LOCAL-001, LOCAL-002, source ``local``) and source trees (SECRET-001,
source ``code``). In a cloud-only scan their sources do not run, and they are reported as not evaluated."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.findings import FileLocation, Severity
from auditor.inventory import CLI_FILES_SOURCE, CODE_SOURCE, CliProfile, CodeKeyHit, Inventory
from auditor.rule import Hit, RuleContext, rule
from auditor.rules import _fixes as fixes
from auditor.rules._common import (
    ACCESS_KEYS,
    CLI_CONFIG_FILES,
    CLI_SSO,
    CONFIGURE_SSO,
    SSO_LOGIN,
    USE_TEMPORARY_CREDENTIALS,
)

PROFILE_TYPE = "Local::AwsCliProfile"
SOURCE_FILE_TYPE = "Local::SourceFile"
MAX_OCCURRENCES = 20  # listed in a finding's evidence; the count is always complete


def _profile_id(profile: CliProfile) -> str:
    return f"{profile.file} [{profile.profile}]"


@rule(
    id="LOCAL-001",
    fix=fixes.LOCAL_FILE_KEY,
    title="Long-lived key in the AWS credentials file",
    severity="high",
    area="local",
    sources=[CLI_FILES_SOURCE],
    rationale="""
        An access key in a text file on a workstation or build host lasts until someone deletes it. A lost
        laptop, a backup, a dotfiles repository or a malicious package that reads ~/.aws/credentials is enough
        to take it, and nothing about the key tells AWS it is being used from somewhere else.
    """,
    remediation="""
        Replace the static profile with an IAM Identity Center profile (the fix's commands write it and sign
        in), then delete the profile's aws_access_key_id / aws_secret_access_key lines, and deactivate and
        delete the key in IAM (find its user first: the fix's first command names it).
    """,
    references=[CLI_SSO, CLI_CONFIG_FILES, ACCESS_KEYS],
)
def credentials_file_key(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Each profile section, in the shared credentials or config file, that holds a long-lived access key id
    (``AKIA…``). Temporary keys (``ASIA…``, with a session token) expire on their own and are not reported here.
    The finding names the file, line, profile and key id; the secret is never read into it."""
    files = inventory.cli_files
    for profile in files.profiles if files else []:
        if profile.kind != "static_key" or not (profile.key_id or "").startswith("AKIA"):
            continue
        line = profile.key_id_line or profile.line
        yield Hit(
            account_id=None,
            resource_type=PROFILE_TYPE,
            resource_id=_profile_id(profile),
            discriminator=profile.key_id or "",
            message=f"profile [{profile.profile}] in {profile.file} (line {line}) holds the long-lived access key "
            f"{profile.key_id}" + ("" if profile.secret_present else " (no secret next to it)"),
            evidence={
                "file": profile.file,
                "line": line,
                "profile": profile.profile,
                "key_id": profile.key_id,
                "secret_present": profile.secret_present,
            },
            location=FileLocation(path=profile.file, line=line),
        )


@rule(
    id="LOCAL-002",
    fix=fixes.LOCAL_PROFILE_FORM,
    title="CLI profile without an sso-session",
    severity="low",
    area="local",
    sources=[CLI_FILES_SOURCE],
    rationale=f"""
        A profile that carries sso_start_url itself (the legacy form) cannot share one sign-in with other
        profiles and its token is not refreshed automatically, so people fall back to keys; a profile with
        static keys is the very thing the move to IAM Identity Center removes. One [sso-session] section that
        every profile points at means one `{SSO_LOGIN}` for every account.
    """,
    remediation=f"""
        Define one [sso-session] in ~/.aws/config and point every profile at it:
            [sso-session my-org]
            sso_start_url = https://<your-portal>.awsapps.com/start
            sso_region = <home-region>
            sso_registration_scopes = sso:account:access
            [profile my-org-dev-admin]
            sso_session = my-org
            sso_account_id = <account-id>
            sso_role_name = <permission-set-name>
        `{CONFIGURE_SSO}` writes this form for you; remove the old profile's sso_start_url or keys.
    """,
    references=[CLI_SSO, CLI_CONFIG_FILES],
)
def profile_without_sso_session(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Each profile on the legacy per-profile ``sso_start_url`` form (no ``sso_session``), and each profile
    holding static access keys (long-lived or temporary)."""
    files = inventory.cli_files
    for profile in files.profiles if files else []:
        if profile.kind == "legacy_sso":
            message = f"profile [{profile.profile}] in {profile.file} uses the legacy sso_start_url form"
        elif profile.kind == "static_key":
            message = f"profile [{profile.profile}] in {profile.file} signs in with static access keys"
        else:
            continue
        yield Hit(
            account_id=None,
            resource_type=PROFILE_TYPE,
            resource_id=_profile_id(profile),
            message=message,
            evidence={"file": profile.file, "line": profile.line, "profile": profile.profile, "form": profile.kind},
            location=FileLocation(path=profile.file, line=profile.line),
        )


@rule(
    id="SECRET-001",
    fix=fixes.SOURCE_KEY,
    title="AWS access key in source files",
    severity="critical",
    area="local",
    sources=[CODE_SOURCE],
    rationale="""
        A key committed to a repository is a key published: history keeps it after the line is deleted, and
        public repositories are scanned for keys within minutes of a push. A key id with its secret next to
        it is usable as it stands (critical); a lone key id still tells an attacker which account and user to
        aim at (high). AWS's documentation example keys and placeholders (a run of `X`, sequential characters,
        dictionary words) are reported as information only, with the reason.
    """,
    remediation=f"""
        Treat the key as compromised: deactivate it at once, check CloudTrail for its use, then delete it.
        Remove it from the code and from the history (rewriting history does not un-publish a pushed key:
        deactivate first), and use `{SSO_LOGIN}` or an IAM role instead of embedded keys.
    """,
    references=[ACCESS_KEYS, USE_TEMPORARY_CREDENTIALS],
)
def key_in_source(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
    """Each ``AKIA…``/``ASIA…`` key id in a scanned source tree (plain, split across string literals,
    base64-encoded, escaped, or in UTF-16 text), once per file and key, at its first occurrence (file, line,
    column): critical with a secret-looking 40-character value within five lines (after a space, a quote, ``=``,
    ``:`` or nothing, also percent-encoded), high alone; info for AWS's documentation examples (ids ending in
    ``EXAMPLE``) and for placeholders (repeated or sequential characters, dictionary words), with the reason."""
    scan = inventory.code_scan
    if scan is None:
        return
    grouped: dict[tuple[str, str], list[CodeKeyHit]] = {}
    for hit in scan.hits:
        grouped.setdefault((hit.path, hit.key_id), []).append(hit)
    for (path, key_id), hits in grouped.items():
        first = hits[0]
        reason: str | None = None
        if first.example:
            severity, what, reason = Severity.INFO, "AWS documentation example key", "AWS documentation example"
        elif first.placeholder is not None:
            severity, what, reason = Severity.INFO, f"placeholder key id ({first.placeholder})", first.placeholder
        elif any(h.secret_nearby for h in hits):
            severity, what = Severity.CRITICAL, "access key with a secret-looking value next to it"
        else:
            severity, what = Severity.HIGH, "access key id"
        kind = "temporary" if key_id.startswith("ASIA") else "long-lived"
        encodings = sorted({h.encoding for h in hits if h.encoding is not None})
        evidence: dict[str, object] = {
            "file": path,
            "line": first.line,
            "column": first.column,
            "key_id": key_id,
            "key_kind": kind,
            "secret_nearby": any(h.secret_nearby for h in hits),
            "occurrences": len(hits),
            "locations": [f"{h.line}:{h.column}" for h in hits[:MAX_OCCURRENCES]],
        }
        if reason is not None:
            evidence["reason"] = reason
        if encodings:
            evidence["encoding"] = encodings
        yield Hit(
            account_id=None,
            resource_type=SOURCE_FILE_TYPE,
            resource_id=path,
            discriminator=key_id,
            message=f"{what} {key_id} ({kind}) in {path}:{first.line}:{first.column}"
            + (f" ({', '.join(encodings)})" if encodings else "")
            + (f", {len(hits)} occurrences" if len(hits) > 1 else ""),
            evidence=evidence,
            location=FileLocation(path=path, line=first.line, column=first.column),
            severity=severity,
        )
