"""What a set of IAM identity policies allows, action by action, with IAM's evaluation logic and no AWS call.

The readiness stage is to compare what a person's IAM user may do with what their Identity Center permission sets
let them do. Policy names cannot answer that (a customer-managed "ReadOnly" may write; ``ViewOnlyAccess`` reads no
data), so this module evaluates the documents themselves, the way IAM does for a request in one account:

* an explicit ``Deny`` that applies wins over any ``Allow``;
* otherwise an ``Allow`` is needed in the identity policies and, when there is a permissions boundary, in the
  boundary too (identity ∩ boundary); without both it is an implicit deny;
* ``Action``/``NotAction`` match actions as IAM does (``actions.ActionPatterns``); ``Principal`` is ignored.

Only the action is known here, never the resource or the request's context, so each answer says how far the
documents alone decide it (``Decision``):

* ``allowed``: an unconditional ``Allow`` on every resource (``Resource`` ``*``, alone or in a list), in the
  boundary too, and no ``Deny`` that could apply;
* ``depends``: allowed only on some resources (another ``Resource``, or ``NotResource``), only under a
  ``Condition``, or with a boundary that could not be read; or allowed but a ``Deny`` with a condition or a
  narrower resource may apply (the self-service MFA policy's ``DenyAllExceptListedIfNoMFA``);
* ``denied``: an unconditional ``Deny`` on every resource applies;
* ``not-allowed``: no ``Allow`` applies (IAM's implicit deny).

Resource ARNs are not matched against the action's resource types: ``"NotAction": "s3:DeleteBucket", "Resource":
"arn:aws:s3:::*"`` answers ``depends`` for ``ec2:RunInstances`` too, which acts on no S3 resource, so IAM would not
allow it. "depends" is the honest answer for what these documents alone cannot settle, never a guess of "allowed".

Two ways in: ``decide`` for one concrete action (no database; right for an action newer than the database too),
and ``grants`` for everything a policy set allows, expanded through the action database as a bit mask per
service prefix. A policy combination is shared by many users, so ``grants`` is cached by its arguments, which are
hashable by content (``PolicySet``); ``PolicyCache`` compiles each document object once.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, TypeAlias

from auditor.permissions.actions import ActionPatterns, Service, database


class Decision(str, Enum):
    """The four answers, a public vocabulary: findings.json carries their values."""

    ALLOWED = "allowed"
    DEPENDS = "depends"
    DENIED = "denied"
    NOT_ALLOWED = "not-allowed"


class Unreadable(Enum):
    """The marker for a boundary that exists but could not be read: it may cap anything, so nothing is more than
    ``depends`` under it. A one-member Enum so that type checkers tell it from a list of documents."""

    BOUNDARY = "boundary-unreadable"


BOUNDARY_UNREADABLE: Final = Unreadable.BOUNDARY

Document: TypeAlias = Mapping[str, Any] | str  # a policy document, or its JSON text (URL-encoded or not)


# ---------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Statement:
    """One statement, reduced to what can be decided without a request: its effect, the actions it names (or,
    ``negated``, all but them), and whether it applies to every resource unconditionally."""

    deny: bool
    actions: ActionPatterns
    negated: bool  # NotAction
    everywhere: bool  # no Condition, and Resource is "*" (alone or among others); False for NotResource
    # When not everywhere: its Resource, NotResource and Condition as canonical JSON. Not weighed by the
    # evaluation (which answers ``depends``), only to tell the same limited grant from another (``covers``).
    scope: str = ""

    def applies_to(self, action: str) -> bool:
        return self.actions.matches(action) != self.negated

    @property
    def principal_dependent(self) -> bool:
        """Whether its scope reads who the principal is (a policy variable, or a principal's tag, name, id, ARN,
        type or MFA in a condition): the same statement may give an IAM user and a role session different
        access."""
        scope = self.scope.lower()
        return "${" in scope or any(f'"{key}' in scope for key in _PRINCIPAL_KEYS)


_PRINCIPAL_KEYS: Final = ("aws:principal", "aws:username", "aws:userid", "aws:multifactorauth", "aws:sourceidentity")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _statement(raw: Any) -> Statement | None:
    """None for what IAM would refuse to store (no effect, both or neither of Action and NotAction)."""
    if not isinstance(raw, Mapping):
        return None
    effect = str(raw.get("Effect", "")).lower()
    if effect not in ("allow", "deny") or ("Action" in raw) == ("NotAction" in raw):
        return None
    negated = "NotAction" in raw
    patterns = [str(p) for p in _as_list(raw["NotAction" if negated else "Action"]) if isinstance(p, str)]
    every_resource = "NotResource" not in raw and "*" in {str(r).strip() for r in _as_list(raw.get("Resource"))}
    everywhere = every_resource and not raw.get("Condition")
    return Statement(
        deny=effect == "deny",
        actions=ActionPatterns.of(patterns),
        negated=negated,
        everywhere=everywhere,
        scope="" if everywhere else _scope(raw),
    )


def _scope(raw: Mapping[str, Any]) -> str:
    """Resource, NotResource and Condition as one canonical text: a value and a list of that one value are the
    same to IAM, and so is any order of a list, so equal grants written differently compare equal."""
    scope: dict[str, Any] = {
        key: sorted({str(r) for r in _as_list(raw[key])}) for key in ("Resource", "NotResource") if key in raw
    }
    condition = raw.get("Condition")
    if isinstance(condition, Mapping):
        scope["Condition"] = {
            str(operator): {str(k): sorted({str(v) for v in _as_list(values)}) for k, values in keys.items()}
            if isinstance(keys, Mapping)
            else keys
            for operator, keys in condition.items()
        }
    elif condition is not None:
        scope["Condition"] = condition
    return json.dumps(scope, sort_keys=True, default=str)


def _decoded(document: Document) -> Mapping[str, Any]:
    if not isinstance(document, str):
        return document
    try:
        loaded = json.loads(document)
    except ValueError:
        loaded = json.loads(urllib.parse.unquote(document))  # as IAM's API returns it
    if not isinstance(loaded, Mapping):
        raise ValueError("a policy document is a JSON object")
    return loaded


def statements_of(document: Document) -> frozenset[Statement]:
    """A document's statements (``Statement`` one object or a list; ``Version`` and ``Principal`` ignored)."""
    found = (_statement(raw) for raw in _as_list(_decoded(document).get("Statement")))
    return frozenset(s for s in found if s is not None)


@dataclass(frozen=True)
class PolicySet:
    """The statements of several documents together. IAM weighs every statement that applies whatever document
    holds it, so a set of statements is the whole of what matters: equal combinations are equal keys, however they
    are split into documents or ordered."""

    statements: frozenset[Statement]

    def __or__(self, other: PolicySet) -> PolicySet:
        return PolicySet(self.statements | other.statements)


def policy_set(documents: Iterable[Document]) -> PolicySet:
    """The documents compiled (each time: for many principals sharing documents, ``PolicyCache``)."""
    if isinstance(documents, Mapping | str):
        raise TypeError("policy_set takes a list of documents, not one document")
    return PolicySet(frozenset().union(*(statements_of(d) for d in documents)))


class PolicyCache:
    """Documents compiled once per object. A collected inventory holds one object per managed policy, shared by
    every user and group it is attached to, so a 20,000-user organization compiles each document once, not once
    per user (``ReadOnlyAccess`` alone takes about 0.2 ms to read).

    Keyed by object identity: each entry keeps its document alive, so an id is never reused while cached, and a
    document must not be changed in place while the cache lives (an inventory is read-only). Keep one per
    inventory, for as long as the inventory.
    """

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[Document, frozenset[Statement]]] = {}

    def statements_of(self, document: Document) -> frozenset[Statement]:
        entry = self._compiled.get(id(document))
        if entry is None or entry[0] is not document:
            entry = (document, statements_of(document))
            self._compiled[id(document)] = entry
        return entry[1]

    def policy_set(self, documents: Iterable[Document]) -> PolicySet:
        if isinstance(documents, Mapping | str):
            raise TypeError("policy_set takes a list of documents, not one document")
        return PolicySet(frozenset().union(*(self.statements_of(d) for d in documents)))


Boundary: TypeAlias = PolicySet | Unreadable | None


def _as_policy_set(policies: PolicySet | Iterable[Document]) -> PolicySet:
    return policies if isinstance(policies, PolicySet) else policy_set(policies)


def _as_boundary(boundary: PolicySet | Unreadable | Iterable[Document] | None) -> Boundary:
    if boundary is None or isinstance(boundary, PolicySet | Unreadable):
        return boundary
    return policy_set(boundary)


# ---------------------------------------------------------------------------------------------- the logic


def _combine(
    identity_full: int, identity_any: int, boundary_full: int, boundary_any: int, deny_full: int, deny_any: int
) -> tuple[int, int, int]:
    """IAM's logic, written once for one action (0 or 1) and for a service's actions at a time (bit masks).

    ``*_full``: allowed (or denied) unconditionally on every resource; ``*_any``: by any statement at all.
    Returns the masks of (allowed, depends, denied); what is in none of them is not allowed.
    """
    denied = deny_full  # an explicit Deny wins
    allowed = identity_full & boundary_full & ~deny_any
    depends = identity_any & boundary_any & ~denied & ~allowed
    return allowed, depends, denied


def _decision(allowed: int, depends: int, denied: int) -> Decision:
    if denied:
        return Decision.DENIED
    if allowed:
        return Decision.ALLOWED
    return Decision.DEPENDS if depends else Decision.NOT_ALLOWED


def _flags(statements: Iterable[Statement], action: str) -> tuple[int, int, int, int]:
    """(allow on every resource, any allow, deny on every resource, any deny) for one action."""
    allow_full = allow_any = deny_full = deny_any = 0
    for statement in statements:
        if statement.applies_to(action):
            if statement.deny:
                deny_any = 1
                deny_full |= statement.everywhere
            else:
                allow_any = 1
                allow_full |= statement.everywhere
    return allow_full, allow_any, deny_full, deny_any


def decide(
    action: str,
    policies: PolicySet | Iterable[Document],
    boundary: PolicySet | Unreadable | Iterable[Document] | None = None,
) -> Decision:
    """What ``policies`` (capped by ``boundary``) answer for one concrete action, in any case.

    ``boundary``: None when there is none, ``BOUNDARY_UNREADABLE`` when there is one that could not be read, or
    its documents. An empty list is a boundary that allows nothing, as in IAM, not "no boundary".
    """
    if "*" in action or "?" in action or ":" not in action:
        raise ValueError(f"decide() answers for one action such as s3:GetObject, not {action!r}: see grants()")
    identity = _as_policy_set(policies)
    capped = _as_boundary(boundary)
    allow_full, allow_any, deny_full, deny_any = _flags(identity.statements, action)
    if capped is None:
        boundary_full = boundary_any = 1
    elif isinstance(capped, Unreadable):
        boundary_full, boundary_any = 0, 1
    else:
        boundary_full, boundary_any, boundary_deny_full, boundary_deny_any = _flags(capped.statements, action)
        deny_full |= boundary_deny_full
        deny_any |= boundary_deny_any
    return _decision(*_combine(allow_full, allow_any, boundary_full, boundary_any, deny_full, deny_any))


# ---------------------------------------------------------------------------------------------- enumeration

_ALLOW_FULL, _ALLOW_ANY, _DENY_FULL, _DENY_ANY = range(4)


@functools.lru_cache(maxsize=1024)
def _masks(policies: PolicySet) -> Mapping[str, Sequence[int]]:
    """Per service prefix: the masks of (allow on every resource, any allow, deny on every resource, any deny).
    Cached by content: a boundary or a permission set's policies recur in many combinations."""
    services = database()
    found: dict[str, list[int]] = {}
    for statement in policies.statements:
        everything, matched = statement.actions.masks
        per_service: Iterable[tuple[str, int]]
        if statement.negated:
            if everything:
                continue  # NotAction "*" applies to nothing
            per_service = ((p, s.everything & ~matched.get(p, 0)) for p, s in services.items())
        elif everything:
            per_service = ((p, s.everything) for p, s in services.items())
        else:
            per_service = matched.items()
        full, any_ = (_DENY_FULL, _DENY_ANY) if statement.deny else (_ALLOW_FULL, _ALLOW_ANY)
        for prefix, mask in per_service:
            if mask:
                slots = found.get(prefix)
                if slots is None:
                    slots = found[prefix] = [0, 0, 0, 0]
                slots[any_] |= mask
                if statement.everywhere:
                    slots[full] |= mask
    return found


_NOTHING: Final = (0, 0, 0, 0)


class Grants(Mapping[str, Decision]):
    """Every action of the database that a policy set allows or may allow, with its answer: a mapping from
    ``prefix:Name`` to ``allowed`` or ``depends`` (what is missing is ``not-allowed`` or ``denied``; ``decision``
    tells which). Held as three bit masks per service prefix, so ``AdministratorAccess``'s 20,000 actions are
    445 integers; actions are spelt out only when iterated."""

    def __init__(self, identity: PolicySet, boundary: Boundary, masks: Mapping[str, tuple[int, int, int]]) -> None:
        self.identity = identity
        self.boundary = boundary
        self._by_service = masks  # prefix -> (allowed, depends, denied), only prefixes with one of them
        # answers given, by action as asked: the readiness stage asks the same few used actions for many people
        self._decided: dict[str, Decision] = {}

    def decision(self, action: str) -> Decision:
        """Any of the four answers for any concrete action; one the database does not know is evaluated directly."""
        decided = self._decided.get(action)
        if decided is None:
            decided = self._decided[action] = self._decide(action)
        return decided

    def _decide(self, action: str) -> Decision:
        prefix, _, name = action.lower().partition(":")
        service = database().get(prefix)
        bit = service.positions.get(name) if service else None
        if bit is None:
            return decide(action, self.identity, self.boundary)
        allowed, depends, denied = self._by_service.get(prefix, (0, 0, 0))
        return _decision(allowed >> bit & 1, depends >> bit & 1, denied >> bit & 1)

    def __getitem__(self, action: str) -> Decision:
        decision = self.decision(action)
        if decision in (Decision.ALLOWED, Decision.DEPENDS):
            return decision
        raise KeyError(action)

    def _items(self, which: tuple[bool, bool]) -> Iterator[tuple[str, Decision]]:
        services = database()
        for prefix in sorted(self._by_service):
            allowed, depends, _ = self._by_service[prefix]
            service = services[prefix]
            for bit, name in enumerate(service.names):
                if which[0] and allowed >> bit & 1:
                    yield f"{service.prefix}:{name}", Decision.ALLOWED
                elif which[1] and depends >> bit & 1:
                    yield f"{service.prefix}:{name}", Decision.DEPENDS

    def __iter__(self) -> Iterator[str]:
        return (action for action, _ in self._items((True, True)))

    def decisions(self) -> Iterator[tuple[str, Decision]]:
        """(action, decision) for every action allowed or depending, by service prefix then name: ``items()``
        without a look-up per action."""
        return self._items((True, True))

    def __len__(self) -> int:
        return sum((a | d).bit_count() for a, d, _ in self._by_service.values())

    def count(self, decision: Decision) -> int:
        """How many actions of the database get ``decision`` (``not-allowed``: all the rest)."""
        if decision is Decision.NOT_ALLOWED:
            total = sum(s.everything.bit_count() for s in database().values())
            return total - len(self) - self.count(Decision.DENIED)
        slot = {Decision.ALLOWED: 0, Decision.DEPENDS: 1, Decision.DENIED: 2}[decision]
        return sum(masks[slot].bit_count() for masks in self._by_service.values())

    def actions(self, decision: Decision) -> Iterator[str]:
        """The actions that get ``decision`` (``allowed``, ``depends`` or ``denied``), by service then name."""
        if decision is Decision.NOT_ALLOWED:
            raise ValueError("not-allowed is everything else: iterate the database instead")
        slot = {Decision.ALLOWED: 0, Decision.DEPENDS: 1, Decision.DENIED: 2}[decision]
        services = database()
        for prefix in sorted(self._by_service):
            yield from services[prefix].actions_in(self._by_service[prefix][slot])

    def of_service(self, prefix: str) -> Iterator[str]:
        """The actions of one service prefix (any case) that are allowed or depend: ``iter()`` for one service,
        without spelling out the other 400."""
        service = database().get(prefix.lower())
        if service is None:
            return iter(())
        allowed, depends, _ = self._by_service.get(service.prefix, (0, 0, 0))
        return service.actions_in(allowed | depends)

    def service_decision(self, prefix: str) -> Decision | None:
        """The one answer every action of a service prefix gets, or None when its actions differ."""
        service = database().get(prefix.lower())
        if service is None:
            return None
        masks = self._by_service.get(service.prefix, (0, 0, 0))
        for slot, decision in ((0, Decision.ALLOWED), (1, Decision.DEPENDS), (2, Decision.DENIED)):
            if masks[slot] == service.everything:
                return decision
        return Decision.NOT_ALLOWED if not any(masks) else None

    def beyond(self, other: Grants) -> Iterator[tuple[str, Decision, Decision]]:
        """(action, this answer, ``other``'s) for each action this grants more of than ``other`` does (``allowed``
        over ``depends`` over neither): what a person would lose moving from these policies to ``other``'s."""
        services = database()
        for prefix in sorted(self._by_service):
            allowed, depends, _ = self._by_service[prefix]
            other_allowed, other_depends, other_denied = other._by_service.get(prefix, (0, 0, 0))
            lost = (allowed & ~other_allowed) | (depends & ~other_allowed & ~other_depends)
            service = services[prefix]
            for bit, name in enumerate(service.names):
                if lost >> bit & 1:
                    mine = Decision.ALLOWED if allowed >> bit & 1 else Decision.DEPENDS
                    theirs = _decision(other_allowed >> bit & 1, other_depends >> bit & 1, other_denied >> bit & 1)
                    yield f"{service.prefix}:{name}", mine, theirs


def best_of(grants_list: Sequence[Grants], action: str) -> Decision:
    """The best answer any of several principals gives for one action (a person with several permission sets in an
    account may use any of them, one at a time): ``allowed`` over ``depends`` over ``denied``/``not-allowed``."""
    decisions = [g.decision(action) for g in grants_list]
    for best in (Decision.ALLOWED, Decision.DEPENDS, Decision.DENIED):
        if best in decisions:
            return best
    return Decision.NOT_ALLOWED


def covers(theirs: Grants, mine: Grants, action: str) -> bool:
    """Whether ``theirs`` gives ``action`` wherever ``mine`` does, for an action both answer ``depends`` (conditions
    and resources are not evaluated, so this is by statement). ``mine`` allows a request only where one of its
    allow statements and (with a boundary) one of its boundary's do, so ``theirs`` covers it when it holds all of
    either kind that apply, none of them reading who the principal is; no statement of ``theirs`` denies the
    action that does not deny it in ``mine`` too; and ``theirs`` has no boundary or the same one. So a permission
    set holding the AWS managed policy an IAM user has (or that caps it) gives the same conditional access;
    anything else is to review."""
    if theirs.boundary is not None and (isinstance(theirs.boundary, Unreadable) or theirs.boundary != mine.boundary):
        return False
    limits = [mine.identity] + ([mine.boundary] if isinstance(mine.boundary, PolicySet) else [])
    held = theirs.identity.statements
    if not any(_grants_within(limit, held, action) for limit in limits):
        return False
    their_denies = {s for s in _with_boundary(theirs) if s.deny and s.applies_to(action)}
    return their_denies <= _with_boundary(mine)


def _grants_within(policies: PolicySet, held: frozenset[Statement], action: str) -> bool:
    allows = [s for s in policies.statements if not s.deny and s.applies_to(action)]
    return bool(allows) and all(s in held and not s.principal_dependent for s in allows)


def _with_boundary(held: Grants) -> frozenset[Statement]:
    boundary = held.boundary
    statements = held.identity.statements
    return statements | boundary.statements if isinstance(boundary, PolicySet) else statements


def not_covered(
    mine: Grants, others: Sequence[Grants], prefixes: Iterable[str] | None = None
) -> Iterator[tuple[str, Decision, Decision]]:
    """(action, ``mine``'s answer, the best answer of ``others``) for each action ``mine`` allows or may allow
    (``allowed`` or ``depends``) that none of ``others`` allows outright: what a person moving from one principal's
    policies to several roles, any of which they may use, could lose. Conditions and resources are not compared,
    so two ``depends`` are not known to be the same access: a ``depends`` on both sides is yielded too.

    Computed on the masks, a service at a time, so ``AdministratorAccess`` against a few sets costs a few hundred
    integer operations, not 20,000 look-ups. ``prefixes``: only those services (any case)."""
    services = database()
    held = mine._by_service
    only = sorted(held) if prefixes is None else sorted({p.lower() for p in prefixes} & held.keys())
    for prefix in only:
        allowed, depends, _ = held[prefix]
        their_allowed = their_depends = their_denied = 0
        for other in others:
            other_allowed, other_depends, other_denied = other._by_service.get(prefix, (0, 0, 0))
            their_allowed |= other_allowed
            their_depends |= other_depends
            their_denied |= other_denied
        uncovered = (allowed | depends) & ~their_allowed
        if not uncovered:
            continue
        service = services[prefix]
        for bit, name in enumerate(service.names):
            if uncovered >> bit & 1:
                # best_of on the masks: none allows it outright; one that may beats one that denies beats none
                theirs = (
                    Decision.DEPENDS
                    if their_depends >> bit & 1
                    else Decision.DENIED
                    if their_denied >> bit & 1
                    else Decision.NOT_ALLOWED
                )
                yield f"{service.prefix}:{name}", Decision.ALLOWED if allowed >> bit & 1 else Decision.DEPENDS, theirs


def _boundary_masks(boundary: Boundary, service: Service) -> Sequence[int]:
    if boundary is None:
        return service.everything, service.everything, 0, 0
    if isinstance(boundary, Unreadable):
        return 0, service.everything, 0, 0
    return _masks(boundary).get(service.prefix, _NOTHING)


@functools.lru_cache(maxsize=512)
def _grants(identity: PolicySet, boundary: Boundary) -> Grants:
    identity_masks = _masks(identity)
    services = database()
    by_service: dict[str, tuple[int, int, int]] = {}
    for prefix, (allow_full, allow_any, deny_full, deny_any) in identity_masks.items():
        service = services[prefix]
        boundary_full, boundary_any, boundary_deny_full, boundary_deny_any = _boundary_masks(boundary, service)
        result = _combine(
            allow_full,
            allow_any,
            boundary_full,
            boundary_any,
            deny_full | boundary_deny_full,
            deny_any | boundary_deny_any,
        )
        if any(result):
            by_service[prefix] = result
    if isinstance(boundary, PolicySet):  # a boundary's own unconditional Deny denies even what no Allow names
        for prefix, (_, _, deny_full, _) in _masks(boundary).items():
            if deny_full and prefix not in identity_masks:
                by_service[prefix] = (0, 0, deny_full)
    return Grants(identity, boundary, by_service)


def grants(
    policies: PolicySet | Iterable[Document],
    boundary: PolicySet | Unreadable | Iterable[Document] | None = None,
) -> Grants:
    """Everything ``policies`` (capped by ``boundary``) allow or may allow, over the whole action database.

    Cached by content (the 512 most recent policy set and boundary pairs): pass ``PolicySet``s (from a
    ``PolicyCache``) so that recognising a combination seen before costs a hash, not a parse.
    """
    return _grants(_as_policy_set(policies), _as_boundary(boundary))
