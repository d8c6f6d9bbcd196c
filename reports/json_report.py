"""``findings.json``: the findings document as JSON, its loader, and its published JSON Schema.

The JSON report is the document itself (``FindingsDocument``), so ``--baseline``, ``diff`` and ``merge`` read
back exactly what ``render`` wrote. Output is deterministic: the same document gives the same bytes (field
order is the model's, lists keep the evaluation's order, nothing reads the clock).

The schema is published as ``docs/findings.schema.json``; regenerate it after changing the models with::

    python -m reports.json_report --write-schema
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from auditor.findings import FINDINGS_SCHEMA_VERSION, FindingsDocument
from auditor.jsonfile import load_versioned

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "docs" / "findings.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic's generator emits
REGENERATE_COMMAND = "python -m reports.json_report --write-schema"


def render(document: FindingsDocument, options: object = None) -> bytes:
    """The document as indented JSON (UTF-8, trailing newline). ``options`` is unused: JSON has no knobs."""
    return (document.model_dump_json(indent=2) + "\n").encode("utf-8")


def load_document(path: Path) -> FindingsDocument:
    """Read a ``findings.json``; raise ``InputError`` (exit 2) with one clear line on anything wrong."""
    return load_versioned(path, FindingsDocument, kind="findings", schema_version=FINDINGS_SCHEMA_VERSION)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``findings.json`` (pydantic's, in serialization mode, with its dialect declared)."""
    schema = FindingsDocument.model_json_schema(mode="serialization")
    return {"$schema": SCHEMA_DIALECT, **schema}


def schema_text() -> str:
    """The schema exactly as committed in ``docs/findings.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--write-schema"] and len(argv) <= 2:
        written = write_schema(Path(argv[1]) if len(argv) == 2 else SCHEMA_PATH)
        print(f"wrote {written}")
        return 0
    if not argv:
        sys.stdout.write(schema_text())
        return 0
    print(f"usage: {REGENERATE_COMMAND} [PATH]   (no arguments: print the schema)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
