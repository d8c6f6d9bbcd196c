"""Reading a git repository's commits: what a ref names, and a file as a commit has it.

Used where the work tree cannot be trusted to say what was reviewed: ``--config-from-ref`` reads ``auditor.toml``
from a base commit, ``scan-code --since`` resolves the refs it compares. git is run as a child process with no
shell, and a ref is never taken for an option.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from auditor.errors import InputError


def commit_id(cwd: Path, ref: str) -> str | None:
    """The full id of the commit ``ref`` names in the repository around ``cwd``; ``None`` when it names none
    (unknown, not fetched, or not a commit)."""
    if ref.startswith("-"):
        return None
    done = subprocess.run(
        ["git", "-C", str(cwd), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def file_at(cwd: Path, ref: str, path: str, *, option: str) -> bytes | None:
    """The bytes of ``path`` (relative to ``cwd``, as ``git show REF:./path`` reads it) in the commit ``ref``;
    ``None`` when that commit has no such file. ``option`` names what asked, for the one error line."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(cwd), "rev-parse", "--is-inside-work-tree"], capture_output=True, check=False
        )
    except OSError as exc:
        raise InputError(f"{option} {ref}: cannot run git: {exc.strerror or exc}") from None
    if inside.returncode != 0:
        raise InputError(f"{option} {ref}: {cwd} is not in a git work tree")
    commit = commit_id(cwd, ref)
    if commit is None:
        raise InputError(f"{option} {ref}: not a commit in the repository at {cwd} (fetch it first?)")
    spec = f"{commit}:./{path}"
    exists = subprocess.run(
        ["git", "-C", str(cwd), "cat-file", "-e", spec], capture_output=True, check=False
    )  # a missing file is the only failure left: the commit is known
    if exists.returncode != 0:
        return None
    done = subprocess.run(["git", "-C", str(cwd), "show", "--no-textconv", spec], capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip()
        raise InputError(f"{option} {ref}: git show {ref}:{path} failed: {message}")
    return done.stdout
