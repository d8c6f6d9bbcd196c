"""``(did you mean 'KEY-001'?)``: the known names closest to one that matches nothing, for every error line that
names an unknown user, group, rule or format (difflib, without case)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from auditor.errors import short_repr

MAX_SUGGESTED = 3


def closest(asked: str, known: Iterable[str] | Mapping[str, str]) -> list[str]:
    """The names in ``known`` closest to ``asked``, best first, at most ``MAX_SUGGESTED``. ``known`` is the names,
    or a mapping from each variant a name is matched by (lower case) to the name shown (several variants may
    show one name: a user's name and e-mail)."""
    variants = dict(known) if isinstance(known, Mapping) else {name.lower(): name for name in sorted(known)}
    close = difflib.get_close_matches(asked.lower(), list(variants), n=2 * MAX_SUGGESTED, cutoff=0.6)
    return list(dict.fromkeys(variants[variant] for variant in close))[:MAX_SUGGESTED]


def did_you_mean(asked: str, known: Iterable[str] | Mapping[str, str]) -> str:
    """`` (did you mean 'a' or 'b'?)``, or "" when no name is close."""
    suggested = closest(asked, known)
    if not suggested:
        return ""
    return " (did you mean " + " or ".join(short_repr(name) for name in suggested) + "?)"
