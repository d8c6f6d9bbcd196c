"""Temporary git repositories for the tests that read git (``scan-code --since``, ``--config-from-ref``, the
pre-commit hook): git run with a fixed identity and no system or user configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=git_env(root), check=True
    )
    return done.stdout


def git_env(root: Path) -> dict[str, str]:
    """The environment :func:`git` runs in, for a git command the test runs itself (a commit through a hook)."""
    return {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent)}  # fmt: skip
