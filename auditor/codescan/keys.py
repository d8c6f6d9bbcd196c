"""Finding AWS access key ids in the bytes of one file.

A key id is ``AKIA`` (long-lived, an IAM user's or root's) or ``ASIA`` (temporary, from STS) followed by 16
characters of AWS's alphabet, upper-case base32 (``A``-``Z``, ``2``-``7``: ``0``, ``1``, ``8`` and ``9`` never
occur), not run into a longer upper-case word. Lower-case look-alikes are not key ids. Found:

* anywhere in a line, inside a JSON or YAML string included (the quotes are not part of the id), and right
  after an escape (``\\u0022AKIA...``, ``\\x22``, ``%3DAKIA...``, ``\\042``): the letter or digit that ends an
  escape does not make the id part of a longer word;
* split by string concatenation within ``SPLIT_LINES`` lines: ``"AKIAIOSF" + "ODNN7EXAMPLE"``, ``'AKIA' 'IOSF...'``
  (Python's implicit concatenation), ``"AKIA" . "..."`` (PHP, Perl), ``'AKIA' || '...'`` (SQL), ``..`` (Lua),
  a shell's or Python's ``\\`` line continuation, and the pieces of a ``join`` (``"".join(["AKIA", "..."])``,
  ``[...].join("")``, ``strings.Join``), the seam inside the ``AKIA``/``ASIA`` prefix too (``"AK" + "IA..."``);
* base64-encoded, in a token of at least ``MIN_BASE64`` characters (a Kubernetes Secret's ``data:`` value, a
  ``b64decode("...")`` argument, a whole credentials file encoded): a file is ruled in by the few characters
  of the encoded prefix that do not depend on their neighbours (``QUtJQ`` is ``AKIA`` at a 3-byte boundary,
  ``FLSU`` and ``BS0lB`` the two other alignments), and only a window of the token around them is decoded. The
  match is reported where the encoded token starts, with ``encoding`` "base64". A value wrapped over lines (a
  PEM-like block, a YAML folded scalar) is joined first, and its encoded prefix may be broken by a line break;
* in UTF-16 and UTF-32 text (a byte-order mark, or NUL bytes in every second or every other three positions:
  PowerShell's and ``regedit``'s exports), decoded first; in other files holding NUL bytes (binaries), as
  bytes, so an ASCII id stored in them is found;
* with a *secret nearby*: a 40-character base64-looking value (upper and lower case, and a digit, ``/`` or
  ``+``) on the same line or within ``NEARBY_LINES`` lines (a credentials file's block), after a space, a
  quote, ``=``, ``:`` or nothing, also percent-encoded (``%2F``), JSON-escaped (``\\/``) or base64-encoded.
  Hex strings (git object ids, SHA-1 digests) are not secret-looking. The value itself is never returned.

Ids that are not keys stay reported, as information: AWS's documentation examples (``AKIAIOSFODNN7EXAMPLE``
and the like: they all end in ``EXAMPLE``) are flagged ``example``; placeholders (a word of
``PLACEHOLDER_WORDS`` or an ``EXAMPLE`` inside), ids of repeated or sequential characters, and ids made of
dictionary words (``ASIAPACIFICSOUTHEAST``) carry the reason in ``placeholder``. Each test is one a random
16-character body passes with a probability below one in a billion, so a real key is not taken for one.

Lines are counted as git counts them: only ``\\n`` ends a line. Large files are read in segments of
``SEGMENT_CHARS`` characters with a few lines of context either side (:func:`find_keys_in_stream`), so memory
stays bounded whatever the file's size.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # what follows AKIA/ASIA in a key id AWS issues
NEARBY_LINES = 5  # a secret this many lines above or below a key id is its pair (a credentials file's block)
SPLIT_LINES = 4  # the pieces of a split key id: within this many lines after the first
MIN_BASE64 = 27  # the base64 of 20 bytes (a key id alone) without padding
SEGMENT_CHARS = 4 * 1024 * 1024  # large files are scanned a segment of this many characters at a time
_CONTEXT_LINES = max(NEARBY_LINES, SPLIT_LINES)
_CONTEXT_CHARS = 64 * 1024  # at most this much context either side of a segment

# --- what rules a file in: one translation and one search, both in C ------------------------------------------
# The base64 characters that encode AKIA/ASIA whatever the bytes around them, at each of the 3 alignments
# (``QUtJQ`` is AKIA at a 3-byte boundary). Searching for them and for the prefix in separate passes costs a pass
# each; a pattern whose branches start with different characters is slower still. So the first characters of
# every branch (A, Q, F, B) are translated to one byte, and one pattern with that byte as its literal start runs
# over the translation: about twice the cost of the prefix search alone (docs/benchmarks.md).
# Two more shapes ride on the same search, tried only where it stops: a seam between string literals inside the
# prefix itself (``"AK" + "IA..."``, ``"A" + "KIA..."``, ``"AKI" + "A..."``: one seam, the prefix's letters on
# both sides), and a base64 needle broken by a line break (a PEM-like block wrapped at 64 characters, a YAML
# folded scalar: the break and the next line's indentation may fall between any two of its characters). Every
# branch starts with one character or class, which the engine tests before entering it, so at each stop most
# branches cost one comparison (branches opening with an optional line break doubled the search's time).
_B64_NEEDLES = (r"Q(?:UtJ|VNJ)Q", r"F[LT]SU", r"B[SU]0lB")
_SEAM_CHARS = r"[\s+.|&~\\,]{0,40}"  # what may stand between two string literals: _OPERATOR, a comma, spaces
_QUOTES = rf"[\"'`]{_SEAM_CHARS}[\"'`]"  # a seam between two string literals
_WRAP = r"(?:\r?\n[ \t]*)?"  # a line break inside a wrapped base64 value


def _wrapped(needle: str) -> str:
    """``needle`` (a sequence of characters and ``[...]`` classes) with an optional line break between any two."""
    return _WRAP.join(re.findall(r"\[[^]]*\]|[^[]", needle))


_ANCHORS = bytes.maketrans(b"AQFB", b"\x01\x01\x01\x01")
_B64_AFTER_ANCHOR = "|".join(
    _wrapped(needle).replace("@", "\x01") for needle in ("UtJ@", "VNJ@", "[LT]SU", "[SU]0l@")
)  # "@" stands for the closing anchor (Q or B), a line break allowed before it
_CANDIDATE = re.compile(
    (
        rf"\x01(?:[KS](?:I(?:\x01|{_QUOTES}\x01)|{_QUOTES}I\x01)|{_QUOTES}[KS]I\x01"  # the prefix, whole or split
        rf"|{_B64_AFTER_ANCHOR}|[\r\n]\n?[ \t]*(?:{_B64_AFTER_ANCHOR}))"  # base64, a line break anywhere in it
    ).encode()
)
_B64_NEEDLE_TEXT = re.compile("|".join(_B64_NEEDLES))
# One pattern per first letter: a pattern whose branches start with different letters is searched character by
# character, one led by a single letter at memchr's speed (3 searches of a 7 MB file: 5 ms against 40 ms).
_B64_WRAPPED_FILTERS = tuple(
    re.compile(pattern)
    for pattern in (
        f"Q{_WRAP}(?:{_wrapped('UtJ')}|{_wrapped('VNJ')}){_WRAP}Q",
        _wrapped("F[LT]SU"),
        _wrapped("B[SU]0lB"),
    )
)
_PREFIX_SEAM_TEXT = re.compile(rf"A(?:{_QUOTES}[KS]IA|[KS](?:{_QUOTES}IA|I{_QUOTES}A))")  # a seam inside the prefix
_PREFIX_SEAM_LINE = re.compile(r"A(?:[KS]I?)?[\"'`]")  # a line where such a seam may begin
_PLAIN_TRIGGER = re.compile(rf"A[KS]IA|{_PREFIX_SEAM_LINE.pattern}")  # a line a plain or split id may start on
_LINE_TRIGGER = re.compile(rf"{_PLAIN_TRIGGER.pattern}|{_B64_NEEDLE_TEXT.pattern}")  # ... or an encoded one
# Lines of base64 and nothing else, at least two, after the tail of a line (``data: QUtJ...``): one wrapped value
_B64_BLOCK = re.compile(
    r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}[ \t]*\r?\n(?:[ \t]*[A-Za-z0-9+/]{2,}={0,2}[ \t]*(?:\r?\n|$))+"
)
_BLOCK_LINES = 64  # a wrapped value is looked for this many lines around an encoded prefix (4 KiB at 64 a line)
_NOT_IN_A_TOKEN = re.compile(r"[^A-Za-z0-9+/=_%\\-]")
_WIDE_PREFIX = re.compile(rb"A\x00[KS]\x00I\x00A\x00")  # an id in UTF-16-LE inside a binary

# --- a key id and what sits around it ----------------------------------------------------------------------------
# Not after an upper-case letter or digit, unless that character ends an escape (%3D, \u0022, \x22, \042).
_ESCAPED = r"(?<=%[0-9A-Fa-f]{2})|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\x[0-9A-Fa-f]{2})|(?<=\\[0-7]{3})"
_KEY = re.compile(rf"(?:(?<![A-Z0-9])|{_ESCAPED})(?:AKIA|ASIA)[A-Z2-7]{{16}}(?![A-Z0-9])")
_ANY_KEY = re.compile(r"A[KS]IA[A-Z2-7]{16}")
_ESCAPE = re.compile(r"\\u00([0-7][0-9A-Fa-f])|\\x([0-7][0-9A-Fa-f])")  # an ASCII character escaped
# quote, optional concatenation operator or line continuation, quote: the seam between two string literals
_OPERATOR = r"(?:\+|\.\.|\.|\|\||&|~|\\)"
_SEAM = re.compile(rf"""(["'`])\s*{_OPERATOR}?\s*(["'`])""")
_JOIN_SEAM = re.compile(rf"""(["'`])\s*(?:,|{_OPERATOR})?\s*(["'`])""")  # a join's pieces are a list's items
# key-id characters on both sides of a seam: the only seams that can split a key id
_SPLIT = re.compile(rf"""[A-Z2-7]["'`]\s*(?:,|{_OPERATOR})?\s*["'`][A-Z2-7]""")
_JOIN = re.compile(r"join", re.IGNORECASE)
_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_BASE64_TOKEN = re.compile(rf"[A-Za-z0-9+/_-]{{{MIN_BASE64},}}={{0,2}}")
_BASE64_SECRET = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{54}(?:==)?(?![A-Za-z0-9+/_=-])")  # 40 bytes
_BASE64_WINDOW = 512  # characters of a long token decoded around the encoded prefix (a credentials file's block)

PLACEHOLDER_WORDS = frozenset(
    "YOUR MY KEY KEYS ID IDS HERE ACCESS SECRET EXAMPLE EXAMPLES SAMPLE TEST TESTS TESTING DUMMY FAKE MOCK "
    "PLACEHOLDER REPLACE REPLACEME CHANGE CHANGEME INSERT PUT ENTER FILL ME THIS XXX AWS NOT REAL VALUE TOKEN "
    "REDACTED HIDDEN MASKED SECRETKEY ACCESSKEY KEYID".split()
)
# Words a key id is made of when it is no key: AWS regions and their parts, and common words of code.
_DICTIONARY_WORDS = PLACEHOLDER_WORDS | frozenset(
    "PACIFIC SOUTH NORTH EAST WEST CENTRAL EUROPE ASIA AFRICA AMERICA AMERICAS MIDDLE GOV CHINA INDIA JAPAN "
    "KOREA TOKYO SEOUL OSAKA SYDNEY MUMBAI SINGAPORE JAKARTA MELBOURNE HONG KONG LONDON PARIS IRELAND "
    "FRANKFURT STOCKHOLM MILAN SPAIN ZURICH BAHRAIN ISRAEL CANADA MEXICO BRAZIL OHIO VIRGINIA OREGON "
    "CALIFORNIA REGION REGIONS ZONE ZONES "
    "THE AND FOR WITH FROM INTO OVER UNDER ALL ANY NONE NULL TRUE FALSE YES NO ON OFF NEW OLD GET SET ADD "
    "USER USERS ADMIN ADMINS ROOT ROLE ROLES POLICY POLICIES ACCOUNT ACCOUNTS GROUP GROUPS SERVICE SERVICES "
    "DEFAULT CONFIG SETTINGS PROFILE PROFILES DEV PROD STAGE STAGING QA LOCAL REMOTE SERVER CLIENT DATA "
    "DATABASE TABLE BUCKET BUCKETS STORAGE CLOUD AMAZON WEB API APP APPS CODE NAME NAMES TYPE TYPES LIST "
    "MAP STRING NUMBER VALUES PASSWORD PASS WORD WORDS TEMP TEMPORARY SESSION LONG TERM SHORT CREDENTIAL "
    "CREDENTIALS IDENTITY IAM STS ASSUME AUTH LOGIN LOGOUT".split()
)
_LONGEST_WORD = max(len(word) for word in _DICTIONARY_WORDS)


@dataclass(frozen=True)
class KeyMatch:
    line: int  # 1-based
    column: int  # 1-based, in characters of the decoded line
    key_id: str
    secret_nearby: bool
    example: bool
    placeholder: str | None = None  # why the id is no key (placeholder, repeated, sequential, dictionary word)
    encoding: str | None = None  # how it was written when not as plain text: "base64", "utf-16-le", ...


def might_hold_a_key(data: bytes) -> bool:
    """Cheap test on the whole file (C-speed searches): can :func:`find_keys` find anything? UTF-16 and UTF-32
    text, and binaries holding a UTF-16 string that looks like an id, are always read."""
    if _CANDIDATE.search(data.translate(_ANCHORS)) is not None:
        return True
    if data[:1] in (b"\xff", b"\xfe") or data.find(b"\0", 0, 8192) >= 0:
        return text_codec(data[:4096]) is not None or _WIDE_PREFIX.search(data) is not None
    return False


def text_codec(sample: bytes) -> tuple[str, int] | None:
    """The codec of a file whose first bytes are ``sample`` when it is UTF-16 or UTF-32 (and its byte-order mark's
    length), else ``None``. A mark decides; without one, where the NUL bytes fall: ASCII text in UTF-16-LE has a
    NUL in almost every odd position and almost none in even ones."""
    for mark, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if sample.startswith(mark):
            return codec, len(mark)
    if b"\0" not in sample:
        return None
    size = len(sample) // 4 * 4
    if size < 8:
        return None
    quarter = size // 4
    zeros = [sample[i:size:4].count(0) for i in range(4)]
    many, few = 0.9 * quarter, 0.1 * quarter
    if zeros[0] < few and min(zeros[1:]) >= many:
        return "utf-32-le", 0
    if max(zeros[:3]) >= many and zeros[3] < few and min(zeros[:3]) >= many:
        return "utf-32-be", 0
    if zeros[1] + zeros[3] >= 1.4 * quarter and zeros[0] + zeros[2] < 2 * few:
        return "utf-16-le", 0
    if zeros[0] + zeros[2] >= 1.4 * quarter and zeros[1] + zeros[3] < 2 * few:
        return "utf-16-be", 0
    return None


def find_keys(data: bytes) -> Iterator[KeyMatch]:
    """Every key id in ``data`` (one whole file's bytes), in file order."""
    wide = text_codec(data[:4096])
    if wide is not None:
        codec, mark = wide
        yield from _scan_text(data[mark:].decode(codec, errors="replace"), encoding=codec)
        return
    if b"\0" in data[:8192]:  # a binary: ASCII ids stored in it, and UTF-16 strings
        yield from _scan_text(data.decode("latin-1"))
        wide_at = _WIDE_PREFIX.search(data)
        if wide_at is not None:
            odd = wide_at.start() % 2
            yield from _scan_text(data[odd:].decode("utf-16-le", errors="replace"), encoding="utf-16-le")
        return
    yield from _scan_text(data.decode("utf-8", errors="replace"))


def find_keys_in_stream(first: bytes, read: Callable[[int], bytes]) -> Iterator[KeyMatch]:
    """Every key id in a file too large to hold at once: ``first`` is its first bytes, ``read(n)`` the next (empty
    at the end). Segments of about ``SEGMENT_CHARS`` characters, cut after a line where there is one, each scanned
    with up to ``NEARBY_LINES`` lines of context either side; ruled out with one search when nothing in it could
    be a key id."""
    wide = text_codec(first[:4096])
    binary = wide is None and b"\0" in first[:8192]
    codec, mark = wide if wide is not None else ("latin-1" if binary else "utf-8", 0)
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    encoding = codec if wide is not None else None

    def segments() -> Iterator[str]:
        pending = decoder.decode(first[mark:])
        while True:
            chunk = read(SEGMENT_CHARS)
            pending += decoder.decode(chunk, final=not chunk)
            while len(pending) >= SEGMENT_CHARS or (not chunk and pending):
                cut = _cut(pending) if chunk else len(pending)
                yield pending[:cut]
                pending = pending[cut:]
            if not chunk:
                return

    line, column = 1, 0  # where the current segment starts
    history, from_start = "", True  # the last _CONTEXT_CHARS characters before it; whether that is all of them
    stream = segments()
    current = next(stream, None)
    while current is not None:
        following = next(stream, None)
        if _candidate_text(current) or (following is not None and _candidate_text(following[:1024])):
            before = _tail_lines(history, from_start)
            after = _head_lines(following or "")
            yield from _scan_text(
                before + current + after,
                first_line=line - before.count("\n"),
                first_column=0 if before else column,
                own=(len(before), len(before) + len(current)),
                encoding=encoding,
            )
        newlines = current.count("\n")
        line += newlines
        column = len(current) - current.rfind("\n") - 1 if newlines else column + len(current)
        from_start = from_start and len(history) + len(current) <= _CONTEXT_CHARS
        history = (history + current)[-_CONTEXT_CHARS:]
        current = following


def _candidate_text(text: str) -> bool:
    return (
        "AKIA" in text
        or "ASIA" in text
        or any(f.search(text) is not None for f in _B64_WRAPPED_FILTERS)
        or _PREFIX_SEAM_TEXT.search(text) is not None
    )


def _cut(text: str) -> int:
    """Where a segment ends: after the last line break of its second half, else at a character no key id or
    base64 token holds, else where it is full."""
    limit = min(len(text), SEGMENT_CHARS)
    newline = text.rfind("\n", limit // 2, limit)
    if newline >= 0:
        return newline + 1
    boundary = _NOT_IN_A_TOKEN.search(text[limit // 2 : limit][::-1])
    return limit - boundary.start() if boundary is not None else limit


def _tail_lines(text: str, from_start: bool) -> str:
    """The last ``_CONTEXT_LINES`` whole lines of ``text`` (the context before a segment): fewer when ``text`` holds
    fewer, all of it when it is the file's beginning (``from_start``), nothing when it holds no line break."""
    start = len(text)
    for _ in range(_CONTEXT_LINES + 1):
        found = text.rfind("\n", 0, start)
        if found < 0:
            return text if from_start else text[start + 1 :] if start < len(text) else ""
        start = found
    return text[start + 1 :]


def _head_lines(text: str) -> str:
    """The first ``_CONTEXT_LINES`` lines of ``text`` (the context after a segment), at most ``_CONTEXT_CHARS``."""
    end = -1
    for _ in range(_CONTEXT_LINES):
        found = text.find("\n", end + 1, _CONTEXT_CHARS)
        if found < 0:
            return text[:_CONTEXT_CHARS]
        end = found
    return text[: end + 1]


# --------------------------------------------------------------------------------------------------- the scan


def _scan_text(
    text: str,
    *,
    first_line: int = 1,
    first_column: int = 0,
    own: tuple[int, int] | None = None,
    encoding: str | None = None,
    decode_base64: bool = True,
) -> Iterator[KeyMatch]:
    """Key ids in decoded text whose first line is ``first_line`` (its first character at 0-based ``first_column``),
    those starting inside the ``own`` range of offsets only (the rest is context)."""
    lines = text.split("\n")  # only \n ends a line, as in git
    starts = [0] * len(lines)
    for index in range(1, len(lines)):
        starts[index] = starts[index - 1] + len(lines[index - 1]) + 1
    low, high = own if own is not None else (0, len(text))
    secrets: dict[int, bool] = {}

    def secret_near(index: int) -> bool:
        for other in range(max(0, index - NEARBY_LINES), min(len(lines), index + NEARBY_LINES + 1)):
            if other not in secrets:
                secrets[other] = _has_secret(lines[other])
            if secrets[other]:
                return True
        return False

    blocks: dict[int, tuple[int, str]] = {}  # wrapped base64 values, by the line each starts on
    wrapped: set[int] = set()  # the lines they cover: decoded as part of the value, not alone
    if decode_base64 and any(f.search(text) is not None for f in _B64_WRAPPED_FILTERS):
        blocks, wrapped = _base64_blocks(text, starts)
    # The lines worth a look, from one search of the whole text (a line-by-line test cost ten times as much on
    # a file of short lines): those a plain or split id may start on, and those holding an encoded prefix.
    trigger = _LINE_TRIGGER if decode_base64 else _PLAIN_TRIGGER
    looked_at = {bisect.bisect_right(starts, match.start()) - 1 for match in trigger.finditer(text)}
    for index in sorted(looked_at.union(blocks)):
        line = lines[index]
        if starts[index] + len(line) < low or starts[index] >= high:
            continue
        plain = "AKIA" in line or "ASIA" in line or _PREFIX_SEAM_LINE.search(line) is not None
        encoded = decode_base64 and index not in wrapped and _B64_NEEDLE_TEXT.search(line) is not None
        if not plain and not encoded and index not in blocks:
            continue
        found: list[tuple[int, str, bool, str | None]] = []  # column (0-based), key id, secret inside, encoding
        if plain:
            found += [(column, key_id, False, encoding) for column, key_id in _keys_in_lines(lines, index)]
        if encoded:
            found += [(column, key_id, inside, "base64") for column, key_id, inside in _base64_keys(line)]
        if index in blocks:
            column, block = blocks[index]
            found += [(column, key_id, inside, "base64") for _, key_id, inside in _base64_keys(block)]
        for column, key_id, secret_inside, how in found:
            if not low <= starts[index] + column < high:
                continue
            reason = placeholder_reason(key_id)
            yield KeyMatch(
                line=first_line + index,
                column=column + 1 + (first_column if index == 0 else 0),
                key_id=key_id,
                secret_nearby=secret_inside or secret_near(index),
                example=key_id.endswith("EXAMPLE"),
                placeholder=None if key_id.endswith("EXAMPLE") else reason,
                encoding=how,
            )


def _base64_blocks(text: str, starts: list[int]) -> tuple[dict[int, tuple[int, str]], set[int]]:
    """Base64 values wrapped over several lines (a PEM-like block, a YAML folded scalar), joined: by the index of
    the line each starts on, (its 0-based column there, the value without its line breaks and indentation); and
    the indices of the lines they cover. A key id is reported where the value starts, as a one-line value's is.

    Looked for only within ``_BLOCK_LINES`` lines of an encoded prefix (a search of the whole text cost a large
    file more than the rest of its scan): a value that starts further up is taken to start there."""
    blocks: dict[int, tuple[int, str]] = {}
    covered: set[int] = set()
    searched_to = 0
    needles = sorted(needle.start() for f in _B64_WRAPPED_FILTERS for needle in f.finditer(text))
    for position in needles:
        index = bisect.bisect_right(starts, position) - 1
        low = max(starts[max(0, index - _BLOCK_LINES)], searched_to)
        high = starts[index + _BLOCK_LINES] if index + _BLOCK_LINES < len(starts) else len(text)
        if high <= low:
            continue
        for block in _B64_BLOCK.finditer(text, low, high):
            first = bisect.bisect_right(starts, block.start()) - 1
            last = bisect.bisect_right(starts, block.end() - 1) - 1
            if first not in covered:
                blocks[first] = (block.start() - starts[first], "".join(block.group(0).split()))
                covered.update(range(first, last + 1))
        searched_to = high
    return blocks, covered


def _keys_in_lines(lines: list[str], index: int) -> Iterator[tuple[int, str]]:
    """(0-based column, key id) on line ``index``: whole ids first, then ids that appear once the string seams of
    this line and the next ``SPLIT_LINES`` are closed."""
    line = lines[index]
    seen: set[int] = set()
    for match in _KEY.finditer(line):
        seen.add(match.start())
        yield match.start(), match.group(0)
    if "'" not in line and '"' not in line and "`" not in line:
        return
    chunk = "\n".join(lines[index : index + SPLIT_LINES + 1])
    if not _SPLIT.search(chunk):
        return
    around = "\n".join(lines[max(0, index - SPLIT_LINES) : index + 1])  # ``"".join([`` may open lines above
    seam = _JOIN_SEAM if _JOIN.search(chunk) or _JOIN.search(around) else _SEAM
    joined, origin = _close_seams(chunk, seam)
    for match in _KEY.finditer(joined):
        start = origin[match.start()]
        if start < len(line) and start not in seen:
            seen.add(start)
            yield start, match.group(0)


def _close_seams(text: str, seam: re.Pattern[str]) -> tuple[str, list[int]]:
    """``text`` with every seam between two string literals removed, and for each character of the result its
    index in ``text``."""
    parts: list[str] = []
    origin: list[int] = []
    position = 0
    for found in seam.finditer(text):
        parts.append(text[position : found.start()])
        origin.extend(range(position, found.start()))
        position = found.end()
    parts.append(text[position:])
    origin.extend(range(position, len(text)))
    return "".join(parts), origin


def _base64_keys(line: str) -> Iterator[tuple[int, str, bool]]:
    """(0-based column of the token, key id, a secret inside the decoded text too) for base64 tokens of ``line``
    that encode a key id: a window around each encoded prefix decoded at each of the 4 possible boundaries (the
    token found may start before the value does: ``name_QUtJ...``)."""
    seen: set[str] = set()
    for token in _BASE64_TOKEN.finditer(line):
        value = token.group(0)
        for needle in _B64_NEEDLE_TEXT.finditer(value):
            start = max(0, needle.start() - _BASE64_WINDOW) // 4 * 4
            for shift in range(4):
                window = value[start + shift : needle.start() + _BASE64_WINDOW].rstrip("=")
                decoded = _b64decode(window[: len(window) - 1] if len(window) % 4 == 1 else window)
                if decoded is None:
                    continue
                wide = text_codec(decoded[:4096])
                text = decoded.decode(wide[0], errors="replace") if wide else decoded.decode("latin-1")
                for match in _scan_text(text, encoding="base64", decode_base64=False):
                    if match.key_id not in seen:
                        seen.add(match.key_id)
                        yield token.start(), match.key_id, match.secret_nearby


def _b64decode(value: str) -> bytes | None:
    padded = value + "=" * (-len(value) % 4)
    try:
        if "-" in value or "_" in value:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _has_secret(line: str) -> bool:
    """A secret-looking 40-character value in ``line``: as written, with key ids taken out (a secret run into
    one), percent-decoded and JSON-unescaped, or base64-encoded."""
    if "AKIA" in line or "ASIA" in line:
        line = _ANY_KEY.sub(" ", line)
    if _secret_in(line):
        return True
    if "%" in line or "\\" in line:
        unescaped = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), line).replace("\\/", "/")
        if "%" in unescaped:
            unescaped = unquote(unescaped)
        if unescaped != line and _secret_in(unescaped):
            return True
    for token in _BASE64_SECRET.finditer(line):
        decoded = _b64decode(token.group(0).rstrip("="))
        if decoded is not None and len(decoded) == 40 and _secret_in(decoded.decode("latin-1")):
            return True
    return False


def _secret_in(line: str) -> bool:
    for match in _SECRET.finditer(line):
        value = match.group(0)
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() or c in "/+" for c in value)
        ):
            return True
    return False


# ---------------------------------------------------------------------------------------- ids that are no keys


def placeholder_reason(key_id: str) -> str | None:
    """Why ``key_id`` is taken for a placeholder rather than a key, or ``None``: each test is passed by a random
    body (what AWS issues) with a probability below 1e-9."""
    body = key_id[4:]
    if "EXAMPLE" in body:
        return "placeholder"
    if len(set(body)) <= 3 or _longest_run(body, lambda a, b: a == b) >= 8:
        return "repeated characters"
    if (
        _longest_run(body, lambda a, b: ord(b) - ord(a) == 1) >= 8
        or _longest_run(body, lambda a, b: ord(a) - ord(b) == 1) >= 8
    ):
        return "sequential characters"
    words = _words(body)
    if words is not None:
        return "placeholder" if any(word in PLACEHOLDER_WORDS for word in words) else "dictionary word"
    return None


def _longest_run(body: str, follows: Callable[[str, str], bool]) -> int:
    best = run = 1
    for previous, current in zip(body, body[1:], strict=False):
        run = run + 1 if follows(previous, current) else 1
        best = max(best, run)
    return best


def _words(body: str) -> list[str] | None:
    """``body`` cut into dictionary words and fillers (a character repeated at least three times: ``XXX``), or
    ``None`` when it cannot be."""
    best: list[list[str] | None] = [None] * (len(body) + 1)
    best[0] = []
    for end in range(1, len(body) + 1):
        for start in range(max(0, end - _LONGEST_WORD), end - 1):
            previous = best[start]
            piece = body[start:end]
            if previous is None:
                continue
            if piece in _DICTIONARY_WORDS or (len(piece) >= 3 and len(set(piece)) == 1):
                best[end] = [*previous, piece]
                break
    return best[len(body)]
