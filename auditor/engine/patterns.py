"""The patterns people write in ``auditor.toml``, matched one way for production accounts and suppressions alike.

One case rule: every match ignores case, for names, ARNs, OU paths, tag keys and tag values. AWS preserves case
but people type it loosely, and a pattern that silently misses ``Environment=Production`` because it says
``prod*`` would hide exactly the accounts it was written for. Globs are shell-style (``*``, ``?``, ``[...]``).

Tags never read (``None``: outside the scan's scope, or ``ListTagsForResource`` failed) match no tag pattern:
matching them would be a guess, in either direction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from auditor.inventory.facts import AccountFacts

PatternKind = Literal["name", "ou", "tag"]
PATTERN_KINDS: tuple[PatternKind, ...] = ("name", "ou", "tag")


def glob_match(pattern: str, value: str | None) -> bool:
    return value is not None and fnmatchcase(value.lower(), pattern.lower())


def tag_match(pattern: str, tags: Mapping[str, str] | None) -> bool:
    """``Key=ValueGlob``: some tag has that key and a value the glob matches."""
    key, _, value_glob = pattern.partition("=")
    return tags is not None and any(k.lower() == key.lower() and glob_match(value_glob, v) for k, v in tags.items())


def check_tag_pattern(pattern: str) -> str:
    """Raise ``ValueError`` unless ``pattern`` has the ``Key=ValueGlob`` form (for config validation)."""
    key, sep, _ = pattern.partition("=")
    if not sep or not key:
        raise ValueError(f"tag pattern {pattern!r} must be of the form Key=ValueGlob")
    return pattern


@dataclass(frozen=True)
class AccountPattern:
    """``name:GLOB``, ``ou:GLOB`` (the OU path, e.g. ``/Root/Workloads/Prod``), ``tag:Key=ValueGlob``; a bare
    ``GLOB`` matches the account name."""

    text: str
    kind: PatternKind
    glob: str

    @classmethod
    def parse(cls, text: str) -> AccountPattern:
        kind, sep, glob = text.partition(":")
        if not sep:
            return cls(text, "name", text)
        if kind not in PATTERN_KINDS:
            raise ValueError(f"pattern {text!r}: unknown kind {kind!r} (use name:, ou: or tag:)")
        if kind == "tag":
            check_tag_pattern(glob)
        return cls(text, kind, glob)

    def matches(self, account: AccountFacts) -> bool:
        if self.kind == "name":
            return glob_match(self.glob, account.name)
        if self.kind == "ou":
            return glob_match(self.glob, account.ou_path)
        return tag_match(self.glob, account.tags)


def first_match(patterns: Iterable[AccountPattern], account: AccountFacts | None) -> AccountPattern | None:
    """The first pattern the account matches; ``None`` for none, or for an account nothing is known about."""
    if account is None:
        return None
    return next((pattern for pattern in patterns if pattern.matches(account)), None)
