"""``scan-code --since``: the lines a change adds, read from git the way git writes them."""

from __future__ import annotations

import pytest
from factories import fake_key_id

from auditor.codescan.keys import find_keys

KEY = fake_key_id("J7QRT2XW5KZL3MPV")

SEPARATORS = ["\u2028", "\u2029", "\f", "\v", "\x85", "\r", "\x1c", "\x1d", "\x1e"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_find_keys_numbers_lines_as_git_does(separator: str) -> None:
    """Only ``\\n`` ends a line; ``str.splitlines`` also splits at these, which shifted every line after."""
    data = f"a{separator}b\nc\n  {KEY}\r\n".encode()
    assert [(m.line, m.column) for m in find_keys(data)] == [(3, 3)]
