"""The lines added since a git ref: what ``scan-code --since REF`` reports on (a pull request's change).

What ``REF`` means is git's own (``git diff``'s):

* ``REF`` (``main``, ``origin/main``, a commit): since the merge base of ``REF`` and ``HEAD``, up to the work
  tree (committed and uncommitted changes alike, and files git does not track yet but would, which are new in
  full). A key deleted on ``main`` after the branch point is not the branch's doing.
* ``A...B``: since the merge base of ``A`` and ``B``, up to the commit ``B`` (``HEAD`` when left out).
* ``A..B``: from the commit ``A`` to the commit ``B``, tip to tip (``HEAD`` when left out).

A range ending at a commit reads that commit's files (its blobs), not the work tree.

git is read the way it writes, so no shape of a change can hide a file: the file list comes from
``git diff --raw -z`` (no quoting: any byte but NUL in a name) with renames followed (``-M``: a moved file adds
only the lines it gained); the line numbers from a ``--text`` patch (``-diff`` and ``binary`` in
.gitattributes, or a NUL byte, would otherwise print "Binary files differ" and no line), whose file headers are
unquoted as git quotes them and checked against the raw list and ``--numstat``'s counts. A type change (a
symbolic link replaced by a file) is the link deleted and a file added. Lines are numbered as git numbers them:
only ``\\n`` ends one (``auditor.codescan.keys`` counts the same way).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from auditor.errors import InputError
from auditor.util.git import commit_id

_T = TypeVar("_T")
_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_OBJECT = "0" * 40
_REGULAR_MODES = {"100644", "100755", "100664"}  # 100664: old repositories; links (120000), submodules never read
# What every diff here is run with, whatever the user's configuration says: no pager, colour, external driver or
# textconv; a/ and b/ prefixes (not diff.noprefix or diff.mnemonicPrefix); hunks never joined by context lines.
_DIFF = (
    "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all",
    "-M", "--text",
)  # fmt: skip
_PATCH = ("-U0", "--inter-hunk-context=0", "--src-prefix=a/", "--dst-prefix=b/")


@dataclass(frozen=True)
class ChangedFile:
    """One file the change adds lines to."""

    lines: frozenset[int] | None  # 1-based, as git numbers them; None: the whole file is new (untracked)
    blob: str | None  # the object to read when the change ends at a commit; None: read the work tree


@dataclass
class Changes:
    """What ``--since`` compares: the base commit, the commit it ends at (``None``: the work tree), the files."""

    base: str
    target: str | None
    files: dict[str, ChangedFile] = field(default_factory=dict)  # path relative to the scanned directory


def changes_since(root: Path, since: str) -> Changes:
    """The files under ``root`` that gained lines since ``since`` (see the module's docstring for its forms)."""
    base, target = resolve(root, since)
    revisions = [base] if target is None else [base, target]
    # The whole repository's diff, not the scanned directory's (a pathspec, or --relative): a file moved into the
    # directory from outside it is a rename only when git sees both sides; paths are then cut to the directory.
    prefix = _git(root, since, "rev-parse", "--show-prefix").rstrip(b"\n").decode("utf-8", errors="surrogateescape")
    raw = _git(root, since, *_DIFF, "--raw", "-z", "--no-abbrev", *revisions)
    numstat = _git(root, since, *_DIFF, "--numstat", "-z", *revisions)
    patch = _git(root, since, *_DIFF, *_PATCH, *revisions)
    blobs = _under(prefix, dict(_raw_entries(raw)))
    added = _under(prefix, _added_lines(patch, since))
    for path, count in _under(prefix, dict(_numstat_entries(numstat))).items():
        got = len(added.get(path, ()))
        if count is not None and count != got:
            raise InputError(f"--since {since}: git's diff of {path!r} lists {count} added line(s), its patch {got}")
    changes = Changes(base=base, target=target)
    for path, lines in sorted(added.items()):
        if path not in blobs:
            raise InputError(f"--since {since}: git's patch names {path!r}, which its file list does not")
        mode, blob = blobs[path]
        if not lines or mode not in _REGULAR_MODES:
            continue  # nothing added; or a symbolic link or submodule, never read
        changes.files[path] = ChangedFile(frozenset(lines), blob if target is not None else None)
    if target is None:
        untracked = _git(root, since, "ls-files", "-o", "--exclude-standard", "-z", "--", ".")
        for name in _names(untracked):
            changes.files[name] = ChangedFile(None, None)
    return changes


def resolve(root: Path, since: str) -> tuple[str, str | None]:
    """(base commit, target commit or ``None`` for the work tree), as ``git diff`` reads ``since``."""
    if "..." in since:
        left, right = since.split("...", 1)
        target = _commit(root, since, right or "HEAD")
        return _merge_base(root, since, _commit(root, since, left or "HEAD"), target), target
    if ".." in since:  # a ref name cannot hold "..", so this is a range
        left, right = since.split("..", 1)
        return _commit(root, since, left or "HEAD"), _commit(root, since, right or "HEAD")
    return _merge_base(root, since, _commit(root, since, since), _commit(root, since, "HEAD")), None


def read_blobs(root: Path, blobs: list[str], max_bytes: int) -> Iterator[tuple[str, bytes | None]]:
    """(object id, its bytes or ``None`` when larger than ``max_bytes``), in order, from one ``git cat-file``."""
    if not blobs:
        return
    process = subprocess.Popen(
        ["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for blob in blobs:  # one request, then its answer: the pipe never fills on both sides
            process.stdin.write(blob.encode() + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise InputError(f"git cat-file: cannot read object {blob} in {root}")
            size = int(header[2])
            if size > max_bytes:
                _discard(process.stdout, size + 1)
                yield blob, None
                continue
            data = process.stdout.read(size)
            process.stdout.read(1)  # the newline after the contents
            yield blob, data
    finally:
        process.stdin.close()
        process.stdout.close()
        process.wait()


def _discard(stream: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            return
        size -= len(chunk)


def _git(root: Path, since: str, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise InputError(f"--since {since}: git {args[2] if args[0] == '-c' else args[0]} failed: {' '.join(message)}")
    return done.stdout


def _commit(root: Path, since: str, ref: str) -> str:
    commit = commit_id(root, ref)
    if commit is None:
        what = "not a commit" if ref == since else f"{ref} is not a commit"
        raise InputError(f"--since {since}: {what} in the repository at {root} (fetch it first?)")
    return commit


def _merge_base(root: Path, since: str, left: str, right: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "merge-base", left, right], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise InputError(
            f"--since {since}: no common ancestor with HEAD (unrelated histories, or a shallow clone: "
            "fetch more history, e.g. actions/checkout's fetch-depth: 0)"
        )
    return done.stdout.split()[0]


def _under(prefix: str, by_path: dict[str, _T]) -> dict[str, _T]:
    """The entries of ``by_path`` (paths from the repository's top) under ``prefix``, their paths cut to it."""
    return {path[len(prefix) :]: value for path, value in by_path.items() if path.startswith(prefix)}


def _names(output: bytes) -> list[str]:
    return [name.decode("utf-8", errors="surrogateescape") for name in output.split(b"\0") if name]


def _raw_entries(output: bytes) -> Iterator[tuple[str, tuple[str, str]]]:
    """(new path, (new mode, new object id)) of each ``--raw -z`` record; a deletion has no new path."""
    fields = output.split(b"\0")
    index = 0
    while index < len(fields) and fields[index]:
        meta = fields[index].decode("ascii").split()  # ":old-mode new-mode old-id new-id status"
        status = meta[4]
        paths = 2 if status[0] in "RC" else 1
        path = fields[index + paths].decode("utf-8", errors="surrogateescape")
        index += 1 + paths
        if status[0] != "D":
            yield path, (meta[1], meta[3] if meta[3] != _NO_OBJECT else "")


def _numstat_entries(output: bytes) -> Iterator[tuple[str, int | None]]:
    """(new path, lines added) of each ``--numstat -z`` record; ``None`` where git printed ``-`` (binary)."""
    fields = output.split(b"\0")
    index = 0
    while index < len(fields) and fields[index]:
        added, _deleted, path = fields[index].split(b"\t", 2)
        if path:
            index += 1
        else:  # a rename or copy: "added\tdeleted\t", then the old path and the new one
            path = fields[index + 2]
            index += 3
        yield path.decode("utf-8", errors="surrogateescape"), None if added == b"-" else int(added)


def _added_lines(patch: bytes, since: str) -> dict[str, set[int]]:
    """New path -> added line numbers, from a ``-U0`` patch. A hunk's lines are counted off its header, so an
    added line that reads ``++ x`` (``+++ x`` in the patch) is never taken for a file's header."""
    added: dict[str, set[int]] = {}
    current: set[int] | None = None
    old_left = new_left = 0
    line_number = 0
    for line in patch.split(b"\n"):
        if old_left > 0 or new_left > 0:
            marker = line[:1]
            if marker == b"+":
                if current is not None:
                    current.add(line_number)
                line_number += 1
                new_left -= 1
            elif marker == b"-":
                old_left -= 1
            elif marker == b" ":
                line_number += 1
                old_left -= 1
                new_left -= 1
            # "\ No newline at end of file" takes no line
            continue
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            name = _unquote(line[4:])
            if name == "/dev/null":
                current = None
            elif name.startswith("b/"):
                current = added.setdefault(name[2:], set())
            else:
                raise InputError(f"--since {since}: cannot read git's patch header {line[:200]!r}")
        elif hunk := _HUNK.match(line):
            old_left = int(hunk.group(1) or b"1")
            line_number = int(hunk.group(2))
            new_left = int(hunk.group(3) or b"1")
    return added


_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


def _unquote(label: bytes) -> str:
    """A name on a ``---``/``+++`` line as git wrote it: C-quoted when it holds a ``"``, a backslash or a control
    character (octal escapes for bytes when core.quotePath is on); followed by a tab when it holds a space."""
    if label.endswith(b"\t"):
        label = label[:-1]
    if not (label.startswith(b'"') and label.endswith(b'"') and len(label) >= 2):
        return label.decode("utf-8", errors="surrogateescape")
    body, out, index = label[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index : index + 1]
        if char != b"\\":
            out += char
            index += 1
            continue
        escape = body[index + 1 : index + 2]
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            index += 2
        else:  # \ooo: one byte in octal
            out.append(int(body[index + 1 : index + 4], 8))
            index += 4
    return out.decode("utf-8", errors="surrogateescape")
