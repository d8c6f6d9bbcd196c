"""The base of every model that crosses a stage or a file: the inventory, the findings document, the
configuration and the readiness section all derive from :class:`Model`.

Two things every such model shares: unknown keys are an error (a typo in a hand-written inventory or
``auditor.toml`` fails loudly instead of being ignored), and instances given the same fields share one
fields set (see :class:`Model`), which is what keeps a 20,000-user inventory's memory in check.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr


class Model(BaseModel):
    """Base for every inventory type: unknown keys are an error, so a typo in a hand-made fixture fails loudly.

    Every instance shares its ``model_fields_set`` with the other instances that were given the same fields.
    pydantic gives each instance a set of its own (728 bytes for 5 to 18 names), which at 20,000 users and
    40,000 findings was half of the inventory's memory and a fifth of the findings document's, for a set that
    only ``exclude_unset`` reads and that takes one of about 25 values. A shared set is never changed: assigning
    a field first points the instance at the shared set that already holds the name, so pydantic's own
    ``add`` of the name changes nothing.
    """

    model_config = ConfigDict(extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        fields_set = self.__pydantic_fields_set__
        shared = _LAST_SHARED.get(type(self))  # most instances of a class are given the fields the last one was
        if shared is None or shared != fields_set:
            shared = _LAST_SHARED[type(self)] = _shared_fields_set(fields_set)
        object.__setattr__(self, "__pydantic_fields_set__", shared)

    def __setattr__(self, name: str, value: Any) -> None:
        fields_set = self.__pydantic_fields_set__
        if name not in fields_set and name in type(self).__pydantic_fields__:
            object.__setattr__(self, "__pydantic_fields_set__", _shared_fields_set(fields_set | {name}))
        super().__setattr__(name, value)


def _shared_fields_set(fields_set: set[str]) -> set[str]:
    return _SHARED_FIELDS_SETS.setdefault(frozenset(fields_set), fields_set)


# frozenset of field names -> the one set every instance given exactly those fields refers to (Model)
_SHARED_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_LAST_SHARED: dict[type[BaseModel], set[str]] = {}  # per class, the shared set its latest instance got


Item = TypeVar("Item")


class IndexedModel(Model):
    """A model with dictionary lookups over its lists, instead of a linear search per question.

    Only the few models that are asked by key carry this (thousands of users and keys do not pay for it).
    """

    _indexes: dict[str, tuple[object, dict[Any, Any]]] = PrivateAttr(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        """Equal facts are equal inventories, whichever lookups happen to have been built on either side."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def _index(self, name: str, items: Sequence[Item] | None, key: Callable[[Item], Hashable]) -> dict[Any, Item]:
        """``items`` by ``key`` (the first item wins a duplicate key), rebuilt when the list is replaced."""

        def build() -> dict[Any, Item]:
            by_key: dict[Any, Item] = {}
            for item in items or ():
                by_key.setdefault(key(item), item)
            return by_key

        return self._cached(name, (items,), build)

    def _cached(self, name: str, sources: tuple[object, ...], build: Callable[[], dict[Any, Any]]) -> dict[Any, Any]:
        """``build()``, kept until one of ``sources`` (the objects it was built from) is replaced."""
        cached = self._indexes.get(name)
        if cached is None or not _same_objects(cached[0], sources):
            cached = (sources, build())
            self._indexes[name] = cached
        return cached[1]


def _same_objects(cached: object, current: tuple[object, ...]) -> bool:
    return (
        isinstance(cached, tuple)
        and len(cached) == len(current)
        and all(a is b for a, b in zip(cached, current, strict=True))
    )
