"""The repository passes its own gate: ``auditor scan-code --fail-on high`` over the files git tracks finds
nothing at or above high. Test sources build key-shaped ids at run time (``factories.fake_key_id``) and the
saved fixtures hold only ids shaped as AWS's documented examples (ending in ``EXAMPLE``, reported as info), so
a secret scanner run over a clean checkout has nothing to report, without any suppression."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

from auditor.cli import main


def _tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout (an sdist, say): the gate runs on the files git tracks")
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    files = [REPO / name for name in listed.split("\0") if name]
    return [path for path in files if path.is_file() and not path.is_symlink()]  # a file deleted in the tree


def test_scan_code_over_the_tracked_files_passes_the_high_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _tracked_files()
    assert len(files) > 100  # the whole repository, not a corner of it
    out = tmp_path / "out"
    code = main(["scan-code", *map(str, files), "--fail-on", "high", "--format", "json", "--output-dir", str(out)])
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    failing = [f"{f['severity']} {f['message']}" for f in document["findings"] if f["severity"] in ("critical", "high")]
    assert failing == []
    assert document["errors"] == []  # every tracked file was read
    assert code == 0, capsys.readouterr().err
    # The documented examples are still found, as information: the scan did read the fixtures.
    examples = [f for f in document["findings"] if "tests/fixtures/demo-inventory.json" in f["message"]]
    assert examples and {f["severity"] for f in examples} == {"info"}
