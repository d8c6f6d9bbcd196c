"""Who an IAM user is in Identity Center: confirmed in ``auditor.toml``, else by e-mail, else by user name.

E-mail comes first because it is what both directories agree on for a person (the user name when it is an
address, else the e-mail tag); an identical user name is the fallback (``alice`` in IAM, ``alice`` in the
identity store), and only a fallback: ``admin`` in both may be a shared login, so that match stays
unconfirmed (``match-unconfirmed``, a review) until ``readiness.confirmed`` says who it is. Case is ignored on
both sides: the identity store treats user names case-insensitively and e-mail addresses are case-insensitive
in practice. Several candidates at one step is ``ambiguous`` and every candidate is named: guessing would plan
the wrong person's access. The one candidate being disabled (``UserStatus``) is ``disabled``: no match, since
that person cannot sign in.

Weaker likenesses (``jsmith`` and ``jsmith@corp.example``, ``alice-admin`` and ``alice``, ``asmith`` and the
display name "Alice Smith") are *suggestions*: shown, never applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from auditor.engine.patterns import glob_match
from auditor.inventory import IamUser, IdentityStoreUser
from auditor.readiness.models import IdentitySource, MatchedBy, MatchStatus

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# what people add to their own name for a second login: alice-admin, alice.ro, adm-alice, alice2
_SUFFIX = re.compile(
    r"[-_.+]?(?:admin|adm|administrator|ro|readonly|rw|dev|prod|ops|root|sudo|priv|privileged|cli|api|console|"
    r"old|new|test|\d+)$"
)
_PREFIX = re.compile(r"^(?:admin|adm)[-_.]")
_SEPARATORS = re.compile(r"[-_.+\s]+")


def is_email(value: str | None) -> bool:
    # most names have no "@": they are rejected without the regular expression
    return value is not None and "@" in value and EMAIL.match(value) is not None


def user_email(user: IamUser, email_tag: str) -> tuple[str | None, MatchedBy | None]:
    """The e-mail the user name is, else the one its e-mail tag holds (tag key matched ignoring case)."""
    if is_email(user.user_name):
        return user.user_name, "email"
    if not user.tags:
        return None, None
    wanted = email_tag.lower()
    for key, value in user.tags.items():
        if key.lower() == wanted and is_email(value.strip()):
            return value.strip(), "tag"
    return None, None


def identity_source(users: Sequence[IdentityStoreUser] | None) -> IdentitySource:
    """``external`` when a user carries ``ExternalIds`` (SCIM from an identity provider, which Identity Center
    never writes back to); ``identity-center`` when users were read and none does; ``unknown`` without users."""
    if not users:
        return "unknown"
    return "external" if any(user.external_ids for user in users) else "identity-center"


def is_disabled(user: IdentityStoreUser) -> bool:
    return (user.status or "").upper() == "DISABLED"


@dataclass(frozen=True)
class Match:
    status: MatchStatus
    matched_by: MatchedBy | None = None
    user: IdentityStoreUser | None = None  # the one candidate (also when it is disabled)
    candidates: tuple[str, ...] = field(default_factory=tuple)
    note: str | None = None  # why a confirmed pair did not match, in words

    @property
    def confirmed(self) -> bool | None:
        """Whether a person stands behind the match: ``False`` for a bare user name, ``None`` when no match."""
        if self.status != "matched":
            return None
        return self.matched_by != "user-name"


UNMATCHED = Match("unmatched")


def name_stems(name: str) -> set[str]:
    """The forms of a login name a person's other logins share: ``Alice-Admin`` -> {alice-admin, alice}."""
    name = name.lower().partition("@")[0]
    stems = {name}
    stripped = _PREFIX.sub("", _SUFFIX.sub("", name))
    if stripped and len(stripped) > 1:
        stems.add(stripped)
    return stems | {_SEPARATORS.sub("", stem) for stem in stems}


def display_name_forms(display_name: str | None) -> set[str]:
    """How a login is made from "Alice Smith": alicesmith, asmith, smitha, alice (first name alone is too weak
    for an organization of any size, so it is left out)."""
    parts = [p for p in _SEPARATORS.split((display_name or "").lower()) if p]
    if len(parts) < 2:
        return set()
    given, family = parts[0], parts[-1]
    return {given + family, given[0] + family, family + given[0], family + given}


class IdentityIndex:
    """The identity store's users by lower-cased e-mail (their ``emails`` and an e-mail-shaped user name), by
    lower-cased user name and by the likenesses suggestions use; built once per assessment."""

    def __init__(self, users: Iterable[IdentityStoreUser], confirmed: Sequence[tuple[str, str]] = ()) -> None:
        self.confirmed = list(confirmed)
        self._by_email: dict[str, list[IdentityStoreUser]] = {}
        self._by_name: dict[str, list[IdentityStoreUser]] = {}
        self._by_likeness: dict[str, set[str]] = {}
        self._by_id: dict[str, IdentityStoreUser] = {}
        self._answers: dict[tuple[str, str, str | None, MatchedBy | None], Match] = {}
        self._suggested: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for user in users:
            addresses = {email.lower() for email in user.emails}
            if is_email(user.user_name):
                addresses.add(user.user_name.lower())
            for address in addresses:
                self._by_email.setdefault(address, []).append(user)
            self._by_name.setdefault(user.user_name.lower(), []).append(user)
            self._by_id[user.user_id.lower()] = user
            likeness = display_name_forms(user.display_name)
            for name in (user.user_name, *user.emails):
                likeness |= name_stems(name)
            for form in likeness:
                self._by_likeness.setdefault(form, set()).add(user.user_name)

    def match(self, user: IamUser, email: str | None, email_from: MatchedBy | None) -> Match:
        # the same person has an IAM user in many accounts: each answer is worked out once per name and e-mail
        # (a confirmed pair may name an ARN, so the ARN is part of the key only when pairs exist)
        key = (
            user.user_name.lower(),
            user.arn if self.confirmed else "",
            email.lower() if email is not None else None,
            email_from,
        )
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._disabled(self._match(user, key[2], email_from))
        return found

    def suggestions(self, user: IamUser, match: Match) -> list[str]:
        """Identity-store users that may be this person, by likeness only; the match's own candidates are left
        out (they are already named)."""
        if match.status == "matched" and match.confirmed:
            return []
        # once per name, like the match: the same person's login recurs in many accounts
        key = (user.user_name.lower(), match.candidates)
        suggested = self._suggested.get(key)
        if suggested is None:
            found: set[str] = set()
            for stem in name_stems(key[0]):
                found |= self._by_likeness.get(stem, set())
            suggested = self._suggested[key] = sorted(found - set(match.candidates))
        return list(suggested)

    def _match(self, user: IamUser, email: str | None, email_from: MatchedBy | None) -> Match:
        confirmed = self._confirmed(user)
        if confirmed is not None:
            return confirmed
        if email is not None:
            found = _decided(self._by_email, email, email_from or "email")
            if found is not None:
                return found
        found = _decided(self._by_name, user.user_name.lower(), "user-name")
        return found if found is not None else UNMATCHED

    def _confirmed(self, user: IamUser) -> Match | None:
        """The first ``readiness.confirmed`` pair naming this IAM user: its identity-store user, by user name,
        e-mail or id."""
        for pattern, person in self.confirmed:
            if not (glob_match(pattern, user.user_name) or glob_match(pattern, user.arn)):
                continue
            wanted = person.lower()
            found = self._by_name.get(wanted) or self._by_email.get(wanted) or []
            if not found and wanted in self._by_id:
                found = [self._by_id[wanted]]
            if len(found) == 1:
                return Match("matched", "confirmed", found[0], (found[0].user_name,))
            note = f"readiness.confirmed names {person!r}, " + (
                "which the identity store does not hold" if not found else "which several identity-store users fit"
            )
            return Match(
                "unmatched" if not found else "ambiguous",
                "confirmed",
                None,
                tuple(sorted(u.user_name for u in found)),
                note,
            )
        return None

    @staticmethod
    def _disabled(match: Match) -> Match:
        if match.status == "matched" and match.user is not None and is_disabled(match.user):
            return Match("disabled", match.matched_by, match.user, match.candidates, match.note)
        return match


def _decided(index: Mapping[str, list[IdentityStoreUser]], key: str, matched_by: MatchedBy) -> Match | None:
    candidates = index.get(key, [])
    if not candidates:
        return None
    if len(candidates) == 1:
        return Match("matched", matched_by, candidates[0], (candidates[0].user_name,))
    return Match("ambiguous", matched_by, None, tuple(sorted(c.user_name for c in candidates)))
