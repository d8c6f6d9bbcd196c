"""``CodeSource``: one source tree's key ids as the ``code`` part of an inventory."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import auditor
from auditor.codescan.files import git_files, git_top_level, walked_files
from auditor.codescan.gitdiff import added_lines
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


class CodeSource(Source):
    name = CODE_SOURCE

    def __init__(self, root: Path, *, since: str | None = None, max_file_bytes: int | None = None):
        """``max_file_bytes``: files over it are not read, each an error entry (a coverage gap); by default every
        file is read, large ones in segments."""
        if not root.is_dir():
            raise InputError(f"scan-code: {root} is not a directory")
        self.root = root.resolve()
        self.since = since
        self.max_file_bytes = max_file_bytes

    def collect(self) -> Inventory:
        started_at = datetime.now(UTC)
        top = git_top_level(self.root)
        in_git = top is not None
        # In a work tree, paths are reported from its top (what SARIF's %SRCROOT% is: the checkout), even when
        # a subdirectory is scanned; outside git, from the directory given.
        prefix = self.root.relative_to(top.resolve()).as_posix() if top is not None else "."
        prefix = "" if prefix == "." else prefix + "/"
        if self.since is not None and not in_git:
            raise InputError(f"scan-code --since needs a git work tree; {self.root} is not in one")
        wanted = added_lines(self.root, self.since) if self.since is not None else None
        names = (
            sorted(wanted)
            if wanted is not None
            else (git_files(self.root) if in_git else list(walked_files(self.root)))
        )
        scan = CodeScan(root=str(self.root), since=self.since, git=in_git)
        errors: list[CollectionError] = []
        for name in names:
            lines = wanted.get(name) if wanted is not None else None
            for match in self._scan(name, scan, errors):
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
        return Inventory(
            tool=ToolInfo(name=auditor.TOOL_NAME, version=auditor.__version__),
            collection=CollectionInfo(
                started_at=started_at,
                finished_at=datetime.now(UTC),
                sources=[f"code:{self.root}" + (f" since {self.since}" if self.since else "")],
                sources_collected=[CODE_SOURCE],
            ),
            code_scan=scan,
            errors=errors,
        )

    def _scan(self, name: str, scan: CodeScan, errors: list[CollectionError]) -> Iterator[KeyMatch]:
        """The key ids in one file. What is not read is an error entry naming the file (a coverage gap), except
        symbolic links (never followed: their target is read under its own name when it is in the tree)."""
        path = os.path.join(self.root, name)  # strings, not Path objects: this runs once per file of the tree
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return  # listed by git but deleted in the work tree: nothing to read
        except OSError as exc:
            errors.append(_read_error(name, exc))
            return
        if stat.S_ISDIR(info.st_mode):
            errors.append(_not_read(name, "Submodule", "a directory git lists (a submodule): scan it on its own"))
            return
        if not stat.S_ISREG(info.st_mode):
            if not stat.S_ISLNK(info.st_mode):
                errors.append(_not_read(name, "NotAFile", "not a regular file (a socket, a FIFO or a device)"))
            return
        if self.max_file_bytes is not None and info.st_size > self.max_file_bytes:
            scan.skipped_large.append(name)
            errors.append(
                _not_read(name, "FileTooLarge", f"{info.st_size} bytes, over --max-file-size {self.max_file_bytes}")
            )
            return
        try:
            with open(path, "rb", buffering=0) as handle:  # unbuffered: one read, no buffer copy
                if info.st_size <= STREAM_BYTES:
                    data = handle.read()
                    self._count(data, scan)
                    if might_hold_a_key(data):
                        yield from find_keys(data)
                    return
                first = handle.read(_SNIFF)
                self._count(first, scan)
                yield from find_keys_in_stream(first, handle.read)
        except OSError as exc:
            errors.append(_read_error(name, exc))

    @staticmethod
    def _count(start: bytes, scan: CodeScan) -> None:
        scan.files_scanned += 1
        if text_codec(start[:4096]) is not None:
            scan.decoded_files += 1
        elif b"\0" in start[:_SNIFF]:
            scan.binary_files += 1


def _read_error(name: str, exc: OSError) -> CollectionError:
    return CollectionError(
        service="code", operation=f"read {name}", error_code=type(exc).__name__, message=exc.strerror or str(exc)
    )


def _not_read(name: str, code: str, why: str) -> CollectionError:
    return CollectionError(service="code", operation=f"read {name}", error_code=code, message=f"not scanned: {why}")
