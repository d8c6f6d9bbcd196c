"""Which files of a tree ``scan-code`` reads.

Inside a git work tree: what git tracks or would track (``git ls-files -co --exclude-standard``): committed
files, and new files that ``.gitignore`` does not exclude, so a key in an ignored ``.env`` is not reported (it
is not about to be pushed) while one in a file not yet added is. Outside git: a walk of the tree that honours
``.gitignore`` files on a best-effort basis (patterns, ``!`` negation, directory-only ``/`` patterns, anchored
patterns; not every corner of git's rules). ``.git`` is never entered.

Symbolic links are never followed: a link is not read at all, so nothing outside the tree is, and a file inside
the tree is read once, under its own name.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError


def git_top_level(root: Path) -> Path | None:
    """The work tree ``root`` is in, or ``None`` outside git (or without a git binary)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def git_files(root: Path) -> list[str]:
    """Paths relative to ``root`` (forward slashes) that git tracks or would track, under ``root``, sorted."""
    return sorted(name for part in git_file_lists(root) for name in part)


def git_file_lists(root: Path) -> Iterator[list[str]]:
    """The same paths in two parts: the tracked files first, then the untracked ones ``.gitignore`` does not
    exclude, each part without repeats.

    Why two parts: git lists the tracked files from its index at once, but finding the untracked ones walks the
    whole tree (on a 10,000-file tree that walk takes as long as ``git grep`` reading every file). Both listings
    start together here, so the caller reads the tracked files while git walks; the untracked listing goes to a
    temporary file, so git never waits on a full pipe."""
    others_out = tempfile.TemporaryFile()
    others_err = tempfile.TemporaryFile()
    command = ["git", "-C", str(root), "ls-files", "-z"]
    try:
        others = subprocess.Popen(
            [*command, "-o", "--exclude-standard", "--", "."], stdout=others_out, stderr=others_err
        )
    except OSError as exc:
        others_out.close()
        others_err.close()
        raise InputError(f"git ls-files failed in {root}: {exc}") from exc
    try:
        cached = subprocess.run([*command, "-c", "--", "."], capture_output=True, check=False)
        if cached.returncode != 0:
            raise InputError(f"git ls-files failed in {root}: {cached.stderr.decode(errors='replace').strip()}")
        yield _names(cached.stdout)
        if others.wait() != 0:
            others_err.seek(0)
            raise InputError(f"git ls-files failed in {root}: {others_err.read().decode(errors='replace').strip()}")
        others_out.seek(0)
        yield _names(others_out.read())
    finally:
        if others.poll() is None:  # the caller stopped early (an error, Ctrl-C): the walk is not needed
            others.kill()
            others.wait()
        others_out.close()
        others_err.close()


def _names(listing: bytes) -> list[str]:
    """``git ls-files -z``'s output as names, each once (a file in a merge conflict is listed once per stage)."""
    return list(dict.fromkeys(name for name in listing.decode("utf-8", errors="surrogateescape").split("\0") if name))


def walked_files(root: Path) -> Iterator[str]:
    """Files under ``root`` not excluded by a ``.gitignore`` (best effort), relative, forward slashes."""
    cache: dict[str, list[_Pattern]] = {}
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        here = Path(directory)
        relative_dir = here.relative_to(root).as_posix()
        relative_dir = "" if relative_dir == "." else relative_dir
        rules = _rules_for(root, relative_dir, cache)
        kept = []
        for name in sorted(subdirectories):
            path = f"{relative_dir}/{name}" if relative_dir else name
            if name == ".git" or (here / name).is_symlink() or _ignored(rules, path, is_dir=True):
                continue
            kept.append(name)
        subdirectories[:] = kept
        for name in sorted(files):
            path = f"{relative_dir}/{name}" if relative_dir else name
            if not _ignored(rules, path, is_dir=False):
                yield path


@dataclass(frozen=True)
class _Pattern:
    base: str  # the directory of the .gitignore, relative to the root ("" at the top)
    pattern: str
    negated: bool
    directory_only: bool
    anchored: bool


def _rules_for(root: Path, relative_dir: str, cache: dict[str, list[_Pattern]]) -> list[_Pattern]:
    """The patterns of every .gitignore from the root down to ``relative_dir``, outermost first."""
    parts = relative_dir.split("/") if relative_dir else []
    rules: list[_Pattern] = []
    for depth in range(len(parts) + 1):
        base = "/".join(parts[:depth])
        if base not in cache:
            cache[base] = _read_gitignore(root / base / ".gitignore", base)
        rules += cache[base]
    return rules


def _read_gitignore(path: Path, base: str) -> list[_Pattern]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    patterns = []
    for raw in lines:
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        line = line.lstrip("/")
        if line:
            patterns.append(_Pattern(base, line, negated, directory_only, anchored))
    return patterns


def _ignored(rules: list[_Pattern], path: str, *, is_dir: bool) -> bool:
    ignored = False
    for rule in rules:  # the last matching pattern wins, as in git
        if rule.directory_only and not is_dir:
            continue
        if rule.base and not path.startswith(rule.base + "/"):
            continue
        relative = path[len(rule.base) + 1 :] if rule.base else path
        target = relative if rule.anchored else relative.rsplit("/", 1)[-1]
        if fnmatch.fnmatchcase(target, rule.pattern) or (
            rule.anchored and "**" in rule.pattern and fnmatch.fnmatchcase(relative, rule.pattern.replace("**/", "*"))
        ):
            ignored = not rule.negated
    return ignored
