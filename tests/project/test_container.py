"""The container image: ``Dockerfile`` linted by its structure (a pinned slim Python 3.11 base, a non-root
``USER`` last, ``auditor`` as the exec-form ``ENTRYPOINT``, only the wheel's sources copied and ``.dockerignore``
admitting exactly those), and docs/release.md's container block run where a container builder answers
(``docker info`` or ``podman info``); elsewhere that test skips and says why."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

from auditor import TOOL_NAME, __version__

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
DOC = REPO / "docs" / "release.md"


def instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order: comments dropped, continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending)
        pending = ""
    assert not pending, "a continuation line ends the file"
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in logical]


def of(kind: str) -> list[str]:
    return [arguments for instruction, arguments in instructions() if instruction == kind]


def test_the_base_is_a_pinned_slim_python_3_11() -> None:
    (base,) = of("FROM")  # one stage
    image = base.split()[0]
    assert re.fullmatch(r"python:3\.11-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", image), image  # never :latest


def test_it_runs_as_a_fixed_non_root_user() -> None:
    users = of("USER")
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.isdigit() and int(user) >= 1000, users[-1]
    last_user = max(i for i, (kind, _) in enumerate(instructions()) if kind == "USER")
    assert all(kind != "RUN" for kind, _ in instructions()[last_user:]), "a RUN after USER would need root"


def test_the_console_script_is_the_entry_point() -> None:
    (entrypoint,) = of("ENTRYPOINT")
    assert json.loads(entrypoint) == ["auditor"]  # exec form: signals reach the auditor, arguments follow
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"] == {"auditor": "auditor.launch:run"}  # signals handled before the imports


def test_only_the_wheels_sources_are_copied_and_admitted() -> None:
    copied = {source.rstrip("/") for arguments in of("COPY") for source in arguments.split()[:-1]}
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package_dirs = set(setuptools["package-dir"].values())
    assert copied == {"pyproject.toml", "README.md", "LICENSE", *package_dirs}
    assert all((REPO / path).exists() for path in copied)

    rules = [line for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    assert rules[0] == "*"  # everything refused first
    admitted = {line[1:].rstrip("/") for line in rules if line.startswith("!")}
    assert admitted == copied


def container_builder() -> str | None:
    for tool in ("docker", "podman"):
        path = shutil.which(tool)
        if path and subprocess.run([path, "info"], capture_output=True, timeout=30, check=False).returncode == 0:
            return path
    return None


@pytest.mark.slow  # builds the image (minutes, and the base image is pulled)
def test_the_documented_image_builds_and_runs(tmp_path: Path) -> None:
    builder = container_builder()
    if builder is None:
        pytest.skip("no container builder answers here (docker info / podman info fail or neither is installed)")
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Container image\n") :]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL).group(1)  # type: ignore[union-attr]
    assert f"aws-identity-auditor:{__version__} " in block
    checkout, bin_dir = tmp_path / "src", tmp_path / "bin"
    shutil.copytree(REPO, checkout, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".*_cache"))
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(builder)  # podman takes the same commands
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    done = subprocess.run(
        ["bash", "-e", "-c", block], cwd=checkout, env=env, capture_output=True, text=True, timeout=1200, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{TOOL_NAME} {__version__}" in done.stdout
    assert (checkout / "code-report" / "findings.json").is_file()  # written to the mounted tree, as the reader
