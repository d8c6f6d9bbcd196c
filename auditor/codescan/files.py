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
    """Paths relative to ``root`` (forward slashes) that git tracks or would track, under ``root``."""
    done = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z", "--", "."],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise InputError(f"git ls-files failed in {root}: {done.stderr.decode(errors='replace').strip()}")
    names = [name for name in done.stdout.decode("utf-8", errors="surrogateescape").split("\0") if name]
    return sorted(dict.fromkeys(names))


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
