"""``CodeSource``: one source tree's key ids as the ``code`` part of an inventory."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import auditor
from auditor.codescan.files import git_files, git_top_level, walked_files
from auditor.codescan.gitdiff import ChangedFile, changes_since, read_blobs
from auditor.codescan.keys import find_keys, might_hold_a_key
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

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024  # larger files are skipped (and listed): lockfiles, data, bundles
_BINARY_SNIFF = 8192


class CodeSource(Source):
    name = CODE_SOURCE

    def __init__(
        self,
        root: Path,
        *,
        since: str | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        only: list[str] | None = None,
    ):
        """``only``: these files (relative to ``root``, forward slashes) instead of the tree's, as a pre-commit
        hook names the staged files; read even when git ignores them, since someone asked for them by name."""
        if not root.is_dir():
            raise InputError(f"scan-code: {root} is not a directory")
        self.root = root.resolve()
        self.since = since
        self.max_file_bytes = max_file_bytes
        self.only = sorted(set(only)) if only is not None else None

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
        changes = changes_since(self.root, self.since) if self.since is not None else None
        scan = CodeScan(root=str(self.root), since=self.since, git=in_git)
        errors: list[CollectionError] = []
        files: Iterator[tuple[str, bytes | None]]
        if changes is not None and self.only is not None:
            changes.files = {name: changed for name, changed in changes.files.items() if name in self.only}
        if changes is None:
            if self.only is not None:
                names = self.only
            else:
                names = git_files(self.root) if in_git else list(walked_files(self.root))
            files = ((name, self._read(name, scan, errors)) for name in names)
        elif changes.target is None:
            files = ((name, self._read(name, scan, errors)) for name in sorted(changes.files))
        else:
            files = self._read_commit(changes.files, scan)
        for name, data in files:
            if data is None or not might_hold_a_key(data):
                continue
            lines = changes.files[name].lines if changes is not None else None
            for match in find_keys(data):
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

    def _read(self, name: str, scan: CodeScan, errors: list[CollectionError]) -> bytes | None:
        """The file's bytes, or ``None`` for what is not read: links, non-files, binaries, large files."""
        path = os.path.join(self.root, name)  # strings, not Path objects: this runs once per file of the tree
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None  # listed by git but deleted in the work tree
        except OSError as exc:
            errors.append(_read_error(name, exc))
            return None
        if not stat.S_ISREG(info.st_mode):
            return None  # symbolic links (never followed), sockets, submodule directories
        if info.st_size > self.max_file_bytes:
            scan.skipped_large.append(name)
            return None
        try:
            with open(path, "rb", buffering=0) as handle:  # one read, no buffer copy
                data = handle.read()
        except OSError as exc:
            errors.append(_read_error(name, exc))
            return None
        return _text(data, scan)

    def _read_commit(self, files: dict[str, ChangedFile], scan: CodeScan) -> Iterator[tuple[str, bytes | None]]:
        """A range that ends at a commit (``--since A...B``): the files as that commit has them, not the work
        tree's; the same size and binary checks as a file read from disk."""
        names = sorted(name for name, changed in files.items() if changed.blob)
        blobs = read_blobs(self.root, [files[name].blob or "" for name in names], self.max_file_bytes)
        for name, (_blob, data) in zip(names, blobs, strict=True):
            if data is None:
                scan.skipped_large.append(name)
                yield name, None
            else:
                yield name, _text(data, scan)


def _text(data: bytes, scan: CodeScan) -> bytes | None:
    """``data``, counted as scanned; ``None`` for a binary (a NUL byte near its start), counted as skipped."""
    if b"\0" in data[:_BINARY_SNIFF]:
        scan.skipped_binary += 1
        return None
    scan.files_scanned += 1
    return data


def _read_error(name: str, exc: OSError) -> CollectionError:
    return CollectionError(
        service="code", operation=f"read {name}", error_code=type(exc).__name__, message=exc.strerror or str(exc)
    )
