"""Finding AWS access key ids in the bytes of one file.

A key id is ``AKIA`` (long-lived, an IAM user's or root's) or ``ASIA`` (temporary, from STS) followed by 16
upper-case letters or digits, not run into a longer upper-case word. Found:

* anywhere in a line, inside a JSON or YAML string included (the quotes are not part of the id);
* split by string concatenation on one line: ``"AKIAIOSF" + "ODNN7EXAMPLE"``, ``'AKIA' 'IOSF...'`` (Python's
  implicit concatenation), ``"AKIA" . "..."`` (PHP, Perl), ``'AKIA' || '...'`` (SQL). The ``AKIA``/``ASIA``
  prefix itself must be in one piece: that is what lets a file be ruled out with one search at memory speed
  (``"AK" + "IA..."`` is not found);
* with a *secret nearby*: a 40-character base64-looking value (upper and lower case, and a digit, ``/`` or
  ``+``) on the same line or within ``NEARBY_LINES`` lines. Hex strings (git object ids, SHA-1 digests) are not
  secret-looking. The value itself is never returned.

AWS's documentation example ids (``AKIAIOSFODNN7EXAMPLE`` and the like: they all end in ``EXAMPLE``) are
flagged ``example``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

NEARBY_LINES = 3
_PREFIX = re.compile(rb"A[KS]IA")  # one regex pass is about three times faster than two ``in`` tests
_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
# quote, optional concatenation operator, quote: the seam between two string literals on one line
_SEAM = re.compile(r"""(["'])\s*(?:\+|\.|\|\||&)?\s*(["'])""")
# upper-case letters or digits on both sides of a seam: the only seams that can split a key id
_SPLIT = re.compile(r"""[A-Z0-9]["']\s*(?:\+|\.|\|\||&)?\s*["'][A-Z0-9]""")
_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


@dataclass(frozen=True)
class KeyMatch:
    line: int  # 1-based
    column: int  # 1-based, in characters of the decoded line
    key_id: str
    secret_nearby: bool
    example: bool


def might_hold_a_key(data: bytes) -> bool:
    """Cheap test on the whole file (one C-speed search for the prefix): can :func:`find_keys` find anything?"""
    return _PREFIX.search(data) is not None


def find_keys(data: bytes) -> Iterator[KeyMatch]:
    """Every key id in ``data`` (one file's bytes), in file order."""
    text = data.decode("utf-8", errors="replace")
    # Lines as git numbers them (``--since`` compares with its hunks, SARIF with what a pull request shows): only
    # ``\n`` ends one. ``str.splitlines`` also splits at \r, \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029.
    lines = text.split("\n")
    secret_lines: list[int] | None = None
    for index, line in enumerate(lines):
        found = list(_keys_in_line(line))
        if not found:
            continue
        if secret_lines is None:
            secret_lines = [i for i, candidate in enumerate(lines) if _has_secret(candidate)]
        near = any(abs(i - index) <= NEARBY_LINES for i in secret_lines)
        for column, key_id in found:
            yield KeyMatch(
                line=index + 1,
                column=column,
                key_id=key_id,
                secret_nearby=near,
                example=key_id.endswith("EXAMPLE"),
            )


def _keys_in_line(line: str) -> Iterator[tuple[int, str]]:
    """(column, key id): whole ids first, then ids that only appear once string seams are closed."""
    if "AKIA" not in line and "ASIA" not in line:
        return
    seen: set[int] = set()
    for match in _KEY.finditer(line):
        seen.add(match.start())
        yield match.start() + 1, match.group(0)
    if ("'" not in line and '"' not in line) or not _SPLIT.search(line):
        return
    joined, origin = _close_seams(line)
    if joined == line:
        return
    for match in _KEY.finditer(joined):
        start = origin[match.start()]
        if start not in seen:
            seen.add(start)
            yield start + 1, match.group(0)


def _close_seams(line: str) -> tuple[str, list[int]]:
    """The line with every ``" + "`` seam removed, and for each character of the result its index in ``line``."""
    parts: list[str] = []
    origin: list[int] = []
    position = 0
    for seam in _SEAM.finditer(line):
        parts.append(line[position : seam.start()])
        origin.extend(range(position, seam.start()))
        position = seam.end()
    parts.append(line[position:])
    origin.extend(range(position, len(line)))
    return "".join(parts), origin


def _has_secret(line: str) -> bool:
    for match in _SECRET.finditer(line):
        value = match.group(0)
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() or c in "/+" for c in value)
        ):
            return True
    return False
