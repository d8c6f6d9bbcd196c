"""Every file the tool writes goes through here: checked before the run, written atomically, never through a link.

Why:

* a report, inventory or findings path that cannot be written must fail *before* a collection that may take an
  hour, not after it (:func:`check_writable_file`, :func:`prepare_output_dir`);
* a reader (a CI step, a dashboard, ``--baseline`` of the next run) must never see half a file: the bytes go to
  a temporary file in the same directory, which is then renamed over the target (``os.replace`` is atomic on
  one filesystem);
* a symbolic link planted at the target (in a shared CI workspace, say) is *replaced* by the new file, never
  followed: the rename replaces the link itself, so the link's target is left untouched;
* the files of one run are one set (:func:`write_atomic_set`): every file is written to its temporary first and
  only then are they all renamed, so a full disk half-way leaves the old set whole, never a new ``report.html``
  next to an old ``findings.json``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from auditor.errors import InputError
from auditor.util.inputfile import file_kind

Writer = Callable[[BinaryIO], object]  # puts a file's bytes into the binary stream it is given


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically; a symlink at ``path`` is replaced, not followed.

    ``mode``: the new file's permission bits; by default an ordinary file's (0666 less the umask). A file that
    may hold what only its owner should read (``~/.aws/config``) passes 0600, or the mode the file it replaces
    had. Raises ``InputError`` (exit 2) with one line naming the path when it cannot be written.
    """
    write_atomic_with(path, lambda handle: handle.write(data), mode)


def write_atomic_with(path: Path, write: Writer, mode: int | None = None) -> None:
    """Like :func:`write_atomic`, with the bytes ``write`` puts into the (binary, buffered) file it is given: a
    large report is streamed rather than held in memory whole. If ``write`` raises, the target is untouched."""
    write_atomic_set([(Path(path), write)], mode)


def write_text_atomic(path: Path, text: str, mode: int | None = None) -> None:
    write_atomic(path, text.encode("utf-8"), mode)


def write_atomic_set(files: Sequence[tuple[Path, Writer]], mode: int | None = None) -> list[Path]:
    """Write several files as one set: every file to a temporary beside it first (flushed and synced), then all
    renamed. If any write fails (a full disk, an interruption), every temporary is removed and no target is
    touched, so a reader never finds the new file of one format next to the old file of another. Only the
    renames (metadata, no new blocks) can still fail between files; that error names the path as ever.
    Returns the paths written, in order."""
    temporaries: list[tuple[str, Path]] = []
    try:
        for path, write in files:
            temporaries.append((_write_temporary(Path(path), write, mode), Path(path)))
        for temporary, path in temporaries:
            _replace(temporary, path)
    except BaseException:
        for temporary, _ in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    return [path for _, path in temporaries]


def _write_temporary(path: Path, write: Writer, mode: int | None) -> str:
    """The bytes ``write`` produces in a synced temporary file beside ``path``; its name. Removed on failure."""
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_UMASK if mode is None else mode)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return temporary


def _replace(temporary: str, path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(21, "is a directory")
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def check_output_files(outputs: Sequence[tuple[Path, str]]) -> None:
    """Fail now (exit 2, one line) if any of the files a run will write could not be written later: each is
    checked like :func:`check_writable_file`, and two outputs naming the same file (``--save-inventory`` onto
    ``findings.json``) are refused rather than one silently overwriting the other. ``outputs``: (path, what
    names it in the message: ``--save-inventory``, ``the json report``)."""
    seen: dict[str, str] = {}
    for path, what in outputs:
        check_writable_file(path, what)
        key = os.path.realpath(os.path.abspath(path))
        if key in seen:
            raise InputError(f"{what} {path}: the same file as {seen[key]}: pass a different path")
        seen[key] = f"{what} {path}"


def check_writable_file(path: Path, what: str) -> None:
    """Fail now (exit 2, one line) if ``path`` could not be written later; creates its missing parent directories.

    ``what`` names the option in the message (``--save-inventory``, ``collect -o``).
    """
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise InputError(f"{what} {path}: is a directory, expected a file path")
    try:
        mode = path.lstat().st_mode
    except OSError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise InputError(f"{what} {path}: is {file_kind(mode)}, expected a regular file path")
    _check_directory(path.parent if str(path.parent) else Path("."), what)


def prepare_output_dir(directory: Path, what: str = "--output-dir") -> None:
    """Create ``directory`` (and its parents) and prove a file can be written in it, before anything is collected."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{what} {directory}: exists and is not a directory")
    _check_directory(directory, what)


def _check_directory(directory: Path, what: str) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{what} {directory}: a file is in the way of the directory") from None
    except OSError as exc:
        raise InputError(f"{what} {directory}: cannot create the directory: {exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".auditor-write-check.", dir=directory)
    except OSError as exc:
        raise InputError(f"{what} {directory}: cannot write there: {exc.strerror or exc}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _read_umask() -> int:
    """The process umask, read once at import (setting and restoring it is the only portable way, and is not
    safe while other threads create files)."""
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _read_umask()
