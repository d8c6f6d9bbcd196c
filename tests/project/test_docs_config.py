"""Every ``auditor.toml`` a document shows is one the auditor accepts: a reader copies these blocks as they are,
so an unknown key or a renamed setting in a block would stop their first run (exit 2)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from auditor.engine.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


# A block opening with this comment is a package's pyproject.toml, not an auditor.toml: docs/extending.md's report
# format package, which tests/project/test_extending_guide.py builds and installs.
PYPROJECT = "# pyproject.toml"


def toml_blocks() -> list[tuple[str, int, str]]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for number, match in enumerate(re.finditer(r"```toml\n(.*?)```", text, flags=re.DOTALL), start=1):
            if not match.group(1).startswith(PYPROJECT):
                found.append((document.relative_to(REPO).as_posix(), number, match.group(1)))
    return found


@pytest.mark.parametrize(("document", "number", "block"), toml_blocks(), ids=lambda v: str(v)[:20])
def test_every_toml_block_in_the_docs_loads(document: str, number: int, block: str, tmp_path: Path) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(block, encoding="utf-8")

    load_config(path)  # raises (an InputError naming the key) on anything the auditor would refuse


def test_the_guide_finds_blocks_to_check() -> None:
    """The pattern above must keep finding the blocks: a changed fence would make the test pass on nothing."""
    assert {document for document, _, _ in toml_blocks()} >= {"README.md", "docs/migration.md", "docs/ci.md"}


def test_the_migration_guide_settings_mean_what_it_says() -> None:
    """The readiness settings the guide documents reach the configuration with the meaning its comments give."""
    (block,) = [b for d, _, b in toml_blocks() if d == "docs/migration.md"]
    config = Config.model_validate(tomllib.loads(block))
    assert config.readiness.confirmed_pairs == [("admin", "alice@example.com")]
    assert config.readiness.emergency_access == {
        "111122223333": "root user: password and FIDO keys in the safe, runbook SEC-12"
    }
    assert config.readiness.email_tag == "email"
    assert config.thresholds.unused_days == 45
    assert config.production_patterns == ["name:*prod*"]
