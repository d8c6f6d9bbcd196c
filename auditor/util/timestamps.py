"""Timestamps as the inventory keeps them: timezone-aware UTC. One helper for collectors, the core and rules."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """Naive values (the credential report's CSV, some SDK paths, a hand-written inventory) are UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def latest(*moments: datetime | None) -> datetime | None:
    """The most recent of the known moments; ``None`` when none is known."""
    known = [as_utc(m) for m in moments if m is not None]
    return max(known) if known else None
