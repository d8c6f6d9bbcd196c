"""docs/release.md's "Building and checking" block, run as written in a copy of the checkout, offline.

The block's lines run in bash, in order, with ``python`` on ``PATH`` a stand-in for this interpreter that changes
only what needs the network: ``pip install build twine`` installs nothing (the suite's environment has what it
has); ``python -m build`` builds without isolation (the build requirements are the suite's own, so no download),
and where ``build`` is not installed the wheel is built with ``pip wheel`` instead (no sdist then); ``twine
check`` runs where twine is installed and is reported skipped otherwise. The fresh virtual environment installs
the wheel without its dependencies (``PIP_NO_DEPS``, ``PIP_NO_INDEX``): ``auditor --version`` needs none.
The tag convention (``vX.Y.Z`` = ``__version__``) is checked against the document's tag commands.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from auditor import TOOL_NAME, __version__

DOC = REPO / "docs" / "release.md"
NOT_SOURCES = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "auditor-report")


def section_block(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(f"## {heading}\n") :]
    match = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert match, heading
    return match.group(1)


def test_the_tag_convention_names_this_version() -> None:
    block = section_block("Versions and tags")
    assert block.startswith("# Not run by the suite:")  # says why it cannot run offline
    assert re.findall(r"\bv\d+\.\d+\.\d+\b", block) == [f"v{__version__}"] * 2
    assert f"{TOOL_NAME} {__version__}" in block


def importable(name: str) -> bool:
    """As the stand-in decides (``python -c "import NAME"``)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


PYTHON_STAND_IN = textwrap.dedent(
    """\
    #!/bin/bash
    # python, offline: see tests/project/test_release.py
    real={python}
    if [ "$1 $2 $3" = "-m pip install" ] && [ "${{*:4}}" = "build twine" ]; then
        echo "python (stand-in): build and twine not installed (offline)"; exit 0
    elif [ "$1 $2" = "-m build" ]; then
        if "$real" -c "import build" 2>/dev/null; then exec "$real" -m build --no-isolation "${{@:3}}"; fi
        exec "$real" -m pip wheel --no-deps --no-build-isolation --no-index --wheel-dir dist .
    elif [ "$1 $2" = "-m twine" ]; then
        if "$real" -c "import twine" 2>/dev/null; then exec "$real" "$@"; fi
        echo "python (stand-in): twine check skipped, twine is not installed"; exit 0
    fi
    exec "$real" "$@"
    """
)


@pytest.mark.slow  # builds the wheel (and sdist) and installs it into a fresh virtual environment
def test_the_release_block_builds_a_wheel_that_runs(tmp_path: Path) -> None:
    block = section_block("Building and checking")
    assert block.startswith("# tests/project/test_release.py runs these lines")
    sources, bin_dir, temp = tmp_path / "src", tmp_path / "bin", tmp_path / "tmp"
    shutil.copytree(REPO, sources, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    bin_dir.mkdir()
    temp.mkdir()
    (bin_dir / "python").write_text(PYTHON_STAND_IN.format(python=sys.executable), encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "TMPDIR": str(temp),
        "PIP_NO_DEPS": "1",
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("VIRTUAL_ENV", None)

    done = subprocess.run(
        ["bash", "-e", "-c", block], cwd=sources, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"{TOOL_NAME} {__version__}"
    built = sorted(path.name for path in (sources / "dist").iterdir())
    wheel = f"aws_identity_auditor-{__version__}-py3-none-any.whl"
    if importable("build"):
        assert built == [wheel, f"aws_identity_auditor-{__version__}.tar.gz"]
    else:
        assert built == [wheel]
    assert (temp / "auditor-wheel" / "bin" / "auditor").is_file()  # the console script, installed from the wheel
