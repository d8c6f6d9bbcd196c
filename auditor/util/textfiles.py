"""Text files as people save them: UTF-8, with or without a byte order mark, or UTF-16/UTF-32 with one.

Windows editors and PowerShell (``Out-File``, ``>``) write UTF-16 with a byte order mark, and Notepad used to
add a BOM to UTF-8. Decoding such a file as plain UTF-8 "with replacement" silently turns it into text nothing
matches (a NUL between every letter, or a BOM glued to the first ``[section]``), so a reader finds nothing and
says nothing. Here a file is decoded by its BOM, else as strict UTF-8; anything else raises
:class:`UndecodableText`, whose message says why without quoting the file (it may hold a secret), so the caller
records a coverage gap instead of reading zero entries.
"""

from __future__ import annotations

import codecs

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class UndecodableText(ValueError):
    """The bytes are not text this module can decode with certainty; the message never quotes them."""


def decode_text(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``: by the byte order mark (dropped from the text), else strict UTF-8.

    UTF-8 text holds no NUL byte, so one without a BOM is refused rather than guessed at (UTF-16 without a
    BOM, or a binary file): a wrong guess would read as "nothing here".
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return body.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                where = _where(body, exc, encoding)
                raise UndecodableText(f"not valid {encoding} after its byte order mark ({where})") from None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise UndecodableText(f"NUL bytes and no byte order mark (line {line}): UTF-16 without a BOM, or not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise UndecodableText(f"not UTF-8 ({_where(data, exc, 'utf-8')}), and no byte order mark") from None


def _where(data: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    """Where decoding failed: the line (counted in the text decoded up to there) and the byte offset."""
    line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
    return f"invalid bytes on line {line}, offset {exc.start}"
