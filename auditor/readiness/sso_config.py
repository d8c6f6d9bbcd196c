"""``auditor sso-config``: the ``~/.aws/config`` a person (a group, everyone) needs to reach their accounts.

One ``[sso-session NAME]`` (start URL, Identity Center home region, ``sso_registration_scopes =
sso:account:access``, so the CLI gets a refreshable token) and one ``[profile ...]`` per account x permission
set the principal can reach, directly or through a group. ``sso_role_name`` is the permission set's name:
that is the role name the portal gives out. Profile names come from a template; the default
``<account-name>-<permission-set>`` reads like ``acme-production-AdministratorAccess``.

Why the care below: botocore refuses a whole config file (``ConfigParseError``, every profile gone) when two
sections share a name, and a value is written into an INI file, so a newline in a name from an inventory would
add a line of its choosing (``credential_process = ...``). So:

* profile names are slugs (ASCII letters, digits, ``.``, ``_``, ``-``), unique over every account x permission
  set of the instance, whoever the principal is (so two runs for two people name a profile alike, and
  ``--merge`` can update one in place);
* every value written must match the pattern AWS gives for its key; a profile with one that does not is
  skipped with a warning naming it (the caller exits 3), and a bad session value ends the run (exit 2), since
  no profile works without its session;
* ``--merge`` rewrites only the block between the tool's marker lines (:func:`merge_config`).
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from auditor.errors import InputError, short_repr
from auditor.inventory import IdentityCenter, Inventory
from auditor.model import Model
from auditor.util.suggest import did_you_mean

DEFAULT_TEMPLATE = "<account-name>-<permission-set>"
PLACEHOLDERS = ("<account-name>", "<account-id>", "<permission-set>")
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 128  # real names stay far below (account names: 50 characters, permission sets: 32)

# What AWS accepts for each key; a value that does not match is never written.
START_URL = re.compile(r"https://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d{1,5})?(?:/[A-Za-z0-9._~%/#-]*)?", re.ASCII)
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}", re.ASCII)
ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,32}", re.ASCII)  # a permission set's name: the role name the portal gives
NAME = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_NAME}}}", re.ASCII)  # profile and session names: no [ ] # ; space
# a line that is a section header, as configparser reads one (comment lines never are)
_SECTION = re.compile(r"\[(?P<header>.+)\]")


def _slug(text: str) -> str:
    """ASCII letters, digits, ``.``, ``_``, ``-``: ``é`` becomes ``e``, any run of anything else one ``-``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("-", ascii_text).strip("-") or "x"


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


def check_options(start_url: str | None, region: str | None) -> None:
    """The session values a person passes, checked before anything is collected (exit 2, one line)."""
    if start_url is not None and not START_URL.fullmatch(start_url):
        raise InputError(f"--start-url {short_repr(start_url)}: expected https://HOST/PATH (the access portal URL)")
    if region is not None and not REGION.fullmatch(region):
        raise InputError(f"--profile-region {short_repr(region)}: expected a region name such as eu-west-1")


class SsoSession(Model):
    """The ``[sso-session]`` section: every profile of the run refers to it."""

    name: str
    start_url: str
    region: str


class SsoProfile(Model):
    """One ``[profile]`` section: an account x permission set the principal reaches."""

    name: str
    account_id: str
    account_name: str | None = None
    permission_set_arn: str | None = None  # None: kept from an earlier --merge, which wrote the name only
    role_name: str
    region: str


class SsoConfig(Model):
    """What a run writes: the session, its profiles, and one line per profile skipped or gap (the caller warns
    with each and exits 3 when there is any)."""

    session: SsoSession
    profiles: list[SsoProfile]
    warnings: list[str]

    def text(self) -> str:
        """The sections, as the AWS CLI v2 reads them."""
        session = self.session
        lines = [
            f"[sso-session {session.name}]",
            f"sso_start_url = {session.start_url}",
            f"sso_region = {session.region}",
            "sso_registration_scopes = sso:account:access",
            "",
        ]
        for profile in self.profiles:
            lines += [
                f"[profile {profile.name}]",
                f"sso_session = {session.name}",
                f"sso_account_id = {profile.account_id}",
                f"sso_role_name = {profile.role_name}",
                f"region = {profile.region}",
                "",
            ]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Target:
    account_id: str
    permission_set_arn: str


def _principals(idc: IdentityCenter, user: str | None, group: str | None) -> set[tuple[str, str]] | None:
    """The (type, id) pairs whose assignments count; ``None``: everyone's."""
    if user is not None:
        if idc.users is None:
            raise InputError("the inventory has no identity-store users (their listing failed)")
        found = [u for u in idc.users if user.lower() in (u.user_name.lower(), u.user_id.lower())]
        if not found:
            raise InputError(f"no Identity Center user named {short_repr(user)}{_did_you_mean(user, idc, 'user')}")
        principals = {("USER", found[0].user_id)}
        principals |= {("GROUP", m.group_id) for m in idc.memberships or [] if m.user_id == found[0].user_id}
        return principals
    if group is not None:
        if idc.groups is None:
            raise InputError("the inventory has no identity-store groups (their listing failed)")
        match = [g for g in idc.groups if group.lower() in (g.display_name.lower(), g.group_id.lower())]
        if not match:
            raise InputError(f"no Identity Center group named {short_repr(group)}{_did_you_mean(group, idc, 'group')}")
        return {("GROUP", match[0].group_id)}
    return None


def _did_you_mean(asked: str, idc: IdentityCenter, kind: str) -> str:
    """`` (did you mean 'alice@example.com'?)``: the names closest to ``asked`` (difflib, without case), an
    e-mail's local part counting as the name (``alice`` finds ``alice@example.com``, the usual user name when
    users come from an identity provider)."""
    if kind == "user":
        users = idc.users or []
        count = len(users)
        keyed = [(key, u.user_name) for u in users for key in (u.user_name, *u.emails)]
    else:
        count = len(idc.groups or [])
        keyed = [(g.display_name, g.display_name) for g in idc.groups or []]
    names: dict[str, str] = {}
    for key, name in sorted(keyed):
        for variant in (key.lower(), key.lower().partition("@")[0]):
            names.setdefault(variant, name)
    return did_you_mean(asked, names) or f" ({count} {kind}s in the inventory; names are matched without case)"


def _profile_names(inventory: Inventory, idc: IdentityCenter, template: str) -> dict[_Target, str]:
    """A unique name for every account x permission set assigned to anyone in the instance.

    Computed over the whole instance, not the principal's share, so a profile is named alike whoever the run is
    for. Collisions are resolved in a fixed order: permission sets whose names slug alike (``Admin+Ops``,
    ``Admin=Ops``, ``Admin,Ops``) get ``-2``, ``-3`` in the order of their ARNs; accounts whose names slug alike
    get ``-<account-id>`` after the first by id; what still collides (a name that happens to read like another
    filled in) gets ``-2``, ``-3`` in the order of account id and permission set ARN.
    """
    targets = sorted({_Target(a.account_id, a.permission_set_arn) for a in idc.assignments or []}, key=_order)
    set_labels = _labels(
        {t.permission_set_arn: _slug(_set_name(idc, t.permission_set_arn) or _arn_tail(t)) for t in targets},
        lambda arn, label, rank: f"{label}-{rank}",
    )
    account_labels = _labels(
        {t.account_id: _slug(inventory.account_name(t.account_id) or t.account_id) for t in targets},
        lambda account_id, label, rank: label if label == account_id else f"{label}-{account_id}",
    )
    wanted = {
        t: _slug(
            template.replace("<account-name>", account_labels[t.account_id])
            .replace("<account-id>", t.account_id)
            .replace("<permission-set>", set_labels[t.permission_set_arn])
        )
        for t in targets
    }
    counts: dict[str, int] = defaultdict(int)
    for name in wanted.values():
        counts[name] += 1
    used = {name for name, count in counts.items() if count == 1}
    names: dict[_Target, str] = {}
    for target in targets:
        name = wanted[target]
        if counts[name] > 1:
            if name in used:
                rank = 2
                while f"{name}-{rank}" in used or f"{name}-{rank}" in counts:
                    rank += 1
                name = f"{name}-{rank}"
            used.add(name)
        names[target] = name
    return names


def _labels(slugs: dict[str, str], rename: Callable[[str, str, int], str]) -> dict[str, str]:
    """Each key's slug, the keys sharing one told apart: the first (in key order) keeps it, the n-th (n >= 2)
    is ``rename(key, slug, n)``."""
    by_slug: dict[str, list[str]] = defaultdict(list)
    for key in sorted(slugs):
        by_slug[slugs[key]].append(key)
    labels = {}
    for slug, keys in by_slug.items():
        for rank, key in enumerate(keys, start=1):
            labels[key] = slug if rank == 1 else rename(key, slug, rank)
    return labels


def _arn_tail(target: _Target) -> str:
    return target.permission_set_arn.rsplit("/", 1)[-1]


def _order(target: _Target) -> tuple[str, str]:
    return (target.account_id, target.permission_set_arn)


def _set_name(idc: IdentityCenter, arn: str) -> str | None:
    ps = idc.permission_set(arn)
    return ps.name if ps is not None else None


def build_sso_config(
    inventory: Inventory,
    *,
    user: str | None = None,
    group: str | None = None,
    start_url: str | None = None,
    session: str | None = None,
    region: str | None = None,
    template: str = DEFAULT_TEMPLATE,
) -> SsoConfig:
    """The session and profiles; ``InputError`` (exit 2) for anything that would give a useless file."""
    check_template(template)
    check_options(start_url, region)
    idc = inventory.identity_center
    if idc is None or idc.status != "enabled":
        raise InputError("Identity Center is not enabled (or was not read) in this inventory")
    if idc.assignments is None:
        raise InputError("the inventory has no Identity Center assignments (their listing failed)")
    home_region = idc.home_region or region
    url = start_url or (f"https://{idc.identity_store_id}.awsapps.com/start" if idc.identity_store_id else None)
    if url is None or home_region is None:
        raise InputError(
            "the start URL or the Identity Center region is unknown: pass --start-url and --profile-region"
        )
    if not START_URL.fullmatch(url):
        raise InputError(f"sso_start_url {short_repr(url)} is not an https URL (from the inventory): pass --start-url")
    if not REGION.fullmatch(home_region):
        raise InputError(f"sso_region {short_repr(home_region)} is not a region name (from the inventory)")
    principals = _principals(idc, user, group)
    warnings = _gaps(idc, user)  # a group's own assignments need no membership: only a user's do
    names = _profile_names(inventory, idc, template)
    targets = sorted(
        {
            _Target(a.account_id, a.permission_set_arn)
            for a in idc.assignments
            if principals is None or (a.principal_type, a.principal_id) in principals
        },
        key=lambda t: (names[t], _order(t)),
    )
    if not targets:
        who = f"user {short_repr(user)}" if user else f"group {short_repr(group)}" if group else "anybody"
        listed = idc.assignments_listed_accounts
        if listed is None:  # an older inventory: every account of the organization was listed
            raise InputError(f"Identity Center gives {who} no account: nothing to configure")
        # Assignments were read only for the scan's accounts: no assignment there proves nothing elsewhere.
        shown = ", ".join(listed[:5]) + (f", and {len(listed) - 5} more" if len(listed) > 5 else "")
        raise InputError(
            f"Identity Center gives {who} no account among the {len(listed)} account(s) whose assignments were "
            f"read ({shown or 'none'}): nothing to configure; other accounts were not read (--org reads the "
            "organization's)"
        )
    profiles = []
    for target in targets:
        profile = SsoProfile(
            name=names[target],
            account_id=target.account_id,
            account_name=inventory.account_name(target.account_id),
            permission_set_arn=target.permission_set_arn,
            role_name=_set_name(idc, target.permission_set_arn) or "",
            region=region or home_region,
        )
        problem = _invalid(profile)
        if problem:
            warnings.append(f"profile {short_repr(profile.name)} skipped: {problem}")
        else:
            profiles.append(profile)
    return SsoConfig(
        session=SsoSession(name=_slug(session) if session else session_name(idc), start_url=url, region=home_region),
        profiles=profiles,
        warnings=warnings,
    )


def _invalid(profile: SsoProfile) -> str | None:
    """Why the profile cannot be written (a value AWS would not accept), or ``None``."""
    if not profile.role_name:
        return f"permission set {profile.permission_set_arn} is not in the inventory: its name (the role) is unknown"
    if not ROLE_NAME.fullmatch(profile.role_name):
        return f"sso_role_name {short_repr(profile.role_name)} is not a permission set name ([\\w+=,.@-]{{1,32}})"
    if not ACCOUNT_ID.fullmatch(profile.account_id):
        return f"sso_account_id {short_repr(profile.account_id)} is not 12 digits"
    if not NAME.fullmatch(profile.name):
        return f"the name is longer than {MAX_NAME} characters"
    return None


def _gaps(idc: IdentityCenter, user: str | None) -> list[str]:
    """What the inventory could not read that may hide a profile: never read as "no profile there"."""
    gaps = []
    if idc.assignments_unreadable_accounts:
        gaps.append(
            "the assignments of account(s) "
            + ", ".join(idc.assignments_unreadable_accounts)
            + " could not be read: profiles there may be missing"
        )
    if user is not None and idc.memberships is None:
        gaps.append("group memberships could not be read: profiles the user reaches through a group may be missing")
    return gaps


def parse_section_names(text: str) -> tuple[set[str], set[str]]:
    """The profile and sso-session names ``text`` defines, as botocore reads them (``[default]`` is a profile)."""
    profiles: set[str] = set()
    sessions: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("#", ";")):
            continue
        match = _SECTION.match(stripped)
        if match is None:
            continue
        header = match.group("header")
        if header == "default":
            profiles.add(header)
            continue
        try:
            parts = shlex.split(header)
        except ValueError:
            continue
        if len(parts) == 2 and header.startswith("profile"):
            profiles.add(parts[1])
        elif len(parts) == 2 and header.startswith("sso-session"):
            sessions.add(parts[1])
    return profiles, sessions


# ------------------------------------------------------------------------------------------------- --merge


def begin_marker(session: str) -> str:
    return f"# BEGIN auditor sso-config {session}"


def end_marker(session: str) -> str:
    return f"# END auditor sso-config {session}"


class MergedConfig(Model):
    """A ``--merge``: the file's new text, the profiles its block holds, the warnings of the run and of the
    merge (the caller exits 3 when there is any)."""

    text: str
    profiles: list[str]
    warnings: list[str]


def merge_config(existing: str, config: SsoConfig, where: str = "--merge") -> MergedConfig:
    """``existing`` with the run's session and profiles between the marker lines of its session, as
    aws-sso-util and Granted do: nothing outside the markers changes, byte for byte.

    The block is added at the end the first time. Afterwards: the session is rewritten, the profiles this run
    makes are updated in place, the ones an earlier run made and this one did not are kept (a run for one
    group does not remove another group's; delete the block to start afresh), new ones follow. A profile the
    file defines outside the block is never written again in it (botocore refuses a file with two sections of
    one name): the person's own section wins, and the profile is skipped with a warning. An ``[sso-session]``
    of the same name outside the block, or marker lines out of order, end the run (exit 2): the file is not
    touched.
    """
    session = config.session.name
    lines = existing.splitlines(keepends=True)
    begins = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == begin_marker(session)]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == end_marker(session)]
    if len(begins) > 1 or len(ends) > 1 or len(begins) != len(ends) or (begins and ends[0] < begins[0]):
        raise InputError(
            f"{where}: the lines {begin_marker(session)!r} and {end_marker(session)!r} must come once each, in that "
            "order: repair the file by hand"
        )
    if begins:
        head, inner, tail = "".join(lines[: begins[0]]), lines[begins[0] + 1 : ends[0]], "".join(lines[ends[0] + 1 :])
    else:
        head, inner, tail = existing, [], ""
        if head and not head.endswith("\n"):
            head += "\n"
        if head.strip():
            head += "\n"  # a blank line between the person's sections and the block
    outside_profiles, outside_sessions = parse_section_names(head + tail)
    if session in outside_sessions:
        raise InputError(
            f"{where}: [sso-session {session}] is already defined outside the lines the tool writes: pass "
            "--session-name with another name, or delete that section"
        )
    warnings = list(config.warnings)
    new = {p.name: p for p in config.profiles}
    earlier = _earlier_profiles(inner, config.session, warnings)
    order = [*earlier, *(name for name in new if name not in earlier)]
    written: list[SsoProfile] = []
    for name in order:
        if name in outside_profiles:
            warnings.append(f"profile {short_repr(name)} skipped: the file defines it outside the tool's block")
            continue
        written.append(new.get(name) or earlier[name])
    block = [
        begin_marker(session) + "\n",
        "# written by auditor sso-config --merge: the next --merge rewrites what is between these two lines\n",
        SsoConfig(session=config.session, profiles=written, warnings=[]).text() + "\n",
        end_marker(session) + "\n",
    ]
    return MergedConfig(text=head + "".join(block) + tail, profiles=[p.name for p in written], warnings=warnings)


def _earlier_profiles(inner: list[str], session: SsoSession, warnings: list[str]) -> dict[str, SsoProfile]:
    """The profiles an earlier run wrote in the block, in their order; one that is not as the tool writes it
    (edited by hand, a value AWS would not accept) is dropped with a warning rather than carried on."""
    sections: list[tuple[str, dict[str, str]]] = []
    for line in inner:
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        section = _SECTION.fullmatch(stripped)
        if section is not None:
            sections.append((section.group("header"), {}))
        elif sections and "=" in stripped:
            key, _, value = stripped.partition("=")
            sections[-1][1][key.strip()] = value.strip()
    profiles: dict[str, SsoProfile] = {}
    for header, values in sections:
        if header.startswith("sso-session "):
            continue
        name = header.removeprefix("profile ")
        if values.get("sso_session") != session.name or set(values) != {
            "sso_session",
            "sso_account_id",
            "sso_role_name",
            "region",
        }:
            warnings.append(f"section {short_repr(header)} in the tool's block dropped: not as the tool writes it")
            continue
        profile = SsoProfile(
            name=name,
            account_id=values["sso_account_id"],
            role_name=values["sso_role_name"],
            region=values["region"],
        )
        problem = _invalid(profile)
        if problem is None and not REGION.fullmatch(profile.region):
            problem = f"region {short_repr(profile.region)} is not a region name"
        if problem is not None or name in profiles:
            warnings.append(f"profile {short_repr(name)} in the tool's block dropped: {problem or 'defined twice'}")
            continue
        profiles[name] = profile
    return profiles
