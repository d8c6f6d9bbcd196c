"""``CodeSource``: one source tree's key ids as the ``code`` part of an inventory.

Every file listed is read: binaries as bytes, UTF-16/32 text decoded, files over ``STREAM_BYTES`` a segment at a
time. What is not read (unreadable, over an explicit ``max_file_bytes``, a submodule) is an error entry naming
the file. A large tree is read by one worker process per core (``PARALLEL_FILES``): the search for key ids runs
in Python's regular-expression engine, which holds the interpreter's lock, so threads would not help; the
processes are forked before any thread starts, and only when the process has no other thread (a fork then
copies nothing half-done), else the tree is read in this process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import stat
import sys
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import auditor
from auditor.codescan.files import git_file_lists, git_top_level, walked_files
from auditor.codescan.gitdiff import ChangedFile, Changes, changes_since, read_blobs
from auditor.codescan.keys import KeyMatch, find_keys, find_keys_in_stream, might_hold_a_key, text_codec
from auditor.errors import InputError
from auditor.inventory import (
    CODE_SOURCE,
    CodeKeyHit,
    CodeScan,
    CollectionError,
    CollectionInfo,
    Inventory,
    ToolInfo,
)
from auditor.source import Source

STREAM_BYTES = 16 * 1024 * 1024  # larger files are read a segment at a time (bounded memory), never skipped
_SNIFF = 8192  # NUL bytes in this many first bytes: UTF-16/32 text, or a binary
# never through a link (swapped in since lstat), never blocking (a FIFO swapped in), binary on Windows
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
PARALLEL_FILES = 2000  # trees of at least this many files are read by worker processes, when there are cores
_BATCH = 250  # files per task given to a worker


@dataclass(frozen=True)
class _Started:
    """What :meth:`CodeSource.start` set going, for :meth:`CodeSource.collect`."""

    started_at: datetime
    in_git: bool
    prefix: str  # the scanned directory from the work tree's top, with a trailing slash ("" at the top)
    changes: Changes | None
    batches: Iterator[_Batch]


@dataclass
class _Batch:
    """What reading some files gave: their key ids (by file), counts and gaps."""

    files_scanned: int = 0
    binary_files: int = 0
    decoded_files: int = 0
    too_large: list[str] = field(default_factory=list)
    matches: list[tuple[str, KeyMatch]] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)


class CodeSource(Source):
    name = CODE_SOURCE

    def __init__(
        self,
        root: Path,
        *,
        since: str | None = None,
        max_file_bytes: int | None = None,
        only: list[str] | None = None,
        reports_dir: Path | None = None,
    ):
        """``max_file_bytes``: files over it are not read, each an error entry (a coverage gap); by default every
        file is read, large ones in segments. ``only``: these files (relative to ``root``, forward slashes)
        instead of the tree's, as a pre-commit hook names the staged files; read even when git ignores them,
        since someone asked for them by name. ``reports_dir``: where this run writes its reports; when it is under
        ``root`` its files are not read (unless named in ``only``): they are the tool's output, not source, and
        a previous run's findings name key ids (``auditor scan`` then ``auditor scan-code .`` in one directory,
        as the README shows them, would fail the gate on the scan's own report)."""
        if not root.is_dir():
            raise InputError(f"scan-code: {root} is not a directory")
        self.root = root.resolve()
        self.since = since
        self.max_file_bytes = max_file_bytes
        self.only = sorted(set(only)) if only is not None else None
        self._started: _Started | None = None  # what start() set going
        self._pool: ProcessPoolExecutor | None = None
        self.reports_prefix: str | None = None  # the reports directory, relative to root, with a trailing slash
        if reports_dir is not None:
            try:
                relative = reports_dir.resolve().relative_to(self.root).as_posix()
            except ValueError:  # outside the tree: nothing of it would be read anyway
                relative = None
            if relative not in (None, "."):
                self.reports_prefix = f"{relative}/"

    def start(self) -> None:
        """List the files and set the worker processes reading them, without waiting: ``auditor scan-code`` calls
        this before loading its rules and report modules (about a third of a second of imports), so a large
        tree is read meanwhile. :meth:`collect` waits for the answer (and starts, if this was not called);
        :meth:`close` stops the workers when the run ends before it."""
        if self._started is not None:
            return
        started_at = datetime.now(UTC)
        top = git_top_level(self.root)
        in_git = top is not None
        # In a work tree, paths are reported from its top (what SARIF's %SRCROOT% is: the checkout), even when
        # a subdirectory is scanned; outside git, from the directory given.
        prefix = self.root.relative_to(top.resolve()).as_posix() if top is not None else "."
        prefix = "" if prefix == "." else prefix + "/"
        if self.since is not None and not in_git:
            raise InputError(f"scan-code --since needs a git work tree; {self.root} is not in one")
        changes = changes_since(self.root, self.since) if self.since is not None else None
        if changes is not None and self.only is not None:
            changes.files = {name: changed for name, changed in changes.files.items() if name in self.only}
        elif changes is not None:
            changes.files = {name: changed for name, changed in changes.files.items() if not self._is_report(name)}
        batches: Iterator[_Batch]
        if changes is None:
            parts: Iterator[list[str]]
            if self.only is not None:
                parts = iter([self.only])
            elif in_git:  # the tracked files are read while git walks the tree for the untracked ones
                parts = ([name for name in part if not self._is_report(name)] for part in git_file_lists(self.root))
            else:
                parts = iter([[name for name in walked_files(self.root) if not self._is_report(name)]])
            batches = self._read(parts)
        elif changes.target is None:
            batches = self._read(iter([sorted(changes.files)]))
        else:
            batches = iter([self._read_commit(changes.files)])
        self._started = _Started(started_at, in_git, prefix, changes, batches)

    def close(self) -> None:
        """Stop reading: batches not started are dropped (a run that ends before :meth:`collect`)."""
        if self._started is not None:
            batches, self._started = self._started.batches, None
            if isinstance(batches, Generator):
                batches.close()  # git's listing of untracked files, when still running, is stopped too
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def collect(self) -> Inventory:
        self.start()
        assert self._started is not None
        started, self._started = self._started, None  # a second collect() reads the tree again
        changes, prefix = started.changes, started.prefix
        scan = CodeScan(root=str(self.root), since=self.since, git=started.in_git)
        errors: list[CollectionError] = []
        try:
            read = list(started.batches)
        finally:
            self.close()
        for batch in read:
            scan.files_scanned += batch.files_scanned
            scan.binary_files += batch.binary_files
            scan.decoded_files += batch.decoded_files
            scan.skipped_large += batch.too_large
            errors += batch.errors
            for name, match in batch.matches:
                lines = changes.files[name].lines if changes is not None else None
                if lines is not None and match.line not in lines:
                    continue
                scan.hits.append(
                    CodeKeyHit(
                        path=prefix + name,
                        line=match.line,
                        column=match.column,
                        key_id=match.key_id,
                        secret_nearby=match.secret_nearby,
                        example=match.example,
                        placeholder=match.placeholder,
                        encoding=match.encoding,
                    )
                )
        scan.hits.sort(key=lambda hit: hit.path)  # by file (stable: in file order within one), however read
        return Inventory(
            tool=ToolInfo(name=auditor.TOOL_NAME, version=auditor.__version__),
            collection=CollectionInfo(
                started_at=started.started_at,
                finished_at=datetime.now(UTC),
                sources=[f"code:{self.root}" + (f" since {self.since}" if self.since else "")],
                sources_collected=[CODE_SOURCE],
            ),
            code_scan=scan,
            errors=errors,
        )

    def _is_report(self, name: str) -> bool:
        """Whether ``name`` (relative to root) is in this run's reports directory."""
        return self.reports_prefix is not None and name.startswith(self.reports_prefix)

    def _read(self, parts: Iterator[list[str]]) -> Iterator[_Batch]:
        """The files of ``parts`` (lists of names, the later ones possibly still being listed) read in batches: by
        worker processes when the first part is a large tree (see the module's docstring), else here, as the
        answer is consumed. The workers are given the first part's batches at once."""
        root, limit = str(self.root), self.max_file_bytes
        first = next(parts, [])
        workers = min(os.cpu_count() or 1, 8)
        if (
            len(first) < PARALLEL_FILES
            or workers < 2
            or "fork" not in multiprocessing.get_all_start_methods()
            or threading.active_count() > 1
        ):
            return (
                _read_batch(root, batch, limit) for part in itertools.chain([first], parts) for batch in _batches(part)
            )
        self._pool = pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        futures = [pool.submit(_read_batch, root, batch, limit) for batch in _batches(first)]

        def answers() -> Iterator[_Batch]:
            for part in parts:  # the workers read the first part meanwhile
                futures.extend(pool.submit(_read_batch, root, batch, limit) for batch in _batches(part))
            for future in futures:
                yield future.result()

        return answers()

    def _read_commit(self, files: dict[str, ChangedFile]) -> _Batch:
        """A range that ends at a commit (``--since A...B``): the files as that commit has them, not the work
        tree's, each read whole; one over ``max_file_bytes`` is a gap, as a file on disk is."""
        batch = _Batch()
        names = sorted(name for name, changed in files.items() if changed.blob)
        limit = self.max_file_bytes if self.max_file_bytes is not None else sys.maxsize
        blobs = read_blobs(self.root, [files[name].blob or "" for name in names], limit)
        for name, (_blob, data) in zip(names, blobs, strict=True):
            if data is None:
                batch.too_large.append(name)
                batch.errors.append(_not_read(name, "FileTooLarge", f"over --max-file-size {self.max_file_bytes}"))
                continue
            _count(data, batch)
            if might_hold_a_key(data):
                batch.matches.extend((name, match) for match in find_keys(data))
        return batch


def _batches(names: list[str]) -> list[list[str]]:
    return [names[i : i + _BATCH] for i in range(0, len(names), _BATCH)]


def _read_batch(root: str, names: list[str], max_file_bytes: int | None) -> _Batch:
    batch = _Batch()
    for name in names:
        batch.matches.extend((name, match) for match in _scan(root, name, max_file_bytes, batch))
    return batch


def _scan(root: str, name: str, max_file_bytes: int | None, batch: _Batch) -> Iterator[KeyMatch]:
    """The key ids in one file. What is not read is an error entry naming the file (a coverage gap), except
    symbolic links (never followed: their target is read under its own name when it is in the tree)."""
    path = root + os.sep + name  # strings, not Path objects or os.path.join: this runs once per file of the tree
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return  # listed by git but deleted in the work tree: nothing to read
    except OSError as exc:
        batch.errors.append(_read_error(name, exc))
        return
    if stat.S_ISDIR(info.st_mode):
        batch.errors.append(_not_read(name, "Submodule", "a directory git lists (a submodule): scan it on its own"))
        return
    if not stat.S_ISREG(info.st_mode):
        if not stat.S_ISLNK(info.st_mode):
            batch.errors.append(_not_read(name, "NotAFile", "not a regular file (a socket, a FIFO or a device)"))
        return
    if max_file_bytes is not None and info.st_size > max_file_bytes:
        batch.too_large.append(name)
        batch.errors.append(
            _not_read(name, "FileTooLarge", f"{info.st_size} bytes, over --max-file-size {max_file_bytes}")
        )
        return
    try:
        descriptor = os.open(path, _READ_FLAGS)  # os-level: a file object per file costs a tenth of the scan
    except FileNotFoundError:
        return  # deleted since it was listed
    except OSError as exc:
        batch.errors.append(_read_error(name, exc))
        return
    try:
        if info.st_size <= STREAM_BYTES:
            data = os.read(descriptor, info.st_size + 1)
            if len(data) > info.st_size:  # it grew since: read on to its end
                data += b"".join(iter(lambda: os.read(descriptor, STREAM_BYTES), b""))
            _count(data, batch)
            if might_hold_a_key(data):
                yield from find_keys(data)
            return
        first = os.read(descriptor, _SNIFF)
        _count(first, batch)
        yield from find_keys_in_stream(first, lambda size: os.read(descriptor, size))
    except OSError as exc:
        batch.errors.append(_read_error(name, exc))
    finally:
        os.close(descriptor)


def _count(start: bytes, batch: _Batch) -> None:
    batch.files_scanned += 1
    if start[:1] not in (b"\xff", b"\xfe", b"\x00") and start.find(b"\0", 0, _SNIFF) < 0:
        return  # the common case, without copying the first bytes: no byte-order mark, no NUL
    if text_codec(start[:4096]) is not None:
        batch.decoded_files += 1
    elif start.find(b"\0", 0, _SNIFF) >= 0:
        batch.binary_files += 1


def _read_error(name: str, exc: OSError) -> CollectionError:
    return CollectionError(
        service="code", operation=f"read {name}", error_code=type(exc).__name__, message=exc.strerror or str(exc)
    )


def _not_read(name: str, code: str, why: str) -> CollectionError:
    return CollectionError(service="code", operation=f"read {name}", error_code=code, message=f"not scanned: {why}")
