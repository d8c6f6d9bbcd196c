"""``auditor sso-config``: the ``~/.aws/config`` a person (a group, everyone) needs to reach their accounts.

One ``[sso-session NAME]`` (start URL, Identity Center home region, ``sso_registration_scopes =
sso:account:access``, so the CLI gets a refreshable token) and one ``[profile ...]`` per account x permission
set the principal can reach, directly or through a group. ``sso_role_name`` is the permission set's name:
that is the role name the portal gives out. Profile names come from a template; the default
``<account-name>-<permission-set>`` reads like ``acme-production-AdministratorAccess``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.errors import InputError
from auditor.inventory import IdentityCenter, Inventory

DEFAULT_TEMPLATE = "<account-name>-<permission-set>"
PLACEHOLDERS = ("<account-name>", "<account-id>", "<permission-set>")
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-") or "x"


def session_name(idc: IdentityCenter) -> str:
    """The instance's name when it has one, else ``identity-center``."""
    return _slug(idc.name) if idc.name else "identity-center"


def check_template(template: str) -> str:
    unknown = [p for p in _PLACEHOLDER.findall(template) if p not in PLACEHOLDERS]
    if unknown:
        raise InputError(f"--profile-template: unknown placeholder {unknown[0]} (use {', '.join(PLACEHOLDERS)})")
    if "<permission-set>" not in template or not (
        {"<account-name>", "<account-id>"} & set(_PLACEHOLDER.findall(template))
    ):
        raise InputError("--profile-template must name <permission-set> and <account-name> or <account-id>")
    return template


@dataclass(frozen=True)
class Target:
    account_id: str
    account_name: str
    permission_set: str


def _targets(inventory: Inventory, idc: IdentityCenter, user: str | None, group: str | None) -> list[Target]:
    if idc.assignments is None:
        raise InputError("the inventory has no Identity Center assignments (their listing failed)")
    if user is not None:
        if idc.users is None:
            raise InputError("the inventory has no identity-store users (their listing failed)")
        found = [u for u in idc.users if user.lower() in (u.user_name.lower(), u.user_id.lower())]
        if not found:
            raise InputError(f"no Identity Center user named {user!r}")
        principals = {("USER", found[0].user_id)}
        principals |= {("GROUP", m.group_id) for m in idc.memberships or [] if m.user_id == found[0].user_id}
    elif group is not None:
        if idc.groups is None:
            raise InputError("the inventory has no identity-store groups (their listing failed)")
        match = [g for g in idc.groups if group.lower() in (g.display_name.lower(), g.group_id.lower())]
        if not match:
            raise InputError(f"no Identity Center group named {group!r}")
        principals = {("GROUP", match[0].group_id)}
    else:
        principals = {(a.principal_type, a.principal_id) for a in idc.assignments}
    targets = set()
    for assignment in idc.assignments:
        if (assignment.principal_type, assignment.principal_id) not in principals:
            continue
        ps = idc.permission_set(assignment.permission_set_arn)
        ps_name = ps.name if ps is not None else assignment.permission_set_arn.rsplit("/", 1)[-1]
        targets.add(
            Target(
                assignment.account_id, inventory.account_name(assignment.account_id) or assignment.account_id, ps_name
            )
        )
    return sorted(targets, key=lambda t: (t.account_name, t.account_id, t.permission_set))


def render_sso_config(
    inventory: Inventory,
    *,
    user: str | None = None,
    group: str | None = None,
    start_url: str | None = None,
    session: str | None = None,
    region: str | None = None,
    template: str = DEFAULT_TEMPLATE,
) -> str:
    """The config text; ``InputError`` (exit 2) for anything that would give a useless file."""
    check_template(template)
    idc = inventory.identity_center
    if idc is None or idc.status != "enabled":
        raise InputError("Identity Center is not enabled (or was not read) in this inventory")
    home_region = idc.home_region or region
    url = start_url or (f"https://{idc.identity_store_id}.awsapps.com/start" if idc.identity_store_id else None)
    if url is None or home_region is None:
        raise InputError("the start URL or the Identity Center region is unknown: pass --start-url and --region")
    targets = _targets(inventory, idc, user, group)
    if not targets:
        who = f"user {user!r}" if user else f"group {group!r}" if group else "anybody"
        raise InputError(f"Identity Center gives {who} no account: nothing to configure")
    name = _slug(session) if session else session_name(idc)
    lines = [
        f"[sso-session {name}]",
        f"sso_start_url = {url}",
        f"sso_region = {home_region}",
        "sso_registration_scopes = sso:account:access",
        "",
    ]
    used: set[str] = set()
    for target in targets:
        profile = _slug(
            template.replace("<account-name>", target.account_name)
            .replace("<account-id>", target.account_id)
            .replace("<permission-set>", target.permission_set)
        )
        if profile in used:  # two accounts of one name: the id tells them apart
            profile = f"{profile}-{target.account_id}"
        used.add(profile)
        lines += [
            f"[profile {profile}]",
            f"sso_session = {name}",
            f"sso_account_id = {target.account_id}",
            f"sso_role_name = {target.permission_set}",
            f"region = {region or home_region}",
            "",
        ]
    return "\n".join(lines)
