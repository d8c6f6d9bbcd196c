"""The lines added since a git ref: what ``scan-code --since REF`` reports on (a pull request's change).

``git diff -U0 REF`` compares the ref with the work tree (committed and uncommitted changes alike); files git
does not track yet but would (not ignored) are new, so every line of them is added.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from auditor.errors import InputError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def added_lines(root: Path, since: str) -> dict[str, set[int] | None]:
    """Path (relative to ``root``) -> added line numbers; ``None`` means the whole file is new."""
    verify = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if verify.returncode != 0:
        raise InputError(f"--since {since}: not a commit in the repository at {root} (fetch it first?)")
    done = subprocess.run(
        [
            "git", "-C", str(root), "-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff",
            "--no-renames", "--relative", "--diff-filter=AM", since, "--", ".",
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise InputError(f"git diff {since} failed: {done.stderr.decode(errors='replace').strip()}")
    added: dict[str, set[int] | None] = {}
    current: set[int] | None = None
    for raw in done.stdout.decode("utf-8", errors="surrogateescape").splitlines():
        if raw.startswith("+++ "):
            name = raw[4:]
            if name == "/dev/null":
                current = None
                continue
            path = name[2:] if name.startswith("b/") else name
            current = added.setdefault(path, set())
            continue
        hunk = _HUNK.match(raw)
        if hunk and current is not None:
            start, count = int(hunk.group(1)), int(hunk.group(2) or "1")
            current.update(range(start, start + count))
    untracked = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-o", "--exclude-standard", "-z", "--", "."],
        capture_output=True,
        check=False,
    )
    for name in untracked.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        if name:
            added[name] = None
    return added
