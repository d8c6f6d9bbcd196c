"""Every file the tool reads as input is opened here: a regular file, read up to a limit, or one clear line.

Why: input paths come from options and environment variables, and a wrong one must not hang or exhaust the
run. A FIFO given to ``--baseline`` blocked forever in ``open()``; ``/dev/zero`` as an inventory grew memory
without bound. So a file is opened without waiting (``O_NONBLOCK``: a FIFO opens at once), refused unless it is
a regular file, and read to at most ``limit`` bytes; the error names the path, what kind of file was expected
and what is wrong. Parsing stays with the caller, which also names the file (:func:`parse_problem` words the
parser failures Python reports without saying where: nesting too deep, a number too long).

``-`` is standard input only where a caller asks for it (``stdin=True``) and the docs say so: the saved
documents a CI job fetches from elsewhere and pipes in (``--from-inventory -``, ``--baseline -``, ``auditor diff``).
Standard input is read to the same limit, and refused when it is a terminal (a run waiting for typing is a hang).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from auditor.errors import InputError

MB = 1024 * 1024
DOCUMENT_LIMIT = 4096 * MB  # inventory.json, findings.json: 130 MB at 40,000 findings (docs/benchmarks.md)
CONFIG_LIMIT = 1 * MB  # auditor.toml: a few KB with hundreds of suppressions
CLI_FILE_LIMIT = 16 * MB  # ~/.aws/credentials and ~/.aws/config, and sso-config --merge's target

STDIN = Path("-")  # the name of standard input, where documented
STDIN_NAME = "standard input (-)"  # how messages name it

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class UnreadableInputError(InputError):
    """An input file that cannot be read; ``reason`` is the message without the path (for a coverage gap)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def read_input(path: Path, kind: str, limit: int, *, stdin: bool = False) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them; ``kind`` ("inventory", "config") names
    what was expected in the message. Raises :class:`UnreadableInputError` (exit 2). ``/dev/null`` reads as empty:
    ``AWS_CONFIG_FILE=/dev/null`` is the usual way to say "no file". With ``stdin``, ``-`` is standard input."""
    path = Path(path)
    if stdin and path == STDIN:
        return _read_stdin(kind, limit)
    if _is_devnull(path):
        return b""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise UnreadableInputError(path, f"no such {kind} file") from None
    except IsADirectoryError:
        raise UnreadableInputError(path, f"is a directory, not a {kind} file") from None
    except OSError as exc:
        raise UnreadableInputError(path, f"cannot read {kind} file: {exc.strerror or exc}") from None
    try:
        return _read_regular(fd, path, kind, limit)
    finally:
        os.close(fd)


def _read_regular(fd: int, path: Path, kind: str, limit: int) -> bytes:
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise UnreadableInputError(path, f"is {file_kind(mode)}, not a regular {kind} file")
    os.set_blocking(fd, True)
    return _read_bounded(fd, path, kind, limit)


def _read_stdin(kind: str, limit: int) -> bytes:
    """Standard input, a pipe or a redirected file, read to ``limit`` like a file. A terminal is refused: the
    run would wait for someone to type a JSON document."""
    import sys

    stream = sys.stdin
    if stream is None or stream.closed:
        raise UnreadableInputError(STDIN_NAME, f"there is none to read the {kind} file from")
    fd = stream.fileno()
    if os.isatty(fd):
        raise UnreadableInputError(
            STDIN_NAME, f"is a terminal: pipe the {kind} file in (... | auditor ...) or name the file"
        )
    return _read_bounded(fd, STDIN_NAME, kind, limit)


def _read_bounded(fd: int, path: Path | str, kind: str, limit: int) -> bytes:
    chunks = []
    size = 0
    try:
        while chunk := os.read(fd, min(limit + 1 - size, 16 * MB)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UnreadableInputError(path, f"larger than {_size(limit)}, the limit for a {kind} file")
    except OSError as exc:
        raise UnreadableInputError(path, f"cannot read {kind} file: {exc.strerror or exc}") from None
    return b"".join(chunks)


def _is_devnull(path: Path) -> bool:
    return os.path.realpath(path) == os.devnull


def _size(limit: int) -> str:
    return f"{limit // MB:,} MB" if limit % MB == 0 else f"{limit:,} bytes"


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, in words, for an error line (inputs and outputs alike)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input(path: Path, kind: str, limit: int) -> None:
    """Fail now if ``path`` exists and is not a regular file of at most ``limit`` bytes: for a file another
    library opens later (botocore reads ``AWS_SHARED_CREDENTIALS_FILE``), where a FIFO would hang it. A missing
    file is that library's business (botocore treats it as empty), and so is ``/dev/null``."""
    if _is_devnull(path):
        return
    try:
        status = Path(path).stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UnreadableInputError(Path(path), f"cannot read {kind} file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        raise UnreadableInputError(Path(path), f"is {file_kind(status.st_mode)}, not a regular {kind} file")
    if status.st_size > limit:
        raise UnreadableInputError(Path(path), f"larger than {_size(limit)}, the limit for a {kind} file")


def parse_problem(exc: BaseException) -> str | None:
    """What a parser failure Python words without context means, in words; ``None`` for any other exception.

    ``json.loads`` and ``tomllib.loads`` recurse per level of nesting and give up with ``RecursionError``; a
    number of more than 4,300 digits fails Python's integer conversion limit (``sys.set_int_max_str_digits``).
    """
    if isinstance(exc, RecursionError):
        return "nested too deeply to parse (lists or tables inside each other beyond Python's recursion limit)"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return (
            "a number with more than 4,300 digits, over Python's limit for converting digits to an integer "
            "(int max-str-digits)"
        )
    return None
