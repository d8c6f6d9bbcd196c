"""Text from the inventory made safe for where it is shown: a spreadsheet cell, markdown, a terminal.

Names come from the accounts audited, and AWS lets an account be called ``=HYPERLINK("http://x","y")`` or carry
an escape sequence: opened in a spreadsheet the first runs as a formula (OWASP "CSV injection"), printed to a
terminal the second recolours or rewrites the screen, and raw HTML in markdown runs in whatever renders it. Each
output goes through one function here, so the three cannot drift apart.
"""

from __future__ import annotations

import re

# C0 controls (tab and newline too: a value is one line wherever it is shown), DEL and C1 controls (CSI, 0x9b,
# starts an escape sequence on its own in many terminals)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What a spreadsheet reads as the start of a formula (OWASP: =, +, -, @, tab, carriage return)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# CommonMark's inline syntax that could turn a name into markup: raw HTML, a link, code spans, table cells
_MARKDOWN = re.compile(r"([\\`|<>\[\]&])")


def visible_controls(text: str) -> str:
    """Every control character written as its escape (``\\x1b``), so it shows instead of acting."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text)


def terminal_text(text: str) -> str:
    """A line for the terminal: no control character reaches it (ANSI escape codes are shown, not run)."""
    return visible_controls(text)


def csv_cell(text: str) -> str:
    """A spreadsheet cell that is never a formula: a value starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
    return gets a leading single quote (what OWASP recommends; spreadsheets show the quote as text)."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def markdown_text(text: str) -> str:
    """Prose for markdown, from the product's own text with names in it: control characters made visible, and
    raw HTML, links, code spans and table pipes escaped with a backslash (the reader sees the characters)."""
    return _MARKDOWN.sub(r"\\\1", visible_controls(text))


def markdown_code(text: str) -> str:
    """A line inside a fenced code block: markup is inert there, so only control characters are made visible."""
    return visible_controls(text)
