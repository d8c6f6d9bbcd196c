"""Who an IAM user is in Identity Center: by e-mail (the user name, or the e-mail tag), then by user name.

E-mail comes first because it is what both directories agree on for a person; an identical user name is the
fallback (``alice`` in IAM, ``alice`` in the identity store). Case is ignored on both: the identity store
treats user names case-insensitively and e-mail addresses are case-insensitive in practice. Several
candidates at one step is ``ambiguous`` and every candidate is named: guessing would plan the wrong person's
access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from auditor.inventory import IamUser, IdentityStoreUser
from auditor.readiness.models import MatchedBy, MatchStatus

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def is_email(value: str | None) -> bool:
    return value is not None and EMAIL.match(value) is not None


def user_email(user: IamUser, email_tag: str) -> tuple[str | None, MatchedBy | None]:
    """The e-mail the user name is, else the one its e-mail tag holds (tag key matched ignoring case)."""
    if is_email(user.user_name):
        return user.user_name, "email"
    wanted = email_tag.lower()
    for key, value in user.tags.items():
        if key.lower() == wanted and is_email(value.strip()):
            return value.strip(), "tag"
    return None, None


@dataclass(frozen=True)
class Match:
    status: MatchStatus
    matched_by: MatchedBy | None = None
    user: IdentityStoreUser | None = None
    candidates: tuple[str, ...] = field(default_factory=tuple)


class IdentityIndex:
    """The identity store's users by lower-cased e-mail (their ``emails`` and an e-mail-shaped user name) and
    by lower-cased user name; built once per assessment."""

    def __init__(self, users: Iterable[IdentityStoreUser]) -> None:
        self._by_email: dict[str, list[IdentityStoreUser]] = {}
        self._by_name: dict[str, list[IdentityStoreUser]] = {}
        for user in users:
            addresses = {email.lower() for email in user.emails}
            if is_email(user.user_name):
                addresses.add(user.user_name.lower())
            for address in addresses:
                self._by_email.setdefault(address, []).append(user)
            self._by_name.setdefault(user.user_name.lower(), []).append(user)

    def match(self, user: IamUser, email: str | None, email_from: MatchedBy | None) -> Match:
        if email is not None:
            found = _decided(self._by_email, email.lower(), email_from or "email")
            if found is not None:
                return found
        found = _decided(self._by_name, user.user_name.lower(), "user-name")
        return found if found is not None else Match("unmatched")


def _decided(index: Mapping[str, list[IdentityStoreUser]], key: str, matched_by: MatchedBy) -> Match | None:
    candidates = index.get(key, [])
    if not candidates:
        return None
    if len(candidates) == 1:
        return Match("matched", matched_by, candidates[0], (candidates[0].user_name,))
    return Match("ambiguous", matched_by, None, tuple(sorted(c.user_name for c in candidates)))
