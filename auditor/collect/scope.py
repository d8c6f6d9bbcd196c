"""Which accounts a scan covers: ``--accounts``, ``--exclude-accounts`` and ``--ou`` applied to what was found.

A selector that matches nothing is a usage error (exit 2), not an empty scan: a typo in ``--ou`` must not
produce a clean-looking report about zero accounts.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.collect.options import CollectOptions
from auditor.errors import InputError
from auditor.inventory import OrgAccount, Organization

ACTIVE = "ACTIVE"


def selected_org_accounts(organization: Organization, options: CollectOptions) -> list[OrgAccount]:
    """ACTIVE accounts chosen by the options. Others stay in ``organization.accounts`` but are not collected."""
    _require_known_accounts(organization, options.accounts)
    ou_paths = _selected_ou_paths(organization, options.ous) if options.ous else None
    return [
        account
        for account in organization.accounts
        if account.state in (None, ACTIVE)
        and is_account_selected(account.id, options)
        and (ou_paths is None or _under_any(account.ou_path, ou_paths))
    ]


def is_account_selected(account_id: str, options: CollectOptions) -> bool:
    if account_id in options.exclude_accounts:
        return False
    return options.accounts is None or account_id in options.accounts


def _require_known_accounts(organization: Organization, requested: Iterable[str] | None) -> None:
    unknown = sorted(set(requested or ()) - {account.id for account in organization.accounts})
    if unknown:
        raise InputError(f"--accounts: {', '.join(unknown)} not in organization {organization.id}")


def _selected_ou_paths(organization: Organization, selectors: Iterable[str]) -> list[str]:
    return [path for selector in selectors for path in _ou_paths_for(organization, selector)]


def _ou_paths_for(organization: Organization, selector: str) -> list[str]:
    """An OU id (``ou-...``), the root id (``r-...``), a path (``/Root/Workloads``) or an OU name."""
    if selector == organization.root_id:
        return ["/"]
    if selector.startswith("/"):
        path = selector.rstrip("/")
        known_paths = {unit.path for unit in organization.organizational_units}
        known_paths |= {account.ou_path for account in organization.accounts if account.ou_path}
        matches = [path] if path in known_paths else []
    else:
        matches = [
            unit.path
            for unit in organization.organizational_units
            if selector in (unit.id, unit.name) or unit.name.lower() == selector.lower()
        ]
    if not matches:
        raise InputError(f"--ou {selector!r} matches no organizational unit of {organization.id}")
    return matches


def _under_any(ou_path: str | None, ou_paths: Iterable[str]) -> bool:
    """ "/" stands for the root: every account. Otherwise the OU itself or anything nested below it."""
    return any(
        path == "/" or (ou_path is not None and (ou_path == path or ou_path.startswith(path + "/")))
        for path in ou_paths
    )
